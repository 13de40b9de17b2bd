"""The header row: where it is, and the table it heads (names checked, empty rows and columns dropped)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _col_letter, _short

_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar", "whitespace": ""}


def _find_header(rows: list[list[str]]) -> int:
    """Index of the header row among the first rows (cells already stripped).

    The table's width is the most common "reach" (position of the last non-empty cell) among
    non-blank rows; the header is the first row with at least two values (one for a one-column
    table) whose reach covers at least three quarters of that width. Title rows ("Sales report
    March 2024") and blank rows above it are skipped. A known export's header row is taken
    as it is (:func:`analysis.ingest.profiles.known_header_row`).
    """
    known = _profiles.known_header_row(rows)
    if known is not None:
        return known
    spans = []
    for r in rows:
        last = 0
        for i, c in enumerate(r):
            if c:
                last = i + 1
        spans.append(last)
    nonblank = [s for s in spans if s]
    if not nonblank:
        return 0
    counts = Counter(nonblank)
    width = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    need = max(1, math.ceil(0.75 * width))
    for i, r in enumerate(rows):
        filled = sum(1 for c in r if c)
        if filled >= min(2, width) and spans[i] >= need:
            return i
    return next(i for i, s in enumerate(spans) if s)


def _finish(
    header: list[str],
    body: pd.DataFrame,
    header_row: int,
    where: str,
    *,
    header_fields: int,
    text_delim: str | None = None,
) -> pd.DataFrame:
    """Make the table: names checked, empty rows and unnamed empty columns dropped.

    Refuses blank or repeated names, values beyond the header, and a header without rows.
    """
    names = [str(h).strip() for h in header]
    names += [""] * (body.shape[1] - len(names))
    if "" in names and len(body):  # a second header row naming the options (SurveyMonkey)
        first = [str(v) if isinstance(v, str) else "" for v in body.iloc[0].tolist()]
        names = _profiles.name_subheader_columns(names, first) or names
        names = _profiles.name_group_column(names) or names  # QuickBooks grouped report
    nonempty = {}
    for i in range(body.shape[1]):
        col = body.iloc[:, i]
        nonempty[i] = col.str.strip().ne("").to_numpy(dtype=bool, na_value=False)
    keep_cols = []
    for i, nm in enumerate(names):
        if nm:
            keep_cols.append(i)
            continue
        mask = nonempty[i]
        if not mask.any():
            continue  # an unnamed, fully empty column is not data
        first = int(np.argmax(mask))
        row = int(body.index[first])
        value = _short(body.iloc[first, i])
        if text_delim is not None and i >= header_fields:
            n_vals = int(sum(bool(nonempty[j][first]) for j in range(body.shape[1])))
            raise DataError(
                f"Row {row} of {where} has more values than the header (row {header_row}) has "
                f"column names, so we cannot tell which column '{value}' belongs to. This often "
                "happens when a value contains the delimiter "
                f"({_DELIM_NAMES.get(text_delim) or 'a space'}) without quotation marks "
                f"around it. Fix row {row} (it has at least {n_vals} values) and upload again."
            )
        raise DataError(
            f"Column {_col_letter(i)} of {where} has no name in the header row (row "
            f"{header_row}) but holds values (e.g. '{value}' in row {row}). Give that column "
            "a name and upload the file again."
        )
    seen: dict[str, int] = {}
    for i in keep_cols:
        nm = names[i]
        if nm in seen:
            raise DataError(
                f"The header row (row {header_row}) of {where} has the column name '{nm}' more "
                f"than once (columns {_col_letter(seen[nm])} and {_col_letter(i)}). Each column "
                "needs a different name; rename one of them and upload again."
            )
        seen[nm] = i
    if keep_cols:
        any_value = np.zeros(len(body), dtype=bool)
        for i in keep_cols:
            any_value |= nonempty[i]
    else:
        any_value = np.zeros(len(body), dtype=bool)
    out = body.iloc[:, keep_cols]
    if not any_value.all():
        out = out.loc[any_value]
    out = out.set_axis([names[i] for i in keep_cols], axis=1)
    out.index = pd.Index(out.index.to_numpy(dtype=np.int64), name="row")
    if len(out) == 0:
        raise DataError(
            f"{where[0].upper() + where[1:]} has column names (row {header_row}) but no data "
            "rows below them."
        )
    for c in out.columns:
        if not isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype("str")
    return out

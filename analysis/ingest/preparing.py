"""What ``prepare_transactions`` and ``prepare_responses`` share: the result, the checks
of a mapping, the set-aside rows and the notes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.ingest.cells import _as_text


@dataclass
class Prepared:
    """Result of :func:`prepare_transactions` / :func:`prepare_responses`.

    Attributes
    ----------
    data : pd.DataFrame
        The canonical table (RangeIndex), one row per usable source row.
    rejected : pd.DataFrame
        The source rows that could not be used: every original column as text, plus ``row``
        (the row number as the spreadsheet shows it) and ``reason`` (plain words).
    warnings : list[str]
        Plain-language notes about the data (kept-but-odd lines, assumptions made).
    mapping : dict[str, str]
        Role -> source column actually used.
    report : dict
        Figures for a data-health panel (see the prepare functions for the keys).
    anonymous : pd.DataFrame
        Transactions only: sales with a date and an amount but no customer (guest checkouts,
        till sales, "Walk-in"), kept apart so that no customer analysis sees them: ``row``,
        ``order_id``, ``order_date``, ``amount``, the optional roles present, the unmapped
        source columns, and ``why`` ("no customer id" or "guest or walk-in sale"). They count
        in total revenue and orders (:func:`analysis.overview.sales_without_customer`).
        Empty (no columns) for survey responses.

    Always ``len(data) + len(anonymous) + len(rejected)`` equals the number of rows read.
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    anonymous: pd.DataFrame = field(default_factory=pd.DataFrame)


# ---------------------------------------------------------------------------------------------
# prepare_transactions / prepare_responses
# ---------------------------------------------------------------------------------------------

_ROLE_WORDS = {
    "customer_id": "customer id",
    "order_id": "order / invoice number",
    "order_date": "order date",
    "amount": "amount",
    "quantity": "quantity",
    "unit_price": "unit price",
    "product": "product",
    "category": "category",
    "channel": "channel",
    "country": "country",
    "response_date": "response date",
    "score": "score (0-10, 'How likely are you to recommend us?')",
    "comment": "comment",
    "csat": "satisfaction score (1-5)",
    "ces": "effort score (1-7)",
}

_AMBIG_DATE_WARNING = (
    "Dates like 03/04/2024 could be 3 April or March 4; we read them as day/month/year. "
    "Change this under 'Date order' if that is wrong."
)


def _file_label(raw: pd.DataFrame) -> str:
    name = raw.attrs.get("filename")
    return f"'{name}'" if name else "the table"


def _check_mapping(raw: pd.DataFrame, mapping: dict[str, str], roles: tuple[str, ...]) -> dict:
    clean = {r: c for r, c in mapping.items() if c is not None and c != ""}
    unknown = [r for r in clean if r not in roles]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; expected some of {list(roles)}")
    cols = list(raw.columns)
    for r, c in clean.items():
        if c not in cols:
            raise DataError(
                f"The column '{c}' chosen as {_ROLE_WORDS[r]} is not in {_file_label(raw)}; "
                f"its columns are: {', '.join(repr(str(x)) for x in cols)}."
            )
    counts = Counter(clean.values())
    twice = [c for c, k in counts.items() if k > 1]
    if twice:
        c = twice[0]
        rs = [_ROLE_WORDS[r] for r, cc in clean.items() if cc == c]
        raise DataError(
            f"The column '{c}' is chosen for more than one role ({' and '.join(rs)}); each "
            "column can play only one role."
        )
    return {r: clean[r] for r in roles if r in clean}


def _row_numbers(raw: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers: read_table's index, or position + 2 for other tables."""
    idx = raw.index
    if raw.attrs.get("header_row") is not None or idx.name == "row":
        try:
            return idx.to_numpy(dtype=np.int64)
        except (TypeError, ValueError):
            pass
    if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
        return np.arange(2, len(raw) + 2, dtype=np.int64)
    try:
        return idx.to_numpy(dtype=np.int64)
    except (TypeError, ValueError):
        return np.arange(2, len(raw) + 2, dtype=np.int64)


def _text_role(raw: pd.DataFrame, col: str) -> pd.Series:
    """Trimmed text; empty cells become missing (NaN)."""
    t = _as_text(raw[col]).str.strip()
    return t.where(t != "")


def _select_reasons(n: int, checks: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """First applicable reason per row ("" = usable)."""
    reason = np.full(n, "", dtype=object)
    free = np.ones(n, dtype=bool)
    for mask, label in checks:
        hit = mask & free
        if hit.any():
            reason[hit] = label
            free &= ~hit
    return reason


def _duplicates(raw: pd.DataFrame, used: np.ndarray) -> int:
    """Rows (among the used ones) whose source cells all equal an earlier used row's."""
    if not used.any() or raw.shape[1] == 0:
        return 0
    sub = raw if used.all() else raw.iloc[np.flatnonzero(used)]
    h = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    return int(pd.Series(h).duplicated().sum())


def _take(values: Any, used: np.ndarray, everything: bool) -> Any:
    arr = values.array if isinstance(values, pd.Series) else values
    return arr if everything else arr[used]


def _canonical_frame(
    raw: pd.DataFrame, used: np.ndarray, canonical: dict[str, Any], mapping: dict[str, str]
) -> pd.DataFrame:
    """The ``used`` rows: canonical columns, then the unmapped source columns as text."""
    everything = bool(used.all())
    mapped = set(mapping.values())
    cols: dict[str, Any] = {name: _take(v, used, everything) for name, v in canonical.items()}
    for c in raw.columns:
        if c in mapped:
            continue
        out_name = str(c)
        while out_name in cols:
            out_name = f"{out_name} (original)"
        cols[out_name] = _take(_as_text(raw[c]), used, everything)
    data = pd.DataFrame(cols)
    data.index = pd.RangeIndex(len(data))
    return data


def _finalise(
    raw: pd.DataFrame,
    reason: np.ndarray,
    canonical: dict[str, Any],
    mapping: dict[str, str],
    aside: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical data (usable rows, canonical then unmapped columns) and the rejected rows.

    Rows in ``aside`` (anonymous sales) are in neither.
    """
    used = reason == ""
    data = _canonical_frame(raw, used, canonical, mapping)

    rej = ~used if aside is None else ~used & ~aside
    rejected = raw.iloc[np.flatnonzero(rej)].reset_index(drop=True)
    rejected = pd.DataFrame({c: _as_text(rejected[c]) for c in rejected.columns})
    for key, values in (("row", _row_numbers(raw)[rej]), ("reason", reason[rej].astype(str))):
        if key in rejected.columns:
            new = f"{key} (original)"
            while new in rejected.columns:
                new += " (original)"
            rejected = rejected.rename(columns={key: new})
        rejected[key] = values
    rejected["reason"] = rejected["reason"].astype("str")
    rejected["row"] = rejected["row"].astype(np.int64)
    data.attrs = {}
    rejected.attrs = {}
    return data, rejected


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _rejection_summary(reason: np.ndarray, total: int) -> tuple[dict[str, int], list[str]]:
    by = Counter(reason[reason != ""].tolist())
    by_reason = dict(by.most_common())
    if not by_reason:
        return {}, []
    n = sum(by_reason.values())
    detail = "; ".join(f"{k}: {v:,}" for k, v in by_reason.items())
    return by_reason, [
        f"{_plural(n, 'row')} of {total:,} could not be used and {'was' if n == 1 else 'were'} "
        f"set aside ({detail}). You can download them, fix them and upload the file again."
    ]


def _future_note(dates: pd.Series, what: str) -> tuple[int, list[str]]:
    today_end = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    future = (dates >= today_end).to_numpy(dtype=bool, na_value=False)
    n = int(future.sum())
    if not n:
        return 0, []
    latest = dates[future].max()
    return n, [
        f"{_plural(n, what)} {'is' if n == 1 else 'are'} dated after today (latest "
        f"{latest:%Y-%m-%d}); {'it is' if n == 1 else 'they are'} kept."
    ]


def _dup_note(n: int, what: str) -> list[str]:
    if not n:
        return []
    copies = "is an exact copy" if n == 1 else "are exact copies"
    return [
        f"{_plural(n, what)} {copies} of an earlier {what}; {'it is' if n == 1 else 'they are'}"
        " kept, but check that your export did not list them twice."
    ]


def _distinct_pairs(a: pd.Series, b: pd.Series) -> int:
    if len(a) == 0:
        return 0
    ca, _ = pd.factorize(a)
    cb, ub = pd.factorize(b)
    key = ca.astype(np.int64) * (len(ub) + 1) + cb
    return int(len(np.unique(key)))


def _ambiguous_number_note(col: str, fmt: str | None) -> str:
    return (
        f"Numbers in '{col}' like 1,234 or 1.234 could be read two ways; we read them as "
        f"{'1,234.56 (a point before the decimals)' if fmt != '1.234,56' else '1.234,56'}. "
        "If that is wrong, check how the file writes its numbers."
    )

"""What ``prepare_transactions`` and ``prepare_responses`` share.

The result (:class:`Prepared`), the checks of a mapping, the set-aside rows with their reasons,
the notes every table gets (duplicates, future dates) and the report's common figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.columns import RESPONSE_ROLES, TRANSACTION_ROLES
from analysis.core.errors import DataError
from analysis.core.text import plural
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _as_text
from analysis.ingest.detecting import detect_columns
from analysis.ingest.parsing import _parse_dates, _Parsed


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
    """Name the table in a message: its file name in quotes, or "the table"."""
    name = raw.attrs.get("filename")
    return f"'{name}'" if name else "the table"


def _columns_listed(raw: pd.DataFrame) -> str:
    """List the table's column names for a message: ``'a', 'b', 'c'``."""
    return ", ".join(repr(str(c)) for c in raw.columns)


def _check_mapping(raw: pd.DataFrame, mapping: dict[str, str], roles: tuple[str, ...]) -> dict:
    """Return ``mapping`` without blank entries, in role order; refuse unknown roles and columns.

    Raises
    ------
    ValueError
        A role that is not one of ``roles`` (a programming error).
    DataError
        A column that is not in the table, or one column chosen for two roles.
    """
    clean = {r: c for r, c in mapping.items() if c is not None and c != ""}
    unknown = [r for r in clean if r not in roles]
    if unknown:
        raise ValueError(f"unknown role(s) {unknown}; expected some of {list(roles)}")
    for r, c in clean.items():
        if c not in raw.columns:
            raise DataError(
                f"The column '{c}' chosen as {_ROLE_WORDS[r]} is not in {_file_label(raw)}; "
                f"its columns are: {_columns_listed(raw)}."
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


def _resolve_mapping(raw: pd.DataFrame, mapping: dict[str, str] | None, kind: str) -> dict:
    """Return the checked mapping: the one given, or :func:`detect_columns`' guess for None."""
    if mapping is None:
        mapping = detect_columns(raw, kind)
    roles = TRANSACTION_ROLES if kind == "transactions" else RESPONSE_ROLES
    return _check_mapping(raw, mapping, roles)


def _hand_mapping_note(raw: pd.DataFrame, mapping: dict | None, kind: str) -> list[str]:
    """Say that a known export's own rules are not applied to columns chosen by hand.

    :func:`~analysis.ingest.profiles.prepare_known_export` applies a profile only with no
    mapping or the export's own; any other mapping reads the file as an unknown one.
    """
    if mapping is None or raw.attrs.get("profile"):
        return []
    profile = _profiles.match_profile(raw.columns, kind)
    if profile is None:
        return []
    article = "an" if profile.name[:1].lower() in "aeiou" else "a"
    rules = (
        "rows left out by status, refunds, order totals counted once per order"
        if kind == "transactions"
        else "extra header rows, test and preview responses left out"
    )
    return [
        f"The file looks like {article} {profile.name}, but its columns were chosen by hand, "
        f"so it is read as you chose them, like any other file: the export's own rules "
        f"({rules}) are not applied. Choose the detected columns again to apply them."
    ]


def _require(raw: pd.DataFrame, missing: list[str], what: str) -> None:
    """Refuse a mapping without a required role, naming it and the table's columns."""
    if missing:
        raise DataError(
            f"We could not find the {' and the '.join(missing)} in {_file_label(raw)}. Its "
            f"columns are: {_columns_listed(raw)}. Choose {what} by hand."
        )


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


def _duplicates(raw: pd.DataFrame, used: np.ndarray, first: str | None = None) -> int:
    """Rows (among the used ones) whose source cells all equal an earlier used row's.

    The columns are numbered (equal cells, equal codes) one by one, ``first`` (the order
    number, say) first, and the codes combined; once every row has a code of its own no row
    can repeat another, and the other columns are not looked at.
    """
    if not used.any() or raw.shape[1] == 0:
        return 0
    sub = raw if used.all() else raw.iloc[np.flatnonzero(used)]
    n = len(sub)
    key = np.zeros(n, dtype=np.int64)
    distinct = 1
    order = list(range(sub.shape[1]))
    if first is not None and first in sub.columns:
        at = sub.columns.get_loc(first)
        if isinstance(at, int):
            order.remove(at)
            order.insert(0, at)
    for i in order:
        codes, k = _cell_codes(sub.iloc[:, i])
        key, uniques = pd.factorize(key * k + codes)
        distinct = len(uniques)
        if distinct == n:
            break
    return n - distinct


def _cell_codes(col: pd.Series) -> tuple[np.ndarray, int]:
    """Return codes for a column's cells (equal cells, equal codes; missing is a value) and their count.

    Text is compared as text; other columns by their pandas hash, as a row hash compares them.
    """
    if not isinstance(col.dtype, pd.StringDtype):
        col = pd.Series(pd.util.hash_pandas_object(col, index=False).to_numpy())
    codes, uniques = pd.factorize(col, use_na_sentinel=False)
    return codes.astype(np.int64), len(uniques)


def _take(values: Any, used: np.ndarray, everything: bool) -> Any:
    """Return the ``used`` values (all of them, without a copy, when ``everything``)."""
    arr = values.array if isinstance(values, pd.Series) else values
    return arr if everything else arr[used]


def _canonical_frame(
    raw: pd.DataFrame, used: np.ndarray, canonical: dict[str, Any], mapping: dict[str, str]
) -> pd.DataFrame:
    """Build the ``used`` rows: canonical columns, then the unmapped source columns as text."""
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


def _with_row_and_reason(rejected: pd.DataFrame, rows: Any, reasons: Any) -> pd.DataFrame:
    """Add the ``row`` and ``reason`` columns to set-aside rows.

    A file's own columns of those names get " (original)" added to their name.
    """
    for key, values in (("row", rows), ("reason", reasons)):
        if key in rejected.columns:
            new = f"{key} (original)"
            while new in rejected.columns:
                new += " (original)"
            rejected = rejected.rename(columns={key: new})
        rejected[key] = values
    rejected["reason"] = rejected["reason"].astype("str")
    return rejected


def _finalise(
    raw: pd.DataFrame,
    reason: np.ndarray,
    canonical: dict[str, Any],
    mapping: dict[str, str],
    aside: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the canonical data (usable rows) and the rejected rows (as the file wrote them).

    Rows in ``aside`` (anonymous sales) are in neither.
    """
    used = reason == ""
    data = _canonical_frame(raw, used, canonical, mapping)

    rej = ~used if aside is None else ~used & ~aside
    rejected = raw.iloc[np.flatnonzero(rej)].reset_index(drop=True)
    rejected = pd.DataFrame({c: _as_text(rejected[c]) for c in rejected.columns})
    rejected = _with_row_and_reason(rejected, _row_numbers(raw)[rej], reason[rej].astype(str))
    rejected["row"] = rejected["row"].astype(np.int64)
    data.attrs = {}
    rejected.attrs = {}
    return data, rejected


def _rejection_summary(reason: np.ndarray, total: int) -> tuple[dict[str, int], list[str]]:
    """Count the set-aside rows by reason, and the note that says so ("" = a usable row)."""
    by = Counter(reason[reason != ""].tolist())
    by_reason = dict(by.most_common())
    if not by_reason:
        return {}, []
    n = sum(by_reason.values())
    detail = "; ".join(f"{k}: {v:,}" for k, v in by_reason.items())
    return by_reason, [
        f"{plural(n, 'row')} of {total:,} could not be used and {'was' if n == 1 else 'were'} "
        f"set aside ({detail}). You can download them, fix them and upload the file again."
    ]


def _future_note(dates: pd.Series, what: str) -> tuple[int, list[str]]:
    """Count the ``what``s dated after today, and the note that says so."""
    today_end = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    future = (dates >= today_end).to_numpy(dtype=bool, na_value=False)
    n = int(future.sum())
    if not n:
        return 0, []
    latest = dates[future].max()
    return n, [
        f"{plural(n, what)} {'is' if n == 1 else 'are'} dated after today (latest "
        f"{latest:%Y-%m-%d}); {'it is' if n == 1 else 'they are'} kept."
    ]


def _dup_note(n: int, what: str) -> list[str]:
    """Say that ``n`` ``what``s are exact copies of earlier ones (nothing when none)."""
    if not n:
        return []
    copies = "is an exact copy" if n == 1 else "are exact copies"
    return [
        f"{plural(n, what)} {copies} of an earlier {what}; {'it is' if n == 1 else 'they are'}"
        " kept, but check that your export did not list them twice."
    ]


def _distinct_pairs(a: pd.Series, b: pd.Series) -> int:
    """Count the distinct (a, b) pairs (customer and order: the orders)."""
    if len(a) == 0:
        return 0
    ca, _ = pd.factorize(a)
    cb, ub = pd.factorize(b)
    key = ca.astype(np.int64) * (len(ub) + 1) + cb
    return int(len(pd.unique(key)))


def _ambiguous_number_note(col: str, fmt: str | None) -> str:
    """Say how numbers like 1,234 in ``col`` were read."""
    return (
        f"Numbers in '{col}' like 1,234 or 1.234 could be read two ways; we read them as "
        f"{'1,234.56 (a point before the decimals)' if fmt != '1.234,56' else '1.234,56'}. "
        "If that is wrong, check how the file writes its numbers."
    )


@dataclass
class _Draft:
    """What a prepare function has found, before the common tail makes a :class:`Prepared`.

    ``lead`` notes come first, after the file's own; ``notes`` are the function's own notes
    (in order), after the set-aside notes; the common tail adds the duplicate and future-date
    notes after them, then ``late_notes``.
    """

    raw: pd.DataFrame
    mapping: dict[str, str]
    lead: list[str] = field(default_factory=list)
    reason: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    notes: list[str] = field(default_factory=list)
    number_format: dict[str, str] = field(default_factory=dict)
    date_format: dict[str, str] = field(default_factory=dict)
    dayfirst_assumed: bool = False

    def read_dates(self, col: str, dayfirst: bool | None) -> _Parsed:
        """Parse the date column ``col``, noting its format and a guessed day/month order."""
        dates = _parse_dates(self.raw[col], dayfirst)
        if dates.fmt:
            self.date_format[col] = dates.fmt
        self.dayfirst_assumed = bool(dates.ambiguous)
        if self.dayfirst_assumed:
            self.notes.append(_AMBIG_DATE_WARNING)
        return dates


def _prepared(
    draft: _Draft,
    data: pd.DataFrame,
    rejected: pd.DataFrame,
    *,
    what: str,
    counts: dict[str, Any],
    extra: dict[str, Any] | None = None,
    rejected_reason: np.ndarray | None = None,
    rejection_notes: list[str] | None = None,
    late_notes: list[str] | None = None,
    anonymous: pd.DataFrame | None = None,
) -> Prepared:
    """Make the :class:`Prepared` result: the common notes and report figures of both kinds.

    Parameters
    ----------
    draft : _Draft
        The table, mapping, reasons ("" = used), notes and formats found so far.
    data, rejected : pd.DataFrame
        The canonical rows and the set-aside ones (from :func:`_finalise`).
    what : {"line", "response"}
        What one row is, in the notes.
    counts : dict
        The kind's own report figures, placed after ``date_max``.
    extra : dict, optional
        Report figures placed last.
    rejected_reason : np.ndarray, optional
        The reasons to count as set aside (default ``draft.reason``).
    rejection_notes, late_notes : list[str], optional
        Notes placed after the set-aside note, and after all the others.
    anonymous : pd.DataFrame, optional
        The sales without a customer (transactions).
    """
    raw = draft.raw
    n = len(raw)
    by_reason, rej_notes = _rejection_summary(
        draft.reason if rejected_reason is None else rejected_reason, n
    )
    used = draft.reason == ""
    dups = _duplicates(raw, used, draft.mapping.get("order_id"))
    od = data[TRANSACTION_ROLES[2] if what == "line" else RESPONSE_ROLES[0]]
    n_future, future_notes = _future_note(od, what)
    has_dates = bool(len(data)) and bool(od.notna().any())
    report = {
        "rows_read": n,
        "rows_used": len(data),
        "rows_rejected": len(rejected),
        "rejected_by_reason": by_reason,
        "date_min": od.min() if has_dates else None,
        "date_max": od.max() if has_dates else None,
        **counts,
        "duplicate_lines": dups,
        "future_dates": n_future,
        "number_format": draft.number_format,
        "date_format": draft.date_format,
        "dayfirst_assumed": draft.dayfirst_assumed,
        **(extra or {}),
    }
    warnings = (
        list(raw.attrs.get("warnings", None) or [])
        + draft.lead
        + rej_notes
        + (rejection_notes or [])
        + draft.notes
        + _dup_note(dups, what)
        + future_notes
        + (late_notes or [])
    )
    if anonymous is None:
        return Prepared(data, rejected, warnings, dict(draft.mapping), report)
    return Prepared(data, rejected, warnings, dict(draft.mapping), report, anonymous)

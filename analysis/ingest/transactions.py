"""``prepare_transactions``: a raw transactions table into the canonical ``tx`` table.

The canonical table
-------------------
``data`` (RangeIndex) columns, in order: ``customer_id`` (str, trimmed), ``order_id`` (str;
when the file has no order column, or the cell is empty, ``"<customer_id>|<ISO timestamp>"``:
one order per customer per timestamp), ``order_date`` (datetime64[ns], naive), ``amount``
(float64, the line's net amount in the file's currency, negative for refunds; ``quantity *
unit_price`` rounded to 8 decimals when there is no amount column), then the optional roles
present: ``quantity``, ``unit_price`` (float64, NaN when blank or not a number), ``product``,
``category``, ``channel``, ``country`` (str, missing when blank), then every unmapped source
column as str (renamed ``"<name> (original)"`` on a clash).

``anonymous``: the rows with a usable date and amount but no customer (an empty cell, or
"Walk-in", "Guest", "Cash customer", ...), in neither ``data`` nor ``rejected`` (see
:class:`~analysis.ingest.preparing.Prepared`).

Set-aside rows
--------------
``rejected``: the first reason that applies, of "a total row, not a sale" (no date, first cell
"Total", "Summe", ...), "missing customer id", "no customer (guest or walk-in sale)" (these
two only when the date or amount is unusable too), "missing date", "unparseable date",
"missing amount", "unparseable amount" (or "missing quantity", "unparseable quantity",
"missing unit price", "unparseable unit price" when the amount is computed). Cells like
``NA``, ``n/a``, ``null``, ``-`` count as empty here.

Known exports
-------------
A known export (:mod:`analysis.ingest.profiles`), with ``mapping`` None or the one
:func:`~analysis.ingest.detecting.detect_columns` gives, is read with its own meaning:
left-out statuses and header rows are set aside with their reason, refunds subtracted, order
totals counted once per order; ``warnings`` then start with what was recognised and
``report`` has ``profile`` and ``profile_name``.

Report
------
``report`` keys: rows_read, rows_used, rows_rejected, rejected_by_reason, date_min, date_max,
customers, orders (distinct customer/order pairs), refund_lines (amount < 0),
zero_amount_lines, duplicate_lines (used rows whose source cells all equal an earlier used
row's), future_dates (dated after today), number_format ({column: "1,234.56" / "1.234,56" /
"1234.56" ...}), date_format ({column: plain words}), dayfirst_assumed, anonymous_lines,
anonymous_orders, anonymous_amount (the sales without a customer: lines, distinct order
numbers, net sum), doubts (:mod:`analysis.ingest.doubts`). Refunds, zero amounts, duplicates
and future dates are kept and counted in ``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.currency import table_currency
from analysis.core.text import money, plural
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _NULL_TOKENS
from analysis.ingest.doubts import _doubts
from analysis.ingest.parsing import _parse_numbers, _Parsed
from analysis.ingest.preparing import (
    _ROLE_WORDS,
    Prepared,
    _ambiguous_number_note,
    _canonical_frame,
    _distinct_pairs,
    _Draft,
    _finalise,
    _hand_mapping_note,
    _prepared,
    _require,
    _resolve_mapping,
    _row_numbers,
    _select_reasons,
    _text_role,
)


def prepare_transactions(
    raw: pd.DataFrame, mapping: dict[str, str] | None = None, *, dayfirst: bool | None = None
) -> Prepared:
    """Turn a raw transactions table into the canonical ``tx`` table.

    Parameters
    ----------
    raw : pd.DataFrame
        Text table from :func:`read_table` (index = spreadsheet row numbers; for other tables
        with a default RangeIndex, row = position + 2, i.e. a header on row 1 is assumed).
    mapping : dict[str, str], optional
        Role -> column. ``None`` means :func:`detect_columns`. Required: ``customer_id``,
        ``order_date`` and ``amount`` or (``quantity`` and ``unit_price``).
    dayfirst : bool, optional
        How to read dates like 03/04/2024 when no value in the column settles the order.
        ``None``: day/month/year, with a warning.

    Returns
    -------
    Prepared
        ``data`` (the canonical table), ``anonymous`` (sales without a customer),
        ``rejected`` (set-aside rows with their reason), ``warnings``, ``mapping`` and
        ``report``: see :mod:`analysis.ingest.transactions` for the columns, reasons and
        report keys.

    Raises
    ------
    DataError
        A required role is missing (the message names it and lists the file's columns), or a
        mapped column is not in the table.
    """
    known = _profiles.prepare_known_export(raw, "transactions", mapping, dayfirst=dayfirst)
    if known is not None:
        return known  # a known export, read with its own meaning (ingest_profiles)
    lead = _hand_mapping_note(raw, mapping, "transactions")
    mapping = _resolve_mapping(raw, mapping, "transactions")
    _require(raw, _missing_roles(mapping), "the matching columns")
    draft = _Draft(raw, mapping, lead)
    cells = _read_cells(draft, dayfirst)
    draft.reason = reason = _select_reasons(len(raw), cells.checks)
    anon = _anonymous_rows(reason, cells.checks)
    used = reason == ""
    _blank_number_notes(draft, cells.nums, used)
    oid, no_oid = _order_ids(draft, cells, used)
    canonical = _canonical(draft, cells, oid)
    data, rejected = _finalise(raw, reason, canonical, mapping, aside=anon)
    data["order_id"] = data["order_id"].astype("str")
    anonymous = _anonymous_frame(raw, anon, reason, canonical, mapping, no_oid)
    currency = table_currency(raw, mapping) if len(anonymous) else None  # for the note only
    anon_notes, anon_report = _anonymous_note(anonymous, currency)
    refunds, zeros = _amount_notes(draft, data["amount"].to_numpy())
    doubts = _doubts(raw, used, data, mapping)
    counts = {
        "customers": int(data["customer_id"].nunique()),
        "orders": _distinct_pairs(data["customer_id"], data["order_id"]),
        "refund_lines": refunds,
        "zero_amount_lines": zeros,
    }
    return _prepared(
        draft,
        data,
        rejected,
        what="line",
        counts=counts,
        extra={**anon_report, "doubts": doubts},
        rejected_reason=np.where(anon, "", reason),
        rejection_notes=anon_notes,
        late_notes=[d["message"] for d in doubts],
        anonymous=anonymous,
    )


def _missing_roles(mapping: dict[str, str]) -> list[str]:
    """Name the required roles ``mapping`` lacks."""
    missing = [_ROLE_WORDS[r] for r in ("customer_id", "order_date") if r not in mapping]
    if "amount" not in mapping and not ("quantity" in mapping and "unit_price" in mapping):
        missing.append("amount (or quantity and unit price)")
    return missing


@dataclass
class _Cells:
    """The parsed cells of the required roles, and the checks that set rows aside."""

    cust: pd.Series
    dates: _Parsed
    nums: dict[str, _Parsed]
    amount: np.ndarray
    checks: list[tuple[np.ndarray, str]]


def _read_cells(draft: _Draft, dayfirst: bool | None) -> _Cells:
    """Parse the customer, date and number columns, noting their formats in ``draft``."""
    raw, mapping = draft.raw, draft.mapping
    cust = _text_role(raw, mapping["customer_id"])
    cust_missing = cust.isna().to_numpy(dtype=bool) | cust.isin(_NULL_TOKENS).to_numpy(bool)
    dates = draft.read_dates(mapping["order_date"], dayfirst)
    nums: dict[str, _Parsed] = {}
    for role in ("amount", "quantity", "unit_price"):
        if role in mapping:
            col = mapping[role]
            nums[role] = p = _parse_numbers(raw[col])
            draft.number_format[col] = p.fmt or "1234.56"
            if p.ambiguous:
                draft.notes.append(_ambiguous_number_note(col, p.fmt))
    total_row = np.zeros(len(raw), dtype=bool)  # a report's "Total" / "Summe" line (no date)
    if dates.empty.any():
        at = np.flatnonzero(dates.empty)
        total_row[at] = _profiles.total_rows(raw.iloc[at])
    checks: list[tuple[np.ndarray, str]] = [
        (total_row, "a total row, not a sale"),
        (cust_missing, "missing customer id"),
        (_placeholders(cust), "no customer (guest or walk-in sale)"),
        (dates.empty, "missing date"),
        (dates.bad, "unparseable date"),
    ]
    amount, amount_checks = _amount(nums)
    return _Cells(cust, dates, nums, amount, checks + amount_checks)


def _placeholders(cust: pd.Series) -> np.ndarray:
    """Mark the placeholder customers ("Walk-in", "Guest", ...), each distinct cell tested once."""
    codes, uniques = pd.factorize(cust, use_na_sentinel=False)
    if not len(uniques):
        return np.zeros(len(cust), dtype=bool)
    return _profiles.placeholder_customers(pd.Series(uniques))[codes]


def _amount(nums: dict[str, _Parsed]) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
    """Return the amounts (or quantity x unit price) and the checks of their cells."""
    if "amount" in nums:
        a = nums["amount"]
        return a.values, [(a.empty, "missing amount"), (a.bad, "unparseable amount")]
    q, pr = nums["quantity"], nums["unit_price"]
    checks = [
        (q.empty, "missing quantity"),
        (q.bad, "unparseable quantity"),
        (pr.empty, "missing unit price"),
        (pr.bad, "unparseable unit price"),
    ]
    with np.errstate(invalid="ignore"):
        return np.round(q.values * pr.values, 8), checks


def _anonymous_rows(reason: np.ndarray, checks: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Mark the sales with a date and an amount but no customer: kept apart, not set aside."""
    n = len(reason)
    nocust = (reason == _NO_CUSTOMER[0]) | (reason == _NO_CUSTOMER[1])
    if not nocust.any():
        return np.zeros(n, dtype=bool)
    rest = _select_reasons(n, [c for c in checks if c[1] not in _NOT_A_SALE])
    return nocust & (rest == "")


def _blank_number_notes(draft: _Draft, nums: dict[str, _Parsed], used: np.ndarray) -> None:
    """Note the quantities and unit prices left blank beside an amount column."""
    if "amount" not in nums:
        return
    for role in ("quantity", "unit_price"):
        if role in nums:
            k = int((nums[role].bad & used).sum())
            if k:
                draft.notes.append(
                    f"{plural(k, 'value')} in '{draft.mapping[role]}' {'is' if k == 1 else 'are'}"
                    f" not a number and {'was' if k == 1 else 'were'} left blank."
                )


def _order_ids(draft: _Draft, cells: _Cells, used: np.ndarray) -> tuple[Any, np.ndarray]:
    """Return the order ids (one per customer and time where none is given) and where none is."""
    raw, mapping = draft.raw, draft.mapping
    n = len(raw)
    oid = _text_role(raw, mapping["order_id"]) if "order_id" in mapping else None
    no_oid = np.ones(n, dtype=bool) if oid is None else oid.isna().to_numpy(dtype=bool)
    if not no_oid.any():
        return oid, no_oid
    stamp_codes, stamp_uniques = pd.factorize(cells.dates.values)
    stamps = np.asarray(pd.DatetimeIndex(stamp_uniques).strftime("%Y-%m-%dT%H:%M:%S"), dtype=object)
    stamp_text = stamps[np.maximum(stamp_codes, 0)] if len(stamps) else np.full(n, "")
    cust = cells.cust
    synth = cust.fillna("") + "|" + pd.Series(stamp_text, index=cust.index, dtype="str")
    if oid is None:
        return synth, no_oid
    k = int((no_oid & used).sum())
    if k:
        draft.notes.append(
            f"{plural(k, 'line')} {'has' if k == 1 else 'have'} no order number; "
            "each was counted as one order per customer and time."
        )
    return oid.fillna(synth), no_oid


def _canonical(draft: _Draft, cells: _Cells, oid: Any) -> dict[str, Any]:
    """Return the canonical columns (all rows), in order."""
    raw, mapping = draft.raw, draft.mapping
    canonical: dict[str, Any] = {
        "customer_id": cells.cust,
        "order_id": oid,
        "order_date": cells.dates.values,
        "amount": cells.amount.astype(np.float64),
    }
    for role in ("quantity", "unit_price"):
        if role in mapping:
            canonical[role] = cells.nums[role].values
    for role in ("product", "category", "channel", "country"):
        if role in mapping:
            canonical[role] = _text_role(raw, mapping[role])
    return canonical


def _amount_notes(draft: _Draft, amt: np.ndarray) -> tuple[int, int]:
    """Count the refund lines (amount < 0) and zero-amount lines, noting them in ``draft``."""
    refunds = int((amt < 0).sum())
    zeros = int((amt == 0).sum())
    if refunds:
        draft.notes.append(
            f"{plural(refunds, 'line')} {'has' if refunds == 1 else 'have'} a negative amount "
            f"(refunds or cancellations); {'it is' if refunds == 1 else 'they are'} kept and "
            f"{'reduces' if refunds == 1 else 'reduce'} the totals."
        )
    if zeros:
        draft.notes.append(
            f"{plural(zeros, 'line')} {'has' if zeros == 1 else 'have'} an amount of 0; "
            f"{'it is' if zeros == 1 else 'they are'} kept."
        )
    return refunds, zeros


_NO_CUSTOMER = ("missing customer id", "no customer (guest or walk-in sale)")
_NOT_A_SALE = (*_NO_CUSTOMER, "a total row, not a sale")


def _anonymous_frame(
    raw: pd.DataFrame,
    anon: np.ndarray,
    reason: np.ndarray,
    canonical: dict[str, Any],
    mapping: dict[str, str],
    no_oid: np.ndarray,
) -> pd.DataFrame:
    """Build the sales without a customer.

    Columns: row, the canonical columns but the customer, the source columns, why.

    A line without an order number is one order of its own (``"row <n>"``): without a
    customer nothing tells which lines were bought together.
    """
    canon: dict[str, Any] = {"row": _row_numbers(raw)}
    canon.update({k: v for k, v in canonical.items() if k != "customer_id"})
    out = _canonical_frame(raw, anon, canon, mapping)
    out["row"] = out["row"].astype(np.int64)
    oid = out["order_id"].astype("str")
    own = no_oid[anon]
    if own.any():
        oid = oid.mask(pd.Series(own), "row " + out["row"].astype("str"))
    out["order_id"] = oid
    why = np.where(reason[anon] == _NO_CUSTOMER[0], "no customer id", "guest or walk-in sale")
    name = "why"
    while name in out.columns:
        name += " (computed)"
    out[name] = pd.array(why, dtype="str")
    return out


def _anonymous_note(
    anonymous: pd.DataFrame, currency: str | None = None
) -> tuple[list[str], dict[str, Any]]:
    """Return the note and the report figures for the sales without a customer.

    The note writes their amount in ``currency`` (plain text; ``None``: a plain number).
    """
    k = len(anonymous)
    total = float(anonymous["amount"].sum()) if k else 0.0
    orders = int(anonymous["order_id"].nunique()) if k else 0
    report = {"anonymous_lines": k, "anonymous_orders": orders, "anonymous_amount": total}
    if not k:
        return [], report
    return [
        f"{plural(k, 'line')} with a date and an amount but no customer (guest or till sales, "
        f"{plural(orders, 'order')}, {money(total, currency)} in all) "
        f"{'is' if k == 1 else 'are'} kept as sales without a customer: they count in total "
        "revenue and orders on the overview, but not in the customer analyses."
    ], report

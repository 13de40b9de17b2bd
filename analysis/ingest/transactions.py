"""``prepare_transactions``: a raw transactions table into the canonical ``tx`` table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.core.columns import TRANSACTION_ROLES
from analysis.core.errors import DataError
from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _NULL_TOKENS
from analysis.ingest.detecting import detect_columns
from analysis.ingest.doubts import _doubts
from analysis.ingest.parsing import _parse_dates, _parse_numbers, _Parsed
from analysis.ingest.preparing import (
    _AMBIG_DATE_WARNING,
    _ROLE_WORDS,
    Prepared,
    _ambiguous_number_note,
    _canonical_frame,
    _check_mapping,
    _distinct_pairs,
    _dup_note,
    _duplicates,
    _file_label,
    _finalise,
    _future_note,
    _plural,
    _rejection_summary,
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
        ``data`` (RangeIndex) columns, in order: ``customer_id`` (str, trimmed),
        ``order_id`` (str; when the file has no order column, or the cell is empty,
        ``"<customer_id>|<ISO timestamp>"``: one order per customer per timestamp),
        ``order_date`` (datetime64[ns], naive), ``amount`` (float64, the line's net amount in
        the file's currency, negative for refunds; ``quantity * unit_price`` rounded to 8
        decimals when there is no amount column), then the optional roles present:
        ``quantity``, ``unit_price`` (float64, NaN when blank or not a number), ``product``,
        ``category``, ``channel``, ``country`` (str, missing when blank), then every unmapped
        source column as str (renamed ``"<name> (original)"`` on a clash).
        ``anonymous``: the rows with a usable date and amount but no customer (an empty cell,
        or "Walk-in", "Guest", "Cash customer", ...), in neither ``data`` nor ``rejected``
        (see :class:`Prepared`).
        ``rejected``: the first reason that applies, of "a total row, not a sale" (no date,
        first cell "Total", "Summe", ...), "missing customer id", "no customer (guest or walk-in
        sale)" (these two only when the date or amount is unusable too), "missing date",
        "unparseable date",
        "missing amount", "unparseable amount" (or "missing quantity", "unparseable quantity",
        "missing unit price", "unparseable unit price" when the amount is computed). Cells like
        ``NA``, ``n/a``, ``null``, ``-`` count as empty here. A known export
        (:mod:`analysis.ingest.profiles`), with ``mapping`` None or the one
        :func:`detect_columns` gives, is read with its own meaning: left-out statuses and header
        rows are set aside with their reason, refunds subtracted, order totals counted once per
        order; ``warnings`` then start with what was recognised and ``report`` has ``profile``
        and ``profile_name``. ``report`` keys: rows_read, rows_used, rows_rejected,
        rejected_by_reason, date_min, date_max, customers, orders (distinct customer/order
        pairs), refund_lines (amount < 0), zero_amount_lines, duplicate_lines (used rows whose
        source cells all equal an earlier used row's), future_dates (dated after today),
        number_format ({column: "1,234.56" / "1.234,56" / "1234.56" ...}), date_format ({column:
        plain words}), dayfirst_assumed, anonymous_lines, anonymous_orders, anonymous_amount
        (the sales without a customer: lines, distinct order numbers, net sum), doubts (see
        below). Refunds, zero amounts, duplicates and future dates are
        kept and counted in ``warnings``.

    Raises
    ------
    DataError
        A required role is missing (the message names it and lists the file's columns), or a
        mapped column is not in the table.

    Notes
    -----
    ``report["doubts"]`` lists mappings that look wrong, checked on the usable rows (at least
    20; none for smaller files) before any figure is shown. Each is a dict with ``rule``,
    ``role``, ``column`` (the column in doubt), ``suggestion`` (a likely better column of the
    file, or None) and ``message`` (plain words, also in ``warnings``). Rules:
    "one_customer" (one customer on every line), "customer_is_order" (the customer column
    holds the order numbers, or consecutive numbers with one order each),
    "one_order_per_customer" (as many customers as orders), "amount_mostly_zero" (more than
    half the amounts are 0), "one_day" (every date on one day).
    """
    known = _profiles.prepare_known_export(raw, "transactions", mapping, dayfirst=dayfirst)
    if known is not None:
        return known  # a known export, read with its own meaning (ingest_profiles)
    if mapping is None:
        mapping = detect_columns(raw, "transactions")
    mapping = _check_mapping(raw, mapping, TRANSACTION_ROLES)
    missing = [_ROLE_WORDS[r] for r in ("customer_id", "order_date") if r not in mapping]
    if "amount" not in mapping and not ("quantity" in mapping and "unit_price" in mapping):
        missing.append("amount (or quantity and unit price)")
    if missing:
        raise DataError(
            f"We could not find the {' and the '.join(missing)} in {_file_label(raw)}. Its "
            f"columns are: {', '.join(repr(str(c)) for c in raw.columns)}. Choose the "
            "matching columns by hand."
        )
    n = len(raw)
    notes: list[str] = []
    number_format: dict[str, str] = {}
    date_format: dict[str, str] = {}

    cust = _text_role(raw, mapping["customer_id"])
    cust_missing = cust.isna().to_numpy(dtype=bool) | cust.isin(_NULL_TOKENS).to_numpy(bool)

    dcol = mapping["order_date"]
    dates = _parse_dates(raw[dcol], dayfirst)
    if dates.fmt:
        date_format[dcol] = dates.fmt
    dayfirst_assumed = bool(dates.ambiguous)
    if dayfirst_assumed:
        notes.append(_AMBIG_DATE_WARNING)

    nums: dict[str, _Parsed] = {}
    for role in ("amount", "quantity", "unit_price"):
        if role in mapping:
            col = mapping[role]
            nums[role] = p = _parse_numbers(raw[col])
            number_format[col] = p.fmt or "1234.56"
            if p.ambiguous:
                notes.append(_ambiguous_number_note(col, p.fmt))

    total_row = np.zeros(n, dtype=bool)  # a report's "Total" / "Summe" line (no date)
    if dates.empty.any():
        at = np.flatnonzero(dates.empty)
        total_row[at] = _profiles.total_rows(raw.iloc[at])
    checks: list[tuple[np.ndarray, str]] = [
        (total_row, "a total row, not a sale"),
        (cust_missing, "missing customer id"),
        (_profiles.placeholder_customers(cust), "no customer (guest or walk-in sale)"),
        (dates.empty, "missing date"),
        (dates.bad, "unparseable date"),
    ]
    if "amount" in mapping:
        a = nums["amount"]
        checks += [(a.empty, "missing amount"), (a.bad, "unparseable amount")]
        amount = a.values
    else:
        q, pr = nums["quantity"], nums["unit_price"]
        checks += [
            (q.empty, "missing quantity"),
            (q.bad, "unparseable quantity"),
            (pr.empty, "missing unit price"),
            (pr.bad, "unparseable unit price"),
        ]
        with np.errstate(invalid="ignore"):
            amount = np.round(q.values * pr.values, 8)
    reason = _select_reasons(n, checks)
    # a sale with a date and an amount but no customer is kept apart, not set aside
    nocust = pd.Series(reason).isin(_NO_CUSTOMER).to_numpy(bool)
    anon = np.zeros(n, dtype=bool)
    if nocust.any():
        rest = _select_reasons(n, [c for c in checks if c[1] not in _NOT_A_SALE])
        anon = nocust & (rest == "")
    used = reason == ""

    if "amount" in mapping:
        for role in ("quantity", "unit_price"):
            if role in mapping:
                k = int((nums[role].bad & used).sum())
                if k:
                    notes.append(
                        f"{_plural(k, 'value')} in '{mapping[role]}' {'is' if k == 1 else 'are'}"
                        f" not a number and {'was' if k == 1 else 'were'} left blank."
                    )

    canonical: dict[str, Any] = {"customer_id": cust}
    oid = _text_role(raw, mapping["order_id"]) if "order_id" in mapping else None
    no_oid = np.ones(n, dtype=bool) if oid is None else oid.isna().to_numpy(dtype=bool)
    if no_oid.any():
        stamp_codes, stamp_uniques = pd.factorize(dates.values)
        stamps = np.asarray(
            pd.DatetimeIndex(stamp_uniques).strftime("%Y-%m-%dT%H:%M:%S"), dtype=object
        )
        stamp_text = stamps[np.maximum(stamp_codes, 0)] if len(stamps) else np.full(n, "")
        synth = cust.fillna("") + "|" + pd.Series(stamp_text, index=cust.index, dtype="str")
        if oid is None:
            oid = synth
        else:
            k = int((no_oid & used).sum())
            if k:
                notes.append(
                    f"{_plural(k, 'line')} {'has' if k == 1 else 'have'} no order number; "
                    "each was counted as one order per customer and time."
                )
            oid = oid.fillna(synth)
    canonical["order_id"] = oid
    canonical["order_date"] = dates.values
    canonical["amount"] = amount.astype(np.float64)
    for role in ("quantity", "unit_price"):
        if role in mapping:
            canonical[role] = nums[role].values
    for role in ("product", "category", "channel", "country"):
        if role in mapping:
            canonical[role] = _text_role(raw, mapping[role])
    data, rejected = _finalise(raw, reason, canonical, mapping, aside=anon)
    data["order_id"] = data["order_id"].astype("str")
    anonymous = _anonymous_frame(raw, anon, reason, canonical, mapping, no_oid)

    by_reason, rej_notes = _rejection_summary(np.where(anon, "", reason), n)
    anon_notes, anon_report = _anonymous_note(anonymous)
    rej_notes += anon_notes
    amt = data["amount"].to_numpy()
    refunds = int((amt < 0).sum())
    zeros = int((amt == 0).sum())
    if refunds:
        notes.append(
            f"{_plural(refunds, 'line')} {'has' if refunds == 1 else 'have'} a negative amount "
            f"(refunds or cancellations); {'it is' if refunds == 1 else 'they are'} kept and "
            f"{'reduces' if refunds == 1 else 'reduce'} the totals."
        )
    if zeros:
        notes.append(
            f"{_plural(zeros, 'line')} {'has' if zeros == 1 else 'have'} an amount of 0; "
            f"{'it is' if zeros == 1 else 'they are'} kept."
        )
    dups = _duplicates(raw, used)
    notes += _dup_note(dups, "line")
    od = data["order_date"]
    n_future, future_notes = _future_note(od, "line")
    notes += future_notes
    doubts = _doubts(raw, used, data, mapping)
    notes += [d["message"] for d in doubts]
    report = {
        "rows_read": n,
        "rows_used": len(data),
        "rows_rejected": len(rejected),
        "rejected_by_reason": by_reason,
        "date_min": od.min() if len(data) else None,
        "date_max": od.max() if len(data) else None,
        "customers": int(data["customer_id"].nunique()),
        "orders": _distinct_pairs(data["customer_id"], data["order_id"]),
        "refund_lines": refunds,
        "zero_amount_lines": zeros,
        "duplicate_lines": dups,
        "future_dates": n_future,
        "number_format": number_format,
        "date_format": date_format,
        "dayfirst_assumed": dayfirst_assumed,
        **anon_report,
        "doubts": doubts,
    }
    warnings = list(raw.attrs.get("warnings", None) or []) + rej_notes + notes
    return Prepared(data, rejected, warnings, dict(mapping), report, anonymous)


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
    """Sales without a customer: row, canonical columns but the customer, source columns, why.

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


def _anonymous_note(anonymous: pd.DataFrame) -> tuple[list[str], dict[str, Any]]:
    """The warning and the report figures for the sales without a customer."""
    k = len(anonymous)
    total = float(anonymous["amount"].sum()) if k else 0.0
    orders = int(anonymous["order_id"].nunique()) if k else 0
    report = {"anonymous_lines": k, "anonymous_orders": orders, "anonymous_amount": total}
    if not k:
        return [], report
    return [
        f"{_plural(k, 'line')} with a date and an amount but no customer (guest or till sales, "
        f"{_plural(orders, 'order')}, {total:,.2f} in all) {'is' if k == 1 else 'are'} kept as "
        "sales without a customer: they count in total revenue and orders on the overview, "
        "but not in the customer analyses."
    ], report

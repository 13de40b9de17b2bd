"""Sanity checks of a transactions mapping, before any figure is shown.

``report["doubts"]`` (:func:`~analysis.ingest.transactions.prepare_transactions`) lists the
mappings that look wrong. Each is a dict with ``rule``, ``role``, ``column`` (the column in
doubt), ``suggestion`` (a likely better column of the file, or None) and ``message`` (plain
words, also in ``warnings``). Rules:

- "empty_column": the customer, order, date or amount column is empty on every row of a file
  of at least 5 rows (detection picks such a column only when no other fits the role).
- "one_customer": one customer on every line.
- "customer_is_order": the customer column holds the order numbers, or consecutive numbers
  with one order each.
- "one_order_per_customer": as many customers as orders.
- "amount_mostly_zero": more than half the amounts are 0.
- "one_day": every date on one day.

The checks read the usable rows. From 20 of them every check runs. A small file (5 to 19
usable lines) gets only the checks that stay reliable on a few lines, so that a small honest
file is not doubted: one customer on every line of at least 3 orders; a customer column equal
to the order column, or (with no order column) consecutive numbers with one order each;
amounts mostly 0; and one day only when another column has dates on several days (a small
file of one day's sales is common). Under 5 usable lines only empty columns are doubted, and
only in a file of at least 5 rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.ingest import profiles as _profiles
from analysis.ingest.cells import _NULL_TOKENS, _as_text, _short
from analysis.ingest.header_words import _header_score, _normalise_header
from analysis.ingest.parsing import _parse_dates, _parse_numbers
from analysis.ingest.preparing import _ROLE_WORDS, _text_role

_DOUBT_MIN_ROWS = 20  # from this many usable lines, every check runs
_SMALL_MIN_ROWS = 5  # from this many, the checks that are reliable on a few lines
_SMALL_MIN_ORDERS = 3  # one customer on every line: only doubted from this many orders
#: Roles whose column, empty on every row, is doubted (in this order).
_MUST_HAVE_VALUES = ("customer_id", "order_id", "order_date", "amount", "quantity", "unit_price")
_SEQ_RE = r"^\s*[A-Za-z#]{0,4}[-_ ]?0*(\d{1,12})\s*$"
_CHECK = " Check the columns on 'Your data' before trusting the figures."

_CellTest = Callable[[pd.Series], bool]


def _suggest(
    raw: pd.DataFrame, used: np.ndarray, role: str, mapping: dict[str, str], test: _CellTest
) -> str | None:
    """Return the file's best other column for ``role``, or None.

    Among the unmapped columns passing ``test`` (a function of the column's usable cells, as
    text), the one whose name fits the role best (ties: the first in the file).
    """
    taken = set(mapping.values())
    best: tuple[float, int, str] | None = None
    at = np.flatnonzero(used)[:50_000]
    for i, c in enumerate(raw.columns):
        if c in taken:
            continue
        cells = _text_role(raw, c).iloc[at]
        if cells.notna().mean() < 0.8 or not test(cells):
            continue
        score = _header_score(role, _profiles.translate_header(_normalise_header(c)))
        key = (-score, i, str(c))
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _customer_like(n_orders: int) -> _CellTest:
    """Return a test for cells that could be customers: repeating values that are not dates."""

    def test(cells: pd.Series) -> bool:
        k = cells.nunique()
        return 2 <= k <= 0.8 * n_orders and _parse_dates(cells.fillna("")).bad.mean() > 0.5

    return test


def _money_like(cells: pd.Series) -> bool:
    """Tell whether cells could be amounts: mostly numbers, at least half of them not 0."""
    v = _parse_numbers(cells.fillna("")).values
    ok = ~np.isnan(v)
    return ok.mean() >= 0.8 and np.mean(v[ok] != 0) >= 0.5 if ok.any() else False


def _spread_dates(cells: pd.Series) -> bool:
    """Tell whether cells are mostly dates on more than one day."""
    d = _parse_dates(cells.fillna("")).values
    ok = ~np.isnat(d)
    if ok.mean() < 0.8:
        return False
    days = d[ok].astype("datetime64[D]")
    return bool(days.min() != days.max())


@dataclass
class _Doubts:
    """The doubts found about one mapping, and what the checks need to find them."""

    raw: pd.DataFrame
    used: np.ndarray
    data: pd.DataFrame
    mapping: dict[str, str]
    found: list[dict[str, Any]] = field(default_factory=list)

    @property
    def small(self) -> bool:
        """Tell whether the file has too few usable lines for every check (5 to 19)."""
        return len(self.data) < _DOUBT_MIN_ROWS

    def add(self, rule: str, role: str, message: str, suggestion: str | None) -> None:
        """Record a doubt about ``role``'s column, with the better column if there is one."""
        if suggestion:
            message += f" '{suggestion}' looks like a better choice."
        col = self.mapping.get(role, "")
        self.found.append(
            dict(rule=rule, role=role, column=col, suggestion=suggestion, message=message)
        )

    def suggest(self, role: str, test: _CellTest) -> str | None:
        """Return the file's best other column for ``role`` (see :func:`_suggest`)."""
        return _suggest(self.raw, self.used, role, self.mapping, test)


def _doubts(
    raw: pd.DataFrame, used: np.ndarray, data: pd.DataFrame, mapping: dict[str, str]
) -> list[dict[str, Any]]:
    """Return the mappings that look wrong (see the module notes)."""
    doubts = _Doubts(raw, used, data, mapping)
    _empty_column_doubts(doubts)
    if len(data) < _SMALL_MIN_ROWS:
        return doubts.found
    _customer_doubts(doubts)
    _zero_amount_doubt(doubts)
    _one_day_doubt(doubts)
    return doubts.found


def _empty_column_doubts(doubts: _Doubts) -> None:
    """Doubt a customer, order, date or amount column that is empty on every row.

    A known export's own mapping is trusted (a till export without customers has none).
    """
    if doubts.raw.attrs.get("profile") or len(doubts.raw) < _SMALL_MIN_ROWS:
        return
    for role in _MUST_HAVE_VALUES:
        col = doubts.mapping.get(role)
        if col is None or not _all_empty(doubts.raw[col]):
            continue
        so = (
            "every sale is kept as a sale without a customer"
            if role == "customer_id"
            else "it tells nothing"
        )
        doubts.add(
            "empty_column",
            role,
            f"The column '{col}' chosen as the {_ROLE_WORDS[role]} is empty on every row, so "
            f"{so}." + _CHECK,
            None,
        )


def _all_empty(cells: pd.Series) -> bool:
    """Tell whether every cell is empty (or a null token); the first 1,000 cells first."""
    for part in (cells.iloc[:1000], cells):
        if not _as_text(part).str.strip().isin(_NULL_TOKENS).all():
            return False
    return True


def _looks_like_order_numbers(doubts: _Doubts) -> str | None:
    """Say how the customer column looks like order numbers, or None if it does not."""
    data = doubts.data
    cust = data["customer_id"]
    same = "order_id" in doubts.mapping and bool(
        (cust.to_numpy(dtype=object) == data["order_id"].to_numpy(dtype=object)).mean() >= 0.9
    )
    if same:
        return "the order numbers"
    if doubts.small and "order_id" in doubts.mapping:
        return None  # a few consecutive customer numbers beside real orders are no sign
    num = cust.str.extract(_SEQ_RE)[0]
    if num.notna().mean() >= 0.9:
        v = pd.to_numeric(num, errors="coerce").dropna().unique()
        span = v.max() - v.min() + 1 if len(v) else 0
        if doubts.small:  # a few lines: only numbers without a gap
            if len(v) >= _SMALL_MIN_ROWS and span == len(v):
                return "consecutive numbers, one order each"
        elif len(v) >= _DOUBT_MIN_ROWS and span <= 1.5 * len(v):
            return "consecutive numbers, one order each"
    return None


def _customer_doubts(doubts: _Doubts) -> None:
    """Doubt a customer column with one value, or with one order per customer."""
    data, ccol = doubts.data, doubts.mapping["customer_id"]
    cust = data["customer_id"]
    n_cust = int(cust.nunique())
    n_orders = int(data["order_id"].nunique())
    if n_cust == 1 and (n_orders >= _SMALL_MIN_ORDERS or not doubts.small):
        doubts.add(
            "one_customer",
            "customer_id",
            f"Every line has the same customer ('{_short(str(cust.iloc[0]))}' in '{ccol}'): that "
            "is more likely the shop's own account than a customer." + _CHECK,
            doubts.suggest("customer_id", _customer_like(max(n_orders, len(data)))),
        )
        return
    if n_cust != n_orders or n_cust == 1 or n_orders < _SMALL_MIN_ROWS:
        return
    how = _looks_like_order_numbers(doubts)
    if not how and n_orders < _DOUBT_MIN_ROWS:
        return  # a few customers with one order each is common
    if how:
        rule = "customer_is_order"
        message = (
            f"The customer column '{ccol}' looks like order or receipt numbers ({how}): "
            "then nobody would ever seem to come back."
        )
    else:
        rule = "one_order_per_customer"
        message = (
            f"Every customer in '{ccol}' has exactly one order ({n_cust:,} customers, "
            f"{n_orders:,} orders). If that column holds order or receipt numbers rather "
            "than customers, the repeat figures are wrong."
        )
    suggestion = doubts.suggest("customer_id", _customer_like(max(n_orders, len(data))))
    doubts.add(rule, "customer_id", message + _CHECK, suggestion)


def _zero_amount_doubt(doubts: _Doubts) -> None:
    """Doubt an amount column that is 0 on more than half the lines."""
    amt = doubts.data["amount"].to_numpy(dtype=np.float64)
    zero = float(np.mean(amt == 0))
    if zero > 0.5:
        role = "amount" if "amount" in doubts.mapping else "unit_price"
        doubts.add(
            "amount_mostly_zero",
            role,
            f"{zero:.0%} of the amounts read from '{doubts.mapping.get(role, '')}' are 0: it "
            "may not be the amount column." + _CHECK,
            doubts.suggest("amount", _money_like),
        )


def _one_day_doubt(doubts: _Doubts) -> None:
    """Doubt a date column whose dates are all on one day."""
    od = doubts.data["order_date"]
    if not (od.notna().any() and od.min().normalize() == od.max().normalize()):
        return
    suggestion = doubts.suggest("order_date", _spread_dates)
    if suggestion is None and doubts.small:
        return  # a small file of one day's sales is common
    doubts.add(
        "one_day",
        "order_date",
        f"Every date in '{doubts.mapping['order_date']}' is on {od.min():%d %b %Y}: that "
        "may be the export's date, not the order dates." + _CHECK,
        suggestion,
    )

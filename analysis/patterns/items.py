"""What customers buy: best-selling items, what first orders hold, what brings buyers back.

A customer **bought** an item when a line with a non-negative amount in one of their purchase
orders names it. **Item revenue** is net: every observed line amount of the item summed, refund
lines included. The **repeat rate** of an item is the share of its customers who bought it in
two or more purchase orders. A customer's **first order** is everything they bought on their
first purchase day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable
from analysis.core.stats import wilson_interval
from analysis.patterns._common import (
    NO_DAY,
    ItemLines,
    cutoff_day,
    distinct_count,
    first_purchase_day,
    item_codes,
    item_lines,
    repeats,
    visits,
)

__all__ = ["first_order_items", "items_that_bring_back", "top_items"]


_TOP_SORTS = ("revenue", "customers", "orders", "repeat_rate", "quantity")


def top_items(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    n: int = 20,
    by: str = "revenue",
    min_customers: int = 10,
    as_of=None,
) -> pd.DataFrame:
    """Best-selling items by revenue, customers, orders or repeat rate.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    n : int
        Rows returned.
    by : {"revenue", "customers", "orders", "repeat_rate", "quantity"}
        Ranking. ``"repeat_rate"`` only ranks items with at least ``min_customers`` customers.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        ``<column>``, ``revenue`` (net: all observed line amounts of the item, refund lines
        included, file's currency), ``revenue_share`` (of the total net revenue of all lines
        naming an item), ``quantity`` (units in purchase lines; NaN without a quantity column),
        ``orders`` (purchase orders containing it), ``customers`` (who bought it),
        ``repeat_customers`` (bought it in two or more purchase orders), ``repeat_rate``.
        ``attrs``: ``items`` (distinct items), ``lines_without_item``.
    """
    if by not in _TOP_SORTS:
        raise ValueError(f"by must be one of {_TOP_SORTS}, not {by!r}")
    il = item_lines(tx, column, as_of)
    n_items = len(il.items)
    revenue = _item_revenue(tx, column, il)
    total = float(revenue.sum())
    orders = distinct_count(il.order, il.item, n_items)
    customers = distinct_count(il.customer, il.item, n_items)
    repeat = _repeat_customers(il)
    if "quantity" in tx.columns:
        qty = tx["quantity"].to_numpy(dtype=np.float64, na_value=np.nan)[il.row]
        quantity = np.bincount(il.item, weights=np.nan_to_num(qty), minlength=n_items)
    else:
        quantity = np.full(n_items, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(customers > 0, repeat / customers, np.nan)
    out = pd.DataFrame(
        {
            column: pd.array(il.items, dtype="str"),
            "revenue": revenue,
            "revenue_share": revenue / total if total > 0 else np.full(n_items, np.nan),
            "quantity": quantity,
            "orders": orders,
            "customers": customers,
            "repeat_customers": repeat,
            "repeat_rate": rate,
        }
    )
    if by == "repeat_rate":
        out = out[out["customers"] >= min_customers]
    out = out.sort_values([by, column], ascending=[False, True], ignore_index=True).head(n)
    out.attrs = {
        "items": n_items,
        "lines_without_item": il.lines_without_item,
        "non_product_lines": il.non_product_lines,
        "by": by,
    }
    return out


def _item_revenue(tx: pd.DataFrame, column: str, il: ItemLines) -> np.ndarray:
    """Return the net revenue of each item: every observed line naming it, refunds included."""
    codes_all, labels_all = item_codes(tx, column)
    line_codes = codes_all[il.ot.line_index]
    pos = il.items.get_indexer(labels_all)
    mapped = np.where(line_codes >= 0, pos[np.maximum(line_codes, 0)], -1)
    ok = mapped >= 0
    return np.bincount(mapped[ok], weights=il.ot.line_amount[ok], minlength=len(il.items))


def _repeat_customers(il: ItemLines) -> np.ndarray:
    """Return, per item, the customers who bought it in two or more purchase orders."""
    n_items = len(il.items)
    # distinct (item, customer, order) triples; a pair repeated = two or more orders
    n_cust = il.ot.n_customers
    pair = il.item * n_cust + il.customer
    repeat = np.zeros(n_items, dtype=np.int64)
    if len(pair):
        triple = np.sort(pair * len(il.ot.net) + il.order)
        triple = triple[np.r_[True, triple[1:] != triple[:-1]]]
        pairs = triple // len(il.ot.net)  # sorted; a pair repeated = two or more orders
        starts = np.flatnonzero(np.r_[True, pairs[1:] != pairs[:-1]])
        counts = np.diff(np.r_[starts, len(pairs)])
        repeat = np.bincount(pairs[starts][counts >= 2] // n_cust, minlength=n_items)
        repeat = repeat.astype(np.int64)
    return repeat


def first_order_items(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    within_days: int | None = 90,
    as_of=None,
) -> pd.DataFrame:
    """Return what first orders are made of, and which items bring customers back.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    within_days : int or None
        "Came back" means a purchase on a later day at most this many days after the first
        purchase day; only customers whose first purchase day is at least this many days before
        ``as_of`` are counted (the whole window observed). None: any later purchase before
        ``as_of``, every customer counted.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        One row per item found in a first order: ``<column>``, ``first_orders`` (customers whose
        first purchase day included it), ``first_order_share`` (of all customers with a first
        order that names an item), ``eligible`` (of ``first_orders``, those counted for coming
        back), ``came_back``, ``return_rate``, ``low``/``high`` (95% Wilson interval) and
        ``lift`` (return rate / the return rate of all eligible customers). Sorted by
        ``first_orders``. ``attrs``: ``overall_return_rate``, ``eligible``, ``customers``,
        ``within_days``.
    """
    il = item_lines(tx, column, as_of)
    ot = il.ot
    first_day = first_purchase_day(ot)
    eligible_c, back_c = _came_back(ot, first_day, within_days)
    in_first = ot.day[il.order] == first_day[il.customer]
    n_items = len(il.items)
    n_cust = ot.n_customers
    key = np.sort(il.item[in_first] * n_cust + il.customer[in_first])
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    item, c = np.divmod(key, n_cust)
    first_orders = np.bincount(item, minlength=n_items)
    eligible = np.bincount(item, weights=eligible_c[c], minlength=n_items)
    back = np.bincount(item, weights=back_c[c], minlength=n_items)
    buyers = np.unique(c)
    n_buyers = len(buyers)
    overall_eligible = int(eligible_c[buyers].sum())
    overall = back_c[buyers].sum() / overall_eligible if overall_eligible else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(eligible > 0, back / eligible, np.nan)
    low, high = wilson_interval(back, eligible)
    out = pd.DataFrame(
        {
            column: pd.array(il.items, dtype="str"),
            "first_orders": first_orders.astype(np.int64),
            "first_order_share": first_orders / n_buyers if n_buyers else 0.0,
            "eligible": eligible.astype(np.int64),
            "came_back": back.astype(np.int64),
            "return_rate": rate,
            "low": low,
            "high": high,
            "lift": rate / overall if overall and np.isfinite(overall) else np.nan,
        }
    )
    out = out[out["first_orders"] > 0]
    out = out.sort_values(["first_orders", column], ascending=[False, True], ignore_index=True)
    out.attrs = {
        "overall_return_rate": float(overall),
        "eligible": overall_eligible,
        "customers": n_buyers,
        "within_days": within_days,
    }
    return out


def _came_back(
    ot: OrderTable, first_day: np.ndarray, within_days: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per customer, whether they are counted and whether they came back.

    See ``within_days`` of :func:`first_order_items`.
    """
    cust, day = visits(ot)
    same = repeats(cust)
    # second purchase day per customer
    second = np.full(ot.n_customers, NO_DAY, dtype=np.int64)
    np.minimum.at(second, cust[same], day[same])  # visits are sorted: the first later day
    if within_days is None:
        eligible = first_day != NO_DAY
        return eligible, eligible & (second != NO_DAY)
    cutoff = cutoff_day(ot)
    eligible = (first_day != NO_DAY) & (first_day + within_days <= cutoff - 1)
    return eligible, eligible & (second != NO_DAY) & (second - first_day <= within_days)


def items_that_bring_back(
    first_orders: pd.DataFrame, *, min_eligible: int = 30, n: int = 15
) -> pd.DataFrame:
    """Return the items after which new customers come back most often.

    Parameters
    ----------
    first_orders : DataFrame
        Output of :func:`first_order_items` (its ``attrs`` are kept).
    min_eligible : int
        Items with fewer counted customers are left out.
    n : int
        At most this many items, highest return rate first (ties: more customers first).
    """
    out = first_orders[first_orders["eligible"] >= min_eligible]
    out = out.sort_values(["return_rate", "eligible"], ascending=[False, False], kind="stable")
    out = out.head(n).reset_index(drop=True)
    out.attrs = dict(first_orders.attrs)
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""Purchase patterns: when customers buy, what, what together, what they pay, and through which
channel.

Definitions (on top of the shared ones in :mod:`analysis.orders`: ``as_of`` is the end of
observation, exclusive; an order is ``(customer_id, order_id)``; a **purchase order** has a net
value >= 0, a **refund order** a net value < 0):

- **Order time**: the timestamp of an order's earliest line; its weekday (Monday = 0) and hour
  (0-23) come from it. Hours are only meaningful when the file has times of day
  (:func:`has_time_of_day`).
- **Orders / revenue by time** count purchase orders and sum their net values (refund lines inside
  a purchase order lower its value; refund orders are left out, so this is *gross sales* in the
  sense of :mod:`analysis.overview`), in the file's currency.
- **Reorder gap**: days between two consecutive *distinct calendar days* on which a customer
  placed purchase orders (two orders on the same day are one visit).
- **Reordered within X days**: among customers whose first purchase day lies at least X days
  before ``as_of`` (so the whole window is observed), the share whose second purchase day came at
  most X days after the first. Recent first-time buyers are left out instead of being counted as
  "not yet back".
- **Items** are the values of an item column, ``product`` or ``category`` (see
  :func:`item_columns`). A customer **bought** an item when a line with a non-negative amount in
  one of their purchase orders names it. Lines with no item (missing or blank) are left out of
  item tables; the count is in ``attrs["lines_without_item"]``. Lines that are not products
  (postage, shipping, fees, discounts, gift cards, manual adjustments:
  :func:`analysis.nonproduct.non_product_mask`) stay in revenue, orders and customers but are
  left out of every item table, basket, rule, recommendation and price band
  (``attrs["non_product_lines"]`` of :func:`top_items`).
- **Item revenue** is net: every observed line amount of the item summed, refund lines included.
- **Repeat rate** of an item: the share of its customers who bought it in two or more purchase
  orders.
- A customer's **first order** is everything they bought on their first purchase day.
- **Association rules** ``X -> Y`` over purchase orders that name at least one item:
  ``support`` = share of those orders that contain both, ``confidence`` = share of orders with X
  that also contain Y, ``lift`` = confidence / share of orders with Y (1 = no more often than
  chance). See :func:`association_rules` for how the minimum support is chosen.
- **Recommendations** score an item ``j`` for a customer ``u`` as the sum over the items ``i``
  the customer already bought of the cosine similarity between the columns of ``i`` and ``j`` in
  the customer x item 0/1 matrix (item-to-item collaborative filtering, "customers who bought X
  also bought Y"); items the customer already bought are never recommended.

Everything runs on integer codes and numpy / scipy.sparse: the full UCI Online Retail file (about
400,000 lines, 18,500 purchase orders, 3,900 products) takes well under a second per function.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.cohorts import first_order_attribute
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, day_numbers, order_table
from analysis.core.stats import wilson_interval
from analysis.core.text import md_escape
from analysis.nonproduct import non_product_mask

__all__ = [
    "WEEKDAYS",
    "MONTHS",
    "ITEM_COLUMNS",
    "SUPPORT_LADDER",
    "MAX_RECOMMENDER_ITEMS",
    "MAX_RULE_ITEMS",
    "MAX_CALENDAR_MONTHS",
    "DISCOUNT_NAME_PATTERN",
    "has_time_of_day",
    "item_columns",
    "needs",
    "weekday_hour",
    "weekday_month",
    "monthly_seasonality",
    "reorder_gaps",
    "ReorderSummary",
    "reorder_summary",
    "reorder_by_item",
    "top_items",
    "first_order_items",
    "items_that_bring_back",
    "Baskets",
    "baskets",
    "association_rules",
    "filter_rules",
    "strongest_pairs",
    "ItemRecommender",
    "recommendations",
    "similar_items",
    "OrderValueSummary",
    "order_value_summary",
    "spend_per_customer",
    "price_bands",
    "discount_share",
    "discount_columns",
    "channel_acquisition",
    "describe_weekday_hour",
    "describe_weekday_month",
    "describe_seasonality",
    "describe_reorder",
    "describe_reorder_by_item",
    "describe_top_items",
    "describe_first_orders",
    "describe_rules",
    "describe_recommendations",
    "describe_order_values",
    "describe_spend",
    "describe_price_bands",
    "describe_discounts",
    "describe_breakdown",
    "describe_channel_acquisition",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Item columns, finest first.
ITEM_COLUMNS = ("product", "category")
#: Minimum supports tried, from high to low, when :func:`association_rules` picks one itself.
SUPPORT_LADDER = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001)

MAX_RECOMMENDER_ITEMS = 2_000
"""Most items the recommender (and so every "suggestions" table) considers: those bought by the
most customers (ties: alphabetical). Its work is quadratic in the items it considers, so a file
with 50,000 distinct products would otherwise take minutes; rarer items are neither suggested nor
used as "because they bought". ``attrs["capped"]`` of :func:`recommendations` says when the cap
cut items, :func:`describe_recommendations` says it in words."""

MAX_CALENDAR_MONTHS = 120
"""Most calendar months :func:`weekday_month` and :func:`monthly_seasonality` return: the latest
ten years (a date typed as 1900 would otherwise make a heatmap of 1,500 months). Their
``attrs["capped"]`` and ``attrs["months_total"]`` say when older months were left out."""

MAX_RULE_ITEMS = 500
"""Most items :func:`association_rules` pairs up: those in the most orders (ties: alphabetical).
Counting pairs costs the square of the items per order, so a few huge orders of thousands of
distinct products would otherwise take minutes. A pair is never in more orders than its rarer
item, so the rules of the most frequent pairs (the ones listed) rarely involve a cut item: on
the UCI Online Retail file (3,287 products in 5 orders or more) 300 items already give the
same 70 rules.
``attrs["capped"]`` says when items were cut, :func:`describe_rules` says it in words."""

#: Extra columns whose name matches this (case-insensitive) mark discounted lines when filled.
DISCOUNT_NAME_PATTERN = r"discount|coupon|promo|voucher|rabatt|rebate"
_NOT_DISCOUNTED = frozenset({"", "0", "no", "none", "false", "n", "-", "nan", "n/a", "na"})
_CANONICAL = frozenset(
    {
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "unit_price",
        "product",
        "category",
        "channel",
        "country",
    }
)
_PLURALS = {"category": "categories", "country": "countries"}
OTHER_LABEL = "Other"
MISSING_LABEL = "(not given)"
_NO_DAY = np.iinfo(np.int64).max

_PURPOSE_TEXT = {
    "product": "a product column (what was bought on each line: a name or code)",
    "category": "a category column (the product group of each line)",
    "channel": "a channel column (where the order was placed: web, shop, app...)",
    "country": "a country column",
    "unit_price": "a unit price column (or a quantity column, so that the price per unit can "
    "be worked out from the amount)",
}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _filled(tx: pd.DataFrame, column: str) -> bool:
    if column not in tx.columns:
        return False
    values = tx[column]
    if values.dtype.kind in "fiu":
        return bool(values.notna().any())
    text = values.astype("str").str.strip()
    return bool((values.notna() & (text != "")).any())


def has_time_of_day(tx: pd.DataFrame) -> bool:
    """True when at least one ``order_date`` has a time part other than midnight."""
    if len(tx) == 0:
        return False
    seconds = _seconds(tx["order_date"])
    return bool((seconds % 86400 != 0).any())


def item_columns(tx: pd.DataFrame) -> list[str]:
    """Item columns of :data:`ITEM_COLUMNS` present in ``tx`` with at least two distinct
    filled-in values (finest first)."""
    out = []
    for column in ITEM_COLUMNS:
        if _filled(tx, column) and tx[column].nunique(dropna=True) >= 2:
            out.append(column)
    return out


def needs(tx: pd.DataFrame, columns: tuple[str, ...] | list[str], purpose: str) -> str | None:
    """A plain-language message saying which columns a part of the analysis needs and lacks.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    columns : sequence of str
        Columns that are all needed. ``"unit_price"`` is satisfied by a ``quantity`` column too
        (the price per unit is then amount / quantity).
    purpose : str
        What the columns are for, e.g. ``"Products bought together"``.

    Returns
    -------
    str or None
        None when every column is there and filled in somewhere; otherwise one sentence.
    """
    missing = []
    for column in columns:
        ok = _filled(tx, column)
        if column == "unit_price" and not ok:
            ok = _filled(tx, "quantity")
        if not ok:
            missing.append(column)
    if not missing:
        return None
    what = " and ".join(_PURPOSE_TEXT.get(c, f"a {c} column") for c in missing)
    return (
        f"{purpose} needs {what}, and this data has none. Add it to your file (or map it on "
        f"'Your data') to see this part."
    )


def _seconds(dates: pd.Series) -> np.ndarray:
    """Seconds since 1970-01-01 as int64, whatever the datetime resolution."""
    return np.asarray(pd.to_datetime(dates).to_numpy(), dtype="datetime64[s]").astype(np.int64)


def _cutoff(ot: OrderTable) -> int:
    return int(day_numbers(pd.Series([ot.as_of]))[0])


def _month_numbers(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 for day numbers."""
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def _month_labels(months: np.ndarray) -> list[str]:
    return [str(m) for m in np.asarray(months, dtype=np.int64).astype("datetime64[M]")]


def _distinct_count(a: np.ndarray, b: np.ndarray, n_b: int) -> np.ndarray:
    """Number of distinct ``a`` values per ``b`` code (``b`` in 0..n_b-1)."""
    if len(a) == 0:
        return np.zeros(n_b, dtype=np.int64)
    span = int(a.max()) + 1
    key = np.sort(b.astype(np.int64) * span + a.astype(np.int64))
    first = np.r_[True, key[1:] != key[:-1]]
    return np.bincount(key[first] // span, minlength=n_b).astype(np.int64)


def _grouped_quantiles(
    group: np.ndarray, values: np.ndarray, n_groups: int, qs: tuple[float, ...]
) -> np.ndarray:
    """Quantiles (numpy's default linear interpolation) of ``values`` per group code.

    Returns an array (n_groups, len(qs)); NaN for empty groups.
    """
    out = np.full((n_groups, len(qs)), np.nan)
    if len(values) == 0:
        return out
    order = np.lexsort((values, group))
    v = np.asarray(values, dtype=np.float64)[order]
    counts = np.bincount(group, minlength=n_groups)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    for j, q in enumerate(qs):  # a handful of quantiles, not groups
        pos = starts[has] + q * (counts[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, starts[has] + counts[has] - 1)
        frac = pos - lo
        out[has, j] = v[lo] * (1 - frac) + v[hi] * frac
    return out


def _item_codes(tx: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """Alphabetically ordered item labels and each row's code (-1 when missing or blank)."""
    values = tx[column]
    codes, uniques = pd.factorize(values, sort=True)
    labels = pd.Index(uniques.astype("str"))
    stripped = labels.str.strip()
    blank = np.asarray(stripped == "", dtype=bool)
    codes = codes.astype(np.int64, copy=False)
    if blank.any():
        keep = np.flatnonzero(~blank)
        remap = np.full(len(labels), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        labels = labels[keep]
    return codes, pd.Index(labels, dtype="str", name=column)


@dataclass(frozen=True)
class _ItemLines:
    """Purchase-order lines that name an item, as aligned arrays."""

    ot: OrderTable
    items: pd.Index  # labels, alphabetical
    item: np.ndarray  # item code per kept line
    order: np.ndarray  # order position per kept line
    customer: np.ndarray  # customer code per kept line
    amount: np.ndarray
    row: np.ndarray  # row position in tx
    lines_without_item: int
    non_product_lines: int  # purchase lines naming postage, a fee, a discount... (left out)


def _item_lines(tx: pd.DataFrame, column: str, as_of) -> _ItemLines:
    if column not in tx.columns:
        raise KeyError(f"There is no {column!r} column in the transactions.")
    ot = order_table(tx, as_of)
    codes_all, items = _item_codes(tx, column)
    codes = codes_all[ot.line_index]
    in_purchase = ot.is_purchase[ot.line_order] & (ot.line_amount >= 0)
    # postage, fees, discounts... (analysis.nonproduct) are no item anyone chose to buy
    non_product = non_product_mask(tx)[ot.line_index]
    keep = in_purchase & (codes >= 0) & ~non_product
    # drop labels of items with no kept line, keeping alphabetical order
    used = np.zeros(len(items), dtype=bool)
    used[codes[keep]] = True
    remap = np.cumsum(used) - 1
    return _ItemLines(
        ot=ot,
        items=items[used],
        item=remap[codes[keep]].astype(np.int64),
        order=ot.line_order[keep],
        customer=ot.line_customer[keep],
        amount=ot.line_amount[keep],
        row=ot.line_index[keep],
        lines_without_item=int((in_purchase & (codes < 0)).sum()),
        non_product_lines=int((in_purchase & (codes >= 0) & non_product).sum()),
    )


def _first_purchase_day(ot: OrderTable) -> np.ndarray:
    purchase = ot.is_purchase
    first = np.full(ot.n_customers, _NO_DAY, dtype=np.int64)
    np.minimum.at(first, ot.customer[purchase], ot.day[purchase])
    return first


def _visits(ot: OrderTable) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (customer, day) pairs with a purchase order, sorted by customer then day."""
    purchase = ot.is_purchase
    cust = ot.customer[purchase]
    day = ot.day[purchase]
    if len(cust) == 0:
        return cust, day
    span = int(day.max() - day.min()) + 1
    base = int(day.min())
    key = np.sort(cust * span + (day - base))
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // span, key % span + base


def _pct(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{100 * x:.0f}%" if abs(x) >= 0.1 or x == 0 else f"{100 * x:.1f}%"


def _join(words: list[str], last: str = "and") -> str:
    """``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"


# --------------------------------------------------------------------------------------------
# When
# --------------------------------------------------------------------------------------------


def _order_times(tx: pd.DataFrame, ot: OrderTable) -> np.ndarray:
    """Seconds since 1970 of each order's earliest line."""
    seconds = _seconds(tx["order_date"])[ot.line_index]
    start = np.full(len(ot.net), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(start, ot.line_order, seconds)
    return start


def weekday_hour(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders and their value by weekday and hour of the order's earliest line.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        7 x 24 rows (every cell, zeros included): ``weekday`` (0 = Monday), ``weekday_name``,
        ``hour`` (0-23), ``orders`` (purchase orders), ``revenue`` (their net values summed,
        file's currency) and ``order_share`` (fraction of all purchase orders). ``attrs``:
        ``has_time`` (False when every time is midnight: then all orders sit in hour 0 and only
        the weekday is meaningful).
    """
    ot = order_table(tx, as_of)
    start = _order_times(tx, ot)
    p = ot.is_purchase
    day = start[p] // 86400
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    hour = (start[p] // 3600) % 24
    cell = weekday * 24 + hour
    orders = np.bincount(cell, minlength=7 * 24)
    revenue = np.bincount(cell, weights=ot.net[p], minlength=7 * 24)
    total = orders.sum()
    wd = np.repeat(np.arange(7), 24)
    out = pd.DataFrame(
        {
            "weekday": wd,
            "weekday_name": pd.array(np.asarray(WEEKDAYS)[wd], dtype="str"),
            "hour": np.tile(np.arange(24), 7),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "order_share": orders / total if total else np.zeros(7 * 24),
        }
    )
    out.attrs["has_time"] = bool((start[p] % 86400 != 0).any())
    return out


def weekday_month(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders and their value by calendar month and weekday, per day observed.

    A month has four or five of each weekday, and the first and last months may be cut short,
    so raw counts mislead; the ``*_per_day`` columns divide by the number of such days observed
    (from the first transaction day to the day before ``as_of``).

    Returns
    -------
    DataFrame
        One row per (month, weekday) from the first to the last observed month: ``month``
        (str ``YYYY-MM``), ``weekday`` (0 = Monday), ``weekday_name``, ``orders``, ``revenue``
        (purchase orders' net values, file's currency), ``days`` (that weekday's dates observed
        in the month), ``orders_per_day`` and ``revenue_per_day`` (NaN when ``days`` is 0).
        At most the latest :data:`MAX_CALENDAR_MONTHS` months; ``attrs``: ``months_total``,
        ``capped``.
    """
    ot = order_table(tx, as_of)
    cutoff = _cutoff(ot)
    if len(ot.day) == 0:
        return pd.DataFrame(
            columns=["month", "weekday", "weekday_name", "orders", "revenue", "days"]
            + ["orders_per_day", "revenue_per_day"]
        )
    first = int(ot.day.min())
    m0 = int(_month_numbers(np.array([first]))[0])
    n_months = int(_month_numbers(np.array([cutoff - 1]))[0]) - m0 + 1
    p = ot.is_purchase
    cell = (_month_numbers(ot.day[p]) - m0) * 7 + (ot.day[p] + 3) % 7
    size = n_months * 7
    orders = np.bincount(cell, minlength=size)
    revenue = np.bincount(cell, weights=ot.net[p], minlength=size)
    all_days = np.arange(first, cutoff, dtype=np.int64)
    days = np.bincount((_month_numbers(all_days) - m0) * 7 + (all_days + 3) % 7, minlength=size)
    months = np.repeat(np.arange(m0, m0 + n_months), 7)
    wd = np.tile(np.arange(7), n_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        opd = np.where(days > 0, orders / days, np.nan)
        rpd = np.where(days > 0, revenue / days, np.nan)
    out = pd.DataFrame(
        {
            "month": pd.array(_month_labels(months), dtype="str"),
            "weekday": wd,
            "weekday_name": pd.array(np.asarray(WEEKDAYS)[wd], dtype="str"),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "days": days.astype(np.int64),
            "orders_per_day": opd,
            "revenue_per_day": rpd,
        }
    )
    return _latest_months(out, n_months, rows_per_month=7)


def _latest_months(df: pd.DataFrame, n_months: int, *, rows_per_month: int = 1) -> pd.DataFrame:
    """The rows of the latest :data:`MAX_CALENDAR_MONTHS` months (rows are month-major), with
    ``attrs["months_total"]`` and ``attrs["capped"]``."""
    capped = n_months > MAX_CALENDAR_MONTHS
    out = df.tail(MAX_CALENDAR_MONTHS * rows_per_month).reset_index(drop=True) if capped else df
    out.attrs.update(months_total=int(n_months), capped=bool(capped))
    return out


def monthly_seasonality(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders, revenue and buyers per calendar month, with the change on a year before.

    Returns
    -------
    DataFrame
        One row per calendar month from the first to the last observed one: ``month``
        (``YYYY-MM``), ``year``, ``month_number`` (1-12), ``month_name`` (``Jan``...),
        ``orders`` (purchase orders), ``revenue`` (their net values, file's currency),
        ``customers`` (distinct buyers), ``complete`` (False for a first or last month the data
        only partly cover), ``revenue_last_year`` and ``orders_last_year`` (same month a year
        before; NaN when not in the data), ``revenue_yoy`` and ``orders_yoy`` (relative change:
        0.25 = +25%; NaN when either month is incomplete or the year-before value is not
        positive). At most the latest :data:`MAX_CALENDAR_MONTHS` months; ``attrs``:
        ``months_total``, ``capped``.
    """
    ot = order_table(tx, as_of)
    cols = [
        "month",
        "year",
        "month_number",
        "month_name",
        "orders",
        "revenue",
        "customers",
        "complete",
        "revenue_last_year",
        "orders_last_year",
        "revenue_yoy",
        "orders_yoy",
    ]
    if len(ot.day) == 0:
        return pd.DataFrame(columns=cols)
    cutoff = _cutoff(ot)
    first = int(ot.day.min())
    m_first = int(_month_numbers(np.array([first]))[0])
    m_last = int(_month_numbers(np.array([cutoff - 1]))[0])
    n = m_last - m_first + 1
    p = ot.is_purchase
    m = _month_numbers(ot.day[p]) - m_first
    orders = np.bincount(m, minlength=n).astype(np.float64)
    revenue = np.bincount(m, weights=ot.net[p], minlength=n)
    customers = _distinct_count(ot.customer[p], m, n)
    months = np.arange(m_first, m_last + 1)
    starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ends = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    complete = (starts >= first) & (ends <= cutoff)
    prev = np.arange(n) - 12
    has_prev = prev >= 0
    prev_rev = np.where(has_prev, revenue[np.maximum(prev, 0)], np.nan)
    prev_ord = np.where(has_prev, orders[np.maximum(prev, 0)], np.nan)
    prev_complete = np.where(has_prev, complete[np.maximum(prev, 0)], False)
    both = complete & prev_complete
    with np.errstate(divide="ignore", invalid="ignore"):
        rev_yoy = np.where(both & (prev_rev > 0), revenue / prev_rev - 1, np.nan)
        ord_yoy = np.where(both & (prev_ord > 0), orders / prev_ord - 1, np.nan)
    month_number = months % 12 + 1
    out = pd.DataFrame(
        {
            "month": pd.array(_month_labels(months), dtype="str"),
            "year": (months // 12 + 1970).astype(np.int64),
            "month_number": month_number.astype(np.int64),
            "month_name": pd.array(np.asarray(MONTHS)[month_number - 1], dtype="str"),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "customers": customers,
            "complete": complete,
            "revenue_last_year": prev_rev,
            "orders_last_year": prev_ord,
            "revenue_yoy": rev_yoy,
            "orders_yoy": ord_yoy,
        }
    )
    return _latest_months(out, n)


def reorder_gaps(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Days between each customer's consecutive purchase days.

    Returns
    -------
    DataFrame
        One row per gap: ``customer_id``, ``visit`` (2 for the gap from the first to the second
        purchase day, 3 for the next, ...), ``days`` (int64, >= 1), sorted by customer then
        visit. Same-day orders are one visit, so there are no zero gaps.
    """
    ot = order_table(tx, as_of)
    cust, day = _visits(ot)
    same = np.r_[False, cust[1:] == cust[:-1]] if len(cust) else np.zeros(0, bool)
    gaps = np.diff(day, prepend=0)[same] if len(day) else np.zeros(0, np.int64)
    starts = np.flatnonzero(~same)
    visit_number = np.arange(len(cust)) - np.repeat(starts, np.diff(np.r_[starts, len(cust)]))
    return pd.DataFrame(
        {
            "customer_id": pd.array(ot.customers.to_numpy()[cust[same]], dtype="str"),
            "visit": (visit_number[same] + 1).astype(np.int64),
            "days": gaps.astype(np.int64),
        }
    )


@dataclass(frozen=True)
class ReorderSummary:
    """How soon customers come back.

    Attributes
    ----------
    customers : int
        Customers with at least one purchase order.
    repeat_customers : int
        Customers with purchases on two or more distinct days.
    gaps : int
        Number of reorder gaps (see :func:`reorder_gaps`).
    median_days, mean_days : float
        Of all reorder gaps, in days (NaN without gaps).
    first_gap_median : float
        Median days from the first to the second purchase day (NaN without repeaters).
    within : DataFrame
        One row per window: ``days``, ``eligible`` (customers whose first purchase day is at
        least that many days before ``as_of``), ``reordered`` (of those, back within the
        window), ``share``, ``low``/``high`` (95% Wilson interval).
    histogram : DataFrame
        Gap counts in bins: ``start``, ``end`` (days, ``start <= gap < end``; the last bin is
        open-ended, ``end`` = inf), ``label``, ``gaps``, ``share``.
    """

    customers: int
    repeat_customers: int
    gaps: int
    median_days: float
    mean_days: float
    first_gap_median: float
    within: pd.DataFrame
    histogram: pd.DataFrame


def _gap_bins(max_gap: float) -> np.ndarray:
    if max_gap <= 60:
        return np.array([1, 2, 4, 8, 15, 31, 61], dtype=np.float64)
    return np.array([1, 8, 15, 31, 61, 91, 181, 366, np.inf], dtype=np.float64)


def reorder_summary(
    tx: pd.DataFrame, *, as_of=None, windows: tuple[int, ...] = (30, 60, 90)
) -> ReorderSummary:
    """Distribution of reorder gaps and the share of customers who come back within windows.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    windows : tuple of int
        Windows in days for "reordered within X days" (see the module docstring).
    """
    ot = order_table(tx, as_of)
    cutoff = _cutoff(ot)
    cust, day = _visits(ot)
    same = np.r_[False, cust[1:] == cust[:-1]] if len(cust) else np.zeros(0, bool)
    gaps = (np.diff(day, prepend=0)[same] if len(day) else np.zeros(0, np.int64)).astype(float)
    # first and second purchase day per customer
    starts = np.flatnonzero(~same)
    n_customers = len(starts)
    first_day = day[starts]
    has_second = np.r_[starts[1:], len(cust)] - starts >= 2
    second_day = np.full(len(starts), _NO_DAY, dtype=np.int64)
    second_day[has_second] = day[starts[has_second] + 1]
    first_gap = (second_day - first_day)[has_second]

    rows = []
    for w in windows:  # a few windows
        eligible = first_day + w <= cutoff - 1
        back = eligible & has_second & (second_day - first_day <= w)
        rows.append((int(w), int(eligible.sum()), int(back.sum())))
    within = pd.DataFrame(rows, columns=["days", "eligible", "reordered"])
    with np.errstate(divide="ignore", invalid="ignore"):
        within["share"] = np.where(
            within["eligible"] > 0, within["reordered"] / within["eligible"], np.nan
        )
    low, high = wilson_interval(within["reordered"], within["eligible"])
    within["low"], within["high"] = low, high

    edges = _gap_bins(gaps.max() if len(gaps) else 0.0)
    idx = np.searchsorted(edges, gaps, side="right") - 1
    counts = np.bincount(idx[idx >= 0], minlength=len(edges) - 1)[: len(edges) - 1]
    labels = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if np.isinf(b):
            labels.append(f"{a:.0f}+ days")
        elif b - a == 1:
            labels.append(f"{a:.0f} day" if a == 1 else f"{a:.0f} days")
        else:
            labels.append(f"{a:.0f}-{b - 1:.0f} days")
    if len(gaps) and gaps.max() >= edges[-1] and np.isfinite(edges[-1]):
        # short-range bins but a longer gap: cannot happen by construction, kept for safety
        counts[-1] += int((gaps >= edges[-1]).sum())
    histogram = pd.DataFrame(
        {
            "start": edges[:-1],
            "end": edges[1:],
            "label": pd.array(labels, dtype="str"),
            "gaps": counts.astype(np.int64),
            "share": counts / len(gaps) if len(gaps) else np.zeros(len(counts)),
        }
    )
    return ReorderSummary(
        customers=n_customers,
        repeat_customers=int(has_second.sum()),
        gaps=len(gaps),
        median_days=float(np.median(gaps)) if len(gaps) else np.nan,
        mean_days=float(gaps.mean()) if len(gaps) else np.nan,
        first_gap_median=float(np.median(first_gap)) if len(first_gap) else np.nan,
        within=within,
        histogram=histogram,
    )


def reorder_by_item(
    tx: pd.DataFrame, column: str = "category", *, as_of=None, min_gaps: int = 5, n: int = 20
) -> pd.DataFrame:
    """Typical time until a customer buys the same item (category or product) again.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"category", "product"}
        Item column.
    as_of : date-like or None
        End of observation, exclusive.
    min_gaps : int
        Items with fewer reorder gaps are left out (their median would be noise).
    n : int
        At most this many items, those with the most gaps first.

    Returns
    -------
    DataFrame
        One row per item: ``<column>``, ``customers`` (who bought it), ``repeat_customers``
        (bought it on two or more distinct days), ``gaps`` (days between consecutive distinct
        purchase days of the item by the same customer), ``median_days``, ``p25_days``,
        ``p75_days``. Sorted by median days (fastest reordered first).
    """
    il = _item_lines(tx, column, as_of)
    day = il.ot.day[il.order]
    n_items = len(il.items)
    cols = [column, "customers", "repeat_customers", "gaps", "median_days", "p25_days"]
    cols.append("p75_days")
    if len(day) == 0:
        return pd.DataFrame(columns=cols)
    d0 = int(day.min())
    span_day = int(day.max()) - d0 + 1
    n_cust = il.ot.n_customers
    key = (il.item * n_cust + il.customer) * span_day + (day - d0)
    key = np.sort(key)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    pair, dd = np.divmod(key, span_day)
    item = pair // n_cust
    same = np.r_[False, pair[1:] == pair[:-1]]
    gap = np.diff(dd, prepend=0)[same].astype(np.float64)
    gap_item = item[same]
    customers = _distinct_count(pair % n_cust, item, n_items)
    repeaters = _distinct_count(pair[same] % n_cust, gap_item, n_items)
    n_gaps = np.bincount(gap_item, minlength=n_items)
    q = _grouped_quantiles(gap_item, gap, n_items, (0.5, 0.25, 0.75))
    out = pd.DataFrame(
        {
            column: pd.array(il.items, dtype="str"),
            "customers": customers,
            "repeat_customers": repeaters,
            "gaps": n_gaps.astype(np.int64),
            "median_days": q[:, 0],
            "p25_days": q[:, 1],
            "p75_days": q[:, 2],
        }
    )
    out = out[out["gaps"] >= min_gaps]
    out = out.sort_values(["gaps", column], ascending=[False, True]).head(n)
    return out.sort_values(["median_days", column], ignore_index=True)


# --------------------------------------------------------------------------------------------
# What
# --------------------------------------------------------------------------------------------

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
    il = _item_lines(tx, column, as_of)
    n_items = len(il.items)
    # net revenue over every observed line naming the item (refund lines too)
    codes_all, labels_all = _item_codes(tx, column)
    line_codes = codes_all[il.ot.line_index]
    pos = il.items.get_indexer(labels_all)
    mapped = np.where(line_codes >= 0, pos[np.maximum(line_codes, 0)], -1)
    ok = mapped >= 0
    revenue = np.bincount(mapped[ok], weights=il.ot.line_amount[ok], minlength=n_items)
    total = float(revenue.sum())
    orders = _distinct_count(il.order, il.item, n_items)
    customers = _distinct_count(il.customer, il.item, n_items)
    # customers with the item in two or more orders: distinct (item, customer, order) triples
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


def first_order_items(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    within_days: int | None = 90,
    as_of=None,
) -> pd.DataFrame:
    """What first orders are made of, and which items bring customers back.

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
    il = _item_lines(tx, column, as_of)
    ot = il.ot
    cutoff = _cutoff(ot)
    first_day = _first_purchase_day(ot)
    cust, day = _visits(ot)
    same = np.r_[False, cust[1:] == cust[:-1]] if len(cust) else np.zeros(0, bool)
    # second purchase day per customer
    second = np.full(ot.n_customers, _NO_DAY, dtype=np.int64)
    np.minimum.at(second, cust[same], day[same])  # visits are sorted: the first later day
    if within_days is None:
        eligible_c = first_day != _NO_DAY
        back_c = eligible_c & (second != _NO_DAY)
    else:
        eligible_c = (first_day != _NO_DAY) & (first_day + within_days <= cutoff - 1)
        back_c = eligible_c & (second != _NO_DAY) & (second - first_day <= within_days)
    line_day = ot.day[il.order]
    in_first = line_day == first_day[il.customer]
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


def items_that_bring_back(
    first_orders: pd.DataFrame, *, min_eligible: int = 30, n: int = 15
) -> pd.DataFrame:
    """Items of :func:`first_order_items` with at least ``min_eligible`` counted customers,
    highest return rate first (ties: more customers first). ``attrs`` are kept."""
    out = first_orders[first_orders["eligible"] >= min_eligible]
    out = out.sort_values(["return_rate", "eligible"], ascending=[False, False], kind="stable")
    out = out.head(n).reset_index(drop=True)
    out.attrs = dict(first_orders.attrs)
    return out


# --------------------------------------------------------------------------------------------
# Together: baskets, association rules, recommendations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baskets:
    """A 0/1 sparse matrix of baskets (rows) by items (columns).

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of int8
        ``matrix[r, i] == 1`` when basket ``r`` contains item ``i``.
    items : pd.Index
        Item labels (alphabetical), one per column.
    rows : pd.Index
        Basket labels: order ids (``by="order"``, ``(customer_id, order_id)`` pairs would be
        unambiguous but the order id is what people read) or customer ids (``by="customer"``).
    """

    matrix: sparse.csr_matrix
    items: pd.Index
    rows: pd.Index

    @property
    def item_counts(self) -> np.ndarray:
        """Baskets containing each item."""
        return np.diff(self.matrix.tocsc().indptr)


def baskets(tx: pd.DataFrame, column: str = "product", *, by: str = "order", as_of=None) -> Baskets:
    """Purchase orders (or customers) by items as a sparse 0/1 matrix.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    by : {"order", "customer"}
        One row per purchase order that names at least one item, or per customer who bought at
        least one item.
    as_of : date-like or None
        End of observation, exclusive.
    """
    if by not in ("order", "customer"):
        raise ValueError(f"by must be 'order' or 'customer', not {by!r}")
    il = _item_lines(tx, column, as_of)
    raw_rows = il.order if by == "order" else il.customer
    present = np.zeros(len(il.ot.net) if by == "order" else il.ot.n_customers, dtype=bool)
    present[raw_rows] = True
    row_code = (np.cumsum(present) - 1)[raw_rows]
    n_rows = int(present.sum())
    matrix = sparse.csr_matrix(
        (np.ones(len(row_code), dtype=np.int8), (row_code, il.item)),
        shape=(n_rows, len(il.items)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1
    if by == "order":
        labels = pd.Index(il.ot.order_ids[present].astype(str), name="order_id")
    else:
        labels = pd.Index(il.ot.customers[present], name="customer_id")
    return Baskets(matrix=matrix, items=il.items, rows=labels)


_RULE_COLUMNS = [
    "antecedent",
    "consequent",
    "orders",
    "support",
    "confidence",
    "lift",
    "antecedent_orders",
    "consequent_orders",
]


def _most_frequent(counts: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Positions (ascending) of at most ``k`` eligible entries with the highest ``counts``
    (ties: the lower position, i.e. alphabetical for item codes)."""
    pos = np.flatnonzero(eligible)
    if len(pos) > k:
        pos = np.sort(pos[np.lexsort((pos, -counts[pos]))[:k]])
    return pos


def _pair_counts(
    matrix: sparse.csr_matrix, floor: int, max_items: int | None = None
) -> tuple[np.ndarray, ...]:
    """Item pairs (a < b) bought together in at least ``floor`` baskets: (a, b, count).

    Only items in at least ``floor`` baskets can be in such a pair, so the co-occurrence
    product ``X.T @ X`` is restricted to them, and to the ``max_items`` most frequent of them.
    """
    counts = np.diff(matrix.tocsc().indptr)
    keep = _most_frequent(counts, counts >= floor, len(counts) if max_items is None else max_items)
    if len(keep) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    x = matrix[:, keep].astype(np.int32)
    co = sparse.triu(x.T @ x, k=1).tocoo()
    ok = co.data >= floor
    return keep[co.row[ok]], keep[co.col[ok]], co.data[ok].astype(np.int64)


def association_rules(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    min_support: float | None = None,
    min_confidence: float = 0.0,
    min_orders: int = 5,
    min_rules: int = 20,
    max_rules: int = 200,
    max_items: int = MAX_RULE_ITEMS,
    as_of=None,
) -> pd.DataFrame:
    """Market-basket association rules between pairs of items (``X -> Y``).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    min_support : float or None
        Keep pairs in at least this share of orders. None chooses it so the result is readable:
        walk down :data:`SUPPORT_LADDER` (10%, 5%, 2%, 1%, 0.5%, ...) and stop at the first
        support that gives at least ``min_rules`` rules; if that jump gives more than
        ``max_rules`` rules and the step before gave some, keep the step before. If no step
        reaches ``min_rules``, every pair with at least ``min_orders`` orders is kept. At most
        ``max_rules`` rules are returned (the most frequent pairs first).
    min_confidence : float
        Keep rules with at least this confidence.
    min_orders : int
        Never keep a pair seen in fewer orders than this, whatever the support (a pattern
        seen in 2 orders is an anecdote).
    min_rules, max_rules : int
        Target range of the number of rules when ``min_support`` is None.
    max_items : int
        Pair up at most this many items, those in the most orders (see
        :data:`MAX_RULE_ITEMS`).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        One row per rule: ``antecedent`` (X), ``consequent`` (Y), ``orders`` (orders with
        both), ``support``, ``confidence``, ``lift``, ``antecedent_orders``,
        ``consequent_orders``. Sorted by lift, then support. Both directions of a pair are
        rules. ``attrs``: ``min_support`` (the support used), ``min_orders`` (the orders that
        support means), ``orders`` (purchase orders naming an item: the denominator),
        ``items``, ``chosen`` (True when the support was picked automatically),
        ``truncated`` (True when ``max_rules`` cut the list), ``items_considered`` (items
        paired up), ``capped`` (True when ``max_items`` left out an item in enough orders to
        be part of a rule listed, so the rules may differ from an uncapped count).
    """
    b = baskets(tx, column, as_of=as_of)
    n = b.matrix.shape[0]
    counts = b.item_counts.astype(np.int64)

    def threshold(support: float) -> int:
        return max(int(min_orders), math.ceil(support * n - 1e-9))

    floor = threshold(min_support) if min_support is not None else int(min_orders)
    floor = max(floor, 1)
    a, c, both = _pair_counts(b.matrix, floor, max_items) if n else (np.zeros(0, np.int64),) * 3
    frequent = counts[counts >= floor]
    considered = min(len(frequent), int(max_items))
    # the most orders of an item left out: a rule needs at least used_floor orders, so the cap
    # only changed the result when a left-out item reaches that
    cut_max = (
        int(np.partition(frequent, len(frequent) - considered - 1)[len(frequent) - considered - 1])
        if len(frequent) > considered
        else 0
    )
    ant = np.r_[a, c]
    con = np.r_[c, a]
    cnt = np.r_[both, both]
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = cnt / counts[ant] if len(cnt) else np.zeros(0)
    ok_conf = conf >= min_confidence - 1e-12

    chosen = min_support is None
    used_floor = floor
    if chosen:
        picked = None
        prev_floor = None
        prev_count = 0
        for s in SUPPORT_LADDER:  # ten steps at most
            t = threshold(s)
            k = int(((cnt >= t) & ok_conf).sum())
            if k >= min_rules:
                picked = prev_floor if (k > max_rules and prev_count > 0) else t
                break
            prev_floor, prev_count = t, k
        used_floor = picked if picked is not None else int(min_orders)
    keep = (cnt >= used_floor) & ok_conf
    ant, con, cnt, conf = ant[keep], con[keep], cnt[keep], conf[keep]
    truncated = len(cnt) > max_rules
    if truncated:
        # the most frequent pairs (ties: lower antecedent code, then position) in linear time:
        # one int64 key, partitioned, then only the kept ones sorted (a full sort of millions
        # of pairs took seconds); lexsort when the key could overflow
        span = (int(cnt.max()) + 1) * (len(counts) + 1) * len(cnt)
        if span < 2**62 and max_rules > 0:
            key = ((int(cnt.max()) - cnt) * (len(counts) + 1) + ant) * len(cnt)
            key += np.arange(len(cnt))
            top = np.argpartition(key, max_rules - 1)[:max_rules]
            top = top[np.argsort(key[top])]
        else:
            top = np.lexsort((ant, -cnt))[:max_rules]
        ant, con, cnt, conf = ant[top], con[top], cnt[top], conf[top]
    support = cnt / n if n else np.zeros(0)
    lift = conf / (counts[con] / n) if n else np.zeros(0)
    items = np.asarray(b.items, dtype=object)
    out = pd.DataFrame(
        {
            "antecedent": pd.array(items[ant], dtype="str"),
            "consequent": pd.array(items[con], dtype="str"),
            "orders": cnt.astype(np.int64),
            "support": support,
            "confidence": conf,
            "lift": lift,
            "antecedent_orders": counts[ant].astype(np.int64),
            "consequent_orders": counts[con].astype(np.int64),
        },
        columns=_RULE_COLUMNS,
    )
    out = out.sort_values(
        ["lift", "support", "antecedent", "consequent"],
        ascending=[False, False, True, True],
        ignore_index=True,
    )
    out.attrs = {
        "min_support": used_floor / n if n else np.nan,
        "min_orders": int(used_floor),
        "orders": int(n),
        "items": len(b.items),
        "chosen": chosen,
        "truncated": bool(truncated),
        "column": column,
        "items_considered": considered,
        "capped": bool(cut_max > 0 and cut_max >= used_floor),
    }
    return out


def filter_rules(
    rules: pd.DataFrame,
    *,
    min_lift: float = 0.0,
    min_confidence: float = 0.0,
    contains: str = "",
) -> pd.DataFrame:
    """Rules with at least ``min_lift`` and ``min_confidence`` whose antecedent or consequent
    contains ``contains`` (case-insensitive; empty = any)."""
    keep = (rules["lift"] >= min_lift) & (rules["confidence"] >= min_confidence)
    text = contains.strip()
    if text:
        hit = rules["antecedent"].str.contains(text, case=False, regex=False) | rules[
            "consequent"
        ].str.contains(text, case=False, regex=False)
        keep &= hit
    out = rules[keep].reset_index(drop=True)
    out.attrs = dict(rules.attrs)
    return out


def strongest_pairs(rules: pd.DataFrame, n: int = 12) -> pd.DataFrame:
    """The ``n`` item pairs with the highest lift among the rules (one row per pair).

    Returns
    -------
    DataFrame
        ``item_a``, ``item_b`` (alphabetical within the pair), ``orders``, ``support``,
        ``lift``, ``confidence_ab`` (share of orders with A that contain B), ``confidence_ba``.
    """
    cols = ["item_a", "item_b", "orders", "support", "lift", "confidence_ab", "confidence_ba"]
    if len(rules) == 0:
        return pd.DataFrame(columns=cols)
    ab = rules[rules["antecedent"] < rules["consequent"]]
    ba = rules[rules["antecedent"] > rules["consequent"]]
    merged = ab.merge(
        ba[["antecedent", "consequent", "confidence"]].rename(
            columns={
                "antecedent": "consequent",
                "consequent": "antecedent",
                "confidence": "confidence_ba",
            }
        ),
        on=["antecedent", "consequent"],
        how="left",
    )
    out = pd.DataFrame(
        {
            "item_a": merged["antecedent"],
            "item_b": merged["consequent"],
            "orders": merged["orders"],
            "support": merged["support"],
            "lift": merged["lift"],
            "confidence_ab": merged["confidence"],
            "confidence_ba": merged["confidence_ba"],
        }
    )
    return out.sort_values(
        ["lift", "orders", "item_a", "item_b"],
        ascending=[False, False, True, True],
        ignore_index=True,
    ).head(n)


#: Largest dense block (rows x items) built at once by the recommender (32 MB of float64).
BLOCK_ELEMENTS = 4_000_000


def _topk_dense(dense: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the ``k`` largest positive entries of each row.

    Ties at the cut go to the lower column, so the result is deterministic. Ordered by row, then
    value (largest first), then column. Linear time per row (``np.partition``), no full sort.
    """
    n_rows, n_cols = dense.shape
    if n_rows == 0 or n_cols == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    k = n_cols if k is None else min(int(k), n_cols)
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    if k < n_cols:
        kth = -np.partition(-dense, k - 1, axis=1)[:, k - 1]
        above = dense > kth[:, None]
        tied = dense == kth[:, None]
        need = k - above.sum(axis=1)
        sel = above | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
        sel &= dense > 0
    else:
        sel = dense > 0
    r, c = np.nonzero(sel)
    v = dense[r, c]
    order = np.lexsort((c, -v, r))
    return r[order].astype(np.int64), c[order].astype(np.int64), v[order]


def _first_max_per_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of the largest value in each run of equal ``group`` codes (``group`` sorted;
    ties: the first position)."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    best = np.maximum.reduceat(values, starts)
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(group)]))
    hit = np.flatnonzero(values == best[run])
    first = np.r_[True, run[hit][1:] != run[hit][:-1]]
    return hit[first]


def _similar_to(
    owned: sparse.csr_matrix, pos: int, usable: np.ndarray, n: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items most similar to item ``pos``: (items, cosine similarities, customers with both)."""
    from sklearn.metrics.pairwise import cosine_similarity

    xt = owned.T.tocsr()
    sim = cosine_similarity(xt[pos], xt, dense_output=True)
    sim[:, pos] = 0.0
    sim[:, ~usable] = 0.0
    if not usable[pos]:
        sim[:] = 0.0
    _, c, v = _topk_dense(sim, n)
    both = np.asarray((xt[c] @ xt[pos].T).todense()).ravel() if len(c) else np.zeros(0)
    return c, v, both.astype(np.int64)


class ItemRecommender:
    """Item-to-item recommendations from purchase co-occurrence ("bought X, also bought Y").

    The similarity of two items is the cosine similarity of their columns in the customer x item
    0/1 matrix (scikit-learn's ``cosine_similarity`` on the sparse matrix, in blocks of items):
    customers who bought both, divided by the geometric mean of their buyer counts. A customer's
    score for an item is the sum of its similarities to every item they bought.

    Parameters
    ----------
    n_neighbors : int or None
        Keep only each item's ``n_neighbors`` most similar items (the usual item-kNN pruning,
        which bounds memory on large catalogues). None keeps every similarity.
    min_customers : int
        Items bought by fewer customers get no similarities (too little evidence).
    max_items : int
        Consider at most this many items, those bought by the most customers among the items
        with at least ``min_customers`` customers (see :data:`MAX_RECOMMENDER_ITEMS`). Other
        items are left out of every matrix below.

    Attributes (after :meth:`fit`)
    ------------------------------
    items_ : pd.Index
        Labels of the items considered (alphabetical).
    n_items_ : int
        Distinct items bought, considered or not.
    n_usable_ : int
        Items with at least ``min_customers`` customers, considered or not.
    capped_ : bool
        True when ``max_items`` left usable items out.
    customers_ : pd.Index
        Customer ids, one per row of ``owned_``.
    owned_ : scipy.sparse.csr_matrix
        Customer x item 0/1 matrix of what each customer bought (items considered only).
    similarity_ : scipy.sparse.csr_matrix
        Item x item cosine similarities (diagonal 0), pruned to ``n_neighbors`` per row.
    usable_ : ndarray of bool
        Items with at least ``min_customers`` customers.
    """

    def __init__(
        self,
        n_neighbors: int | None = 50,
        min_customers: int = 2,
        max_items: int = MAX_RECOMMENDER_ITEMS,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.min_customers = min_customers
        self.max_items = max_items

    def fit(self, tx: pd.DataFrame, column: str = "product", *, as_of=None) -> ItemRecommender:
        """Build the customer x item matrix from ``tx`` and the item similarities."""
        from sklearn.metrics.pairwise import cosine_similarity

        b = baskets(tx, column, by="customer", as_of=as_of)
        owned = b.matrix.astype(np.float64).tocsr()
        buyers = np.diff(owned.tocsc().indptr)
        enough = buyers >= self.min_customers
        keep = _most_frequent(buyers, enough, int(self.max_items))
        self.n_items_ = owned.shape[1]
        self.n_usable_ = int(enough.sum())
        self.capped_ = self.n_usable_ > len(keep)
        owned = owned[:, keep].tocsr()
        n_items = owned.shape[1]
        usable = enough[keep]
        xt = owned.T.tocsr()
        rows, cols, vals = [], [], []
        block = max(1, BLOCK_ELEMENTS // max(n_items, 1))
        for start in range(0, n_items, block):  # blocks of items, each one dense product
            stop = min(start + block, n_items)
            sim = cosine_similarity(xt[start:stop], xt, dense_output=True)
            sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
            sim[:, ~usable] = 0.0
            sim[~usable[start:stop]] = 0.0
            r, c, v = _topk_dense(sim, self.n_neighbors)
            rows.append(r + start)
            cols.append(c)
            vals.append(v)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        v = np.concatenate(vals) if vals else np.zeros(0)
        self.similarity_ = sparse.csr_matrix((v, (r, c)), shape=(n_items, n_items))
        self.similarity_.sort_indices()
        self.owned_ = owned
        self.usable_ = usable
        self.items_ = b.items[keep]
        self.customers_ = b.rows
        self.column_ = column
        return self

    def recommend(self, customers=None, n: int = 5) -> pd.DataFrame:
        """Top ``n`` items per customer that they have not bought yet.

        Parameters
        ----------
        customers : sequence of str or None
            Customer ids (None: every customer). Unknown ids are ignored.
        n : int
            Recommendations per customer (fewer when fewer items score above 0).

        Returns
        -------
        DataFrame
            ``customer_id``, ``rank`` (1 = best), ``item``, ``score`` (sum of the cosine
            similarities between the item and every item the customer bought), ``because``
            (the bought item most similar to it; ties: alphabetical). Sorted by customer (in
            ``customers_`` order) then rank; ties in score go to the alphabetically first item.
        """
        if customers is None:
            codes = np.arange(len(self.customers_))
        else:
            codes = self.customers_.get_indexer(pd.Index(list(customers), dtype="str"))
            codes = codes[codes >= 0]
        n_items = len(self.items_)
        batch = max(1, BLOCK_ELEMENTS // max(n_items, 1))
        parts = []
        for start in range(0, len(codes), batch):  # batches of customers, each vectorised
            parts.append(self._recommend_codes(codes[start : start + batch], n))
        cols = ["customer_id", "rank", "item", "score", "because"]
        if not parts:
            out = pd.DataFrame(columns=cols)
        else:
            cust, rank, item, score, because = (np.concatenate(x) for x in zip(*parts, strict=True))
            items = np.asarray(self.items_, dtype=object)
            out = pd.DataFrame(
                {
                    "customer_id": pd.array(self.customers_.to_numpy()[cust], dtype="str"),
                    "rank": rank.astype(np.int64),
                    "item": pd.array(items[item], dtype="str"),
                    "score": score,
                    "because": pd.array(items[because], dtype="str"),
                }
            )
        out.attrs = {
            "items": int(getattr(self, "n_items_", len(self.items_))),
            "usable_items": int(getattr(self, "n_usable_", int(np.sum(self.usable_)))),
            "items_considered": len(self.items_),
            "capped": bool(getattr(self, "capped_", False)),
            "max_items": int(self.max_items),
        }
        return out

    def _recommend_codes(self, codes: np.ndarray, n: int):
        owned = self.owned_[codes]
        has = np.diff(owned.indptr) > 0  # customers who bought none of the items: nothing
        codes, owned = codes[has], owned[np.flatnonzero(has)]
        scores = (owned @ self.similarity_).toarray()
        scores[owned.nonzero()] = 0.0  # never what the customer already bought
        r, c, v = _topk_dense(scores, n)
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, int)
        rank = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)])) + 1
        because = self._because(owned, r, c)
        return codes[r], rank, c, v, because

    def _because(self, owned: sparse.csr_matrix, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """For each (row, item) recommendation, the owned item most similar to the item."""
        if len(r) == 0:
            return np.zeros(0, dtype=np.int64)
        n_items = len(self.items_)
        owned = owned.copy()
        owned.sort_indices()
        deg = np.diff(owned.indptr)[r]
        rec = np.repeat(np.arange(len(r)), deg)
        starts = np.repeat(owned.indptr[r], deg)
        offset = np.arange(len(rec)) - np.repeat(np.cumsum(deg) - deg, deg)
        owned_item = owned.indices[starts + offset].astype(np.int64)
        sim = self.similarity_.tocoo()
        sim_key = sim.row.astype(np.int64) * n_items + sim.col  # sorted: csr, sorted indices
        q = owned_item * n_items + c[rec]
        if len(sim_key):
            pos = np.minimum(np.searchsorted(sim_key, q), len(sim_key) - 1)
            value = np.where(sim_key[pos] == q, sim.data[pos], 0.0)
        else:
            value = np.zeros(len(q))
        return owned_item[_first_max_per_group(rec, value)]

    def similar_items(self, item: str, n: int = 10) -> pd.DataFrame:
        """The ``n`` items most similar to ``item`` (not pruned): ``item``, ``similarity``,
        ``customers`` (who bought both). Empty when the item is unknown or too rare."""
        return _similar_frame(self.owned_, self.items_, item, self.usable_, n)


def _similar_frame(
    owned: sparse.csr_matrix, items: pd.Index, item: str, usable: np.ndarray, n: int
) -> pd.DataFrame:
    pos = items.get_indexer([item])[0]
    if pos < 0:
        return pd.DataFrame(columns=["item", "similarity", "customers"])
    c, v, both = _similar_to(owned, pos, usable, n)
    return pd.DataFrame(
        {
            "item": pd.array(np.asarray(items, dtype=object)[c], dtype="str"),
            "similarity": v,
            "customers": both,
        }
    )


def recommendations(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    customers: tuple[str, ...] | None = None,
    n: int = 5,
    n_neighbors: int | None = 50,
    min_customers: int = 2,
    max_items: int = MAX_RECOMMENDER_ITEMS,
    as_of=None,
) -> pd.DataFrame:
    """Top ``n`` recommendations per customer (see :class:`ItemRecommender` and its
    :meth:`~ItemRecommender.recommend` for the columns).

    At most ``max_items`` items are considered, those bought by the most customers
    (:data:`MAX_RECOMMENDER_ITEMS`). ``attrs``: ``items`` (distinct items bought),
    ``usable_items`` (with at least ``min_customers`` customers), ``items_considered``,
    ``capped`` (True when the cap left usable items out), ``max_items``.
    """
    model = ItemRecommender(
        n_neighbors=n_neighbors, min_customers=min_customers, max_items=max_items
    )
    return model.fit(tx, column, as_of=as_of).recommend(customers, n=n)


def similar_items(
    tx: pd.DataFrame,
    item: str,
    column: str = "product",
    *,
    n: int = 10,
    min_customers: int = 2,
    as_of=None,
) -> pd.DataFrame:
    """ "Customers who bought ``item`` also bought": the ``n`` items with the highest cosine
    similarity to it (see :class:`ItemRecommender`).

    Returns
    -------
    DataFrame
        ``item``, ``similarity`` (0-1), ``customers`` (who bought both). Empty when ``item`` is
        unknown or bought by fewer than ``min_customers`` customers.
    """
    b = baskets(tx, column, by="customer", as_of=as_of)
    owned = b.matrix.astype(np.float64).tocsr()
    usable = np.diff(owned.tocsc().indptr) >= min_customers
    return _similar_frame(owned, b.items, item, usable, n)


# --------------------------------------------------------------------------------------------
# What they pay
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderValueSummary:
    """The distribution of purchase-order values (file's currency).

    Attributes
    ----------
    orders : int
        Purchase orders.
    mean, median, p25, p75, p90, p99 : float
        Of the order values (NaN without orders).
    histogram : DataFrame
        ``start``, ``end`` (``start <= value < end``), ``label``, ``orders``, ``revenue``,
        ``order_share``, ``revenue_share``, ``open`` (True for the last bin, which also holds
        every value above its start: the top 1% of orders, so a few huge orders do not squash
        the chart).
    """

    orders: int
    mean: float
    median: float
    p25: float
    p75: float
    p90: float
    p99: float
    histogram: pd.DataFrame


def _nice_step(span: float, bins: int) -> float:
    raw = span / max(bins, 1)
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def order_value_summary(tx: pd.DataFrame, *, as_of=None, bins: int = 25) -> OrderValueSummary:
    """Distribution of purchase-order values: summary figures and a histogram.

    The histogram has about ``bins`` equal-width bins with a round width, from the smallest
    order (rounded down to the width) to the 99th percentile; the last bin is open-ended and
    holds every larger order too.
    """
    ot = order_table(tx, as_of)
    v = ot.net[ot.is_purchase]
    cols = ["start", "end", "label", "orders", "revenue", "order_share", "revenue_share", "open"]
    if len(v) == 0:
        nan = float("nan")
        return OrderValueSummary(0, nan, nan, nan, nan, nan, nan, pd.DataFrame(columns=cols))
    # amounts near 1e300 can overflow an order's value to inf (and inf - inf to nan): the
    # figures then say inf/nan, the histogram places inf in its open last bin and skips nan
    finite = v[np.isfinite(v)]
    q = np.quantile(finite, [0.25, 0.5, 0.75, 0.9, 0.99]) if len(finite) else np.full(5, np.nan)
    step = _nice_step(float(q[4]), bins) if len(finite) else 1.0
    first_bin = int(math.floor(finite.min() / step)) if len(finite) else 0
    n_bins = max(int(math.floor(q[4] / step)) + 1 - first_bin, 1) if len(finite) else 1
    all_v, v = v, v[~np.isnan(v)]
    idx = np.clip(np.floor(v / step) - first_bin, 0, n_bins - 1).astype(np.int64)
    counts = np.bincount(idx, minlength=n_bins)
    revenue = np.bincount(idx, weights=v, minlength=n_bins)
    start = (np.arange(n_bins, dtype=np.float64) + first_bin) * step
    end = start + step
    end[-1] = np.inf
    fmt = "{:,.0f}" if step >= 1 else "{:,.2f}"
    labels = [f"{fmt.format(a)}-{fmt.format(a + step)}" for a in start]
    labels[-1] = f"{fmt.format(start[-1])}+"
    total = float(v.sum())
    hist = pd.DataFrame(
        {
            "start": start,
            "end": end,
            "label": pd.array(labels, dtype="str"),
            "orders": counts.astype(np.int64),
            "revenue": revenue,
            "order_share": counts / len(v),
            "revenue_share": revenue / total if total > 0 else np.zeros(n_bins),
            "open": np.arange(n_bins) == n_bins - 1,
        }
    )
    return OrderValueSummary(
        orders=len(all_v),
        mean=float(all_v.mean()),
        median=float(q[1]),
        p25=float(q[0]),
        p75=float(q[2]),
        p90=float(q[3]),
        p99=float(q[4]),
        histogram=hist,
    )


def _rfm_segments(tx: pd.DataFrame, as_of) -> pd.Series | None:
    """Customer -> RFM segment when :mod:`analysis.rfm` is available, else None."""
    try:
        from analysis.rfm import rfm_table  # optional sibling module, imported lazily
    except ImportError:
        return None
    try:
        table = rfm_table(tx, as_of=as_of)
    except Exception:  # noqa: BLE001 - a page part degrades, the rest still works
        return None
    if "segment" not in table.columns:
        return None
    return pd.Series(table["segment"].astype("str").to_numpy(), index=table.index.astype("str"))


def spend_per_customer(
    tx: pd.DataFrame, by: str = "channel", *, as_of=None, max_groups: int = 10
) -> pd.DataFrame:
    """What customers spend, per group of customers.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    by : str
        ``"segment"`` (the RFM segment, when :mod:`analysis.rfm` is available) or a line-level
        column such as ``"channel"`` or ``"country"``: a customer belongs to the value on their
        first purchase order (the channel that acquired them).
    as_of : date-like or None
        End of observation, exclusive.
    max_groups : int
        Largest groups kept; the rest pooled into "Other".

    Returns
    -------
    DataFrame
        One row per group, largest revenue first: ``<by>``, ``customers`` (with a purchase),
        ``customer_share``, ``revenue`` (net, refunds included, file's currency),
        ``revenue_share``, ``revenue_per_customer`` (mean), ``median_per_customer``,
        ``orders_per_customer`` (purchase orders), ``average_order_value`` (purchase orders'
        value / purchase orders). Empty with ``attrs["reason"]`` when the grouping is not
        available.
    """
    cols = [by, "customers", "customer_share", "revenue", "revenue_share"]
    cols += ["revenue_per_customer", "median_per_customer", "orders_per_customer"]
    cols.append("average_order_value")
    if by == "segment":
        seg = _rfm_segments(tx, as_of)
        if seg is None:
            out = pd.DataFrame(columns=cols)
            out.attrs["reason"] = "RFM segments are not available."
            return out
        labels = seg
    else:
        if not _filled(tx, by):
            out = pd.DataFrame(columns=cols)
            out.attrs["reason"] = needs(tx, (by,), "Spend by " + by)
            return out
        labels = first_order_attribute(tx, by, as_of=as_of)
    ot = order_table(tx, as_of)
    pos = labels.index.astype("str")
    cust_code = ot.customers.astype("str").get_indexer(pos)
    values = labels.astype("str").where(labels.notna(), MISSING_LABEL).to_numpy()
    values = np.where(pd.Index(values).str.strip() == "", MISSING_LABEL, values)
    codes, uniques = pd.factorize(values)
    n_groups = len(uniques)
    group = np.full(ot.n_customers, -1, dtype=np.int64)
    group[cust_code] = codes
    net = ot.customer_net()
    p = ot.is_purchase
    n_orders = np.bincount(ot.customer[p], minlength=ot.n_customers)
    gross = np.bincount(ot.customer[p], weights=ot.net[p], minlength=ot.n_customers)
    member = (group >= 0) & (n_orders > 0)
    g = group[member]
    revenue = np.bincount(g, weights=net[member], minlength=n_groups)
    # pool small groups
    order = np.argsort(-revenue, kind="stable")
    rank = np.empty(n_groups, dtype=np.int64)
    rank[order] = np.arange(n_groups)
    names = [str(uniques[i]) for i in order]
    if n_groups > max_groups:
        keep = max(max_groups - 1, 1)
        rank = np.minimum(rank, keep)
        names = names[:keep] + [OTHER_LABEL]
    k = len(names)
    g = rank[g]
    customers = np.bincount(g, minlength=k)
    revenue = np.bincount(g, weights=net[member], minlength=k)
    orders = np.bincount(g, weights=n_orders[member], minlength=k)
    gross_g = np.bincount(g, weights=gross[member], minlength=k)
    median = _grouped_quantiles(g, net[member], k, (0.5,))[:, 0]
    total_c = customers.sum()
    total_r = revenue.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                by: pd.array(names, dtype="str"),
                "customers": customers.astype(np.int64),
                "customer_share": customers / total_c if total_c else np.nan,
                "revenue": revenue,
                "revenue_share": revenue / total_r if total_r > 0 else np.nan,
                "revenue_per_customer": revenue / customers,
                "median_per_customer": median,
                "orders_per_customer": orders / customers,
                "average_order_value": gross_g / orders,
            }
        )
    return out[out["customers"] > 0].reset_index(drop=True)


def _unit_prices(tx: pd.DataFrame) -> tuple[np.ndarray, str] | None:
    """Price per unit of every row and where it came from, or None when unknowable."""
    if _filled(tx, "unit_price"):
        return tx["unit_price"].to_numpy(dtype=np.float64, na_value=np.nan), "unit_price"
    if _filled(tx, "quantity"):
        q = tx["quantity"].to_numpy(dtype=np.float64, na_value=np.nan)
        a = tx["amount"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(q > 0, a / q, np.nan), "amount / quantity"
    return None


def price_bands(
    tx: pd.DataFrame, by: str | None = "category", *, as_of=None, max_groups: int = 15
) -> pd.DataFrame:
    """Price per unit by group: the band most items sell in.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    by : str or None
        Group column (``"category"``; ``"product"`` works too); None gives one row for all.
    as_of : date-like or None
        End of observation, exclusive.
    max_groups : int
        Groups with the most revenue kept; the rest left out (not pooled: pooling unrelated
        prices makes a meaningless band).

    Returns
    -------
    DataFrame
        One row per group, by revenue: ``<by>`` (or ``group`` = "All"), ``lines``, ``revenue``
        (file's currency), ``min``, ``p10``, ``p25``, ``median``, ``p75``, ``p90``, ``max`` of
        the price per unit over purchase lines with a positive amount (each line counts once,
        whatever its quantity). ``attrs["price_source"]``: ``"unit_price"`` or ``"amount /
        quantity"``; ``attrs["reason"]`` when no price per unit can be known (empty frame).
    """
    name = by or "group"
    cols = [name, "lines", "revenue", "min", "p10", "p25", "median", "p75", "p90", "max"]
    prices = _unit_prices(tx)
    if prices is None or (by is not None and not _filled(tx, by)):
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = (
            needs(tx, ("unit_price",) + ((by,) if by else ()), "Price bands")
            or "No prices per unit could be worked out."
        )
        return out
    price, source = prices
    ot = order_table(tx, as_of)
    rows = ot.line_index
    ok = ot.is_purchase[ot.line_order] & (ot.line_amount > 0) & (price[rows] > 0)
    ok &= np.isfinite(price[rows])
    ok &= ~non_product_mask(tx)[rows]  # postage, fees... have no price band
    if by is None:
        codes = np.zeros(len(rows), dtype=np.int64)
        labels = pd.Index(["All"], dtype="str")
    else:
        codes_all, labels = _item_codes(tx, by)
        codes = codes_all[rows]
        ok &= codes >= 0
    g, pr, amt = codes[ok], price[rows][ok], ot.line_amount[ok]
    n_groups = len(labels)
    revenue = np.bincount(g, weights=amt, minlength=n_groups)
    lines = np.bincount(g, minlength=n_groups)
    q = _grouped_quantiles(g, pr, n_groups, (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0))
    out = pd.DataFrame(
        {
            name: pd.array(labels, dtype="str"),
            "lines": lines.astype(np.int64),
            "revenue": revenue,
            "min": q[:, 0],
            "p10": q[:, 1],
            "p25": q[:, 2],
            "median": q[:, 3],
            "p75": q[:, 4],
            "p90": q[:, 5],
            "max": q[:, 6],
        }
    )
    out = out[out["lines"] > 0].sort_values(["revenue", name], ascending=[False, True])
    out = out.head(max_groups).reset_index(drop=True)
    out.attrs["price_source"] = source
    return out


def discount_columns(tx: pd.DataFrame) -> list[str]:
    """Extra (non-canonical) columns whose name suggests a discount, coupon, promo or voucher
    (see :data:`DISCOUNT_NAME_PATTERN`) and that are filled in somewhere."""
    pattern = re.compile(DISCOUNT_NAME_PATTERN, re.IGNORECASE)
    return [
        c for c in tx.columns if c not in _CANONICAL and pattern.search(str(c)) and _filled(tx, c)
    ]


def discount_share(tx: pd.DataFrame, *, as_of=None, low_price_ratio: float = 0.9) -> pd.DataFrame:
    """How much revenue comes from discounted or low-price lines.

    Each purchase line with a positive amount falls in exactly one class, checked in this order:

    1. ``"Discount code"``: a discount-like column (:func:`discount_columns`) is filled in with
       something other than blank/0/no/none;
    2. ``"Below usual price"``: the price per unit is below ``low_price_ratio`` times the
       product's usual price (the median price per unit of its purchase lines); needs a product
       and a price per unit (a unit price, or amount / quantity);
    3. ``"Full price"``: the rest.

    Returns
    -------
    DataFrame
        Rows for the classes that can be told apart: ``kind``, ``lines``, ``revenue`` (file's
        currency), ``revenue_share``, ``line_share``. ``attrs``: ``discount_column`` (or None),
        ``low_price`` (whether class 2 was available), ``reason`` (why the frame is empty).
    """
    cols = ["kind", "lines", "revenue", "revenue_share", "line_share"]
    dcols = discount_columns(tx)
    prices = _unit_prices(tx)
    can_low = prices is not None and _filled(tx, "product")
    if not dcols and not can_low:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(
            discount_column=None,
            low_price=False,
            reason="Telling discounted lines apart needs a discount (or coupon, promo, voucher) "
            "column, or a product column with a unit price (or quantity). This data has "
            "neither.",
        )
        return out
    ot = order_table(tx, as_of)
    rows = ot.line_index
    ok = ot.is_purchase[ot.line_order] & (ot.line_amount > 0)
    rows, amount = rows[ok], ot.line_amount[ok]
    kind = np.full(len(rows), 2, dtype=np.int64)  # full price
    if can_low:
        price = prices[0][rows]
        codes, labels = _item_codes(tx, "product")
        item = codes[rows]
        has = (item >= 0) & np.isfinite(price) & (price > 0)
        usual = _grouped_quantiles(item[has], price[has], len(labels), (0.5,))[:, 0]
        ref = np.where(item >= 0, usual[np.maximum(item, 0)], np.nan)
        low = has & (price < low_price_ratio * ref - 1e-9)
        kind[low] = 1
    if dcols:
        text = tx[dcols[0]].astype("str").str.strip().str.lower().to_numpy()[rows]
        filled = tx[dcols[0]].notna().to_numpy()[rows] & ~np.isin(text, list(_NOT_DISCOUNTED))
        kind[filled] = 0
    names = np.array(["Discount code", "Below usual price", "Full price"])
    lines = np.bincount(kind, minlength=3)
    revenue = np.bincount(kind, weights=amount, minlength=3)
    present = np.array([bool(dcols), can_low, True])
    total = revenue.sum()
    out = pd.DataFrame(
        {
            "kind": pd.array(names[present], dtype="str"),
            "lines": lines[present].astype(np.int64),
            "revenue": revenue[present],
            "revenue_share": revenue[present] / total if total > 0 else np.nan,
            "line_share": lines[present] / lines.sum() if lines.sum() else np.nan,
        }
    )
    out.attrs.update(
        discount_column=dcols[0] if dcols else None,
        low_price=can_low,
        low_price_ratio=low_price_ratio,
        reason=None,
    )
    return out


# --------------------------------------------------------------------------------------------
# How: channels
# --------------------------------------------------------------------------------------------


def channel_acquisition(
    tx: pd.DataFrame,
    column: str = "channel",
    *,
    at: tuple[int, ...] = (1, 3, 6),
    as_of=None,
    max_groups: int = 6,
) -> pd.DataFrame:
    """New customers each channel brought, and how many of them came back later.

    Built on :mod:`analysis.cohorts`: a customer is acquired by the channel (or other column) of
    their first purchase order; retention at month ``k`` is the average share of monthly cohorts
    with a purchase in the ``k``-th calendar month after their first
    (:func:`analysis.cohorts.retention_curve`, classic, complete months only).

    Returns
    -------
    DataFrame
        One row per group (largest first; small ones pooled into "Other"): ``<column>``,
        ``new_customers``, ``share``, then for each ``k`` in ``at``: ``month_k`` (share),
        ``month_k_low``, ``month_k_high`` (95% Wilson) and ``month_k_customers`` (customers in
        cohorts old enough; NaN share when none).
    """
    from analysis.cohorts import cohort_sizes, retention_curve

    sizes = cohort_sizes(tx, by=column, as_of=as_of, max_groups=max_groups)
    if len(sizes) == 0:
        return pd.DataFrame(columns=[column, "new_customers", "share"])
    per_group = sizes.groupby(level=0, sort=False).sum()
    curve = retention_curve(tx, by=column, as_of=as_of, max_groups=max_groups)
    out = pd.DataFrame(
        {
            column: pd.array(per_group.index.astype("str"), dtype="str"),
            "new_customers": per_group.to_numpy().astype(np.int64),
        }
    )
    out["share"] = out["new_customers"] / out["new_customers"].sum()
    for k in at:  # a few points of the curve
        try:
            point = curve.xs(k, level="period_number")
        except KeyError:
            point = pd.DataFrame(columns=["value", "low", "high", "n_customers"])
        point = point.reindex(per_group.index)
        out[f"month_{k}"] = point["value"].to_numpy(dtype=np.float64)
        out[f"month_{k}_low"] = point["low"].to_numpy(dtype=np.float64)
        out[f"month_{k}_high"] = point["high"].to_numpy(dtype=np.float64)
        out[f"month_{k}_customers"] = point["n_customers"].fillna(0).to_numpy().astype(np.int64)
    out = out.sort_values("new_customers", ascending=False, kind="stable", ignore_index=True)
    out.attrs["at"] = tuple(at)
    return out


# --------------------------------------------------------------------------------------------
# What this says
# --------------------------------------------------------------------------------------------


def describe_weekday_hour(df: pd.DataFrame) -> list[str]:
    """Busiest weekday and (with times) busiest hours, from :func:`weekday_hour`."""
    total = int(df["orders"].sum())
    if total == 0:
        return ["There are no purchase orders to place in the week."]
    by_day = df.groupby("weekday", sort=True)["orders"].sum().to_numpy()
    best, worst = int(np.argmax(by_day)), int(np.argmin(by_day))
    closed = [WEEKDAYS[d] for d in range(7) if by_day[d] == 0]
    quiet = (
        f"there are no orders at all on {_join(closed, 'or')}"
        if closed
        else f"{WEEKDAYS[worst]} is the quietest ({_pct(by_day[worst] / total)})"
    )
    out = [
        f"{WEEKDAYS[best]} is the busiest day ({_pct(by_day[best] / total)} of orders; an even "
        f"spread would be 14% each) and {quiet}."
    ]
    if df.attrs.get("has_time", True):
        by_hour = df.groupby("hour", sort=True)["orders"].sum().to_numpy()
        # the busiest 3-hour window (wrapping past midnight)
        window = by_hour + np.roll(by_hour, -1) + np.roll(by_hour, -2)
        ties = np.flatnonzero(window == window.max())
        h = int(next((t for t in ties if by_hour[t] > 0), ties[0]))  # start on a busy hour
        out.append(
            f"The busiest three hours are {h:02d}:00-{(h + 3) % 24:02d}:00, with "
            f"{_pct(window[h] / total)} of all orders."
        )
        cell = df.loc[df["orders"].idxmax()]
        out.append(
            f"The single busiest slot is {cell['weekday_name']} {int(cell['hour']):02d}:00, "
            f"with {int(cell['orders']):,} orders."
        )
    else:
        out.append("The file has dates without times of day, so only weekdays can be compared.")
    return out


def describe_weekday_month(df: pd.DataFrame) -> list[str]:
    """Which weekday leads most months, from :func:`weekday_month`."""
    full = df[df["days"] >= 4]
    if len(full) == 0 or full["orders"].sum() == 0:
        return []
    per_day = full.pivot_table(index="month", columns="weekday", values="orders_per_day")
    leader = per_day.idxmax(axis=1).dropna().astype(int)
    if len(leader) == 0:
        return []
    counts = np.bincount(leader.to_numpy(), minlength=7)
    top = int(np.argmax(counts))
    return [
        f"{WEEKDAYS[top]} has the most orders per day in {counts[top]} of {len(leader)} "
        f"months" + (": a steady habit." if counts[top] >= 0.6 * len(leader) else "."),
        *_months_note(df),
    ]


def _months_note(df: pd.DataFrame) -> list[str]:
    if not df.attrs.get("capped"):
        return []
    return [
        f"Showing the latest {MAX_CALENDAR_MONTHS:,} of {df.attrs['months_total']:,} months "
        "(a limit that keeps this page quick)."
    ]


def describe_seasonality(df: pd.DataFrame) -> list[str]:
    """Strongest and weakest month of the year and the latest year-over-year change, from
    :func:`monthly_seasonality`."""
    full = df[df["complete"]]
    if len(full) == 0:
        return ["No calendar month is fully covered by the data yet."]
    out = _months_note(df)
    by_month = full.groupby("month_number")["revenue"].mean()
    if len(by_month) >= 6:
        avg = by_month.mean()
        hi, lo = int(by_month.idxmax()), int(by_month.idxmin())
        out.append(
            f"{MONTHS[hi - 1]} is the strongest month ({_money(by_month[hi])} on average, "
            f"{by_month[hi] / avg - 1:+.0%} against the average month) and "
            f"{MONTHS[lo - 1]} the weakest ({by_month[lo] / avg - 1:+.0%})."
        )
    yoy = full.dropna(subset=["revenue_yoy"])
    if len(yoy):
        last = yoy.iloc[-1]
        out.append(
            f"{last['month_name']} {int(last['year'])} brought {_money(last['revenue'])}, "
            f"{last['revenue_yoy']:+.0%} on the same month a year before "
            f"({last['orders_yoy']:+.0%} in orders)."
        )
        if len(yoy) >= 3:
            recent = yoy.tail(3)
            growth = recent["revenue"].sum() / recent["revenue_last_year"].sum() - 1
            out.append(
                f"Over the last three complete months compared with a year before, revenue is "
                f"{growth:+.0%}."
            )
    else:
        out.append("The data cover less than two years, so no year-over-year change yet.")
    partial = df[~df["complete"]]
    if len(partial):
        out.append(
            "Months the data only partly cover ("
            + ", ".join(partial["month"].astype("str"))
            + ") are drawn lighter and left out of these comparisons."
        )
    return out


def describe_reorder(s: ReorderSummary) -> list[str]:
    """Median reorder time and the share back within each window."""
    if s.customers == 0:
        return ["There are no purchases yet."]
    out = []
    if s.gaps:
        out.append(
            f"{_pct(s.repeat_customers / s.customers)} of customers bought on more than one day. "
            f"Half of all reorders come within {s.median_days:.0f} days of the previous "
            f"purchase (average {s.mean_days:.0f} days)."
        )
    else:
        out.append("No customer has bought on two different days yet.")
    rows = [r for r in s.within.itertuples() if r.eligible]
    if rows:
        first, rest = rows[0], rows[1:]
        text = (
            f"Of new customers, {_pct(first.share)} came back within {first.days} days of their "
            f"first purchase"
        )
        if rest:
            text += (
                ", "
                + ", ".join(f"{_pct(r.share)} within {r.days}" for r in rest[:-1])
                + (" and " if len(rest) > 1 else "")
                + f"{_pct(rest[-1].share)} within {rest[-1].days}"
            )
        out.append(text + " (counting only customers whose first purchase is long enough ago).")
    return out


def describe_reorder_by_item(df: pd.DataFrame, column: str) -> list[str]:
    """Fastest and slowest reordered items, from :func:`reorder_by_item`."""
    if len(df) < 2:
        return []
    fast, slow = df.iloc[0], df.iloc[-1]
    return [
        f"{md_escape(fast[column])} is bought again soonest (median {fast['median_days']:.0f} days between "
        f"purchases), {md_escape(slow[column])} last ({slow['median_days']:.0f} days): a reminder timed "
        f"to the typical gap arrives when the customer is about to need it."
    ]


def describe_top_items(df: pd.DataFrame, column: str) -> list[str]:
    """How concentrated sales are and which item keeps customers, from :func:`top_items`."""
    if len(df) == 0:
        return []
    word = column
    first = df.iloc[0]
    out = []
    if df.attrs.get("by", "revenue") == "revenue":
        top5 = df["revenue_share"].head(5).sum()
        out.append(
            f"{md_escape(first[column])} is the top {word} by revenue ({_pct(first['revenue_share'])} of "
            f"item revenue); the top {min(5, len(df))} bring {_pct(top5)} of "
            f"{df.attrs.get('items', len(df)):,} {_PLURALS.get(word, word + 's')}."
        )
    big = df[df["customers"] >= 10]
    if len(big) >= 2:
        best = big.loc[big["repeat_rate"].idxmax()]
        out.append(
            f"Among these, {md_escape(best[column])} has the most loyal buyers: "
            f"{_pct(best['repeat_rate'])} of its {int(best['customers']):,} customers bought it "
            f"again."
        )
    return out


def describe_first_orders(df: pd.DataFrame, column: str, *, min_eligible: int = 30) -> list[str]:
    """What first orders hold and which items bring customers back, from
    :func:`first_order_items`. Only items with ``min_eligible`` counted customers are compared,
    and only intervals that exclude the overall rate are called better or worse."""
    if len(df) == 0:
        return []
    overall = df.attrs.get("overall_return_rate", np.nan)
    w = df.attrs.get("within_days")
    window = f"within {w} days" if w else "later"
    first = df.iloc[0]
    out = [
        f"{_pct(first['first_order_share'])} of first orders include {md_escape(first[column])}, the most "
        f"common way in."
    ]
    ok = df[df["eligible"] >= min_eligible]
    if np.isfinite(overall) and len(ok) >= 2:
        out.append(f"Overall {_pct(overall)} of new customers came back {window}.")
        better = ok[ok["low"] > overall].sort_values("return_rate", ascending=False)
        worse = ok[ok["high"] < overall].sort_values("return_rate")
        if len(better):
            b = better.iloc[0]
            out.append(
                f"Customers whose first order included {md_escape(b[column])} came back more often: "
                f"{_pct(b['return_rate'])} (95% interval {_pct(b['low'])} to {_pct(b['high'])}, "
                f"{int(b['eligible']):,} customers)."
            )
        if len(worse):
            b = worse.iloc[0]
            out.append(
                f"Those who started with {md_escape(b[column])} came back less often: "
                f"{_pct(b['return_rate'])} (95% interval {_pct(b['low'])} to {_pct(b['high'])})."
            )
        if not len(better) and not len(worse):
            out.append(
                f"No {column} stands out: every difference is within what chance alone gives."
            )
    return out


def describe_rules(rules: pd.DataFrame) -> list[str]:
    """The choice of minimum support and the strongest rule, from :func:`association_rules`."""
    a = rules.attrs
    n = a.get("orders", 0)
    if n == 0:
        return ["There are no orders with items to compare."]
    how = "chosen so the list stays readable" if a.get("chosen") else "as set"
    out = [
        f"Pairs bought together in at least {_pct(a['min_support'])} of the {n:,} orders "
        f"({a['min_orders']:,} orders or more; threshold {how}) give {len(rules):,} rules."
    ]
    strong = rules[rules["lift"] > 1]
    if len(strong):
        r = strong.iloc[0]
        out.append(
            f"Strongest: {_pct(r['confidence'])} of orders with {md_escape(r['antecedent'])} also hold "
            f"{md_escape(r['consequent'])}, {r['lift']:.1f} times as often as orders in general "
            f"({int(r['orders']):,} orders)."
        )
    elif len(rules):
        out.append("No pair is bought together more often than chance would give.")
    else:
        out.append("No pair of items is bought together often enough to count.")
    if a.get("capped"):
        out.append(
            f"Only the {a['items_considered']:,} items in the most orders were paired up "
            "(a limit that keeps this page quick); rarer items are left out of the rules."
        )
    return out


def describe_recommendations(recs: pd.DataFrame) -> list[str]:
    """How many customers get suggestions and the most suggested item."""
    a = recs.attrs
    cap = []
    if a.get("capped"):
        cap = [
            f"Suggestions come from the {a['items_considered']:,} items bought by the most "
            f"customers, of {a['usable_items']:,} with enough buyers (a limit that keeps this "
            "page quick)."
        ]
    if len(recs) == 0:
        return ["No recommendations: customers' purchases do not overlap enough yet.", *cap]
    top = recs[recs["rank"] == 1]["item"].value_counts()
    return [
        f"{recs['customer_id'].nunique():,} customers get suggestions; {md_escape(top.index[0])} is the "
        f"most frequent first suggestion ({int(top.iloc[0]):,} customers).",
        *cap,
    ]


def describe_order_values(s: OrderValueSummary) -> list[str]:
    """Typical order value and the skew, from :func:`order_value_summary`."""
    if s.orders == 0:
        return ["There are no purchase orders."]
    out = [
        f"Half of the orders are worth between {_money(s.p25)} and {_money(s.p75)} (median "
        f"{_money(s.median)}); one in ten is above {_money(s.p90)}."
    ]
    if s.mean > 1.2 * s.median:
        out.append(
            f"The average ({_money(s.mean)}) sits well above the median: a few large orders pull "
            f"it up, so the median is the better 'typical order'."
        )
    return out


def describe_spend(df: pd.DataFrame, by: str, *, min_customers: int = 10) -> list[str]:
    """Which group spends most per customer, from :func:`spend_per_customer` (groups with at
    least ``min_customers`` customers)."""
    df = df[(df[by] != OTHER_LABEL) & (df["customers"] >= min_customers)]
    if len(df) < 2:
        return []
    hi = df.loc[df["revenue_per_customer"].idxmax()]
    lo = df.loc[df["revenue_per_customer"].idxmin()]
    if by == "segment":
        who = f"Customers in the {md_escape(hi[by])} segment"
        other = f"the {md_escape(lo[by])} segment"
    else:
        who = f"Customers first won through the {by} {md_escape(hi[by])}"
        other = f"those from {md_escape(lo[by])}"
    return [
        f"{who} spend the most: {_money(hi['revenue_per_customer'])} each on average (median "
        f"{_money(hi['median_per_customer'])}), against {_money(lo['revenue_per_customer'])} for "
        f"{other}."
    ]


def describe_price_bands(df: pd.DataFrame, by: str | None) -> list[str]:
    """Where prices sit, from :func:`price_bands`."""
    if len(df) == 0:
        return []
    name = by or "group"
    if len(df) == 1:
        r = df.iloc[0]
        return [
            f"Half of the lines sell at {_money(r['p25'])} to {_money(r['p75'])} per unit "
            f"(median {_money(r['median'])})."
        ]
    hi = df.loc[df["median"].idxmax()]
    lo = df.loc[df["median"].idxmin()]
    wide = df.assign(width=df["p90"] / df["p10"]).sort_values("width").iloc[-1]
    return [
        f"{md_escape(hi[name])} is the priciest {by} (median {_money(hi['median'])} per unit), "
        f"{md_escape(lo[name])} the cheapest ({_money(lo['median'])}).",
        f"{md_escape(wide[name])} has the widest range: the middle 80% of lines sell between "
        f"{_money(wide['p10'])} and {_money(wide['p90'])}.",
    ]


def describe_discounts(df: pd.DataFrame) -> list[str]:
    """Share of revenue at a discount, from :func:`discount_share`."""
    if len(df) == 0:
        return []
    full = df.loc[df["kind"] == "Full price", "revenue_share"]
    out = []
    rest = 1 - float(full.iloc[0]) if len(full) else np.nan
    out.append(f"{_pct(rest)} of revenue comes from discounted or low-price lines.")
    for r in df.itertuples():
        if r.kind == "Discount code":
            out.append(
                f"{_pct(r.revenue_share)} of revenue ({_pct(r.line_share)} of lines) used a "
                f"discount code (column '{md_escape(df.attrs.get('discount_column'))}')."
            )
        elif r.kind == "Below usual price":
            ratio = df.attrs.get("low_price_ratio", 0.9)
            out.append(
                f"{_pct(r.revenue_share)} of revenue sold at least {1 - ratio:.0%} below the "
                f"product's usual price without a code."
            )
    return out


def describe_breakdown(table: pd.DataFrame, column: str) -> list[str]:
    """Top value's share of revenue and orders, from :func:`analysis.overview.top_breakdown`."""
    if len(table) == 0:
        return []
    first = table.iloc[0]
    total_orders = table["orders"].sum()
    out = [
        f"{md_escape(first[column])} brings {_pct(first['revenue_share'])} of net revenue "
        f"({int(first['orders']):,} orders)."
    ]
    if len(table) >= 2 and total_orders:
        with np.errstate(divide="ignore", invalid="ignore"):
            aov = table["net_revenue"] / table["orders"]
        named = table[table[column] != OTHER_LABEL].assign(aov=aov)
        named = named[named["orders"] >= 20]
        if len(named) >= 2:
            hi = named.loc[named["aov"].idxmax()]
            lo = named.loc[named["aov"].idxmin()]
            out.append(
                f"Revenue per order is highest in {md_escape(hi[column])} ({_money(hi['aov'])}) and lowest "
                f"in {md_escape(lo[column])} ({_money(lo['aov'])})."
            )
    return out


def describe_channel_acquisition(df: pd.DataFrame, column: str) -> list[str]:
    """Which channel brings most new customers and which keeps them, from
    :func:`channel_acquisition`."""
    if len(df) == 0:
        return []
    top = df.iloc[0]
    out = [
        f"{md_escape(top[column])} brought the most new customers: {int(top['new_customers']):,} "
        f"({_pct(top['share'])})."
    ]
    k = df.attrs.get("at", (1,))[0]
    col = f"month_{k}"
    ok = df[(df[f"{col}_customers"] >= 30) & df[col].notna() & (df[column] != OTHER_LABEL)]
    if len(ok) >= 2:
        hi = ok.loc[ok[col].idxmax()]
        lo = ok.loc[ok[col].idxmin()]
        separated = hi[f"{col}_low"] > lo[f"{col}_high"]
        verdict = (
            "a real difference (the 95% intervals do not overlap)"
            if separated
            else "but the intervals overlap, so this may be chance"
        )
        month = "the month after their first purchase" if k == 1 else f"{k} months after"
        out.append(
            f"Customers from {md_escape(hi[column])} come back best: {_pct(hi[col])} buy again in {month}, "
            f"against {_pct(lo[col])} from {md_escape(lo[column])}; {verdict}."
        )
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

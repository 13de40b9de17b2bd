"""One customer's history: figures, orders (the latest), what they buy, who they are.

Definitions are the shared ones (:mod:`analysis.orders`): ``as_of`` is the end of observation,
exclusive (default: the day after the last transaction of the *whole* table, so one customer's
"days since the last purchase" matches the RFM recency). Nothing here loops over customers: one
customer's rows are found with one vectorised comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.columns import LINE_LEVEL
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table, resolve_as_of, to_timestamps

__all__ = [
    "MAX_ATTRIBUTE_LINES",
    "MAX_HISTORY_ORDERS",
    "MAX_PROFILE_ITEMS",
    "CustomerProfile",
    "customer_profile",
]

_ITEM_COLUMNS = ("product", "category")
_HISTORY_COLUMNS = ["order_id", "order_date", "net_value", "kind", "lines", "items"]

MAX_HISTORY_ORDERS = 1_000
"""Most orders :attr:`CustomerProfile.history` holds: the customer's latest (a timeline and a
table of a million orders help nobody and take a minute to build). Every figure of the profile
(purchases, revenue, gaps) still counts every order; ``history_total`` gives the full count."""

MAX_PROFILE_ITEMS = 500
"""Most rows of :attr:`CustomerProfile.items`: the items in the most orders (``items_total``
gives the full count)."""

MAX_ATTRIBUTE_LINES = 500
"""Customer-level attributes (e-mail, channel, ...) are read from at most this many of the
customer's latest lines, so a customer with a million lines in a wide file stays quick."""
#: A column describes the customer when it is filled on, and agrees across, this share of
#: their lines.
_AGREEMENT = 0.9


def _has_values(tx: pd.DataFrame, column: str) -> bool:
    if column not in tx.columns:
        return False
    text = tx[column].astype("str").str.strip()
    return bool((tx[column].notna() & (text != "")).any())


def _first_few(names: pd.Series, k: int = 5) -> str:
    """Return ``a, b, c, d, e and 3 more``."""
    names = list(names)
    if len(names) <= k:
        return ", ".join(names)
    return f"{', '.join(names[:k])} and {len(names) - k} more"


@dataclass(frozen=True)
class CustomerProfile:
    """One customer's history before ``as_of``.

    Attributes
    ----------
    customer_id : str
    found : bool
        False when the customer has no transaction before ``as_of`` (every other figure is
        then empty or NaN).
    as_of : pd.Timestamp
        End of observation (exclusive).
    first_purchase, last_purchase : pd.Timestamp or None
        Calendar days of the first and last purchase orders.
    orders, refund_orders : int
    net_revenue : float
        Every observed amount summed (refunds subtracted).
    gross_revenue : float
        Purchase orders' net values summed.
    refunded : float
        Refund orders' value, as a positive amount.
    average_order_value : float
        ``gross_revenue / orders`` (NaN without purchases).
    days_since_last : int or None
        Days from the last purchase day to ``as_of`` (1 = bought on the last day of the data).
    visits : int
        Distinct days with a purchase order.
    median_gap_days : float
        Median days between consecutive purchase days (NaN with fewer than two).
    attributes : dict
        Customer-level values from the file (channel, country, e-mail, ...): for each column
        that is not an order-line field, the latest value, when the column is filled on and
        agrees across at least 90% of the customer's lines (so a discount code used once or a
        stock code is left out).
    history : DataFrame
        One row per order, oldest first: ``order_id``, ``order_date``, ``net_value``, ``kind``
        ("purchase" or "refund"), ``lines``, ``items`` (the order's products, or categories, as
        text, most valuable first). At most :data:`MAX_HISTORY_ORDERS`, the latest.
    items : DataFrame
        What they buy (empty without a product or category column): ``<item column>``,
        ``orders`` (purchase orders with it), ``quantity`` (NaN without a quantity column),
        ``revenue`` (net, refund lines included), ``last_bought``. Most orders first; at most
        :data:`MAX_PROFILE_ITEMS`.
    item_column : str or None
    history_total : int
        Orders in total (``len(history)`` is smaller when :data:`MAX_HISTORY_ORDERS` cut it).
    items_total : int
        Distinct items in total (``len(items)`` is smaller when :data:`MAX_PROFILE_ITEMS` cut
        it).
    """

    customer_id: str
    found: bool
    as_of: pd.Timestamp
    first_purchase: pd.Timestamp | None
    last_purchase: pd.Timestamp | None
    orders: int
    refund_orders: int
    net_revenue: float
    gross_revenue: float
    refunded: float
    average_order_value: float
    days_since_last: int | None
    visits: int
    median_gap_days: float
    attributes: dict
    history: pd.DataFrame
    items: pd.DataFrame
    item_column: str | None
    history_total: int = 0
    items_total: int = 0


def _not_found(customer_id: str, as_of: pd.Timestamp, item_column: str | None) -> CustomerProfile:
    return CustomerProfile(
        customer_id=customer_id,
        found=False,
        as_of=as_of,
        first_purchase=None,
        last_purchase=None,
        orders=0,
        refund_orders=0,
        net_revenue=0.0,
        gross_revenue=0.0,
        refunded=0.0,
        average_order_value=float("nan"),
        days_since_last=None,
        visits=0,
        median_gap_days=float("nan"),
        attributes={},
        history=pd.DataFrame(columns=_HISTORY_COLUMNS),
        items=pd.DataFrame(columns=[item_column or "item", "orders", "revenue"]),
        item_column=item_column,
    )


def _latest_orders(ot: OrderTable) -> pd.DataFrame:
    """Return the latest :data:`MAX_HISTORY_ORDERS` orders (position, id, date), oldest first.

    Only orders on or after the N-th latest day are sorted, so a customer with 500,000 orders
    stays quick.
    """
    total = len(ot.net)
    if total > MAX_HISTORY_ORDERS:  # orders on or after the N-th latest day
        kth = np.partition(ot.day, total - MAX_HISTORY_ORDERS)
        candidates = np.flatnonzero(ot.day >= kth[total - MAX_HISTORY_ORDERS])
    else:
        candidates = np.arange(total)
    return (
        pd.DataFrame(
            {
                "position": candidates,
                "order_id": pd.array(ot.order_ids[candidates], dtype="str"),
                "order_date": to_timestamps(ot.day[candidates]),
            }
        )
        .sort_values(["order_date", "order_id"], ignore_index=True)
        .tail(MAX_HISTORY_ORDERS)
        .reset_index(drop=True)
    )


def _order_items(
    mine: pd.DataFrame, ot: OrderTable, item_column: str, shown_orders: np.ndarray
) -> np.ndarray:
    """Return the items of each shown order as text, most valuable first."""
    text = np.full(len(shown_orders), "", dtype=object)
    if not len(shown_orders):
        return text
    row_of = np.full(len(ot.net), -1, dtype=np.int64)
    row_of[shown_orders] = np.arange(len(shown_orders))
    keep = row_of[ot.line_order] >= 0
    shown = pd.DataFrame(
        {
            "_row": row_of[ot.line_order[keep]],
            "_item": mine[item_column].astype("str").str.strip().to_numpy()[ot.line_index[keep]],
            "amount": ot.line_amount[keep],
        }
    )
    by_item = (
        shown.loc[shown["_item"] != ""]
        .groupby(["_row", "_item"], sort=False)["amount"]
        .sum()
        .reset_index()
        .sort_values(["_row", "amount"], ascending=[True, False], kind="stable")
    )
    described = by_item.groupby("_row", sort=False)["_item"].agg(_first_few)
    text[described.index.to_numpy()] = described.to_numpy()
    return text


def _history(mine: pd.DataFrame, ot: OrderTable, item_column: str | None) -> pd.DataFrame:
    """Return one row per shown order (see :attr:`CustomerProfile.history`)."""
    frame = _latest_orders(ot)
    shown_orders = frame["position"].to_numpy()
    line_counts = np.bincount(ot.line_order, minlength=len(ot.net))
    if item_column is not None:
        text = _order_items(mine, ot, item_column, shown_orders)
    else:
        text = np.full(len(frame), "", dtype=object)
    shown_values = ot.net[shown_orders]
    return pd.DataFrame(
        {
            "order_id": frame["order_id"].astype("str"),
            "order_date": frame["order_date"],
            "net_value": shown_values,
            "kind": pd.array(np.where(shown_values >= 0, "purchase", "refund"), dtype="str"),
            "lines": line_counts[shown_orders].astype(np.int64),
            "items": pd.array(text, dtype="str"),
        }
    )


def _items(mine: pd.DataFrame, ot: OrderTable, item_column: str | None) -> pd.DataFrame:
    """Return what the customer buys, most orders first (see :attr:`CustomerProfile.items`)."""
    if item_column is None:
        return pd.DataFrame(columns=["item", "orders", "quantity", "revenue"])
    net = np.zeros(len(mine))
    net[ot.line_index] = ot.net[ot.line_order]  # the line's order's net value
    named = mine[item_column].astype("str").str.strip().ne("") & mine[item_column].notna()
    bought = mine[named & (net >= 0) & (mine["amount"] >= 0)]
    grouped = mine[named].groupby(item_column)
    items = pd.DataFrame(
        {
            "orders": bought.groupby(item_column)["order_id"].nunique(),
            "quantity": (
                bought.groupby(item_column)["quantity"].sum()
                if "quantity" in mine.columns
                else np.nan
            ),
            "revenue": grouped["amount"].sum(),
            "last_bought": bought.groupby(item_column)["order_date"].max().dt.normalize(),
        }
    )
    items["orders"] = items["orders"].fillna(0).astype(np.int64)
    return (
        items.rename_axis(item_column)
        .reset_index()
        .sort_values(["orders", "revenue"], ascending=False, kind="stable", ignore_index=True)
    )


def _attributes(tx: pd.DataFrame, mine: pd.DataFrame) -> dict:
    """Return the customer-level values of the columns that are not order-line fields."""
    attributes = {}
    extra = [c for c in tx.columns if c not in LINE_LEVEL]
    if not extra:
        return attributes
    latest = mine.sort_values("order_date", kind="stable")[extra].tail(MAX_ATTRIBUTE_LINES)
    for column in extra:  # a few columns
        text = latest[column].astype("str").str.strip()
        filled = latest[column].notna() & (text != "")
        if not filled.any() or filled.mean() < _AGREEMENT:
            continue  # filled on only some lines: a line detail, e.g. a discount code
        value = text[filled].iloc[-1]
        if (text[filled] == value).mean() >= _AGREEMENT:  # else it varies: e.g. a SKU
            attributes[column] = value
    return attributes


def customer_profile(tx: pd.DataFrame, customer_id: str, *, as_of=None) -> CustomerProfile:
    """Collect one customer's figures, orders and purchases (see :class:`CustomerProfile`).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (all customers: ``as_of`` defaults from the whole table).
    customer_id : str
        As written in the data.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    CustomerProfile
        ``found`` is False when the customer has no transaction before ``as_of``.
    """
    as_of_ts = resolve_as_of(tx, as_of)
    mask = (tx["customer_id"] == customer_id).to_numpy() & (
        tx["order_date"].to_numpy() < np.datetime64(as_of_ts.to_datetime64())
    )
    mine = tx[mask].reset_index(drop=True)
    item_column = next((c for c in _ITEM_COLUMNS if _has_values(tx, c)), None)
    if len(mine) == 0:
        return _not_found(customer_id, as_of_ts, item_column)
    ot = order_table(mine, as_of_ts)  # one customer's orders as arrays
    purchase = ot.is_purchase
    visit_days = np.unique(ot.day[purchase])
    days = pd.Series(to_timestamps(visit_days))
    gaps = np.diff(visit_days)
    n_orders = int(purchase.sum())
    gross = float(ot.net[purchase].sum())
    items = _items(mine, ot, item_column)
    last = days.iloc[-1] if len(days) else None
    return CustomerProfile(
        customer_id=customer_id,
        found=True,
        as_of=as_of_ts,
        first_purchase=days.iloc[0] if len(days) else None,
        last_purchase=last,
        orders=n_orders,
        refund_orders=int((~purchase).sum()),
        net_revenue=float(mine["amount"].sum()),
        gross_revenue=gross,
        refunded=float(-ot.net[~purchase].sum()),
        average_order_value=gross / n_orders if n_orders else float("nan"),
        days_since_last=int((as_of_ts - last).days) if last is not None else None,
        visits=len(days),
        median_gap_days=float(np.median(gaps)) if len(gaps) else float("nan"),
        attributes=_attributes(tx, mine),
        history=_history(mine, ot, item_column),
        items=items.head(MAX_PROFILE_ITEMS),
        item_column=item_column,
        history_total=len(ot.net),
        items_total=len(items),
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

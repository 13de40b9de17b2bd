"""Items bought together: item pair counts and association rules, counted in the engine.

The lines counted are those of :func:`analysis.patterns.baskets` (``by="order"``): lines of
purchase orders with an amount of 0 or more that name an item (blank names are none) and are
not postage, fees or discounts (:func:`analysis.nonproduct.non_product_mask`, applied to the
distinct item names and product codes the engine sends back, then used as a filter there).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.nonproduct import code_columns, non_product_mask
from analysis.patterns.baskets import (
    MAX_RULE_ITEMS,
    BasketCounts,
    pairing_plan,
    rules_from_counts,
)
from analysis.pushdown._lines import orders, resolve_as_of

__all__ = ["association_rules", "item_pair_counts"]


def _non_products(table: ir.Table) -> dict[str, list[str]]:
    """Return, for the product name and each product-code column, its non-product values."""
    out = {}
    probe = pd.DataFrame(columns=list(table.columns))
    names = ["product"] if "product" in table.columns else []
    for name in names + [c for c in code_columns(probe) if c != "product"]:
        values = table.select(v=table[name].cast("string")).distinct().execute()["v"].dropna()
        frame = pd.DataFrame({name: values.astype(str).to_numpy()})
        out[name] = frame[name][non_product_mask(frame)].tolist()
    return out


def _item_lines(table: ir.Table, column: str, as_of_ts: pd.Timestamp) -> ir.Table:
    """Return distinct (customer, order, item) of the lines that count, in the engine."""
    as_of_date = ibis.date(dt.date(as_of_ts.year, as_of_ts.month, as_of_ts.day))
    lines = table.filter(table.order_date.notnull(), table.order_date.date() < as_of_date)
    item = lines[column].cast("string")
    keep = [item.notnull(), item.strip() != "", lines.amount.cast("float64").fill_null(0.0) >= 0]
    for name, values in _non_products(table).items():
        if values:
            keep.append(~lines[name].cast("string").isin(values).fill_null(False))
    lines = lines.filter(*keep).select("customer_id", "order_id", item=item)
    o = orders(table, as_of_ts)
    bought = o.filter(o.net >= 0).select("customer_id", "order_id")
    return lines.join(bought, ["customer_id", "order_id"]).distinct()


def _item_orders(il: ir.Table) -> tuple[pd.Index, np.ndarray, int]:
    """Return the items (Python's order), the baskets holding each, and the baskets (one query)."""
    baskets = il.select("customer_id", "order_id").distinct().count()
    per_item = il.group_by("item").aggregate(n=il.count())
    per_item = per_item.mutate(baskets=baskets.as_scalar()).execute()
    counts = dict(zip(per_item["item"].astype(str), per_item["n"].astype(np.int64), strict=True))
    labels = sorted(counts)
    n_baskets = int(per_item["baskets"].iloc[0]) if len(per_item) else 0  # no item: no basket
    item_orders = np.array([counts[k] for k in labels], dtype=np.int64)
    return pd.Index(labels, dtype="str"), item_orders, n_baskets


def _pairs(il: ir.Table, floor: int, items: list[str] | None = None) -> tuple[np.ndarray, ...]:
    """Return the item pairs in ``floor`` baskets or more: (first, second, orders), first < second.

    ``items`` restricts the pairs to those items (None: every item).
    """
    if items is not None:
        il = il.filter(il.item.isin(items))
    a = il.rename(item_a="item")
    b = il.rename(item_b="item")
    pairs = a.join(b, ["customer_id", "order_id"]).filter(lambda t: t.item_a < t.item_b)
    counts = pairs.group_by(["item_a", "item_b"]).aggregate(orders=pairs.count())
    counts = counts.filter(counts.orders >= int(floor)).execute()
    first = counts["item_a"].astype(str).to_numpy()
    second = counts["item_b"].astype(str).to_numpy()
    swap = first > second  # the engine's collation may order text otherwise
    lo, hi = np.where(swap, second, first), np.where(swap, first, second)
    return lo, hi, counts["orders"].to_numpy(dtype=np.int64)


def item_pair_counts(
    table: ir.Table, column: str = "product", *, min_orders: int = 1, as_of=None
) -> pd.DataFrame:
    """Count the purchase orders that hold each pair of items, in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions plus ``column``.
    column : {"product", "category"}
        Item column.
    min_orders : int
        Keep the pairs in at least this many orders (the engine drops the others).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        ``item_a`` < ``item_b`` (text, Python's order), ``orders`` (purchase orders holding
        both), ``a_orders`` and ``b_orders`` (orders holding each), most orders first, then by
        the items. ``attrs["baskets"]``: purchase orders naming at least one item. The same
        counts as :func:`analysis.patterns.baskets` gives (``X.T @ X`` of its matrix).
    """
    if column not in table.columns:
        raise KeyError(f"There is no {column!r} column in the transactions.")
    il = _item_lines(table, column, resolve_as_of(table, as_of))
    labels, item_orders, n_baskets = _item_orders(il)
    items = pd.Series(item_orders, index=labels)
    lo, hi, orders = _pairs(il, min_orders)
    out = pd.DataFrame(
        {
            "item_a": pd.array(lo, dtype="str"),
            "item_b": pd.array(hi, dtype="str"),
            "orders": orders,
            "a_orders": items.reindex(lo).to_numpy(dtype=np.int64),
            "b_orders": items.reindex(hi).to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(
        ["orders", "item_a", "item_b"], ascending=[False, True, True], ignore_index=True
    )
    out.attrs["baskets"] = n_baskets
    return out


def association_rules(
    table: ir.Table,
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
    """:func:`analysis.patterns.association_rules` with the baskets counted in the engine.

    Three small results come back: the baskets holding each item, the number of baskets, and
    the pairs of the items paired up (:func:`analysis.patterns.pairing_plan`) in enough
    baskets; the rules are then made by :func:`analysis.patterns.rules_from_counts`, as in
    memory.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions plus ``column``.
    column, min_support, min_confidence, min_orders, min_rules, max_rules, max_items, as_of
        As for :func:`analysis.patterns.association_rules`.

    Returns
    -------
    DataFrame
        The same rules, values and ``attrs`` as the in-memory function.
    """
    if column not in table.columns:
        raise KeyError(f"There is no {column!r} column in the transactions.")
    il = _item_lines(table, column, resolve_as_of(table, as_of))
    items, item_orders, n = _item_orders(il)
    settings = {"min_support": min_support, "min_orders": min_orders, "max_items": max_items}
    floor, keep = pairing_plan(item_orders, n, **settings)
    none = np.zeros(0, dtype=np.int64)
    a = b = both = none
    if len(keep) >= 2:
        chosen = None if len(keep) == len(items) else items[keep].tolist()
        lo, hi, both = _pairs(il, floor, chosen)
        a, b = items.get_indexer(lo).astype(np.int64), items.get_indexer(hi).astype(np.int64)
    counts = BasketCounts(
        items=items, item_orders=item_orders, pair_a=a, pair_b=b, pair_orders=both, baskets=n
    )
    return rules_from_counts(
        counts,
        column,
        min_confidence=min_confidence,
        min_rules=min_rules,
        max_rules=max_rules,
        **settings,
    )

"""Items bought together: item pair counts over purchase orders, counted in the engine.

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
from analysis.pushdown._lines import orders, resolve_as_of

__all__ = ["item_pair_counts"]


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
    as_of_ts = resolve_as_of(table, as_of)
    il = _item_lines(table, column, as_of_ts)
    per_item = il.group_by("item").aggregate(n=il.count())
    a = il.rename(item_a="item")
    b = il.rename(item_b="item")
    pairs = a.join(b, ["customer_id", "order_id"]).filter(lambda t: t.item_a < t.item_b)
    counts = pairs.group_by(["item_a", "item_b"]).aggregate(orders=pairs.count())
    counts = counts.filter(counts.orders >= int(min_orders)).execute()
    items = per_item.execute().set_index("item")["n"].astype(np.int64)
    n_baskets = int(il.select("customer_id", "order_id").distinct().count().execute())
    first = counts["item_a"].astype(str).to_numpy()
    second = counts["item_b"].astype(str).to_numpy()
    swap = first > second  # the engine's collation may order text otherwise
    lo, hi = np.where(swap, second, first), np.where(swap, first, second)
    out = pd.DataFrame(
        {
            "item_a": pd.array(lo, dtype="str"),
            "item_b": pd.array(hi, dtype="str"),
            "orders": counts["orders"].to_numpy(dtype=np.int64),
            "a_orders": items.reindex(lo).to_numpy(dtype=np.int64),
            "b_orders": items.reindex(hi).to_numpy(dtype=np.int64),
        }
    )
    out = out.sort_values(
        ["orders", "item_a", "item_b"], ascending=[False, True, True], ignore_index=True
    )
    out.attrs["baskets"] = n_baskets
    return out

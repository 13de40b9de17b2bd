"""Top countries, channels, categories: net revenue, orders and customers, counted in the engine."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.overview import top_breakdown as _memory_top_breakdown
from analysis.pushdown._lines import CANONICAL, orders, resolve_as_of
from analysis.pushdown.overview import window

__all__ = ["top_breakdown", "top_breakdown_in_period"]


def _empty(column: str, *, has_column: bool, as_of=None) -> pd.DataFrame:
    """Return the in-memory function's empty answer (with its reason) for a table without lines."""
    if as_of is not None:  # one line on the as-of day itself: nothing falls before it
        row = {"customer_id": "-", "order_id": "-", "order_date": as_of, "amount": 0.0}
        frame = pd.DataFrame([{**row, column: "-"}])
    else:
        names = [*CANONICAL, column] if has_column else list(CANONICAL)
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in names})
    return _memory_top_breakdown(frame, column, as_of=as_of)


def _labelled_lines(table: ir.Table, column: str, as_of_ts: pd.Timestamp) -> ir.Table:
    """Observed lines with their group label and whether their order is a purchase."""
    as_of_date = ibis.date(dt.date(as_of_ts.year, as_of_ts.month, as_of_ts.day))
    lines = table.filter(table.order_date.notnull(), table.order_date.date() < as_of_date)
    value = lines[column].cast("string")
    label = (value.isnull() | (value.strip() == "")).ifelse(MISSING_LABEL, value)
    lines = lines.select(
        "customer_id",
        "order_id",
        label=label,
        amount=lines.amount.cast("float64").fill_null(0.0),
    )
    o = orders(table, as_of_ts)
    buy = o.select("customer_id", "order_id", purchase=o.net >= 0)
    return lines.join(buy, ["customer_id", "order_id"])


def top_breakdown(table: ir.Table, column: str, *, n: int = 10, as_of=None) -> pd.DataFrame:
    """:func:`analysis.overview.top_breakdown` with the counting pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions plus ``column`` (a line-level text attribute).
    column : str
        The attribute to break the revenue down by.
    n : int
        Values shown by name; the rest are one ``"Other"`` row (distinct orders and customers).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        The same columns, rows and ``attrs`` as in memory. Values with equal revenue are
        ordered by name here (an engine has no order of first appearance). Two small queries:
        the revenue of the top ``n + 1`` values with the number of values, then the counts.
    """
    if n < 1:
        raise ValueError("n must be at least 1.")
    if column not in table.columns:
        return _empty(column, has_column=False)
    if not int(table[column].count().execute()):
        return _memory_top_breakdown(pd.DataFrame({column: [None]}), column)
    as_of_ts = resolve_as_of(table, as_of)
    lines = _labelled_lines(table, column, as_of_ts)
    revenue = lines.group_by("label").aggregate(net_revenue=lines.amount.sum())
    top = revenue.order_by([ibis.desc("net_revenue"), "label"]).limit(n + 1).execute()
    if len(top) == 0:
        return _empty(column, has_column=True, as_of=as_of_ts)
    n_values = int(revenue.count().execute())
    names = top["label"].astype(str).tolist()[:n]
    if n_values > n:
        final = lines.label.isin(names).ifelse(lines.label, OTHER_LABEL)
        lines = lines.mutate(label=final)
    buy = lines.filter(lines.purchase)
    money = lines.group_by("label").aggregate(net_revenue=lines.amount.sum()).execute()
    pairs = buy.select("label", "customer_id", "order_id").distinct()
    order_counts = pairs.group_by("label").aggregate(orders=pairs.count()).execute()
    people = buy.select("label", "customer_id").distinct()
    customer_counts = people.group_by("label").aggregate(customers=people.count()).execute()
    out_names = names + ([OTHER_LABEL] if n_values > n else [])
    out = pd.DataFrame({column: pd.array(out_names, dtype="str")})
    by_label = {
        "net_revenue": money.set_index("label")["net_revenue"],
        "orders": order_counts.set_index("label")["orders"],
        "customers": customer_counts.set_index("label")["customers"],
    }
    out["net_revenue"] = by_label["net_revenue"].reindex(out_names).fillna(0.0).to_numpy(float)
    for name in ("orders", "customers"):
        out[name] = by_label[name].reindex(out_names).fillna(0).to_numpy(dtype=np.int64)
    total = float(money["net_revenue"].sum())
    out["revenue_share"] = out["net_revenue"] / total if total > 0 else np.nan
    out.attrs["reason"] = ""
    out.attrs["other_values"] = max(n_values - n, 0)
    return out


def top_breakdown_in_period(
    table: ir.Table, column: str, start, end, *, n: int = 10
) -> pd.DataFrame:
    """:func:`analysis.overview.top_breakdown_in_period` counted in the engine."""
    hi = pd.Timestamp(end).normalize()
    return top_breakdown(window(table, start, end), column, n=n, as_of=hi)

"""RFM values aggregated in the engine; scores and segments computed on the small result."""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis import rfm as _rfm
from analysis.pushdown._lines import NET_DECIMALS, cutoff_day, orders, resolve_as_of

__all__ = ["date_bounds", "rfm_values", "rfm_table"]


def rfm_values(table: ir.Table, *, as_of=None) -> tuple[pd.DataFrame, int, pd.Timestamp]:
    """Recency, frequency and monetary value per customer, computed in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive (default: the day after the last transaction date).

    Returns
    -------
    values : DataFrame
        Indexed by ``customer_id`` (sorted), with ``recency`` (days from the last purchase order
        to ``as_of``), ``frequency`` (purchase orders) and ``monetary`` (all observed amounts
        summed, refunds included, rounded to 8 decimals), for customers with at least one purchase order.
    refund_only : int
        Customers with observed lines but no purchase order.
    as_of : Timestamp
        The end of observation used.
    """
    as_of_ts = resolve_as_of(table, as_of)
    o = orders(table, as_of_ts)
    purchase = o.net >= 0
    joined = o.group_by("customer_id").aggregate(
        frequency=purchase.ifelse(1, 0).sum(),
        last_day=purchase.ifelse(o.day, None).max(),
        monetary=o.total.sum().round(NET_DECIMALS),
    )
    frame = joined.execute()
    frame["frequency"] = frame["frequency"].astype(np.int64)
    buyers = frame["frequency"] > 0
    refund_only = int((~buyers).sum())
    frame = frame[buyers].sort_values("customer_id", ignore_index=True)
    values = pd.DataFrame(
        {
            "recency": (cutoff_day(as_of_ts) - frame["last_day"].astype(np.int64)).to_numpy(),
            "frequency": frame["frequency"].to_numpy(),
            "monetary": frame["monetary"].to_numpy(dtype=np.float64),
        },
        index=pd.Index(frame["customer_id"].astype("str"), name="customer_id"),
    )
    return values, refund_only, as_of_ts


def rfm_table(
    table: ir.Table, *, as_of=None, bins: int = 5, rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """:func:`analysis.rfm.rfm_table` with the per-customer aggregation pushed down.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions in any Ibis backend.
    as_of, bins, rules
        As for :func:`analysis.rfm.rfm_table`.

    Returns
    -------
    DataFrame
        The same columns, values and ``attrs`` as the in-memory function; the index holds the
        same customers, sorted by id (an engine has no "order of first appearance").
    """
    values, refund_only, as_of_ts = rfm_values(table, as_of=as_of)
    out = _rfm.rfm_from_values(
        values, as_of=as_of_ts, bins=bins, rules=rules, refund_only_customers=refund_only
    )
    return out


def date_bounds(table: ir.Table) -> tuple[pd.Timestamp, pd.Timestamp]:
    """:func:`analysis.rfm.date_bounds` in the engine: the first day and the default ``as_of``.

    Both are midnights: the first transaction's day and the day after the last one (one query).
    """
    row = table.aggregate(first=table.order_date.min(), last=table.order_date.max()).execute()
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    if last is None or pd.isna(last):
        resolve_as_of(table)  # raises NotEnoughData: no dated transactions
    return pd.Timestamp(first).normalize(), pd.Timestamp(last).normalize() + pd.Timedelta(days=1)

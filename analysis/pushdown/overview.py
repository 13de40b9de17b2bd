"""The overview's headline figures computed in the engine."""

from __future__ import annotations

import math

import ibis.expr.types as ir
import pandas as pd

from analysis.overview import ACTIVE_WINDOW_DAYS, PeriodComparison, Scorecard
from analysis.overview import scorecard as _memory_scorecard
from analysis.pushdown._lines import CANONICAL, cutoff_day, orders, resolve_as_of

__all__ = ["compare_scorecards", "scorecard", "window"]


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def scorecard(table: ir.Table, *, as_of=None) -> Scorecard:
    """:func:`analysis.overview.scorecard` with the counting pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction.

    Returns
    -------
    Scorecard
        The same figures as the in-memory scorecard (two small queries come back).
    """
    as_of_ts = resolve_as_of(table, as_of)
    cutoff = cutoff_day(as_of_ts)
    w = ACTIVE_WINDOW_DAYS
    o = orders(table, as_of_ts)
    buy = o.net >= 0
    per_customer = o.group_by("customer_id").aggregate(
        n=buy.ifelse(1, 0).sum(),
        last=(buy & (o.day >= cutoff - w)).ifelse(1, 0).max(),
        prev=(buy & (o.day >= cutoff - 2 * w) & (o.day < cutoff - w)).ifelse(1, 0).max(),
    )
    c = per_customer.aggregate(
        customers=(per_customer.n > 0).ifelse(1, 0).sum(),
        repeat=(per_customer.n >= 2).ifelse(1, 0).sum(),
        active_last=per_customer["last"].sum(),
        active_prev=per_customer["prev"].sum(),
    )
    ords = o.aggregate(
        n_orders=buy.ifelse(1, 0).sum(),
        n_all=o.count(),
        gross=buy.ifelse(o.net, 0.0).sum(),
        refunds=(~buy).ifelse(-o.net, 0.0).sum(),
    )
    ln = o.aggregate(
        net=o.total.sum(),
        first=o.date.min(),
        last_date=o.max_date.max(),
        largest=o.largest.max(),
    )
    row = c.cross_join(ords).cross_join(ln).execute().iloc[0].to_dict()
    if not int(row["n_all"] or 0):  # nothing observed: zero counts and nan rates, as in memory
        return _memory_scorecard(pd.DataFrame(columns=list(CANONICAL)), as_of=as_of_ts)
    n_orders = int(row["n_orders"] or 0)
    n_customers = int(row["customers"] or 0)
    gross = float(row["gross"] or 0.0)
    refunds = float(row["refunds"] or 0.0)
    return Scorecard(
        customers=n_customers,
        orders=n_orders,
        refund_orders=int(row["n_all"] or 0) - n_orders,
        net_revenue=float(row["net"] or 0.0),
        gross_revenue=gross,
        refunds=refunds,
        average_order_value=_ratio(gross, n_orders),
        orders_per_customer=_ratio(n_orders, n_customers),
        repeat_customer_rate=_ratio(int(row["repeat"] or 0), n_customers),
        refund_rate=_ratio(refunds, gross) if gross > 0 else math.nan,
        active_last_90=int(row["active_last"] or 0),
        active_prev_90=int(row["active_prev"] or 0),
        first_date=pd.Timestamp(row["first"]).normalize(),
        last_date=pd.Timestamp(row["last_date"]).normalize(),
        as_of=as_of_ts,
        largest_amount=float(row["largest"] or 0.0),
    )


def window(table: ir.Table, start, end) -> ir.Table:
    """Return the lines dated on or after ``start`` and before ``end`` (midnights)."""
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return table.filter(
        table.order_date >= lo.to_pydatetime(), table.order_date < hi.to_pydatetime()
    )


def compare_scorecards(
    table: ir.Table, start, end, prev_start=None, prev_end=None
) -> PeriodComparison:
    """:func:`analysis.overview.compare_scorecards` with the counting pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions.
    start, end, prev_start, prev_end : date-like
        The window ``[start, end)`` and the one it is compared with (None: no comparison).

    Returns
    -------
    PeriodComparison
        The same scorecards as in memory: each is :func:`scorecard` of its window's lines
        with ``as_of`` at the window's end.
    """
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    current = scorecard(window(table, lo, hi), as_of=hi)
    if prev_start is None or prev_end is None:
        return PeriodComparison(current, None, lo, hi, None, None, False)
    plo, phi = pd.Timestamp(prev_start).normalize(), pd.Timestamp(prev_end).normalize()
    previous = scorecard(window(table, plo, phi), as_of=phi)
    first = table.order_date.min().execute()
    complete = bool(
        first is not None and pd.notna(first) and pd.Timestamp(first).normalize() <= plo
    )
    return PeriodComparison(current, previous, lo, hi, plo, phi, complete)

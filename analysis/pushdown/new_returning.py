"""New and returning customers, and their net revenue, per calendar period, counted in the engine."""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.overview import new_vs_returning as _memory_new_vs_returning
from analysis.pushdown._lines import CANONICAL, cutoff_day, orders, resolve_as_of

__all__ = ["new_vs_returning", "new_vs_returning_in_period", "period_ordinal"]

_FREQS = ("W", "M", "Q", "Y")


def period_ordinal(date: ir.DateValue, day: ir.IntegerValue, freq: str) -> ir.IntegerValue:
    """Return pandas' ``Period.ordinal`` of a date for ``freq`` ("W" weeks ending Sunday, "M", "Q", "Y")."""
    if freq == "W":
        # pandas numbers weeks (Monday to Sunday) from 1 for the week holding 1970-01-01.
        return ((day + 3) / 7).floor().cast("int64") + 1
    years = date.year().cast("int64") - 1970
    if freq == "Y":
        return years
    months = years * 12 + date.month().cast("int64") - 1
    return months if freq == "M" else (months / 3).floor().cast("int64")


def _ordinal_of_day(day: int, freq: str) -> int:
    return int(pd.Timestamp(day, unit="D").to_period(freq).ordinal)


def _per_period(table, as_of_ts: pd.Timestamp, freq: str) -> pd.DataFrame:
    """Return the engine's per-period counts (one small query each for orders and customers)."""
    o = orders(table, as_of_ts)
    o = o.mutate(p=period_ordinal(o.date, o.day, freq), buy=o.net >= 0)
    o = o.mutate(first=o.buy.ifelse(o.p, None).min().over(group_by=o.customer_id))
    o = o.mutate(new=(o.first == o.p).fill_null(False))
    money = (
        o.group_by("p")
        .aggregate(
            new_revenue=o.new.ifelse(o.net, 0.0).sum(),
            returning_revenue=o.new.ifelse(0.0, o.net).sum(),
        )
        .execute()
    )
    bought = o.filter(o.buy).select("customer_id", "p", "new").distinct()
    people = (
        bought.group_by("p")
        .aggregate(
            new_customers=bought.new.ifelse(1, 0).sum(),
            returning_customers=bought.new.ifelse(0, 1).sum(),
        )
        .execute()
    )
    return money.merge(people, on="p", how="left")


def new_vs_returning(table: ir.Table, *, freq: str = "M", as_of=None) -> pd.DataFrame:
    """:func:`analysis.overview.new_vs_returning` with the counting pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    freq : {"M", "W", "Q", "Y"}
        Period length, as in memory (weeks end on Sunday).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction.

    Returns
    -------
    DataFrame
        The same rows and columns as in memory: one row per period from the first observed
        order's to the one holding the day before ``as_of`` (periods without orders as zeros).
    """
    if freq not in _FREQS:
        raise ValueError(f"freq must be one of {', '.join(_FREQS)}, not {freq!r}.")
    as_of_ts = resolve_as_of(table, as_of)
    counts = _per_period(table, as_of_ts, freq)
    if len(counts) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in CANONICAL})
        return _memory_new_vs_returning(empty, freq=freq, as_of=as_of_ts)
    first_p = int(counts["p"].min())
    last_p = _ordinal_of_day(cutoff_day(as_of_ts) - 1, freq)
    periods = pd.period_range(pd.Period(ordinal=first_p, freq=freq), periods=last_p - first_p + 1)
    at = counts["p"].to_numpy(dtype=np.int64) - first_p

    def column(name: str, dtype) -> np.ndarray:
        out = np.zeros(len(periods), dtype=dtype)
        out[at] = counts[name].fillna(0).to_numpy(dtype=dtype)
        return out

    new_c, ret_c = column("new_customers", np.int64), column("returning_customers", np.int64)
    new_r, ret_r = column("new_revenue", np.float64), column("returning_revenue", np.float64)
    starts = periods.start_time.as_unit("ns")
    labels = starts.strftime("%Y-%m-%d") if freq == "W" else periods.astype(str)
    partial = np.zeros(len(periods), dtype=bool)
    partial[-1] = as_of_ts < (periods[-1] + 1).start_time
    return pd.DataFrame(
        {
            "period": periods,
            "period_start": starts,
            "period_label": pd.array(labels, dtype="str"),
            "new_customers": new_c,
            "returning_customers": ret_c,
            "active_customers": new_c + ret_c,
            "new_revenue": new_r,
            "returning_revenue": ret_r,
            "net_revenue": new_r + ret_r,
            "partial": partial,
        }
    )


def new_vs_returning_in_period(table: ir.Table, start, end, *, freq: str = "M") -> pd.DataFrame:
    """:func:`analysis.overview.new_vs_returning_in_period` counted in the engine."""
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    out = new_vs_returning(table, freq=freq, as_of=hi)
    if len(out) == 0:
        return out
    first_period = lo.to_period(freq).start_time
    keep = (out["period_start"] >= first_period) & (out["period_start"] < hi)
    return out.loc[keep].reset_index(drop=True)

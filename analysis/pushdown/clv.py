"""The buy-till-you-die summary (frequency, recency, T, monetary value) computed in the engine."""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.pushdown._lines import (
    NET_DECIMALS,
    cutoff_day,
    line_days,
    resolve_as_of,
)

__all__ = ["clv_summary", "gamma_gamma_inputs"]

_UNIT_DAYS = {"D": 1.0, "W": 7.0}


def unit_days(time_unit: str) -> float:
    """Return the days in ``time_unit``: "D" or "W", the time units push-down supports."""
    if time_unit not in _UNIT_DAYS:
        raise ValueError(
            f"On a connected source time_unit must be 'D' (days) or 'W' (weeks), not {time_unit!r}"
        )
    return _UNIT_DAYS[time_unit]


def _per_customer(table, as_of_ts: pd.Timestamp) -> ir.Table:
    """Purchase days per customer: their count, the first and last, the repeat days' net sum."""
    ld = line_days(table, as_of_ts)
    days = ld.group_by(["customer_id", "day"]).aggregate(net=ld.amount.sum().round(NET_DECIMALS))
    days = days.filter(days.net >= 0)
    days = days.mutate(first_day=days.day.min().over(group_by=days.customer_id))
    return days.group_by("customer_id").aggregate(
        n_days=days.day.count(),
        first_day=days.first_day.min(),
        last_day=days.day.max(),
        repeat_total=(days.day != days.first_day).ifelse(days.net, 0.0).sum(),
    )


def clv_summary(table: ir.Table, *, as_of=None, time_unit: str = "D") -> pd.DataFrame:
    """:func:`analysis.clv.clv_summary` with the aggregation pushed down to the engine.

    A purchase day is a calendar day whose lines (over all the customer's orders) sum to 0 or
    more, rounded to 8 decimals; ``frequency`` counts repeat purchase days, ``recency`` and ``T``
    are measured from the first purchase day (to the last one, and to the day before
    ``as_of``), ``monetary_value`` is the mean net value of the repeat purchase days.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive.
    time_unit : {"D", "W"}
        Days, or weeks of seven days.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted by id), with ``frequency`` (int64), ``recency`` and
        ``T`` (float64, in ``time_unit``) and ``monetary_value`` (float64); ``attrs`` records
        ``time_unit`` and ``as_of``.
    """
    unit = unit_days(time_unit)
    as_of_ts = resolve_as_of(table, as_of)
    frame = _per_customer(table, as_of_ts).execute().sort_values("customer_id", ignore_index=True)
    frequency = frame["n_days"].to_numpy(dtype=np.int64) - 1
    first_day = frame["first_day"].to_numpy(dtype=np.int64)
    repeat_total = frame["repeat_total"].to_numpy(dtype=np.float64)
    monetary = np.divide(repeat_total, frequency, out=np.zeros(len(frame)), where=frequency > 0)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (frame["last_day"].to_numpy(dtype=np.int64) - first_day) / unit,
            "T": (cutoff_day(as_of_ts) - 1 - first_day) / unit,
            "monetary_value": monetary,
        },
        index=pd.Index(frame["customer_id"].astype("str"), name="customer_id"),
    )
    summary.attrs = {"time_unit": time_unit, "as_of": as_of_ts}
    return summary


def gamma_gamma_inputs(table: ir.Table, *, as_of=None) -> pd.DataFrame:
    """Return the Gamma-Gamma spend model's inputs, computed in the engine.

    These are the rows of :func:`clv_summary` the model fits on
    (:meth:`analysis.clv.GammaGammaModel.fit`): repeat buyers (``frequency > 0``) whose mean
    repeat purchase day is worth more than 0. Only those customers come back.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), with ``frequency`` (int64, repeat purchase days)
        and ``monetary_value`` (float64, their mean net value); ``attrs["as_of"]``.
    """
    as_of_ts = resolve_as_of(table, as_of)
    per = _per_customer(table, as_of_ts)
    per = per.filter(per.n_days >= 2, per.repeat_total > 0)
    frame = per.select("customer_id", "n_days", "repeat_total").execute()
    frame = frame.sort_values("customer_id", ignore_index=True)
    frequency = frame["n_days"].to_numpy(dtype=np.int64) - 1
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "monetary_value": frame["repeat_total"].to_numpy(dtype=np.float64) / frequency,
        },
        index=pd.Index(frame["customer_id"].astype("str"), name="customer_id"),
    )
    out.attrs = {"as_of": as_of_ts}
    return out

"""The value models' inputs computed in the engine: the value report and the model comparison.

The models themselves are fitted in memory on small per-customer tables, by the same code as
the in-memory path (:func:`analysis.clv.value.value_report_from_inputs`,
:func:`analysis.clv.comparison.compare_from_inputs`). The engine computes the buy-till-you-die
summaries (:func:`analysis.pushdown.clv_summary`), the purchase days per customer in the
held-back months, the same counted per day (the tracking curve), the distinct purchase days
(discrete opportunities) and, for BG/BB, the purchase periods per customer.

Customers come back sorted by id, where the in-memory path keeps the order of first appearance:
the results are the in-memory path's on the same lines sorted by customer (the sampled fits and
interval draws pick customers by position).
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.clv.beta_geo_beta_binom import PERIODS, period_numbers
from analysis.clv.comparison import (
    ComparisonInputs,
    ModelComparison,
    compare_from_inputs,
    discrete_period_of,
)
from analysis.clv.holdout import HoldoutInputs, check_calibration, check_periods, holdout_split
from analysis.clv.models import purchase_model
from analysis.clv.summary import MAX_AMOUNT, UnsuitableDataError, implausible_amounts_note
from analysis.clv.value import ValueInputs, ValueReport, value_report_from_inputs
from analysis.core.errors import NotEnoughData
from analysis.pushdown._lines import NET_DECIMALS, cutoff_day, line_days, resolve_as_of
from analysis.pushdown.clv import clv_summary, unit_days

__all__ = [
    "compare_models",
    "drop_implausible_amounts",
    "first_date",
    "holdout_inputs",
    "purchase_days",
    "value_inputs",
    "value_report",
]


def purchase_days(table: ir.Table, end: pd.Timestamp) -> ir.Table:
    """Return the purchase days before ``end``: ``customer_id``, ``date``, ``day``, ``net``.

    A purchase day is a customer's calendar day whose lines sum to 0 or more, rounded to
    :data:`NET_DECIMALS` decimals (as :func:`analysis.clv.clv_summary` counts them).
    """
    ld = line_days(table, end)
    days = ld.group_by(["customer_id", "date", "day"]).aggregate(
        net=ld.amount.sum().round(NET_DECIMALS)
    )
    return days.filter(days.net >= 0)


def first_date(table: ir.Table) -> pd.Timestamp:
    """Return the first ``order_date`` of the table (any line)."""
    return pd.Timestamp(table.order_date.min().execute())


def _holdout_days(table: ir.Table, cal_end: pd.Timestamp, hold_end: pd.Timestamp) -> ir.Table:
    """Return the holdout's purchase days of the customers who bought before it."""
    start = cutoff_day(cal_end)
    days = purchase_days(table, hold_end)
    days = days.mutate(first_day=days.day.min().over(group_by=days.customer_id))
    return days.filter(days["first_day"] < start, days.day >= start)


def holdout_inputs(
    table: ir.Table, *, calibration_end, holdout_end, time_unit: str = "W"
) -> HoldoutInputs:
    """Return :func:`analysis.clv.holdout.holdout_inputs`, computed in the engine.

    Three small results come back: the calibration summary, the holdout purchase days per
    calibration customer who made any, and the same per day.
    """
    cal_end, hold_end = check_periods(calibration_end, holdout_end)
    summary = check_calibration(clv_summary(table, as_of=cal_end, time_unit=time_unit))
    start = cutoff_day(cal_end)
    hold = _holdout_days(table, cal_end, hold_end)
    per_customer = hold.group_by("customer_id").aggregate(n=hold.count()).execute()
    per_day = hold.group_by("day").aggregate(n=hold.count()).execute()
    counts = pd.Series(
        per_customer["n"].to_numpy(dtype=np.float64),
        index=per_customer["customer_id"].astype("str"),
    )
    actual = counts.reindex(summary.index, fill_value=0.0).to_numpy(dtype=np.float64)
    per_day = per_day.sort_values("day")
    day_counts = pd.Series(
        per_day["n"].to_numpy(dtype=np.int64),
        index=per_day["day"].to_numpy(dtype=np.int64) - start,
    )
    return HoldoutInputs(
        summary=summary,
        actual=actual,
        day_counts=day_counts,
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
    )


def drop_implausible_amounts(
    table: ir.Table, *, nothing_left_for: str
) -> tuple[ir.Table, str | None]:
    """Leave out customers with an amount beyond ``MAX_AMOUNT`` (or infinite), as in memory.

    Returns the remaining lines and the note saying how many customers were left out (None
    when nobody was); raises ``UnsuitableDataError`` (a ``NotEnoughData``) when that is
    everyone, saying there is nothing left for ``nothing_left_for``.
    """
    bad = table.filter(table.amount.abs() > MAX_AMOUNT).select("customer_id").distinct()
    n_bad = int(bad.count().execute())
    if n_bad == 0:
        return table, None
    kept = table.anti_join(bad, "customer_id")
    if int(kept.count().execute()) == 0:
        n = int(table.customer_id.nunique().execute())
        raise UnsuitableDataError(implausible_amounts_note(n, nothing_left_for=nothing_left_for))
    return kept, implausible_amounts_note(n_bad)


def value_inputs(
    table: ir.Table, *, as_of=None, time_unit: str = "W", holdout: bool = True
) -> ValueInputs:
    """Return :func:`analysis.clv.value.value_inputs`, computed in the engine."""
    unit_days(time_unit)
    table, amount_note = drop_implausible_amounts(table, nothing_left_for="the value models")
    as_of_ts = resolve_as_of(table, as_of)
    summary = clv_summary(table, as_of=as_of_ts, time_unit=time_unit)
    hold = None
    split = holdout_split(first_date(table), as_of_ts) if holdout else None
    if split is not None:
        try:
            hold = holdout_inputs(
                table, calibration_end=split[0], holdout_end=split[1], time_unit=time_unit
            )
        except ValueError:  # nothing bought before the split: no check
            hold = None
    lines = 1 if len(summary) else int(table.count().execute())
    return ValueInputs(summary=summary, holdout=hold, amount_note=amount_note, lines=lines)


def value_report(
    table: ir.Table,
    *,
    as_of=None,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "W",
    holdout: bool = True,
    model: str = "bgnbd",
) -> ValueReport:
    """:func:`analysis.clv.value_report` with the per-customer summaries computed in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of, months, monthly_discount_rate, holdout, model
        As for :func:`analysis.clv.value_report`.
    time_unit : {"D", "W"}
        Days or weeks of seven days.

    Returns
    -------
    ValueReport
        The in-memory report of the same lines sorted by customer (customers sorted by id).
    """
    unit_days(time_unit)
    purchase_model(model)  # an unknown key fails before any work
    inputs = value_inputs(table, as_of=as_of, time_unit=time_unit, holdout=holdout)
    return value_report_from_inputs(
        inputs, months=months, monthly_discount_rate=monthly_discount_rate, model=model
    )


def _period(days: ir.Table, period: str) -> ir.IntegerValue:
    """Calendar period number of each purchase day, as :func:`period_numbers` counts them."""
    if period == "W":
        return (days.day + 3) // 7  # weeks run Monday to Sunday; 1970-01-01 was a Thursday
    months = (days.date.year() - 1970) * 12 + days.date.month() - 1
    return {"M": months, "Q": months // 3, "Y": months // 12}[period]


def discrete_summary(table: ir.Table, *, period: str, as_of) -> pd.DataFrame:
    """Return :func:`analysis.clv.discrete_summary` (not aggregated), computed in the engine."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}.")
    as_of_ts = pd.Timestamp(as_of).normalize()
    days = purchase_days(table, as_of_ts)
    days = days.mutate(period=_period(days, period))
    per = days.group_by("customer_id").aggregate(
        n=days.period.nunique(), first_period=days.period.min(), last_period=days.period.max()
    )
    frame = per.execute().sort_values("customer_id", ignore_index=True)
    end = int(period_numbers(np.array([cutoff_day(as_of_ts) - 1]), period)[0])
    first = frame["first_period"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "frequency": frame["n"].to_numpy(dtype=np.int64) - 1,
            "recency": frame["last_period"].to_numpy(dtype=np.int64) - first,
            "periods": end - first,
        },
        index=pd.Index(frame["customer_id"].astype("str"), name="customer_id"),
    )
    out.attrs = {"period": period, "as_of": as_of_ts, "time_unit": period}
    return out


def _comparison_inputs(table, calibration_end, holdout_end, time_unit, period):
    """Return the :class:`ComparisonInputs` of the table, computed in the engine."""
    if calibration_end is None or holdout_end is None:
        split = holdout_split(first_date(table), resolve_as_of(table))
        if split is None:
            raise NotEnoughData(
                "The history is too short to hold out a period for checking the models "
                "(at least 84 days are needed)."
            )
        calibration_end = split[0] if calibration_end is None else calibration_end
        holdout_end = split[1] if holdout_end is None else holdout_end
    hold = holdout_inputs(
        table, calibration_end=calibration_end, holdout_end=holdout_end, time_unit=time_unit
    )
    cal_end = hold.calibration_end
    if period == "auto":
        days = purchase_days(table, cal_end).select("day").distinct().execute()
        period = discrete_period_of(np.sort(days["day"].to_numpy(dtype=np.int64)))
    start, end = hold.bounds
    return ComparisonInputs(
        hold.summary,
        hold.actual,
        (end - start) / unit_days(time_unit),
        calibration_end=cal_end,
        holdout_end=hold.holdout_end,
        bounds=hold.bounds,
        discrete_period=period,
        day_counts=hold.day_counts,
        discrete_summary=lambda p: discrete_summary(table, period=p, as_of=cal_end),
    )


def compare_models(
    table: ir.Table,
    *,
    calibration_end=None,
    holdout_end=None,
    time_unit: str = "W",
    period: str | None = "auto",
    models: tuple[str, ...] = ("bgnbd", "mbgnbd", "pnbd", "bgbb"),
    max_customers: int = 20_000,
    max_iter: int = 300,
    max_seconds: float = 20.0,
    random_state: int = 0,
) -> ModelComparison:
    """:func:`analysis.clv.compare_models` with the per-customer inputs computed in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    time_unit : {"D", "W"}
        Days or weeks of seven days.
    calibration_end, holdout_end, period, models, max_customers, max_iter, max_seconds, random_state
        As for :func:`analysis.clv.compare_models`.

    Returns
    -------
    ModelComparison
        The in-memory comparison of the same lines sorted by customer.
    """
    unit_days(time_unit)
    inputs = _comparison_inputs(table, calibration_end, holdout_end, time_unit, period)
    return compare_from_inputs(
        inputs,
        time_unit=time_unit,
        models=models,
        max_customers=max_customers,
        max_iter=max_iter,
        max_seconds=max_seconds,
        random_state=random_state,
    )

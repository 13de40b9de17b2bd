"""Calibration and holdout: fit on the earlier history, compare with what happened next."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.clv._base import history_arrays
from analysis.clv.beta_geo import BetaGeoModel
from analysis.clv.models import purchase_model
from analysis.clv.summary import clv_summary, day_number, purchase_days, unit_days
from analysis.core.errors import NotEnoughData
from analysis.core.orders import resolve_as_of

__all__ = [
    "TRACKING_POINTS",
    "HoldoutInputs",
    "HoldoutResult",
    "calibration_holdout",
    "default_holdout_split",
    "holdout_from_inputs",
    "holdout_inputs",
    "holdout_split",
]


@dataclass
class HoldoutResult:
    """How well BG/NBD fitted on a calibration period predicted the holdout period.

    Attributes
    ----------
    model : BetaGeoModel
        Fitted on the calibration period.
    customers : DataFrame
        Per calibration customer: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``frequency_holdout`` (actual repeat purchase days in the holdout),
        ``predicted_holdout`` and ``duration_holdout`` (time unit).
    by_frequency : DataFrame
        ``frequency_cal`` (0..6 and "7+" as str), ``customers``, ``actual`` and ``predicted``
        mean holdout purchases: the classic chart.
    tracking : DataFrame
        Cumulative repeat purchases over time, ``date``, ``actual``, ``predicted`` (the whole
        base), weekly (every k-th week beyond 26 weeks, and the last day).
    mae, rmse : float
        Per-customer errors of the holdout purchase count.
    actual_total, predicted_total : float
        Holdout purchases of all calibration customers.
    calibration_end, holdout_end : Timestamp
        Period boundaries (exclusive ends).
    time_unit : str
    """

    model: BetaGeoModel
    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    tracking: pd.DataFrame
    mae: float
    rmse: float
    actual_total: float
    predicted_total: float
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    time_unit: str


def holdout_counts(tx: pd.DataFrame, customers: pd.Index, start: int, end: int) -> np.ndarray:
    """Return the purchase days in ``[start, end)`` per customer of ``customers`` (0: none)."""
    uniques, customer, _, _ = purchase_days(tx, end, start)
    counts = np.bincount(customer, minlength=len(uniques)) if len(uniques) else np.zeros(0)
    position = pd.Index(uniques).get_indexer(customers)
    out = np.zeros(len(customers))
    found = position >= 0
    out[found] = counts[position[found]]
    return out


def holdout_window(tx: pd.DataFrame, calibration_end, holdout_end, time_unit: str):
    """Return the calibration summary and the two periods' bounds, checked.

    Returns
    -------
    tuple
        ``(summary, cal_end, hold_end, start, end)``: the :func:`clv_summary` at the end of
        the calibration period, both ends as normalised timestamps and as day numbers.
    """
    cal_end, hold_end = check_periods(calibration_end, holdout_end)
    summary = check_calibration(clv_summary(tx, as_of=cal_end, time_unit=time_unit))
    return summary, cal_end, hold_end, day_number(cal_end), day_number(hold_end)


def check_periods(calibration_end, holdout_end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return both ends as midnight timestamps, refusing a holdout that ends before it starts."""
    cal_end = pd.Timestamp(calibration_end).normalize()
    hold_end = pd.Timestamp(holdout_end).normalize()
    if hold_end <= cal_end:
        raise ValueError("holdout_end must be after calibration_end.")
    return cal_end, hold_end


def check_calibration(summary: pd.DataFrame) -> pd.DataFrame:
    """Return the calibration summary, refusing one without customers (``NotEnoughData``)."""
    if len(summary) == 0:
        raise NotEnoughData("There are no purchases before the end of the calibration period.")
    return summary


def holdout_day_counts(tx: pd.DataFrame, customers: pd.Index, start: int, end: int) -> pd.Series:
    """Return the purchase days in ``[start, end)`` of ``customers``, counted per day.

    Indexed by the day's offset from ``start`` (sorted), the counts as int64: the actual
    curve of :func:`tracking_from_counts`.
    """
    uniques, customer, day, _ = purchase_days(tx, end, start)
    position = pd.Index(customers).get_indexer(uniques)
    in_cal = position[customer] >= 0 if len(customer) else np.zeros(0, dtype=bool)
    offsets, counts = np.unique(day[in_cal] - start, return_counts=True)
    return pd.Series(counts.astype(np.int64), index=offsets.astype(np.int64))


@dataclass
class HoldoutInputs:
    """The small tables a holdout check is computed from, in memory or in a database engine.

    Attributes
    ----------
    summary : DataFrame
        :func:`clv_summary` at ``calibration_end`` (the calibration customers).
    actual : ndarray
        Purchase days in the holdout per customer of ``summary`` (float64, 0 for none).
    day_counts : Series
        :func:`holdout_day_counts` of the calibration customers.
    calibration_end, holdout_end : Timestamp
        Period boundaries (exclusive ends, midnight).
    time_unit : str
        Time unit of ``summary``.
    """

    summary: pd.DataFrame
    actual: np.ndarray
    day_counts: pd.Series
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    time_unit: str

    @property
    def bounds(self) -> tuple[int, int]:
        """Day numbers of the holdout's first day and of its exclusive end."""
        return day_number(self.calibration_end), day_number(self.holdout_end)


def holdout_inputs(
    tx: pd.DataFrame, *, calibration_end, holdout_end, time_unit: str = "W"
) -> HoldoutInputs:
    """Return the :class:`HoldoutInputs` of ``tx`` (see :func:`calibration_holdout`)."""
    summary, cal_end, hold_end, start, end = holdout_window(
        tx, calibration_end, holdout_end, time_unit
    )
    return HoldoutInputs(
        summary=summary,
        actual=holdout_counts(tx, summary.index, start, end),
        day_counts=holdout_day_counts(tx, summary.index, start, end),
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
    )


def by_frequency_table(freq: np.ndarray, actual: np.ndarray, predicted: dict) -> pd.DataFrame:
    """Return the mean holdout purchases by calibration frequency, actual and per model.

    Parameters
    ----------
    freq : ndarray
        Calibration frequency per customer (grouped as 0..6 and "7+").
    actual : ndarray
        Holdout purchases per customer.
    predicted : dict
        Column name -> predicted holdout purchases per customer.

    Returns
    -------
    DataFrame
        ``frequency_cal`` (str), ``customers``, ``actual`` and one column per key of
        ``predicted``, for the groups with customers.
    """
    group = np.minimum(freq.astype(np.int64), 7)
    n_groups = np.bincount(group, minlength=8)
    present = n_groups > 0
    labels = np.array([str(i) for i in range(7)] + ["7+"])
    out = pd.DataFrame(
        {
            "frequency_cal": labels[present],
            "customers": n_groups[present],
            "actual": (np.bincount(group, weights=actual, minlength=8) / np.maximum(n_groups, 1))[
                present
            ],
        }
    )
    for key, values in predicted.items():
        sums = np.bincount(group, weights=values, minlength=8)
        out[key] = (sums / np.maximum(n_groups, 1))[present]
    return out


def calibration_holdout(
    tx: pd.DataFrame, *, calibration_end, holdout_end, time_unit: str = "W", model: str = "bgnbd"
) -> HoldoutResult:
    """Fit BG/NBD on the calibration period and compare its predictions with the holdout.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    calibration_end : date-like
        End of the calibration period, exclusive (its ``as_of``); the holdout starts that day.
    holdout_end : date-like
        End of the holdout period, exclusive.
    time_unit : {"D", "W"}
        Time unit for the fit (results do not depend on it beyond rounding).
    model : {"bgnbd", "mbgnbd", "pnbd"}
        Purchase model to check (see :data:`PURCHASE_MODELS`); default BG/NBD.

    Returns
    -------
    HoldoutResult
        Per-customer and grouped actual-versus-predicted holdout purchases and their errors.
        Customers whose first purchase falls in the holdout are not part of the comparison.
    """
    inputs = holdout_inputs(
        tx, calibration_end=calibration_end, holdout_end=holdout_end, time_unit=time_unit
    )
    return holdout_from_inputs(inputs, model=model)


def holdout_from_inputs(inputs: HoldoutInputs, *, model: str = "bgnbd") -> HoldoutResult:
    """Fit the purchase model on the calibration summary and compare it with the holdout.

    The model part of :func:`calibration_holdout`, from :class:`HoldoutInputs` built in
    memory (:func:`holdout_inputs`) or in a database engine
    (:func:`analysis.pushdown.value_report`).
    """
    unit = unit_days(inputs.time_unit)
    summary, actual = inputs.summary, inputs.actual
    start, end = inputs.bounds
    model = purchase_model(model).fit(summary)
    duration = (end - start) / unit
    predicted = model.expected_purchases(duration, summary).to_numpy()
    customers = pd.DataFrame(
        {
            "frequency_cal": summary["frequency"].to_numpy(),
            "recency_cal": summary["recency"].to_numpy(),
            "T_cal": summary["T"].to_numpy(),
            "frequency_holdout": actual,
            "predicted_holdout": predicted,
            "duration_holdout": duration,
        },
        index=summary.index,
    )
    by_frequency = by_frequency_table(
        summary["frequency"].to_numpy(), actual, {"predicted": predicted}
    )
    err = predicted - actual
    return HoldoutResult(
        model=model,
        customers=customers,
        by_frequency=by_frequency,
        tracking=tracking_from_counts(inputs.day_counts, summary, model, start, end, unit),
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
        calibration_end=inputs.calibration_end,
        holdout_end=inputs.holdout_end,
        time_unit=inputs.time_unit,
    )


TRACKING_POINTS = 26
"""Most dates of the holdout tracking: weekly up to 26 weeks, every k-th week beyond."""


def tracking_table(tx, summary, model, start: int, end: int, unit: float) -> pd.DataFrame:
    """Return the cumulative holdout repeat purchases of the calibration customers.

    Actual and predicted by ``model``, at the end of every week (every k-th week when the
    holdout is longer than :data:`TRACKING_POINTS` weeks) and on the last day.
    """
    day_counts = holdout_day_counts(tx, summary.index, start, end)
    return tracking_from_counts(day_counts, summary, model, start, end, unit)


def tracking_from_counts(
    day_counts: pd.Series, summary, model, start: int, end: int, unit: float
) -> pd.DataFrame:
    """Return :func:`tracking_table` from the holdout purchase days counted per day offset."""
    edges = np.r_[np.arange(7, end - start, 7), end - start]
    if len(edges) > TRACKING_POINTS:  # every k-th week (and the end): bounded work
        step = int(np.ceil(len(edges) / TRACKING_POINTS))
        edges = np.r_[edges[step - 1 : -1 : step], edges[-1]]
        edges = np.unique(edges)
    offsets = day_counts.index.to_numpy(dtype=np.int64)
    cumulative = np.r_[0, np.cumsum(day_counts.to_numpy(dtype=np.int64))]
    actual = cumulative[np.searchsorted(offsets, edges, side="left")].astype(np.float64)
    x, tx_, T = history_arrays(summary)
    predicted = np.array([e.sum() for e in model.expectations(edges / unit, x, tx_, T)])
    dates = pd.to_datetime(start + edges - 1, unit="D")
    return pd.DataFrame({"date": dates, "actual": actual, "predicted": predicted})


def default_holdout_split(
    tx: pd.DataFrame, *, as_of=None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return a calibration/holdout split for checking the model: the last third of the history.

    Returns ``(calibration_end, holdout_end)`` (exclusive ends), the holdout being the last
    third of the days from the first transaction to ``as_of`` (at least 28 days), or None when
    the history is shorter than 84 days.
    """
    return holdout_split(tx["order_date"].min(), resolve_as_of(tx, as_of))


def holdout_split(first, as_of) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return :func:`default_holdout_split` from the first transaction date and ``as_of``."""
    as_of_ts = pd.Timestamp(as_of).normalize()
    span = (as_of_ts - pd.Timestamp(first).normalize()).days
    if span < 84:
        return None
    holdout_days = max(28, span // 3)
    return as_of_ts - pd.Timedelta(days=holdout_days), as_of_ts

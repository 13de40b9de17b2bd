"""Which purchase model fits your customers: every applicable model, scored on a holdout period.

Each model (BG/NBD, modified BG/NBD, Pareto/NBD; BG/BB when purchases happen at discrete
opportunities) is fitted on the calibration period only and asked how many repeat purchases
each customer makes in the holdout period that follows. The best model is the one with the
smallest per-customer mean absolute error on the holdout; the table also gives the error of
the total, the calibration log-likelihood and BIC (``k ln n - 2 LL``, lower is better) and the
fit time.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.clv._base import distinct_rows
from analysis.clv.beta_geo_beta_binom import (
    BetaGeoBetaBinomModel,
    discrete_summary,
    period_numbers,
)
from analysis.clv.holdout import (
    by_frequency_table,
    default_holdout_split,
    holdout_counts,
    holdout_day_counts,
    holdout_window,
    tracking_from_counts,
)
from analysis.clv.models import MODEL_NAMES, purchase_model
from analysis.clv.summary import (
    day_number,
    first_in_period,
    purchase_days,
    unit_days,
)
from analysis.core.errors import NotEnoughData
from analysis.core.orders import resolve_as_of

__all__ = [
    "TIE_TOLERANCE",
    "ComparisonInputs",
    "ModelComparison",
    "compare_from_inputs",
    "compare_models",
    "detect_discrete_period",
    "discrete_period_of",
]

# Holdout errors within 0.1% of each other are a tie (then BIC, then the simpler model decides).
TIE_TOLERANCE = 1e-3
HOLDOUT_COLUMNS = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]


@dataclass
class ModelComparison:
    """Models fitted on a calibration period and scored on the holdout period.

    Attributes
    ----------
    table : DataFrame
        One row per model (best first): ``key``, ``model`` (display name), ``parameters``
        (text), ``predicted_total`` and ``actual_total`` holdout repeat purchases,
        ``total_error`` (predicted - actual), ``total_error_pct`` (relative, NaN when nothing
        was bought), ``mae`` (per-customer mean absolute error), ``log_likelihood`` and
        ``bic`` on the calibration period, ``bic_comparable`` (False for BG/BB, whose
        likelihood is of period patterns, not purchase times), ``customers_fitted``,
        ``fit_seconds``, ``converged``, ``best``.
    best : str or None
        Key of the model with the smallest holdout MAE; MAEs within 0.1% of the smallest are a
        tie, settled by the lower BIC, then the simpler model (None when no model was fitted).
    models : dict
        Fitted models by key.
    customers : DataFrame
        Per calibration customer: the calibration summary columns, ``frequency_holdout``,
        ``duration_holdout`` and ``predicted_<key>`` per model.
    by_frequency : DataFrame
        ``frequency_cal`` ("0".."6", "7+"), ``customers``, ``actual`` and one column per model
        key: mean holdout purchases by calibration frequency.
    calibration_end, holdout_end : Timestamp or None
        Period boundaries (exclusive ends), when fitted from transactions.
    tracking : DataFrame or None
        Cumulative holdout repeat purchases of the calibration customers over time: ``date``,
        ``actual`` and one column per continuous-time model key (weekly points, as in
        ``HoldoutResult.tracking``); None for a calibration/holdout frame or calendar weeks.
    time_unit : str
    discrete_period : str or None
        The period of the opportunities used for BG/BB, if any.
    failures : dict
        Models that could not be fitted, with the reason.
    notes : list of str
        Plain-language notes (sampling, skipped models).
    """

    table: pd.DataFrame
    best: str | None
    models: dict
    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    calibration_end: pd.Timestamp | None
    holdout_end: pd.Timestamp | None
    time_unit: str
    tracking: pd.DataFrame | None = None
    discrete_period: str | None = None
    failures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def detect_discrete_period(tx: pd.DataFrame, *, as_of=None, min_periods: int = 4) -> str | None:
    """Return the period of discrete purchase opportunities, if the data have one.

    Data are discrete when every calendar period holds purchases on one date only (an annual
    drive, a weekly market day). The coarsest such period among years, quarters, months and
    calendar weeks is returned, if at least ``min_periods`` periods have purchases; else None.
    """
    cutoff = day_number(resolve_as_of(tx, as_of))
    _, _, day, _ = purchase_days(tx, cutoff)
    return discrete_period_of(np.unique(day), min_periods=min_periods)


def discrete_period_of(days: np.ndarray, *, min_periods: int = 4) -> str | None:
    """Return :func:`detect_discrete_period` from the distinct purchase day numbers, sorted."""
    for period in ("Y", "Q", "M", "W"):
        periods = np.unique(period_numbers(days, period))
        if len(periods) == len(days) and len(periods) >= min_periods:
            return period
    return None


def _params_text(model) -> str:
    return ", ".join(f"{k} {v:.4g}" for k, v in model.params_.items())


def _from_transactions(tx, calibration_end, holdout_end, time_unit):
    """Return the calibration summary, holdout purchases, duration and bounds of ``tx``."""
    unit = unit_days(time_unit)
    if calibration_end is None or holdout_end is None:
        split = default_holdout_split(tx)
        if split is None:
            raise NotEnoughData(
                "The history is too short to hold out a period for checking the models "
                "(at least 84 days are needed)."
            )
        calibration_end = split[0] if calibration_end is None else calibration_end
        holdout_end = split[1] if holdout_end is None else holdout_end
    summary, cal_end, hold_end, start, end = holdout_window(
        tx, calibration_end, holdout_end, time_unit
    )
    if time_unit == "CW":
        actual = _holdout_periods(tx, summary.index, start, end, "W")
        duration = float(period_numbers(np.array([end - 1]), "W")[0]) - float(
            period_numbers(np.array([start - 1]), "W")[0]
        )
    else:
        actual = holdout_counts(tx, summary.index, start, end)
        duration = (end - start) / unit
    return summary, actual, duration, cal_end, hold_end, (start, end)


def _holdout_periods(tx, customers: pd.Index, start: int, end: int, period: str) -> np.ndarray:
    """Return the distinct periods with a purchase in ``[start, end)`` per customer (0: none)."""
    uniques, customer, day, _ = purchase_days(tx, end, start)
    out = np.zeros(len(customers))
    if len(customer) == 0:
        return out
    per = period_numbers(day, period)
    counts = np.bincount(customer[first_in_period(customer, per)], minlength=len(uniques))
    position = pd.Index(uniques).get_indexer(customers)
    found = position >= 0
    out[found] = counts[position[found]]
    return out


def _fit_sample(summary: pd.DataFrame, max_customers: int, rng) -> pd.DataFrame:
    """Return at most ``max_customers`` rows for fitting, at random (seeded) when more."""
    if len(summary) <= max_customers:
        return summary
    take = np.sort(rng.choice(len(summary), max_customers, replace=False))
    sample = summary.iloc[take]
    sample.attrs = dict(summary.attrs)
    return sample


def compare_models(
    data: pd.DataFrame,
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
    """Fit every applicable model on the calibration period and score it on the holdout.

    Parameters
    ----------
    data : DataFrame
        Either canonical transactions (``customer_id``, ``order_date``, ``amount``), or a
        calibration/holdout frame with ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``frequency_holdout``, ``duration_holdout`` per customer (as in
        ``HoldoutResult.customers`` or lifetimes' ``calibration_and_holdout_data``).
    calibration_end, holdout_end : date-like or None
        Exclusive ends of the two periods (transactions only); default
        :func:`analysis.clv.default_holdout_split` (the last third of the history is held out).
    time_unit : {"D", "W", "M", "CW"}
        Time unit of the continuous-time models (results do not depend on it beyond rounding,
        except "CW", which counts at most one purchase per calendar week).
    period : {"auto", "W", "M", "Q", "Y"} or None
        Purchase opportunities for BG/BB: "auto" uses :func:`detect_discrete_period` (BG/BB
        only when every period has purchases on a single date), None never fits BG/BB.
    models : tuple of str
        Keys of the models to try (``bgnbd``, ``mbgnbd``, ``pnbd``, ``bgbb``).
    max_customers : int
        Fits use a random sample of at most this many customers (seeded); every customer is
        scored.
    max_iter : int
        Optimiser iterations per model.
    max_seconds : float
        Time budget per model fit (a fit stopped early says so in its warnings).
    random_state : int
        Seed of the sample.

    Returns
    -------
    ModelComparison
    """
    _check_settings(models, max_customers)
    is_holdout_frame = all(c in data for c in HOLDOUT_COLUMNS)
    inputs = _comparison_data(
        data, is_holdout_frame, calibration_end, holdout_end, time_unit, period
    )
    return compare_from_inputs(
        inputs,
        time_unit=time_unit,
        models=models,
        max_customers=max_customers,
        max_iter=max_iter,
        max_seconds=max_seconds,
        random_state=random_state,
    )


@dataclass
class ComparisonInputs:
    """The small tables a model comparison is computed from, in memory or in an engine.

    Attributes
    ----------
    summary : DataFrame
        Calibration ``frequency``, ``recency`` and ``T`` per customer.
    actual : ndarray
        Holdout purchases per customer of ``summary``.
    duration : float
        Length of the holdout in the time unit.
    calibration_end, holdout_end : Timestamp or None
        Period boundaries (exclusive ends), when built from transactions.
    bounds : tuple of int or None
        Day numbers of the holdout's first day and exclusive end.
    discrete_period : str or None
        The period of discrete purchase opportunities (BG/BB), if any.
    day_counts : Series or None
        Holdout purchase days of the calibration customers per day offset
        (:func:`analysis.clv.holdout.holdout_day_counts`), for the tracking curve.
    discrete_summary : callable or None
        ``period -> DataFrame``: :func:`discrete_summary` at ``calibration_end`` (BG/BB).
    is_holdout_frame : bool
        Built from a calibration/holdout frame rather than transactions.
    """

    summary: pd.DataFrame
    actual: np.ndarray
    duration: float
    calibration_end: pd.Timestamp | None = None
    holdout_end: pd.Timestamp | None = None
    bounds: tuple[int, int] | None = None
    discrete_period: str | None = None
    day_counts: pd.Series | None = None
    discrete_summary: Callable[[str], pd.DataFrame] | None = None
    is_holdout_frame: bool = False


def compare_from_inputs(
    inputs: ComparisonInputs,
    *,
    time_unit: str = "W",
    models: tuple[str, ...] = ("bgnbd", "mbgnbd", "pnbd", "bgbb"),
    max_customers: int = 20_000,
    max_iter: int = 300,
    max_seconds: float = 20.0,
    random_state: int = 0,
) -> ModelComparison:
    """Fit and score the models on :class:`ComparisonInputs` (the model part of :func:`compare_models`).

    The parameters are :func:`compare_models`'s; the inputs come from transactions in memory
    or from a database engine (:func:`analysis.pushdown.compare_models`).
    """
    _check_settings(models, max_customers)
    rng = np.random.default_rng(random_state)
    summary, duration = inputs.summary, inputs.duration
    discrete = inputs.discrete_period
    fit_summary = _fit_sample(summary, max_customers, rng)
    notes = _fit_notes(summary, fit_summary)
    fitted, predicted, rows, failures = _fit_continuous_models(
        models, fit_summary, summary, duration, max_iter, max_seconds
    )
    if "bgbb" in models and discrete is not None:
        try:
            row, fitted["bgbb"], predicted["bgbb"] = _fit_bgbb(
                inputs, discrete, max_customers, max_iter, max_seconds, rng
            )
            rows.append(row)
        except ValueError as exc:
            failures["bgbb"] = str(exc)
    elif "bgbb" in models:
        notes.append(_NO_BGBB_FRAME if inputs.is_holdout_frame else _NO_BGBB)
    return _assemble(inputs, (fitted, predicted, rows, failures), notes, time_unit=time_unit)


def _assemble(inputs: ComparisonInputs, fits, notes, *, time_unit):
    """Return the :class:`ModelComparison` of the fitted models, scored and ranked.

    ``fits`` is ``(fitted, predicted, rows, failures)``.
    """
    summary, actual, duration = inputs.summary, inputs.actual, inputs.duration
    bounds, discrete = inputs.bounds, inputs.discrete_period
    fitted, predicted, rows, failures = fits
    customers = _customers_table(summary, actual, duration, predicted, [r["key"] for r in rows])
    table = _score_table(rows, predicted, fitted, actual)
    best = str(table.loc[0, "key"]) if len(table) else None
    table["best"] = table["key"] == best
    notes.extend(f"{MODEL_NAMES[key]} could not be fitted: {why}" for key, why in failures.items())
    tracking = None
    if bounds is not None and inputs.day_counts is not None and time_unit != "CW":
        tracking = _tracking_table(inputs.day_counts, summary, fitted, bounds, time_unit)
    return ModelComparison(
        table=table,
        best=best,
        models=fitted,
        customers=customers,
        by_frequency=by_frequency_table(
            summary["frequency"].to_numpy(), actual, {k: predicted[k] for k in table["key"]}
        ),
        calibration_end=inputs.calibration_end,
        holdout_end=inputs.holdout_end,
        time_unit=time_unit,
        tracking=tracking,
        discrete_period=discrete if "bgbb" in fitted else None,
        failures=failures,
        notes=notes,
    )


def _check_settings(models, max_customers: int) -> None:
    """Refuse unknown model keys and a sample of fewer than 10 customers."""
    unknown = set(models) - set(MODEL_NAMES)
    if unknown:
        raise ValueError(f"Unknown models {sorted(unknown)}; choose from {list(MODEL_NAMES)}.")
    if max_customers < 10:
        raise ValueError("max_customers must be at least 10.")


_NO_BGBB = (
    "BG/BB was not fitted: it is for purchases at discrete opportunities (one date per week, "
    "month, quarter or year), and these purchases happen on many different days."
)
_NO_BGBB_FRAME = "BG/BB was not fitted: it needs transactions with discrete opportunities."


def _comparison_data(data, is_holdout_frame, calibration_end, holdout_end, time_unit, period):
    """Return the :class:`ComparisonInputs` of transactions or of a calibration/holdout frame.

    The ends, bounds and the period of discrete opportunities are None for a frame.
    """
    if is_holdout_frame:
        summary, actual, duration = _from_holdout_frame(data)
        inputs = ComparisonInputs(summary, actual, duration, is_holdout_frame=True)
    else:
        summary, actual, duration, cal_end, hold_end, bounds = _from_transactions(
            data, calibration_end, holdout_end, time_unit
        )
        discrete = detect_discrete_period(data, as_of=cal_end) if period == "auto" else period
        inputs = ComparisonInputs(
            summary,
            actual,
            duration,
            calibration_end=cal_end,
            holdout_end=hold_end,
            bounds=bounds,
            discrete_period=discrete,
            day_counts=None
            if time_unit == "CW"
            else holdout_day_counts(data, summary.index, *bounds),
            discrete_summary=functools.partial(_discrete_summary, data, cal_end),
        )
    if len(summary) == 0:
        raise NotEnoughData("There are no customers to compare the models on.")
    return inputs


def _discrete_summary(tx, cal_end, period: str) -> pd.DataFrame:
    """Return :func:`discrete_summary` of ``tx`` at the end of the calibration period."""
    return discrete_summary(tx, period=period, as_of=cal_end)


def _from_holdout_frame(data: pd.DataFrame):
    """Return the calibration summary, holdout purchases and duration of a holdout frame."""
    summary = pd.DataFrame(
        {
            "frequency": data["frequency_cal"].to_numpy(),
            "recency": data["recency_cal"].to_numpy(dtype=np.float64),
            "T": data["T_cal"].to_numpy(dtype=np.float64),
        },
        index=data.index,
    )
    actual = data["frequency_holdout"].to_numpy(dtype=np.float64)
    durations = np.unique(data["duration_holdout"].to_numpy(dtype=np.float64))
    if len(durations) != 1:
        raise ValueError("duration_holdout must be the same for every customer.")
    return summary, actual, float(durations[0])


def _fit_notes(summary: pd.DataFrame, fit_summary: pd.DataFrame) -> list[str]:
    """Return the notes on few repeat buyers and on fitting a sample."""
    notes = []
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < 100:
        notes.append(
            f"Only {repeaters} customers bought more than once before the holdout: the models "
            "have little to learn from, so this comparison is rough."
        )
    if len(fit_summary) < len(summary):
        notes.append(
            f"The models were fitted on a random sample of {len(fit_summary):,} of the "
            f"{len(summary):,} customers (to keep the comparison quick) and scored on all of them."
        )
    return notes


def _fit_continuous_models(models, fit_summary, summary, duration, max_iter, max_seconds):
    """Fit every continuous-time model of ``models``; return fitted, predicted, rows, failures.

    A model that cannot be fitted is left out, with the reason in ``failures``.
    """
    fitted, predicted, rows, failures = {}, {}, [], {}
    for key in models:
        if key == "bgbb":
            continue
        try:
            model, seconds, pred = _fit_continuous(
                key, fit_summary, summary, duration, max_iter, max_seconds
            )
        except (ValueError, FloatingPointError, ArithmeticError) as exc:
            failures[key] = str(exc)
            continue
        fitted[key], predicted[key] = model, pred
        rows.append(_fit_row(key, model, seconds, bic_comparable=True))
    return fitted, predicted, rows, failures


def _fit_continuous(key, fit_summary, summary, duration, max_iter, max_seconds):
    """Return a continuous-time model fitted on ``fit_summary``, its fit time, predictions.

    The predictions are the holdout purchases of every customer of ``summary``.
    """
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = purchase_model(key, max_iter=max_iter, max_seconds=max_seconds).fit(fit_summary)
    seconds = time.perf_counter() - started
    pred = model.expected_purchases(duration, summary).to_numpy(dtype=np.float64)
    return model, seconds, pred


def _fit_row(key: str, model, seconds: float, *, bic_comparable: bool) -> dict:
    """Return the table row of one fitted model (fit figures; scores are added later)."""
    n = int(model.n_customers_)
    return {
        "key": key,
        "log_likelihood": float(model.log_likelihood_),
        "bic": float(4 * np.log(n) - 2 * model.log_likelihood_),
        "bic_comparable": bic_comparable,
        "customers_fitted": n,
        "fit_seconds": seconds,
        "converged": bool(model.converged_),
    }


def _customers_table(summary, actual, duration, predicted: dict, keys) -> pd.DataFrame:
    """Return the per-customer calibration summary, holdout purchases and predictions."""
    customers = summary.rename(
        columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"}
    )[["frequency_cal", "recency_cal", "T_cal"]].copy()
    customers["frequency_holdout"] = actual
    customers["duration_holdout"] = duration
    for key in keys:
        customers[f"predicted_{key}"] = predicted[key]
    return customers


_TABLE_COLUMNS = [
    "key", "model", "parameters", "predicted_total", "actual_total", "total_error",
    "total_error_pct", "mae", "log_likelihood", "bic", "bic_comparable",
    "customers_fitted", "fit_seconds", "converged",
]  # fmt: skip


def _score_table(rows: list[dict], predicted: dict, fitted: dict, actual) -> pd.DataFrame:
    """Return the models' holdout scores, best first (ties: lower BIC, then simpler model)."""
    actual_total = float(actual.sum())
    for row in rows:
        key = row["key"]
        pred = predicted[key]
        total = float(pred.sum())
        row.update(
            model=MODEL_NAMES[key],
            parameters=_params_text(fitted[key]),
            predicted_total=total,
            actual_total=actual_total,
            total_error=total - actual_total,
            total_error_pct=(total / actual_total - 1.0) if actual_total > 0 else float("nan"),
            mae=float(np.mean(np.abs(pred - actual))),
        )
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    if not len(table):
        return table
    # Errors within TIE_TOLERANCE of the smallest are a tie, settled by the lower BIC (when
    # comparable), then by the simpler model (the order of MODEL_NAMES).
    tied = table["mae"] <= table["mae"].min() * (1 + TIE_TOLERANCE)
    order = table["key"].map({k: i for i, k in enumerate(MODEL_NAMES)})
    table = table.assign(
        _bic=np.where(table["bic_comparable"], table["bic"], np.inf),
        _order=order,
        _mae=np.where(tied, -1.0, table["mae"]),
    )
    return (
        table.sort_values(["_mae", "_bic", "_order"], kind="stable")
        .drop(columns=["_bic", "_order", "_mae"])
        .reset_index(drop=True)
    )


def _tracking_table(day_counts, summary, fitted: dict, bounds, time_unit: str):
    """Return the weekly cumulative holdout purchases, actual and per continuous-time model."""
    start, end = bounds
    out = None
    for key, model in fitted.items():
        if key == "bgbb":
            continue
        try:
            one = tracking_from_counts(day_counts, summary, model, start, end, unit_days(time_unit))
        except (ValueError, FloatingPointError):
            continue
        if out is None:
            out = one[["date", "actual"]].copy()
        out[key] = one["predicted"].to_numpy()
    return out


def _fit_bgbb(inputs, period, max_customers, max_iter, max_seconds, rng):
    """Fit BG/BB on the calibration periods and predict the holdout's purchase periods."""
    summary = inputs.summary
    start, end = inputs.bounds
    disc = inputs.discrete_summary(period).reindex(summary.index)
    if disc.isna().any().any():
        raise ValueError("the discrete summary does not cover every calibration customer.")
    disc = disc.astype(np.int64)
    disc.attrs = {"period": period}
    # Fit on the distinct patterns with their counts (a sample when there are many customers).
    sample = _fit_sample(disc, max_customers, rng)
    (x, rec, n), w = distinct_rows(
        *(sample[c].to_numpy(dtype=np.float64) for c in ("frequency", "recency", "periods")),
        weights=np.ones(len(sample)),
    )
    patterns = pd.DataFrame({"frequency": x, "recency": rec, "periods": n, "weights": w})
    patterns.attrs = {"period": period}
    started = time.perf_counter()
    model = BetaGeoBetaBinomModel(max_iter=max_iter, max_seconds=max_seconds).fit(patterns)
    seconds = time.perf_counter() - started
    ahead = int(period_numbers(np.array([end - 1]), period)[0]) - int(
        period_numbers(np.array([start - 1]), period)[0]
    )
    pred = model.conditional_expected_purchases(ahead, disc).to_numpy(dtype=np.float64)
    row = _fit_row("bgbb", model, seconds, bic_comparable=False)
    return row, model, pred

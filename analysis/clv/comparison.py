"""Which purchase model fits your customers: every applicable model, scored on a holdout period.

Each model (BG/NBD, modified BG/NBD, Pareto/NBD; BG/BB when purchases happen at discrete
opportunities) is fitted on the calibration period only and asked how many repeat purchases
each customer makes in the holdout period that follows. The best model is the one with the
smallest per-customer mean absolute error on the holdout; the table also gives the error of
the total, the calibration log-likelihood and BIC (``k ln n - 2 LL``, lower is better) and the
fit time.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.clv._base import distinct_rows
from analysis.clv.beta_geo_beta_binom import (
    BetaGeoBetaBinomModel,
    discrete_summary,
    period_numbers,
)
from analysis.clv.modified_beta_geo import ModifiedBetaGeoModel
from analysis.clv.pareto_nbd import ParetoNBDModel

__all__ = [
    "MODEL_NAMES",
    "ModelComparison",
    "compare_models",
    "describe_model_comparison",
    "detect_discrete_period",
]

MODEL_NAMES = {
    "bgnbd": "BG/NBD",
    "mbgnbd": "Modified BG/NBD",
    "pnbd": "Pareto/NBD",
    "bgbb": "BG/BB",
}
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
    """The period of discrete purchase opportunities, if the data have one.

    Data are discrete when every calendar period holds purchases on one date only (an annual
    drive, a weekly market day). The coarsest such period among years, quarters, months and
    calendar weeks is returned, if at least ``min_periods`` periods have purchases; else None.
    """
    from analysis.clv import _purchase_days
    from analysis.core.orders import day_numbers, resolve_as_of

    as_of_ts = resolve_as_of(tx, as_of)
    cutoff = int(day_numbers(pd.Series([as_of_ts]))[0])
    _, _, day, _ = _purchase_days(tx, cutoff)
    days = np.unique(day)
    for period in ("Y", "Q", "M", "W"):
        periods = np.unique(period_numbers(days, period))
        if len(periods) == len(days) and len(periods) >= min_periods:
            return period
    return None


def _params_text(model) -> str:
    return ", ".join(f"{k} {v:.4g}" for k, v in model.params_.items())


def _from_transactions(tx, calibration_end, holdout_end, time_unit):
    from analysis.clv import _holdout_counts, _unit_days, clv_summary, default_holdout_split
    from analysis.core.orders import day_numbers

    unit = _unit_days(time_unit)
    if calibration_end is None or holdout_end is None:
        split = default_holdout_split(tx)
        if split is None:
            raise ValueError(
                "The history is too short to hold out a period for checking the models "
                "(at least 84 days are needed)."
            )
        calibration_end = split[0] if calibration_end is None else calibration_end
        holdout_end = split[1] if holdout_end is None else holdout_end
    cal_end = pd.Timestamp(calibration_end).normalize()
    hold_end = pd.Timestamp(holdout_end).normalize()
    if hold_end <= cal_end:
        raise ValueError("holdout_end must be after calibration_end.")
    summary = clv_summary(tx, as_of=cal_end, time_unit=time_unit)
    if len(summary) == 0:
        raise ValueError("There are no purchases before the end of the calibration period.")
    start, end = (int(v) for v in day_numbers(pd.Series([cal_end, hold_end])))
    if time_unit == "CW":
        actual = _holdout_periods(tx, summary.index, start, end, "W")
        duration = float(period_numbers(np.array([end - 1]), "W")[0]) - float(
            period_numbers(np.array([start - 1]), "W")[0]
        )
    else:
        actual = _holdout_counts(tx, summary.index, start, end)
        duration = (end - start) / unit
    return summary, actual, duration, cal_end, hold_end, (start, end)


def _holdout_periods(tx, customers: pd.Index, start: int, end: int, period: str) -> np.ndarray:
    """Distinct periods with a purchase in ``[start, end)`` per customer (0 for the others)."""
    from analysis.clv import _purchase_days

    uniques, customer, day, _ = _purchase_days(tx, end, start)
    out = np.zeros(len(customers))
    if len(customer) == 0:
        return out
    per = period_numbers(day, period)
    new = np.r_[True, (customer[1:] != customer[:-1]) | (per[1:] != per[:-1])]
    counts = np.bincount(customer[new], minlength=len(uniques))
    position = pd.Index(uniques).get_indexer(customers)
    found = position >= 0
    out[found] = counts[position[found]]
    return out


def _by_frequency(freq: np.ndarray, actual: np.ndarray, predicted: dict) -> pd.DataFrame:
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


def _fit_sample(summary: pd.DataFrame, max_customers: int, rng) -> pd.DataFrame:
    """At most ``max_customers`` rows for fitting, drawn at random (seeded) when there are more."""
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
    from analysis.clv import BetaGeoModel

    unknown = set(models) - set(MODEL_NAMES)
    if unknown:
        raise ValueError(f"Unknown models {sorted(unknown)}; choose from {list(MODEL_NAMES)}.")
    if max_customers < 10:
        raise ValueError("max_customers must be at least 10.")
    rng = np.random.default_rng(random_state)
    notes: list[str] = []
    is_holdout_frame = all(c in data for c in HOLDOUT_COLUMNS)
    cal_end = hold_end = None
    bounds = None
    if is_holdout_frame:
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
        duration = float(durations[0])
        discrete = None
    else:
        summary, actual, duration, cal_end, hold_end, bounds = _from_transactions(
            data, calibration_end, holdout_end, time_unit
        )
        if period == "auto":
            discrete = detect_discrete_period(data, as_of=cal_end)
        else:
            discrete = period
    if len(summary) == 0:
        raise ValueError("There are no customers to compare the models on.")
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < 100:
        notes.append(
            f"Only {repeaters} customers bought more than once before the holdout: the models "
            "have little to learn from, so this comparison is rough."
        )
    fit_summary = _fit_sample(summary, max_customers, rng)
    if len(fit_summary) < len(summary):
        notes.append(
            f"The models were fitted on a random sample of {len(fit_summary):,} of the "
            f"{len(summary):,} customers (to keep the comparison quick) and scored on all of them."
        )
    factories = {
        "bgnbd": lambda: BetaGeoModel(max_iter=max_iter, max_seconds=max_seconds),
        "mbgnbd": lambda: ModifiedBetaGeoModel(max_iter=max_iter, max_seconds=max_seconds),
        "pnbd": lambda: ParetoNBDModel(max_iter=max_iter, max_seconds=max_seconds),
    }
    fitted: dict = {}
    predicted: dict = {}
    rows = []
    failures: dict = {}
    for key in models:
        if key == "bgbb":
            continue
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = factories[key]().fit(fit_summary)
            seconds = time.perf_counter() - started
            pred = model.expected_purchases(duration, summary).to_numpy(dtype=np.float64)
        except (ValueError, FloatingPointError, ArithmeticError) as exc:
            failures[key] = str(exc)
            continue
        fitted[key] = model
        predicted[key] = pred
        n = int(model.n_customers_)
        rows.append(
            {
                "key": key,
                "log_likelihood": float(model.log_likelihood_),
                "bic": float(4 * np.log(n) - 2 * model.log_likelihood_),
                "bic_comparable": True,
                "customers_fitted": n,
                "fit_seconds": seconds,
                "converged": bool(model.converged_),
            }
        )
    if "bgbb" in models and discrete is not None and not is_holdout_frame:
        try:
            row, model, pred = _fit_bgbb(
                data, summary, discrete, cal_end, bounds, max_customers, max_iter, max_seconds, rng
            )
            fitted["bgbb"] = model
            predicted["bgbb"] = pred
            rows.append(row)
        except ValueError as exc:
            failures["bgbb"] = str(exc)
    elif "bgbb" in models:
        notes.append(
            "BG/BB was not fitted: it is for purchases at discrete opportunities (one date per "
            "week, month, quarter or year), and these purchases happen on many different days."
            if not is_holdout_frame
            else "BG/BB was not fitted: it needs transactions with discrete opportunities."
        )
    customers = summary.rename(
        columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"}
    )[["frequency_cal", "recency_cal", "T_cal"]].copy()
    customers["frequency_holdout"] = actual
    customers["duration_holdout"] = duration
    actual_total = float(actual.sum())
    for row in rows:
        key = row["key"]
        pred = predicted[key]
        customers[f"predicted_{key}"] = pred
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
    columns = [
        "key", "model", "parameters", "predicted_total", "actual_total", "total_error",
        "total_error_pct", "mae", "log_likelihood", "bic", "bic_comparable",
        "customers_fitted", "fit_seconds", "converged",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    best = None
    if len(table):
        # Errors within TIE_TOLERANCE of the smallest are a tie, settled by the lower BIC (when
        # comparable), then by the simpler model (the order of MODEL_NAMES).
        tied = table["mae"] <= table["mae"].min() * (1 + TIE_TOLERANCE)
        order = table["key"].map({k: i for i, k in enumerate(MODEL_NAMES)})
        table = table.assign(
            _bic=np.where(table["bic_comparable"], table["bic"], np.inf),
            _order=order,
            _mae=np.where(tied, -1.0, table["mae"]),
        )
        table = (
            table.sort_values(["_mae", "_bic", "_order"], kind="stable")
            .drop(columns=["_bic", "_order", "_mae"])
            .reset_index(drop=True)
        )
        best = str(table.loc[0, "key"])
    table["best"] = table["key"] == best
    for key, reason in failures.items():
        notes.append(f"{MODEL_NAMES[key]} could not be fitted: {reason}")
    tracking = None
    if bounds is not None and time_unit != "CW":
        tracking = _tracking_table(data, summary, fitted, bounds, time_unit)
    return ModelComparison(
        table=table,
        best=best,
        models=fitted,
        customers=customers,
        by_frequency=_by_frequency(
            summary["frequency"].to_numpy(), actual, {k: predicted[k] for k in table["key"]}
        ),
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
        tracking=tracking,
        discrete_period=discrete if "bgbb" in fitted else None,
        failures=failures,
        notes=notes,
    )


def _tracking_table(tx, summary, fitted: dict, bounds, time_unit: str) -> pd.DataFrame | None:
    """Weekly cumulative holdout purchases, actual and per continuous-time model."""
    from analysis.clv import _tracking, _unit_days

    start, end = bounds
    out = None
    for key, model in fitted.items():
        if key == "bgbb":
            continue
        try:
            one = _tracking(tx, summary, model, start, end, _unit_days(time_unit))
        except (ValueError, FloatingPointError):
            continue
        if out is None:
            out = one[["date", "actual"]].copy()
        out[key] = one["predicted"].to_numpy()
    return out


def _fit_bgbb(tx, summary, period, cal_end, bounds, max_customers, max_iter, max_seconds, rng):
    """BG/BB on the calibration periods, predicting the holdout's purchase periods."""
    start, end = bounds
    disc = discrete_summary(tx, period=period, as_of=cal_end)
    disc = disc.reindex(summary.index)
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
    k = int(model.n_customers_)
    row = {
        "key": "bgbb",
        "log_likelihood": float(model.log_likelihood_),
        "bic": float(4 * np.log(k) - 2 * model.log_likelihood_),
        "bic_comparable": False,
        "customers_fitted": k,
        "fit_seconds": seconds,
        "converged": bool(model.converged_),
    }
    return row, model, pred


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_model_comparison(result: ModelComparison) -> list[str]:
    """Plain-language sentences about the comparison: what was done, who won, how close."""
    table = result.table
    if result.best is None or len(table) == 0:
        return ["No model could be fitted on the calibration period."] + list(result.notes)
    out: list[str] = []
    n = len(result.customers)
    actual = float(table["actual_total"].iloc[0])
    if result.calibration_end is not None and result.holdout_end is not None:
        days = (result.holdout_end - result.calibration_end).days
        out.append(
            f"Each model was fitted only on the purchases before "
            f"{result.calibration_end:%d %b %Y} and asked how many repeat purchases the same "
            f"{n:,} customers would make in the following {days} days; they actually made "
            f"{actual:,.0f}."
        )
    else:
        out.append(
            f"Each model was fitted on the calibration period and asked how many repeat "
            f"purchases the {n:,} customers would make in the holdout period; they actually made "
            f"{actual:,.0f}."
        )
    for row in table.itertuples():
        if np.isfinite(row.total_error_pct):
            how = "too high" if row.total_error_pct > 0 else "too low"
            total = f"{row.predicted_total:,.0f} ({abs(row.total_error_pct):.0%} {how})"
        else:
            total = f"{row.predicted_total:,.0f}"
        out.append(
            f"{row.model}: predicted {total}; off by {row.mae:.2f} purchases per customer on "
            "average."
        )
    best = table.iloc[0]
    smallest = float(table["mae"].min())
    tied = table[table["mae"] <= smallest * (1 + TIE_TOLERANCE)]
    if len(tied) > 1:
        out.append(
            f"{_and(list(tied['model']))} predicted individual customers equally well (within "
            f"{TIE_TOLERANCE:.1%}); {best['model']} is used, as it fits the calibration period "
            "best for its number of parameters (or is the simpler model)."
        )
    else:
        out.append(
            f"{best['model']} predicted individual customers best (the smallest average "
            "error), so its forecasts are the ones to use."
        )
    if len(table) > len(tied):
        runner = table.iloc[len(tied)]
        gap = runner["mae"] / smallest - 1 if smallest > 0 else 0.0
        if gap < 0.02:
            out.append(
                f"{runner['model']} was almost as good (within {gap:.1%}): on these customers "
                "the choice of model hardly matters."
            )
    comparable = table[table["bic_comparable"]]
    if len(comparable) > 1:
        by_bic = comparable.sort_values("bic").iloc[0]
        out.append(
            f"On the calibration period itself, {by_bic['model']} has the lowest BIC (the best "
            "fit after a penalty for the number of parameters)."
        )
    if not table["converged"].all():
        names = ", ".join(table.loc[~table["converged"], "model"])
        out.append(f"{names} did not fully converge; read its numbers with care.")
    out.extend(result.notes)
    return out

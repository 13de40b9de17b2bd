"""One call for the Customer value page: both models fitted, every figure it shows.

:func:`value_report` refuses degenerate data in plain words before any fitting
(:func:`analysis.clv.summary.check_model_data`), fits the purchase model and Gamma-Gamma,
and computes per-customer values, forecasts with intervals, the P(alive) grid and a holdout
check; :func:`clv_histogram` and :func:`top_customers` are the page's tables.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.clv.beta_geo import BetaGeoModel
from analysis.clv.forecast import customer_lifetime_value, forecast_totals, probability_alive_grid
from analysis.clv.gamma_gamma import GammaGammaModel
from analysis.clv.holdout import (
    HoldoutInputs,
    HoldoutResult,
    default_holdout_split,
    holdout_from_inputs,
    holdout_inputs,
)
from analysis.clv.models import purchase_model
from analysis.clv.summary import (
    DAYS_PER_MONTH,
    UnsuitableDataError,
    check_model_data,
    clv_summary,
    drop_implausible_amounts,
    implausible_amounts_note,
    sharing_purchase_days,
    unit_days,
)

__all__ = [
    "MIN_REPEAT_BUYERS",
    "ValueInputs",
    "ValueReport",
    "clv_histogram",
    "holdout_error",
    "model_warnings",
    "top_customers",
    "value_inputs",
    "value_report",
    "value_report_from_inputs",
    "widen_by_holdout",
]

MIN_REPEAT_BUYERS = 5
"""Fewer customers who bought on two or more days than this (no more than the purchase model
has parameters): no value model. From 5 to 29 the page warns that the numbers are rough."""


def model_warnings(summary: pd.DataFrame, *, time_unit: str = "D") -> list[str]:
    """Return plain-language reasons not to trust the models on this data (empty when none).

    Checks the number of repeat buyers (fewer than 100 is thin, fewer than 30 is too few) and
    the length of the history (under six months, or shorter than three typical gaps between
    purchases).
    """
    unit = unit_days(time_unit)
    out: list[str] = []
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < 30:
        out.append(
            f"Only {repeaters} customers bought more than once: too few to estimate how often "
            "customers come back. Treat these numbers as rough guesses."
        )
    elif repeaters < 100:
        out.append(
            f"Only {repeaters} customers bought more than once; the model's numbers are uncertain."
        )
    history_days = float(summary["T"].max()) * unit if len(summary) else 0.0
    if history_days < 182:
        out.append(
            f"The history covers only {history_days:.0f} days; models of when customers leave "
            "need several months of purchases."
        )
    rep = summary[summary["frequency"] > 0]
    if len(rep):
        gap_days = float(np.median(rep["recency"] / rep["frequency"])) * unit
        if gap_days > 0 and history_days < 3 * gap_days:
            out.append(
                f"A typical repeat customer buys every {gap_days:.0f} days, but the history is only "
                f"{history_days:.0f} days long: too short to see many returns."
            )
    return out


@dataclass
class ValueReport:
    """Everything the customer value page shows, from one cached call.

    Attributes
    ----------
    summary : DataFrame
        :func:`clv_summary` output.
    customers : DataFrame
        Per customer: the summary columns, ``p_alive``, ``expected_purchases`` and
        ``expected_revenue`` over the horizon, ``expected_spend`` and ``clv`` (discounted).
    forecast : DataFrame
        :func:`forecast_totals` output (3, 6 and 12 months), its ranges widened by the model's
        own error on the holdout (:func:`widen_by_holdout`).
    grid : DataFrame
        :func:`probability_alive_grid` output.
    bg_params, gg_params : DataFrame
        Parameter tables with standard errors.
    bg, gg : fitted models
        ``bg`` is the purchase model used (BG/NBD unless ``settings["model"]`` says otherwise).
    holdout : HoldoutResult or None
    warnings : list of str
    settings : dict
    """

    summary: pd.DataFrame
    customers: pd.DataFrame
    forecast: pd.DataFrame
    grid: pd.DataFrame
    bg_params: pd.DataFrame
    gg_params: pd.DataFrame | None
    bg: BetaGeoModel
    gg: GammaGammaModel | None
    holdout: HoldoutResult | None
    warnings: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


@dataclass
class ValueInputs:
    """The small per-customer tables :func:`value_report` fits its models on.

    Built from transactions in memory (:func:`value_inputs`) or in a database engine
    (:func:`analysis.pushdown.value_report`); :func:`value_report_from_inputs` does the rest,
    the same way for both.

    Attributes
    ----------
    summary : DataFrame
        :func:`clv_summary` at ``as_of`` (customers with implausible amounts left out).
    holdout : HoldoutInputs or None
        The calibration summary and holdout counts of the default split, None when there is no
        check to make (history too short, nothing bought before the split, or not asked for).
    amount_note : str or None
        The note on customers left out for implausible amounts.
    lines : int
        Lines left after those customers were left out (only read when ``summary`` is empty).
    """

    summary: pd.DataFrame
    holdout: HoldoutInputs | None = None
    amount_note: str | None = None
    lines: int = 0


def value_report(
    tx: pd.DataFrame,
    *,
    as_of=None,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "W",
    holdout: bool = True,
    model: str = "bgnbd",
) -> ValueReport:
    """Fit both models and compute everything the customer value page shows.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    months : int
        Horizon of the per-customer value (months of 365.25 / 12 days).
    monthly_discount_rate : float
        Discount rate per month for the lifetime value.
    time_unit : {"D", "W"}
        Time unit of the fit and the summary.
    holdout : bool
        Also run :func:`calibration_holdout` on the last third of the history.
    model : {"bgnbd", "mbgnbd", "pnbd"}
        Purchase model behind every forecast, value, P(alive) and the holdout check (BG/NBD,
        modified BG/NBD or Pareto/NBD); it is ``report.bg`` whichever it is. Gamma-Gamma
        always models spend.

    Returns
    -------
    ValueReport
        Customers with an amount beyond ``MAX_AMOUNT`` (or not finite) are left out, with a
        warning saying so. The forecast's ranges include the model's own error on the holdout
        (:func:`widen_by_holdout`) when there is one.

    Raises
    ------
    UnsuitableDataError
        A ``ValueError`` with a plain message, before any fitting, for data the models cannot
        learn from: no purchases (refunds only), one customer, every purchase on the last day,
        nobody who bought twice, fewer than ``MIN_REPEAT_BUYERS`` repeat buyers, or only
        implausible amounts. The work otherwise grows with the number of customers, not with
        the data's shape: fits and interval draws have time budgets and say when they ran out.
    """
    unit_days(time_unit)
    purchase_model(model)  # an unknown key fails before any work
    inputs = value_inputs(tx, as_of=as_of, time_unit=time_unit, holdout=holdout)
    return value_report_from_inputs(
        inputs, months=months, monthly_discount_rate=monthly_discount_rate, model=model
    )


def value_inputs(
    tx: pd.DataFrame, *, as_of=None, time_unit: str = "W", holdout: bool = True
) -> ValueInputs:
    """Return the :class:`ValueInputs` of ``tx`` (the summaries :func:`value_report` fits on).

    Customers with an implausible amount are left out (``UnsuitableDataError`` when that is
    everyone); the summary and the holdout's summaries share one pass over the rows.
    """
    kept, amount_note = drop_implausible_amounts(tx)
    if amount_note and len(kept) == 0:
        raise UnsuitableDataError(
            implausible_amounts_note(
                tx["customer_id"].nunique(), nothing_left_for="the value models"
            )
        )
    tx = kept
    with sharing_purchase_days(tx, as_of):
        summary = clv_summary(tx, as_of=as_of, time_unit=time_unit)
        split = default_holdout_split(tx, as_of=summary.attrs["as_of"]) if holdout else None
        hold = None
        if split is not None:
            try:
                hold = holdout_inputs(
                    tx, calibration_end=split[0], holdout_end=split[1], time_unit=time_unit
                )
            except ValueError:  # nothing bought before the split: no check
                hold = None
    return ValueInputs(summary=summary, holdout=hold, amount_note=amount_note, lines=len(tx))


def value_report_from_inputs(
    inputs: ValueInputs,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    model: str = "bgnbd",
) -> ValueReport:
    """Fit both models on :class:`ValueInputs` and compute what the value page shows.

    The model part of :func:`value_report` (same parameters; the time unit is the summary's).
    Raises ``UnsuitableDataError`` for data the models cannot learn from.
    """
    summary = inputs.summary
    time_unit = summary.attrs["time_unit"]
    if len(summary) == 0 and inputs.lines:
        raise UnsuitableDataError(
            "No customer has a purchase before the end date: every customer's days add up to "
            "refunds (negative amounts), so there is nothing to model."
        )
    # Degenerate data is answered here, in plain words, before any fitting.
    check_model_data(summary, min_repeat_buyers=MIN_REPEAT_BUYERS)
    notes = [inputs.amount_note] if inputs.amount_note else []
    notes.extend(model_warnings(summary, time_unit=time_unit))
    bg = purchase_model(model).fit(summary)
    notes.extend(bg.warnings_)
    gg = _spend_model(summary)
    if gg is not None:
        notes.extend(gg.warnings_)
    settings = {
        "as_of": summary.attrs["as_of"],
        "months": months,
        "monthly_discount_rate": monthly_discount_rate,
        "time_unit": time_unit,
        "model": model,
    }
    customers, forecast = _customer_values(bg, gg, summary, settings, notes)
    result = _holdout_check(inputs.holdout, model, notes)
    if len(forecast):
        forecast = widen_by_holdout(forecast, result)
    return ValueReport(
        summary=summary,
        customers=customers,
        forecast=forecast,
        grid=probability_alive_grid(bg, summary),
        bg_params=bg.parameter_table(),
        gg_params=gg.parameter_table() if gg is not None else None,
        bg=bg,
        gg=gg,
        holdout=result,
        warnings=notes,
        settings=settings,
    )


def _spend_model(summary: pd.DataFrame) -> GammaGammaModel | None:
    """Return Gamma-Gamma fitted on ``summary``, or None with too few repeat buyers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return GammaGammaModel().fit(summary)
        except ValueError:
            return None


def _customer_values(bg, gg, summary: pd.DataFrame, settings: dict, notes: list[str]):
    """Return the per-customer table and the forecast totals (empty without a spend model)."""
    months, time_unit = settings["months"], settings["time_unit"]
    horizon = months * DAYS_PER_MONTH / unit_days(time_unit)
    customers = summary.copy()
    customers["p_alive"] = bg.probability_alive(summary)
    customers["expected_purchases"] = bg.expected_purchases(horizon, summary)
    if gg is None:
        notes.append("Too few repeat buyers to model spend per purchase: no money values.")
        return customers, pd.DataFrame()
    customers["expected_spend"] = gg.expected_spend(summary)
    customers["expected_revenue"] = customers["expected_purchases"] * customers["expected_spend"]
    customers["clv"] = customer_lifetime_value(
        bg,
        gg,
        summary,
        months=months,
        monthly_discount_rate=settings["monthly_discount_rate"],
        time_unit=time_unit,
    )
    return customers, forecast_totals(bg, gg, summary, time_unit=time_unit)


def holdout_error(holdout: HoldoutResult | None) -> float:
    """Return the model's relative error of the total on the held-back months.

    ``|predicted_total / actual_total - 1|`` of the repeat purchases the calibration customers
    made in the holdout period; NaN without a holdout check or when nobody bought in it.
    """
    if holdout is None or not holdout.actual_total > 0:
        return float("nan")
    return abs(holdout.predicted_total / holdout.actual_total - 1.0)


def widen_by_holdout(forecast: pd.DataFrame, holdout: HoldoutResult | None) -> pd.DataFrame:
    """Return the forecast with its ranges widened by the model's own error on the holdout.

    The ranges of :func:`~analysis.clv.forecast.forecast_totals` cover the uncertainty of the
    fitted parameters and the randomness of purchases, not how wrong the model itself is. The
    holdout check measures that: the relative error ``e`` of the predicted total of repeat
    purchases over the held-back months (:func:`holdout_error`). Each end of the purchase and
    revenue ranges moves out by that share: ``low * max(0, 1 - e)`` and ``high * (1 + e)``, at
    every horizon. Without a usable holdout the ranges stay as they are.

    Parameters
    ----------
    forecast : DataFrame
        :func:`~analysis.clv.forecast.forecast_totals` output.
    holdout : HoldoutResult or None
        The check against held-back months.

    Returns
    -------
    DataFrame
        A copy: ``purchases_low``, ``purchases_high``, ``revenue_low``, ``revenue_high``
        widened; the ranges before widening in the same columns with the suffix ``_params``.
        ``attrs`` adds ``holdout_error`` (``e``, NaN when there was none) and
        ``holdout_days`` (length of the held-back period, None without one).
    """
    error = holdout_error(holdout)
    out = forecast.copy()
    out.attrs = dict(forecast.attrs)
    out.attrs["holdout_error"] = error
    out.attrs["holdout_days"] = (
        None if holdout is None else (holdout.holdout_end - holdout.calibration_end).days
    )
    for measure in ("purchases", "revenue"):
        low, high = f"{measure}_low", f"{measure}_high"
        out[f"{low}_params"] = forecast[low]
        out[f"{high}_params"] = forecast[high]
        if np.isfinite(error):
            out[low] = forecast[low] * max(0.0, 1.0 - error)
            out[high] = forecast[high] * (1.0 + error)
    return out


def _holdout_check(inputs: HoldoutInputs | None, model: str, notes: list[str]):
    """Return the check against held-back months, or None when there is none to make."""
    if inputs is None:
        return None
    try:
        return holdout_from_inputs(inputs, model=model)
    except UnsuitableDataError as exc:
        notes.append(f"No check against held-back months: in the earlier data, {exc}")
    except ValueError:  # a model that cannot be fitted on the earlier data: no check
        pass
    return None


def clv_histogram(
    customers: pd.DataFrame, *, bins: int = 30, clip_quantile: float = 0.99
) -> pd.DataFrame:
    """Distribution of customer lifetime value, binned (the last bin gathers the top tail).

    Parameters
    ----------
    customers : DataFrame
        ``ValueReport.customers`` (needs ``clv``).
    bins : int
        Number of equal-width bins between 0 and the ``clip_quantile`` quantile.
    clip_quantile : float
        Values above this quantile are counted in the last bin, so a few huge values do not
        squash the chart.

    Returns
    -------
    DataFrame
        ``lower``, ``upper`` (value range), ``customers``, ``value`` (their total CLV),
        ``value_share`` (share of all customers' CLV), ``open_ended`` (True for the last bin
        when it gathers the tail).
    """
    clv = customers["clv"].to_numpy(dtype=np.float64)
    clv = clv[np.isfinite(clv)]
    if len(clv) == 0:
        return pd.DataFrame(
            columns=["lower", "upper", "customers", "value", "value_share", "open_ended"]
        )
    top = float(np.quantile(clv, clip_quantile))
    low = min(0.0, float(clv.min()))
    if top <= low:
        top = float(clv.max()) if clv.max() > low else low + 1.0
    edges = np.linspace(low, top, bins + 1)
    index = np.clip(np.searchsorted(edges, clv, side="right") - 1, 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    value = np.bincount(index, weights=clv, minlength=bins)
    total = value.sum()
    open_ended = np.zeros(bins, dtype=bool)
    open_ended[-1] = bool(clv.max() > top)
    return pd.DataFrame(
        {
            "lower": edges[:-1],
            "upper": edges[1:],
            "customers": count,
            "value": value,
            "value_share": value / total if total > 0 else np.zeros(bins),
            "open_ended": open_ended,
        }
    )


def top_customers(customers: pd.DataFrame, *, n: int = 25) -> pd.DataFrame:
    """Return the ``n`` customers with the highest expected value, with readable column names.

    Returns
    -------
    DataFrame
        Customer, expected value (discounted), expected purchases and revenue over the horizon,
        probability still active, purchases so far (repeat purchase days + 1), average repeat
        purchase value.
    """
    top = customers.sort_values("clv", ascending=False, kind="stable").head(n)
    return pd.DataFrame(
        {
            "Customer": top.index.to_numpy(),
            "Expected value (discounted)": top["clv"].round(2).to_numpy(),
            "Expected purchases": top["expected_purchases"].round(2).to_numpy(),
            "Expected revenue": top["expected_revenue"].round(2).to_numpy(),
            "Probability still active": top["p_alive"].round(3).to_numpy(),
            "Purchases so far": (top["frequency"] + 1).to_numpy(),
            "Average repeat purchase": top["monetary_value"].round(2).to_numpy(),
        }
    )

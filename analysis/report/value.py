"""The report's sections on customer value and churn risk, and the workbook's value table.

The models are fitted once with the value page's defaults (:data:`VALUE_SETTINGS`: 12 months,
10% a year, weeks; churn within 90 days), so the report shares the page's cached fits. A model
that cannot be fitted leaves its section out with a note; the rest of the report stands.
"""

from __future__ import annotations

import pandas as pd

from analysis import churn, clv
from analysis.charts import value as charts_value
from analysis.core.defaults import CHURN_DAYS, VALUE_MONTHS, VALUE_SETTINGS, YEARLY_DISCOUNT
from analysis.core.text import percent
from analysis.report._common import RISK_THRESHOLD, VALUE_QUANTILE, Section, relabel
from analysis.report.describe import describe_at_risk

__all__ = ["value_risk_table"]

#: What a model that fails on this data raises beyond the ``ValueError`` (NotEnoughData, a
#: singular matrix) of data it cannot use: an optimiser that gives up (``RuntimeError``) or
#: arithmetic that overflows (``ArithmeticError``).
MODEL_FAILURES = (RuntimeError, ArithmeticError)


def value_risk_table(customers: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the per-customer value, chance of still being active and churn risk.

    Parameters
    ----------
    customers : DataFrame
        ``ValueReport.customers`` of :func:`analysis.clv.value_report` (indexed by customer).
    scores : DataFrame or None
        ``ChurnResult.scores`` of :func:`analysis.churn.churn_model`, when the churn model could
        be fitted.

    Returns
    -------
    DataFrame
        One row per customer, highest expected value first (when there are values): ``customer_id``,
        ``clv`` (discounted expected value over the value horizon, file's currency),
        ``expected_purchases``, ``expected_revenue`` (undiscounted), ``p_alive`` (0..1),
        ``purchases_so_far`` (purchase days), and with ``scores`` ``churn_risk`` (0..1, chance
        of no purchase within the churn horizon; NaN for customers the churn model did not
        score) and ``quadrant`` (value against risk, see :data:`analysis.churn.QUADRANTS`).
    """
    wanted = ["clv", "expected_purchases", "expected_revenue", "p_alive"]
    out = customers[[c for c in wanted if c in customers.columns]].copy()
    out["purchases_so_far"] = customers["frequency"].to_numpy() + 1
    if scores is not None and "clv" in customers.columns:
        quadrants = churn.value_and_risk(
            customers, scores, value_quantile=VALUE_QUANTILE, risk_threshold=RISK_THRESHOLD
        )
        out = out.join(scores[["churn_risk"]], how="left").join(quadrants[["quadrant"]], how="left")
    elif scores is not None:
        out = out.join(scores[["churn_risk"]], how="left")
    if "clv" in out.columns:
        out = out.sort_values("clv", ascending=False, kind="stable")
    out = out.rename_axis("customer_id").reset_index()
    out["customer_id"] = out["customer_id"].astype("str")
    out.attrs = {}
    return out


def _forecast_section(value, currency: str | None = None) -> Section:
    """Return the customer value section: the forecast of the customers there are now."""
    title = "Customer value"
    forecast = value.forecast
    notes = " ".join(str(w) for w in value.warnings)
    if not len(forecast):
        return Section(
            title,
            sentences=clv.value_insights(value, currency=currency),
            note=(notes or "Too few repeat buyers to forecast money.").strip(),
        )
    display = relabel(
        forecast,
        {
            "Months ahead": "months",
            "Expected net revenue": "expected_revenue",
            "Likely from": "revenue_low",
            "Likely to": "revenue_high",
            "Expected purchases": "expected_purchases",
            "Purchases from": "purchases_low",
            "Purchases to": "purchases_high",
        },
    )
    return Section(
        title,
        sentences=clv.value_insights(value, currency=currency),
        table=display,
        chart=charts_value.forecast_chart(forecast, measure="revenue"),
        note=(
            "Ranges are 90% intervals, for the customers you have now (no new ones). "
            f"Values over {VALUE_MONTHS} months discounted at "
            f"{percent(YEARLY_DISCOUNT, decimals=0)} a year. " + notes
        ).strip(),
        formats={c: "{:,.0f}" for c in display.columns if c != "Months ahead"},
        money={c: 0 for c in ("Expected net revenue", "Likely from", "Likely to")},
    )


def _risk_section(customers: pd.DataFrame, risk, risk_note: str) -> Section:
    """Return the valuable customers at risk (left out without a churn model or values)."""
    title = "Valuable customers at risk"
    if risk is None:
        return Section(title, note=f"Left out: {risk_note}")
    if "clv" not in customers.columns:
        return Section(title, note="Left out: customer values are needed and there are none.")
    table = churn.value_and_risk(
        customers, risk.scores, value_quantile=VALUE_QUANTILE, risk_threshold=RISK_THRESHOLD
    )
    actions = churn.action_list(table, horizon_days=CHURN_DAYS)
    return Section(
        title,
        sentences=[*describe_at_risk(actions), *risk.verdict, *risk.drivers],
        table=actions,
        chart=charts_value.importance_chart(risk.importance),
        note=f"The churn model was checked on {risk.n_test:,} held-back customers. Chart: "
        "what drives the churn risk most.",
        formats={
            actions.columns[1]: "{:,.2f}",
            actions.columns[2]: "{:.0%}",
            "Days since last purchase": "{:,.0f}",
            "Purchases so far": "{:,.0f}",
            "Net revenue so far": "{:,.2f}",
        },
        money={actions.columns[1]: 2, "Net revenue so far": 2},
    )


def value_sections(
    tx: pd.DataFrame, as_of, sheets: dict, currency: str | None = None
) -> list[Section]:
    """Return customer value and churn risk; each left out with a note if its model fails.

    ``currency`` (ISO code or symbol, ``Report.currency``) is the money of the sentences.
    """
    try:
        value = clv.value_report(tx, as_of=as_of, **VALUE_SETTINGS)
    except ValueError as exc:  # too little history (NotEnoughData) or data the models refuse
        return [Section("Customer value", note=f"Left out: {exc}")]
    except MODEL_FAILURES as exc:
        note = f"Left out: the value models failed ({type(exc).__name__})."
        return [Section("Customer value", note=note)]
    risk, risk_note = None, ""
    try:
        risk = churn.churn_model(tx, horizon_days=CHURN_DAYS, as_of=as_of)
    except ValueError as exc:
        risk_note = str(exc)
    except MODEL_FAILURES as exc:
        risk_note = f"The churn model failed ({type(exc).__name__})."
    sheets["Value and risk"] = value_risk_table(
        value.customers, risk.scores if risk is not None else None
    )
    return [_forecast_section(value, currency), _risk_section(value.customers, risk, risk_note)]

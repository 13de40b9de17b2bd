"""Altair charts for the customer value page: pure functions from analysis outputs to charts."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts import theme
from analysis.charts._common import name_axis, named_bars

__all__ = [
    "calibration_chart",
    "clv_distribution_chart",
    "evaluation_chart",
    "forecast_chart",
    "holdout_frequency_chart",
    "holdout_tracking_chart",
    "importance_chart",
    "p_alive_heatmap",
    "value_risk_scatter",
]

ACTUAL = theme.ACTUAL
PREDICTED = theme.PREDICTED
#: Plain names for the models compared on the churn page (chart labels only).
MODEL_LABELS = {
    "Churn model": "Churn model (this app)",
    "BG/NBD: P(no purchase)": "Purchase-rhythm model: no purchase expected (BG/NBD)",
    "BG/NBD: 1 - P(alive)": "Purchase-rhythm model: probably stopped (BG/NBD 1 - P(alive))",
    "Constant (base rate)": "Guessing (same risk for everyone)",
}
MAX_POINTS = 5000


def _series_colour() -> alt.Color:
    """Return the colour of the "Actual" and "Predicted" series (legend below the chart)."""
    return alt.Color(
        "series:N",
        sort=["Actual", "Predicted"],
        scale=alt.Scale(range=[ACTUAL, PREDICTED]),
        title=None,
        legend=alt.Legend(orient="bottom"),
    )


def forecast_chart(forecast: pd.DataFrame, *, measure: str = "revenue") -> alt.Chart:
    """Draw expected purchases or revenue per horizon, with the interval as an error bar.

    Parameters
    ----------
    forecast : DataFrame
        :func:`analysis.clv.forecast_totals` output.
    measure : {"revenue", "purchases"}
    """
    if measure not in ("revenue", "purchases"):
        raise ValueError("measure must be 'revenue' or 'purchases'")
    point = "expected_revenue" if measure == "revenue" else "expected_purchases"
    title = "Expected net revenue" if measure == "revenue" else "Expected purchases"
    data = pd.DataFrame(
        {
            "horizon": [f"Next {m} months" for m in forecast["months"]],
            "expected": forecast[point].to_numpy(),
            "low": forecast[f"{measure}_low"].to_numpy(),
            "high": forecast[f"{measure}_high"].to_numpy(),
        }
    )
    order = data["horizon"].tolist()
    base = alt.Chart().encode(  # the data is the layer's
        x=alt.X("horizon:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    )
    bars = base.mark_bar(color=ACTUAL, opacity=0.85).encode(
        y=alt.Y("expected:Q", title=title),
        tooltip=[
            alt.Tooltip("horizon:N", title="Period"),
            alt.Tooltip("expected:Q", title="Expected", format=",.0f"),
            alt.Tooltip("low:Q", title="Likely from", format=",.0f"),
            alt.Tooltip("high:Q", title="Likely to", format=",.0f"),
        ],
    )
    rules = base.mark_rule(strokeWidth=2, color="#333").encode(
        y=alt.Y("low:Q"), y2=alt.Y2("high:Q")
    )
    ticks_low = base.mark_tick(width=18, color="#333").encode(y=alt.Y("low:Q"))
    ticks_high = base.mark_tick(width=18, color="#333").encode(y=alt.Y("high:Q"))
    return alt.layer(bars, rules, ticks_low, ticks_high, data=data, height=260)


def clv_distribution_chart(histogram: pd.DataFrame) -> alt.Chart:
    """Histogram of customer lifetime value (:func:`analysis.clv.clv_histogram` output)."""
    data = histogram.assign(
        range=[
            f"{lo:,.0f} and above" if open_ else f"{lo:,.0f} to {hi:,.0f}"
            for lo, hi, open_ in zip(
                histogram["lower"], histogram["upper"], histogram["open_ended"], strict=True
            )
        ]
    )
    return (
        alt.Chart(data, height=260)
        .mark_bar(color=ACTUAL)
        .encode(
            x=alt.X("lower:Q", bin="binned", title="Expected value per customer (discounted)"),
            x2=alt.X2("upper:Q"),
            y=alt.Y("customers:Q", title="Customers"),
            tooltip=[
                alt.Tooltip("range:N", title="Value"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("value_share:Q", title="Share of all value", format=".1%"),
            ],
        )
    )


def p_alive_heatmap(grid: pd.DataFrame, *, time_unit: str = "D") -> alt.Chart:
    """P(alive) over frequency x recency (:func:`analysis.clv.probability_alive_grid`)."""
    unit = "days" if time_unit == "D" else "weeks"
    data = grid.assign(recency_label=grid["recency"].round(0))
    return (
        alt.Chart(data, height=300)
        .mark_rect()
        .encode(
            x=alt.X(
                "recency_label:O",
                title=f"Time from first to last purchase ({unit}; right = bought recently)",
                axis=alt.Axis(labelAngle=0, labelOverlap=True),
            ),
            y=alt.Y("frequency:O", sort="descending", title="Repeat purchases"),
            color=alt.Color(
                "p_alive:Q",
                title="P(still active)",
                scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                alt.Tooltip("frequency:Q", title="Repeat purchases"),
                alt.Tooltip("recency:Q", title=f"First to last purchase ({unit})", format=".0f"),
                alt.Tooltip("p_alive:Q", title="P(still active)", format=".0%"),
            ],
        )
    )


def value_risk_scatter(
    table: pd.DataFrame, *, max_points: int = MAX_POINTS, seed: int = 0
) -> alt.Chart:
    """Churn risk against expected value, coloured by quadrant, with the threshold lines.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.churn.value_and_risk` output (``attrs`` holds the thresholds).
    max_points : int
        At most this many customers are drawn (a random sample that keeps every "valuable and
        at risk" customer), so the page stays fast.
    """
    data = table.reset_index()
    if len(data) > max_points:
        keep = data["valuable_at_risk"].to_numpy()
        others = np.flatnonzero(~keep)
        rng = np.random.default_rng(seed)
        room = max(max_points - int(keep.sum()), 0)
        picked = rng.choice(others, size=min(room, len(others)), replace=False)
        data = data.iloc[np.sort(np.r_[np.flatnonzero(keep), picked])]
    data = data.rename(columns={data.columns[0]: "customer"})
    order = [
        "Valuable, at risk",
        "Valuable, likely to stay",
        "Less valuable, at risk",
        "Less valuable, likely to stay",
    ]
    points = (
        alt.Chart(data)
        .mark_circle(size=28, opacity=0.6)
        .encode(
            x=alt.X("churn_risk:Q", title="Churn risk", axis=alt.Axis(format="%")),
            y=alt.Y("clv:Q", title="Expected value (discounted)", scale=alt.Scale(type="sqrt")),
            color=alt.Color(
                "quadrant:N",
                sort=order,
                scale=alt.Scale(
                    domain=order, range=[theme.WORSE, theme.BETTER, theme.BASELINE, theme.OTHER]
                ),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("customer:N", title="Customer"),
                alt.Tooltip("clv:Q", title="Expected value", format=",.2f"),
                alt.Tooltip("churn_risk:Q", title="Churn risk", format=".0%"),
                alt.Tooltip("quadrant:N", title="Group"),
            ],
        )
    )
    lines = pd.DataFrame(
        {
            "value": [table.attrs.get("value_threshold", np.nan)],
            "risk": [table.attrs.get("risk_threshold", np.nan)],
        }
    )
    vline = alt.Chart(lines).mark_rule(strokeDash=[4, 4], color="#555").encode(x=alt.X("risk:Q"))
    hline = alt.Chart(lines).mark_rule(strokeDash=[4, 4], color="#555").encode(y=alt.Y("value:Q"))
    return alt.layer(points, vline, hline, height=380)


def holdout_frequency_chart(by_frequency: pd.DataFrame) -> alt.Chart:
    """Actual against predicted holdout purchases per calibration frequency (the classic chart).

    Parameters
    ----------
    by_frequency : DataFrame
        ``HoldoutResult.by_frequency``.
    """
    order = by_frequency["frequency_cal"].tolist()
    long = pd.DataFrame(
        {
            "frequency_cal": order * 2,
            "series": ["Actual"] * len(order) + ["Predicted"] * len(order),
            "purchases": np.r_[by_frequency["actual"], by_frequency["predicted"]],
            "customers": np.r_[by_frequency["customers"], by_frequency["customers"]],
        }
    )
    return (
        alt.Chart(long, height=280)
        .mark_bar()
        .encode(
            x=alt.X(
                "frequency_cal:N",
                sort=order,
                title="Repeat purchases in the fitting period",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("series:N", sort=["Actual", "Predicted"]),
            y=alt.Y("purchases:Q", title="Purchases per customer, check period"),
            color=_series_colour(),
            tooltip=[
                alt.Tooltip("frequency_cal:N", title="Repeat purchases before"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("purchases:Q", title="Average purchases", format=".2f"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
    )


def holdout_tracking_chart(tracking: pd.DataFrame) -> alt.Chart:
    """Cumulative repeat purchases in the check period, actual against predicted."""
    long = pd.DataFrame(
        {
            "date": np.r_[tracking["date"], tracking["date"]],
            "series": ["Actual"] * len(tracking) + ["Predicted"] * len(tracking),
            "purchases": np.r_[tracking["actual"], tracking["predicted"]],
        }
    )
    return (
        alt.Chart(long, height=280)
        .mark_line(point=False)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("purchases:Q", title="Cumulative repeat purchases"),
            color=_series_colour(),
            strokeDash=alt.StrokeDash(
                "series:N", sort=["Actual", "Predicted"], scale=alt.Scale(range=[[1, 0], [5, 3]])
            ),
            tooltip=[
                alt.Tooltip("date:T", title="Up to"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("purchases:Q", title="Purchases", format=",.0f"),
            ],
        )
    )


def evaluation_chart(evaluation: pd.DataFrame) -> alt.Chart:
    """AUC and precision among the riskiest 10%, per model (``ChurnResult.evaluation``).

    Models are named in plain words (:data:`MODEL_LABELS`) and coloured by role: the app's
    model, the simpler baselines it is compared with, and guessing.
    """
    raw = evaluation["model"].astype("str").tolist()
    models = [MODEL_LABELS.get(m, m) for m in raw]
    roles = {
        MODEL_LABELS.get(m, m): (
            theme.MODEL
            if m == "Churn model"
            else theme.REFERENCE
            if m.startswith("Constant")
            else theme.BASELINE
        )
        for m in raw
    }
    long = pd.DataFrame(
        {
            "model": models * 2,
            "metric": ["AUC (ranking)"] * len(models) + ["Precision, riskiest 10%"] * len(models),
            "value": np.r_[evaluation["auc"], evaluation["precision_top"]],
        }
    )
    base = alt.Chart().encode(  # the data is the layer's
        y=name_axis("model", models, label_limit=360),
        x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title=None),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "model:N",
            scale=theme.colour_scale(roles),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("model:N", title="Model"),
            alt.Tooltip("metric:N", title="Measure"),
            alt.Tooltip("value:Q", title="Value", format=".1%"),
        ],
    )
    text = base.mark_text(align="left", dx=3).encode(text=alt.Text("value:Q", format=".0%"))
    return alt.layer(bars, text, data=long, width=260, height=alt.Step(24)).facet(
        column=alt.Column("metric:N", title=None)
    )


def calibration_chart(calibration: pd.DataFrame) -> alt.Chart:
    """Predicted against observed churn per group, with the diagonal of perfect calibration."""
    points = (
        alt.Chart(calibration)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "predicted:Q",
                title="Predicted churn",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "observed:Q",
                title="Observed churn",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("model:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("group:Q", title="Group (1 = lowest risk)"),
                alt.Tooltip("customers:Q", title="Customers", format=","),
                alt.Tooltip("predicted:Q", title="Predicted", format=".0%"),
                alt.Tooltip("observed:Q", title="Observed", format=".0%"),
            ],
        )
    )
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#999")
        .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    )
    return alt.layer(diagonal, points, height=300)


def importance_chart(importance: pd.DataFrame, *, top: int = 10) -> alt.Chart:
    """Draw the strongest drivers of churn risk (``ChurnResult.importance``) as horizontal bars."""
    data = importance.head(top).assign(
        effect=importance.head(top)["direction"].map(
            {1: "Higher means more risk", -1: "Higher means less risk", 0: "Mixed"}
        )
    )
    effects = {
        "Higher means more risk": theme.WORSE,
        "Higher means less risk": theme.BETTER,
        "Mixed": theme.NOT_SIGNIFICANT,
    }
    return named_bars(
        data,
        "label",
        x=alt.X("importance:Q", title="How much the ranking suffers without it (AUC drop)"),
        color=alt.Color(
            "effect:N",
            scale=theme.colour_scale(effects),
            title=None,
            legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400),
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Feature"),
            alt.Tooltip("importance:Q", title="AUC drop", format=".3f"),
            alt.Tooltip("std:Q", title="Spread", format=".3f"),
            alt.Tooltip("effect:N", title="Effect"),
        ],
        label_limit=320,
        step=22,
    )

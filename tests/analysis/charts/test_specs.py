"""The chart builders' Vega-Lite specs stay the same: golden hashes of a representative set.

Every spec is serialised with sorted keys (data inline, Altair's default transformer) and
hashed. The hashes were taken with the builders as they were before they were made faster
(issue #14: shared layer data given once, channel objects instead of shorthand strings, sizes
in the constructor): the specs must come out exactly as before. A change to a chart's look is
a change of its hash: rerun ``python -m tests.analysis.charts.test_specs`` and paste the hashes
it prints, after checking the new chart by eye.

The set covers every way the builders put charts together: single views, layers of views that
share their data, layers with data of their own, facets of layers, a concatenation of layers,
an interactive layer, conditions and ``alt.when`` colours, the grey "Other" bar.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import altair as alt
import numpy as np
import pandas as pd
import pytest

from analysis import cohorts, feedback, ingest, overview, patterns, profile, rfm
from analysis.charts import cohorts as ch_cohorts
from analysis.charts import feedback as ch_feedback
from analysis.charts import overview as ch_overview
from analysis.charts import patterns as ch_patterns
from analysis.charts import rfm as ch_rfm
from analysis.charts import value as ch_value
from tests.analysis.feedback.samples import SAMPLE_A, SAMPLE_B, frame
from tests.paths import SAMPLE_DATA

GOLDEN = {
    "overview.new_vs_returning_chart": "2bee4f1c426561c45dfd357d38289e70d45f218b9f534bdc649335b4e028bcaa",
    "overview.breakdown_chart": "b04c32f5f2db7c4cce0368d93236f502d6adba871fad368fd6fd5cc74e72a68c",
    "rfm.segment_bars": "a6abc48d3fef46c4639da3869a56a68a45e2fc6c3c79c04b4f9c85e26bf1e45c",
    "rfm.rf_grid_heatmap": "dfb2edfb13af0fa4823ed1cc2067c44570976fee9dcfbd585779b0e8edcb472a",
    "rfm.migration_heatmap": "613743f9cae0220bfd9a8532dfda52d7a16706b28af7a6b3cc5e27ed0dc531b1",
    "cohorts.heatmap": "48df31245f37e2952b7a5aa67e7689a704225b3668402e551a91b831b08b031f",
    "cohorts.curves_chart": "3317de8faaa1b4d2e222b0f13332a1d0597789ce3a2ddaeda59c8695fe1bb292",
    "value.forecast_chart": "a48363354f6d7d1b84bedb85516d3d68c8836273c113848df0569b400b7dea77",
    "value.value_risk_scatter": "ec851607478075c8921f9baba9ea7cbd22a671ac7ac5d91132d514a93052ba0c",
    "value.evaluation_chart": "753c546e18d236045b7e596a2bbc2f21fce299bed3b526a72020ad99a75f3cbb",
    "value.calibration_chart": "b1301220631824998592a2927654d2214e5b88b82371578ee879ad3fa77f59d8",
    "patterns.seasonality_chart": "8f87c7156edb390c490d2ceb9c38e25330ed0f7aebcd10d03676071f38cff979",
    "patterns.spend_chart": "f11ff9c5f30d1aa1179132371e8acefa1bdf21c4edd8bfa517b7c54fa537af1c",
    "patterns.price_band_chart": "c86e65865331bedcfa57744be2fe59bc1434a961fb777bc83ce23e4d0935285f",
    "patterns.channel_retention_chart": "54aa63f78eab58069173ae179265e89ba86dce33f1211e289be6c8cae4d20943",
    "patterns.order_value_chart": "78bd0605c086b8318f099565d00479a10cee0c3749a1df0e1f57e873ae4d3bbf",
    "patterns.order_timeline_chart": "f12d5630a4259e4e317ab8a6cf3b46650f0d75c4ee8cb1bc81d655a682900522",
    "feedback.nps_split_chart": "40f2bf0a47cac73c5eddc66e2baf2954d7cde0769f2173523376bc6a47ddf18f",
    "feedback.nps_trend_chart": "ef951002fda177072719c03fffd37fb241720805135fa1fb21865e2129b2cef9",
    "feedback.nps_breakdown_chart": "c6651e26ae9f7b5b1a953091aa2c31de9e10bea87fbb18040dd9fa88dec080b4",
    "feedback.behaviour_chart": "fc5a3801d35803e2c9abb0ac160d887fb89ba615462d9be92ced3cd87b82c459",
}


def _shop_tx() -> pd.DataFrame:
    path = SAMPLE_DATA / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data


def _value_inputs() -> dict[str, pd.DataFrame]:
    """Return small hand-made value and churn results (no model fit needed)."""
    forecast = pd.DataFrame(
        {
            "months": [3, 6, 12],
            "expected_revenue": [1200.0, 2300.5, 4100.25],
            "revenue_low": [1000.0, 1900.0, 3300.0],
            "revenue_high": [1400.0, 2700.0, 4900.0],
            "expected_purchases": [40.0, 75.5, 130.0],
            "purchases_low": [33.0, 62.0, 105.0],
            "purchases_high": [47.0, 89.0, 155.0],
        }
    )
    rng = np.random.default_rng(7)
    n = 60
    risk = rng.uniform(0, 1, n).round(3)
    clv = rng.gamma(2.0, 40.0, n).round(2)
    valuable, at_risk = clv >= 80, risk >= 0.5
    quadrant = np.select(
        [valuable & at_risk, valuable, at_risk],
        ["Valuable, at risk", "Valuable, likely to stay", "Less valuable, at risk"],
        "Less valuable, likely to stay",
    )
    table = pd.DataFrame(
        {
            "churn_risk": risk,
            "clv": clv,
            "quadrant": quadrant,
            "valuable_at_risk": valuable & at_risk,
        },
        index=pd.Index([f"C{i:03d}" for i in range(n)], name="customer_id"),
    )
    table.attrs = {"value_threshold": 80.0, "risk_threshold": 0.5}
    evaluation = pd.DataFrame(
        {
            "model": ["Churn model", "Recency only", "Constant (base rate)"],
            "auc": [0.81, 0.74, 0.5],
            "precision_top": [0.62, 0.55, 0.3],
        }
    )
    calibration = pd.DataFrame(
        {
            "model": ["Churn model"] * 4,
            "group": [1, 2, 3, 4],
            "customers": [25, 25, 25, 25],
            "predicted": [0.1, 0.3, 0.55, 0.8],
            "observed": [0.12, 0.28, 0.6, 0.77],
        }
    )
    return {"forecast": forecast, "table": table, "evaluation": evaluation, "calib": calibration}


def charts() -> dict[str, Callable[[], alt.TopLevelMixin]]:
    """Return the representative set: name -> a function building the chart."""
    tx = _shop_tx()
    as_of = "2024-06-01"
    table = rfm.rfm_table(tx, as_of=as_of)
    matrix = cohorts.retention_matrix(tx, as_of=as_of)
    curve = cohorts.retention_curve(tx, as_of=as_of)
    first_customer = str(tx["customer_id"].iloc[0])
    resp = frame({"Basic": SAMPLE_B, "Pro": SAMPLE_A})
    resp["response_date"] = pd.to_datetime(["2024-01-05"] * 20 + ["2024-02-05"] * 20)
    scores = feedback.feedback_overview(resp).score_counts
    by_plan = feedback.nps_by(resp, "plan")
    behaviour = pd.DataFrame(
        {
            "repurchase_rate": [0.6, 0.45, 0.3],
            "rate_ci_low": [0.5, 0.35, 0.2],
            "rate_ci_high": [0.7, 0.55, 0.4],
            "mean_spend": [55.0, 40.0, 31.5],
            "spend_ci_low": [45.0, 33.0, 25.0],
            "spend_ci_high": [65.0, 47.0, 38.0],
            "n": [40, 30, 20],
        },
        index=pd.Index(["promoter", "passive", "detractor"], name="category"),
    )
    value = _value_inputs()
    return {
        "overview.new_vs_returning_chart": lambda: ch_overview.new_vs_returning_chart(
            overview.new_vs_returning(tx, as_of=as_of)
        ),
        "overview.breakdown_chart": lambda: ch_overview.breakdown_chart(
            overview.top_breakdown(tx, "country", n=3, as_of=as_of), "country"
        ),
        "rfm.segment_bars": lambda: ch_rfm.segment_bars(rfm.segment_summary(table)),
        "rfm.rf_grid_heatmap": lambda: ch_rfm.rf_grid_heatmap(rfm.rf_grid(table)),
        "rfm.migration_heatmap": lambda: ch_rfm.migration_heatmap(
            rfm.segment_migration(tx, as_of=as_of, previous_as_of="2024-01-01")
        ),
        "cohorts.heatmap": lambda: ch_cohorts.heatmap(
            matrix, cohorts.cohort_sizes(tx, as_of=as_of)
        ),
        "cohorts.curves_chart": lambda: ch_cohorts.curves_chart(matrix, curve),
        "value.forecast_chart": lambda: ch_value.forecast_chart(value["forecast"]),
        "value.value_risk_scatter": lambda: ch_value.value_risk_scatter(value["table"]),
        "value.evaluation_chart": lambda: ch_value.evaluation_chart(value["evaluation"]),
        "value.calibration_chart": lambda: ch_value.calibration_chart(value["calib"]),
        "patterns.seasonality_chart": lambda: ch_patterns.seasonality_chart(
            patterns.monthly_seasonality(tx, as_of=as_of)
        ),
        "patterns.spend_chart": lambda: ch_patterns.spend_chart(
            patterns.spend_per_customer(tx, "channel", as_of=as_of), "channel"
        ),
        "patterns.price_band_chart": lambda: ch_patterns.price_band_chart(
            patterns.price_bands(tx, "category", as_of=as_of), "category"
        ),
        "patterns.channel_retention_chart": lambda: ch_patterns.channel_retention_chart(
            patterns.channel_acquisition(tx, "channel", as_of=as_of), "channel"
        ),
        "patterns.order_value_chart": lambda: ch_patterns.order_value_chart(
            patterns.order_value_summary(tx, as_of=as_of).histogram
        ),
        "patterns.order_timeline_chart": lambda: ch_patterns.order_timeline_chart(
            profile.customer_profile(tx, first_customer, as_of=as_of).history
        ),
        "feedback.nps_split_chart": lambda: ch_feedback.nps_split_chart(scores),
        "feedback.nps_trend_chart": lambda: ch_feedback.nps_trend_chart(feedback.nps_trend(resp)),
        "feedback.nps_breakdown_chart": lambda: ch_feedback.nps_breakdown_chart(
            by_plan, "Plan", overall=12.5
        ),
        "feedback.behaviour_chart": lambda: ch_feedback.behaviour_chart(behaviour, "rate"),
    }


def spec_hash(chart: alt.TopLevelMixin) -> str:
    """Return the sha256 of the chart's spec, keys sorted (data inline, not validated)."""
    spec = chart.to_dict(validate=False)
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


@pytest.fixture(scope="module")
def built() -> dict[str, Callable[[], alt.TopLevelMixin]]:
    return charts()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_spec_is_unchanged(built, name):
    assert spec_hash(built[name]()) == GOLDEN[name]


if __name__ == "__main__":
    for key, build in charts().items():
        print(f'    "{key}": "{spec_hash(build())}",')

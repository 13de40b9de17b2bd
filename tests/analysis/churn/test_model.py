"""Tests of analysis.churn.model: the churn model on the generated shop, refusals, charts."""

import numpy as np
import pandas as pd
import pytest

from analysis.churn import (
    ChurnModel,
    churn_model,
)
from analysis.core.errors import NotFittedError
from tests.analysis.churn._data import TX


def test_churn_model_beats_a_constant_predictor_on_the_generated_shop(shop_churn):
    ev = shop_churn.evaluation.set_index("model")
    ours, constant = ev.loc["Churn model"], ev.loc["Constant (base rate)"]
    assert constant["auc"] == pytest.approx(0.5)
    assert ours["auc"] > 0.75
    assert ours["precision_top"] > constant["precision_top"] + 0.1
    assert ours["customers"] == shop_churn.n_test
    # The BG/NBD baseline is evaluated on the same customers.
    assert ev.loc["BG/NBD: P(no purchase)", "customers"] == shop_churn.n_test
    assert ev.loc["BG/NBD: P(no purchase)", "auc"] > 0.6


def test_churn_model_outputs(shop_tx, shop_churn):
    r = shop_churn
    assert r.cutoff == r.as_of - pd.Timedelta(days=90)
    assert r.as_of == pd.Timestamp("2025-01-01")
    scores = r.scores
    assert scores["churn_risk"].between(0, 1).all()
    assert scores["churn_risk"].is_monotonic_decreasing
    assert scores["p_alive"].between(0, 1).all()
    assert scores.index.is_unique
    assert len(scores) == shop_tx.loc[shop_tx["amount"] >= 0, "customer_id"].nunique()
    # Recent buyers are at lower risk than customers gone quiet for a year.
    recent = scores.loc[scores["recency_days"] <= 14, "churn_risk"].mean()
    quiet = scores.loc[scores["recency_days"] >= 365, "churn_risk"].mean()
    assert recent < quiet
    assert r.importance.iloc[0]["feature"] == "recency_days"
    assert r.importance.iloc[0]["direction"] == 1
    assert "Days since the last purchase" in r.drivers[0]
    assert any("AUC" in line for line in r.verdict)
    assert set(r.calibration["model"]) == {"Churn model", "BG/NBD: P(no purchase)"}
    # Calibration: predicted and observed churn rates agree within 0.15 in every group.
    cal = r.calibration[r.calibration["model"] == "Churn model"]
    assert (cal["predicted"] - cal["observed"]).abs().max() < 0.15


def test_churn_model_needs_enough_history(shop_tx):
    short = shop_tx[shop_tx["order_date"] >= "2024-10-01"]
    with pytest.raises(ValueError, match="needs at least 180"):
        churn_model(short, horizon_days=90)
    with pytest.raises(ValueError, match="too few"):
        churn_model(TX, horizon_days=20)


def test_churn_charts(shop_churn):
    from analysis.charts import value as charts_value

    spec = charts_value.evaluation_chart(shop_churn.evaluation).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 2 * len(shop_churn.evaluation)
    assert {r["metric"] for r in rows} == {"AUC (ranking)", "Precision, riskiest 10%"}
    spec = charts_value.calibration_chart(shop_churn.calibration).to_dict()
    assert spec["layer"][1]["encoding"]["x"]["field"] == "predicted"
    spec = charts_value.importance_chart(shop_churn.importance, top=5).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 5
    assert rows[0]["effect"] == "Higher means more risk"  # days since the last purchase


def test_churn_model_leaves_out_implausible_amounts_and_says_so(shop_tx):
    bad = shop_tx.copy()
    first = bad["customer_id"].iloc[0]
    bad.loc[bad["customer_id"] == first, "amount"] = 1e300
    bad.loc[bad.index[5], "amount"] = -np.inf
    with np.errstate(over="raise", invalid="raise"):
        result = churn_model(bad, horizon_days=90)
    assert first not in result.scores.index
    assert "left out" in result.verdict[-1]
    assert np.isfinite(result.scores["monetary"]).all()
    with pytest.raises(ValueError, match="amounts too large"):
        churn_model(shop_tx.assign(amount=np.inf), horizon_days=90)


def test_churn_model_has_the_models_shape(shop_tx, shop_churn):
    model = ChurnModel(horizon_days=90)
    assert (model.horizon_days, model.test_share, model.random_state) == (90, 0.3, 0)
    with pytest.raises(NotFittedError, match="not fitted"):
        model.predict_risk(shop_churn.scores[[]])
    assert model.fit(shop_tx) is model
    pd.testing.assert_frame_equal(model.result_.scores, shop_churn.scores)
    assert model.cutoff_ == shop_churn.cutoff and model.as_of_ == shop_churn.as_of
    features = shop_churn.scores.drop(columns=["churn_risk", "p_alive", "bgnbd_no_purchase"])
    np.testing.assert_array_equal(model.predict_risk(features), shop_churn.scores["churn_risk"])

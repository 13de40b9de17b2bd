"""Churn risk: features and labels by hand, the metrics, and the model on the generated shop."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import ingest
from analysis.churn import (
    action_list,
    calibration_table,
    churn_features,
    churn_labels,
    churn_model,
    evaluate_risk,
    value_and_risk,
)

ROOT = Path(__file__).resolve().parents[1]


def make_tx(rows, extra=None):
    columns = ["customer_id", "order_id", "order_date", "amount"] + (extra or [])
    return pd.DataFrame(rows, columns=columns).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"])
    )


TX = make_tx(
    [
        ("A", "1", "2024-01-01 10:00", 10.0, "Tea"),
        ("A", "1", "2024-01-01 10:00", 5.0, "Coffee"),
        ("A", "2", "2024-01-11 09:00", 20.0, "Coffee"),
        ("A", "3", "2024-01-11 15:00", 4.0, "Coffee"),  # same day: gap 0 is not a gap
        ("A", "4", "2024-01-31 12:00", 30.0, "Coffee"),
        ("A", "R4", "2024-02-02 12:00", -6.0, "Coffee"),  # refund order
        ("B", "5", "2024-01-20 10:00", 8.0, "Tea"),
        ("C", "6", "2024-01-05 10:00", -3.0, "Tea"),  # refund only: not a customer here
        ("A", "7", "2024-02-20 10:00", 12.0, "Tea"),  # after the cutoff below
        ("B", "8", "2024-03-25 10:00", 9.0, "Tea"),  # after the horizon below
    ],
    extra=["category"],
)


def test_churn_features_by_hand():
    f = churn_features(TX, as_of="2024-02-10", recent_days=20)
    assert list(f.index) == ["A", "B"]
    a = f.loc["A"]
    assert a["recency_days"] == 10  # last purchase Jan 31, cutoff Feb 10
    assert a["frequency"] == 4  # purchase orders 1, 2, 3, 4
    assert a["monetary"] == pytest.approx(63.0)  # 69 of purchases minus the 6 refund
    assert a["avg_order_value"] == pytest.approx(69.0 / 4)
    assert a["tenure_days"] == 40
    # Distinct purchase days Jan 1, Jan 11, Jan 31: gaps 10 and 20.
    assert a["gap_mean_days"] == pytest.approx(15.0)
    assert a["gap_std_days"] == pytest.approx(5.0)
    assert a["overdue_ratio"] == pytest.approx(10 / 15)
    # Recent window: purchases on or after Jan 21 -> order 4 (30) of 69.
    assert a["recent_spend_share"] == pytest.approx(30.0 / 69.0)
    assert a["refund_share"] == pytest.approx(6.0 / 69.0)
    # Bought lines before the cutoff: 1 Tea, 4 Coffee (the refund line does not count).
    assert a["category: Coffee"] == pytest.approx(4 / 5)
    assert a["category: Tea"] == pytest.approx(1 / 5)
    b = f.loc["B"]
    assert (b["recency_days"], b["frequency"], b["tenure_days"]) == (21, 1, 21)
    assert np.isnan(b["gap_mean_days"]) and np.isnan(b["gap_std_days"])
    assert b["refund_share"] == 0.0


def test_churn_labels_by_hand():
    customers = pd.Index(["A", "B"], name="customer_id")
    y = churn_labels(TX, customers, start="2024-02-10", horizon_days=30)
    # A buys on Feb 20 (stays); B's next purchase (Mar 25) is after Mar 11 (churns).
    assert y.to_dict() == {"A": 0, "B": 1}
    y = churn_labels(TX, customers, start="2024-02-10", horizon_days=60)
    assert y.to_dict() == {"A": 0, "B": 0}


def test_evaluate_risk_by_hand():
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
    risk = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.4, 0.5, 0.05, 0.0])
    m = evaluate_risk(y, risk, top_share=0.2)
    # Pairs (churner, stayer): 3 x 7 = 21; churner 0.9 beats 7, 0.7 beats 6, 0.3 beats 4.
    assert m["auc"] == pytest.approx(17 / 21)
    assert m["precision_top"] == pytest.approx(0.5)  # top 2: 0.9 (churn), 0.8 (stay)
    assert m["base_rate"] == pytest.approx(0.3)
    assert m["lift"] == pytest.approx(0.5 / 0.3)
    constant = evaluate_risk(y, np.full(10, 0.3))
    assert constant["auc"] == pytest.approx(0.5)
    assert constant["precision_top"] == pytest.approx(0.3)  # ties: expected base rate


def test_calibration_table_by_hand():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.9, 0.8, 0.6, 0.3])
    t = calibration_table(y, p, bins=2)
    assert list(t["customers"]) == [3, 3]
    assert t["predicted"].tolist() == pytest.approx([0.2, 2.3 / 3])
    assert t["observed"].tolist() == pytest.approx([0.0, 1.0])


@pytest.fixture(scope="module")
def shop_tx() -> pd.DataFrame:
    raw = ingest.read_table(ROOT / "sample_data" / "online_shop_transactions.csv")
    return ingest.prepare_transactions(raw).data


@pytest.fixture(scope="module")
def shop_churn(shop_tx):
    return churn_model(shop_tx, horizon_days=90)


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


def test_value_and_risk_quadrants_and_action_list():
    value = pd.DataFrame({"clv": [100.0, 80.0, 10.0, 5.0]}, index=["A", "B", "C", "D"])
    scores = pd.DataFrame(
        {
            "churn_risk": [0.9, 0.2, 0.7, 0.1],
            "p_alive": [0.2, 0.9, 0.3, 0.95],
            "recency_days": [200.0, 5.0, 150.0, 3.0],
            "frequency": [9.0, 4.0, 1.0, 2.0],
            "monetary": [900.0, 300.0, 20.0, 15.0],
        },
        index=["D", "C", "B", "A"][::-1],
    )
    t = value_and_risk(value, scores, value_quantile=0.5, risk_threshold=0.5)
    assert t.attrs["value_threshold"] == pytest.approx(45.0)
    assert t["quadrant"].to_dict() == {
        "A": "Valuable, at risk",
        "B": "Valuable, likely to stay",
        "C": "Less valuable, at risk",
        "D": "Less valuable, likely to stay",
    }
    actions = action_list(t, horizon_days=60)
    assert actions["Customer"].tolist() == ["A"]
    assert "Risk of no purchase in 60 days" in actions.columns
    assert actions["Net revenue so far"].tolist() == [900.0]


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


def test_churn_features_do_not_depend_on_row_order():
    rng = np.random.default_rng(5)
    n = 4000
    order = rng.integers(0, 1500, n)
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{o % 250}" for o in order], dtype="str"),
            "order_id": pd.Series([f"o{o}" for o in order], dtype="str"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(order % 180, unit="D"),
            "amount": rng.integers(-3, 5, n) / 10,  # tenths that cancel: 0.3 - 0.1 - 0.2
            # equally common categories: the top five must not depend on the row order
            "category": pd.Series([f"k{i % 7}" for i in range(n)], dtype="str"),
        }
    )
    base = churn_features(tx).sort_index()
    assert any(c.startswith("category: ") for c in base.columns)
    for seed in range(3):
        got = churn_features(tx.sample(frac=1, random_state=seed)).sort_index()
        pd.testing.assert_frame_equal(got, base)


def test_permutation_auc_drop_equals_sklearns_permutation_importance():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    from analysis.churn.metrics import _auc, permutation_auc_drop

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1200, 6))
    X[:, 3] = np.round(X[:, 3])  # ties
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values
    y = (X[:, 0] + np.nan_to_num(X[:, 3]) + rng.normal(size=1200) > 0).astype(int)
    test_X, test_y = X[800:], y[800:]
    # one OpenMP thread, as churn_model runs it: threads waiting on a busy machine are slow
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X[:800], y[:800])
        ref = permutation_importance(
            model, test_X, test_y, scoring="roc_auc", n_repeats=3, random_state=4
        )
        mean, std = permutation_auc_drop(model, test_X, test_y, n_repeats=3, random_state=4)
    np.testing.assert_allclose(mean, ref.importances_mean, atol=1e-12)
    np.testing.assert_allclose(std, ref.importances_std, atol=1e-12)
    assert mean[0] > 0.05 and abs(mean[5]) < 0.02  # informative vs noise column
    score = np.round(model.decision_function(test_X), 1)  # with ties
    assert _auc(test_y, score) == pytest.approx(roc_auc_score(test_y, score), abs=1e-12)


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

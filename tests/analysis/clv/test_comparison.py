"""Tests of analysis.clv.comparison: every model scored on the holdout."""

import numpy as np
import pandas as pd
import pytest

from analysis.clv import (
    calibration_holdout,
    compare_models,
    describe_model_comparison,
)
from tests.analysis.clv._data import make_dated_tx as make_tx

# --- model comparison ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_comparison(cdnow_tx):
    return compare_models(cdnow_tx, calibration_end="1997-10-01", holdout_end="1998-07-01")


def test_model_comparison_on_cdnow(cdnow_comparison, cdnow_tx):
    r = cdnow_comparison
    table = r.table
    assert set(table["key"]) == {"bgnbd", "mbgnbd", "pnbd"}
    assert r.best == table.loc[table["mae"].idxmin(), "key"]
    assert table["best"].sum() == 1 and table.loc[0, "best"]
    # The same holdout counts and BG/NBD predictions as calibration_holdout.
    h = calibration_holdout(
        cdnow_tx, calibration_end="1997-10-01", holdout_end="1998-07-01", time_unit="W"
    )
    assert (table["actual_total"] == h.actual_total).all()
    bg = table.set_index("key").loc["bgnbd"]
    assert bg["predicted_total"] == pytest.approx(h.predicted_total, rel=1e-9)
    assert bg["mae"] == pytest.approx(h.mae, rel=1e-9)
    assert bg["log_likelihood"] == pytest.approx(-9582.43, abs=0.05)
    pn = table.set_index("key").loc["pnbd"]
    assert pn["log_likelihood"] == pytest.approx(-9595.0, abs=0.05)
    assert pn["bic"] == pytest.approx(4 * np.log(2357) + 2 * 9594.98, abs=0.1)
    # Errors from the per-customer table, by hand.
    c = r.customers
    for key in table["key"]:
        err = c[f"predicted_{key}"] - c["frequency_holdout"]
        row = table.set_index("key").loc[key]
        assert row["mae"] == pytest.approx(err.abs().mean(), rel=1e-12)
        assert row["total_error"] == pytest.approx(err.sum(), rel=1e-9)
    # All three under-predict CDNOW's holdout a little (published: about 10-15%).
    assert (table["total_error_pct"].between(-0.2, 0.0)).all()
    assert list(r.by_frequency.columns) == ["frequency_cal", "customers", "actual", *table["key"]]
    # The weekly tracking: actual cumulative purchases end at the holdout total, and BG/NBD's
    # curve is calibration_holdout's.
    assert r.tracking["actual"].iloc[-1] == h.actual_total
    np.testing.assert_allclose(r.tracking["bgnbd"], h.tracking["predicted"], rtol=1e-9)
    for key in table["key"]:
        assert r.tracking[key].iloc[-1] == pytest.approx(
            table.set_index("key").loc[key, "predicted_total"]
        )
        assert (np.diff(r.tracking[key]) >= 0).all()
    assert r.by_frequency["customers"].sum() == 2357
    words = describe_model_comparison(r)
    assert any("1,882" in w for w in words)
    best_name = table.loc[0, "model"]
    assert any(w.startswith(best_name) and "best" in w for w in words)
    assert any("BG/BB was not fitted" in w for w in words)


def test_model_comparison_from_a_holdout_frame_and_with_a_sample(cdnow_comparison, cdnow_tx):
    frame = cdnow_comparison.customers[
        ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    ]
    again = compare_models(frame, models=("mbgnbd",))
    assert again.table.loc[0, "mae"] == pytest.approx(
        cdnow_comparison.table.set_index("key").loc["mbgnbd", "mae"], rel=1e-9
    )
    sampled = compare_models(
        cdnow_tx,
        calibration_end="1997-10-01",
        holdout_end="1998-07-01",
        models=("bgnbd",),
        max_customers=500,
    )
    assert sampled.table.loc[0, "customers_fitted"] == 500
    assert len(sampled.customers) == 2357
    assert any("random sample of 500" in w for w in describe_model_comparison(sampled))
    with pytest.raises(ValueError, match="Unknown models"):
        compare_models(frame, models=("nope",))


def test_model_comparison_includes_bgbb_on_discrete_data(bgbb):
    # Simulate yearly drives (1 March) from the donation estimates: 2,000 supporters first
    # giving in 2015, nine later drives; calibration to 2020 (5 opportunities), holdout 4.
    rng = np.random.default_rng(3)
    size = 2000
    b = bgbb.params_
    pp = rng.beta(b["alpha"], b["beta"], size)
    theta = rng.beta(b["gamma"], b["delta"], size)
    alive = np.ones(size, dtype=bool)
    rows = [(f"c{i}", "2015-03-01", 10.0) for i in range(size)]
    for year in range(2016, 2025):
        alive &= rng.random(size) >= theta
        buy = np.flatnonzero(alive & (rng.random(size) < pp))
        rows.extend((f"c{i}", f"{year}-03-01", 10.0) for i in buy)
    tx = make_tx(rows)
    # Pareto/NBD is left out for speed: on these degenerate (one date a year) data its fit runs
    # to the edge of the parameter box, where each likelihood needs quadrature (seconds).
    r = compare_models(
        tx,
        calibration_end="2021-01-01",
        holdout_end="2025-01-01",
        time_unit="W",
        models=("bgnbd", "mbgnbd", "bgbb"),
    )
    assert r.discrete_period == "Y"
    assert "bgbb" in set(r.table["key"])
    row = r.table.set_index("key").loc["bgbb"]
    assert not row["bic_comparable"]
    # Fitted on its own simulated world, BG/BB predicts the holdout total closely.
    assert abs(row["total_error_pct"]) < 0.1
    assert r.best in set(r.table["key"])
    words = describe_model_comparison(r)
    assert any(w.startswith("BG/BB") for w in words)


def test_model_comparison_in_calendar_weeks(cdnow_tx, cdnow_comparison):
    r = compare_models(
        cdnow_tx,
        calibration_end="1997-10-01",
        holdout_end="1998-07-01",
        time_unit="CW",
        models=("bgnbd", "mbgnbd"),
    )
    # Holdout purchases counted once per customer and calendar week: at most the daily count.
    daily = cdnow_comparison.customers["frequency_holdout"]
    weekly = r.customers["frequency_holdout"]
    assert (weekly <= daily).all() and weekly.sum() < daily.sum()
    assert r.customers["duration_holdout"].iloc[0] == 39  # weeks of 29 Sep 1997 to 29 Jun 1998
    assert r.table["mae"].notna().all()


def test_model_comparison_settles_a_tie_by_bic():
    # Customers who never leave (pure NBD): BG/NBD and MBG/NBD both fit "no drop-out" and
    # predict the holdout alike, so their errors tie and the lower BIC decides.
    rng = np.random.default_rng(11)
    size = 3000
    lam = rng.gamma(0.7, 1 / 5.0, size)
    T = rng.integers(20, 40, size).astype(float)
    x = rng.poisson(lam * T)
    tx = np.where(x > 0, T * rng.random(size) ** (1 / np.maximum(x, 1)), 0.0)
    frame = pd.DataFrame(
        {
            "frequency_cal": x,
            "recency_cal": tx,
            "T_cal": T,
            "frequency_holdout": rng.poisson(lam * 30.0),
            "duration_holdout": 30.0,
        }
    )
    r = compare_models(frame, models=("mbgnbd", "bgnbd"))
    table = r.table.set_index("key")
    assert table["mae"].max() <= table["mae"].min() * 1.001
    assert r.best == table["bic"].idxmin()
    assert any("equally well" in w for w in describe_model_comparison(r))


def test_model_comparison_on_few_customers_says_it_is_rough(cdnow_tx):
    few = cdnow_tx[cdnow_tx["customer_id"].isin(cdnow_tx["customer_id"].unique()[:40])]
    r = compare_models(few, calibration_end="1997-10-01", holdout_end="1998-07-01")
    assert r.best is not None
    assert any("comparison is rough" in w for w in describe_model_comparison(r))
    big = compare_models(
        cdnow_tx, calibration_end="1997-10-01", holdout_end="1998-07-01", models=("bgnbd",)
    )
    assert not any("rough" in w for w in describe_model_comparison(big))

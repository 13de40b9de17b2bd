"""Tests of analysis.clv._base: what every count model shares (checks, weights, penalty, save/load, budgets)."""

import json

import numpy as np
import pandas as pd
import pytest

from analysis.clv import (
    DAYS_PER_MONTH,
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    NotFittedError,
    ParetoNBDModel,
    load_model,
)
from tests.analysis.clv._data import one, with_params

# --- P(X(t) = n) ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pnbd", "mbg"])
def test_probability_of_n_purchases_is_a_distribution_with_the_right_mean(kind, pnbd, mbg):
    model = {"pnbd": pnbd, "mbg": mbg}[kind]
    for t in (1.0, 39.0, 200.0):
        n = np.arange(0, 3000)
        pmf = model.probability_of_n_purchases(t, n)
        assert (pmf >= 0).all()
        assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * pmf).sum() == pytest.approx(model.expected_purchases(t), rel=1e-6)
    assert model.probability_of_n_purchases(0.0, 0) == pytest.approx(1.0)
    assert isinstance(model.probability_of_n_purchases(10.0, 2), float)


def test_probability_of_n_purchases_agrees_with_simulation(pnbd, mbg, bgbb):
    rng = np.random.default_rng(7)
    size = 200_000
    t = 39.0
    # Pareto/NBD: Poisson purchases at rate lambda until an exponential lifetime.
    p = pnbd.params_
    lam = rng.gamma(p["r"], 1 / p["alpha"], size)
    mu = rng.gamma(p["s"], 1 / p["beta"], size)
    tau = rng.exponential(1 / mu)
    sim_pnbd = rng.poisson(lam * np.minimum(t, tau))
    # MBG/NBD: gone at time 0 with probability p, else after each purchase with probability p.
    q = mbg.params_
    lam = rng.gamma(q["r"], 1 / q["alpha"], size)
    drop = rng.beta(q["a"], q["b"], size)
    before_death = rng.geometric(drop)  # purchases up to and including the last one
    sim_mbg = np.where(rng.random(size) < drop, 0, np.minimum(rng.poisson(lam * t), before_death))
    # BG/BB: 6 opportunities, buy with probability p while alive, leave before each with theta.
    b = bgbb.params_
    pp = rng.beta(b["alpha"], b["beta"], size)
    theta = rng.beta(b["gamma"], b["delta"], size)
    alive = np.ones(size, dtype=bool)
    sim_bgbb = np.zeros(size, dtype=np.int64)
    for _ in range(6):
        alive &= rng.random(size) >= theta
        sim_bgbb += alive & (rng.random(size) < pp)
    for model, sim, horizon in ((pnbd, sim_pnbd, t), (mbg, sim_mbg, t), (bgbb, sim_bgbb, 6)):
        n = np.arange(5)
        freq = np.array([(sim == k).mean() for k in n])
        pmf = model.probability_of_n_purchases(horizon, n)
        se = np.sqrt(pmf * (1 - pmf) / size)
        assert (np.abs(freq - pmf) < 4.5 * se + 1e-4).all(), (type(model).__name__, freq, pmf)
        assert sim.mean() == pytest.approx(model.expected_purchases(horizon), rel=0.03)


# --- safety and input checks -----------------------------------------------------------------

EXTREME = one(
    [0, 0, 1, 500, 5000, 3, 40],
    [0.0, 0.0, 1e-9, 10.0, 3000.0, 3.0, 0.5],
    [0.0, 1e4, 1e-9, 5000.0, 3000.0, 3.0, 1e5],
)


@pytest.mark.parametrize("kind", ["pnbd", "mbg"])
def test_predictions_raise_no_floating_point_errors(kind, pnbd, mbg):
    model = {"pnbd": pnbd, "mbg": mbg}[kind]
    old = np.seterr(all="raise")
    try:
        for params in (None, (0.01, 1e-3, 50.0, 1e-3), (500.0, 1e4, 0.02, 2000.0)):
            if params is not None:
                model = with_params(
                    type(model), **dict(zip(type(model)._names, params, strict=True))
                )
            pa = model.probability_alive(EXTREME)
            assert np.isfinite(pa).all() and ((pa >= 0) & (pa <= 1)).all()
            for t in (0.0, 1.0, 52.0, 1e5):
                e = model.conditional_expected_purchases(t, EXTREME)
                assert np.isfinite(e).all() and (e >= 0).all()
                assert np.isfinite(model.expected_purchases(t))
            pmf = model.probability_of_n_purchases(52.0, [0, 1, 10, 1000])
            assert np.isfinite(pmf).all()
    finally:
        np.seterr(**old)


def test_fits_raise_no_floating_point_errors(cdnow_summary, donations):
    old = np.seterr(all="raise")
    try:
        small = cdnow_summary.iloc[:400]
        assert ParetoNBDModel(max_iter=50).fit(small).params_["r"] > 0
        assert ModifiedBetaGeoModel().fit(small).params_["r"] > 0
        assert BetaGeoBetaBinomModel().fit(donations).params_["alpha"] > 0
    finally:
        np.seterr(**old)


@pytest.mark.parametrize("cls", [ParetoNBDModel, ModifiedBetaGeoModel, BetaGeoBetaBinomModel])
def test_unfitted_models_refuse_to_predict(cls):
    model = cls()
    summary = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0], "periods": [2]})
    with pytest.raises(NotFittedError, match="not fitted"):
        model.probability_alive(summary)
    with pytest.raises(ValueError):
        model.expected_purchases(2)
    with pytest.raises(RuntimeError):
        model.save("unused.json")
    with pytest.raises(ValueError, match="penalizer"):
        cls(penalizer=-1)


def test_inputs_are_checked(pnbd):
    bad = one([1.5, 2], [1.0, 2.0], [3.0, 3.0]).set_axis(["anna", "bo"])
    with pytest.raises(ValueError, match="whole numbers.*'anna'"):
        ParetoNBDModel().fit(bad)
    with pytest.raises(ValueError, match="whole numbers"):
        ModifiedBetaGeoModel().fit(bad)
    with pytest.raises(ValueError, match="recency"):
        ParetoNBDModel().fit(one([1], [5.0], [3.0]))
    with pytest.raises(ValueError, match="missing"):
        ModifiedBetaGeoModel().fit(pd.DataFrame({"frequency": [1]}))
    with pytest.raises(ValueError, match="whole numbers"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [1.5], "recency": [2], "periods": [3]})
        )
    with pytest.raises(ValueError, match="frequency <= recency <= periods"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [2], "recency": [4], "periods": [3]})
        )
    with pytest.raises(ValueError, match="weights"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [1], "recency": [1], "periods": [3], "weights": [0]})
        )
    with pytest.raises(ValueError, match="horizon"):
        pnbd.expected_purchases(-1.0)
    with pytest.raises(ValueError, match="whole numbers"):
        pnbd.probability_of_n_purchases(3.0, 1.5)


@pytest.mark.parametrize("cls", [ParetoNBDModel, ModifiedBetaGeoModel])
def test_weights_and_penalizer(cls, cdnow_summary):
    summary = cdnow_summary[["frequency", "recency", "T"]].iloc[:600]
    plain = cls().fit(summary)
    patterns = summary.groupby(["frequency", "recency", "T"]).size().rename("weights")
    weighted = cls().fit(patterns.reset_index())
    for name, value in plain.params_.items():
        assert weighted.params_[name] == pytest.approx(value, rel=1e-4)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-9)
    # lifetimes' penalizer: a larger coefficient shrinks the parameters and costs likelihood.
    light = cls(penalizer=0.001).fit(summary)
    heavy = cls(penalizer=0.01).fit(summary)
    assert sum(heavy.params_.values()) < sum(light.params_.values()) < sum(plain.params_.values())
    assert heavy.log_likelihood_ < light.log_likelihood_ < plain.log_likelihood_


# --- save and load ---------------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path, pnbd, mbg, bgbb, cdnow_summary, donations):
    for model, data, t in (
        (pnbd, cdnow_summary, 52.0),
        (mbg, cdnow_summary, 52.0),
        (bgbb, donations, 5),
    ):
        path = tmp_path / f"{type(model).__name__}.json"
        model.save(path)
        payload = json.loads(path.read_text())
        assert payload["model"] == type(model).__name__
        assert payload["time_unit"] == model.time_unit_
        assert path.stat().st_size < 2_000
        loaded = type(model).load(path)
        assert loaded.params_ == model.params_
        assert loaded.log_likelihood_ == model.log_likelihood_
        pd.testing.assert_series_equal(
            loaded.conditional_expected_purchases(t, data),
            model.conditional_expected_purchases(t, data),
        )
    with pytest.raises(ValueError, match="not a ParetoNBDModel"):
        ParetoNBDModel.load(tmp_path / "BetaGeoBetaBinomModel.json")
    bg = BetaGeoModel().fit(cdnow_summary)
    from analysis.clv import save_model

    save_model(bg, tmp_path / "bg.json")
    again = load_model(tmp_path / "bg.json")
    np.testing.assert_allclose(
        again.expected_purchases(39.0, cdnow_summary), bg.expected_purchases(39.0, cdnow_summary)
    )
    (tmp_path / "bad.json").write_text('{"format": "customer-focus/clv-model", "model": "X"}')
    with pytest.raises(ValueError, match="unknown model"):
        load_model(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("not json")
    with pytest.raises(ValueError, match="Cannot read"):
        load_model(tmp_path / "junk.json")
    tampered = json.loads((tmp_path / "ParetoNBDModel.json").read_text())
    tampered["params"]["r"] = -1
    (tmp_path / "neg.json").write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match="> 0"):
        load_model(tmp_path / "neg.json")


def test_standard_errors_and_drop_in_forecasts(pnbd, mbg, bgbb, cdnow_summary, tmp_path):
    from analysis.clv import (
        GammaGammaModel,
        customer_lifetime_value,
        forecast_totals,
        probability_alive_grid,
    )

    for model in (pnbd, mbg, bgbb):
        table = model.parameter_table()
        assert list(table["parameter"]) == list(model._names)
        assert (table["standard_error"] > 0).all()
        assert (table["lower_95"] < table["estimate"]).all()
        assert (table["estimate"] < table["upper_95"]).all()
        draws = model.sample_params(50, np.random.default_rng(0))
        assert draws.shape == (50, 4) and np.isfinite(draws).all()
        model.save(tmp_path / "m.json")
        pd.testing.assert_frame_equal(
            type(model).load(tmp_path / "m.json").parameter_table(), table
        )
    # Pareto/NBD's r is the best determined; its beta the least (FHL 2005 report the same).
    se = pnbd.standard_errors_
    assert se["r"] / pnbd.params_["r"] < se["beta"] / pnbd.params_["beta"]
    # The continuous models work wherever BetaGeoModel does: forecasts with intervals, lifetime
    # value, the P(alive) grid; on CDNOW their 12-month totals are within 10% of BG/NBD's.
    gg = GammaGammaModel().fit(cdnow_summary)
    bg = BetaGeoModel().fit(cdnow_summary)
    reference = forecast_totals(bg, gg, cdnow_summary, time_unit="W", n_draws=20)
    for model in (pnbd, mbg):
        fc = forecast_totals(model, gg, cdnow_summary, time_unit="W", n_draws=20)
        assert (fc["purchases_low"] <= fc["expected_purchases"]).all()
        assert (fc["expected_purchases"] <= fc["purchases_high"]).all()
        ratio = fc["expected_purchases"] / reference["expected_purchases"]
        assert ratio.between(0.9, 1.1).all()
        # Undiscounted, the monthly increments add up to the 12-month expectation times spend.
        clv = customer_lifetime_value(
            model, gg, cdnow_summary, months=12, monthly_discount_rate=0.0, time_unit="W"
        )
        twelve = model.expected_purchases(12 * DAYS_PER_MONTH / 7, cdnow_summary)
        np.testing.assert_allclose(clv, twelve * gg.expected_spend(cdnow_summary), rtol=1e-9)
        grid = probability_alive_grid(model, cdnow_summary)
        assert grid["p_alive"].between(0, 1).all()


def test_fits_stop_at_their_time_budget(cdnow_summary):
    m = ParetoNBDModel(max_seconds=1e-6).fit(cdnow_summary)
    assert not m.converged_
    assert any("stopped after" in w for w in m.warnings_)
    assert all(np.isfinite(v) and v > 0 for v in m.params_.values())
    assert m.parameter_table()["standard_error"].isna().all()
    assert np.isfinite(m.expected_purchases(10.0, cdnow_summary)).all()
    with pytest.raises(ValueError, match="max_seconds"):
        ModifiedBetaGeoModel(max_seconds=0)


def test_every_model_has_one_shape(cdnow_summary):
    """Settings in __init__, fit returns self, fitted attributes end in _, NotFittedError."""
    x, tx, T = (cdnow_summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    for cls in (BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel, ParetoNBDModel):
        model = cls(max_iter=50)
        assert model.max_iter == 50 and not hasattr(model, "params_")
        with pytest.raises(NotFittedError, match="not fitted"):
            model.parameter_table()
        if cls is not GammaGammaModel:
            with pytest.raises(NotFittedError):
                model.expectations([1.0], x, tx, T)
        assert model.fit(cdnow_summary) is model
        assert set(model.params_) == set(model._names) and model.log_likelihood_ < 0
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_spend(cdnow_summary)


def test_summaries_of_the_wrong_shape_raise_not_enough_data():
    from analysis.core.errors import NotEnoughData

    with pytest.raises(NotEnoughData, match="missing"):
        ParetoNBDModel().fit(pd.DataFrame({"frequency": [1]}))
    with pytest.raises(NotEnoughData, match="recency"):
        BetaGeoModel().fit(one([1], [5.0], [3.0]))
    with pytest.raises(NotEnoughData, match="whole numbers.*'anna'"):
        ParetoNBDModel().fit(one([1.5], [1.0], [3.0]).set_axis(["anna"]))
    with pytest.raises(NotEnoughData, match="missing"):
        BetaGeoBetaBinomModel().fit(pd.DataFrame({"frequency": [1]}))
    with pytest.raises(NotEnoughData, match="finite"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [1.0], "recency": [np.nan], "periods": [3]})
        )
    with pytest.raises(NotEnoughData, match="frequency <= recency <= periods"):
        BetaGeoBetaBinomModel().fit(
            pd.DataFrame({"frequency": [2], "recency": [4], "periods": [3]})
        )


# --- the same fit is made once; the covariance only when asked for ---------------------------


def test_a_second_fit_on_the_same_customers_reuses_the_first(cdnow_summary, monkeypatch):
    from collections import OrderedDict

    from analysis.clv import _base

    monkeypatch.setattr(_base, "_FITS", OrderedDict())
    runs = []
    minimise, fit_log_params = _base.minimise, _base.fit_log_params

    def counted(real):
        def run(*args, **kwargs):
            runs.append(real.__name__)
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(_base, "minimise", counted(minimise))
    monkeypatch.setattr("analysis.clv.beta_geo.fit_log_params", counted(fit_log_params))
    first = ParetoNBDModel().fit(cdnow_summary)
    assert runs == ["minimise"]
    # The same customers in another order, other limits that did not stop the first fit:
    # the optimiser is not run again and every number is the same.
    shuffled = cdnow_summary.sample(frac=1.0, random_state=1)
    again = ParetoNBDModel(max_iter=300, max_seconds=20).fit(shuffled)
    assert runs == ["minimise"]
    assert again.params_ == first.params_
    assert again.log_likelihood_ == first.log_likelihood_
    np.testing.assert_array_equal(again.log_covariance_, first.log_covariance_)
    # An iteration limit that would have stopped it, other data or another model: fitted anew.
    short = ParetoNBDModel(max_iter=3).fit(cdnow_summary)
    assert runs == ["minimise"] * 2 and not short.converged_
    ParetoNBDModel().fit(cdnow_summary.iloc[:1000])
    ModifiedBetaGeoModel().fit(cdnow_summary)
    assert runs == ["minimise"] * 4
    bg = BetaGeoModel().fit(cdnow_summary)
    assert BetaGeoModel().fit(cdnow_summary).params_ == bg.params_
    assert runs.count("fit_log_params") == 1
    # The penalized model is another model.
    ParetoNBDModel(penalizer=0.01).fit(cdnow_summary)
    assert runs.count("minimise") == 5


def test_the_covariance_is_computed_when_first_asked_for(cdnow_summary):
    model = ParetoNBDModel().fit(cdnow_summary.iloc[:500])
    assert "_covariance" not in vars(model)  # a comparison of fits never pays for it
    table = model.parameter_table()
    assert "_covariance" in vars(model)
    assert np.isfinite(model.log_covariance_).all()
    se = np.array(list(model.standard_errors_.values()))
    np.testing.assert_array_equal(table["standard_error"].to_numpy(), se)

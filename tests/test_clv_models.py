"""Pareto/NBD, modified BG/NBD and BG/BB: published results, lifetimes' formulas, simulation,
safety under ``np.seterr(all="raise")``, save/load, time units and the model comparison."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import betaln, gammaln, hyp2f1

from analysis.clv import (
    DAYS_PER_MONTH,
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    ModifiedBetaGeoModel,
    NotFittedError,
    ParetoNBDModel,
    calibration_holdout,
    clv_summary,
    compare_models,
    describe_model_comparison,
    detect_discrete_period,
    discrete_summary,
    load_model,
)
from analysis.clv.pareto_nbd import _log_terms

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    raw = pd.read_csv(
        DATA / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
    )
    return pd.DataFrame(
        {
            "customer_id": raw["master_id"].astype(str),
            "order_id": np.arange(len(raw)).astype(str),
            "order_date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "amount": raw["dollars"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_tx) -> pd.DataFrame:
    # The published calibration period: 1997-01-01 to 1997-09-30, in weeks.
    return clv_summary(cdnow_tx, as_of="1997-10-01", time_unit="W")


@pytest.fixture(scope="module")
def pnbd(cdnow_summary) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow_summary)


@pytest.fixture(scope="module")
def mbg(cdnow_summary) -> ModifiedBetaGeoModel:
    return ModifiedBetaGeoModel().fit(cdnow_summary)


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return pd.read_csv(DATA / "donations.csv")


@pytest.fixture(scope="module")
def bgbb(donations) -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(donations)


def one(x, tx, T) -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": np.atleast_1d(x), "recency": np.atleast_1d(tx), "T": np.atleast_1d(T)}
    ).astype({"recency": float, "T": float})


def with_params(cls, **params):
    model = cls()
    model.params_ = {n: float(params[n]) for n in cls._names}
    return model


# --- published results ---------------------------------------------------------------------


def test_pareto_nbd_reproduces_published_cdnow_estimates(pnbd):
    # Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 281: r 0.55, alpha 10.58,
    # s 0.61, beta 11.67, LL -9595.0. Each to half a unit of its last published digit.
    p = pnbd.params_
    assert p["r"] == pytest.approx(0.55, abs=0.005)
    assert p["alpha"] == pytest.approx(10.58, abs=0.005)
    assert p["s"] == pytest.approx(0.61, abs=0.005)
    assert p["beta"] == pytest.approx(11.67, abs=0.005)
    assert pnbd.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    assert pnbd.converged_
    # lifetimes' test of its ParetoNBDFitter on the same summary: 0.553, 10.578, 0.606, 11.669.
    for name, value in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert p[name] == pytest.approx(value, abs=0.0005)
    assert pnbd.n_customers_ == 2357
    assert pnbd.time_unit_ == "W"


def test_modified_bgnbd_reproduces_published_cdnow_estimates(mbg):
    # BTYDplus (Platzer) and lifetimes report r 0.525, alpha 6.183, a 0.891, b 1.614.
    p = mbg.params_
    for name, value in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert p[name] == pytest.approx(value, abs=0.0005)
    assert mbg.converged_
    # MBG/NBD nests a little more than BG/NBD here: its likelihood is at least as high.
    assert mbg.log_likelihood_ > -9582.43


def test_bgbb_reproduces_published_donation_estimates(bgbb, donations):
    # Fader, Hardie & Shang (2010), Marketing Science 29(6): alpha 1.204, beta 0.750,
    # gamma 0.657, delta 2.783, LL -33,225.6.
    p = bgbb.params_
    for name, value in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert p[name] == pytest.approx(value, abs=0.0005)
    assert bgbb.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert bgbb.n_customers_ == 11104
    # FHS 2010, table 6: P(alive in 2002) for 0 repeats, 2 repeats last in 1999, 6 repeats.
    pa = bgbb.probability_alive(donations)
    pick = {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}
    for (x, tx), value in pick.items():
        row = (donations["frequency"] == x) & (donations["recency"] == tx)
        assert pa[row].iloc[0] == pytest.approx(value, abs=0.005)
    # Hardie's BG/BB spreadsheet: 12,884.2 expected donations in 2002-2006 by the cohort, and
    # 3,454.9 and 1,253.1 supporters expected with 0 and 6 repeat donations in 1996-2001.
    expected = bgbb.conditional_expected_purchases(5, donations) * donations["weights"]
    assert expected.sum() == pytest.approx(12884.2, abs=0.05)
    counts = 11104 * bgbb.probability_of_n_purchases(6, [0, 6])
    np.testing.assert_allclose(counts, [3454.9, 1253.1], atol=0.05)


def test_bgbb_fits_the_same_on_patterns_and_on_customers(bgbb, donations):
    rows = donations.loc[donations.index.repeat(donations["weights"])].drop(columns="weights")
    expanded = BetaGeoBetaBinomModel().fit(rows.reset_index(drop=True))
    for name, value in bgbb.params_.items():
        assert expanded.params_[name] == pytest.approx(value, rel=1e-6)
    assert expanded.log_likelihood_ == pytest.approx(bgbb.log_likelihood_, rel=1e-9)


# --- predictions against lifetimes' and R BTYD's formulas -----------------------------------

BTYD_PARAMS = {"r": 0.5534, "alpha": 10.5802, "s": 0.6061, "beta": 11.6562}


def test_pareto_nbd_predictions_match_r_btyd():
    m = with_params(ParetoNBDModel, **BTYD_PARAMS)
    # BTYD walkthrough (page 8): customer 1516 (x 26, t_x 30.86, T 31): P(alive) 0.9979 and
    # 25.46 expected purchases in the next 52 weeks.
    c = one(26, 30.86, 31.0)
    assert m.probability_alive(c).iloc[0] == pytest.approx(0.9979, abs=5e-5)
    # 25.4549 with the parameters as printed (4 digits): within 0.01, as in lifetimes' test.
    assert m.conditional_expected_purchases(52, c).iloc[0] == pytest.approx(25.46, abs=0.01)
    # E[X(t)] of a new customer: lifetimes' expected_number_of_purchases_up_to_time (FH 2005,
    # eq. 27), and its limit r beta / alpha * ln(1 + t / beta) when s = 1.
    r, alpha, s, beta = BTYD_PARAMS.values()
    t = np.array([0.0, 1.0, 39.0, 78.0, 520.0])
    textbook = r * beta / alpha / (s - 1) * (1 - (beta / (beta + t)) ** (s - 1))
    np.testing.assert_allclose(m.expected_purchases(t), textbook, rtol=1e-12)
    m1 = with_params(ParetoNBDModel, r=r, alpha=alpha, s=1.0, beta=beta)
    np.testing.assert_allclose(m1.expected_purchases(t), r * beta / alpha * np.log1p(t / beta))


def _lifetimes_pnbd_log_a0(params, x, tx, T):
    """lifetimes' ParetoNBDFitter._log_A_0 (FH 2005 eq. 19-20), the untransformed 2F1."""
    r, alpha, s, beta = params
    if alpha < beta:
        lo, hi, t = alpha, beta, r + x
    else:
        lo, hi, t = beta, alpha, s + 1
    rsf = r + s + x
    p1 = hyp2f1(rsf, t, rsf + 1.0, (hi - lo) / (hi + tx))
    p2 = hyp2f1(rsf, t, rsf + 1.0, (hi - lo) / (hi + T))
    return np.log(p1 / (hi + tx) ** rsf - p2 / (hi + T) ** rsf)


@pytest.mark.parametrize(
    "params",
    [(0.55, 10.58, 0.61, 11.67), (0.55, 11.67, 0.61, 10.58), (2.0, 3.0, 1.5, 3.0)],
)
def test_pareto_nbd_likelihood_equals_the_textbook_and_the_integral(params):
    r, alpha, s, beta = params
    x = np.array([0.0, 1.0, 3.0, 12.0])
    tx = np.array([0.0, 5.0, 20.0, 30.5])
    T = np.array([10.0, 30.0, 38.0, 38.9])
    log_const, alive, left = _log_terms(params, x, tx, T)
    with np.errstate(divide="ignore"):
        expected_left = np.log(s / (r + s + x)) + _lifetimes_pnbd_log_a0(params, x, tx, T)
    np.testing.assert_allclose(left, expected_left, rtol=1e-9)
    # The likelihood from its definition: alive through T, or left at tau in (t_x, T).
    for k in range(len(x)):

        def dens(u, k=k):
            return (
                s * beta**s * (beta + u) ** -(s + 1) * (alpha + u) ** -(r + x[k])
            )  # * Gamma(r+x) alpha^r / Gamma(r)

        integral = integrate.quad(dens, tx[k], T[k], epsrel=1e-12)[0]
        direct = np.exp(gammaln(r + x[k]) - gammaln(r) + r * np.log(alpha)) * (
            (alpha + T[k]) ** -(r + x[k]) * (beta / (beta + T[k])) ** s + integral
        )
        ours = np.exp(log_const[k] + np.logaddexp(alive[k], left[k]))
        assert ours == pytest.approx(direct, rel=1e-8)


def test_pareto_nbd_stays_finite_where_lifetimes_overflowed():
    # lifetimes' overflow and underflow regression cases.
    m = with_params(ParetoNBDModel, r=10.465, alpha=7.98565181e-03, s=3.0516, beta=2.820)
    pa = m.probability_alive(one([40, 50, 50], [5.0, 1.0, 4.0], [6.0, 37.0, 37.0]))
    assert np.isfinite(pa).all() and ((pa >= 0) & (pa <= 1)).all()
    m = with_params(ParetoNBDModel, r=0.55, alpha=10.58, s=0.61, beta=11.67)
    e = m.conditional_expected_purchases(10, one([132, 133], [200.0, 200.0], [200.0, 200.0]))
    np.testing.assert_allclose(e, [6.2060517889632418, 6.2528722475748113], rtol=1e-9)


def test_modified_bgnbd_predictions_match_lifetimes_formulas(mbg):
    r, alpha, a, b = (mbg.params_[n] for n in ("r", "alpha", "a", "b"))
    x = np.array([0.0, 1.0, 2.0, 5.0, 10.0])
    tx = np.array([0.0, 10.0, 30.43, 20.0, 35.0])
    T = np.array([38.86, 30.0, 38.86, 38.0, 38.86])
    t = 39.0
    # lifetimes ModifiedBetaGeoFitter: P(alive), conditional and unconditional expectations.
    p_alive = 1 / (1 + a / (b + x) * ((alpha + T) / (alpha + tx)) ** (r + x))
    hyp = hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t))
    cond = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x))
    cond = cond * p_alive
    summary = one(x, tx, T)
    np.testing.assert_allclose(mbg.probability_alive(summary), p_alive, rtol=1e-12)
    np.testing.assert_allclose(mbg.conditional_expected_purchases(t, summary), cond, rtol=1e-9)
    times = np.array([0.1429, 1.0, 3.0, 31.8571, 78.0])
    new = (
        b
        / (a - 1)
        * (1 - hyp2f1(r, b + 1, a + b, times / (alpha + times)) * (alpha / (alpha + times)) ** r)
    )
    np.testing.assert_allclose(mbg.expected_purchases(times), new, rtol=1e-9)
    # A customer with no repeat purchase may be gone under MBG/NBD (unlike BG/NBD).
    assert mbg.probability_alive(one(0, 0.0, 1.0)).iloc[0] < 1


def test_modified_bgnbd_likelihood_by_hand(mbg, cdnow_summary):
    r, alpha, a, b = (mbg.params_[n] for n in ("r", "alpha", "a", "b"))
    x, tx, T = 3.0, 20.0, 35.0
    # Batislam, Denizel & Filiztekin (2007): alive or gone right after the last purchase.
    direct = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)) * (
        np.exp(betaln(a, b + x + 1)) * (alpha + T) ** -(r + x)
        + np.exp(betaln(a + 1, b + x)) * (alpha + tx) ** -(r + x)
    )
    assert np.exp(mbg.log_likelihood(one(x, tx, T)).iloc[0]) == pytest.approx(direct, rel=1e-12)
    assert mbg.log_likelihood(cdnow_summary).sum() == pytest.approx(mbg.log_likelihood_, rel=1e-12)


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


def test_bgbb_probability_of_n_purchases_is_a_distribution(bgbb):
    pmf = bgbb.probability_of_n_purchases(6, np.arange(0, 9))
    assert pmf[7:].sum() == 0
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert (np.arange(9) * pmf).sum() == pytest.approx(bgbb.expected_purchases(6), rel=1e-12)


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


def test_bgbb_predictions_raise_no_floating_point_errors(bgbb, donations):
    old = np.seterr(all="raise")
    try:
        for params in (None, (1e-4, 1e4, 1e-4, 1e4), (1e4, 1e-4, 1e4, 1e-4)):
            model = (
                bgbb
                if params is None
                else with_params(
                    BetaGeoBetaBinomModel,
                    **dict(zip(BetaGeoBetaBinomModel._names, params, strict=True)),
                )
            )
            pa = model.probability_alive(donations)
            assert np.isfinite(pa).all() and ((pa >= 0) & (pa <= 1)).all()
            e = model.conditional_expected_purchases(500, donations)
            assert np.isfinite(e).all() and (e >= 0).all()
            assert np.isfinite(model.probability_of_n_purchases(50, [0, 10, 50])).all()
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


def test_bgbb_penalizer_shrinks(donations, bgbb):
    heavy = BetaGeoBetaBinomModel(penalizer=0.1).fit(donations)
    assert sum(heavy.params_.values()) < sum(bgbb.params_.values())
    assert heavy.log_likelihood_ < bgbb.log_likelihood_


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


# --- time units and the discrete summary -----------------------------------------------------


def make_tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_id=lambda d: np.arange(len(d)).astype(str),
        order_date=lambda d: pd.to_datetime(d["order_date"]),
    )


WEEKLY = make_tx(
    [
        # A: Mon 1 Jan and Sun 7 Jan 2024 are one calendar week (one purchase worth 15), then
        # Mon 8 Jan (next week) and Wed 24 Jan.
        ("A", "2024-01-01", 10.0),
        ("A", "2024-01-07", 5.0),
        ("A", "2024-01-08", 4.0),
        ("A", "2024-01-24", 6.0),
        # B: Sun 14 Jan only.
        ("B", "2024-01-14", 3.0),
    ]
)


def test_calendar_weeks_count_one_purchase_per_week():
    s = clv_summary(WEEKLY, as_of="2024-02-01", time_unit="CW")  # last day Wed 31 Jan: week 5
    a = s.loc["A"]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 3.0, 4.0)
    assert a["monetary_value"] == pytest.approx((4.0 + 6.0) / 2)
    b = s.loc["B"]
    assert (b["frequency"], b["recency"], b["T"]) == (0, 0.0, 3.0)  # weeks of 8, 15, 22, 29 Jan
    assert s.attrs["time_unit"] == "CW"
    days = clv_summary(WEEKLY, as_of="2024-02-01")
    assert days.loc["A", "frequency"] == 3  # by day, 7 Jan is a purchase of its own


def test_month_unit_is_days_over_the_mean_month():
    days = clv_summary(WEEKLY, as_of="2024-02-01")
    months = clv_summary(WEEKLY, as_of="2024-02-01", time_unit="M")
    np.testing.assert_allclose(months["T"], days["T"] / DAYS_PER_MONTH)
    np.testing.assert_allclose(months["recency"], days["recency"] / DAYS_PER_MONTH)


ANNUAL = make_tx(
    [
        # One drive a year, on 1 March. A: first gift 2020, again 2021 and 2023 (twice in 2023,
        # one transaction); B: 2021 only; C: 2022 and a refund-only day in 2023.
        ("A", "2020-03-01", 50.0),
        ("A", "2021-03-01", 20.0),
        ("A", "2023-03-01", 10.0),
        ("A", "2023-03-01", 15.0),
        ("B", "2021-03-01", 30.0),
        ("C", "2022-03-01", 40.0),
        ("C", "2023-03-01", -5.0),
    ]
)


def test_discrete_summary_by_hand():
    s = discrete_summary(ANNUAL, period="Y", as_of="2024-01-01")  # opportunities up to 2023
    assert list(s.index) == ["A", "B", "C"]
    assert s.loc["A"].tolist() == [2, 3, 3]
    assert s.loc["B"].tolist() == [0, 0, 2]
    assert s.loc["C"].tolist() == [0, 0, 1]
    assert (s.dtypes == np.int64).all()
    agg = discrete_summary(ANNUAL, period="Y", as_of="2024-01-01", aggregate=True)
    assert agg["weights"].sum() == 3
    assert list(agg.columns) == ["frequency", "recency", "periods", "weights"]
    assert detect_discrete_period(ANNUAL) == "Y"
    assert detect_discrete_period(WEEKLY) is None
    with pytest.raises(ValueError, match="period"):
        discrete_summary(ANNUAL, period="D")


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


def test_model_comparison_on_few_customers_says_it_is_rough(cdnow_tx):
    few = cdnow_tx[cdnow_tx["customer_id"].isin(cdnow_tx["customer_id"].unique()[:40])]
    r = compare_models(few, calibration_end="1997-10-01", holdout_end="1998-07-01")
    assert r.best is not None
    assert any("comparison is rough" in w for w in describe_model_comparison(r))
    big = compare_models(
        cdnow_tx, calibration_end="1997-10-01", holdout_end="1998-07-01", models=("bgnbd",)
    )
    assert not any("rough" in w for w in describe_model_comparison(big))


def test_fits_stop_at_their_time_budget(cdnow_summary):
    m = ParetoNBDModel(max_seconds=1e-6).fit(cdnow_summary)
    assert not m.converged_
    assert any("stopped after" in w for w in m.warnings_)
    assert all(np.isfinite(v) and v > 0 for v in m.params_.values())
    assert m.parameter_table()["standard_error"].isna().all()
    assert np.isfinite(m.expected_purchases(10.0, cdnow_summary)).all()
    with pytest.raises(ValueError, match="max_seconds"):
        ModifiedBetaGeoModel(max_seconds=0)

"""Tests of analysis.clv.beta_geo: BG/NBD against the published CDNOW results, safe predictions."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from analysis.clv import (
    BetaGeoModel,
    GammaGammaModel,
    forecast_totals,
)

# --- published CDNOW results ---------------------------------------------------------------


def test_bgnbd_reproduces_published_cdnow_parameters(cdnow_bg):
    p = cdnow_bg.params_
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
    # The MLE of r is 0.24259: rounding to 0.243 alone is 1.7e-3 relative, so r is compared
    # with half a unit of its last published digit (0.0005) instead of rel=1e-3.
    assert p["r"] == pytest.approx(0.243, abs=0.0005)
    assert p["alpha"] == pytest.approx(4.414, rel=1e-3)
    assert p["a"] == pytest.approx(0.793, rel=1e-3)
    assert p["b"] == pytest.approx(2.426, rel=1e-3)
    assert cdnow_bg.log_likelihood_ == pytest.approx(-9582.4, rel=1e-3)
    assert cdnow_bg.log_likelihood_ == pytest.approx(-9582.43, abs=0.05)
    assert cdnow_bg.converged_


def test_bgnbd_matches_the_lifetimes_reference_mle(cdnow_bg):
    # lifetimes 0.11.3 BetaGeoFitter on the same summary (a tighter, unrounded cross-check).
    expected = {"r": 0.242594, "alpha": 4.413603, "a": 0.792922, "b": 2.425906}
    for name, value in expected.items():
        assert cdnow_bg.params_[name] == pytest.approx(value, rel=2e-5)


def test_bgnbd_standard_errors(cdnow_bg):
    se = cdnow_bg.standard_errors_
    # Finite, positive and small relative to the estimates on 2,357 customers.
    for name, value in cdnow_bg.params_.items():
        assert 0 < se[name] < value
    assert se["r"] == pytest.approx(0.0126, rel=0.02)
    table = cdnow_bg.parameter_table()
    assert list(table["parameter"]) == ["r", "alpha", "a", "b"]
    assert (table["lower_95"] < table["estimate"]).all()
    assert (table["estimate"] < table["upper_95"]).all()


# --- predictions ---------------------------------------------------------------------------


def test_predictions_match_lifetimes_reference_values(cdnow_bg, cdnow_summary):
    sub = cdnow_summary.loc[["4", "21", "50", "1760"]]
    np.testing.assert_allclose(
        cdnow_bg.expected_purchases(39, sub),
        [1.22599446, 0.20341885, 0.19479363, 20.05524927],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        cdnow_bg.probability_alive(sub), [0.72662031, 0.21239104, 1.0, 0.96922127], rtol=1e-6
    )
    np.testing.assert_allclose(
        cdnow_bg.expected_purchases_new(np.array([1.0, 39.0, 78.0])),
        [0.05318429, 1.19501004, 1.85795839],
        rtol=1e-6,
    )


def _raw_conditional_expectation(params, t, x, tx, T):
    """FHL (2005) eq. 10 written directly, without the Euler transform (moderate inputs only)."""
    r, alpha, a, b = params
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1)
    num *= 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x)
    return num / den


def test_euler_transformed_expectation_equals_the_textbook_formula(cdnow_bg):
    params = [cdnow_bg.params_[k] for k in ("r", "alpha", "a", "b")]
    s = pd.DataFrame(
        {
            "frequency": [0, 1, 3, 8],
            "recency": [0.0, 5.0, 20.0, 30.0],
            "T": [10.0, 30.0, 38.0, 39.0],
        }
    )
    for t in (1.0, 10.0, 52.0):
        ours = cdnow_bg.expected_purchases(t, s).to_numpy()
        raw = [_raw_conditional_expectation(params, t, *row) for row in s.to_numpy()]
        np.testing.assert_allclose(ours, raw, rtol=1e-9)


def test_probability_alive_by_hand(cdnow_bg):
    r, alpha, a, b = (cdnow_bg.params_[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T = 3, 20.0, 38.0
    by_hand = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
    s = pd.DataFrame({"frequency": [x], "recency": [tx], "T": [T]})
    assert cdnow_bg.probability_alive(s).iloc[0] == pytest.approx(by_hand, rel=1e-12)
    # No purchase in t: dead, or alive with no Poisson event under the Gamma(r+x, alpha+T) rate.
    t = 13.0
    none = 1 - by_hand + by_hand * ((alpha + T) / (alpha + T + t)) ** (r + x)
    assert cdnow_bg.probability_no_purchase(t, s).iloc[0] == pytest.approx(none, rel=1e-12)


def test_predictions_are_ordered_sensibly(cdnow_bg):
    # Same frequency and age: the more recent buyer is expected to buy more and is more alive.
    recent = pd.DataFrame({"frequency": [3, 3, 3], "recency": [5.0, 20.0, 35.0], "T": [38.0] * 3})
    e = cdnow_bg.expected_purchases(26, recent).to_numpy()
    pa = cdnow_bg.probability_alive(recent).to_numpy()
    assert e[0] < e[1] < e[2]
    assert pa[0] < pa[1] < pa[2]
    # Same recency and age: the more frequent buyer is expected to buy more.
    frequent = pd.DataFrame({"frequency": [1, 3, 10], "recency": [35.0] * 3, "T": [38.0] * 3})
    e = cdnow_bg.expected_purchases(26, frequent).to_numpy()
    assert e[0] < e[1] < e[2]
    # Longer horizons mean more purchases; nothing is expected in no time.
    one = frequent.iloc[[1]]
    values = [cdnow_bg.expected_purchases(t, one).iloc[0] for t in (0, 1, 10, 100, 1000)]
    assert values[0] == 0.0
    assert all(u < v for u, v in zip(values, values[1:], strict=False))


@pytest.mark.parametrize(
    "params",
    [
        {"r": 0.243, "alpha": 30.9, "a": 0.793, "b": 2.426},  # CDNOW in days
        {"r": 5.0, "alpha": 2.0, "a": 3.0, "b": 0.1},  # c - a - b integer: SciPy's NaN case
        {"r": 2.0, "alpha": 1.0, "a": 1.0, "b": 1.0},  # a = 1: the closed form's 0/0
        {"r": 0.1, "alpha": 100.0, "a": 0.1, "b": 50.0},
    ],
)
def test_predictions_are_finite_for_large_frequencies_and_long_horizons(params):
    bg = BetaGeoModel()
    bg.params_ = params
    s = pd.DataFrame(
        {
            "frequency": [500, 500, 500, 0, 1, 10_000],
            "recency": [9_999.0, 5_000.0, 10.0, 0.0, 10_000.0, 10_000.0],
            "T": [10_000.0] * 6,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        for t in (0.0, 1.0, 365.0, 10_000.0, 1e6, 1e9):
            e = bg.expected_purchases(t, s).to_numpy()
            assert np.isfinite(e).all() and (e >= 0).all()
        pa = bg.probability_alive(s).to_numpy()
        pn = bg.probability_no_purchase(365.0, s).to_numpy()
        new = bg.expected_purchases_new(np.array([0.0, 1.0, 1e4, 1e8]))
    assert np.isfinite(pa).all() and ((pa >= 0) & (pa <= 1)).all()
    assert np.isfinite(pn).all() and ((pn >= 0) & (pn <= 1)).all()
    assert np.isfinite(new).all() and new[0] == 0 and (np.diff(new) > 0).all()
    # 500 purchases spread over the whole period: a very active customer, ~0.05 a day.
    assert 10 < bg.expected_purchases(365.0, s).iloc[0] < 30


# (r, a, b, x, s = t / (alpha + T), E[Y(t) | alive]) where SciPy's hyp2f1 returns NaN; the
# reference values are the closed form evaluated with mpmath at 40 significant digits.
MPMATH_REFERENCE = [
    (
        514.0139183153171,
        249.22310085279028,
        0.9068674458834922,
        1,
        8016865.354194665,
        1.0076820708440606,
    ),
    (
        5.0720686304564016,
        2.731421584245484,
        844.5348790934988,
        3,
        10688.975440966617,
        490.2812986957789,
    ),
    (
        0.35918906300589154,
        3.6494594184586475,
        7139.000708966908,
        0,
        26234.726409887266,
        1454.5226025914556,
    ),
    (
        12.70873942349768,
        0.00529200956788808,
        4742.689349108805,
        0,
        3310.2828360967046,
        41718.901015813564,
    ),
    (
        19.925537691222075,
        144.2065647417853,
        135.51145956369015,
        124,
        271.5296476908094,
        2.8121477882778163,
    ),
]


@pytest.mark.parametrize(("r", "a", "b", "x", "s", "expected"), MPMATH_REFERENCE)
def test_expectation_where_scipy_hyp2f1_fails(r, a, b, x, s, expected):
    bg = BetaGeoModel()
    bg.params_ = {"r": r, "alpha": 1.0, "a": a, "b": b}
    one = pd.DataFrame({"frequency": [x], "recency": [0.0], "T": [0.0]})
    p_alive = bg.probability_alive(one).iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = bg.expected_purchases(s, one).iloc[0]
    assert value / p_alive == pytest.approx(expected, rel=1e-8)


def test_quadrature_fallback_agrees_with_the_closed_form(cdnow_bg):
    from analysis.clv.beta_geo import _given_alive_by_quadrature

    params = [cdnow_bg.params_[k] for k in ("r", "alpha", "a", "b")]
    x = np.array([0.0, 1.0, 5.0, 20.0, 0.0])
    T = np.array([38.0, 30.0, 39.0, 39.0, 1.0])
    s = pd.DataFrame({"frequency": x, "recency": np.where(x > 0, T, 0.0), "T": T})
    for t in (1.0, 52.0, 5200.0):
        closed = cdnow_bg.expected_purchases(t, s) / cdnow_bg.probability_alive(s)
        np.testing.assert_allclose(_given_alive_by_quadrature(params, t, x, T), closed, rtol=1e-7)


def test_fit_handles_a_large_frequency_customer():
    s = pd.DataFrame(
        {
            "frequency": [0, 0, 1, 2, 5, 500],
            "recency": [0.0, 0.0, 100.0, 300.0, 900.0, 9_990.0],
            "T": [400.0, 2_000.0, 1_000.0, 1_500.0, 1_000.0, 10_000.0],
        }
    )
    bg = BetaGeoModel().fit(s)
    assert np.isfinite(bg.log_likelihood_)
    assert all(np.isfinite(v) and v > 0 for v in bg.params_.values())


def test_model_needs_fitting_and_valid_input():
    with pytest.raises(RuntimeError, match="not fitted"):
        BetaGeoModel().probability_alive(
            pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]})
        )
    with pytest.raises(ValueError, match="recency"):
        BetaGeoModel().fit(pd.DataFrame({"frequency": [1], "recency": [3.0], "T": [2.0]}))


def test_fit_rejects_frequencies_that_are_not_whole_numbers():
    s = pd.DataFrame(
        {"frequency": [0.0, 1.5, 2.0], "recency": [0.0, 3.0, 4.0], "T": [5.0, 6.0, 7.0]}
    )
    with pytest.raises(ValueError, match="whole number"):
        BetaGeoModel().fit(s)
    s2 = s.assign(monetary_value=[0.0, 10.0, 12.0], frequency=[0.0, 1.5, 2.0])
    with pytest.raises(ValueError, match="whole number"):
        GammaGammaModel().fit(s2)


@pytest.mark.parametrize(
    "params",
    [
        {"r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.426},  # CDNOW in weeks
        {"r": 5.0, "alpha": 2.0, "a": 3.0, "b": 0.1},
        {"r": 2.0, "alpha": 1.0, "a": 1.0, "b": 1.0},
        {"r": 1e4, "alpha": 1e10, "a": 1e-6, "b": 1e4},  # the edges of the parameter box
        {"r": 1e-6, "alpha": 1e-6, "a": 1e4, "b": 1e-6},
    ],
)
def test_predictions_raise_no_floating_point_errors(params):
    bg = BetaGeoModel()
    bg.params_ = params
    s = pd.DataFrame(
        {
            "frequency": [0, 1, 500, 10_000, 3],
            "recency": [0.0, 1e-9, 9_999.0, 10_000.0, 5.0],
            "T": [0.0, 10_000.0, 10_000.0, 10_000.0, 5.0],
        }
    )
    with np.errstate(all="raise"):
        pa = bg.probability_alive(s).to_numpy()
        pn = bg.probability_no_purchase(52.0, s).to_numpy()
        e = [bg.expected_purchases(t, s).to_numpy() for t in (0.0, 1.0, 52.0, 1e6)]
    assert ((pa >= 0) & (pa <= 1)).all() and ((pn >= 0) & (pn <= 1)).all()
    assert all(np.isfinite(v).all() and (v >= 0).all() for v in e)


def _adaptive_beta_expectation(a, beta, m, s):
    """Reference: E[(1 - (1 + p s)^-m) / p], p ~ Beta(a, beta), by SciPy's adaptive quad over
    v = log p (no singularity at p = 0 for small a), with the value at p = 1 taken out."""
    from scipy import integrate
    from scipy.special import betaln

    log_beta = betaln(a, beta)
    h_one = -np.expm1(-m * np.log1p(s))

    def integrand(v):
        p = np.exp(v)
        h = m * s if p * s * m < 1e-12 else -np.expm1(-m * np.log1p(p * s)) / p
        return (h - h_one) * np.exp(a * v + (beta - 1) * np.log1p(-p) - log_beta)

    mode = np.log(a / (a + beta - 1)) if a + beta > 1 else -1.0
    points = sorted({min(-np.log(m * s), -1e-3), min(mode, -1e-3), -1e-6})
    edges = [-np.inf, *points, 0.0]
    total = h_one
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi > lo:
            total += integrate.quad(integrand, lo, hi, epsabs=0.0, epsrel=1e-10, limit=200)[0]
    return total


def test_vectorised_quadrature_matches_adaptive_quadrature():
    from analysis.clv.beta_geo import _given_alive_by_quadrature

    rng = np.random.default_rng(4)
    for _ in range(16):
        r, a, b = np.exp(rng.uniform(np.log(1e-3), np.log(1e3), 3))
        alpha, t = np.exp(rng.uniform(-2, 6)), np.exp(rng.uniform(-2, 8))
        x, T = float(rng.integers(0, 200)), float(rng.uniform(0, 500))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = _adaptive_beta_expectation(a, b + x, r + x, t / (alpha + T))
        got = _given_alive_by_quadrature((r, alpha, a, b), t, np.array([x]), np.array([T]))[0]
        assert got == pytest.approx(ref, rel=1e-8)


def test_fits_and_draws_stop_at_their_bounds_and_say_so(cdnow_summary, cdnow_gg):
    stopped = BetaGeoModel(max_iter=2).fit(cdnow_summary)
    assert not stopped.converged_
    assert any("did not converge" in w and "2 steps" in w for w in stopped.warnings_)
    timed = BetaGeoModel(max_seconds=0.0).fit(cdnow_summary)
    assert not timed.converged_ and any("time limit" in w for w in timed.warnings_)
    fitted = BetaGeoModel().fit(cdnow_summary)
    fc = forecast_totals(fitted, cdnow_gg, cdnow_summary, time_unit="W", max_seconds=0.0)
    assert fc.attrs["draws"] == 0 and fc["purchases_low"].isna().all()
    assert np.isfinite(fc["expected_purchases"]).all()


# --- P(X(t) = n) ---------------------------------------------------------------------------

CDNOW_WEEKS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005, weeks


def _lifetimes_p_n(t, n, r, alpha, a, b):
    """lifetimes' BetaGeoFitter.probability_of_n_purchases_up_to_time (FHL 2005, eq. 8),
    transcribed term by term: Gamma functions and a finite sum."""
    from scipy.special import beta, gamma

    first = (
        beta(a, b + n)
        / beta(a, b)
        * gamma(r + n)
        / gamma(r)
        / gamma(n + 1)
        * (alpha / (alpha + t)) ** r
        * (t / (alpha + t)) ** n
    )
    if n == 0:
        return first
    j = np.arange(0, n)
    finite_sum = (gamma(r + j) / gamma(r) / gamma(j + 1) * (t / (alpha + t)) ** j).sum()
    return first + beta(a + 1, b + n - 1) / beta(a, b) * (
        1 - (alpha / (alpha + t)) ** r * finite_sum
    )


def test_probability_of_n_purchases_matches_the_lifetimes_formula_on_cdnow_parameters():
    bg = BetaGeoModel()
    bg.params_ = dict(CDNOW_WEEKS)
    for t in (1.0, 39.0, 78.0, 520.0):
        ours = bg.probability_of_n_purchases(t, np.arange(15))
        ref = [_lifetimes_p_n(t, n, **CDNOW_WEEKS) for n in range(15)]
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)
        # a distribution whose mean is E[X(t)] (eq. 9, by the hypergeometric closed form)
        many = bg.probability_of_n_purchases(t, np.arange(50_000))
        assert many.sum() == pytest.approx(1.0, abs=1e-12)
        assert (np.arange(50_000) * many).sum() == pytest.approx(
            bg.expected_purchases_new(t), rel=1e-10
        )
    assert bg.probability_of_n_purchases(0.0, 0) == 1.0
    assert bg.probability_of_n_purchases(0.0, 3) == 0.0
    assert isinstance(bg.probability_of_n_purchases(39.0, 2), float)
    with pytest.raises(ValueError, match="whole"):
        bg.probability_of_n_purchases(39.0, 1.5)
    with pytest.raises(ValueError, match="horizon"):
        bg.probability_of_n_purchases(-1.0, 1)


def test_probability_of_n_purchases_matches_a_simulation():
    """Independent check: simulate the BG/NBD story for 400,000 customers (exponential gaps at
    a Gamma rate, drop-out with a Beta probability after each purchase)."""
    p = CDNOW_WEEKS
    rng = np.random.default_rng(11)
    n, t = 400_000, 39.0
    lam = rng.gamma(p["r"], 1 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n)
    clock = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    for _ in range(400):
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        clock[idx] += rng.exponential(1 / lam[idx])
        bought = clock[idx] <= t
        count[idx[bought]] += 1
        active[idx[~bought]] = False
        gone = bought & (rng.random(len(idx)) < drop[idx])
        active[idx[gone]] = False
    assert not active.any()
    simulated = np.bincount(count, minlength=10)[:10] / n
    bg = BetaGeoModel()
    bg.params_ = dict(p)
    model = bg.probability_of_n_purchases(t, np.arange(10))
    se = np.sqrt(model * (1 - model) / n)
    assert (np.abs(simulated - model) < 4 * se + 1e-6).all()


def test_second_closed_form_where_the_euler_form_fails(monkeypatch):
    """A drop-out probability that hardly varies (large a and b, as a fit on shops where nobody
    leaves gives): the Euler form's series fails, the untransformed one is used instead, agrees
    with the quadrature and needs none."""
    from analysis.clv.beta_geo import _given_alive_by_quadrature

    params = (0.6492, 4.7187, 1557.28, 1e4)
    rng = np.random.default_rng(8)
    x = rng.integers(0, 48, 2000).astype(float)
    T = rng.uniform(0, 150, 2000)
    reference = {t: _given_alive_by_quadrature(params, t, x, T) for t in (10.0, 52.0, 520.0)}
    calls = []
    monkeypatch.setattr(
        "analysis.clv.beta_geo._given_alive_by_quadrature",
        lambda *a: calls.append(1) or a[2] * np.nan,
    )
    for t, ref in reference.items():
        got = BetaGeoModel._given_alive(params, t, x, T, distinct=True)
        np.testing.assert_allclose(got, ref, rtol=1e-8)
    assert not calls

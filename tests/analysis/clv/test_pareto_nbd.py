"""Tests of analysis.clv.pareto_nbd: published CDNOW estimates, R BTYD predictions, the likelihood."""

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln, hyp2f1

from analysis.clv import (
    ParetoNBDModel,
)
from analysis.clv.pareto_nbd import _log_terms
from tests.analysis.clv._data import one, with_params

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


# --- shared work gives the same bits ----------------------------------------------------------


def test_likelihood_on_distinct_pairs_and_blocked_series_are_bit_for_bit_the_same():
    from analysis.clv.pareto_nbd import _log_f1_series, _Pairs

    rng = np.random.default_rng(5)
    n = 3000
    x = np.floor(rng.exponential(3, n))
    T = np.round(rng.uniform(0, 100, n))
    tx = np.where(x > 0, np.round(T * rng.uniform(0, 1, n)), 0.0)
    for params in ([0.5, 3, 0.7, 12], [1e4, 4e4, 1e-5, 4e5], [0.2, 80, 2, 1]):
        with np.errstate(all="ignore"):
            plain = _log_terms(np.array(params), x, tx, T)
            shared = _log_terms(np.array(params), x, tx, T, _Pairs(x, tx, T))
        for a, b in zip(plain, shared, strict=True):
            np.testing.assert_array_equal(a, b)
    # The series summed in blocks equals the sum term by term, to the last bit.
    b = np.exp(rng.uniform(-5, 8, n))
    c = b + np.exp(rng.uniform(-3, 9, n)) + 1
    z = rng.uniform(0, 1, n) ** 0.2
    term, total, expected = np.ones(n), np.ones(n), np.full(n, np.nan)
    todo = np.ones(n, dtype=bool)
    for k in range(200):
        ratio = (b + k) / (c + k) * z
        term = np.where(todo, term * ratio, term)
        total = np.where(todo, total + term, total)
        q = np.maximum((b + k + 1) / (c + k + 1) * z, z)
        done = todo & (term * q < 1e-17 * (1 - q) * total)
        expected[done] = np.log(total[done])
        todo &= ~done
    got = _log_f1_series(b, c, z)
    assert np.isnan(got).sum() == np.isnan(expected).sum() > 0
    np.testing.assert_array_equal(got, expected)

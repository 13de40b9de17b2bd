"""Tests of analysis.clv.modified_beta_geo: published CDNOW estimates and lifetimes formulas."""

import numpy as np
import pytest
from scipy.special import betaln, gammaln, hyp2f1

from tests.analysis.clv._data import one


def test_modified_bgnbd_reproduces_published_cdnow_estimates(mbg):
    # BTYDplus (Platzer) and lifetimes report r 0.525, alpha 6.183, a 0.891, b 1.614.
    p = mbg.params_
    for name, value in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert p[name] == pytest.approx(value, abs=0.0005)
    assert mbg.converged_
    # MBG/NBD nests a little more than BG/NBD here: its likelihood is at least as high.
    assert mbg.log_likelihood_ > -9582.43


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

"""Tests of analysis.clv.gamma_gamma: the published CDNOW spend model, shrinkage, warnings."""

import numpy as np
import pandas as pd
import pytest

from analysis.clv import (
    GammaGammaModel,
)


def test_gamma_gamma_reproduces_published_cdnow_parameters(cdnow_gg):
    p = cdnow_gg.params_
    # Fader & Hardie (2013): p = 6.25, q = 3.74, v = 15.44 on the 946 repeat buyers. The MLE of
    # q is 3.7442: rounding alone is 1.2e-3 relative, so q is compared with abs=0.005.
    assert cdnow_gg.n_customers_ == 946
    assert p["p"] == pytest.approx(6.25, rel=1e-3)
    assert p["q"] == pytest.approx(3.74, abs=0.005)
    assert p["v"] == pytest.approx(15.44, rel=1e-3)
    # lifetimes 0.11.3 GammaGammaFitter, unrounded.
    assert p["p"] == pytest.approx(6.249572, rel=2e-5)
    assert p["q"] == pytest.approx(3.744225, rel=2e-5)
    assert p["v"] == pytest.approx(15.443521, rel=2e-5)
    assert abs(cdnow_gg.frequency_spend_correlation_) < 0.3
    assert cdnow_gg.warnings_ == []


# --- Gamma-Gamma and value -----------------------------------------------------------------


def test_expected_spend_shrinks_towards_the_population_mean(cdnow_gg, cdnow_summary):
    p, q, v = (cdnow_gg.params_[k] for k in ("p", "q", "v"))
    population = p * v / (q - 1)
    s = pd.DataFrame({"frequency": [0, 1, 10], "monetary_value": [0.0, 100.0, 100.0]})
    spend = cdnow_gg.expected_spend(s).to_numpy()
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0
    assert spend[1] == pytest.approx(p * (v + 100.0) / (p + q - 1))


def test_gamma_gamma_warns_when_spend_depends_on_frequency():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 20, 400)
    s = pd.DataFrame({"frequency": x, "monetary_value": 5.0 * x + rng.gamma(2.0, 2.0, 400)})
    with pytest.warns(UserWarning, match="correlated"):
        gg = GammaGammaModel().fit(s)
    assert gg.frequency_spend_correlation_ > 0.3
    assert gg.warnings_


def test_expected_spend_draws_equal_expected_spend_under_each_draw(cdnow_gg, cdnow_summary):
    draws = cdnow_gg.sample_params(20, np.random.default_rng(3))
    together = cdnow_gg.expected_spend_draws(cdnow_summary, draws)
    assert together.shape == (20, len(cdnow_summary))
    for row, params in zip(together, draws, strict=True):
        np.testing.assert_array_equal(row, cdnow_gg.expected_spend(cdnow_summary, params=params))

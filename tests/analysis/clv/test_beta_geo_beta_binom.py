"""Tests of analysis.clv.beta_geo_beta_binom: BG/BB on the published donations data, the discrete summary."""

import numpy as np
import pytest

from analysis.clv import (
    BetaGeoBetaBinomModel,
    detect_discrete_period,
    discrete_summary,
)
from tests.analysis.clv._data import WEEKLY, with_params
from tests.analysis.clv._data import make_dated_tx as make_tx


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


def test_bgbb_probability_of_n_purchases_is_a_distribution(bgbb):
    pmf = bgbb.probability_of_n_purchases(6, np.arange(0, 9))
    assert pmf[7:].sum() == 0
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert (np.arange(9) * pmf).sum() == pytest.approx(bgbb.expected_purchases(6), rel=1e-12)


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


def test_bgbb_penalizer_shrinks(donations, bgbb):
    heavy = BetaGeoBetaBinomModel(penalizer=0.1).fit(donations)
    assert sum(heavy.params_.values()) < sum(bgbb.params_.values())
    assert heavy.log_likelihood_ < bgbb.log_likelihood_


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

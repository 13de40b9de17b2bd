"""Tests of analysis.feedback.scores: every figure against a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import feedback as fb
from tests.analysis.feedback.samples import SAMPLE_A, SAMPLE_B

# The exact normal quantile of every 95% interval (1.95996..., not 1.96: analysis.core.stats.Z95).
Z95 = stats.norm.ppf(0.975)

# ---------------------------------------------------------------------------------------------
# NPS
# ---------------------------------------------------------------------------------------------


def test_nps_summary_hand_computed_adjusted_wald():
    s = fb.nps_summary(SAMPLE_A)
    assert (s.n, s.promoters, s.passives, s.detractors) == (20, 10, 5, 5)
    assert s.nps == pytest.approx(25.0)
    # Rocks (2016): add 3/4 to promoters and detractors, 3 to n.
    p_p, p_d = 10.75 / 23, 5.75 / 23
    se = math.sqrt((p_p + p_d - (p_p - p_d) ** 2) / 23)
    assert s.ci_low == pytest.approx(100 * (p_p - p_d - Z95 * se))
    assert s.ci_high == pytest.approx(100 * (p_p - p_d + Z95 * se))
    # The same numbers written out: centre 21.739, half-width 33.456.
    assert s.ci_low == pytest.approx(-11.7167, abs=1e-3)
    assert s.ci_high == pytest.approx(55.1950, abs=1e-3)
    assert s.share_promoters == 0.5 and s.share_detractors == 0.25


def test_nps_summary_n_equals_one_and_all_promoters():
    one = fb.nps_summary([10])
    # p_P = 1.75/4, p_D = 0.75/4: centre 25, se = sqrt(0.5625/4) = 0.375 -> 25 +- 73.499
    assert one.nps == 100.0
    assert (one.ci_low, one.ci_high) == pytest.approx((25 - 37.5 * Z95, 25 + 37.5 * Z95))
    allp = fb.nps_summary([9, 10] * 10)
    assert allp.nps == 100.0 and allp.detractors == 0
    p_p, p_d = 20.75 / 23, 0.75 / 23
    se = math.sqrt((p_p + p_d - (p_p - p_d) ** 2) / 23)
    assert allp.ci_low == pytest.approx(100 * (p_p - p_d - Z95 * se))
    assert allp.ci_high == 100.0  # clipped
    alld = fb.nps_summary([0] * 50)
    assert alld.nps == -100.0 and alld.ci_low == -100.0 and alld.ci_high < -80


@pytest.mark.parametrize("bad", [[11], [-1], [7.5], [3, 10, 12], ["abc"], [True, False]])
def test_invalid_scores_raise(bad):
    with pytest.raises(ValueError, match="0 to 10|whole"):
        fb.nps_summary(bad)


def test_empty_input_gives_a_clear_message():
    with pytest.raises(ValueError, match="no NPS scores"):
        fb.nps_summary([])
    with pytest.raises(ValueError, match="no NPS scores"):
        fb.nps_summary(pd.Series([np.nan, np.nan]))
    with pytest.raises(ValueError, match="no CSAT"):
        fb.csat_summary([])
    with pytest.raises(ValueError, match="no CES"):
        fb.ces_summary(pd.array([pd.NA], dtype="Int64"))
    with pytest.raises(ValueError, match="at least one"):
        fb.compare_nps([], [10])


def test_missing_scores_are_ignored_not_zero():
    s = fb.nps_summary(pd.array([10, pd.NA, 0], dtype="Int64"))
    assert s.n == 2 and s.nps == 0.0


def test_compare_nps_hand_computed_z_test():
    c = fb.compare_nps(SAMPLE_A, SAMPLE_B)
    assert c.difference == pytest.approx(50.0)
    # var = p_P + p_D - (p_P - p_D)^2: a: .5 + .25 - .0625; b: .25 + .5 - .0625 (both 0.6875)
    se = 100 * math.sqrt(0.6875 / 20 + 0.6875 / 20)
    assert se == pytest.approx(26.2202, abs=1e-4)
    z = 50 / se
    assert c.p_value == pytest.approx(2 * (1 - stats.norm.cdf(z)))
    assert c.p_value == pytest.approx(0.05653, abs=1e-5)
    assert (c.ci_low, c.ci_high) == pytest.approx((50 - Z95 * se, 50 + Z95 * se))
    assert not c.significant
    # Twice the data with the same shares: now beyond chance.
    c2 = fb.compare_nps(SAMPLE_A * 2, SAMPLE_B * 2)
    assert c2.p_value == pytest.approx(2 * stats.norm.sf(50 / (se / math.sqrt(2))))
    assert c2.significant
    # Symmetric, and identical samples give p = 1.
    assert fb.compare_nps(SAMPLE_B, SAMPLE_A).difference == pytest.approx(-50.0)
    assert fb.compare_nps(SAMPLE_A, SAMPLE_A).p_value == pytest.approx(1.0)
    # No variance in either sample: a real difference has p = 0, none has p = 1.
    assert fb.compare_nps([10] * 5, [0] * 5).p_value == 0.0
    assert fb.compare_nps([10] * 5, [9] * 7).p_value == 1.0


# ---------------------------------------------------------------------------------------------
# CSAT and CES
# ---------------------------------------------------------------------------------------------


def test_csat_wilson_hand_computed():
    s = fb.csat_summary([5] * 6 + [4] * 3 + [3, 2, 1])
    assert s.n == 12 and s.share == 0.75
    z = Z95
    centre = (0.75 + z**2 / 24) / (1 + z**2 / 12)
    half = z * math.sqrt(0.75 * 0.25 / 12 + z**2 / 576) / (1 + z**2 / 12)
    assert (s.ci_low, s.ci_high) == pytest.approx((centre - half, centre + half))
    assert (s.ci_low, s.ci_high) == pytest.approx((0.46769, 0.91106), abs=1e-4)
    ref = stats.binomtest(9, 12).proportion_ci(method="wilson")  # exact 1.95996...
    assert (s.ci_low, s.ci_high) == pytest.approx((ref.low, ref.high), abs=1e-4)
    assert list(s.counts) == [1, 1, 1, 3, 6] and list(s.counts.index) == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="1 to 5"):
        fb.csat_summary([0, 5])
    all_happy = fb.csat_summary([5, 5, 4])
    assert all_happy.share == 1.0 and all_happy.ci_high == 1.0 and all_happy.ci_low < 1.0


def test_ces_t_interval_hand_computed():
    s = fb.ces_summary(pd.array([7, 6, 5, 1, pd.NA], dtype="Int64"))
    assert s.n == 4 and s.mean == 4.75
    sd = math.sqrt((2.25**2 + 1.25**2 + 0.25**2 + 3.75**2) / 3)
    half = stats.t.ppf(0.975, 3) * sd / 2
    assert (s.ci_low, s.ci_high) == pytest.approx((4.75 - half, 4.75 + half))
    assert (s.ci_low, s.ci_high) == pytest.approx((0.56515, 8.93485), abs=1e-4)
    assert s.share_easy == 0.75
    assert list(s.counts) == [1, 0, 0, 0, 1, 1, 1]
    single = fb.ces_summary([6])
    assert single.mean == 6 and math.isnan(single.ci_low)
    with pytest.raises(ValueError, match="1 to 7"):
        fb.ces_summary([8])


def test_feedback_overview_and_attribute_columns():
    resp = pd.DataFrame(
        {
            "response_date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01"]),
            "score": [10, 7, 2],
            "customer_id": pd.array(["a", None, "c"], dtype="str"),
            "comment": pd.array(["great", "", "  "], dtype="str"),
            "csat": pd.array([5, pd.NA, 2], dtype="Int64"),
            "ces": pd.array([pd.NA, pd.NA, pd.NA], dtype="Int64"),
            "response_id": pd.array(["r1", "r2", "r3"], dtype="str"),
            "plan": pd.array(["x", "y", "x"], dtype="str"),
        }
    )
    o = fb.feedback_overview(resp)
    assert o.nps.n == 3 and o.nps.nps == 0.0
    assert o.csat.n == 2 and o.csat.share == 0.5
    assert o.ces is None  # a column with no answers
    assert o.n_comments == 1 and o.n_with_customer == 2
    assert o.score_counts["responses"].sum() == 3 and len(o.score_counts) == 11
    assert o.score_counts.set_index("score").loc[7, "category"] == "passive"
    assert o.first_date == pd.Timestamp("2024-01-01")
    assert fb.attribute_columns(resp) == ["plan"]  # response_id is one value per row
    assert "NPS is 0" in fb.nps_sentence(o.nps) and "few" in fb.nps_sentence(o.nps)

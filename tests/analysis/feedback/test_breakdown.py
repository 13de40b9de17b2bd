"""Tests of analysis.feedback.breakdown: NPS by group and over time, by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import feedback as fb
from tests.analysis.feedback.samples import SAMPLE_A, SAMPLE_B, frame


def test_nps_by_tests_each_group_against_the_rest():
    resp = frame({"Basic": SAMPLE_B, "Pro": SAMPLE_A})
    t = fb.nps_by(resp, "plan")
    assert list(t.index) == ["Pro", "Basic"]  # sorted by NPS, highest first
    assert t.index.name == "plan"
    pro = t.loc["Pro"]
    assert pro["n"] == 20 and pro["nps"] == pytest.approx(25.0)
    assert pro["ci_low"] == pytest.approx(fb.nps_summary(SAMPLE_A).ci_low)
    assert pro["share_promoters"] == 0.5 and pro["share_passives"] == 0.25
    assert pro["diff_vs_rest"] == pytest.approx(50.0)
    assert pro["p_value"] == pytest.approx(fb.compare_nps(SAMPLE_A, SAMPLE_B).p_value)
    assert not pro["significant"] and pro["small"]  # 20 < 30
    big = fb.nps_by(frame({"Basic": SAMPLE_B * 2, "Pro": SAMPLE_A * 2}), "plan")
    assert big["significant"].all() and not big["small"].any()


def test_nps_by_three_groups_and_missing_labels():
    resp = frame({"a": [10] * 40, "b": [10] * 20 + [0] * 20, "c": [0] * 40})
    resp.loc[resp.index[:5], "plan"] = None
    t = fb.nps_by(resp, "plan")
    assert "(not given)" in t.index and t.loc["(not given)", "n"] == 5
    assert t["n"].sum() == 120
    # "c" against a + b + (not given) together: -100 vs (75 - 20) / 80 -> 68.75 points.
    rest_p, rest_d = 60, 20
    rest_nps = 100 * (rest_p - rest_d) / 80
    assert t.loc["c", "diff_vs_rest"] == pytest.approx(-100 - rest_nps)
    assert t.loc["c", "significant"]
    with pytest.raises(ValueError, match="no column"):
        fb.nps_by(resp, "region")


def test_nps_trend_changes_and_p_values():
    jan = pd.DataFrame({"score": SAMPLE_A, "response_date": pd.Timestamp("2024-01-15")})
    feb = pd.DataFrame({"score": SAMPLE_B, "response_date": pd.Timestamp("2024-02-03 14:00")})
    apr = pd.DataFrame({"score": SAMPLE_A * 3, "response_date": pd.Timestamp("2024-04-30")})
    t = fb.nps_trend(pd.concat([jan, feb, apr], ignore_index=True), freq="M")
    assert list(t["label"]) == ["2024-01", "2024-02", "2024-04"]  # empty March skipped
    assert t.index[0] == pd.Timestamp("2024-01-01")
    assert list(t["nps"]) == pytest.approx([25.0, -25.0, 25.0])
    assert math.isnan(t["change"].iloc[0]) and not t["significant_change"].iloc[0]
    assert t["change"].iloc[1] == pytest.approx(-50.0)
    assert t["change_p_value"].iloc[1] == pytest.approx(fb.compare_nps(SAMPLE_B, SAMPLE_A).p_value)
    assert t["change_p_value"].iloc[2] == pytest.approx(
        fb.compare_nps(SAMPLE_A * 3, SAMPLE_B).p_value
    )
    assert t["significant_change"].iloc[2] and not t["significant_change"].iloc[1]
    assert list(t["small"]) == [True, True, False]
    q = fb.nps_trend(pd.concat([jan, feb, apr]), freq="Q")
    assert list(q["label"]) == ["2024-Q1", "2024-Q2"] and list(q["n"]) == [40, 60]
    w = fb.nps_trend(jan, freq="W")
    assert w.index[0] == pd.Timestamp("2024-01-15")  # a Monday
    with pytest.raises(ValueError, match="freq"):
        fb.nps_trend(jan, freq="fortnight")
    assert "2024-04" in fb.trend_sentence(t)

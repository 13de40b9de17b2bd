"""Tests of analysis.rfm.segments: per-segment, per-cell and per-score tables."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.rfm import (
    default_segment_rules,
    distribution_counts,
    rf_grid,
    rfm_table,
    score_ranges,
    segment_summary,
    summary_sentences,
)
from tests.analysis.rfm._data import TX

# --------------------------------------------------------------------------- summaries


def test_segment_summary_hand_computed():
    s = segment_summary(rfm_table(TX)).set_index("segment")
    assert list(s.index) == list(default_segment_rules()["segment"])
    hib = s.loc["Hibernating"]
    assert hib["customers"] == 2 and hib["customer_share"] == 0.5
    assert hib["revenue"] == 45.0 and hib["revenue_share"] == pytest.approx(45 / 65)
    assert (hib["mean_recency"], hib["mean_frequency"], hib["mean_monetary"]) == (15, 1.5, 22.5)
    sleep = s.loc["About to Sleep"]
    assert sleep["revenue"] == -5.0 and sleep["revenue_share"] == pytest.approx(-5 / 65)
    assert s.loc["Champions", "customers"] == 0 and np.isnan(s.loc["Champions", "mean_recency"])
    assert s.loc["Champions", "action"].startswith("Thank them")
    assert "Hibernating" in summary_sentences(s.reset_index())[0]


def test_rf_grid_and_score_ranges():
    rfm = rfm_table(TX)
    grid = rf_grid(rfm)
    assert len(grid) == 25 and grid["customers"].sum() == 4
    cell = grid[(grid["r_score"] == 4) & (grid["f_score"] == 2)].iloc[0]
    assert cell["customers"] == 1 and cell["segment"] == "Potential Loyalists"
    assert grid[(grid["r_score"] == 5) & (grid["f_score"] == 5)]["segment"].iloc[0] == "Champions"
    ranges = score_ranges(rfm).set_index(["measure", "score"])
    assert ranges.loc[("recency", 4), "min"] == 1 and ranges.loc[("frequency", 2), "customers"] == 2


def test_distribution_counts_small_for_any_size():
    rfm = rfm_table(TX)
    freq = distribution_counts(rfm, "frequency")
    assert dict(zip(freq["label"], freq["customers"], strict=True)) == {"1": 2, "2": 2}
    mon = distribution_counts(rfm, "monetary", max_bars=10)
    assert len(mon) == 10 and mon["customers"].sum() == 4

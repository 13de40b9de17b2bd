"""Tests of analysis.feedback.behaviour: purchases after answering, by hand."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import feedback as fb
from tests.analysis.feedback.samples import EXAMPLE, EXAMPLE_TX, small_join

# The exact normal quantile of every 95% interval (1.95996..., not 1.96: analysis.core.stats.Z95).
Z95 = stats.norm.ppf(0.975)


def test_feedback_behaviour_small_joined_example():
    resp, tx = small_join()
    r = fb.feedback_behaviour(resp, tx, days=90)
    assert (r.n_responses, r.n_with_id, r.n_matched, r.n_unmatched) == (7, 6, 5, 1)
    assert r.unmatched_examples == ["ZZZ"]
    assert r.n_incomplete == 1  # c5 answered 30 days before the end of the data
    assert r.as_of == pd.Timestamp("2024-12-31")
    t = r.by_category
    assert list(t.index) == ["promoter", "passive", "detractor"]
    # promoters c1 (bought, spend 30) and c2 (no purchase in window, spend 0)
    assert t.loc["promoter", "n"] == 2 and t.loc["promoter", "repurchased"] == 1
    assert t.loc["promoter", "repurchase_rate"] == 0.5
    assert t.loc["promoter", "mean_spend"] == pytest.approx(15.0)
    # detractors c3 (40 - 10 + 5 = 35, bought) and c4 (refund only: -15, not bought)
    assert t.loc["detractor", "repurchased"] == 1
    assert t.loc["detractor", "mean_spend"] == pytest.approx(10.0)
    assert t.loc["detractor", "median_spend"] == pytest.approx(10.0)
    lo, hi = fb.wilson_interval(1, 2)
    assert t.loc["promoter", "rate_ci_low"] == pytest.approx(float(lo))
    half = stats.t.ppf(0.975, 1) * np.std([30.0, 0.0], ddof=1) / math.sqrt(2)
    assert t.loc["promoter", "spend_ci_high"] == pytest.approx(15 + half)
    assert t.loc["passive", "n"] == 0
    c = r.comparisons.set_index(["a", "b"]).loc[("promoter", "detractor")]
    assert c["rate_diff"] == 0.0 and c["rate_p_value"] == pytest.approx(1.0)
    assert c["spend_diff"] == pytest.approx(5.0)
    welch = stats.ttest_ind([30.0, 0.0], [35.0, -15.0], equal_var=False)
    assert c["spend_p_value"] == pytest.approx(welch.pvalue)
    assert math.isnan(r.comparisons.set_index(["a", "b"]).loc[("promoter", "passive"), "rate_diff"])
    # NPS by RFM segment covers every matched response.
    if r.by_segment is not None:
        assert r.by_segment["n"].sum() == 5
        assert r.by_segment.index.name == "rfm_segment"


def test_feedback_behaviour_rate_test_hand_computed():
    # 30 promoters of whom 24 bought again; 30 detractors of whom 12 did.
    tx_rows, resp_rows = [], []
    for i in range(60):
        cid = f"k{i}"
        promoter = i < 30
        bought = (i < 24) if promoter else (i < 42)
        resp_rows.append(("2024-01-01", 10 if promoter else 2, cid))
        tx_rows.append((cid, f"a{i}", "2023-12-01", 10.0))
        if bought:
            tx_rows.append((cid, f"b{i}", "2024-02-01", 20.0))
    tx_rows.append(("k0", "end", "2024-12-31", 1.0))
    tx = pd.DataFrame(tx_rows, columns=["customer_id", "order_id", "order_date", "amount"])
    tx["order_date"] = pd.to_datetime(tx["order_date"], format="ISO8601")
    resp = pd.DataFrame(resp_rows, columns=["response_date", "score", "customer_id"])
    resp["response_date"] = pd.to_datetime(resp["response_date"], format="ISO8601")
    r = fb.feedback_behaviour(resp, tx)
    c = r.comparisons.iloc[0]
    assert (c["a"], c["b"]) == ("promoter", "detractor")
    assert c["rate_diff"] == pytest.approx(0.4)
    pooled = 36 / 60
    z = 0.4 / math.sqrt(pooled * (1 - pooled) * (2 / 30))
    assert c["rate_p_value"] == pytest.approx(2 * stats.norm.sf(z))
    se = math.sqrt(0.8 * 0.2 / 30 + 0.4 * 0.6 / 30)
    assert (c["rate_ci_low"], c["rate_ci_high"]) == pytest.approx((0.4 - Z95 * se, 0.4 + Z95 * se))
    assert "80% of promoters" in fb.behaviour_sentence(r)


def test_feedback_behaviour_without_ids_or_matches_says_why():
    resp, tx = small_join()
    no_id = fb.feedback_behaviour(resp.drop(columns="customer_id"), tx)
    assert no_id.by_category.empty and "no customer id" in no_id.message
    other = resp.assign(customer_id=pd.array(["x1"] * len(resp), dtype="str"))
    none = fb.feedback_behaviour(other, tx)
    assert none.n_unmatched == 7 and none.n_matched == 0 and "None of the" in none.message
    assert fb.behaviour_sentence(none) == none.message


def test_feedback_behaviour_degrades_without_rfm(monkeypatch):
    monkeypatch.setitem(sys.modules, "analysis.rfm", None)  # import fails
    resp, tx = small_join()
    r = fb.feedback_behaviour(resp, tx)
    assert r.by_segment is None and "RFM" in r.message
    assert r.by_category.loc["promoter", "n"] == 2


@pytest.mark.skipif(not EXAMPLE_TX.exists(), reason="example data not generated")
def test_feedback_behaviour_on_the_example_shop():
    from analysis.ingest import prepare_responses, prepare_transactions, read_table

    resp = prepare_responses(read_table(EXAMPLE)).data
    tx = prepare_transactions(read_table(EXAMPLE_TX)).data
    r = fb.feedback_behaviour(resp, tx)
    assert r.n_matched == r.n_with_id - r.n_unmatched
    t = r.by_category
    assert t["n"].sum() + r.n_incomplete == r.n_matched
    # The generator plants it: promoters come back more than detractors.
    assert t.loc["promoter", "repurchase_rate"] > t.loc["detractor", "repurchase_rate"]
    assert r.comparisons.iloc[0]["rate_p_value"] < 0.05

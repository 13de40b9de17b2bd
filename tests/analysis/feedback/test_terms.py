"""Tests of analysis.feedback.terms: weighted log-odds against a hand computation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import feedback as fb


def test_distinctive_terms_log_odds_hand_computed():
    resp = pd.DataFrame(
        {
            "score": [2, 3, 10, 9, 8],
            "comment": ["late parcel", "late", "fresh coffee", "fresh", ""],
        }
    )
    t = fb.distinctive_terms(resp, min_count=1).set_index("term")
    # Counts (unigrams and bigrams): detractors late 2, parcel 1, "late parcel" 1 (n_i = 4);
    # promoters fresh 2, coffee 1, "fresh coffee" 1 (n_j = 4). Prior a_w = all-comment counts
    # (the same here), a_0 = 8.
    delta = math.log((2 + 2) / (4 + 8 - 2 - 2)) - math.log((0 + 2) / (4 + 8 - 0 - 2))
    assert delta == pytest.approx(math.log(2.5))
    assert t.loc["late", "log_odds"] == pytest.approx(delta)
    assert t.loc["late", "z"] == pytest.approx(delta / math.sqrt(1 / 4 + 1 / 2))
    assert t.loc["late", "z"] == pytest.approx(1.058041, abs=1e-6)
    parcel = math.log(2 / 10) - math.log(1 / 11)
    assert t.loc["parcel", "z"] == pytest.approx(parcel / math.sqrt(1 / 2 + 1))
    assert t.loc["fresh", "z"] == pytest.approx(-t.loc["late", "z"])
    assert t.loc["late parcel", "words"] == 2
    assert t.loc["late", "count_group"] == 2 and t.loc["late", "count_reference"] == 0
    assert t.loc["late", "per_1000_group"] == pytest.approx(500.0)
    assert t.loc["late", "favours"] == "detractor" and t.loc["fresh", "favours"] == "promoter"


def test_distinctive_terms_do_not_reward_rare_words_and_skip_stop_words():
    det = ["the coffee was not fresh"] * 20 + ["zebra"]  # "zebra": said once
    pro = ["the coffee was lovely"] * 20
    resp = pd.DataFrame({"score": [1] * len(det) + [10] * len(pro), "comment": det + pro})
    t = fb.distinctive_terms(resp, min_count=1)
    terms = list(t["term"])
    assert terms[0] in {"fresh", "not fresh"}  # frequent and one-sided beats rare "zebra"
    top = t.set_index("term")
    assert top.loc["zebra", "z"] < top.loc["fresh", "z"]
    assert "not fresh" in terms  # negation kept in a phrase
    assert "the coffee" not in terms and "was" not in terms and "not" not in terms
    assert "lovely" in terms and top.loc["lovely", "z"] < 0
    # other groupings: any column, reference None = everyone else
    resp["plan"] = ["a"] * len(det) + ["b"] * len(pro)
    by_plan = fb.distinctive_terms(resp, group_by="plan", group="a", reference=None)
    assert by_plan.iloc[0]["favours"] == "a" and by_plan.iloc[-1]["favours"] == "not a"

"""Tests of analysis.feedback.describe: the sentences as lists, and the old one-text names."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import feedback as fb
from analysis.core.errors import NotEnoughData
from tests.analysis.feedback.samples import SAMPLE_A, SAMPLE_B, frame, small_join


def test_describe_returns_the_sentences_the_old_names_join():
    summary = fb.nps_summary(SAMPLE_A)
    sentences = fb.describe_nps(summary)
    assert len(sentences) == 2 and all(s.endswith(".") for s in sentences)
    assert (
        sentences[0]
        == "Out of 20 answers, 50% are promoters and 25% detractors, so the NPS is +25."
    )
    assert fb.nps_sentence(summary) == " ".join(sentences)
    resp = frame({"Basic": SAMPLE_B, "Pro": SAMPLE_A})
    resp["response_date"] = pd.to_datetime(["2024-01-05"] * 20 + ["2024-02-05"] * 20)
    trend = fb.nps_trend(resp)
    assert fb.trend_sentence(trend) == " ".join(fb.describe_trend(trend))
    assert fb.describe_trend(trend)[1] == "No period-to-period change is beyond chance."
    table = fb.nps_by(resp, "plan")
    assert fb.describe_breakdown(table, "plan") == [fb.breakdown_sentence(table, "plan")]
    result = fb.feedback_behaviour(*small_join())
    assert fb.describe_behaviour(result) == [fb.behaviour_sentence(result)]
    assert fb.describe_themes(pd.DataFrame()) == ["There are not enough comments to find themes."]


def test_one_answer_is_one_answer():
    assert fb.describe_nps(fb.nps_summary([10]))[0].startswith("Out of 1 answer, 100% are")
    assert "; 1 answer is few" in fb.nps_sentence(fb.nps_summary([10]))


def test_too_little_data_is_not_enough_data():
    for call in (
        lambda: fb.nps_summary([]),
        lambda: fb.csat_summary([]),
        lambda: fb.ces_summary([]),
        lambda: fb.compare_nps([10], []),
        lambda: fb.nps_by(pd.DataFrame({"score": [pd.NA], "plan": ["a"]}), "plan"),
        lambda: fb.nps_trend(pd.DataFrame({"score": [9], "response_date": [pd.NaT]})),
    ):
        with pytest.raises(NotEnoughData):
            call()
    with pytest.raises(ValueError) as bad:  # a wrong answer is not "too little data"
        fb.nps_summary([11])
    assert not isinstance(bad.value, NotEnoughData)

"""The feedback charts build from the feedback results and carry their numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import feedback as fb
from analysis.charts import feedback as cf
from tests.analysis.feedback.samples import (
    SAMPLE_A,
    SAMPLE_B,
    frame,
    planted_comments,
    small_join,
)


def test_charts_build_and_carry_the_numbers():
    resp = frame({"Basic": SAMPLE_B, "Pro": SAMPLE_A})
    resp["response_date"] = pd.to_datetime(["2024-01-05"] * 20 + ["2024-02-05"] * 20)
    o = fb.feedback_overview(resp)
    split = cf.nps_split_chart(o.score_counts).to_dict()
    rows = split["datasets"][next(iter(split["datasets"]))]
    shares = {r["category"]: r["share"] for r in rows}
    assert shares == pytest.approx({"promoter": 15 / 40, "passive": 10 / 40, "detractor": 15 / 40})
    assert [r["end"] for r in rows] == pytest.approx([15 / 40, 25 / 40, 1.0])
    assert rows[0]["label"] == "Promoters 38%"
    hist = cf.score_histogram(o.score_counts).to_dict()
    assert hist["encoding"]["x"]["field"] == "score"
    trend = cf.nps_trend_chart(fb.nps_trend(resp)).to_dict()
    assert len(trend["layer"]) == 4
    bd = cf.nps_breakdown_chart(fb.nps_by(resp, "plan"), "plan", overall=o.nps.nps).to_dict()
    assert bd["layer"][1]["encoding"]["y"]["sort"] == ["Pro", "Basic"]
    cf.scale_chart(fb.csat_summary([5, 4, 1]).counts, title="CSAT", good_from=4).to_dict()
    cf.themes_chart(fb.comment_themes(planted_comments(200))).to_dict()
    cf.distinctive_terms_chart(fb.distinctive_terms(planted_comments(200))).to_dict()
    r = fb.feedback_behaviour(*small_join())
    for measure in ("rate", "spend"):
        cf.behaviour_chart(r.by_category, measure).to_dict()
    with pytest.raises(ValueError):
        cf.behaviour_chart(r.by_category, "visits")

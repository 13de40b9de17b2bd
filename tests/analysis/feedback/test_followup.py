"""Tests of analysis.feedback.followup (and the NPS groups it relies on)."""

from __future__ import annotations

import pandas as pd

from analysis import feedback as fb


def test_nps_category_and_followup_list():
    resp = pd.DataFrame(
        {
            "response_date": pd.to_datetime(
                ["2024-01-01", "2024-01-03", "2024-01-03", "2024-01-02"]
            ),
            "score": [2, 6, 0, 9],
            "customer_id": ["a", "b", "c", "d"],
            "comment": ["=HYPERLINK(x)", "meh", "bad", "good"],
        }
    )
    cats = fb.nps_category(resp["score"])
    assert list(cats.astype(str)) == ["detractor", "detractor", "detractor", "promoter"]
    assert list(fb.nps_category([7, 8, 9, 6]).astype(str)) == [
        "passive",
        "passive",
        "promoter",
        "detractor",
    ]
    f = fb.detractor_followup(resp)
    # Newest first, lowest score first within a day; promoters left out.
    assert list(f["customer_id"]) == ["c", "b", "a"]
    assert list(f.columns[:4]) == ["response_date", "customer_id", "score", "comment"]
    assert list(fb.detractor_followup(resp, since="2024-01-03")["customer_id"]) == ["c", "b"]


def test_followup_last_days_counts_back_from_the_latest_answer():
    resp = pd.DataFrame(
        {
            "response_date": pd.to_datetime(
                ["2024-03-01", "2024-03-24 10:00", "2024-03-30"], format="ISO8601"
            ),
            "score": [1, 2, 3],
        }
    )
    assert list(fb.detractor_followup(resp, last_days=7)["score"]) == [3, 2]
    assert list(fb.detractor_followup(resp, last_days=6)["score"]) == [3]
    assert len(fb.detractor_followup(resp)) == 3

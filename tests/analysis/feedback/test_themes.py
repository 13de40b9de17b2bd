"""Tests of analysis.feedback.themes: the planted themes are found, sized and scored."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import feedback as fb
from tests.analysis.feedback.samples import EXAMPLE, PLANTED, planted_comments, theme_of


def test_themes_find_the_planted_themes():
    resp = planted_comments()
    result = fb.theme_analysis(resp)
    table = result.table
    assert not result.message and 3 <= len(table) <= 10
    found = {}
    for _, row in table.iterrows():
        name, overlap = theme_of(row["top_terms"])
        # every theme is about one planted theme: most of its top 8 words are that theme's
        assert overlap >= 5, row["top_terms"]
        found.setdefault(name, []).append(row["theme"])
    assert set(found) == set(PLANTED), found
    # Sizes, NPS and intervals are those of the responses that mention the theme.
    theme_id = table.index[0]
    mentions = result.mentions[theme_id].to_numpy()
    assert table.loc[theme_id, "responses"] == mentions.sum()
    summary = fb.nps_summary(resp.loc[mentions, "score"])
    assert table.loc[theme_id, "nps"] == pytest.approx(summary.nps)
    assert table.loc[theme_id, "ci_low"] == pytest.approx(summary.ci_low)
    # Each response's main theme; empty comments have none.
    assign = result.assignments
    assert assign[resp["comment"] == ""].isna().all()
    assert assign[resp["comment"] != ""].notna().all()
    # Representative comments are real comments of the theme.
    examples = table.loc[theme_id, "examples"].split(" | ")
    assert 1 <= len(examples) <= 3 and set(examples) <= set(resp["comment"])
    assert len(set(examples)) == len(examples)


def test_themes_are_deterministic_and_public_wrappers_agree():
    resp = planted_comments(300, seed=3)
    a = fb.comment_themes(resp)
    b = fb.comment_themes(resp)
    pd.testing.assert_frame_equal(a, b)
    assign = fb.response_themes(resp)
    assert assign.index.equals(resp.index)
    assert set(assign.dropna().unique()) <= set(a.index)
    fixed = fb.comment_themes(resp, n_themes=4)
    assert len(fixed) == 4
    found = {theme_of(t)[0] for t in fixed["top_terms"]}
    assert found == set(PLANTED)


def test_themes_with_too_few_comments_explain_why():
    resp = pd.DataFrame({"score": [9, 3], "comment": ["fast delivery", ""]})
    result = fb.theme_analysis(resp)
    assert result.table.empty and "Only 1 responses have a comment" in result.message
    assert fb.comment_themes(resp).empty
    assert result.assignments.isna().all()
    no_col = fb.theme_analysis(pd.DataFrame({"score": [1]}))
    assert "no comment column" in no_col.message
    assert fb.themes_sentence(result.table).startswith("There are not enough")


@pytest.mark.skipif(not EXAMPLE.exists(), reason="example survey not generated")
def test_themes_on_the_example_survey_find_the_planted_themes():
    from analysis.ingest import prepare_responses, read_table

    resp = prepare_responses(read_table(EXAMPLE)).data
    table = fb.comment_themes(resp)
    found = {}
    for terms in table["top_terms"]:
        name, overlap = theme_of(terms)
        assert overlap >= 2, terms
        found.setdefault(name, []).append(terms)
    assert set(found) == {"delivery", "price", "quality", "support"}, found
    # Late parcels (and the planted courier problem of autumn 2023) pull NPS down: some
    # delivery theme scores clearly below the survey as a whole.
    overall = fb.nps_summary(resp["score"])
    delivery = [i for i, t in table["top_terms"].items() if theme_of(t)[0] == "delivery"]
    assert table.loc[delivery, "ci_high"].min() < overall.ci_low


def test_themes_and_scores_on_too_little_data_raise_not_enough_data():
    from analysis.core.errors import NotEnoughData

    with pytest.raises(NotEnoughData, match="no words"):
        fb.ThemeModel(n_themes=2).fit(["", "  "])
    with pytest.raises(NotEnoughData, match="too few for 50 themes"):
        fb.ThemeModel(n_themes=50, min_df=1).fit(["fast delivery", "slow delivery", "kind staff"])
    with pytest.raises(NotEnoughData, match="no 'score' column"):
        fb.feedback_overview(pd.DataFrame({"comment": ["fine"]}))

"""Tests of analysis.feedback: every figure against a hand computation."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import charts_feedback as cf
from analysis import feedback as fb

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sample_data" / "online_shop_responses.csv"
EXAMPLE_TX = ROOT / "sample_data" / "online_shop_transactions.csv"

# 10 promoters, 5 passives, 5 detractors (n = 20, NPS = +25)
SAMPLE_A = [10] * 6 + [9] * 4 + [8] * 3 + [7] * 2 + [6, 5, 3, 0, 2]
# 5 promoters, 5 passives, 10 detractors (n = 20, NPS = -25)
SAMPLE_B = [9] * 5 + [7] * 5 + [1] * 10


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
    assert s.ci_low == pytest.approx(100 * (p_p - p_d - 1.96 * se))
    assert s.ci_high == pytest.approx(100 * (p_p - p_d + 1.96 * se))
    # The same numbers written out: centre 21.739, half-width 33.456.
    assert s.ci_low == pytest.approx(-11.7167, abs=1e-3)
    assert s.ci_high == pytest.approx(55.1950, abs=1e-3)
    assert s.share_promoters == 0.5 and s.share_detractors == 0.25


def test_nps_summary_n_equals_one_and_all_promoters():
    one = fb.nps_summary([10])
    # p_P = 1.75/4, p_D = 0.75/4: centre 25, se = sqrt(0.5625/4) = 0.375 -> 25 +- 73.5
    assert one.nps == 100.0
    assert (one.ci_low, one.ci_high) == pytest.approx((-48.5, 98.5))
    allp = fb.nps_summary([9, 10] * 10)
    assert allp.nps == 100.0 and allp.detractors == 0
    p_p, p_d = 20.75 / 23, 0.75 / 23
    se = math.sqrt((p_p + p_d - (p_p - p_d) ** 2) / 23)
    assert allp.ci_low == pytest.approx(100 * (p_p - p_d - 1.96 * se))
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
    assert (c.ci_low, c.ci_high) == pytest.approx((50 - 1.96 * se, 50 + 1.96 * se))
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


def frame(groups: dict[str, list[int]], column: str = "plan") -> pd.DataFrame:
    rows = [(g, s) for g, scores in groups.items() for s in scores]
    return pd.DataFrame(rows, columns=[column, "score"])


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


# ---------------------------------------------------------------------------------------------
# CSAT and CES
# ---------------------------------------------------------------------------------------------


def test_csat_wilson_hand_computed():
    s = fb.csat_summary([5] * 6 + [4] * 3 + [3, 2, 1])
    assert s.n == 12 and s.share == 0.75
    z = 1.96
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


# ---------------------------------------------------------------------------------------------
# Comment themes
# ---------------------------------------------------------------------------------------------

PLANTED = {
    "delivery": {
        "pos": [
            "fast delivery, the parcel arrived the next day",
            "the courier delivered the parcel on time",
            "delivery was quick and tracking worked",
            "parcel delivery right on time",
        ],
        "neg": [
            "delivery was late and the parcel arrived damaged",
            "the courier lost my parcel",
            "tracking showed the parcel stuck, delivery took two weeks",
            "late delivery again, parcel left at the wrong door",
        ],
    },
    "price": {
        "pos": [
            "fair price for what you get",
            "cheap prices and a discount for regulars",
            "the price is reasonable",
            "good prices, cheaper than the supermarket",
        ],
        "neg": [
            "too expensive, the price went up again",
            "prices are far too high",
            "expensive compared to others, discount code failed",
            "the price doubled, way too expensive",
        ],
    },
    "quality": {
        "pos": [
            "the beans taste fresh, top quality coffee",
            "excellent quality beans",
            "the coffee quality is superb, rich taste",
            "fresh roasted beans, lovely taste",
        ],
        "neg": [
            "stale beans, poor quality coffee",
            "the coffee tasted burnt, quality dropped",
            "quality of the beans has gone down",
            "bitter taste, the beans were stale",
        ],
    },
    "support": {
        "pos": [
            "support answered my email within an hour",
            "customer support was helpful",
            "the support team solved my problem",
            "friendly support agent on the phone",
        ],
        "neg": [
            "support never answered my email",
            "customer support was rude and slow",
            "still waiting for support to reply",
            "no reply from the support team email",
        ],
    },
}
KEYWORDS = {
    "delivery": {
        "delivery",
        "parcel",
        "courier",
        "tracking",
        "arrived",
        "late",
        "delivered",
        "shipping",
        "damaged",
        "lost",
        "delayed",
        "quick",
        "fast",
        "stuck",
        "door",
        "wrong",
        "week",
        "weeks",
        "days",
    },
    "price": {
        "price",
        "prices",
        "priced",
        "expensive",
        "cheap",
        "cheaper",
        "discount",
        "money",
        "value",
        "cost",
        "costs",
        "overpriced",
        "code",
        "codes",
        "euros",
        "free",
        "fair",
        "reasonable",
        "doubled",
        "high",
        "regulars",
        "failed",
        "supermarket",
    },
    "quality": {
        "quality",
        "beans",
        "coffee",
        "taste",
        "tasted",
        "fresh",
        "stale",
        "tea",
        "flavour",
        "matcha",
        "espresso",
        "blend",
        "roasted",
        "bitter",
        "bland",
        "smooth",
        "rich",
        "freshly",
        "burnt",
        "superb",
        "aromatic",
        "delicious",
    },
    "support": {
        "support",
        "service",
        "customer",
        "reply",
        "replied",
        "email",
        "helpful",
        "rude",
        "unhelpful",
        "refund",
        "answered",
        "team",
        "agent",
        "phone",
        "slow",
    },
}


def planted_comments(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Comments that each talk about one or two planted themes; scores follow the tone."""
    rng = np.random.default_rng(seed)
    themes = list(PLANTED)
    rows = []
    for _ in range(n):
        tone = rng.choice(["pos", "neg"])
        first, second = rng.choice(themes, size=2, replace=False)
        parts = [str(rng.choice(PLANTED[first][tone]))]
        if rng.random() < 0.3:
            parts.append(str(rng.choice(PLANTED[second][tone])))
        comment = ". ".join(p.capitalize() for p in parts) + "."
        if rng.random() < 0.2:
            comment = ""
        score = int(rng.integers(9, 11) if tone == "pos" else rng.integers(0, 7))
        rows.append((score, comment, first))
    return pd.DataFrame(rows, columns=["score", "comment", "planted"])


def theme_of(top_terms: str) -> tuple[str, int]:
    """The planted theme whose keywords overlap most with a theme's top terms."""
    terms = set(top_terms.split(", "))
    overlap = {name: len(terms & words) for name, words in KEYWORDS.items()}
    best = max(overlap, key=overlap.get)
    return best, overlap[best]


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


# ---------------------------------------------------------------------------------------------
# Distinctive terms
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Behaviour after responding
# ---------------------------------------------------------------------------------------------


def small_join() -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = pd.DataFrame(
        [
            ("c1", "o1", "2024-01-10 09:00", 50.0),  # response day: not counted
            ("c1", "o2", "2024-02-01", 30.0),  # in window
            ("c1", "o3", "2024-05-01", 100.0),  # after day 90
            ("c2", "o4", "2024-01-05", 20.0),  # before
            ("c2", "o5", "2024-04-10", 25.0),  # day 91: outside
            ("c3", "o6", "2024-03-01", 40.0),
            ("c3", "o7", "2024-03-05", -10.0),  # refund order: lowers spend
            ("c3", "o8", "2024-04-09", 5.0),  # day 90 exactly: inside
            ("c4", "o9", "2024-01-20", -15.0),  # refund only: no repurchase
            ("c5", "o10", "2024-11-01", 10.0),
            ("c1", "o11", "2024-12-30", 1.0),  # last day -> as_of 2024-12-31
        ],
        columns=["customer_id", "order_id", "order_date", "amount"],
    )
    tx["order_date"] = pd.to_datetime(tx["order_date"], format="ISO8601")
    resp = pd.DataFrame(
        {
            "response_date": pd.to_datetime(
                [
                    "2024-01-10 18:00",
                    "2024-01-10",
                    "2024-01-10",
                    "2024-01-10",
                    "2024-12-01",
                    "2024-01-10",
                    "2024-01-10",
                ],
                format="ISO8601",
            ),
            "score": [10, 9, 3, 0, 8, 10, 10],
            "customer_id": pd.array(["c1", "c2", "c3", "c4", "c5", "ZZZ", None], dtype="str"),
        }
    )
    return resp, tx


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
    assert (c["rate_ci_low"], c["rate_ci_high"]) == pytest.approx(
        (0.4 - 1.96 * se, 0.4 + 1.96 * se)
    )
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


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


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

"""Tests of analysis.rfm.rules: the default grid, checks of edited rules."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.rfm import (
    UNASSIGNED,
    check_rules,
    default_segment_rules,
    rfm_table,
    segment_summary,
)
from tests.analysis.rfm._data import TX

# --------------------------------------------------------------------------- rules


def brute_force_cover(rules):
    cover = {}
    for r in range(1, 6):
        for f in range(1, 6):
            cover[(r, f)] = [
                row.segment
                for row in rules.itertuples()
                if row.r_min <= r <= row.r_max and row.f_min <= f <= row.f_max
            ]
    return cover


def test_default_rules_cover_grid_exactly_once():
    rules = default_segment_rules()
    assert len(rules) == 10
    assert list(rules.columns) == [
        "segment",
        "r_min",
        "r_max",
        "f_min",
        "f_max",
        "description",
        "action",
    ]
    assert all(len(names) == 1 for names in brute_force_cover(rules).values())
    check = check_rules(rules)
    assert check.ok and check.messages() == []
    assert (rules["description"].str.len() > 10).all() and (rules["action"].str.len() > 10).all()
    champions = rules.set_index("segment").loc["Champions"]
    assert tuple(champions[["r_min", "r_max", "f_min", "f_max"]]) == (5, 5, 4, 5)


def test_check_rules_reports_gaps_overlaps_and_bad_rows():
    rules = default_segment_rules()
    rules.loc[rules["segment"] == "Champions", "f_min"] = 3  # overlaps Potential Loyalists R5 F3
    rules = rules[rules["segment"] != "Promising"]  # leaves R4 F1 uncovered
    bad = pd.DataFrame(
        [
            {"segment": "Broken", "r_min": 0, "r_max": 2, "f_min": 1, "f_max": 1},
            {"segment": "Reversed", "r_min": 3, "r_max": 2, "f_min": 1, "f_max": 1},
            {"segment": None, "r_min": 1, "r_max": 5, "f_min": 1, "f_max": 5},  # empty row
        ]
    )
    check = check_rules(pd.concat([rules, bad], ignore_index=True))
    assert not check.ok
    assert check.uncovered == [(4, 1)]
    assert check.overlaps == [(5, 3, ("Champions", "Potential Loyalists"))]
    assert len(check.problems) == 2
    text = " ".join(check.messages())
    assert "R4 F1" in text and "Unassigned" in text and "Champions and Potential Loyalists" in text
    assert "Broken" in text and "Reversed" in text


def test_edited_rules_first_rule_wins_and_gaps_are_unassigned():
    rules = default_segment_rules()
    rules = rules[rules["segment"] != "Hibernating"]  # A and B (R1-2 F1-2) become unassigned
    rfm = rfm_table(TX, rules=rules)
    assert rfm.loc["A", "segment"] == UNASSIGNED and rfm.loc["B", "segment"] == UNASSIGNED
    assert UNASSIGNED in set(segment_summary(rfm)["segment"])
    # Overlap: a rule covering everything placed first takes every customer.
    everyone = pd.DataFrame(
        [{"segment": "Everyone", "r_min": 1, "r_max": 5, "f_min": 1, "f_max": 5}]
    )
    rfm = rfm_table(TX, rules=pd.concat([everyone, default_segment_rules()]))
    assert set(rfm["segment"]) == {"Everyone"}


rule_rows = st.lists(
    st.tuples(
        st.sampled_from(["X", "Y", "Z", "W"]),
        st.integers(1, 5),
        st.integers(1, 5),
        st.integers(1, 5),
        st.integers(1, 5),
    ),
    min_size=0,
    max_size=8,
)


@given(rows=rule_rows)
@settings(max_examples=150, deadline=None)
def test_coverage_check_matches_brute_force(rows):
    rules = pd.DataFrame(
        [(n, min(a, b), max(a, b), min(c, d), max(c, d)) for n, a, b, c, d in rows],
        columns=["segment", "r_min", "r_max", "f_min", "f_max"],
    )
    check = check_rules(rules)
    cover = brute_force_cover(rules)
    assert check.uncovered == [cell for cell, names in cover.items() if not names]
    assert [(r, f) for r, f, _ in check.overlaps] == [
        cell for cell, names in cover.items() if len(names) > 1
    ]

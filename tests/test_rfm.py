"""Tests of analysis.rfm: hand-computed tables, properties, real-data values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import charts_rfm
from analysis.orders import orders_frame
from analysis.rfm import (
    NEW,
    UNASSIGNED,
    RFMKMeans,
    check_rules,
    customer_attributes,
    customer_orders,
    default_segment_rules,
    describe_score_cuts,
    distribution_counts,
    example_customer,
    migration_sentences,
    rf_grid,
    rfm_clusters,
    rfm_table,
    score_edges,
    score_ranges,
    score_values,
    segment_customers,
    segment_migration,
    segment_summary,
    summary_sentences,
    to_five_point,
    worked_example,
)

ROOT = Path(__file__).resolve().parents[1]


def make_tx(rows, extra=None):
    cols = ["customer_id", "order_id", "order_date", "amount"] + (extra or [])
    tx = pd.DataFrame(rows, columns=cols)
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    for c in ["customer_id", "order_id"] + (extra or []):
        tx[c] = tx[c].astype("str")
    tx["amount"] = tx["amount"].astype("float64")
    return tx


# A: two purchase orders on 1 March (one of two lines), a refund order on 5 March.
# B: a purchase on 20 Feb, then a refund order on 8 March (different order id).
# C: refund only. D: a free order (a purchase) and a later order on the last day.
# E: order e1 has a 60 line on 3 March and a -70 line on 4 March (net -10: a refund order),
#    then a purchase e2 on 6 March.
TX = make_tx(
    [
        ("A", "a1", "2024-03-01 10:00", 30.0),
        ("A", "a1", "2024-03-01 11:00", 20.0),
        ("A", "a2", "2024-03-01 15:00", 10.0),
        ("A", "a3", "2024-03-05 09:00", -15.0),
        ("B", "b1", "2024-02-20 12:00", 100.0),
        ("B", "b2", "2024-03-08 12:00", -100.0),
        ("C", "c1", "2024-03-02 12:00", -40.0),
        ("D", "d1", "2024-03-09 23:30", 0.0),
        ("D", "d2", "2024-03-10 08:00", 25.0),
        ("E", "e1", "2024-03-03 12:00", 60.0),
        ("E", "e1", "2024-03-04 12:00", -70.0),
        ("E", "e2", "2024-03-06 12:00", 5.0),
    ]
)


def table(rfm, cols=("recency", "frequency", "monetary")):
    return {c: tuple(rfm.loc[c, list(cols)].tolist()) for c in rfm.index}


# --------------------------------------------------------------------------- hand-computed


def test_rfm_table_hand_computed_default_as_of():
    rfm = rfm_table(TX)
    assert rfm.attrs["as_of"] == pd.Timestamp("2024-03-11")  # day after the last date
    assert rfm.index.name == "customer_id"
    assert sorted(rfm.index) == ["A", "B", "D", "E"]  # C has only a refund
    assert table(rfm) == {
        "A": (10, 2, 45.0),  # two purchase orders the same day; 50 + 10 - 15
        "B": (20, 1, 0.0),  # last purchase 20 Feb (2024 is a leap year); 100 - 100
        "D": (1, 2, 25.0),  # the free order counts as a purchase
        "E": (5, 1, -5.0),  # e1 nets -10: a refund order; e2 on 6 March
    }
    assert rfm.attrs["refund_only_customers"] == 1
    assert "1 customer has only refunds" in rfm.attrs["warnings"][0]
    # Four distinct values each: every value is its own block, scores 1..4 without gaps.
    assert table(rfm, ("r_score", "f_score", "m_score")) == {
        "A": (2, 2, 4),
        "B": (1, 1, 2),
        "D": (4, 2, 3),
        "E": (3, 1, 1),
    }
    assert rfm.loc["A", "rfm_code"] == "224"
    assert rfm.loc["E", "rfm_code"] == "311"
    assert rfm.attrs["edges"] == {
        "recency": [5.0, 10.0, 20.0],  # score = 1 + number of cut points above the recency
        "frequency": [1.0],
        "monetary": [-5.0, 0.0, 25.0],
    }
    assert dict(rfm["segment"].astype("str")) == {
        "A": "Hibernating",  # R2 F2
        "B": "Hibernating",  # R1 F1
        "D": "Potential Loyalists",  # R4 F2
        "E": "About to Sleep",  # R3 F1
    }
    assert list(rfm.columns) == [
        "recency",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "segment",
    ]
    assert rfm["recency"].dtype == np.int64 and rfm["r_score"].dtype == np.int64


def test_rfm_table_as_of_before_last_date_ignores_later_lines():
    # Time part dropped: as_of is 6 March; lines on 6 March and later are ignored.
    rfm = rfm_table(TX, as_of="2024-03-06 15:00")
    assert rfm.attrs["as_of"] == pd.Timestamp("2024-03-06")
    assert table(rfm) == {"A": (5, 2, 45.0), "B": (15, 1, 100.0)}
    # C and E (whose only observed order e1 nets -10) are refund-only; D had not bought yet.
    assert rfm.attrs["refund_only_customers"] == 2


def test_rfm_table_order_split_by_as_of_counts_observed_lines_only():
    # With as_of 4 March, e1's -70 line is not observed yet: e1 nets +60, a purchase.
    rfm = rfm_table(TX, as_of="2024-03-04")
    assert table(rfm) == {"A": (3, 2, 60.0), "B": (13, 1, 100.0), "E": (1, 1, 60.0)}


def test_rfm_table_bins_3_uses_rescaled_grid():
    rfm = rfm_table(TX, bins=3)
    # recency (as -days) [-20, -10, -5, -1]: quantile cut points -10 and -5.
    assert table(rfm, ("r_score", "f_score")) == {
        "A": (1, 2),
        "B": (1, 1),
        "D": (3, 2),
        "E": (2, 1),
    }
    # On the 1..5 grid 1, 2, 3 map to 1, 3, 5.
    assert dict(rfm["segment"].astype("str")) == {
        "A": "At Risk",  # R1 F3
        "B": "Hibernating",  # R1 F1
        "D": "Potential Loyalists",  # R5 F3
        "E": "About to Sleep",  # R3 F1
    }


def test_rfm_table_empty_when_nobody_bought_yet():
    rfm = rfm_table(TX, as_of="2024-01-01")
    assert len(rfm) == 0
    assert list(rfm.columns)[:3] == ["recency", "frequency", "monetary"]
    assert rfm.attrs["refund_only_customers"] == 0
    assert segment_summary(rfm)["customers"].sum() == 0


def test_rfm_table_rejects_bad_bins():
    with pytest.raises(ValueError, match="bins"):
        rfm_table(TX, bins=1)


# --------------------------------------------------------------------------- scoring


def test_score_edges_skewed_frequency_one_timers_share_score_1_and_rest_spread():
    values = [1] * 70 + list(range(2, 32))  # 70% bought once, 30 distinct repeat counts
    scores = score_values(values, 5)
    assert set(scores[:70]) == {1}
    assert sorted(set(scores[70:])) == [2, 3, 4, 5]  # the remaining scores spread the rest
    # Cut points over the repeat buyers are their quartiles (inverted empirical CDF).
    assert score_edges(values, 5).tolist() == [1.0, 9.0, 16.0, 24.0]


def test_score_edges_hand_computed_quintiles():
    assert score_edges(range(1, 11), 5).tolist() == [2.0, 4.0, 6.0, 8.0]
    assert score_values(range(1, 11), 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_score_edges_large_top_block_gets_top_score():
    # 30 of 40 customers share the highest value: it gets score 5, the rest spread below.
    values = list(range(10)) + [10] * 30
    scores = score_values(values, 5)
    assert set(scores[10:]) == {5}
    assert sorted(set(scores[:10])) == [1, 2, 3, 4]


def test_score_values_recency_lower_is_better():
    assert score_values([1, 5, 10, 20], 4, higher_is_better=False).tolist() == [4, 3, 2, 1]


def test_score_values_degenerate_inputs():
    assert score_values([3, 3, 3], 5).tolist() == [1, 1, 1]
    assert score_values([1, 2, 1, 2], 5).tolist() == [1, 2, 1, 2]
    assert score_values([], 5).tolist() == []
    with pytest.raises(ValueError):
        score_values([1.0, np.nan], 5)


@given(
    values=st.lists(
        st.one_of(
            st.integers(-5, 30).map(float),
            st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=300,
    ),
    bins=st.integers(2, 9),
)
@settings(max_examples=300, deadline=None)
def test_score_properties(values, bins):
    x = np.asarray(values)
    scores = score_values(x, bins)
    # In range, starting at 1, without gaps.
    assert scores.min() == 1 and scores.max() <= bins
    assert set(scores.tolist()) == set(range(1, scores.max() + 1))
    # Monotone: a larger value never gets a lower score.
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    # Equal values, equal scores.
    for v in np.unique(x):
        assert len(set(scores[x == v].tolist())) == 1
    # Skew-safe: a lowest value holding >= 1/bins of customers is alone in score 1.
    lowest = x == x.min()
    if lowest.mean() >= 1 / bins:
        assert np.all(scores[~lowest] >= 2)
    # Reversed direction mirrors the ordering.
    rev = score_values(x, bins, higher_is_better=False)
    assert np.all(np.diff(rev[order]) <= 0)


def test_to_five_point_mapping():
    assert to_five_point([1, 2, 3, 4, 5], 5).tolist() == [1, 2, 3, 4, 5]
    assert to_five_point([1, 2, 3, 4], 4).tolist() == [1, 2, 4, 5]
    assert to_five_point([1, 2, 3], 3).tolist() == [1, 3, 5]
    assert to_five_point([1, 2], 2).tolist() == [1, 5]


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


# --------------------------------------------------------------------------- random data


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 60))
    cust = draw(st.lists(st.sampled_from("ABCDEFGHIJ"), min_size=n, max_size=n))
    order = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    hours = draw(st.lists(st.integers(0, 24 * 60), min_size=n, max_size=n))
    amount = draw(st.lists(st.integers(-50, 200), min_size=n, max_size=n))
    return make_tx(
        [
            (c, f"o{o}", pd.Timestamp("2024-01-01") + pd.Timedelta(hours=h), float(a))
            for c, o, h, a in zip(cust, order, hours, amount, strict=True)
        ]
    )


@given(tx=transactions(), bins=st.integers(3, 5))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rfm_table_properties_against_orders_frame(tx, bins):
    rfm = rfm_table(tx, bins=bins)
    of = orders_frame(tx)
    purchases = of[of["is_purchase"]]
    buyers = sorted(purchases["customer_id"].unique())
    assert sorted(rfm.index) == buyers
    assert rfm.attrs["refund_only_customers"] == of["customer_id"].nunique() - len(buyers)
    as_of = rfm.attrs["as_of"]
    for cid in buyers:
        mine = purchases[purchases["customer_id"] == cid]
        assert rfm.loc[cid, "frequency"] == len(mine)
        assert rfm.loc[cid, "recency"] == (as_of - mine["order_date"].max()).days
        assert rfm.loc[cid, "monetary"] == pytest.approx(
            tx.loc[tx["customer_id"] == cid, "amount"].sum()
        )
    # Every customer is in exactly one segment, and scores follow values.
    assert rfm["segment"].notna().all()
    for measure, col, sign in (
        ("recency", "r_score", -1),
        ("frequency", "f_score", 1),
        ("monetary", "m_score", 1),
    ):
        s = rfm.sort_values(measure)[col].to_numpy()
        assert np.all(sign * np.diff(s) >= 0)
        assert rfm[col].between(1, bins).all()
    summary = segment_summary(rfm)
    assert summary["customers"].sum() == len(rfm)


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


def test_describe_score_cuts_states_cut_points():
    text = describe_score_cuts(rfm_table(TX))
    assert "only 4 of 5 scores are used" in text
    assert "score 4: fewer than 5 days" in text  # recency 1 -> 4
    assert "score 1: at most 1" in text  # frequency


def test_distribution_counts_small_for_any_size():
    rfm = rfm_table(TX)
    freq = distribution_counts(rfm, "frequency")
    assert dict(zip(freq["label"], freq["customers"], strict=True)) == {"1": 2, "2": 2}
    mon = distribution_counts(rfm, "monetary", max_bars=10)
    assert len(mon) == 10 and mon["customers"].sum() == 4


def test_worked_example_walks_through_one_customer():
    rfm = rfm_table(TX)
    orders = customer_orders(TX, customer_id="A")
    assert list(orders["order_id"]) == ["a1", "a2", "a3"]
    text = worked_example(orders, rfm, "A")
    assert "2 purchase order(s) and 1 refund order(s)" in text
    assert "**10 days**" in text and "R score **2**" in text
    assert "**45.00**" in text and "**Hibernating**" in text
    assert example_customer(rfm) in {"A", "D"}  # the customers with 2-5 purchase orders


# --------------------------------------------------------------------------- migration


def test_segment_migration_hand_computed():
    m = segment_migration(TX, as_of="2024-03-11", previous_as_of="2024-03-04")
    assert m.index[0] == NEW and m.index.name == "previous_segment"
    assert int(m.to_numpy().sum()) == 4  # every customer at as_of counted once
    # At 4 March: A R2 F2 and B R1 F1 (Hibernating), E R3 F1 (About to Sleep); D had not bought.
    assert m.loc["Hibernating", "Hibernating"] == 2
    assert m.loc["About to Sleep", "About to Sleep"] == 1
    assert m.loc[NEW, "Potential Loyalists"] == 1
    sentences = migration_sentences(m)
    assert sentences == [
        "3 of 3 earlier customers (100%) kept their segment.",
        "1 customer bought for the first time in between and is now Potential Loyalists.",
    ]


def test_migration_sentences_name_the_flows():
    cats = ["Champions", "At Risk"]
    m = pd.DataFrame(
        [[5, 0], [10, 38], [0, 7]],
        index=pd.Index([NEW, *cats], name="previous_segment"),
        columns=pd.Index(cats, name="segment"),
    )
    s = migration_sentences(m)
    assert s[0] == "38 customers who were Champions are now At Risk."
    assert s[1] == "17 of 55 earlier customers (31%) kept their segment."
    assert s[2] == "5 customers bought for the first time in between; 5 of them are now Champions."


def test_segment_migration_default_and_errors():
    m = segment_migration(TX)  # 90 days before 11 March: nobody had bought yet
    assert m.attrs["previous_as_of"] == pd.Timestamp("2023-12-12")
    assert m.loc[NEW].sum() == 4 and m.drop(index=NEW).to_numpy().sum() == 0
    with pytest.raises(ValueError, match="earlier"):
        segment_migration(TX, as_of="2024-03-01", previous_as_of="2024-03-05")


# --------------------------------------------------------------------------- drill-down


def test_customer_attributes_keep_latest_customer_level_values():
    tx = make_tx(
        [
            ("A", "1", "2024-01-01", 5.0, "UK", "", "P1"),
            ("A", "2", "2024-02-01", 5.0, "FR", "a@x.org", "P2"),
            ("A", "3", "2024-01-15", 5.0, "FR", "a@x.org", "P3"),
            ("B", "4", "2024-01-05", 5.0, "DE", "=HYPERLINK()", "P1"),
            ("B", "5", "2024-01-06", 5.0, "DE", "", "P4"),
        ],
        extra=["country", "email", "sku"],
    )
    tx["email"] = tx["email"].replace("", None)
    # country agrees with the customer's latest value on 4 of 5 lines, sku on 2 of 5.
    assert list(customer_attributes(tx).columns) == ["email"]  # default: 90% agreement
    attrs = customer_attributes(tx, min_agreement=0.75)
    assert list(attrs.columns) == ["country", "email"]
    assert attrs.loc["A", "country"] == "FR" and attrs.loc["A", "email"] == "a@x.org"
    assert attrs.loc["B", "email"] == "=HYPERLINK()"
    rfm = rfm_table(tx)
    out = segment_customers(rfm, attrs)
    assert list(out.columns[:9]) == [
        "customer_id",
        "recency",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "segment",
    ]
    assert list(out.columns[9:]) == ["country", "email"]
    seg = out["segment"].iloc[0]
    only = segment_customers(rfm, attrs, seg)
    assert set(only["segment"]) == {seg} and len(only) == (out["segment"] == seg).sum()
    assert only["monetary"].is_monotonic_decreasing


# --------------------------------------------------------------------------- k-means


def separated_groups_tx(seed=0):
    """Three clear groups: loyal big spenders, lapsed one-timers, recent small buyers."""
    rng = np.random.default_rng(seed)
    rows = []
    day0 = pd.Timestamp("2023-01-01")
    for i in range(40):  # loyal: 20 orders, up to the end, big amounts
        for k in range(20):
            rows.append((f"L{i}", f"L{i}-{k}", day0 + pd.Timedelta(days=300 + 3 * k), 500.0))
    for i in range(40):  # lapsed: one small order long ago
        rows.append((f"S{i}", f"S{i}", day0 + pd.Timedelta(days=int(rng.integers(0, 10))), 10.0))
    for i in range(40):  # recent: two mid orders recently
        for k in range(2):
            rows.append((f"R{i}", f"R{i}-{k}", day0 + pd.Timedelta(days=350 + k), 60.0))
    return make_tx(rows)


def test_rfm_clusters_find_separated_groups_and_describe_them():
    res = rfm_clusters(separated_groups_tx(), k_min=2, k_max=5)
    assert res.n_clusters == 3
    assert list(res.silhouette["k"]) == [2, 3, 4, 5]
    assert res.silhouette.set_index("k")["silhouette"].idxmax() == 3
    assert res.centres["customers"].tolist() == [40, 40, 40]
    # Cluster 0 is the most valuable centre: the loyal big spenders.
    assert set(res.labels[res.labels == 0].index.str[0]) == {"L"}
    assert res.centres.loc[0, "name"].endswith("frequent, high-spending")
    assert "20 order(s)" in res.centres.loc[0, "description"]
    lapsed = res.centres.loc[res.centres["median_frequency"] == 1].iloc[0]
    assert lapsed["name"].startswith("Lapsed")


def test_rfm_clusters_with_overflowing_amounts():
    tx = separated_groups_tx()
    loyal = tx["customer_id"].str.startswith("L0")
    tx.loc[loyal, "amount"] = 1e308  # that customer's monetary overflows to inf
    with np.errstate(all="raise"):
        res = rfm_clusters(tx, k_min=2, k_max=4)
        assert rfm_table(tx).loc["L0", "monetary"] == np.inf
    assert res.labels.loc["L0"] == 0 and res.centres["customers"].sum() == 120


def test_customer_attributes_look_at_the_first_columns_only():
    from analysis import rfm

    tx = make_tx([("A", "1", "2024-01-01", 5.0), ("B", "2", "2024-01-02", 6.0)])
    n = rfm.MAX_ATTRIBUTE_COLUMNS + 3
    extra = pd.DataFrame({f"x{i}": pd.Series(["v", "w"], dtype="str") for i in range(n)})
    attrs = customer_attributes(pd.concat([tx, extra], axis=1))
    assert list(attrs.columns) == [f"x{i}" for i in range(rfm.MAX_ATTRIBUTE_COLUMNS)]


def test_rfm_kmeans_is_reproducible_and_sklearn_shaped():
    rfm = rfm_table(separated_groups_tx())
    a = RFMKMeans((2, 4), random_state=1).fit(rfm)
    b = RFMKMeans((2, 4), random_state=1).fit(rfm)
    assert np.array_equal(a.labels_, b.labels_)
    assert a.centres_.shape == (a.n_clusters_, 3)


# --------------------------------------------------------------------------- charts


def test_charts_build_from_analysis_outputs():
    rfm = rfm_table(TX)
    summary = segment_summary(rfm)
    spec = charts_rfm.segment_bars(summary).to_dict()
    assert "Hibernating" in str(spec)
    spec = charts_rfm.rf_grid_heatmap(rf_grid(rfm)).to_dict()
    assert "Potential Loyalists" in str(spec)
    charts_rfm.distribution_chart(distribution_counts(rfm, "recency"), "recency").to_dict()
    m = segment_migration(TX, as_of="2024-03-11", previous_as_of="2024-03-04")
    assert "previous_segment" in str(charts_rfm.migration_heatmap(m).to_dict())
    res = rfm_clusters(separated_groups_tx(), k_min=2, k_max=4)
    charts_rfm.cluster_bars(res.centres).to_dict()


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def online_retail():
    from analysis import ingest

    raw = ingest.read_table(ROOT / "sample_data" / "online_retail.csv.gz")
    return ingest.prepare_transactions(raw).data


def test_online_retail_known_customers(online_retail):
    rfm = rfm_table(online_retail)
    assert rfm.attrs["as_of"] == pd.Timestamp("2011-12-10")
    # Widely reproduced values (e.g. the Online Retail RFM tutorials and Chen et al. 2012):
    # 12346 bought 74,215 jars for 77,183.60 on 18 Jan 2011 and returned them the same day;
    # 12347: 7 invoices, 4,310.00, last on 7 Dec 2011; 12348: 4 invoices, 1,797.24, last on
    # 25 Sep 2011; 12350: 1 invoice, 334.40 on 2 Feb 2011.
    assert table(rfm.loc[["12346", "12347", "12348", "12350"]]) == {
        "12346": (326, 1, 0.0),
        "12347": (3, 7, pytest.approx(4310.00)),
        "12348": (76, 4, pytest.approx(1797.24)),
        "12350": (311, 1, pytest.approx(334.40)),
    }
    assert rfm.loc["12347", "segment"] == "Champions"
    assert len(rfm) + rfm.attrs["refund_only_customers"] == online_retail["customer_id"].nunique()
    # Ties: every customer with the same frequency has the same F score.
    assert (rfm.groupby("frequency")["f_score"].nunique() == 1).all()
    assert set(rfm["segment"]) == set(default_segment_rules()["segment"])

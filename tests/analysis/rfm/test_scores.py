"""Tests of analysis.rfm.scores: hand-computed tables, scoring properties, real-data values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.orders import orders_frame
from analysis.rfm import (
    default_segment_rules,
    rfm_table,
    score_edges,
    score_values,
    segment_summary,
    to_five_point,
)
from tests.analysis.rfm._data import TX, make_tx, table
from tests.paths import SAMPLE_DATA

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


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def online_retail():
    from analysis import ingest

    raw = ingest.read_table(SAMPLE_DATA / "online_retail.csv.gz")
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


def test_score_edges_of_missing_values_raise_not_enough_data():
    from analysis.core.errors import NotEnoughData

    with pytest.raises(NotEnoughData, match="missing values"):
        score_edges([1.0, np.nan, 3.0])

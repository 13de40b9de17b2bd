"""Tests of analysis.rfm.describe: the cut points, a worked example and the flows in words."""

from __future__ import annotations

import pandas as pd

from analysis.rfm import (
    NEW,
    customer_orders,
    describe_score_cuts,
    describe_segments,
    example_customer,
    migration_sentences,
    rfm_table,
    summary_sentences,
    worked_example,
)
from tests.analysis.rfm._data import TX


def test_describe_score_cuts_states_cut_points():
    text = describe_score_cuts(rfm_table(TX))
    assert "only 4 of 5 scores are used" in text
    assert "score 4: fewer than 5 days" in text  # recency 1 -> 4
    assert "score 1: at most 1" in text  # frequency


def test_worked_example_walks_through_one_customer():
    rfm = rfm_table(TX)
    orders = customer_orders(TX, customer_id="A")
    assert list(orders["order_id"]) == ["a1", "a2", "a3"]
    text = worked_example(orders, rfm, "A")
    assert "2 purchase order(s) and 1 refund order(s)" in text
    assert "**10 days**" in text and "R score **2**" in text
    assert "**45.00**" in text and "**Hibernating**" in text
    assert example_customer(rfm) in {"A", "D"}  # the customers with 2-5 purchase orders


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


def test_describe_segments_says_shares_as_every_sentence_does():
    summary = pd.DataFrame(
        {
            "segment": ["Hibernating", "Champions", "New Customers"],
            "customers": [903, 97, 0],
            "customer_share": [0.903, 0.097, 0.0],
            "revenue": [1000.0, 3000.0, 0.0],
            "revenue_share": [0.25, 0.75, 0.0],
        }
    )
    assert describe_segments(summary) == [
        "The largest group is Hibernating: 903 customers (90%).",
        "Champions bring the most revenue: 75% of it, from 9.7% of customers.",
    ]
    assert summary_sentences is describe_segments  # the former name, still used by pages
    one = summary.assign(customers=[1, 0, 0], customer_share=[1.0, 0.0, 0.0])
    assert describe_segments(one)[0] == "The largest group is Hibernating: 1 customer (100%)."

"""Tests of analysis.rfm.describe: the cut points, a worked example and the flows in words."""

from __future__ import annotations

import pandas as pd

from analysis.rfm import (
    NEW,
    customer_orders,
    describe_score_cuts,
    example_customer,
    migration_sentences,
    rfm_table,
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

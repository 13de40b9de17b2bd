"""Purchase patterns, what they pay: order values and spend per customer (analysis.patterns.spend)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import patterns as P
from tests.analysis.patterns.examples import TX, make_tx


def test_order_value_summary():
    s = P.order_value_summary(TX)
    # purchase order values 3, 7, 4, 2, 6, 4
    assert s.orders == 6
    assert s.median == 4.0 and s.mean == pytest.approx(26 / 6)
    assert s.p25 == pytest.approx(3.25) and s.p75 == pytest.approx(5.5)
    h = s.histogram
    assert h["orders"].sum() == 6 and h["revenue"].sum() == pytest.approx(26.0)
    assert h["open"].tolist()[-1] and not h["open"].iloc[:-1].any()
    assert h["start"].iloc[0] <= 2 < h["end"].iloc[0]
    assert P.describe_order_values(s)[0].startswith("Half of the orders are worth between 3.25")
    assert P.describe_order_values(s, currency="EUR")[0].startswith(
        "Half of the orders are worth between €3.25"
    )
    assert "between \\$3.25" in P.describe_order_values(s, currency="USD")[0]  # not a formula


def test_order_value_labels_are_money_in_the_files_currency():
    # bins of 0.50 from 2.00 (the smallest order) to 6.50+ (the open top bin)
    plain = P.order_value_summary(TX).histogram["label"].tolist()
    assert plain[0] == "2.00-2.50" and plain[-1] == "6.50+"
    euros = P.order_value_summary(TX, currency="EUR").histogram
    assert euros["label"].iloc[0] == "€2.00-€2.50" and euros["label"].iloc[-1] == "€6.50+"
    assert euros["orders"].tolist() == P.order_value_summary(TX).histogram["orders"].tolist()
    # plain text for the chart's axis (Vega-Lite writes it as given, never as Markdown)
    dollars = P.order_value_summary(TX, currency="USD").histogram["label"]
    assert dollars.iloc[0] == "$2.00-$2.50" and dollars.iloc[-1] == "$6.50+"
    assert P.order_value_summary(TX, currency="CHF").histogram["label"].iloc[-1] == "6.50 CHF+"
    # orders 10, 20, ..., 300: bins of 20 (whole numbers, written without cents), 280+ open
    big = make_tx(
        [("A", f"O{i}", "2024-01-01", 10.0 * i, "x") for i in range(1, 31)],
        ["customer_id", "order_id", "order_date", "amount", "product"],
    )
    labels = P.order_value_summary(big, currency="EUR").histogram["label"]
    assert labels.iloc[0] == "€0-€20" and labels.iloc[1] == "€20-€40"
    assert labels.iloc[-1] == "€280+" and len(labels) == 15


def test_order_value_summary_with_overflowing_orders():
    huge = make_tx(
        [
            ("A", "O1", "2024-01-01", 1e308, "x"),
            ("A", "O1", "2024-01-01", 1e308, "y"),  # the order's value overflows to inf
            ("B", "O2", "2024-01-02", 5.0, "x"),
            ("C", "O3", "2024-01-03", 1e300, "x"),
        ],
        ["customer_id", "order_id", "order_date", "amount", "product"],
    )
    with np.errstate(all="raise"):
        s = P.order_value_summary(huge)
        P.describe_order_values(s)
    assert s.orders == 3 and s.mean == math.inf
    assert s.histogram["orders"].sum() == 3 and s.histogram["orders"].iloc[-1] >= 1


def test_spend_per_customer_by_first_channel():
    sp = P.spend_per_customer(TX, "channel").set_index("channel")
    # first purchase order: A web, B shop (O3 comes first in the file), C web, D shop
    # net per customer: A 10, B 6, C 6 - 3 = 3, D 4
    assert sp.loc["web", "customers"] == 2 and sp.loc["shop", "customers"] == 2
    assert sp.loc["web", "revenue"] == 13 and sp.loc["shop", "revenue"] == 10
    assert sp.loc["web", "revenue_per_customer"] == 6.5
    assert sp.loc["web", "orders_per_customer"] == 1.5
    assert sp.loc["web", "average_order_value"] == pytest.approx(16 / 3)
    assert sp.loc["shop", "median_per_customer"] == 5.0
    assert list(sp.index) == ["web", "shop"]
    missing = P.spend_per_customer(TX.drop(columns=["channel"]), "channel")
    assert missing.empty and "channel column" in missing.attrs["reason"]


def test_spend_per_customer_by_rfm_segment(shop_tx):
    sp = P.spend_per_customer(shop_tx, "segment")
    if sp.empty:  # the RFM module is optional
        pytest.skip(sp.attrs["reason"])
    assert sp["customers"].sum() == shop_tx["customer_id"].nunique()
    assert sp["revenue"].sum() == pytest.approx(shop_tx["amount"].sum())

"""Purchase patterns, what: hand-computed top items and first orders (analysis.patterns.items)."""

from __future__ import annotations

import pytest

from analysis import patterns as P
from tests.analysis.patterns.examples import TX


def test_top_items_by_revenue():
    top = P.top_items(TX, "product").set_index("product")
    assert list(top.index) == ["bread", "butter", "jam", "milk"]
    assert top.loc["bread", "revenue"] == 10.0
    assert top.loc["butter", "revenue"] == 6.0  # 9 sold, 3 refunded (net)
    assert top["revenue_share"].sum() == pytest.approx(1.0)
    assert top.loc["bread", "quantity"] == 5.0
    assert top.loc["bread", "orders"] == 4 and top.loc["bread", "customers"] == 3
    assert top.loc["bread", "repeat_customers"] == 1  # A, in O1 and O2
    assert top.loc["bread", "repeat_rate"] == pytest.approx(1 / 3)
    assert top.loc["milk", "repeat_rate"] == 0
    by_customers = P.top_items(TX, "product", by="customers", n=2)
    assert by_customers["product"].tolist() == ["bread", "butter"]  # ties: alphabetical
    assert P.top_items(TX, "product", by="repeat_rate", min_customers=3)["product"].tolist() == [
        "bread",
        "butter",
        "milk",
    ]
    with pytest.raises(ValueError):
        P.top_items(TX, by="price")


def test_first_order_items_and_who_comes_back():
    fo = P.first_order_items(TX, "product", within_days=None).set_index("product")
    # first purchase days: A {bread, milk}, B {milk, butter, bread} (two orders), C {all three},
    # D {jam}; only A came back
    assert list(fo.index) == ["bread", "milk", "butter", "jam"]
    assert fo["first_orders"].tolist() == [3, 3, 2, 1]
    assert fo.loc["bread", "first_order_share"] == pytest.approx(0.75)
    assert fo.loc["bread", "return_rate"] == pytest.approx(1 / 3)
    assert fo.loc["butter", "return_rate"] == 0
    assert fo.attrs["overall_return_rate"] == pytest.approx(0.25)
    assert fo.loc["bread", "lift"] == pytest.approx(4 / 3)
    # an 18-day window: C's and D's first days (3 and 5 January) are too recent to tell
    fo18 = P.first_order_items(TX, "product", within_days=18).set_index("product")
    assert fo18.loc["bread", "eligible"] == 2
    assert fo18.loc["bread", "return_rate"] == pytest.approx(0.5)
    assert fo18.attrs["eligible"] == 2

"""Purchase patterns: which parts the data can show (analysis.patterns.availability)."""

from __future__ import annotations

from analysis import patterns as P
from tests.analysis.patterns.examples import TX


def test_availability_helpers():
    assert P.has_time_of_day(TX)
    assert not P.has_time_of_day(TX.assign(order_date=TX["order_date"].dt.normalize()))
    assert P.item_columns(TX) == ["product", "category"]
    assert P.item_columns(TX.drop(columns=["product"])) == ["category"]
    assert P.needs(TX, ("product",), "Baskets") is None
    msg = P.needs(TX.drop(columns=["product"]), ("product",), "Products bought together")
    assert msg.startswith("Products bought together needs a product column")
    # a quantity column is enough for a price per unit
    assert P.needs(TX, ("unit_price",), "Prices") is None
    assert "unit price" in P.needs(TX.drop(columns=["quantity"]), ("unit_price",), "Prices")
    assert P.discount_columns(TX) == ["promo_code"]

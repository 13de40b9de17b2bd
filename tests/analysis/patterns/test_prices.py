"""Purchase patterns: hand-computed price bands and discount shares (analysis.patterns.prices)."""

from __future__ import annotations

import pytest

from analysis import patterns as P
from tests.analysis.patterns.examples import TX, make_tx


def test_price_bands():
    pb = P.price_bands(TX, "category").set_index("category")
    assert pb.attrs["price_source"] == "amount / quantity"
    # Dairy purchase lines: milk 1, 1, 1 and butter 3, 3, 3 (the refund line is left out)
    assert pb.loc["Dairy", "lines"] == 6
    assert pb.loc["Dairy", "median"] == 2.0
    assert (pb.loc["Dairy", "min"], pb.loc["Dairy", "max"]) == (1.0, 3.0)
    assert pb.loc["Dairy", "p25"] == 1.0 and pb.loc["Dairy", "p75"] == 3.0
    assert pb.loc["Bakery", "median"] == 2.0
    assert list(pb.index) == ["Dairy", "Bakery", "Pantry"]  # by revenue: 12, 10, 4
    assert P.price_bands(TX, None)["group"].tolist() == ["All"]
    none = P.price_bands(TX.drop(columns=["quantity"]), "category")
    assert none.empty and "unit price" in none.attrs["reason"]


def test_discount_share():
    tx = make_tx(
        [
            ("a", "1", "2024-01-01", 10.0, 10.0, "p", ""),
            ("a", "2", "2024-01-02", 10.0, 10.0, "p", ""),
            ("a", "3", "2024-01-03", 10.0, 10.0, "p", ""),
            ("b", "4", "2024-01-03", 8.0, 8.0, "p", ""),  # below 90% of the usual 10
            ("b", "5", "2024-01-04", 10.0, 10.0, "p", "X"),  # a code, even at full price
            ("c", "6", "2024-01-04", 5.0, 5.0, "p2", "no"),
            ("c", "7", "2024-01-05", 5.0, 5.0, "p2", ""),
        ],
        ["customer_id", "order_id", "order_date", "amount", "unit_price", "product", "Voucher"],
    )
    ds = P.discount_share(tx).set_index("kind")
    assert ds.attrs["discount_column"] == "Voucher"
    assert ds.loc["Discount code", "revenue"] == 10 and ds.loc["Discount code", "lines"] == 1
    assert ds.loc["Below usual price", "revenue"] == 8
    assert ds.loc["Full price", "revenue"] == 40
    assert ds.loc["Full price", "revenue_share"] == pytest.approx(40 / 58)
    text = " ".join(P.describe_discounts(P.discount_share(tx)))
    assert "31% of revenue comes from discounted or low-price lines" in text
    plain = P.discount_share(tx[["customer_id", "order_id", "order_date", "amount"]])
    assert plain.empty and plain.attrs["reason"]

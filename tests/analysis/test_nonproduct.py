"""Lines that are not products (analysis.nonproduct) and their removal from analysis.patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import nonproduct as N
from analysis import patterns as P

# A few lines as the UCI Online Retail file has them (StockCode, Description).
RETAIL = pd.DataFrame(
    {
        "StockCode": [
            "85123A",
            "POST",
            "DOT",
            "M",
            "C2",
            "D",
            "BANK CHARGES",
            "AMAZONFEE",
            "S",
            "gift_0001_20",
            "CRUK",
            "22423",
            "79323B",
            "PADS",
        ],
        "product": [
            "WHITE HANGING HEART T-LIGHT HOLDER",
            "POSTAGE",
            "DOTCOM POSTAGE",
            "Manual",
            "CARRIAGE",
            "Discount",
            "Bank Charges",
            "AMAZON FEE",
            "SAMPLES",
            "Dotcomgiftshop Gift Voucher £20.00",
            "CRUK Commission",
            "REGENCY CAKESTAND 3 TIER",
            "FRENCH CARRIAGE LANTERN",  # a product: "carriage" only counts as the whole name
            "PADS TO MATCH ALL CUSHIONS",
        ],
        "amount": [
            10.0,
            18.0,
            100.0,
            -5.0,
            50.0,
            -2.0,
            15.0,
            -100.0,
            0.0,
            20.0,
            -7.0,
            12.75,
            4.0,
            0.0,
        ],
    }
)
RETAIL_EXPECTED = [False] + [True] * 10 + [False, False, False]


def test_online_retail_codes_and_names():
    assert N.non_product_mask(RETAIL).tolist() == RETAIL_EXPECTED
    # the codes alone suffice (names missing) ...
    codes_only = RETAIL.assign(product=None)
    assert N.non_product_mask(codes_only).tolist() == RETAIL_EXPECTED
    # ... and so do the names
    names_only = RETAIL.drop(columns="StockCode")
    assert N.non_product_mask(names_only).tolist() == RETAIL_EXPECTED


def test_words_in_other_languages_and_what_stays_a_product():
    names = pd.Series(
        [
            "Versandkosten",
            "Porto DE",
            "Bearbeitungsgebühr",
            "Rabatt 10%",
            "Gutschein 50 EUR",
            "Frais de port",
            "Remise fidélité",
            "Gastos de envío",
            "Descuento",
            "Shipping (UPS)",
            "Standard delivery charge",
            "P&P",
            "manual ",
            "Gift card 25 EUR",
            # products
            "Manual pencil sharpener",
            "Delivery van toy",
            "Discounted mug",  # "discount" counts only as the whole name
            "Coffee beans 1kg",
            None,
            "",
        ]
    )
    tx = pd.DataFrame({"product": names, "amount": 1.0})
    assert N.non_product_mask(tx).tolist() == [True] * 14 + [False] * 6


def test_summary_counts_lines_and_revenue_by_hand():
    tx = pd.DataFrame(
        {
            "product": ["POSTAGE", "POSTAGE", "Mug", "Discount", "POSTAGE", "Mug"],
            "amount": [18.0, 18.0, 5.0, -3.5, -18.0, 5.0],
        }
    )
    s = N.non_product_summary(tx)
    assert s["item"].tolist() == ["POSTAGE", "Discount"]
    assert s["lines"].tolist() == [3, 1]
    assert s["revenue"].tolist() == pytest.approx([18.0, -3.5])
    (line,) = N.describe_non_products(s, total_revenue=24.5)
    assert line.startswith("4 lines of 2 kinds are not products")
    assert "14.50 in all (59.2% of revenue)" in line
    (euros,) = N.describe_non_products(s, total_revenue=24.5, currency="EUR")
    assert euros == line.replace("14.50 in all", "€14.50 in all")
    assert "\\$14.50 in all" in N.describe_non_products(s, currency="USD")[0]
    empty = N.non_product_summary(tx[tx["product"] == "Mug"])
    assert empty.empty and list(empty.columns) == ["item", "lines", "revenue"]
    assert N.describe_non_products(empty) == []
    assert not N.non_product_mask(pd.DataFrame({"amount": [1.0]})).any()


def test_code_columns():
    tx = pd.DataFrame(columns=["StockCode", "SKU", "product_code", "Item Code", "product", "code"])
    assert N.code_columns(tx) == ["StockCode", "SKU", "product_code", "Item Code"]


# Four orders: POSTAGE in all of them, so before this module it was the best seller, paired with
# everything and recommended to everyone.
BASKETS = pd.DataFrame(
    [
        ("A", "1", "2024-01-01", "mug", 5.0, 1.0),
        ("A", "1", "2024-01-01", "POSTAGE", 20.0, 1.0),
        ("A", "2", "2024-02-01", "cup", 4.0, 1.0),
        ("A", "2", "2024-02-01", "POSTAGE", 20.0, 1.0),
        ("B", "3", "2024-01-05", "mug", 5.0, 1.0),
        ("B", "3", "2024-01-05", "cup", 4.0, 1.0),
        ("B", "3", "2024-01-05", "POSTAGE", 20.0, 1.0),
        ("C", "4", "2024-01-09", "mug", 5.0, 1.0),
        ("C", "4", "2024-01-09", "Discount", -1.0, 1.0),
        ("C", "4", "2024-01-09", "POSTAGE", 20.0, 1.0),
    ],
    columns=["customer_id", "order_id", "order_date", "product", "amount", "quantity"],
).assign(order_date=lambda d: pd.to_datetime(d["order_date"]))


def test_patterns_leave_non_products_out():
    top = P.top_items(BASKETS, "product", n=10)
    assert top["product"].tolist() == ["mug", "cup"]  # POSTAGE (80.00) would lead
    assert top["revenue"].tolist() == pytest.approx([15.0, 8.0])
    assert top["revenue_share"].tolist() == pytest.approx([15 / 23, 8 / 23])
    assert top.attrs["non_product_lines"] == 4  # the negative Discount line is no purchase line
    first = P.first_order_items(BASKETS, "product", within_days=None)
    assert set(first["product"]) == {"mug", "cup"}
    b = P.baskets(BASKETS, "product")
    assert b.items.tolist() == ["cup", "mug"] and b.matrix.shape == (4, 2)
    rules = P.association_rules(BASKETS, "product", min_support=0.25, min_orders=1)
    assert len(rules) == 2  # mug <-> cup only (order 3)
    assert not rules[["antecedent", "consequent"]].isin(["POSTAGE", "Discount"]).any().any()
    recs = P.recommendations(BASKETS, "product", min_customers=1)
    assert not recs.astype(str).apply(lambda c: c.str.contains("POSTAGE")).any().any()
    bands = P.price_bands(BASKETS, "product")
    assert bands["product"].tolist() == ["mug", "cup"]
    assert bands["lines"].tolist() == [3, 2]
    # revenue itself is unchanged: the order values still include postage
    assert P.order_value_summary(BASKETS).orders == 4


def test_mask_is_computed_per_distinct_value():
    n = 200_000
    tx = pd.DataFrame({"product": np.where(np.arange(n) % 10 == 0, "POSTAGE", "mug")})
    assert N.non_product_mask(tx).sum() == n // 10


def test_your_data_lists_the_non_product_lines():
    from tests.apptest_utils import run_page

    upload = (
        b"Customer,Order,Date,Product,Amount\n"
        b"anna,1,2024-01-03,Mug,12.50\n"
        b"anna,1,2024-01-03,POSTAGE,4.95\n"
        b"ben,2,2024-01-04,Cup,3.00\n"
        b"ben,2,2024-01-04,POSTAGE,4.95\n"
        b"ben,3,2024-02-04,Discount,-1.00\n"
        b"ben,3,2024-02-04,Cup,3.00\n"
    )
    at = run_page("app_pages/data.py", upload=("shop.csv", upload, "text/csv"))
    assert not at.exception
    assert "Lines that are not products" in [s.value for s in at.subheader]
    caption = next(c.value for c in at.caption if "not products" in c.value)
    assert caption.startswith("3 lines of 2 kinds are not products")
    table = next(d.value for d in at.dataframe if "item" in d.value.columns)
    assert table["item"].tolist() == ["POSTAGE", "Discount"]
    assert table["lines"].tolist() == [2, 1]
    assert table["revenue"].tolist() == pytest.approx([9.90, -1.0])

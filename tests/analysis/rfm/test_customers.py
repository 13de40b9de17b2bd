"""Tests of analysis.rfm.customers: attributes carried over for the drill-down."""

from __future__ import annotations

import pandas as pd

from analysis.rfm import (
    customer_attributes,
    rfm_table,
    segment_customers,
)
from tests.analysis.rfm._data import make_tx

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


def test_customer_attributes_look_at_the_first_columns_only():
    from analysis import rfm

    tx = make_tx([("A", "1", "2024-01-01", 5.0), ("B", "2", "2024-01-02", 6.0)])
    n = rfm.MAX_ATTRIBUTE_COLUMNS + 3
    extra = pd.DataFrame({f"x{i}": pd.Series(["v", "w"], dtype="str") for i in range(n)})
    attrs = customer_attributes(pd.concat([tx, extra], axis=1))
    assert list(attrs.columns) == [f"x{i}" for i in range(rfm.MAX_ATTRIBUTE_COLUMNS)]

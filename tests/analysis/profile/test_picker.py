"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import pandas as pd

from analysis import profile as PR
from tests.analysis.profile._data import TX


def test_customer_list_and_search():
    listing = PR.customer_list(TX)
    assert listing["customer_id"].tolist() == ["A", "B"]  # by net revenue: 38, 30
    assert listing["orders"].tolist() == [3, 1]
    assert listing["net_revenue"].tolist() == [38.0, 30.0]
    assert listing["last_purchase"].tolist() == [
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-01-20"),
    ]
    assert PR.search_customers(listing, "a")["customer_id"].tolist() == ["A"]
    assert PR.search_customers(listing, "")["customer_id"].tolist() == ["A", "B"]
    assert PR.search_customers(listing, "zzz").empty
    assert PR.picker_labels(listing.head(1)) == {"A": "A · 3 purchases · 38.00 net"}
    assert PR.picker_labels(listing.head(1), currency="EUR") == {
        "A": "A · 3 purchases · €38.00 net"
    }
    if "segment" in listing.columns:
        segs = PR.segments_in(listing)
        assert set(segs) == set(listing["segment"])
        one = PR.search_customers(listing, segment=segs[0])
        assert (one["segment"] == segs[0]).all()

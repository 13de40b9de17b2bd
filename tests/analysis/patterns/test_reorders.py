"""Purchase patterns: hand-computed reorder gaps, windows and reorder times per item."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import patterns as P
from tests.analysis.patterns.examples import TX


def test_reorder_gaps_and_windows():
    gaps = P.reorder_gaps(TX)
    # A: 1 and 8 January; B's two orders are on one day; C's second order is a refund
    assert gaps.to_dict("records") == [{"customer_id": "A", "visit": 2, "days": 7}]
    s = P.reorder_summary(TX, windows=(7, 18, 30))
    assert (s.customers, s.repeat_customers, s.gaps) == (4, 1, 1)
    assert s.median_days == 7 and s.first_gap_median == 7
    w = s.within.set_index("days")
    # 7 days: all four first purchased by 13 January (window ends by 20 January, the last day)
    assert (w.loc[7, "eligible"], w.loc[7, "reordered"]) == (4, 1)
    assert w.loc[7, "share"] == pytest.approx(0.25)
    # 18 days: C (first on 3 January) and D would need data past 20 January: left out
    assert w.loc[18, "eligible"] == 2
    assert w.loc[30, "eligible"] == 0 and np.isnan(w.loc[30, "share"])
    assert s.histogram["gaps"].sum() == 1
    assert s.histogram.loc[s.histogram["gaps"] == 1, "label"].item() == "4-7 days"
    text = " ".join(P.describe_reorder(s))
    assert "25% came back within 7 days" in text


def test_reorder_by_item():
    by_cat = P.reorder_by_item(TX, "category", min_gaps=1).set_index("category")
    # Dairy: A bought milk on 1 January and butter on 8 January; Bakery: A's bread, same days
    assert list(by_cat.index) == ["Bakery", "Dairy"]
    assert by_cat.loc["Dairy", "median_days"] == 7
    assert by_cat.loc["Dairy", "customers"] == 3 and by_cat.loc["Dairy", "repeat_customers"] == 1
    by_product = P.reorder_by_item(TX, "product", min_gaps=1)
    assert by_product["product"].tolist() == ["bread"]  # milk and butter never re-bought
    assert P.reorder_by_item(TX, "product", min_gaps=2).empty

import pickle

import numpy as np
import pandas as pd
import pytest

from analysis.overview import (
    available_breakdowns,
    top_breakdown,
)
from tests.analysis.overview._data import AS_OF, TX

# ---------------------------------------------------------------------------- breakdowns


def test_top_breakdown_hand_computed():
    bd = top_breakdown(TX, "country", as_of=AS_OF)
    assert bd["country"].tolist() == ["FR", "(not given)", "DE", "UK"]  # SE is after as_of
    np.testing.assert_allclose(bd["net_revenue"], [46.0, 28.0, 5.0, -3.0])
    assert bd["orders"].tolist() == [2, 1, 2, 2]  # purchase orders containing it
    assert bd["customers"].tolist() == [2, 1, 2, 1]
    np.testing.assert_allclose(bd["revenue_share"], np.array([46, 28, 5, -3]) / 76)
    assert bd.attrs["reason"] == ""


def test_top_breakdown_other_counts_distinct():
    bd = top_breakdown(TX, "country", n=2, as_of=AS_OF)
    assert bd["country"].tolist() == ["FR", "(not given)", "Other"]
    np.testing.assert_allclose(bd["net_revenue"], [46.0, 28.0, 2.0])
    # DE + UK: orders a1 (has both), a3, b1 -> 3, not 2 + 2; customers A, B -> 2, not 3.
    assert bd["orders"].tolist() == [2, 1, 3]
    assert bd["customers"].tolist() == [2, 1, 2]
    assert bd["revenue_share"].sum() == pytest.approx(1.0)
    assert bd.attrs["other_values"] == 2


def test_top_breakdown_no_other_when_exactly_n():
    assert "Other" not in top_breakdown(TX, "country", n=4, as_of=AS_OF)["country"].tolist()


def test_top_breakdown_absent_or_empty_column():
    bd = top_breakdown(TX, "channel")
    assert bd.empty and "channel" in bd.attrs["reason"]
    assert list(bd.columns) == ["channel", "net_revenue", "orders", "customers", "revenue_share"]
    blank = TX.assign(category=pd.Series([None] * len(TX), dtype="str"))
    assert "No row has a category" in top_breakdown(blank, "category").attrs["reason"]
    assert "before the as-of" in top_breakdown(TX, "country", as_of="2020-01-01").attrs["reason"]
    assert available_breakdowns(blank) == ["country"]
    assert available_breakdowns(None) == []


def test_top_breakdown_survives_pickle():
    bd = pickle.loads(pickle.dumps(top_breakdown(TX, "channel")))
    assert "channel" in bd.attrs["reason"]

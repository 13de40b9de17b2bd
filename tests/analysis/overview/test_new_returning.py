import numpy as np
import pandas as pd
import pytest

from analysis.overview import (
    new_vs_returning,
    scorecard,
)
from tests.analysis.overview._data import AS_OF, TX

# ---------------------------------------------------------------------------- new vs returning


def test_new_vs_returning_hand_computed():
    nv = new_vs_returning(TX, as_of=AS_OF)
    assert nv["period_label"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert nv["period"].tolist() == list(pd.period_range("2024-01", "2024-04", freq="M"))
    assert nv["period_start"].tolist() == list(
        pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    )
    assert nv["new_customers"].tolist() == [1, 1, 0, 2]  # A; B; -; D and F
    assert nv["returning_customers"].tolist() == [0, 0, 1, 0]  # A twice on Mar 10 counts once
    assert nv["active_customers"].tolist() == [1, 1, 1, 2]
    np.testing.assert_allclose(nv["new_revenue"], [15.0, 0.0, 0.0, 56.0])  # F's refund: new
    # March: A 20 + 5 - 8, plus C's refund (no purchase in the data) counted as returning.
    np.testing.assert_allclose(nv["returning_revenue"], [0.0, 0.0, 5.0, 0.0])
    assert nv["net_revenue"].sum() == pytest.approx(scorecard(TX, as_of=AS_OF).net_revenue)
    assert nv["partial"].tolist() == [False] * 4  # April is complete on May 1


def test_new_vs_returning_partial_and_empty_last_month():
    nv = new_vs_returning(TX, as_of="2024-04-15")
    assert nv["partial"].tolist() == [False, False, False, True]
    nv = new_vs_returning(TX, as_of="2024-03-10")  # the Mar 10 orders are on as_of: excluded
    assert nv["period_label"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert nv["active_customers"].tolist() == [1, 1, 0]
    np.testing.assert_allclose(nv["returning_revenue"], [0.0, 0.0, -12.0])
    assert nv["partial"].tolist() == [False, False, True]


def test_new_vs_returning_default_as_of_and_gap_months():
    nv = new_vs_returning(TX)
    assert nv["period_label"].tolist()[-2:] == ["2024-05", "2024-06"]
    assert nv["returning_customers"].tolist()[-2:] == [1, 0]  # D's May 1 order
    assert nv["new_customers"].tolist()[-1] == 1  # E
    assert nv["partial"].tolist()[-1]


def test_new_vs_returning_weeks_and_quarters():
    wk = new_vs_returning(TX, freq="W", as_of=AS_OF)
    assert wk["period_label"].iloc[0] == "2024-01-01"  # the Monday of Jan 5's week
    assert (wk["period_start"].dt.day_of_week == 0).all()
    assert wk["net_revenue"].sum() == pytest.approx(76.0)
    assert wk["new_customers"].sum() == 4
    assert wk["partial"].iloc[-1]  # the week of Apr 30 runs to May 5
    qt = new_vs_returning(TX, freq="Q", as_of=AS_OF)
    assert qt["period_label"].tolist() == ["2024Q1", "2024Q2"]
    assert qt["new_customers"].tolist() == [2, 2]
    assert qt["returning_customers"].tolist() == [0, 0]  # A first bought in Q1 too


def test_new_vs_returning_empty():
    nv = new_vs_returning(TX.iloc[:0])
    assert nv.empty and "partial" in nv.columns and "new_customers" in nv.columns
    assert new_vs_returning(TX, as_of="2020-01-01").empty

"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import cohorts
from analysis.cohorts import (
    cohort_sizes,
    compare_groups,
    first_order_attribute,
    retention_curve,
    retention_matrix,
)
from tests.analysis.cohorts._data import CHAN, FEB, HAND, JAN, NAN, assert_matrix

# --------------------------------------------------------------------------------------------
# Breakdowns
# --------------------------------------------------------------------------------------------


def test_first_order_attribute():
    first = first_order_attribute(CHAN, "channel")
    assert first["A"] == "Web" and first["B"] == "Shop" and first["D"] == "Web"
    assert pd.isna(first["C"])
    with pytest.raises(KeyError):
        first_order_attribute(CHAN, "country")


def test_breakdown_matrix_curve_and_groups():
    CHAN.loc[CHAN["channel"] == "nan", "channel"] = None
    m = retention_matrix(CHAN, by="channel")
    assert m.index.names == ["channel", "cohort"]
    assert list(m.index) == [
        ("Web", JAN),
        ("Web", FEB),
        ("Shop", JAN),
        ("(not given)", FEB),
    ]
    assert_matrix(m, [[1.0, 1.0, 0.0], [1.0, 1.0, NAN], [1.0, 0.0, 0.0], [1.0, 0.0, NAN]])
    sizes = cohort_sizes(CHAN, by="channel")
    assert sizes.tolist() == [1, 1, 1, 1]
    curve = retention_curve(CHAN, by="channel", include_partial=True)
    assert curve.index.names == ["channel", "period_number"]
    assert curve.loc[("Web", 1), "value"] == 1.0 and curve.loc[("Web", 1), "n_cohorts"] == 2
    two = retention_matrix(CHAN, by="channel", max_groups=2)
    assert sorted(set(two.index.get_level_values(0))) == ["Other", "Web"]
    groups = compare_groups(curve, at=1)
    assert list(groups["shares"].index)[0] == "Web"
    assert 0 <= groups["p_value"] <= 1


def test_breakdown_columns():
    assert cohorts.breakdown_columns(CHAN) == ["channel"]
    assert cohorts.breakdown_columns(HAND) == []

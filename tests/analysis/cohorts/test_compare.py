"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.cohorts import (
    cohort_sizes,
    cohort_trend,
    compare_cohorts,
    flattening_period,
    retention_matrix,
    two_proportion_test,
    wilson_interval,
)
from tests.analysis.cohorts._data import FEB, HAND, JAN

# --------------------------------------------------------------------------------------------
# Curves, intervals and tests of difference
# --------------------------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval([8, 0, 5], [10, 10, 0])
    ci = stats.binomtest(8, 10).proportion_ci(method="wilson")
    assert low[0] == pytest.approx(ci.low) and high[0] == pytest.approx(ci.high)
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)
    assert low[1] == 0.0 and high[1] == pytest.approx(0.2775, abs=1e-4)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_two_proportion_test_matches_chi_square():
    z, p = two_proportion_test(30, 100, 20, 100)
    assert z == pytest.approx(0.10 / np.sqrt(0.25 * 0.75 * 0.02))
    chi2, p_chi, _, _ = stats.chi2_contingency([[30, 70], [20, 80]], correction=False)
    assert p == pytest.approx(p_chi)
    assert z**2 == pytest.approx(chi2)


def test_compare_cohorts_and_trend():
    idx = pd.period_range("2024-01", periods=4, freq="M", name="cohort")
    matrix = pd.DataFrame(
        {0: [1.0] * 4, 1: [0.5, 0.4, 0.2, 0.1]},
        index=idx,
    ).rename_axis(columns="period_number")
    matrix.attrs.update(metric="customers", partial_period=None)
    sizes = pd.Series([100, 50, 100, 50], index=idx)
    cmp = compare_cohorts(matrix, sizes)
    assert cmp["active"].tolist() == [50, 20, 20, 5]
    first = cmp.iloc[0]
    assert first["others_share"] == pytest.approx(45 / 200)
    z, p = two_proportion_test(50, 100, 45, 200)
    assert first["z"] == pytest.approx(float(z)) and first["p_value"] == pytest.approx(float(p))
    assert first["p_adjusted"] == pytest.approx(min(4 * float(p), 1.0))
    trend = cohort_trend(matrix, sizes)
    assert trend["older_share"] == pytest.approx(70 / 150)
    assert trend["recent_share"] == pytest.approx(25 / 150)
    assert trend["difference"] < 0 and trend["p_value"] < 0.001
    assert trend["first_recent"] == pd.Period("2024-03", "M")
    assert cohort_trend(matrix.iloc[:3], sizes) is None
    with pytest.raises(ValueError):
        compare_cohorts(matrix.assign().pipe(_as_revenue), sizes)


def _as_revenue(m):
    m.attrs["metric"] = "revenue"
    return m


def test_compare_cohorts_skips_partial_cells():
    m = retention_matrix(HAND)
    cmp = compare_cohorts(m, cohort_sizes(HAND), at=1)
    assert list(cmp.index) == [JAN, FEB]  # March's period 1 is April, unfinished


def test_flattening_period():
    def curve(values, n=5):
        return pd.DataFrame(
            {"value": values, "n_cohorts": [n] * len(values)},
            index=pd.RangeIndex(len(values), name="period_number"),
        )

    assert flattening_period(curve([1.0, 0.3, 0.25, 0.26, 0.24, 0.27])) == 1
    assert flattening_period(curve([1.0, 0.6, 0.4, 0.3, 0.29, 0.3, 0.28])) == 3
    assert flattening_period(curve([1.0, 0.8, 0.6, 0.4, 0.2, 0.05])) is None
    assert flattening_period(curve([1.0, 0.3, 0.29])) is None  # too few points
    assert flattening_period(curve([1.0, 0.2, 0.3, 0.4, 0.5])) == 1  # rising is not falling

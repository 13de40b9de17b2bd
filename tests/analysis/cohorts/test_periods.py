"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.cohorts import periods as cohort_periods


@pytest.mark.parametrize("period", ["W", "M", "Q"])
def test_period_arithmetic_matches_pandas(period):
    dates = pd.date_range("1969-06-01", "1971-06-30", freq="D").append(
        pd.date_range("2023-12-01", "2025-03-31", freq="D")
    )
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    ours = cohort_periods._to_periods(cohort_periods._period_numbers(days, period), period)
    assert ours.equals(pd.PeriodIndex(dates, freq=period))
    starts = cohort_periods._period_start_days(cohort_periods._period_numbers(days, period), period)
    expected = pd.PeriodIndex(dates, freq=period).start_time
    assert np.array_equal(starts, expected.to_numpy().astype("datetime64[D]").astype(np.int64))
    big = np.arange(-400, 40_000, dtype=np.int64)  # long enough for the lookup-table path
    slow = big.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    assert np.array_equal(cohort_periods._month_numbers(big), slow)

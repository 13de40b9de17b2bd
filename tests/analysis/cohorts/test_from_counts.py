"""The cohort matrix built from counts made elsewhere (a database) equals the in-memory one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.cohorts import (
    CohortCounts,
    check_settings,
    cohort_sizes,
    last_period,
    retention_from_counts,
    retention_matrix,
    sizes_from_counts,
)

# Hand counts for three monthly cohorts (Jan, Feb, Mar 2024), data up to 15 April (partial).
# Jan: 4 customers, 2 back in Feb, 1 in Mar, 1 in Apr; Feb: 2 customers, 1 back in Mar;
# Mar: 1 customer. Revenue per cell in the file's currency.
JAN = (2024 - 1970) * 12  # months since 1970-01
COUNTS = CohortCounts(
    period="M",
    as_of=pd.Timestamp("2024-04-15"),
    cohorts=np.array([JAN, JAN + 1, JAN + 2]),
    sizes=np.array([4, 2, 1]),
    active=np.array([[4.0, 2, 1, 1], [2, 1, 0, 0], [1, 0, 0, 0]]),
    unbounded=np.array([[4.0, 3, 2, 1], [2, 1, 0, 0], [1, 0, 0, 0]]),
    revenue=np.array([[100.0, 50, 20, 10], [40, 10, 0, 0], [30, 0, 0, 0]]),
)
NAN = np.nan


def test_last_period_and_partial():
    assert last_period(pd.Timestamp("2024-04-15"), "M") == (JAN + 3, True)
    assert last_period(pd.Timestamp("2024-05-01"), "M") == (JAN + 3, False)  # April is over
    assert last_period(pd.Timestamp("2024-04-01"), "Q") == ((JAN + 2) // 3, False)


def test_matrix_from_hand_counts():
    m = retention_from_counts(COUNTS)
    expected = [[1.0, 0.5, 0.25, 0.25], [1.0, 0.5, 0.0, NAN], [1.0, 0.0, NAN, NAN]]
    np.testing.assert_allclose(m.to_numpy(), expected)
    assert [str(p) for p in m.index] == ["2024-01", "2024-02", "2024-03"]
    assert str(m.attrs["partial_period"]) == "2024-04"
    rolling = retention_from_counts(COUNTS, kind="unbounded")
    np.testing.assert_allclose(rolling.iloc[0].to_numpy(), [1.0, 0.75, 0.5, 0.25])
    value = retention_from_counts(COUNTS, metric="revenue_per_customer")
    np.testing.assert_allclose(value.iloc[1, :3].to_numpy(), [20.0, 25.0, 25.0])
    sizes = sizes_from_counts(COUNTS)
    assert sizes.tolist() == [4, 2, 1] and sizes.index.equals(m.index)


def test_counts_of_the_in_memory_cells_give_the_same_matrix():
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "B", "C", "D", "A"],
            "order_id": ["1", "2", "3", "4", "5", "6", "7"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-05",
                    "2024-02-07",
                    "2024-01-20",
                    "2024-03-01",
                    "2024-02-14",
                    "2024-03-09",
                    "2024-04-10",
                ]
            ),  # fmt: skip
            "amount": [10.0, 20.0, 5.0, -2.0, 8.0, 3.0, 4.0],
        }
    )
    from analysis.cohorts.cells import _cells

    cells = _cells(tx, period="M")
    counts = CohortCounts(
        period="M",
        as_of=cells.as_of,
        cohorts=cells.row_cohort,
        sizes=cells.sizes,
        active=cells.classic_counts(),
        unbounded=cells.unbounded_counts(),
        revenue=cells.revenue(),
    )
    for metric, kind in [
        ("customers", "classic"),
        ("customers", "unbounded"),
        ("revenue", "classic"),
        ("revenue_per_customer", "classic"),
    ]:
        pd.testing.assert_frame_equal(
            retention_from_counts(counts, metric, kind),
            retention_matrix(tx, metric=metric, kind=kind),
        )
    pd.testing.assert_series_equal(sizes_from_counts(counts), cohort_sizes(tx))


def test_settings_are_checked_before_any_work():
    with pytest.raises(ValueError, match="period"):
        check_settings("D")
    with pytest.raises(ValueError, match="unbounded"):
        check_settings("M", "revenue", "unbounded")
    with pytest.raises(ValueError, match="metric"):
        retention_from_counts(COUNTS, metric="profit")


def test_curve_summary_and_period_number_from_hand_counts():
    from analysis.cohorts import curve_from_counts, period_number_of_date, summary_from_counts

    curve = curve_from_counts(COUNTS)  # April (partial) is left out: (2 + 1) / (4 + 2) at 1
    np.testing.assert_allclose(curve["value"].to_numpy(), [1.0, 0.5, 0.25])
    assert curve["n_customers"].tolist() == [7, 6, 4]
    summary = summary_from_counts(COUNTS, min_size=1)
    assert summary.sentences[0].startswith("50% of new customers bought again")
    assert period_number_of_date("2024-02-10", "M") == JAN + 1

"""pushdown.cohort_report / cohort_sizes: the cohort page's report from the engine's cells."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import cohorts, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402

SETTINGS = [
    dict(metric="customers", kind="classic"),
    dict(metric="customers", kind="unbounded", at=2),
    dict(metric="revenue", kind="classic"),
    dict(metric="revenue_per_customer", kind="classic", max_cohorts=4),
]


def check_report(tx: pd.DataFrame, table, period: str = "M", **settings) -> None:
    expected = cohorts.cohort_report(tx, period=period, **settings)
    got = pushdown.cohort_report(table, period=period, **settings)
    pd.testing.assert_frame_equal(expected.matrix, got.matrix, rtol=RTOL)
    assert got.matrix.attrs == expected.matrix.attrs
    pd.testing.assert_series_equal(expected.sizes, got.sizes)
    pd.testing.assert_frame_equal(expected.curve, got.curve, rtol=RTOL)
    pd.testing.assert_frame_equal(expected.overall_curve, got.overall_curve, rtol=RTOL)
    assert got.sentences == expected.sentences
    for name in ("n_cohorts", "n_customers", "total_cohorts", "capped"):
        assert getattr(got, name) == getattr(expected, name), name


def test_report_equals_the_in_memory_report(engine_cases):
    for _, tx, table in engine_cases:
        for settings in SETTINGS:
            check_report(tx, table, **settings)
        pd.testing.assert_series_equal(
            cohorts.cohort_sizes(tx, period="W"), pushdown.cohort_sizes(table, period="W")
        )


def test_range_cap_and_as_of(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    first, last = dt.date(2023, 3, 1), dt.date(2024, 2, 1)
    check_report(tx, table, cohort_range=(first, last))
    check_report(tx, table, cohort_range=(first, None), max_cohorts=3)
    check_report(tx, table, period="Q", as_of="2023-11-15")
    check_report(tx, table, period="W", max_cohorts=10, metric="revenue_per_customer")
    capped = pushdown.cohort_report(table, max_cohorts=2)
    assert capped.capped and capped.n_cohorts == 2 and capped.total_cohorts > 2


def test_no_purchase_gives_an_empty_report():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_id": ["1", "2"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "amount": [-5.0, -2.0],
        }
    )
    check_report(tx, duckdb_table(tx))
    assert pushdown.cohort_report(duckdb_table(tx)).n_cohorts == 0

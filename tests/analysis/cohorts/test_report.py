"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import pandas as pd

from analysis import cohorts
from analysis.cohorts import (
    cohort_report,
    cohort_sizes,
    describe_retention,
    retention_curve,
    retention_matrix,
)
from tests.analysis.cohorts._data import CHAN, FEB, HAND, JAN, MAR

# --------------------------------------------------------------------------------------------
# Report, summary, export
# --------------------------------------------------------------------------------------------


def test_report_matches_the_separate_functions():
    report = cohort_report(CHAN, metric="revenue_per_customer", by="channel")
    pd.testing.assert_frame_equal(
        report.matrix, retention_matrix(CHAN, metric="revenue_per_customer", by="channel")
    )
    pd.testing.assert_series_equal(report.sizes, cohort_sizes(CHAN, by="channel"))
    pd.testing.assert_frame_equal(
        report.curve, retention_curve(CHAN, metric="revenue_per_customer", by="channel")
    )
    pd.testing.assert_frame_equal(
        report.overall_curve, retention_curve(CHAN, metric="revenue_per_customer")
    )
    assert report.summary.sentences == describe_retention(CHAN).sentences
    assert report.sentences[: len(report.summary.sentences)] == report.summary.sentences
    assert any("A new customer brings in" in s for s in report.sentences)


def test_the_value_curve_sentence_writes_money_in_the_files_currency():
    report = cohort_report(CHAN, metric="revenue_per_customer")
    plain = next(s for s in report.sentences if "A new customer brings in" in s)
    euros = next(
        s
        for s in cohorts.describe_cohort_report(report, currency="EUR")
        if "A new customer brings in" in s
    )
    first = float(report.overall_curve["value"].iloc[0])
    assert f"brings in {first:,.2f} on average" in plain
    assert f"brings in €{first:,.2f} on average" in euros
    assert cohorts.describe_cohort_report(report) == report.sentences  # None: as before


def test_report_keeps_the_latest_cohorts_only():
    full = cohort_report(HAND, max_cohorts=None)
    assert list(full.matrix.index) == [JAN, FEB, MAR] and not full.capped
    assert full.total_cohorts == 3 == full.n_cohorts
    capped = cohort_report(HAND, max_cohorts=2)
    assert capped.capped and (capped.n_cohorts, capped.total_cohorts) == (2, 3)
    assert list(capped.matrix.index) == [FEB, MAR] and capped.n_customers == 2
    same = cohort_report(HAND, cohort_range=("2024-02-01", None), max_cohorts=None)
    pd.testing.assert_frame_equal(capped.matrix, same.matrix)
    assert capped.sentences[-1].startswith("Showing the latest 2 of 3 monthly cohorts")
    assert not any(s.startswith("Showing the latest") for s in full.sentences)
    # within a chosen range, the latest of that range
    ranged = cohort_report(HAND, cohort_range=(None, "2024-02-29"), max_cohorts=1)
    assert list(ranged.matrix.index) == [FEB] and ranged.total_cohorts == 2
    # the default keeps MAX_COHORTS
    assert cohort_report(HAND).capped is False and cohorts.MAX_COHORTS >= 12

"""Cohort retention: of the customers who first bought in a period, how many came back, and when.

Definitions (on top of those in :mod:`analysis.orders`):

- A customer's **cohort** is the period (week, month or quarter) of their first *purchase* order
  (an order whose net value is not negative). Customers with only refund orders belong to no
  cohort.
- A customer is **active** in a period if they have at least one purchase order dated in it
  (an order is dated by the calendar day of its earliest line).
- **Period number** ``k`` counts periods since the cohort's own period: ``0`` is the cohort
  period itself, ``1`` the next one, and so on.
- Periods: ``"W"`` weeks starting on Monday, ``"M"`` calendar months, ``"Q"`` calendar quarters.
- ``as_of`` is the end of observation, exclusive (default: the day after the last transaction
  date). A cell whose calendar period starts on or after ``as_of`` cannot be observed and is NaN,
  never 0. The period containing the day before ``as_of`` is **partial** when it does not end
  exactly at ``as_of``; its cells are reported (they are real, but incomplete) and flagged in
  ``matrix.attrs["partial_period"]`` so that charts can mark them. Averages over cohorts
  (:func:`retention_curve`, :func:`describe_retention`) leave partial cells out by default, so
  an unfinished period never shows as a drop.

Modules: :mod:`~analysis.cohorts.periods` (period arithmetic), :mod:`~analysis.cohorts.attributes`
(the first order's channel, country, category), :mod:`~analysis.cohorts.cells` (the counts per
cell), :mod:`~analysis.cohorts.retention` (matrix, sizes, curve; :func:`retention_from_counts`
for counts made in a database), :mod:`~analysis.cohorts.compare` (cohorts and groups against
each other), :mod:`~analysis.cohorts.describe` (sentences) and :mod:`~analysis.cohorts.report`
(everything the page shows). Everything is computed on integer codes with numpy
(``np.bincount``, sorting); the only per-cohort objects built are the final ``pd.Period`` labels.
"""

from analysis.cohorts.attributes import BREAKDOWNS, breakdown_columns, first_order_attribute
from analysis.cohorts.compare import (
    cohort_trend,
    compare_cohorts,
    compare_groups,
    flattening_period,
    two_proportion_test,
    wilson_interval,
)
from analysis.cohorts.describe import (
    RetentionSummary,
    describe_cohort_report,
    describe_retention,
    summary_from_counts,
)
from analysis.cohorts.periods import PERIODS, last_period, period_label, period_number_of_date
from analysis.cohorts.report import MAX_COHORTS, CohortReport, cohort_report
from analysis.cohorts.retention import (
    KINDS,
    METRICS,
    CohortCounts,
    check_settings,
    cohort_sizes,
    curve_from_counts,
    matrix_for_export,
    partial_mask,
    retention_curve,
    retention_from_counts,
    retention_matrix,
    sizes_from_counts,
)
from analysis.core.columns import MISSING_LABEL, OTHER_LABEL

__all__ = [
    "BREAKDOWNS",
    "KINDS",
    "MAX_COHORTS",
    "METRICS",
    "MISSING_LABEL",
    "OTHER_LABEL",
    "PERIODS",
    "CohortCounts",
    "CohortReport",
    "RetentionSummary",
    "breakdown_columns",
    "check_settings",
    "cohort_report",
    "cohort_sizes",
    "cohort_trend",
    "compare_cohorts",
    "compare_groups",
    "curve_from_counts",
    "describe_cohort_report",
    "describe_retention",
    "first_order_attribute",
    "flattening_period",
    "last_period",
    "matrix_for_export",
    "partial_mask",
    "period_label",
    "period_number_of_date",
    "retention_curve",
    "retention_from_counts",
    "retention_matrix",
    "sizes_from_counts",
    "summary_from_counts",
    "two_proportion_test",
    "wilson_interval",
]

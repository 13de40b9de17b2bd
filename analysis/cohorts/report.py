"""Everything the cohort page shows, computed from one pass over the orders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.cohorts.cells import _Cells, _cells
from analysis.cohorts.describe import RetentionSummary, _summary, describe_cohort_report
from analysis.cohorts.periods import _period_start_days
from analysis.cohorts.retention import _check_metric_kind, _curve, _matrix, _sizes
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table

__all__ = ["MAX_COHORTS", "CohortReport", "cohort_report"]

MAX_COHORTS = 60
"""Most cohorts :func:`cohort_report` shows: the latest ones of the chosen range (60 months are
five years; ten years of weekly cohorts would be a heatmap of 100,000+ cells). ``capped`` and
``total_cohorts`` of :class:`CohortReport` say when older cohorts were left out, and a
sentence says it in words."""


@dataclass(frozen=True)
class CohortReport:
    """Everything the cohort page shows, computed from one pass over the orders.

    Attributes
    ----------
    matrix : DataFrame
        :func:`retention_matrix` for the chosen settings (split by ``by`` when given).
    sizes : Series
        :func:`cohort_sizes`, same index as ``matrix``.
    curve : DataFrame
        :func:`retention_curve` for the chosen settings (split by ``by`` when given).
    overall_curve : DataFrame
        The same curve over all customers (equals ``curve`` when not split).
    summary : RetentionSummary
        :func:`describe_retention` (customer retention, all customers).
    sentences : list of str
        ``summary.sentences`` plus sentences about the chosen metric and breakdown
        (:func:`~analysis.cohorts.describe.describe_cohort_report`).
    n_cohorts : int
        Number of cohorts (calendar periods with at least one new customer).
    n_customers : int
        Customers in those cohorts.
    total_cohorts : int
        Cohorts in the chosen range before :data:`MAX_COHORTS` kept the latest.
    capped : bool
        True when older cohorts were left out (``total_cohorts > n_cohorts``).
    """

    matrix: pd.DataFrame
    sizes: pd.Series
    curve: pd.DataFrame
    overall_curve: pd.DataFrame
    summary: RetentionSummary
    sentences: list[str]
    n_cohorts: int
    n_customers: int
    total_cohorts: int = 0
    capped: bool = False


def _latest_cells(
    tx: pd.DataFrame, common: dict, max_cohorts: int | None
) -> tuple[_Cells, int, bool]:
    """Return the cells of the latest ``max_cohorts`` cohorts, their count before, and the cap.

    ``common`` (the settings of ``_cells``) gets the narrowed ``cohort_range``.
    """
    all_cells = _cells(tx, **common)
    total_cohorts = all_cells.n_rows
    capped = max_cohorts is not None and total_cohorts > max(int(max_cohorts), 1)
    if capped:
        period, cohort_range = common["period"], common["cohort_range"]
        first_kept = all_cells.row_cohort[-max(int(max_cohorts), 1)]
        start = pd.Timestamp(int(_period_start_days(np.array([first_kept]), period)[0]), unit="D")
        end = cohort_range[1] if cohort_range is not None else None
        common["cohort_range"] = (start, end)
        all_cells = _cells(tx, **common)
    return all_cells, total_cohorts, bool(capped)


def cohort_report(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
    at: int = 1,
    min_size: int = 20,
    max_cohorts: int | None = MAX_COHORTS,
) -> CohortReport:
    """Compute matrix, sizes, curves and the plain-language summary in one call.

    The orders are built once. Parameters are those of :func:`retention_matrix` and
    :func:`describe_retention`. The summary always describes customer retention (``kind`` as
    chosen when ``metric`` is ``"customers"``, classic otherwise); extra sentences cover the
    revenue metrics and, with ``by``, whether the groups retain differently (chi-square test at
    period ``at``). Only the latest ``max_cohorts`` cohorts of the range are kept (None: all;
    see :data:`MAX_COHORTS`).
    """
    _check_metric_kind(metric, kind)
    ot: OrderTable = order_table(tx, as_of)
    common = dict(period=period, as_of=as_of, cohort_range=cohort_range, ot=ot)
    all_cells, total_cohorts, capped = _latest_cells(tx, common, max_cohorts)
    cells = _cells(tx, by=by, max_groups=max_groups, **common) if by else all_cells
    curve = _curve(cells, metric, kind)
    report = CohortReport(
        matrix=_matrix(cells, metric, kind),
        sizes=_sizes(cells),
        curve=curve,
        overall_curve=_curve(all_cells, metric, kind) if by else curve,
        summary=_summary(all_cells, kind=kind, at=at, min_size=min_size, alpha=0.05),
        sentences=[],
        n_cohorts=all_cells.n_rows,
        n_customers=int(all_cells.sizes.sum()),
        total_cohorts=total_cohorts,
        capped=capped,
    )
    return dataclasses.replace(report, sentences=describe_cohort_report(report))


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

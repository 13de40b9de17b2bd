"""The cohort page's report (matrix, sizes, curves, sentences) from counts made in the engine.

Only the cohort x period-number cells come back from the engine (a few thousand numbers at
most); the matrix, the curves with their intervals and the sentences are then computed exactly
as :func:`analysis.cohorts.cohort_report` computes them from the same cells.
"""

from __future__ import annotations

import dataclasses

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.cohorts import (
    MAX_COHORTS,
    CohortCounts,
    CohortReport,
    check_settings,
    curve_from_counts,
    describe_cohort_report,
    period_number_of_date,
    retention_from_counts,
    sizes_from_counts,
    summary_from_counts,
)
from analysis.pushdown._lines import orders, resolve_as_of
from analysis.pushdown.cohorts import (
    _period_number,
    cell_frame,
    cohort_counts,
    counts_from_cells,
)

__all__ = ["cohort_report", "cohort_sizes"]


def _in_range(cells: pd.DataFrame, period: str, cohort_range) -> pd.DataFrame:
    """Keep the cells of the cohorts between the periods of ``cohort_range`` (both included)."""
    if cohort_range is None:
        return cells
    start, end = cohort_range
    keep = np.ones(len(cells), dtype=bool)
    if start is not None:
        keep &= cells["cohort"].to_numpy() >= period_number_of_date(start, period)
    if end is not None:
        keep &= cells["cohort"].to_numpy() <= period_number_of_date(end, period)
    return cells[keep]


def _first_period(table, period: str, as_of_ts: pd.Timestamp) -> int | None:
    """Period number of the earliest observed order (the start of the data), or None."""
    o = orders(table, as_of_ts)
    first = o.aggregate(first=_period_number(o.date, o.day, period).min()).execute()
    value = first["first"].iloc[0]
    return None if value is None or pd.isna(value) else int(value)


def _counts(
    cells: pd.DataFrame, period: str, as_of_ts: pd.Timestamp, first: int | None
) -> CohortCounts:
    """Return the cells' counts with the start of the data and the cumulative squares."""
    counts = counts_from_cells(cells, period, as_of_ts)
    n_rows, width = np.shape(counts.active) if np.ndim(counts.active) == 2 else (0, 0)
    rows = np.searchsorted(counts.cohorts, cells["cohort"].to_numpy())
    steps = np.zeros((n_rows, width), dtype=np.float64)
    np.add.at(steps, (rows, cells["off"].to_numpy()), cells["sq"].to_numpy(dtype=np.float64))
    return dataclasses.replace(
        counts, first_period=first, cumulative_squares=np.cumsum(steps, axis=1)
    )


def cohort_sizes(table: ir.Table, *, period: str = "M", as_of=None) -> pd.Series:
    """:func:`analysis.cohorts.cohort_sizes` (no range, no breakdown) counted in the engine."""
    check_settings(period)
    return sizes_from_counts(cohort_counts(table, period, as_of))


def cohort_report(
    table: ir.Table,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    cohort_range: tuple | None = None,
    at: int = 1,
    min_size: int = 20,
    max_cohorts: int | None = MAX_COHORTS,
) -> CohortReport:
    """:func:`analysis.cohorts.cohort_report` (without a breakdown) counted in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    period, metric, kind, as_of, cohort_range, at, min_size, max_cohorts
        As for :func:`analysis.cohorts.cohort_report`.

    Returns
    -------
    CohortReport
        The same matrix, sizes, curves, summary and sentences as the in-memory report of the
        same lines. Two small queries come back: the cells and the first order's period.
    """
    check_settings(period, metric, kind)
    as_of_ts = resolve_as_of(table, as_of)
    frame = _in_range(cell_frame(table, period, as_of_ts), period, cohort_range)
    cohorts = np.unique(frame.loc[frame["off"] == 0, "cohort"].to_numpy())
    total_cohorts = len(cohorts)
    capped = max_cohorts is not None and total_cohorts > max(int(max_cohorts), 1)
    if capped:
        frame = frame[frame["cohort"].to_numpy() >= cohorts[-max(int(max_cohorts), 1)]]
    counts = _counts(frame, period, as_of_ts, _first_period(table, period, as_of_ts))
    curve = curve_from_counts(counts, metric, kind)
    report = CohortReport(
        matrix=retention_from_counts(counts, metric, kind),
        sizes=sizes_from_counts(counts),
        curve=curve,
        overall_curve=curve,
        summary=summary_from_counts(counts, kind=kind, at=at, min_size=min_size, alpha=0.05),
        sentences=[],
        n_cohorts=len(counts.sizes),
        n_customers=int(np.sum(counts.sizes)),
        total_cohorts=total_cohorts,
        capped=bool(capped),
    )
    return dataclasses.replace(report, sentences=describe_cohort_report(report))

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
    CohortReport,
    check_settings,
    last_period,
    sizes_from_counts,
)
from analysis.cohorts.cells import _Cells
from analysis.cohorts.describe import _summary, describe_cohort_report
from analysis.cohorts.periods import _period_number_of_date
from analysis.cohorts.retention import _curve, _matrix, _sizes
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
        keep &= cells["cohort"].to_numpy() >= _period_number_of_date(start, period)
    if end is not None:
        keep &= cells["cohort"].to_numpy() <= _period_number_of_date(end, period)
    return cells[keep]


def _first_period(table, period: str, as_of_ts: pd.Timestamp) -> int | None:
    """Period number of the earliest observed order (the start of the data), or None."""
    o = orders(table, as_of_ts)
    first = o.aggregate(first=_period_number(o.date, o.day, period).min()).execute()
    value = first["first"].iloc[0]
    return None if value is None or pd.isna(value) else int(value)


def _cells(cells: pd.DataFrame, period: str, as_of_ts: pd.Timestamp, first: int | None) -> _Cells:
    counts = counts_from_cells(cells, period, as_of_ts)
    last, partial = last_period(as_of_ts, period)
    n_rows, width = np.shape(counts.active) if np.ndim(counts.active) == 2 else (0, 0)
    rows = np.searchsorted(counts.cohorts, cells["cohort"].to_numpy())
    steps = np.zeros((n_rows, width), dtype=np.float64)
    np.add.at(steps, (rows, cells["off"].to_numpy()), cells["sq"].to_numpy(dtype=np.float64))
    empty = np.zeros(0, dtype=np.int64)
    return _Cells(
        period=period,
        as_of=as_of_ts,
        last=last,
        partial=partial,
        first_period=last if first is None else first,
        row_cohort=counts.cohorts,
        row_group=None,
        group_labels=None,
        by=None,
        sizes=counts.sizes,
        width=int(width),
        cust_row=empty,
        order_cust=empty,
        order_off=empty,
        order_net=np.zeros(0),
        order_purchase=np.zeros(0, dtype=bool),
        cache={
            "classic": counts.active,
            "unbounded": counts.unbounded,
            "revenue": counts.revenue,
            "cum_sq": np.cumsum(steps, axis=1),
        },
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
    cells = _cells(frame, period, as_of_ts, _first_period(table, period, as_of_ts))
    curve = _curve(cells, metric, kind)
    report = CohortReport(
        matrix=_matrix(cells, metric, kind),
        sizes=_sizes(cells),
        curve=curve,
        overall_curve=curve,
        summary=_summary(cells, kind=kind, at=at, min_size=min_size, alpha=0.05),
        sentences=[],
        n_cohorts=cells.n_rows,
        n_customers=int(cells.sizes.sum()),
        total_cohorts=total_cohorts,
        capped=bool(capped),
    )
    return dataclasses.replace(report, sentences=describe_cohort_report(report))

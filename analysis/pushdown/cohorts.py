"""Cohort retention counts and revenue aggregated in the engine; the matrix built from them."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analysis.cohorts import CohortCounts, check_settings, last_period, retention_from_counts
from analysis.pushdown._lines import orders, resolve_as_of

__all__ = ["cell_frame", "cohort_counts", "counts_from_cells", "retention_matrix"]


def _period_number(date: ir.DateValue, day: ir.IntegerValue, period: str) -> ir.IntegerValue:
    """Weeks (Monday start), months or quarters since 1970, as in :mod:`analysis.cohorts`."""
    if period == "W":
        # 1970-01-01 was a Thursday; the Monday of its week is day -3.
        return ((day + 3) / 7).floor().cast("int64")
    months = (date.year().cast("int64") - 1970) * 12 + date.month().cast("int64") - 1
    return months if period == "M" else (months / 3).floor().cast("int64")


def cohort_counts(table: ir.Table, period: str = "M", as_of=None) -> CohortCounts:
    """Count each cohort's customers and revenue per period in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    period : {"W", "M", "Q"}
        Cohort and period length, as for :func:`analysis.cohorts.retention_matrix`.
    as_of : date-like or None
        End of observation, exclusive (default: the day after the last transaction).

    Returns
    -------
    CohortCounts
        The small cohort x period grids :func:`analysis.cohorts.retention_from_counts` and
        :func:`analysis.cohorts.sizes_from_counts` turn into the matrix and the cohort sizes.
    """
    as_of_ts = resolve_as_of(table, as_of)
    return counts_from_cells(cell_frame(table, period, as_of_ts), period, as_of_ts)


def cell_frame(table: ir.Table, period: str, as_of_ts: pd.Timestamp) -> pd.DataFrame:
    """Return the engine's cohort x period-number cells (one small query).

    Columns: ``cohort`` and ``off`` (period numbers), ``active`` (members buying in that
    period), ``rev`` (their orders' net), ``ends`` (members whose last purchase period it is)
    and ``sq`` (the step of the sum over members of their squared cumulative net at that
    period: summed along ``off`` it gives the cumulative squares of the in-memory cells).
    """
    o = orders(table, as_of_ts)
    o = o.mutate(p=_period_number(o.date, o.day, period), purchase=o.net >= 0)
    o = o.mutate(cohort=o.purchase.ifelse(o.p, None).min().over(group_by=o.customer_id))
    o = o.filter(o.cohort.notnull(), o.p >= o.cohort)
    # One row per member and period: whether they bought, and the net of their orders.
    cp = o.group_by(["customer_id", "cohort", "p"]).aggregate(
        bought=o.purchase.ifelse(1, 0).max(), rev=o.net.sum()
    )
    running = ibis.cumulative_window(group_by=cp.customer_id, order_by=cp.p)
    cp = cp.mutate(
        off=cp.p - cp.cohort,
        last_p=(cp.bought == 1).ifelse(cp.p, None).max().over(group_by=cp.customer_id),
        cum=cp.rev.sum().over(running),
    )
    cells = (
        cp.group_by(["cohort", "off"])
        .aggregate(
            active=cp.bought.sum(),
            rev=cp.rev.sum(),
            ends=((cp.bought == 1) & (cp.p == cp.last_p)).ifelse(1, 0).sum(),
            sq=(cp.cum * cp.cum - (cp.cum - cp.rev) * (cp.cum - cp.rev)).sum(),
        )
        .execute()
    )
    cells["cohort"] = cells["cohort"].astype(np.int64)
    cells["off"] = cells["off"].astype(np.int64)
    return cells


def counts_from_cells(cells: pd.DataFrame, period: str, as_of_ts: pd.Timestamp) -> CohortCounts:
    """Turn :func:`cell_frame`'s rows into the :class:`~analysis.cohorts.CohortCounts` grids."""
    last, _ = last_period(as_of_ts, period)
    # Every member buys in their cohort's own period (period number 0).
    first = cells[cells["off"] == 0].sort_values("cohort", ignore_index=True)
    row_cohort = first["cohort"].to_numpy(dtype=np.int64)
    n_rows = len(row_cohort)
    width = int(last - row_cohort.min() + 1) if n_rows else 0
    rows = np.searchsorted(row_cohort, cells["cohort"].to_numpy())
    cols = cells["off"].to_numpy()

    def grid(value: str) -> np.ndarray:
        out = np.zeros((n_rows, width), dtype=np.float64)
        np.add.at(out, (rows, cols), cells[value].to_numpy(dtype=np.float64))
        return out

    classic = grid("active")
    ended = grid("ends")
    unbounded = np.cumsum(ended[:, ::-1], axis=1)[:, ::-1]
    return CohortCounts(
        period=period,
        as_of=as_of_ts,
        cohorts=row_cohort,
        sizes=first["active"].to_numpy(dtype=np.int64),
        active=classic,
        unbounded=unbounded,
        revenue=grid("rev"),
    )


def retention_matrix(
    table: ir.Table,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
) -> pd.DataFrame:
    """:func:`analysis.cohorts.retention_matrix` with the counts pushed down to the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    period, metric, kind, as_of
        As for :func:`analysis.cohorts.retention_matrix`.

    Returns
    -------
    DataFrame
        The same matrix (index, columns, values and ``attrs``) as the in-memory function.
        Only a few small aggregates (cohort x period cells) come back from the engine.
    """
    check_settings(period, metric, kind)
    return retention_from_counts(cohort_counts(table, period, as_of), metric, kind)

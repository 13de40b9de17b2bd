"""Cohort retention tables: the matrix, the cohort sizes and the average curve.

A cell whose calendar period starts on or after ``as_of`` cannot be observed and is NaN, never
0. The period containing the day before ``as_of`` is **partial** when it does not end exactly at
``as_of``; its cells are reported (they are real, but incomplete) and flagged in
``matrix.attrs["partial_period"]`` so that charts can mark them. Averages over cohorts
(:func:`retention_curve`) leave partial cells out by default, so an unfinished period never
shows as a drop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.cohorts.cells import _Cells, _cells
from analysis.cohorts.periods import _check_period, _to_periods, last_period
from analysis.core.floats import make_float_safe
from analysis.core.stats import Z95, wilson_interval

__all__ = [
    "KINDS",
    "METRICS",
    "CohortCounts",
    "check_settings",
    "cohort_sizes",
    "curve_from_counts",
    "matrix_for_export",
    "partial_mask",
    "retention_curve",
    "retention_from_counts",
    "retention_matrix",
    "sizes_from_counts",
]

METRICS = ("customers", "revenue", "revenue_per_customer")


KINDS = ("classic", "unbounded")


def _check_metric_kind(metric: str, kind: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if kind == "unbounded" and metric != "customers":
        raise ValueError('kind="unbounded" applies to metric="customers" only.')


def _metric_values(cells: _Cells, metric: str, kind: str) -> np.ndarray:
    sizes = cells.sizes[:, None].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "customers":
            counts = cells.classic_counts() if kind == "classic" else cells.unbounded_counts()
            values = counts / sizes
        elif metric == "revenue":
            rev = cells.revenue()
            base = rev[:, :1]
            values = np.where(base > 0, rev / np.where(base > 0, base, 1.0), np.nan)
        else:
            values = np.cumsum(cells.revenue(), axis=1) / sizes
    return np.where(cells.observable(), values, np.nan)


def _attrs(cells: _Cells, metric: str, kind: str) -> dict:
    partial = _to_periods(np.array([cells.last]), cells.period)[0] if cells.partial else None
    return {
        "period": cells.period,
        "metric": metric,
        "kind": kind,
        "as_of": cells.as_of,
        "partial_period": partial,
        "by": cells.by,
    }


def retention_matrix(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
) -> pd.DataFrame:
    """Cohort-by-period retention matrix.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    period : {"W", "M", "Q"}
        Weeks starting Monday, calendar months or calendar quarters.
    metric : {"customers", "revenue", "revenue_per_customer"}
        ``"customers"``: share of the cohort active in the period (period 0 is 1.0).
        ``"revenue"``: the cohort's net revenue in the period divided by its net revenue in
        period 0 (all members' amounts, refunds included, dated in or after the cohort period;
        NaN for a cohort whose period-0 net revenue is not positive).
        ``"revenue_per_customer"``: cumulative net revenue per cohort member up to and including
        the period, in the data's currency (the cohort's value curve).
    kind : {"classic", "unbounded"}
        ``"classic"``: active in exactly that period; ``"unbounded"``: active in that period or
        any later observed one (rolling retention; customers metric only).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction date.
    by : str or None
        Split cohorts by an attribute of the customer's first purchase order (e.g.
        ``"channel"``, see :func:`breakdown_columns`); the index becomes ``(by, cohort)``.
    cohort_range : (date-like or None, date-like or None) or None
        Keep only cohorts whose period lies between the periods containing these dates
        (inclusive); other customers are left out entirely.
    max_groups : int
        With ``by``, the largest groups kept; the rest are pooled into "Other".

    Returns
    -------
    DataFrame
        Index ``cohort`` (``pd.Period``; or ``(by, cohort)``), columns ``0, 1, 2, ...`` =
        periods since the cohort period (columns index named ``period_number``). Cells whose
        calendar period starts on or after ``as_of`` are NaN. ``attrs``: ``period``, ``metric``,
        ``kind``, ``as_of`` (Timestamp), ``partial_period`` (the unfinished last calendar
        ``pd.Period`` whose cells are incomplete, or None when the data end on a period
        boundary) and ``by``. :func:`partial_mask` gives the partial cells.
    """
    _check_metric_kind(metric, kind)
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _matrix(cells, metric, kind)


def _matrix(cells: _Cells, metric: str, kind: str) -> pd.DataFrame:
    matrix = pd.DataFrame(
        _metric_values(cells, metric, kind),
        index=cells.row_index(),
        columns=pd.RangeIndex(cells.width, name="period_number"),
    )
    matrix.attrs.update(_attrs(cells, metric, kind))
    return matrix


def cohort_sizes(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
) -> pd.Series:
    """Count the customers per cohort (customers whose first purchase order is in the period).

    Same conventions and index as :func:`retention_matrix`; int64 values named ``customers``.
    ``attrs`` as for the matrix, plus ``last_period``: the last calendar period that can be
    observed (the one containing the day before ``as_of``).
    """
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _sizes(cells)


def _sizes(cells: _Cells) -> pd.Series:
    sizes = pd.Series(cells.sizes.astype(np.int64), index=cells.row_index(), name="customers")
    sizes.attrs.update(_attrs(cells, "customers", "classic"))
    sizes.attrs["last_period"] = _to_periods(np.array([cells.last]), cells.period)[0]
    return sizes


def partial_mask(matrix: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame like ``matrix``: True on the cells of the unfinished last period."""
    partial = matrix.attrs.get("partial_period")
    mask = np.zeros(matrix.shape, dtype=bool)
    if partial is not None and len(matrix):
        cohorts = pd.PeriodIndex(matrix.index.get_level_values("cohort"))
        offset = partial.ordinal - cohorts.asi8
        cols = np.asarray(matrix.columns, dtype=np.int64)
        mask = offset[:, None] == cols[None, :]
    return pd.DataFrame(mask, index=matrix.index, columns=matrix.columns)


def _curve_rows(
    cells: _Cells,
    rows: np.ndarray,
    metric: str,
    kind: str,
    usable: np.ndarray,
    values: np.ndarray,
    z: float,
) -> pd.DataFrame:
    """Size-weighted average over ``rows`` of ``values`` where ``usable``, with an interval."""
    w = np.where(usable[rows], cells.sizes[rows, None].astype(np.float64), 0.0)
    n_customers = w.sum(axis=0)
    n_cohorts = usable[rows].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "customers":
            counts = cells.classic_counts() if kind == "classic" else cells.unbounded_counts()
            successes = np.where(usable[rows], counts[rows], 0.0).sum(axis=0)
            value = successes / n_customers
            low, high = wilson_interval(successes, n_customers, z)
        elif metric == "revenue_per_customer":
            s1 = np.where(usable[rows], np.cumsum(cells.revenue()[rows], axis=1), 0.0).sum(axis=0)
            s2 = np.where(usable[rows], cells.cumulative_square_sums()[rows], 0.0).sum(axis=0)
            value = s1 / n_customers
            var = np.maximum(s2 - n_customers * value**2, 0.0) / (n_customers - 1)
            half = z * np.sqrt(var / n_customers)
            low, high = value - half, value + half
        else:  # revenue ratio: size-weighted mean over cohorts, spread between cohorts
            v = np.where(usable[rows], values[rows], 0.0)
            value = (w * v).sum(axis=0) / n_customers
            var = (w * (v - value) ** 2).sum(axis=0) / n_customers
            n_eff = n_customers**2 / (w**2).sum(axis=0)  # Kish effective number of cohorts
            var = var * n_eff / (n_eff - 1)
            confidence = 2 * stats.norm.cdf(z) - 1
            t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n_cohorts - 1, 1))
            half = t * np.sqrt(var / n_eff)
            half = np.where(n_cohorts >= 2, half, np.nan)
            low, high = value - half, value + half
    keep = n_cohorts > 0
    return pd.DataFrame(
        {
            "value": value[keep],
            "low": np.asarray(low)[keep],
            "high": np.asarray(high)[keep],
            "n_cohorts": n_cohorts[keep].astype(np.int64),
            "n_customers": n_customers[keep].astype(np.int64),
        },
        index=pd.RangeIndex(cells.width, name="period_number")[keep],
    )


def retention_curve(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
    include_partial: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Average retention curve over cohorts, weighted by cohort size, with an interval.

    Parameters
    ----------
    tx, period, metric, kind, as_of, by, cohort_range, max_groups
        As in :func:`retention_matrix`.
    include_partial : bool
        Whether cells of the unfinished last period count (default False: they would pull the
        average down only because the period is not over).
    confidence : float
        Coverage of the interval (default 0.95).

    Returns
    -------
    DataFrame
        Index ``period_number`` (or ``(by, period_number)``), columns ``value``, ``low``,
        ``high``, ``n_cohorts`` (cohorts observed at that point) and ``n_customers`` (their
        members). Only observable cells are used, so each point averages the cohorts old
        enough to have it. ``"customers"``: pooled share = size-weighted mean of the cohorts'
        shares, Wilson interval. ``"revenue_per_customer"``: mean cumulative net revenue per
        customer, normal interval from the spread between customers. ``"revenue"``:
        size-weighted mean of the cohorts' ratios, t interval from the spread between cohorts
        (NaN with fewer than two cohorts). Points no cohort reaches are left out.
    """
    _check_metric_kind(metric, kind)
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _curve(cells, metric, kind, include_partial, confidence)


def _curve(
    cells: _Cells, metric: str, kind: str, include_partial: bool = False, confidence: float = 0.95
) -> pd.DataFrame:
    z = Z95 if confidence == 0.95 else float(stats.norm.ppf(0.5 + confidence / 2))
    values = _metric_values(cells, metric, kind)
    usable = cells.observable() & ~np.isnan(values)
    if not include_partial:
        usable &= ~cells.partial_cells()
    if cells.row_group is None:
        curve = _curve_rows(cells, np.arange(cells.n_rows), metric, kind, usable, values, z)
    else:
        parts = {}
        for code, label in enumerate(cells.group_labels):
            rows = np.flatnonzero(cells.row_group == code)
            parts[label] = _curve_rows(cells, rows, metric, kind, usable, values, z)
        curve = pd.concat(parts, names=[cells.by, "period_number"]) if parts else pd.DataFrame()
    curve.attrs.update(_attrs(cells, metric, kind))
    curve.attrs["include_partial"] = include_partial
    return curve


def matrix_for_export(matrix: pd.DataFrame, sizes: pd.Series | None = None) -> pd.DataFrame:
    """Return a flat table for CSV/XLSX.

    Cohort labels as text, an optional ``customers`` column, then one column per period number
    (values as in the matrix; NaN = not observable).
    """
    flat = matrix.copy()
    flat.columns = [f"period {c}" for c in matrix.columns]
    if sizes is not None:
        flat.insert(0, "customers", sizes.reindex(matrix.index).to_numpy())
    flat = flat.reset_index()
    flat["cohort"] = flat["cohort"].astype("str")
    flat.attrs = {}
    return flat


def check_settings(period: str, metric: str = "customers", kind: str = "classic") -> None:
    """Refuse unknown settings before any work is done.

    Parameters
    ----------
    period : str
        One of :data:`~analysis.cohorts.periods.PERIODS` (``"W"``, ``"M"``, ``"Q"``).
    metric : str
        One of :data:`METRICS`.
    kind : str
        One of :data:`KINDS`; ``"unbounded"`` applies to the customers metric only.

    Raises
    ------
    ValueError
        Naming the setting and the values allowed.
    """
    _check_period(period)
    _check_metric_kind(metric, kind)


@dataclass(frozen=True)
class CohortCounts:
    """Counts per (cohort, period number) cell, as a database engine returns them.

    Attributes
    ----------
    period : {"W", "M", "Q"}
        The cohort period.
    as_of : Timestamp
        End of observation, exclusive (a midnight).
    cohorts : ndarray of int64
        Period number of each cohort (see :mod:`~analysis.cohorts.periods`), ascending.
    sizes : ndarray of int64
        Members per cohort.
    active : ndarray of float64, shape (cohorts, width)
        Members with a purchase order in the cell's period (``width`` period numbers, from 0 to
        the last observable period of the first cohort).
    unbounded : ndarray of float64, same shape
        Members with a purchase order in the cell's period or any later one.
    revenue : ndarray of float64, same shape
        Net revenue of the members' orders in the cell's period (refunds included).
    first_period : int, optional
        Period number of the first observed order (the start of the data); by default the
        first cohort's.
    cumulative_squares : ndarray of float64, same shape, optional
        Sum over members of (their cumulative net revenue up to the cell's period) squared;
        needed for the intervals of the revenue-per-customer curve.
    """

    period: str
    as_of: pd.Timestamp
    cohorts: np.ndarray
    sizes: np.ndarray
    active: np.ndarray
    unbounded: np.ndarray
    revenue: np.ndarray
    first_period: int | None = None
    cumulative_squares: np.ndarray | None = None


def _cells_from_counts(counts: CohortCounts) -> _Cells:
    last, partial = last_period(counts.as_of, counts.period)
    cohorts = np.asarray(counts.cohorts, dtype=np.int64)
    first = counts.first_period
    if first is None:
        first = int(cohorts.min()) if len(cohorts) else last
    cache = {"classic": counts.active, "unbounded": counts.unbounded, "revenue": counts.revenue}
    if counts.cumulative_squares is not None:
        cache["cum_sq"] = counts.cumulative_squares
    empty = np.zeros(0, dtype=np.int64)
    return _Cells(
        period=counts.period,
        as_of=counts.as_of,
        last=last,
        partial=partial,
        first_period=first,
        row_cohort=cohorts,
        row_group=None,
        group_labels=None,
        by=None,
        sizes=np.asarray(counts.sizes, dtype=np.int64),
        width=int(np.shape(counts.active)[1]) if np.ndim(counts.active) == 2 else 0,
        cust_row=empty,
        order_cust=empty,
        order_off=empty,
        order_net=np.zeros(0),
        order_purchase=np.zeros(0, dtype=bool),
        cache=cache,
    )


def retention_from_counts(
    counts: CohortCounts, metric: str = "customers", kind: str = "classic"
) -> pd.DataFrame:
    """Build the retention matrix from counts made elsewhere (e.g. in a database).

    Parameters
    ----------
    counts : CohortCounts
        The cells' counts.
    metric, kind : str
        As in :func:`retention_matrix`.

    Returns
    -------
    DataFrame
        The matrix :func:`retention_matrix` gives for the same orders (index, columns, values
        and ``attrs``).
    """
    check_settings(counts.period, metric, kind)
    return _matrix(_cells_from_counts(counts), metric, kind)


def sizes_from_counts(counts: CohortCounts) -> pd.Series:
    """Return the cohort sizes of counts made elsewhere, as :func:`cohort_sizes` gives them.

    Parameters
    ----------
    counts : CohortCounts
        The cells' counts.

    Returns
    -------
    Series
        Members per cohort, indexed like :func:`retention_from_counts`' matrix.
    """
    return _sizes(_cells_from_counts(counts))


def curve_from_counts(
    counts: CohortCounts, metric: str = "customers", kind: str = "classic"
) -> pd.DataFrame:
    """Return the average retention curve of counts made elsewhere, as :func:`retention_curve`.

    Parameters
    ----------
    counts : CohortCounts
        The cells' counts.
    metric, kind : str
        As in :func:`retention_matrix`.

    Returns
    -------
    DataFrame
        The size-weighted curve over the cohorts (finished periods only), with its interval.
    """
    check_settings(counts.period, metric, kind)
    return _curve(_cells_from_counts(counts), metric, kind)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""Cohorts against each other: best and worst cohorts, recent against older, breakdown groups.

Comparisons use only complete cells (observable and not partial) of a customers-metric
matrix; the tests are the shared ones of :mod:`analysis.core.stats` (two-proportion z test,
Wilson interval) and scipy's chi-square test of independence for groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.cohorts.retention import partial_mask
from analysis.core.floats import make_float_safe
from analysis.core.stats import two_proportion_test, wilson_interval

__all__ = [
    "cohort_trend",
    "compare_cohorts",
    "compare_groups",
    "flattening_period",
    "two_proportion_test",
    "wilson_interval",
]


def _cell_counts(matrix: pd.DataFrame, sizes: pd.Series, at: int) -> pd.DataFrame:
    """Complete (observable, not partial) cells of column ``at``: share, size, active count."""
    if matrix.attrs.get("metric", "customers") != "customers":
        raise ValueError("Cohort comparisons need a customers-metric matrix.")
    if at not in matrix.columns:
        return pd.DataFrame(columns=["share", "customers", "active"])
    share = matrix[at]
    ok = share.notna() & ~partial_mask(matrix)[at]
    n = sizes.reindex(matrix.index)
    out = pd.DataFrame({"share": share[ok], "customers": n[ok].astype(np.int64)})
    out["active"] = np.rint(out["share"] * out["customers"]).astype(np.int64)
    return out


def compare_cohorts(
    matrix: pd.DataFrame, sizes: pd.Series, *, at: int = 1, min_size: int = 1
) -> pd.DataFrame:
    """Each cohort's share active at period ``at`` against all the other cohorts pooled.

    Parameters
    ----------
    matrix : DataFrame
        A ``metric="customers"`` matrix from :func:`retention_matrix` (not split by ``by``).
    sizes : Series
        :func:`cohort_sizes` for the same settings.
    at : int
        Period number compared (default 1: the period after the first purchase).
    min_size : int
        Cohorts smaller than this are left out of the comparison.

    Returns
    -------
    DataFrame
        Indexed by cohort (complete cells at ``at`` only): ``share``, ``customers``, ``active``,
        ``low``/``high`` (95% Wilson), ``others_share`` (all other compared cohorts pooled),
        ``z``, ``p_value`` (two-proportion z test) and ``p_adjusted`` (Bonferroni over the
        cohorts compared, the honest figure for "the best" or "the worst" cohort, which were
        picked because they are extreme).
    """
    cells = _cell_counts(matrix, sizes, at)
    cells = cells[cells["customers"] >= min_size]
    x, n = cells["active"].to_numpy(), cells["customers"].to_numpy()
    x_rest, n_rest = x.sum() - x, n.sum() - n
    low, high = wilson_interval(x, n)
    z, p = two_proportion_test(x, n, x_rest, n_rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        others = x_rest / n_rest
    return cells.assign(
        low=low,
        high=high,
        others_share=others,
        z=z,
        p_value=p,
        p_adjusted=np.minimum(p * len(cells), 1.0),
    )


def cohort_trend(
    matrix: pd.DataFrame, sizes: pd.Series, *, at: int = 1
) -> dict[str, float | int | pd.Period] | None:
    """Compare recent against older cohorts at period ``at``.

    The later half of the cohorts with a complete cell against the earlier half (pooled shares,
    two-proportion z test).

    Returns None with fewer than four such cohorts; otherwise a dict with ``older_share``,
    ``recent_share``, ``older_cohorts``, ``recent_cohorts`` (counts), ``first_recent``
    (``pd.Period``), ``difference`` (recent minus older, in share points), ``z`` and ``p_value``.
    """
    cells = _cell_counts(matrix, sizes, at).sort_index()
    if len(cells) < 4:
        return None
    half = len(cells) // 2
    older, recent = cells.iloc[:half], cells.iloc[half:]
    xo, no = older["active"].sum(), older["customers"].sum()
    xr, nr = recent["active"].sum(), recent["customers"].sum()
    z, p = two_proportion_test(xr, nr, xo, no)
    return {
        "older_share": xo / no,
        "recent_share": xr / nr,
        "older_cohorts": len(older),
        "recent_cohorts": len(recent),
        "first_recent": recent.index[0],
        "difference": xr / nr - xo / no,
        "z": float(z),
        "p_value": float(p),
    }


def flattening_period(
    curve: pd.DataFrame, *, relative: float = 0.2, absolute: float = 0.02, min_cohorts: int = 2
) -> int | None:
    """First period number ``k >= 1`` from which the average curve stops falling.

    "Stops falling" means no later point (among those backed by at least ``min_cohorts``
    cohorts) lies more than ``max(relative * value_k, absolute)`` below the value at ``k``;
    later points may rise. Returns None when the curve keeps falling or has fewer than three
    such points.
    """
    points = curve[(curve.index >= 1) & (curve["n_cohorts"] >= min_cohorts)]["value"].dropna()
    values = points.to_numpy()
    if len(values) < 3:
        return None
    for i in range(len(values) - 1):  # at most a few dozen points, not customers
        band = max(relative * values[i], absolute)
        if np.all(values[i + 1 :] >= values[i] - band):
            return int(points.index[i])
    return None


def compare_groups(curve: pd.DataFrame, *, at: int = 1) -> dict | None:
    """Test whether breakdown groups retain differently at period ``at``.

    Parameters
    ----------
    curve : DataFrame
        A ``metric="customers"`` :func:`retention_curve` split with ``by``.
    at : int
        Period number compared.

    Returns
    -------
    dict or None
        ``shares`` (Series: pooled share per group, highest first), ``customers`` (Series),
        ``chi2``, ``p_value`` (chi-square test that all groups share one rate) and ``dof``; None
        when fewer than two groups reach period ``at``.
    """
    if curve.attrs.get("metric", "customers") != "customers" or curve.index.nlevels != 2:
        raise ValueError("compare_groups needs a customers-metric curve split by a breakdown.")
    at_k = curve.xs(at, level="period_number") if at in curve.index.get_level_values(1) else None
    if at_k is None or len(at_k) < 2:
        return None
    n = at_k["n_customers"].to_numpy(dtype=np.float64)
    x = np.rint(at_k["value"].to_numpy() * n)
    table = np.column_stack([x, n - x])
    if (table.sum(axis=0) == 0).any():
        chi2, p, dof = 0.0, 1.0, len(at_k) - 1
    else:
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    shares = at_k["value"].sort_values(ascending=False)
    return {
        "shares": shares,
        "customers": at_k["n_customers"].reindex(shares.index),
        "chi2": float(chi2),
        "p_value": float(p),
        "dof": int(dof),
    }


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats); the
# statistics re-exported here are wrapped too.
make_float_safe(globals(), __all__)

"""Small statistical helpers shared by the analyses (intervals and tests for shares)."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["Z95", "wilson_interval", "two_proportion_test"]

Z95 = float(stats.norm.ppf(0.975))  # 1.959963984540054


def wilson_interval(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial share (default 95%).

    Parameters
    ----------
    successes, n : array-like
        Counts of successes and trials.
    z : float
        Normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : arrays of fractions in [0, 1]; NaN where ``n`` is 0.
    """
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def two_proportion_test(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided two-proportion z test (pooled variance): ``(z, p_value)``; NaN if undefined."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
        z = np.where(se > 0, z, np.where((n1 > 0) & (n2 > 0), 0.0, np.nan))
    return z, 2 * stats.norm.sf(np.abs(z))

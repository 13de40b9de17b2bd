"""What every part of :mod:`analysis.feedback` shares: the groups, the checks, the formulas.

The vectorised NPS formulas (adjusted-Wald interval, difference of two NPS with its z test,
the NPS columns of a grouped table) serve the scalar summaries, the breakdowns, the trend and
the themes alike; they take arrays of counts and return arrays.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.errors import NotEnoughData
from analysis.core.stats import Z95

#: The three NPS groups, in display order.
CATEGORIES: tuple[str, str, str] = ("promoter", "passive", "detractor")
#: Groups with fewer responses than this are flagged as small.
SMALL_GROUP = 30


def clean_scores(scores, low: int, high: int, what: str) -> np.ndarray:
    """Return the non-missing answers as int64, or raise ``ValueError`` if any is invalid.

    Parameters
    ----------
    scores : array-like or Series
        Answers; missing values are dropped.
    low, high : int
        The scale's smallest and largest answer.
    what : str
        What the answers are, for the message ("NPS scores").
    """
    s = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    if s.dtype == bool:
        raise ValueError(f"{what} must be whole numbers from {low} to {high}, not True/False.")
    try:
        values = pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be whole numbers from {low} to {high}.") from exc
    values = values[~np.isnan(values)]
    bad = (values != np.round(values)) | (values < low) | (values > high)
    if bad.any():
        examples = ", ".join(f"{v:g}" for v in np.unique(values[bad])[:5])
        raise ValueError(f"{what} must be whole numbers from {low} to {high}; found {examples}.")
    return values.astype(np.int64)


def require_scores(responses: pd.DataFrame) -> np.ndarray:
    """Return the valid NPS answers of a responses table (``NotEnoughData`` without the column)."""
    if "score" not in responses.columns:
        raise NotEnoughData("The responses have no 'score' column (the 0-10 NPS answer).")
    return clean_scores(responses["score"], 0, 10, "NPS scores")


def score_array(responses: pd.DataFrame) -> np.ndarray:
    """Return the ``score`` column as float64, NaN where it is missing (aligned with the rows)."""
    return pd.to_numeric(responses["score"]).to_numpy(dtype=np.float64, na_value=np.nan)


def non_empty_text(series: pd.Series) -> np.ndarray:
    """Return a boolean mask of the cells holding text other than blanks."""
    text = series.astype("str")
    return (text.notna() & (text.str.strip().str.len() > 0)).to_numpy(dtype=bool)


def t_half_width(values: np.ndarray) -> float:
    """Return the half-width of the 95% t interval of the mean (NaN below two values)."""
    n = len(values)
    if n < 2:
        return math.nan
    return float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))


def adjusted_wald(promoters, detractors, n) -> tuple[np.ndarray, np.ndarray]:
    """Return the adjusted-Wald 95% interval of NPS in points (arrays of counts in, arrays out)."""
    promoters = np.asarray(promoters, dtype=np.float64)
    detractors = np.asarray(detractors, dtype=np.float64)
    n_adj = np.asarray(n, dtype=np.float64) + 3.0
    p_p = (promoters + 0.75) / n_adj
    p_d = (detractors + 0.75) / n_adj
    centre = p_p - p_d
    se = np.sqrt(np.maximum(p_p + p_d - centre**2, 0.0) / n_adj)
    low = np.clip(100.0 * (centre - Z95 * se), -100.0, 100.0)
    high = np.clip(100.0 * (centre + Z95 * se), -100.0, 100.0)
    return low, high


def nps_var(promoters, detractors, n) -> np.ndarray:
    """Return the per-response variance of the NPS score (+1/0/-1), in fraction squared."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_p = np.asarray(promoters, dtype=np.float64) / n
        p_d = np.asarray(detractors, dtype=np.float64) / n
    return np.maximum(p_p + p_d - (p_p - p_d) ** 2, 0.0)


def compare(p_a, d_a, n_a, p_b, d_b, n_b) -> dict[str, np.ndarray]:
    """Return the difference of two NPS (a - b) in points, its 95% interval and p-value."""
    n_a = np.asarray(n_a, dtype=np.float64)
    n_b = np.asarray(n_b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps_a = 100.0 * (np.asarray(p_a) - np.asarray(d_a)) / n_a
        nps_b = 100.0 * (np.asarray(p_b) - np.asarray(d_b)) / n_b
        diff = nps_a - nps_b
        se = 100.0 * np.sqrt(nps_var(p_a, d_a, n_a) / n_a + nps_var(p_b, d_b, n_b) / n_b)
        z = diff / se
    p = 2.0 * stats.norm.sf(np.abs(z))
    # A zero standard error (e.g. all promoters in both) means no sampling noise to speak of.
    p = np.where(se == 0, np.where(diff == 0, 1.0, 0.0), p)
    p = np.where((n_a > 0) & (n_b > 0), p, np.nan)
    return {
        "difference": diff,
        "ci_low": diff - Z95 * se,
        "ci_high": diff + Z95 * se,
        "p_value": p,
    }


def compare_tables(table: pd.DataFrame, other: pd.DataFrame) -> dict[str, np.ndarray]:
    """Return :func:`compare` of two tables' ``promoters``, ``detractors`` and ``n``, row by row."""
    return compare(
        table["promoters"].to_numpy(),
        table["detractors"].to_numpy(),
        table["n"].to_numpy(),
        other["promoters"].to_numpy(),
        other["detractors"].to_numpy(),
        other["n"].to_numpy(),
    )


def group_table(codes: np.ndarray, score: np.ndarray, n_groups: int) -> pd.DataFrame:
    """Return the NPS columns for integer group codes (0..n_groups-1); no comparison columns."""
    n = np.bincount(codes, minlength=n_groups)
    promoters = np.bincount(codes, weights=score >= 9, minlength=n_groups)
    detractors = np.bincount(codes, weights=score <= 6, minlength=n_groups)
    passives = n - promoters - detractors
    low, high = adjusted_wald(promoters, detractors, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "n": n.astype(np.int64),
                "nps": 100.0 * (promoters - detractors) / n,
                "ci_low": low,
                "ci_high": high,
                "promoters": promoters.astype(np.int64),
                "passives": passives.astype(np.int64),
                "detractors": detractors.astype(np.int64),
                "share_promoters": promoters / n,
                "share_passives": passives / n,
                "share_detractors": detractors / n,
            }
        )

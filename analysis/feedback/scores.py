"""NPS, CSAT and CES of one set of answers, with their intervals, and two NPS compared.

See :mod:`analysis.feedback` for the conventions (groups, intervals, tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.floats import make_float_safe
from analysis.core.stats import wilson_interval
from analysis.feedback._common import (
    CATEGORIES,
    adjusted_wald,
    clean_scores,
    compare,
    non_empty_text,
    require_scores,
    t_half_width,
)

__all__ = [
    "CESSummary",
    "CSATSummary",
    "FeedbackOverview",
    "NPSComparison",
    "NPSSummary",
    "ces_summary",
    "compare_nps",
    "csat_summary",
    "feedback_overview",
    "nps_category",
    "nps_summary",
]


def nps_category(scores) -> pd.Series:
    """Return promoter (9-10), passive (7-8) or detractor (0-6) for each score.

    Parameters
    ----------
    scores : array-like or Series
        NPS answers 0-10; missing values give ``NA``.

    Returns
    -------
    Series
        Ordered categorical over :data:`CATEGORIES`, aligned with ``scores``.

    Raises
    ------
    ValueError
        If a score is outside 0-10 or not a whole number.
    """
    s = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    clean_scores(s, 0, 10, "NPS scores")
    values = pd.to_numeric(s).to_numpy(dtype=np.float64, na_value=np.nan)
    codes = np.where(values >= 9, 0, np.where(values >= 7, 1, 2))
    codes[np.isnan(values)] = -1
    cat = pd.Categorical.from_codes(codes, categories=list(CATEGORIES), ordered=True)
    return pd.Series(cat, index=s.index, name="category")


@dataclass(frozen=True)
class NPSSummary:
    """NPS of one set of answers.

    Attributes
    ----------
    n : int
        Number of (non-missing) answers.
    promoters, passives, detractors : int
        Counts of 9-10, 7-8 and 0-6 answers.
    nps : float
        Percent promoters minus percent detractors, in points (-100..100).
    ci_low, ci_high : float
        Adjusted-Wald 95% interval (Rocks 2016), in points, clipped to [-100, 100].
    """

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    ci_low: float
    ci_high: float

    @property
    def share_promoters(self) -> float:
        """Fraction of promoters (0..1)."""
        return self.promoters / self.n

    @property
    def share_passives(self) -> float:
        """Fraction of passives (0..1)."""
        return self.passives / self.n

    @property
    def share_detractors(self) -> float:
        """Fraction of detractors (0..1)."""
        return self.detractors / self.n

    @property
    def margin(self) -> float:
        """Half the width of the interval, in points."""
        return (self.ci_high - self.ci_low) / 2.0


def nps_summary(scores) -> NPSSummary:
    """Compute the Net Promoter Score with its adjusted-Wald 95% interval.

    Parameters
    ----------
    scores : array-like
        Answers 0-10 (whole numbers). Missing values are ignored.

    Returns
    -------
    NPSSummary
        Counts, NPS in points and its interval.

    Raises
    ------
    ValueError
        If a score is outside 0-10 or not a whole number.
    NotEnoughData
        If there are no scores (a ``ValueError`` too).

    Examples
    --------
    >>> s = nps_summary([10] * 10 + [7] * 5 + [3] * 5)
    >>> s.nps
    25.0
    """
    values = clean_scores(scores, 0, 10, "NPS scores")
    if len(values) == 0:
        raise NotEnoughData("There are no NPS scores to summarise (the input is empty).")
    n = len(values)
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    low, high = adjusted_wald(promoters, detractors, n)
    return NPSSummary(
        n=n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        nps=100.0 * (promoters - detractors) / n,
        ci_low=float(low),
        ci_high=float(high),
    )


@dataclass(frozen=True)
class NPSComparison:
    """Difference between two NPS (a minus b).

    Attributes
    ----------
    difference : float
        NPS of a minus NPS of b, in points (plain, unadjusted scores).
    ci_low, ci_high : float
        95% interval of the difference, in points.
    p_value : float
        Two-sided z test of "no difference".
    n_a, n_b : int
        Sample sizes.
    """

    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    n_a: int
    n_b: int

    @property
    def significant(self) -> bool:
        """True when p < 0.05."""
        return bool(self.p_value < 0.05)


def compare_nps(a_scores, b_scores) -> NPSComparison:
    """Test whether two sets of answers have different NPS.

    Parameters
    ----------
    a_scores, b_scores : array-like
        Answers 0-10 of the two samples (independent).

    Returns
    -------
    NPSComparison
        ``difference`` = NPS(a) - NPS(b) in points, its 95% interval and a two-sided p-value
        from the z statistic ``difference / sqrt(var_a / n_a + var_b / n_b)`` with
        ``var = p_P + p_D - (p_P - p_D)^2`` from each sample's plain shares.

    Raises
    ------
    ValueError
        On invalid scores.
    NotEnoughData
        If either sample is empty (a ``ValueError`` too).
    """
    a = clean_scores(a_scores, 0, 10, "NPS scores")
    b = clean_scores(b_scores, 0, 10, "NPS scores")
    if len(a) == 0 or len(b) == 0:
        raise NotEnoughData("Both samples need at least one NPS score to be compared.")
    res = compare((a >= 9).sum(), (a <= 6).sum(), len(a), (b >= 9).sum(), (b <= 6).sum(), len(b))
    return NPSComparison(
        difference=float(res["difference"]),
        ci_low=float(res["ci_low"]),
        ci_high=float(res["ci_high"]),
        p_value=float(res["p_value"]),
        n_a=len(a),
        n_b=len(b),
    )


# ---------------------------------------------------------------------------------------------
# CSAT and CES
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CSATSummary:
    """Customer satisfaction on a 1-5 scale.

    Attributes
    ----------
    n : int
        Number of answers.
    share : float
        Fraction of 4-5 answers (0..1).
    ci_low, ci_high : float
        Wilson 95% interval of ``share``.
    counts : Series
        Number of answers per score 1..5 (all five present).
    """

    n: int
    share: float
    ci_low: float
    ci_high: float
    counts: pd.Series = field(repr=False)


def _answer_counts(values: np.ndarray, high: int, name: str) -> pd.Series:
    """Return the number of answers per score 1..high (every score present)."""
    counts = pd.Series(
        np.bincount(values, minlength=high + 1)[1:], index=pd.RangeIndex(1, high + 1)
    )
    counts.index.name = name
    return counts.rename("responses")


def csat_summary(scores) -> CSATSummary:
    """Compute CSAT: the share of satisfied (4-5) answers with a Wilson 95% interval.

    Parameters
    ----------
    scores : array-like
        Answers 1-5 (whole numbers); missing values are ignored.

    Raises
    ------
    ValueError
        If an answer is outside 1-5 or not whole.
    NotEnoughData
        If there are no answers (a ``ValueError`` too).
    """
    values = clean_scores(scores, 1, 5, "CSAT answers")
    if len(values) == 0:
        raise NotEnoughData("There are no CSAT answers to summarise (the input is empty).")
    satisfied = int((values >= 4).sum())
    low, high = wilson_interval(satisfied, len(values))
    return CSATSummary(
        n=len(values),
        share=satisfied / len(values),
        ci_low=float(low),
        ci_high=float(high),
        counts=_answer_counts(values, 5, "csat"),
    )


@dataclass(frozen=True)
class CESSummary:
    """Customer effort on a 1-7 scale (1 = very difficult, 7 = very easy).

    Attributes
    ----------
    n : int
        Number of answers.
    mean : float
        Mean answer (1..7).
    ci_low, ci_high : float
        95% t interval of the mean (NaN when n < 2).
    counts : Series
        Number of answers per score 1..7 (all seven present).
    share_easy : float
        Fraction of 5-7 answers (0..1).
    """

    n: int
    mean: float
    ci_low: float
    ci_high: float
    counts: pd.Series = field(repr=False)
    share_easy: float = math.nan


def ces_summary(scores) -> CESSummary:
    """Compute CES: the mean effort score (1-7, 7 = very easy) with a 95% t interval.

    Parameters
    ----------
    scores : array-like
        Answers 1-7 (whole numbers); missing values are ignored.

    Raises
    ------
    ValueError
        If an answer is outside 1-7 or not whole.
    NotEnoughData
        If there are no answers (a ``ValueError`` too).
    """
    values = clean_scores(scores, 1, 7, "CES answers")
    n = len(values)
    if n == 0:
        raise NotEnoughData("There are no CES answers to summarise (the input is empty).")
    mean = float(values.mean())
    half = t_half_width(values)
    return CESSummary(
        n=n,
        mean=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        counts=_answer_counts(values, 7, "ces"),
        share_easy=float((values >= 5).mean()),
    )


# ---------------------------------------------------------------------------------------------
# The headline figures of a responses table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackOverview:
    """Headline figures of a responses table (what the top of the feedback page shows).

    Attributes
    ----------
    nps : NPSSummary or None
        None when there are no scores.
    csat, ces : CSATSummary or CESSummary or None
        None when the column is absent or has no answers.
    score_counts : Series
        Responses per NPS score 0..10, with a ``category`` per score in ``categories``.
    first_date, last_date : Timestamp or None
        Range of ``response_date``.
    n_responses, n_comments, n_with_customer : int
        Rows, rows with a non-empty comment, rows with a customer id.
    """

    nps: NPSSummary | None
    csat: CSATSummary | None
    ces: CESSummary | None
    score_counts: pd.DataFrame = field(repr=False)
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    n_responses: int
    n_comments: int
    n_with_customer: int


def _score_counts(values: np.ndarray) -> pd.DataFrame:
    """Return the responses per NPS score 0..10 with each score's category."""
    score_range = np.arange(11)
    category = np.where(
        score_range >= 9, "promoter", np.where(score_range >= 7, "passive", "detractor")
    )
    return pd.DataFrame(
        {
            "score": score_range,
            "responses": np.bincount(values, minlength=11)[:11],
            "category": pd.array(category, dtype="str"),
        }
    )


def _count_text(responses: pd.DataFrame, column: str) -> int:
    """Return the number of rows with non-blank text in ``column`` (0 without the column)."""
    return int(non_empty_text(responses[column]).sum()) if column in responses else 0


def feedback_overview(responses: pd.DataFrame) -> FeedbackOverview:
    """Summarise NPS, CSAT and CES and count the responses of a canonical responses table.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``score`` and optionally ``response_date``, ``comment``,
        ``customer_id``, ``csat`` and ``ces``.

    Returns
    -------
    FeedbackOverview
        ``score_counts`` is a DataFrame with columns ``score`` (0..10), ``responses`` and
        ``category`` (promoter / passive / detractor).

    Raises
    ------
    ValueError
        If a score, CSAT or CES answer is invalid.
    """
    values = require_scores(responses)
    csat = ces = None
    if "csat" in responses.columns and responses["csat"].notna().any():
        csat = csat_summary(responses["csat"])
    if "ces" in responses.columns and responses["ces"].notna().any():
        ces = ces_summary(responses["ces"])
    dates = (
        pd.to_datetime(responses["response_date"])
        if "response_date" in responses.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    dated = dates.notna().any()
    return FeedbackOverview(
        nps=nps_summary(values) if len(values) else None,
        csat=csat,
        ces=ces,
        score_counts=_score_counts(values),
        first_date=dates.min() if dated else None,
        last_date=dates.max() if dated else None,
        n_responses=len(responses),
        n_comments=_count_text(responses, "comment"),
        n_with_customer=_count_text(responses, "customer_id"),
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

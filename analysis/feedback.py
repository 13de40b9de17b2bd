"""Customer feedback: NPS, CSAT and CES with honest intervals, comment themes, behaviour.

Conventions used throughout (stated once, here):

- **NPS** (Net Promoter Score) comes from the 0-10 answer to "How likely are you to recommend
  us?": **promoters** answer 9-10, **passives** 7-8, **detractors** 0-6. NPS = percent
  promoters minus percent detractors, in **points** from -100 to 100, everywhere.
- Every NPS carries a 95% interval by the **adjusted-Wald** method (Rocks 2016): add 3/4 of a
  response to promoters and to detractors and 3 to n, take the adjusted
  shares ``p_P = (P + 0.75) / (n + 3)``, ``p_D = (D + 0.75) / (n + 3)``, and centre the
  interval on ``p_P - p_D`` with standard error ``sqrt((p_P + p_D - (p_P - p_D)**2) / (n + 3))``
  and z = 1.96, clipped to [-100, 100]. Unlike the plain Wald interval it does not collapse to
  a single point for all-promoter samples and keeps close to 95% coverage for small n.
- Two NPS are compared (:func:`compare_nps`) by a two-sided z test on the plain (unadjusted)
  scores, standard error ``sqrt(var_a / n_a + var_b / n_b)``, ``var = p_P + p_D - (p_P - p_D)^2``.
- **CSAT** is the share of 4-5 answers on a 1-5 satisfaction scale (0..1) with a Wilson
  interval; **CES** the mean of a 1-7 effort scale (7 = very easy) with a t interval.
- "Significant" means p < 0.05; groups under 30 responses are flagged as **small**.
- Missing answers (NA) are left out of each figure; they are not counted as zero.

The responses table is the canonical one produced by ``analysis.ingest.prepare_responses``:
``response_date``, ``score`` (0-10), optional ``customer_id``, ``comment``, ``csat``, ``ces``
and other text columns used as breakdown attributes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.floats import make_float_safe
from analysis.core.orders import day_numbers, order_table
from analysis.core.stats import wilson_interval as _wilson
from analysis.core.text import md_escape

__all__ = [
    "CATEGORIES",
    "Z95",
    "SMALL_GROUP",
    "NPSSummary",
    "NPSComparison",
    "CSATSummary",
    "CESSummary",
    "FeedbackOverview",
    "ThemeModel",
    "ThemeResult",
    "split_clauses",
    "BehaviourResult",
    "nps_category",
    "nps_summary",
    "compare_nps",
    "nps_by",
    "nps_trend",
    "csat_summary",
    "ces_summary",
    "wilson_interval",
    "feedback_overview",
    "attribute_columns",
    "theme_analysis",
    "comment_themes",
    "response_themes",
    "distinctive_terms",
    "feedback_behaviour",
    "behaviour_from_tables",
    "detractor_followup",
    "nps_sentence",
    "trend_sentence",
    "breakdown_sentence",
    "themes_sentence",
    "behaviour_sentence",
]

#: The three NPS groups, in display order.
CATEGORIES: tuple[str, str, str] = ("promoter", "passive", "detractor")
#: Normal quantile used for every 95% interval and z test in this module.
Z95 = 1.96
#: Groups with fewer responses than this are flagged as small.
SMALL_GROUP = 30

_KNOWN_COLUMNS = {"response_date", "score", "customer_id", "comment", "csat", "ces"}


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _clean_scores(scores, low: int, high: int, what: str) -> np.ndarray:
    """Return the non-missing answers as int64, or raise ``ValueError`` if any is invalid."""
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


def nps_category(scores) -> pd.Series:
    """Promoter (9-10), passive (7-8) or detractor (0-6) for each score.

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
    _clean_scores(s, 0, 10, "NPS scores")
    values = pd.to_numeric(s).to_numpy(dtype=np.float64, na_value=np.nan)
    codes = np.where(values >= 9, 0, np.where(values >= 7, 1, 2))
    codes[np.isnan(values)] = -1
    cat = pd.Categorical.from_codes(codes, categories=list(CATEGORIES), ordered=True)
    return pd.Series(cat, index=s.index, name="category")


# ---------------------------------------------------------------------------------------------
# NPS: vectorised formulas shared by the scalar and grouped functions
# ---------------------------------------------------------------------------------------------


def _adjusted_wald(promoters, detractors, n) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted-Wald 95% interval for NPS in points (arrays of counts in, arrays out)."""
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


def _nps_var(promoters, detractors, n) -> np.ndarray:
    """Per-response variance of the NPS score (+1/0/-1) from unadjusted shares (fraction^2)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_p = np.asarray(promoters, dtype=np.float64) / n
        p_d = np.asarray(detractors, dtype=np.float64) / n
    return np.maximum(p_p + p_d - (p_p - p_d) ** 2, 0.0)


def _compare(p_a, d_a, n_a, p_b, d_b, n_b) -> dict[str, np.ndarray]:
    """Difference of two NPS (a - b) in points, its 95% interval and two-sided p-value."""
    n_a = np.asarray(n_a, dtype=np.float64)
    n_b = np.asarray(n_b, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps_a = 100.0 * (np.asarray(p_a) - np.asarray(d_a)) / n_a
        nps_b = 100.0 * (np.asarray(p_b) - np.asarray(d_b)) / n_b
        diff = nps_a - nps_b
        se = 100.0 * np.sqrt(_nps_var(p_a, d_a, n_a) / n_a + _nps_var(p_b, d_b, n_b) / n_b)
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
    """Net Promoter Score with its adjusted-Wald 95% interval.

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
        If a score is outside 0-10 or not a whole number, or there are no scores.

    Examples
    --------
    >>> s = nps_summary([10] * 10 + [7] * 5 + [3] * 5)
    >>> s.nps
    25.0
    """
    values = _clean_scores(scores, 0, 10, "NPS scores")
    if len(values) == 0:
        raise ValueError("There are no NPS scores to summarise (the input is empty).")
    n = len(values)
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    low, high = _adjusted_wald(promoters, detractors, n)
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
        On invalid scores or if either sample is empty.
    """
    a = _clean_scores(a_scores, 0, 10, "NPS scores")
    b = _clean_scores(b_scores, 0, 10, "NPS scores")
    if len(a) == 0 or len(b) == 0:
        raise ValueError("Both samples need at least one NPS score to be compared.")
    res = _compare((a >= 9).sum(), (a <= 6).sum(), len(a), (b >= 9).sum(), (b <= 6).sum(), len(b))
    return NPSComparison(
        difference=float(res["difference"]),
        ci_low=float(res["ci_low"]),
        ci_high=float(res["ci_high"]),
        p_value=float(res["p_value"]),
        n_a=len(a),
        n_b=len(b),
    )


def _group_table(codes: np.ndarray, score: np.ndarray, n_groups: int) -> pd.DataFrame:
    """NPS columns for integer group codes (0..n_groups-1); no comparison columns."""
    n = np.bincount(codes, minlength=n_groups)
    promoters = np.bincount(codes, weights=score >= 9, minlength=n_groups)
    detractors = np.bincount(codes, weights=score <= 6, minlength=n_groups)
    passives = n - promoters - detractors
    low, high = _adjusted_wald(promoters, detractors, n)
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


def _require_scores(responses: pd.DataFrame) -> np.ndarray:
    if "score" not in responses.columns:
        raise ValueError("The responses have no 'score' column (the 0-10 NPS answer).")
    return _clean_scores(responses["score"], 0, 10, "NPS scores")


def nps_by(responses: pd.DataFrame, by: str) -> pd.DataFrame:
    """NPS of each value of an attribute column, each tested against all other responses.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``score`` (0-10) and the column ``by``.
    by : str
        Attribute column (plan, region, channel, segment ...). Missing values form a group
        labelled ``"(not given)"``.

    Returns
    -------
    DataFrame
        Indexed by the values of ``by`` and sorted by NPS (highest first), with columns ``n``,
        ``nps``, ``ci_low``, ``ci_high`` (points, adjusted-Wald), counts ``promoters``,
        ``passives``, ``detractors`` and their shares (0..1) ``share_promoters`` ...,
        ``diff_vs_rest`` (group NPS minus the NPS of all other responses, points),
        ``p_value`` (z test of that difference), ``significant`` (p < 0.05) and ``small``
        (fewer than 30 responses). Responses with a missing score are left out.

    Raises
    ------
    ValueError
        If ``by`` is not a column, a score is invalid, or there are no scores.
    """
    if by not in responses.columns:
        raise ValueError(f"There is no column {by!r} in the responses.")
    score_all = pd.to_numeric(responses["score"]).to_numpy(dtype=np.float64, na_value=np.nan)
    _require_scores(responses)
    keep = ~np.isnan(score_all)
    if not keep.any():
        raise ValueError("There are no NPS scores to break down (the input is empty).")
    score = score_all[keep]
    labels = responses[by].astype("str")[keep].fillna("(not given)")
    labels = labels.mask(labels.str.strip() == "", "(not given)")
    codes, uniques = pd.factorize(labels)
    table = _group_table(codes, score, len(uniques))
    total_p, total_d, total_n = (score >= 9).sum(), (score <= 6).sum(), len(score)
    cmp = _compare(
        table["promoters"].to_numpy(),
        table["detractors"].to_numpy(),
        table["n"].to_numpy(),
        total_p - table["promoters"].to_numpy(),
        total_d - table["detractors"].to_numpy(),
        total_n - table["n"].to_numpy(),
    )
    table["diff_vs_rest"] = cmp["difference"]
    table["p_value"] = cmp["p_value"]
    table["significant"] = np.nan_to_num(cmp["p_value"], nan=1.0) < 0.05
    table["small"] = table["n"].to_numpy() < SMALL_GROUP
    table.index = pd.Index(np.asarray(uniques, dtype=object), name=by)
    return table.sort_values(["nps", "n"], ascending=[False, False], kind="stable")


_FREQ_ALIASES = {"D": "D", "W": "W", "M": "M", "ME": "M", "MS": "M", "Q": "Q", "QE": "Q"}
_FREQ_ALIASES.update({"QS": "Q", "Y": "Y", "YE": "Y", "YS": "Y", "A": "Y"})


def nps_trend(responses: pd.DataFrame, *, freq: str = "M") -> pd.DataFrame:
    """NPS per calendar period with intervals and the change from the previous period.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``response_date`` and ``score``.
    freq : {"D", "W", "M", "Q", "Y"}
        Period length: day, week (Monday start), month, quarter or year.

    Returns
    -------
    DataFrame
        One row per period that has responses (empty periods are skipped), indexed by the
        period's first day (``period``), with ``label`` (e.g. ``"2024-03"``), the NPS columns of
        :func:`nps_by` (``n``, ``nps``, ``ci_low``, ``ci_high``, counts, shares, ``small``) and
        ``change`` (NPS minus the previous row's NPS, points), ``change_ci_low``,
        ``change_ci_high``, ``change_p_value`` (z test) and ``significant_change`` (p < 0.05).
        The first row has no change (NaN, not significant).
    """
    key = _FREQ_ALIASES.get(str(freq).upper())
    if key is None:
        raise ValueError(f"freq must be one of D, W, M, Q or Y, not {freq!r}.")
    _require_scores(responses)
    score = pd.to_numeric(responses["score"]).to_numpy(dtype=np.float64, na_value=np.nan)
    dates = pd.to_datetime(responses["response_date"])
    keep = ~np.isnan(score) & dates.notna().to_numpy()
    if not keep.any():
        raise ValueError("There are no dated NPS scores to follow over time.")
    period_freq = "W-SUN" if key == "W" else key
    periods = dates[keep].dt.to_period(period_freq)
    codes, uniques = pd.factorize(periods, sort=True)
    table = _group_table(codes, score[keep], len(uniques))
    prev = table.shift(1)
    cmp = _compare(
        table["promoters"].to_numpy(),
        table["detractors"].to_numpy(),
        table["n"].to_numpy(),
        prev["promoters"].to_numpy(),
        prev["detractors"].to_numpy(),
        prev["n"].to_numpy(),
    )
    table["small"] = table["n"].to_numpy() < SMALL_GROUP
    table["change"] = cmp["difference"]
    table["change_ci_low"] = cmp["ci_low"]
    table["change_ci_high"] = cmp["ci_high"]
    table["change_p_value"] = cmp["p_value"]
    table["significant_change"] = np.nan_to_num(cmp["p_value"], nan=1.0) < 0.05
    fmt = {"D": "%Y-%m-%d", "W": "week of %Y-%m-%d", "M": "%Y-%m", "Q": "%Y-Q", "Y": "%Y"}[key]
    starts = pd.PeriodIndex(uniques).start_time
    if key == "Q":
        labels = [f"{p.year}-Q{p.quarter}" for p in pd.PeriodIndex(uniques)]
    else:
        labels = list(starts.strftime(fmt))
    table.insert(0, "label", pd.array(labels, dtype="str"))
    table.index = pd.DatetimeIndex(starts, name="period")
    return table


# ---------------------------------------------------------------------------------------------
# CSAT and CES
# ---------------------------------------------------------------------------------------------


def wilson_interval(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval for a share with this module's z = 1.96 (see :mod:`analysis.core.stats`)."""
    return _wilson(successes, n, z)


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


def csat_summary(scores) -> CSATSummary:
    """CSAT: the share of satisfied (4-5) answers with a Wilson 95% interval.

    Parameters
    ----------
    scores : array-like
        Answers 1-5 (whole numbers); missing values are ignored.

    Raises
    ------
    ValueError
        If an answer is outside 1-5 or not whole, or there are no answers.
    """
    values = _clean_scores(scores, 1, 5, "CSAT answers")
    if len(values) == 0:
        raise ValueError("There are no CSAT answers to summarise (the input is empty).")
    satisfied = int((values >= 4).sum())
    low, high = wilson_interval(satisfied, len(values))
    counts = pd.Series(np.bincount(values, minlength=6)[1:], index=pd.RangeIndex(1, 6))
    counts.index.name = "csat"
    return CSATSummary(
        n=len(values),
        share=satisfied / len(values),
        ci_low=float(low),
        ci_high=float(high),
        counts=counts.rename("responses"),
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
    """CES: mean effort score (1-7, 7 = very easy) with a 95% t interval.

    Parameters
    ----------
    scores : array-like
        Answers 1-7 (whole numbers); missing values are ignored.

    Raises
    ------
    ValueError
        If an answer is outside 1-7 or not whole, or there are no answers.
    """
    values = _clean_scores(scores, 1, 7, "CES answers")
    n = len(values)
    if n == 0:
        raise ValueError("There are no CES answers to summarise (the input is empty).")
    mean = float(values.mean())
    if n >= 2:
        half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    counts = pd.Series(np.bincount(values, minlength=8)[1:], index=pd.RangeIndex(1, 8))
    counts.index.name = "ces"
    return CESSummary(
        n=n,
        mean=mean,
        ci_low=low,
        ci_high=high,
        counts=counts.rename("responses"),
        share_easy=float((values >= 5).mean()),
    )


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


def _non_empty_text(series: pd.Series) -> np.ndarray:
    text = series.astype("str")
    return (text.notna() & (text.str.strip().str.len() > 0)).to_numpy(dtype=bool)


def feedback_overview(responses: pd.DataFrame) -> FeedbackOverview:
    """NPS, CSAT and CES summaries plus counts for a canonical responses table.

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
    values = _require_scores(responses)
    nps = nps_summary(values) if len(values) else None
    csat = ces = None
    if "csat" in responses.columns and responses["csat"].notna().any():
        csat = csat_summary(responses["csat"])
    if "ces" in responses.columns and responses["ces"].notna().any():
        ces = ces_summary(responses["ces"])
    score_range = np.arange(11)
    score_counts = pd.DataFrame(
        {
            "score": score_range,
            "responses": np.bincount(values, minlength=11)[:11],
            "category": pd.array(
                np.where(
                    score_range >= 9, "promoter", np.where(score_range >= 7, "passive", "detractor")
                ),
                dtype="str",
            ),
        }
    )
    dates = (
        pd.to_datetime(responses["response_date"])
        if "response_date" in responses.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    n_comments = int(_non_empty_text(responses["comment"]).sum()) if "comment" in responses else 0
    n_ids = (
        int(_non_empty_text(responses["customer_id"]).sum()) if "customer_id" in responses else 0
    )
    return FeedbackOverview(
        nps=nps,
        csat=csat,
        ces=ces,
        score_counts=score_counts,
        first_date=dates.min() if dates.notna().any() else None,
        last_date=dates.max() if dates.notna().any() else None,
        n_responses=len(responses),
        n_comments=n_comments,
        n_with_customer=n_ids,
    )


def attribute_columns(responses: pd.DataFrame, *, max_values: int = 50) -> list[str]:
    """Columns of the responses that make sense as breakdowns (plan, region, channel ...).

    A breakdown column is any column other than the canonical ones (``response_date``,
    ``score``, ``customer_id``, ``comment``, ``csat``, ``ces``) whose number of distinct
    non-missing values is between 2 and ``max_values``; id-like columns (``response_id``,
    one value per row) are therefore left out.
    """
    out = []
    for col in responses.columns:
        if col in _KNOWN_COLUMNS:
            continue
        k = responses[col].nunique(dropna=True)
        if 2 <= k <= max_values and k < max(len(responses), 1):
            out.append(str(col))
    return out


# ---------------------------------------------------------------------------------------------
# Comment themes
# ---------------------------------------------------------------------------------------------

#: Words that say nothing about *what* a comment is about (sentiment, shopping in general).
DOMAIN_STOP_WORDS = frozenset(
    """
    order orders ordered ordering product products item items shop store buy bought got get
    just really also will would again thanks thank great good nice love lovely excellent
    amazing best bad terrible poor awful recommend recommended disappointed impressed happy
    keep like did does way far time ok okay overall definitely
    """.split()
)
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"
_NEGATIONS = frozenset({"not", "no", "nor", "never", "nothing", "nobody", "cannot"})


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(set(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS)


class ThemeModel:
    """Themes in short texts: TF-IDF + NMF with a number of themes chosen from the data.

    Texts are lower-cased and split into words of two or more letters; English stop words and
    :data:`DOMAIN_STOP_WORDS` (sentiment and generic shopping words, which say how people feel
    but not about what) are removed, as are words in fewer than ``min_df`` texts or in more
    than half of them. Each text becomes a TF-IDF vector (sublinear term frequency, unit
    length) and non-negative matrix factorisation (NMF, Frobenius loss, deterministic NNDSVDa
    start) splits the matrix into themes (weighted word lists) and each text's weight on each
    theme; a text's theme is its largest weight.

    **Number of themes.** When ``n_themes`` is None, k is tried from ``max_themes`` down to
    ``min_themes`` (``max_themes`` is capped at one theme per 20 texts) and the first, i.e.
    the *largest*, k whose themes are all *substantive and distinct* is kept: every theme is
    the main theme of at least ``min_share`` of the texts (and of 5 texts), and no two themes
    share more than half of their top 10 words. Measures such as reconstruction error or
    silhouette only improve as k grows on short comments, and topic coherence picked
    unstable k on our tests, so the rule splits as finely as the data supports and stops when
    themes become tiny or repeat one another; a manager would rather see "price" apart from
    "quality" than merged. When no k passes, the smallest is kept. Every k tried is listed in
    ``selection_``.

    Parameters
    ----------
    n_themes : int or None
        Fixed number of themes, or None to choose from the data.
    min_themes, max_themes : int
        Range searched when ``n_themes`` is None.
    min_share : float
        Smallest share of texts (0..1) a theme must be the main theme of.
    min_df : int
        Minimum number of texts a word must appear in.
    random_state : int
        Seed of the NMF initialisation (results are deterministic for a given seed).

    Attributes
    ----------
    n_themes_ : int
        Number of themes fitted.
    terms_ : ndarray of str
        Vocabulary.
    components_ : ndarray, shape (n_themes_, n_terms)
        Theme-word weights.
    weights_ : ndarray, shape (n_texts, n_themes_)
        Text-theme weights of the fitted texts.
    labels_ : ndarray of int
        Theme of each fitted text (largest weight), -1 when a text has no vocabulary word.
    selection_ : DataFrame
        ``k``, ``min_share`` (smallest theme's share of texts), ``max_overlap`` (largest
        shared fraction of top-10 words between two themes), ``reconstruction_error`` and
        ``accepted`` for every k tried.
    """

    def __init__(
        self,
        n_themes: int | None = None,
        *,
        min_themes: int = 3,
        max_themes: int = 10,
        min_share: float = 0.03,
        min_df: int = 3,
        random_state: int = 0,
    ) -> None:
        self.n_themes = n_themes
        self.min_themes = min_themes
        self.max_themes = max_themes
        self.min_share = min_share
        self.min_df = min_df
        self.random_state = random_state

    def fit(self, texts) -> ThemeModel:
        """Fit themes to an iterable of strings (empty strings are allowed).

        Raises
        ------
        ValueError
            If the texts contain no usable word, or are too few for the themes asked for.
        """
        from sklearn.decomposition import NMF
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [str(c) for c in texts]
        vec = TfidfVectorizer(
            stop_words=_stop_words(),
            token_pattern=_TOKEN_PATTERN,
            lowercase=True,
            min_df=min(self.min_df, max(1, len(docs) // 20)),
            max_df=0.5,
            sublinear_tf=True,
        )
        try:
            X = vec.fit_transform(docs)
        except ValueError as exc:  # empty vocabulary
            raise ValueError("The comments contain no words to find themes in.") from exc
        self.vectorizer_ = vec
        self.terms_ = vec.get_feature_names_out()
        has_words = np.asarray(X.getnnz(axis=1) > 0)
        n_used = int(has_words.sum())
        if self.n_themes is not None:
            ks = [int(self.n_themes)]
        else:
            hi = min(self.max_themes, n_used // 20, X.shape[1] - 1)
            ks = list(range(max(hi, self.min_themes), self.min_themes - 1, -1))
        if ks[-1] < 1 or ks[0] > min(n_used, X.shape[1]):
            raise ValueError(
                f"{n_used} comments with {X.shape[1]} distinct words are too few for "
                f"{ks[0]} themes."
            )
        rows, chosen = [], None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for k in ks:
                model = NMF(
                    n_components=k,
                    init="nndsvda",
                    random_state=self.random_state,
                    max_iter=1000,
                )
                W = model.fit_transform(X)
                labels = np.where(has_words & (W.max(axis=1) > 0), W.argmax(axis=1), -1)
                sizes = np.bincount(labels[labels >= 0], minlength=k)
                min_share = float(sizes.min() / max(n_used, 1))
                top = [set(np.argsort(h)[::-1][:10]) for h in model.components_]
                n_top = max(min(10, X.shape[1]), 1)
                max_overlap = max(
                    (len(a & b) / n_top for i, a in enumerate(top) for b in top[i + 1 :]),
                    default=0.0,
                )
                accepted = min_share >= self.min_share and sizes.min() >= 5 and max_overlap <= 0.5
                rows.append((k, min_share, max_overlap, float(model.reconstruction_err_), accepted))
                chosen = (k, model, W, labels)
                if accepted or self.n_themes is not None:
                    break
        self.selection_ = pd.DataFrame(
            rows, columns=["k", "min_share", "max_overlap", "reconstruction_error", "accepted"]
        )
        k, model, W, labels = chosen
        self.n_themes_ = k
        self.nmf_ = model
        self.components_ = model.components_
        self.weights_ = W
        self.labels_ = labels.astype(np.int64)
        return self

    def top_terms(self, n: int = 8) -> list[list[str]]:
        """The ``n`` highest-weighted words of each theme."""
        return [[str(self.terms_[i]) for i in np.argsort(h)[::-1][:n]] for h in self.components_]


#: Where a comment is split into clauses before themes are fitted: sentence ends, semicolons,
#: line breaks and ", but" / ", although" (a mixed comment is usually two statements).
CLAUSE_SPLIT = r"[.!?;\n]+|,\s*(?:but|although|though|however)\s+|\s+but\s+"


def split_clauses(comments: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Split comments into clauses.

    Returns
    -------
    owner : ndarray of int64
        Position (0-based, in ``comments``) of the comment each clause comes from.
    clauses : ndarray of object
        Clause texts, stripped; clauses without a letter are dropped.
    """
    parts = comments.astype("str").fillna("").str.split(CLAUSE_SPLIT, regex=True)
    exploded = parts.explode()
    owner = np.repeat(np.arange(len(comments), dtype=np.int64), parts.str.len().to_numpy())
    text = exploded.astype("str").str.strip().fillna("")
    keep = text.str.contains(r"[^\W\d_]", regex=True).fillna(False).to_numpy(dtype=bool)
    return owner[keep], text.to_numpy(dtype=object)[keep]


@dataclass(frozen=True)
class ThemeResult:
    """Themes of a responses table.

    Attributes
    ----------
    table : DataFrame
        See :func:`comment_themes`.
    assignments : Series
        Main theme number of each response (index of the responses): the theme with the
        largest total weight over the comment's clauses; ``<NA>`` without a comment or
        without a theme word (nullable Int64).
    mentions : DataFrame
        Boolean, one row per response (same index) and one column per theme number: the
        comment has a clause whose theme is that one (a comment can mention several).
    names : Series
        Theme name per theme number.
    selection : DataFrame
        The numbers of themes tried and why (see :class:`ThemeModel`).
    n_comments : int
        Responses with a non-empty comment.
    message : str
        Why there are no themes (empty when there are).
    """

    table: pd.DataFrame
    assignments: pd.Series
    mentions: pd.DataFrame
    names: pd.Series
    selection: pd.DataFrame
    n_comments: int
    message: str = ""


_THEME_COLUMNS = [
    "theme",
    "top_terms",
    "responses",
    "share",
    "nps",
    "ci_low",
    "ci_high",
    "small",
    "examples",
]


def theme_analysis(
    responses: pd.DataFrame,
    *,
    n_themes: int | None = None,
    n_examples: int = 3,
    min_comments: int = 30,
    random_state: int = 0,
) -> ThemeResult:
    """Find themes in the comments and summarise each with its size, NPS and examples.

    Comments are split into clauses (:data:`CLAUSE_SPLIT`), so that "fast delivery, but too
    expensive" counts for two themes; themes are fitted on the clauses by
    :class:`ThemeModel`. A response *mentions* a theme when one of its clauses has it as main
    theme.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` and ``score``.
    n_themes : int or None
        Number of themes, or None to choose 3..10 from the data (see :class:`ThemeModel`).
    n_examples : int
        Representative comments per theme: distinct comments whose main theme it is, with the
        highest share of their weight on it.
    min_comments : int
        Fewer non-empty comments than this give no themes and a message instead.
    random_state : int
        Seed of the NMF start.

    Returns
    -------
    ThemeResult
        Never raises for too few comments: the ``message`` says why the table is empty.
    """
    empty = pd.DataFrame(columns=_THEME_COLUMNS)
    no_assign = pd.Series(
        pd.array([pd.NA] * len(responses), dtype="Int64"), index=responses.index, name="theme"
    )
    no_mentions = pd.DataFrame(index=responses.index)

    def nothing(n_comments: int, message: str) -> ThemeResult:
        return ThemeResult(
            empty,
            no_assign,
            no_mentions,
            pd.Series(dtype="str"),
            pd.DataFrame(),
            n_comments,
            message,
        )

    if "comment" not in responses.columns:
        return nothing(0, "The responses have no comment column.")
    has_text = _non_empty_text(responses["comment"])
    n_comments = int(has_text.sum())
    if n_comments < min_comments:
        return nothing(
            n_comments,
            f"Only {n_comments} responses have a comment; themes need at least {min_comments}.",
        )
    rows = np.flatnonzero(has_text)
    texts = responses["comment"].astype("str").iloc[rows].str.strip()
    owner, clauses = split_clauses(texts)
    model = ThemeModel(n_themes, random_state=random_state)
    try:
        model.fit(clauses)
    except ValueError as exc:
        return nothing(n_comments, str(exc))
    k = model.n_themes_
    terms = model.top_terms(8)
    names = pd.Series([" / ".join(t[:3]) for t in terms], name="theme", dtype="str")

    # Aggregate clause weights to comments (sparse-free: bincount per theme column).
    W = model.weights_
    n_texts = len(texts)
    comment_w = np.column_stack(
        [np.bincount(owner, weights=W[:, t], minlength=n_texts) for t in range(k)]
    )
    labelled = model.labels_ >= 0
    mention = np.zeros((n_texts, k), dtype=bool)
    mention[owner[labelled], model.labels_[labelled]] = True
    main = np.where(comment_w.max(axis=1) > 0, comment_w.argmax(axis=1), -1)

    assign = np.full(len(responses), -1, dtype=np.int64)
    assign[rows] = main
    assignments = pd.Series(
        pd.array(np.where(assign >= 0, assign, 0), dtype="Int64"),
        index=responses.index,
        name="theme",
    ).mask(assign < 0)
    mentions_all = np.zeros((len(responses), k), dtype=bool)
    mentions_all[rows] = mention
    mentions = pd.DataFrame(mentions_all, index=responses.index, columns=pd.RangeIndex(k))

    score = pd.to_numeric(responses["score"]).to_numpy(dtype=np.float64, na_value=np.nan)
    s_rows = score[rows]
    n_theme, p_theme, d_theme = (np.zeros(k) for _ in range(3))
    valid = ~np.isnan(s_rows)
    n_theme = mention[valid].sum(axis=0)
    p_theme = mention[valid & (s_rows >= 9)].sum(axis=0)
    d_theme = mention[valid & (s_rows <= 6)].sum(axis=0)
    ci_low, ci_high = _adjusted_wald(p_theme, d_theme, n_theme)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100.0 * (p_theme - d_theme) / n_theme

    # Representative comments: clauses of the theme ranked by the share of their comment's
    # weight on it, then the clause's share and weight; one comment per distinct wording.
    purity = W / np.maximum(W.sum(axis=1, keepdims=True), 1e-12)
    norm_clause = (
        pd.Series(clauses, dtype="str")
        .str.lower()
        .str.replace(r"[^\w]+", " ", regex=True)
        .str.strip()
    )
    comment_purity = comment_w / np.maximum(comment_w.sum(axis=1, keepdims=True), 1e-12)
    text_arr = texts.to_numpy(dtype=object)
    examples = []
    for t in range(k):  # loop over themes (a handful), not over responses
        members = np.flatnonzero(model.labels_ == t)
        whole = comment_purity[owner[members], t]
        order = members[np.lexsort((-W[members, t], -purity[members, t], -whole))]
        first = ~norm_clause.iloc[order].duplicated().to_numpy(dtype=bool)
        owners = pd.unique(owner[order[first]])[:n_examples]
        examples.append(" | ".join(str(text_arr[o]) for o in owners))
    counts = mention.sum(axis=0)
    table = pd.DataFrame(
        {
            "theme": names.to_numpy(),
            "top_terms": [", ".join(t) for t in terms],
            "responses": counts.astype(np.int64),
            "share": counts / n_comments,
            "nps": nps,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "small": n_theme < SMALL_GROUP,
            "examples": examples,
        }
    )
    table.index.name = "theme_id"
    table = table.sort_values("responses", ascending=False, kind="stable")
    return ThemeResult(
        table=table,
        assignments=assignments,
        mentions=mentions,
        names=names,
        selection=model.selection_,
        n_comments=n_comments,
    )


def comment_themes(responses: pd.DataFrame, *, n_themes: int | None = None) -> pd.DataFrame:
    """Themes found in the comments, one row per theme (largest first).

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` and ``score``.
    n_themes : int or None
        Number of themes, or None to choose it from the data (3..10, see :class:`ThemeModel`).

    Returns
    -------
    DataFrame
        Indexed by ``theme_id`` (the number used by :func:`response_themes`), with ``theme``
        (name: its top 3 words), ``top_terms`` (top 8), ``responses`` (comments assigned),
        ``share`` (of all non-empty comments, 0..1), ``nps``, ``ci_low``, ``ci_high`` (points,
        adjusted-Wald, of the responses in the theme), ``small`` (< 30 responses) and
        ``examples`` (up to three representative comments joined by " | "). Empty when there
        are too few comments (see :func:`theme_analysis` for the reason).
    """
    return theme_analysis(responses, n_themes=n_themes).table


def response_themes(responses: pd.DataFrame, *, n_themes: int | None = None) -> pd.Series:
    """Theme number of each response (aligned with ``responses``; NA without a theme).

    The numbers are the ``theme_id`` index of :func:`comment_themes` for the same arguments.
    """
    return theme_analysis(responses, n_themes=n_themes).assignments


# ---------------------------------------------------------------------------------------------
# Distinctive terms: weighted log-odds with an informative Dirichlet prior
# ---------------------------------------------------------------------------------------------


def distinctive_terms(
    responses: pd.DataFrame,
    *,
    group_by: str = "category",
    group: str = "detractor",
    reference: str | None = "promoter",
    min_count: int = 3,
    top: int = 15,
) -> pd.DataFrame:
    """Words and two-word phrases over-represented in one group's comments against another's.

    The statistic is the weighted log-odds ratio with an informative Dirichlet prior
    (Monroe, Colaresi & Quinn 2008, "Fightin' words", eq. 22 and 24): for term w with counts
    ``y_w^i`` in the group (``n^i`` terms in all) and ``y_w^j`` in the reference, and prior
    ``a_w`` = the term's count in all comments of the table (``a_0`` = their sum),

    ``delta_w = log((y_w^i + a_w) / (n^i + a_0 - y_w^i - a_w))
    - log((y_w^j + a_w) / (n^j + a_0 - y_w^j - a_w))``,
    ``var(delta_w) ~ 1 / (y_w^i + a_w) + 1 / (y_w^j + a_w)``, ``z_w = delta_w / sqrt(var)``.

    The prior shrinks the log-odds of rare terms towards zero, so a word said twice does not
    top the list. Terms are lower-cased words of two or more letters and adjacent word pairs;
    stop words are kept while counting (so no false pairs are made across them, and "not
    fresh" stays a phrase) but terms containing an English stop word other than a negation
    (not, no, never ...), or made only of negations, are not reported.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``comment`` (and ``score`` when ``group_by="category"``).
    group_by : str
        ``"category"`` (promoter / passive / detractor from the score) or any column.
    group : str
        The group whose distinctive terms are wanted.
    reference : str or None
        The group compared against; None means all other responses.
    min_count : int
        Terms said fewer times than this in the two groups together are skipped.
    top : int
        Rows returned for each side (over-represented in ``group`` and in ``reference``).

    Returns
    -------
    DataFrame
        Columns ``term``, ``words`` (1 or 2), ``count_group``, ``count_reference``,
        ``per_1000_group``, ``per_1000_reference`` (rates per 1000 terms), ``log_odds``
        (delta), ``z`` and ``favours`` (the group name, or the reference's for negative z);
        the ``top`` most positive z first, then the ``top`` most negative (most negative
        last). Empty when either group has no comment words.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    cols = [
        "term",
        "words",
        "count_group",
        "count_reference",
        "per_1000_group",
        "per_1000_reference",
        "log_odds",
        "z",
        "favours",
    ]
    if "comment" not in responses.columns:
        return pd.DataFrame(columns=cols)
    if group_by == "category":
        labels = nps_category(responses["score"]).astype("str")
    else:
        if group_by not in responses.columns:
            raise ValueError(f"There is no column {group_by!r} in the responses.")
        labels = responses[group_by].astype("str")
    has_text = _non_empty_text(responses["comment"])
    text = responses["comment"].astype("str").fillna("").to_numpy(dtype=object)
    in_group = (labels == group).fillna(False).to_numpy(dtype=bool)
    if reference is None:
        in_ref = ~in_group & labels.notna().to_numpy(dtype=bool)
        ref_name = f"not {group}"
    else:
        in_ref = (labels == reference).fillna(False).to_numpy(dtype=bool)
        ref_name = str(reference)
    vec = CountVectorizer(token_pattern=_TOKEN_PATTERN, ngram_range=(1, 2), lowercase=True)
    try:
        X = vec.fit_transform(text[has_text])
    except ValueError:
        return pd.DataFrame(columns=cols)
    terms = vec.get_feature_names_out()
    g = in_group[has_text]
    r = in_ref[has_text]
    y_all = np.asarray(X.sum(axis=0)).ravel().astype(np.float64)
    y_i = np.asarray(X[g].sum(axis=0)).ravel().astype(np.float64)
    y_j = np.asarray(X[r].sum(axis=0)).ravel().astype(np.float64)
    n_i, n_j = y_i.sum(), y_j.sum()
    if n_i == 0 or n_j == 0:
        return pd.DataFrame(columns=cols)
    alpha = y_all
    a0 = alpha.sum()
    delta = np.log((y_i + alpha) / (n_i + a0 - y_i - alpha)) - np.log(
        (y_j + alpha) / (n_j + a0 - y_j - alpha)
    )
    z = delta / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
    stop = set(ENGLISH_STOP_WORDS) - _NEGATIONS
    split = [t.split(" ") for t in terms]
    # Report a term when none of its words is a stop word (negations allowed) and at least
    # one word is a content word: "not fresh" and "late" stay, "the coffee" and "not" go.
    only_stop = np.array(
        [any(w in stop for w in ws) or all(w in _NEGATIONS for w in ws) for ws in split],
        dtype=bool,
    )
    words = np.array([len(ws) for ws in split], dtype=np.int64)
    keep = (~only_stop) & (y_i + y_j >= min_count)
    table = pd.DataFrame(
        {
            "term": pd.array(terms[keep], dtype="str"),
            "words": words[keep],
            "count_group": y_i[keep].astype(np.int64),
            "count_reference": y_j[keep].astype(np.int64),
            "per_1000_group": 1000.0 * y_i[keep] / n_i,
            "per_1000_reference": 1000.0 * y_j[keep] / n_j,
            "log_odds": delta[keep],
            "z": z[keep],
        }
    )
    table["favours"] = pd.array(np.where(table["z"] > 0, str(group), ref_name), dtype="str")
    ordered = table.sort_values(["z", "term"], ascending=[False, True], kind="stable")
    pos = ordered[ordered["z"] > 0].head(top)
    neg = ordered[ordered["z"] < 0].tail(top)
    return pd.concat([pos, neg], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Does it show in behaviour?
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BehaviourResult:
    """Purchases after responding, by NPS group, and NPS by RFM segment.

    Attributes
    ----------
    by_category : DataFrame
        Indexed by category (promoter, passive, detractor): ``n`` (responses with a matched
        customer and a complete window), ``repurchased`` (count), ``repurchase_rate`` (0..1)
        with Wilson ``rate_ci_low``/``rate_ci_high``, ``mean_spend`` (net spend in the
        window, currency of the data) with t interval ``spend_ci_low``/``spend_ci_high`` and
        ``median_spend``.
    comparisons : DataFrame
        One row per pair (``a``, ``b``): ``rate_diff`` (a - b, fraction) with Wald 95%
        interval and two-proportion z test ``rate_p_value`` (pooled), ``spend_diff`` (a - b)
        with Welch interval and ``spend_p_value`` (Welch t test).
    by_segment : DataFrame or None
        :func:`nps_by` over RFM segments (segment at the end of the data), or None.
    n_responses, n_with_id, n_matched, n_unmatched, n_incomplete : int
        Responses in all; with a customer id; whose id is in the transactions; whose id is
        not; matched but undated or too recent for a full window (left out of
        ``by_category``).
    unmatched_examples : list of str
        Up to 10 ids not found in the transactions.
    days : int
        Window length (days after the response day).
    as_of : Timestamp or None
        End of observation used (exclusive).
    message : str
        Why a part could not be computed (empty when all went well).
    """

    by_category: pd.DataFrame
    comparisons: pd.DataFrame
    by_segment: pd.DataFrame | None
    n_responses: int
    n_with_id: int
    n_matched: int
    n_unmatched: int
    n_incomplete: int
    unmatched_examples: list[str]
    days: int
    as_of: pd.Timestamp | None
    message: str = ""


_CATEGORY_COLUMNS = [
    "n",
    "repurchased",
    "repurchase_rate",
    "rate_ci_low",
    "rate_ci_high",
    "mean_spend",
    "spend_ci_low",
    "spend_ci_high",
    "median_spend",
]
_COMPARISON_COLUMNS = [
    "a",
    "b",
    "rate_diff",
    "rate_ci_low",
    "rate_ci_high",
    "rate_p_value",
    "spend_diff",
    "spend_ci_low",
    "spend_ci_high",
    "spend_p_value",
]


def _category_stats(cat: np.ndarray, bought: np.ndarray, spend: np.ndarray) -> pd.DataFrame:
    rows = []
    for c in range(len(CATEGORIES)):  # three groups
        s = spend[cat == c]
        n = len(s)
        k = int(bought[cat == c].sum())
        low, high = wilson_interval(k, n)
        mean = float(s.mean()) if n else math.nan
        if n >= 2:
            half = float(stats.t.ppf(0.975, n - 1) * s.std(ddof=1) / math.sqrt(n))
        else:
            half = math.nan
        rows.append(
            (
                n,
                k,
                k / n if n else math.nan,
                float(low),
                float(high),
                mean,
                mean - half,
                mean + half,
                float(np.median(s)) if n else math.nan,
            )
        )
    table = pd.DataFrame(
        rows, columns=_CATEGORY_COLUMNS, index=pd.Index(list(CATEGORIES), name="category")
    )
    return table


def _comparisons(cat: np.ndarray, bought: np.ndarray, spend: np.ndarray) -> pd.DataFrame:
    rows = []
    for a, b in ((0, 2), (0, 1), (1, 2)):
        ba, bb = bought[cat == a], bought[cat == b]
        sa, sb = spend[cat == a], spend[cat == b]
        na, nb = len(ba), len(bb)
        if na == 0 or nb == 0:
            rows.append((CATEGORIES[a], CATEGORIES[b]) + (math.nan,) * 8)
            continue
        pa, pb = ba.mean(), bb.mean()
        diff = pa - pb
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        pooled = (ba.sum() + bb.sum()) / (na + nb)
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        rate_p = float(2 * stats.norm.sf(abs(diff) / se0)) if se0 > 0 else 1.0
        if na >= 2 and nb >= 2:
            va, vb = sa.var(ddof=1) / na, sb.var(ddof=1) / nb
            sdiff = float(sa.mean() - sb.mean())
            se_s = math.sqrt(va + vb)
            if se_s > 0:
                dof = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
                t_crit = float(stats.t.ppf(0.975, dof))
                spend_p = float(stats.ttest_ind(sa, sb, equal_var=False).pvalue)
                s_lo, s_hi = sdiff - t_crit * se_s, sdiff + t_crit * se_s
            else:
                spend_p = 1.0 if sdiff == 0 else 0.0
                s_lo = s_hi = sdiff
        else:
            sdiff = float(sa.mean() - sb.mean())
            spend_p = s_lo = s_hi = math.nan
        rows.append(
            (
                CATEGORIES[a],
                CATEGORIES[b],
                diff,
                diff - Z95 * se,
                diff + Z95 * se,
                rate_p,
                sdiff,
                s_lo,
                s_hi,
                spend_p,
            )
        )
    return pd.DataFrame(rows, columns=_COMPARISON_COLUMNS)


def _rfm_segments(tx: pd.DataFrame, as_of) -> tuple[pd.Series | None, str]:
    """Customer -> RFM segment via ``analysis.rfm.rfm_table`` when that module exists."""
    try:
        from analysis.rfm import rfm_table  # imported lazily: optional sibling module
    except ImportError:
        return None, "RFM segments are not available in this version."
    try:
        table = rfm_table(tx, as_of=as_of)
    except Exception as exc:  # noqa: BLE001 - degrade gracefully, say why
        return None, f"RFM segments could not be computed: {exc}"
    if "segment" not in table.columns:
        return None, "The RFM table has no segment column."
    if "customer_id" in table.columns:
        ids = table["customer_id"].astype("str")
    else:
        ids = pd.Series(table.index.astype("str"), index=table.index)
    segments = table["segment"].astype("str").to_numpy()
    return pd.Series(segments, index=ids.to_numpy(), dtype="str"), ""


def feedback_behaviour(
    responses: pd.DataFrame, tx: pd.DataFrame, *, days: int = 90, as_of=None
) -> BehaviourResult:
    """Do promoters buy more than detractors after answering? And NPS by RFM segment.

    Each response with a customer id found in the transactions is followed for ``days``
    calendar days **after** its response day (orders on the response day itself are not
    counted, since many surveys follow a purchase that day): it *repurchased* when the
    customer placed at least one purchase order (net value >= 0) in that window, and its
    *spend* is the net value of all the customer's orders in the window (refund orders
    subtract). Responses whose window is not over by ``as_of`` are counted in
    ``n_incomplete`` and left out, so recent answers do not look like lost customers. A
    customer who answered twice counts twice.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses with ``response_date``, ``score`` and ``customer_id``.
    tx : DataFrame
        Canonical transactions.
    days : int
        Window length in days (default 90).
    as_of : date-like or None
        End of observation (exclusive); default the day after the last transaction.

    Returns
    -------
    BehaviourResult
        Ids that are not in the transactions are counted (``n_unmatched``) and listed
        (``unmatched_examples``), not silently dropped. When nothing matches, the frames are
        empty and ``message`` says why.
    """
    if days < 1:
        raise ValueError("days must be at least 1.")
    empty_cat = pd.DataFrame(
        columns=_CATEGORY_COLUMNS, index=pd.Index([], name="category", dtype="str")
    )
    empty_cmp = pd.DataFrame(columns=_COMPARISON_COLUMNS)
    n_responses = len(responses)

    def result(message, **kw):
        base = dict(
            by_category=empty_cat,
            comparisons=empty_cmp,
            by_segment=None,
            n_responses=n_responses,
            n_with_id=0,
            n_matched=0,
            n_unmatched=0,
            n_incomplete=0,
            unmatched_examples=[],
            days=int(days),
            as_of=None,
        )
        base.update(kw)
        return BehaviourResult(message=message, **base)

    if "customer_id" not in responses.columns:
        return result(
            "The responses have no customer id, so they cannot be joined to the transactions."
        )
    if tx is None or len(tx) == 0:
        return result("There are no transactions to join the responses to.")
    score = pd.to_numeric(responses["score"]).to_numpy(dtype=np.float64, na_value=np.nan)
    _require_scores(responses)
    ids = responses["customer_id"].astype("str").str.strip()
    has_id = ids.notna().to_numpy(dtype=bool) & (ids.str.len() > 0).fillna(False).to_numpy(
        dtype=bool
    )
    ot = order_table(tx, as_of)
    as_of_ts = ot.as_of
    codes = ot.customers.get_indexer(ids.fillna("").to_numpy(dtype=object))
    matched = has_id & (codes >= 0)
    unmatched = has_id & (codes < 0)
    examples = [str(x) for x in pd.unique(ids[unmatched].to_numpy(dtype=object))[:10]]
    counts = dict(
        n_with_id=int(has_id.sum()),
        n_matched=int(matched.sum()),
        n_unmatched=int(unmatched.sum()),
        unmatched_examples=examples,
        as_of=as_of_ts,
    )
    if not matched.any():
        return result(
            "None of the customer ids in the responses appear in the transactions.", **counts
        )

    # Vectorised window sums: sort orders by (customer, day) into one int64 key, prefix-sum
    # purchases and net values, and find each window's bounds with searchsorted.
    cutoff = int(day_numbers(pd.Series([as_of_ts]))[0])
    if "response_date" in responses.columns:
        dates = pd.to_datetime(responses["response_date"])
    else:
        dates = pd.Series(pd.NaT, index=responses.index, dtype="datetime64[ns]")
    dated = dates.notna().to_numpy(dtype=bool)
    # Undated responses get the cut-off day, so their window is never complete.
    resp_day = np.where(dated, day_numbers(dates.fillna(as_of_ts)), cutoff)
    base_day = int(min(ot.day.min() if len(ot.day) else cutoff, resp_day.min()))
    span = int(max(cutoff, resp_day.max() + days) - base_day + 2)
    key = ot.customer * span + (ot.day - base_day)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    cum_buy = np.concatenate([[0], np.cumsum(ot.is_purchase[order].astype(np.int64))])
    cum_net = np.concatenate([[0.0], np.cumsum(ot.net[order])])
    m_idx = np.flatnonzero(matched)
    m_code = codes[m_idx].astype(np.int64)
    m_day = resp_day[m_idx]
    complete = (m_day + days < cutoff) & ~np.isnan(score[m_idx])
    lo = np.searchsorted(key_sorted, m_code * span + (m_day - base_day), side="right")
    hi = np.searchsorted(key_sorted, m_code * span + (m_day + days - base_day), side="right")
    purchases = cum_buy[hi] - cum_buy[lo]
    spend = cum_net[hi] - cum_net[lo]
    s = score[m_idx]
    cat = np.where(s >= 9, 0, np.where(s >= 7, 1, 2))
    counts["n_incomplete"] = int((~complete).sum())
    bought = (purchases > 0)[complete]
    spend_c = spend[complete]
    cat_c = cat[complete]

    by_segment, seg_message = None, ""
    segments, seg_message = _rfm_segments(tx, as_of_ts)
    if segments is not None:
        joined = responses.loc[matched, ["score"]].copy()
        seg = segments.reindex(ids[matched].to_numpy()).fillna("(no purchase)")
        joined["rfm_segment"] = seg.to_numpy()
        by_segment = nps_by(joined, "rfm_segment")
    message = seg_message
    if not complete.any():
        message = (
            f"Every matched response is less than {days} days before the end of the "
            "data, so no window is complete yet. " + message
        ).strip()
        return result(message, by_segment=by_segment, **counts)
    return BehaviourResult(
        by_category=_category_stats(cat_c, bought, spend_c),
        comparisons=_comparisons(cat_c, bought, spend_c),
        by_segment=by_segment,
        n_responses=n_responses,
        days=int(days),
        message=message,
        **counts,
    )


def behaviour_from_tables(
    tx: pd.DataFrame, responses: pd.DataFrame, *, days: int = 90, as_of=None
) -> BehaviourResult:
    """:func:`feedback_behaviour` with the tables in ``(tx, responses)`` order.

    This is the order in which ``ui.cache.compute(..., data="both")`` passes them.
    """
    return feedback_behaviour(responses, tx, days=days, as_of=as_of)


# ---------------------------------------------------------------------------------------------
# Follow-up list
# ---------------------------------------------------------------------------------------------


def detractor_followup(
    responses: pd.DataFrame, *, since=None, last_days: int | None = None
) -> pd.DataFrame:
    """Detractors (0-6) to call back: newest first, lowest score first within a day.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses.
    since : date-like or None
        Keep responses on or after this calendar day.
    last_days : int or None
        Keep responses of the last ``last_days`` calendar days of the survey, counting the day
        of the latest response as day 1 (7 = that day and the six before).

    Returns
    -------
    DataFrame
        Columns ``response_date``, ``customer_id`` (when present), ``score``, ``comment``,
        ``csat``/``ces`` (when present), then the other attribute columns; RangeIndex.
    """
    score = pd.to_numeric(responses["score"])
    mask = (score <= 6).fillna(False)
    if "response_date" in responses.columns and (since is not None or last_days is not None):
        day = pd.to_datetime(responses["response_date"]).dt.normalize()
        if since is not None:
            mask &= (day >= pd.Timestamp(since).normalize()).fillna(False)
        if last_days is not None and day.notna().any():
            start = day.max() - pd.Timedelta(days=int(last_days) - 1)
            mask &= (day >= start).fillna(False)
    first = [
        c
        for c in ("response_date", "customer_id", "score", "comment", "csat", "ces")
        if c in responses.columns
    ]
    rest = [c for c in responses.columns if c not in first]
    out = responses.loc[mask.to_numpy(dtype=bool), first + rest]
    sort_cols = [c for c in ("response_date", "score") if c in out.columns]
    out = out.sort_values(sort_cols, ascending=[False, True][: len(sort_cols)], kind="stable")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Plain-language sentences
# ---------------------------------------------------------------------------------------------


def _pts(x: float) -> str:
    return f"{x:+.0f}" if x != 0 else "0"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def nps_sentence(summary: NPSSummary) -> str:
    """One or two sentences on an NPS and how precise it is."""
    s = summary
    text = (
        f"Out of {s.n:,} answers, {s.share_promoters:.0%} are promoters and "
        f"{s.share_detractors:.0%} detractors, so the NPS is {_pts(s.nps)}. With this many "
        f"answers the true score is probably between {_pts(s.ci_low)} and {_pts(s.ci_high)}"
    )
    if s.n < SMALL_GROUP:
        text += f"; {s.n} answers is few, so treat the score as a rough indication."
    elif s.margin > 15:
        text += "; the range is wide, so small changes will not mean much yet."
    else:
        text += "."
    return text


def trend_sentence(trend: pd.DataFrame) -> str:
    """A sentence on the latest period and which changes are beyond chance."""
    if trend.empty:
        return "There are no dated answers to follow over time."
    last = trend.iloc[-1]
    text = f"In {last['label']} the NPS was {_pts(last['nps'])} from {int(last['n'])} answers"
    if len(trend) > 1 and not math.isnan(last["change"]):
        verdict = (
            "a change beyond chance"
            if last["significant_change"]
            else "within what chance alone could produce"
        )
        text += f", {_pts(last['change'])} points on the period before ({verdict})"
    text += "."
    sig = trend[trend["significant_change"]]
    if len(sig):
        labels = ", ".join(str(x) for x in sig["label"].tolist()[-3:])
        text += f" Changes beyond chance (p < 0.05): {labels}."
    else:
        text += " No period-to-period change is beyond chance."
    return text


def breakdown_sentence(table: pd.DataFrame, by: str) -> str:
    """A sentence naming the groups whose NPS differs from the rest beyond chance."""
    if table.empty:
        return f"There are no answers to break down by {md_escape(by)}."
    sig = table[table["significant"] & ~table["small"]]
    if sig.empty:
        return (
            f"No {md_escape(by)} has an NPS that differs from the other answers beyond chance; the "
            "differences you see could be noise."
        )
    parts = [
        f"{md_escape(idx)} ({_pts(row['diff_vs_rest'])} points vs the rest)"
        for idx, row in sig.iterrows()
    ]
    return f"Beyond chance by {md_escape(by)}: " + "; ".join(parts) + "."


def themes_sentence(table: pd.DataFrame) -> str:
    """A sentence on the biggest theme and the one with the lowest NPS."""
    if table.empty:
        return "There are not enough comments to find themes."
    biggest = table.iloc[0]
    worst = table.sort_values("nps").iloc[0]
    text = (
        f'The most common theme is "{md_escape(biggest["theme"])}" ({int(biggest["responses"])} '
        f"comments, NPS {_pts(biggest['nps'])})."
    )
    if worst["theme"] != biggest["theme"]:
        text += (
            f' The lowest NPS is in "{md_escape(worst["theme"])}" ({_pts(worst["nps"])}, between '
            f"{_pts(worst['ci_low'])} and {_pts(worst['ci_high'])})."
        )
    return text


def behaviour_sentence(result: BehaviourResult) -> str:
    """A sentence comparing repurchase after answering, promoters vs detractors."""
    if result.by_category.empty:
        return result.message or "Responses could not be joined to the transactions."
    t = result.by_category
    p, d = t.loc["promoter"], t.loc["detractor"]
    if p["n"] == 0 or d["n"] == 0:
        return "There are not both promoters and detractors among the matched responses."
    cmp = result.comparisons.iloc[0]
    verdict = (
        "a difference beyond chance"
        if cmp["rate_p_value"] < 0.05
        else ("a difference chance alone could produce")
    )
    return (
        f"Within {result.days} days of answering, {p['repurchase_rate']:.0%} of promoters "
        f"bought again against {d['repurchase_rate']:.0%} of detractors ({verdict}, "
        f"{_p_text(cmp['rate_p_value'])})."
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

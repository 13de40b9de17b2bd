"""What the cohort tables say, in plain sentences.

:func:`describe_retention` reads customer retention (average share coming back, where the curve
levels off, best and worst cohorts, recent against older cohorts, the unfinished period);
:func:`describe_cohort_report` adds the chosen metric and breakdown for the cohort page. Partial
and unobservable cells never count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.cohorts.cells import _Cells, _cells
from analysis.cohorts.compare import (
    cohort_trend,
    compare_cohorts,
    compare_groups,
    flattening_period,
)
from analysis.cohorts.periods import PERIODS, _to_periods, period_label
from analysis.cohorts.retention import (
    CohortCounts,
    _cells_from_counts,
    _check_metric_kind,
    _curve,
    _matrix,
    _sizes,
)
from analysis.core.floats import make_float_safe
from analysis.core.text import md_escape, money, plural, share

if TYPE_CHECKING:  # the report is built with these sentences
    from analysis.cohorts.report import CohortReport

__all__ = [
    "RetentionSummary",
    "describe_cohort_report",
    "describe_retention",
    "summary_from_counts",
]


@dataclass(frozen=True)
class RetentionSummary:
    """Plain-language reading of cohort retention, with the figures behind it.

    Attributes
    ----------
    sentences : list of str
        Ready to show, in order.
    at : int
        Period number the cohorts were compared at.
    overall : float
        Average share active at ``at`` (NaN when no cohort is old enough).
    flattens_at : int or None
        See :func:`~analysis.cohorts.compare.flattening_period`.
    comparison : DataFrame
        :func:`~analysis.cohorts.compare.compare_cohorts` output.
    trend : dict or None
        :func:`~analysis.cohorts.compare.cohort_trend` output.
    """

    sentences: list[str]
    at: int
    overall: float
    flattens_at: int | None
    comparison: pd.DataFrame
    trend: dict | None


def _p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _periods_text(k: int, unit: str) -> str:
    return f"one {unit}" if k == 1 else f"{k} {unit}s"


def _named(value: pd.Period, unit: str) -> str:
    return f"the week of {period_label(value)}" if unit == "week" else f"{period_label(value)}"


def _overall_sentence(curve: pd.DataFrame, *, at: int, unit: str, kind: str) -> tuple[str, float]:
    """Return the average share active ``at`` periods after the first purchase, and the share."""
    after = _periods_text(at, unit)
    if at not in curve.index:
        return (
            f"No cohort has been watched for {after} yet, so retention after {after} cannot be "
            f"measured.",
            np.nan,
        )
    row = curve.loc[at]
    overall = float(row["value"])
    later = f"in the {unit} after" if at == 1 else f"{at} {unit}s after"
    if kind == "unbounded":
        later = f"one {unit} or more after" if at == 1 else f"{at} {unit}s or more after"
    cohorts = plural(int(row["n_cohorts"]), "cohort")
    return (
        f"{share(overall)} of new customers bought again {later} the {unit} of their first "
        f"purchase (95% interval {share(row['low'])} to {share(row['high'])}; "
        f"{int(row['n_customers']):,} customers in {cohorts} old enough to tell).",
        overall,
    )


def _flattening_sentences(classic: pd.DataFrame, unit: str) -> tuple[list[str], int | None]:
    """Say from which period the classic curve stops falling (or that it keeps falling)."""
    flat = flattening_period(classic)
    if flat is None:
        enough = int(((classic.index >= 1) & (classic["n_cohorts"] >= 2)).sum())
        if enough < 3:
            return [], None
        return [f"Retention keeps falling {unit} after {unit}; it has not levelled off yet."], None
    level = classic.loc[flat:]
    level = level.loc[level["n_cohorts"] >= 2, "value"]
    start = (
        f"Retention stops falling after the first {unit}"
        if flat == 1
        else f"Retention stops falling from {unit} {flat}"
    )
    return [
        f"{start}: from then on, {share(level.min())} to {share(level.max())} of a cohort buy "
        f"in any given {unit} (average over the cohorts old enough)."
    ], flat


def _extreme_sentences(
    comparison: pd.DataFrame, matrix: pd.DataFrame, cells: _Cells, *, at: int, alpha: float
) -> list[str]:
    """Name the best and worst cohorts against the others (Bonferroni over those compared)."""
    if len(comparison) < 3:
        return []
    unit = PERIODS[cells.period]
    n = len(comparison)
    out = []
    for label, idx in (
        ("best", comparison["share"].idxmax()),
        ("worst", comparison["share"].idxmin()),
    ):
        r = comparison.loc[idx]
        verdict = (
            "a gap beyond chance" if r["p_adjusted"] < alpha else "a gap chance alone could produce"
        )
        out.append(
            f"The {label} cohort is {_named(idx, unit)} ({share(r['share'])} of "
            f"{int(r['customers']):,} after {_periods_text(at, unit)}, against "
            f"{share(r['others_share'])} for the other cohorts): {verdict} "
            f"({_p_words(r['p_adjusted'])}, allowing for picking the {label} of {n})."
        )
    first = matrix.index[0]
    data_start = _to_periods(np.array([cells.first_period]), cells.period)[0]
    if comparison["share"].idxmax() == first and first == data_start:
        out.append(
            f"Be careful with {_named(first, unit)}: it is the first {unit} of the data, so "
            f"its cohort also holds customers who had bought before the data begin, and such "
            f"loyal customers make it look better."
        )
    return out


def _trend_sentences(trend: dict | None, *, at: int, unit: str, alpha: float) -> list[str]:
    """Say whether recent cohorts retain better or worse than older ones."""
    if trend is None:
        return []
    direction = "better" if trend["difference"] > 0 else "worse"
    chance = "beyond" if trend["p_value"] < alpha else "within"
    return [
        f"Recent cohorts (the {trend['recent_cohorts']} from "
        f"{_named(trend['first_recent'], unit)} on) retain {direction} after "
        f"{_periods_text(at, unit)} than the {trend['older_cohorts']} older ones: "
        f"{share(trend['recent_share'])} against {share(trend['older_share'])}; the difference "
        f"is {chance} chance ({_p_words(trend['p_value'])})."
    ]


def _partial_sentences(matrix: pd.DataFrame, unit: str) -> list[str]:
    """Say which period is not over, so its cells are left out of the averages."""
    partial = matrix.attrs.get("partial_period")
    if partial is None:
        return []
    last_day = (matrix.attrs["as_of"] - pd.Timedelta(days=1)).date()
    name = _named(partial, unit)
    return [
        f"{name[0].upper() + name[1:] if unit == 'week' else 'The ' + unit + ' ' + name} is "
        f"not over (the data run to {last_day:%d %B %Y}), so its cells are marked as partial "
        f"and left out of the averages."
    ]


def _summary(cells: _Cells, *, kind: str, at: int, min_size: int, alpha: float) -> RetentionSummary:
    """Read customer retention from the cells (see :func:`describe_retention`)."""
    unit = PERIODS[cells.period]
    matrix = _matrix(cells, "customers", kind)
    if len(matrix) == 0:
        return RetentionSummary(
            ["There are no purchases to form cohorts from."], at, np.nan, None, pd.DataFrame(), None
        )
    sizes = _sizes(cells)
    curve = _curve(cells, "customers", kind)
    first, overall = _overall_sentence(curve, at=at, unit=unit, kind=kind)
    classic = curve if kind == "classic" else _curve(cells, "customers", "classic")
    flat_sentences, flat = _flattening_sentences(classic, unit)
    comparison = compare_cohorts(matrix, sizes, at=at, min_size=min_size)
    trend = cohort_trend(matrix, sizes, at=at)
    sentences = [
        first,
        *flat_sentences,
        *_extreme_sentences(comparison, matrix, cells, at=at, alpha=alpha),
        *_trend_sentences(trend, at=at, unit=unit, alpha=alpha),
        *_partial_sentences(matrix, unit),
    ]
    return RetentionSummary(sentences, at, overall, flat, comparison, trend)


def describe_retention(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    kind: str = "classic",
    at: int = 1,
    as_of=None,
    cohort_range: tuple | None = None,
    min_size: int = 20,
    alpha: float = 0.05,
) -> RetentionSummary:
    """Say in words what the customer-retention matrix shows.

    Covers: the average share active ``at`` periods after the first purchase (with its 95%
    interval), where the average classic curve stops falling (:func:`flattening_period`), the
    best and worst cohorts against the others (two-proportion z test, Bonferroni-adjusted
    because they were picked as extremes; cohorts under ``min_size`` customers are not
    compared), whether recent cohorts retain better or worse than older ones
    (:func:`cohort_trend`), and which period is unfinished. Partial and unobservable cells never
    count. Other parameters as in :func:`~analysis.cohorts.retention.retention_matrix`
    (customers metric); ``alpha`` is the significance level.
    """
    _check_metric_kind("customers", kind)
    cells = _cells(tx, period=period, as_of=as_of, cohort_range=cohort_range)
    return _summary(cells, kind=kind, at=at, min_size=min_size, alpha=alpha)


def _money(x: float, currency: str | None) -> str:
    """Money for a Markdown sentence: ``"€12.50"`` ("$" escaped); ``"12.50"`` without currency."""
    return md_escape(money(x, currency)) if currency else f"{x:,.2f}"


def _metric_sentences(
    overall: pd.DataFrame, *, metric: str, at: int, unit: str, currency: str | None = None
) -> list[str]:
    """Say what the revenue metrics show (nothing for the customers metric)."""
    if metric == "revenue_per_customer" and len(overall):
        first = overall.iloc[0]
        last_k = overall.index[overall["n_cohorts"] >= 2].max() if len(overall) > 1 else None
        text = (
            f"A new customer brings in {_money(first['value'], currency)} on average in the "
            f"{unit} of their first purchase (net of refunds)"
        )
        if last_k is not None and last_k > 0:
            text += (
                f", and {_money(overall.loc[last_k, 'value'], currency)} in all by {unit} "
                f"{last_k} (95% interval {_money(overall.loc[last_k, 'low'], currency)} to "
                f"{_money(overall.loc[last_k, 'high'], currency)})"
            )
        return [text + "."]
    if metric == "revenue" and at in overall.index:
        r = overall.loc[at]
        return [
            f"In {unit} {at}, a cohort brings in {share(r['value'])} of what it spent in its first "
            f"{unit} (size-weighted average of {int(r['n_cohorts'])} cohorts)."
        ]
    return []


def _group_sentences(curve: pd.DataFrame, *, by: str, at: int, unit: str) -> list[str]:
    """Say whether the breakdown groups retain differently (chi-square test at ``at``)."""
    groups = compare_groups(curve, at=at)
    if groups is None:
        return []
    shares = groups["shares"]
    chance = "beyond" if groups["p_value"] < 0.05 else "within"
    return [
        f"By {by}: {shares.index[0]} retains best after {_periods_text(at, unit)} "
        f"({share(shares.iloc[0])}) and {shares.index[-1]} worst ({share(shares.iloc[-1])}); "
        f"the differences between the {len(shares)} groups are {chance} chance "
        f"({_p_words(groups['p_value'])}, chi-square test)."
    ]


def describe_cohort_report(report: CohortReport, currency: str | None = None) -> list[str]:
    """Say what the cohort page shows: retention, the chosen metric and breakdown, the cap.

    Parameters
    ----------
    report : CohortReport
        From :func:`~analysis.cohorts.report.cohort_report`.
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``): the value-curve
        amounts are written in it (``"€12.50"``); ``None`` writes the number alone.

    Returns
    -------
    list of str
        The retention summary's sentences, then sentences on the revenue metrics, on whether
        the breakdown groups retain differently (chi-square test at the summary's period
        ``at``), and on older cohorts left out.
    """
    attrs = report.matrix.attrs
    unit = PERIODS[attrs["period"]]
    at = report.summary.at
    sentences = list(report.summary.sentences)
    sentences += _metric_sentences(
        report.overall_curve, metric=attrs["metric"], at=at, unit=unit, currency=currency
    )
    if attrs.get("by") and attrs["metric"] == "customers":
        sentences += _group_sentences(report.curve, by=attrs["by"], at=at, unit=unit)
    if report.capped:
        sentences.append(
            f"Showing the latest {report.n_cohorts:,} of {report.total_cohorts:,} {unit}ly cohorts "
            "(a limit that keeps this page quick); pick a range of cohorts to see older ones."
        )
    return sentences


def summary_from_counts(
    counts: CohortCounts,
    *,
    kind: str = "classic",
    at: int = 1,
    min_size: int = 20,
    alpha: float = 0.05,
) -> RetentionSummary:
    """Read customer retention from counts made elsewhere, as :func:`describe_retention` does.

    Parameters
    ----------
    counts : CohortCounts
        The cells' counts (with ``first_period`` and ``cumulative_squares`` for the same
        figures as the in-memory reading).
    kind, at, min_size, alpha
        As in :func:`describe_retention`.

    Returns
    -------
    RetentionSummary
        The sentences and the figures behind them.
    """
    _check_metric_kind("customers", kind)
    return _summary(_cells_from_counts(counts), kind=kind, at=at, min_size=min_size, alpha=alpha)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""The feedback results in plain sentences: ``describe_<thing>(result) -> list[str]``.

Each ``describe_*`` returns the sentences that read its result; the older ``*_sentence``
functions (used by the pages and the report) return the same sentences joined into one text.
Values from the data (group and theme names) are escaped with
:func:`analysis.core.text.md_escape`; the rest is Markdown written here.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.core.text import md_escape, percent, plural
from analysis.feedback._common import SMALL_GROUP
from analysis.feedback.behaviour import BehaviourResult
from analysis.feedback.scores import NPSSummary

__all__ = [
    "behaviour_sentence",
    "breakdown_sentence",
    "describe_behaviour",
    "describe_breakdown",
    "describe_nps",
    "describe_themes",
    "describe_trend",
    "nps_sentence",
    "themes_sentence",
    "trend_sentence",
]


def _pts(x: float) -> str:
    """Write NPS points with their sign: ``+25``, ``-8``, ``0``."""
    return f"{x:+.0f}" if x != 0 else "0"


def _p_text(p: float) -> str:
    """Write a p-value as a sentence gives it: ``p < 0.001`` or ``p = 0.042``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe_nps(summary: NPSSummary) -> list[str]:
    """Describe an NPS and how precise it is.

    Parameters
    ----------
    summary : NPSSummary
        From :func:`analysis.feedback.nps_summary`.

    Returns
    -------
    list of str
        The score with its shares of promoters and detractors, then its likely range (and a
        caution when the answers are few or the range is wide).
    """
    s = summary
    first = (
        f"Out of {plural(s.n, 'answer')}, {percent(s.share_promoters, decimals=0)} are "
        f"promoters and {percent(s.share_detractors, decimals=0)} detractors, so the NPS is "
        f"{_pts(s.nps)}."
    )
    second = (
        "With this many answers the true score is probably between "
        f"{_pts(s.ci_low)} and {_pts(s.ci_high)}"
    )
    if s.n < SMALL_GROUP:
        second += f"; {plural(s.n, 'answer')} is few, so treat the score as a rough indication."
    elif s.margin > 15:
        second += "; the range is wide, so small changes will not mean much yet."
    else:
        second += "."
    return [first, second]


def describe_trend(trend: pd.DataFrame) -> list[str]:
    """Describe the latest period of an NPS trend and which changes are beyond chance.

    Parameters
    ----------
    trend : DataFrame
        From :func:`analysis.feedback.nps_trend`.

    Returns
    -------
    list of str
        The latest period's NPS and its change on the period before, then the periods whose
        change is beyond chance (p < 0.05).
    """
    if trend.empty:
        return ["There are no dated answers to follow over time."]
    last = trend.iloc[-1]
    first = (
        f"In {last['label']} the NPS was {_pts(last['nps'])} from "
        f"{plural(int(last['n']), 'answer')}"
    )
    if len(trend) > 1 and not math.isnan(last["change"]):
        verdict = (
            "a change beyond chance"
            if last["significant_change"]
            else "within what chance alone could produce"
        )
        first += f", {_pts(last['change'])} points on the period before ({verdict})"
    sig = trend[trend["significant_change"]]
    if len(sig):
        labels = ", ".join(str(x) for x in sig["label"].tolist()[-3:])
        second = f"Changes beyond chance (p < 0.05): {labels}."
    else:
        second = "No period-to-period change is beyond chance."
    return [first + ".", second]


def describe_breakdown(table: pd.DataFrame, by: str) -> list[str]:
    """Name the groups whose NPS differs from the rest beyond chance.

    Parameters
    ----------
    table : DataFrame
        From :func:`analysis.feedback.nps_by`.
    by : str
        What the groups are (the column's name, or e.g. "RFM segment").

    Returns
    -------
    list of str
        One sentence; small groups (under 30 answers) are not named.
    """
    if table.empty:
        return [f"There are no answers to break down by {md_escape(by)}."]
    sig = table[table["significant"] & ~table["small"]]
    if sig.empty:
        return [
            f"No {md_escape(by)} has an NPS that differs from the other answers beyond chance; "
            "the differences you see could be noise."
        ]
    parts = [
        f"{md_escape(idx)} ({_pts(row['diff_vs_rest'])} points vs the rest)"
        for idx, row in sig.iterrows()
    ]
    return [f"Beyond chance by {md_escape(by)}: " + "; ".join(parts) + "."]


def describe_themes(table: pd.DataFrame) -> list[str]:
    """Describe the biggest comment theme and the one with the lowest NPS.

    Parameters
    ----------
    table : DataFrame
        ``ThemeResult.table`` of :func:`analysis.feedback.theme_analysis`.

    Returns
    -------
    list of str
        The most common theme, then (when it is another one) the theme with the lowest NPS.
    """
    if table.empty:
        return ["There are not enough comments to find themes."]
    biggest = table.iloc[0]
    worst = table.sort_values("nps").iloc[0]
    out = [
        f'The most common theme is "{md_escape(biggest["theme"])}" '
        f"({plural(int(biggest['responses']), 'comment')}, NPS {_pts(biggest['nps'])})."
    ]
    if worst["theme"] != biggest["theme"]:
        out.append(
            f'The lowest NPS is in "{md_escape(worst["theme"])}" ({_pts(worst["nps"])}, between '
            f"{_pts(worst['ci_low'])} and {_pts(worst['ci_high'])})."
        )
    return out


def describe_behaviour(result: BehaviourResult) -> list[str]:
    """Compare repurchase after answering, promoters against detractors.

    Parameters
    ----------
    result : BehaviourResult
        From :func:`analysis.feedback.feedback_behaviour`.

    Returns
    -------
    list of str
        One sentence with both rates and whether the difference is beyond chance, or the
        result's message when the responses could not be joined to the transactions.
    """
    if result.by_category.empty:
        return [result.message or "Responses could not be joined to the transactions."]
    t = result.by_category
    p, d = t.loc["promoter"], t.loc["detractor"]
    if p["n"] == 0 or d["n"] == 0:
        return ["There are not both promoters and detractors among the matched responses."]
    cmp = result.comparisons.iloc[0]
    verdict = (
        "a difference beyond chance"
        if cmp["rate_p_value"] < 0.05
        else "a difference chance alone could produce"
    )
    return [
        f"Within {result.days} days of answering, "
        f"{percent(p['repurchase_rate'], decimals=0)} of promoters bought again against "
        f"{percent(d['repurchase_rate'], decimals=0)} of detractors ({verdict}, "
        f"{_p_text(cmp['rate_p_value'])})."
    ]


# The sentences as one text, for the pages and the report.


def nps_sentence(summary: NPSSummary) -> str:
    """Return :func:`describe_nps` as one text."""
    return " ".join(describe_nps(summary))


def trend_sentence(trend: pd.DataFrame) -> str:
    """Return :func:`describe_trend` as one text."""
    return " ".join(describe_trend(trend))


def breakdown_sentence(table: pd.DataFrame, by: str) -> str:
    """Return :func:`describe_breakdown` as one text."""
    return " ".join(describe_breakdown(table, by))


def themes_sentence(table: pd.DataFrame) -> str:
    """Return :func:`describe_themes` as one text."""
    return " ".join(describe_themes(table))


def behaviour_sentence(result: BehaviourResult) -> str:
    """Return :func:`describe_behaviour` as one text."""
    return " ".join(describe_behaviour(result))

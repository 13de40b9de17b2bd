"""The report's sections on the survey: NPS, CSAT and CES, then NPS by each attribute."""

from __future__ import annotations

import pandas as pd

from analysis import feedback as fb
from analysis.charts import feedback as charts_feedback
from analysis.core.defaults import TREND_PERIOD
from analysis.core.text import percent
from analysis.report._common import Section

#: Breakdown attributes of the survey shown as report sections (the workbook has them all).
MAX_NPS_SECTIONS = 6

_NPS_FORMATS = {
    "NPS": "{:+.1f}",
    "95% from": "{:+.1f}",
    "95% to": "{:+.1f}",
    "vs the rest": "{:+.1f}",
    "p-value": "{:.3f}",
}


def _nps_display(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return :func:`analysis.feedback.nps_by` with readable column names."""
    return pd.DataFrame(
        {
            by.capitalize(): table.index.astype("str").to_numpy(),
            "Answers": table["n"].to_numpy(),
            "NPS": table["nps"].to_numpy(),
            "95% from": table["ci_low"].to_numpy(),
            "95% to": table["ci_high"].to_numpy(),
            "vs the rest": table["diff_vs_rest"].to_numpy(),
            "p-value": table["p_value"].to_numpy(),
            "Beyond chance": table["significant"].to_numpy(),
            "Small (< 30)": table["small"].to_numpy(),
        }
    )


def _headline(ov: fb.FeedbackOverview) -> pd.DataFrame:
    """Return NPS, CSAT and CES with their 95% intervals and numbers of answers."""
    nps = ov.nps
    rows = [
        ("Net Promoter Score", f"{nps.nps:+.0f}", f"{nps.ci_low:+.0f} to {nps.ci_high:+.0f}", nps.n)
    ]
    if ov.csat is not None:
        c = ov.csat
        ci = f"{percent(c.ci_low, decimals=0)} to {percent(c.ci_high, decimals=0)}"
        rows.append(("CSAT (share satisfied)", percent(c.share, decimals=0), ci, c.n))
    if ov.ces is not None:
        e = ov.ces
        ci = f"{e.ci_low:.2f} to {e.ci_high:.2f}" if e.n > 1 else "one answer"
        rows.append(("CES (ease, 1-7)", f"{e.mean:.2f}", ci, e.n))
    return pd.DataFrame(rows, columns=["Measure", "Score", "95% interval", "Answers"])


def _breakdown_sections(responses: pd.DataFrame, overall: float, sheets: dict) -> list[Section]:
    """Return one "NPS by <attribute>" section per breakdown (all of them in ``sheets``)."""
    out = []
    attributes = fb.attribute_columns(responses)
    for i, by in enumerate(attributes):
        table = fb.nps_by(responses, by)
        sheets[f"NPS by {by}"] = table.reset_index().astype({by: "str"})
        if i >= MAX_NPS_SECTIONS:
            continue
        out.append(
            Section(
                f"NPS by {by}",
                sentences=[fb.breakdown_sentence(table, by)],
                table=_nps_display(table, by),
                chart=charts_feedback.nps_breakdown_chart(table, by, overall=overall),
                formats=_NPS_FORMATS,
            )
        )
    if len(attributes) > MAX_NPS_SECTIONS:
        more = len(attributes) - MAX_NPS_SECTIONS
        out[-1].note = f"{more} more breakdowns are in the workbook only."
    return out


def feedback_sections(responses: pd.DataFrame | None, sheets: dict) -> list[Section]:
    """Return the customer feedback section and the NPS breakdowns (a note without answers)."""
    title = "Customer feedback"
    if responses is None or len(responses) == 0:
        return [
            Section(
                title,
                note="Left out: no survey responses were loaded. Add a file with a 0-10 'how "
                "likely are you to recommend us' score to see NPS, CSAT and CES here.",
            )
        ]
    ov = fb.feedback_overview(responses)
    if ov.nps is None:
        return [Section(title, note="Left out: none of the responses has a 0-10 score.")]
    headline = _headline(ov)
    sheets["Feedback"] = headline
    sentences = [fb.nps_sentence(ov.nps)]
    note = f"{ov.n_responses:,} responses."
    if ov.first_date is not None:
        sentences.append(fb.trend_sentence(fb.nps_trend(responses, freq=TREND_PERIOD.default)))
        note = (
            f"{ov.n_responses:,} responses from {ov.first_date:%d %b %Y} to "
            f"{ov.last_date:%d %b %Y}."
        )
    section = Section(
        title,
        sentences=sentences,
        table=headline,
        chart=charts_feedback.nps_split_chart(ov.score_counts),
        note=note,
    )
    return [section, *_breakdown_sections(responses, ov.nps.nps, sheets)]

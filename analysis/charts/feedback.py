"""Altair charts for the feedback page (pure: DataFrame in, ``alt.Chart`` out).

Inputs are the frames returned by :mod:`analysis.feedback`. NPS values are in points
(-100..100), shares are fractions (0..1). Data is embedded inline, so ``chart.to_dict()``
works without network.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts import theme
from analysis.charts._common import name_axis

__all__ = [
    "CATEGORY_COLORS",
    "nps_split_chart",
    "score_histogram",
    "scale_chart",
    "nps_trend_chart",
    "nps_breakdown_chart",
    "themes_chart",
    "distinctive_terms_chart",
    "behaviour_chart",
]

CATEGORY_COLORS = {"promoter": theme.BETTER, "passive": theme.OTHER, "detractor": theme.WORSE}
_CAT_SCALE = theme.colour_scale(CATEGORY_COLORS)
SIGNIFICANT_COLOR = theme.WORSE  # kept for importers; charts colour by meaning (better / worse)
NEUTRAL_COLOR = theme.NEUTRAL
#: Meaning of a group compared with the rest, and its colour (the same on every chart).
STATUS_COLORS = {
    "better than the rest": theme.BETTER,
    "worse than the rest": theme.WORSE,
    "within chance of the rest": theme.NOT_SIGNIFICANT,
}


def _nps_tooltip(answers: str = "Answers") -> list[alt.Tooltip]:
    """Return the tooltip lines of an NPS with its 95% interval and its number of answers."""
    return [
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("ci_low:Q", title="95% from", format="+.1f"),
        alt.Tooltip("ci_high:Q", title="95% to", format="+.1f"),
        alt.Tooltip("n:Q", title=answers, format=",d"),
    ]


def nps_split_chart(score_counts: pd.DataFrame) -> alt.LayerChart:
    """One horizontal bar split into promoters, passives and detractors (shares of answers).

    Parameters
    ----------
    score_counts : DataFrame
        ``FeedbackOverview.score_counts``: ``score``, ``responses``, ``category``.

    Returns
    -------
    alt.LayerChart
        Segments from ``start`` to ``end`` (cumulative shares, 0..1) with their labels written
        on them (e.g. "Promoters 48%"), so no axis or legend is needed.
    """
    counts = score_counts["responses"].to_numpy(dtype=np.float64)
    cats = score_counts["category"].astype("str").to_numpy()
    total = max(counts.sum(), 1.0)
    rows, start = [], 0.0
    for cat in CATEGORY_COLORS:
        n = float(counts[cats == cat].sum())
        share = n / total
        rows.append(
            {
                "category": cat,
                "responses": int(n),
                "share": share,
                "start": start,
                "end": start + share,
                "middle": start + share / 2,
                "label": f"{cat.capitalize()}s {share:.0%}" if share >= 0.12 else "",
                "row": "All answers",
            }
        )
        start += share
    data = pd.DataFrame(rows)
    # The data is the layer's (given to each part, Altair would hash the frame's text).
    base = alt.Chart(height=110, title="Promoters, passives and detractors")
    x = alt.X("start:Q", scale=alt.Scale(domain=[0, 1]), axis=None)
    y = alt.Y("row:N", axis=None, title=None)
    bars = base.mark_bar().encode(
        x=x,
        y=y,
        x2=alt.X2("end:Q"),
        color=alt.Color("category:N", scale=_CAT_SCALE, legend=None),
        tooltip=[
            alt.Tooltip("category:N", title="Group"),
            alt.Tooltip("responses:Q", title="Answers", format=",d"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
        ],
    )
    text = base.mark_text(color="white", fontWeight="bold").encode(
        x=alt.X("middle:Q", scale=alt.Scale(domain=[0, 1]), axis=None),
        y=y,
        text=alt.Text("label:N"),
    )
    return alt.layer(bars, text, data=data)


def score_histogram(score_counts: pd.DataFrame) -> alt.Chart:
    """Bars of the number of answers per score 0-10, coloured by NPS group."""
    data = score_counts.assign(score=score_counts["score"].astype(np.int64))
    return (
        alt.Chart(data, title="Answers per score (0-10)")
        .mark_bar()
        .encode(
            x=alt.X("score:O", title="Score", sort=list(range(11)), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("responses:Q", title="Answers"),
            color=alt.Color(
                "category:N", scale=_CAT_SCALE, title=None, legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("score:O", title="Score"),
                alt.Tooltip("responses:Q", title="Answers", format=",d"),
                alt.Tooltip("category:N", title="Group"),
            ],
        )
    )


def scale_chart(counts: pd.Series, *, title: str, good_from: int) -> alt.Chart:
    """Bars of answers per point of a rating scale; points >= ``good_from`` highlighted.

    Parameters
    ----------
    counts : Series
        Answers per score (``CSATSummary.counts`` or ``CESSummary.counts``).
    title : str
        Chart title.
    good_from : int
        First score counted as good (4 for CSAT, 5 for CES).
    """
    scores = np.asarray(counts.index, dtype=np.int64)
    data = pd.DataFrame(
        {
            "score": scores,
            "responses": counts.to_numpy(dtype=np.int64),
            "group": np.where(scores >= good_from, "good", "other"),
        }
    )
    return (
        alt.Chart(data, title=title, height=240)
        .mark_bar()
        .encode(
            x=alt.X("score:O", title="Score", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("responses:Q", title="Answers"),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(domain=["good", "other"], range=[theme.BETTER, theme.OTHER]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("score:O", title="Score"),
                alt.Tooltip("responses:Q", title="Answers", format=",d"),
            ],
        )
    )


def nps_trend_chart(trend: pd.DataFrame) -> alt.LayerChart:
    """NPS per period with its 95% band; periods that changed beyond chance are marked.

    Parameters
    ----------
    trend : DataFrame
        Output of :func:`analysis.feedback.nps_trend` (indexed by ``period``).

    Returns
    -------
    alt.LayerChart
        Layers: band (``ci_low``..``ci_high``), line, points (hollow for small periods) and
        red diamonds on significant changes (``significant_change``).
    """
    data = trend.reset_index()
    data = data.assign(
        change_text=np.where(
            data["change"].isna(),
            "",
            data["change"].map(lambda v: f"{v:+.1f}" if pd.notna(v) else ""),
        ),
        marker=np.where(data["significant_change"], "changed beyond chance", "no clear change"),
        direction=np.where(
            data["change"].fillna(0.0) < 0, "fell beyond chance", "rose beyond chance"
        ),
    )
    base = alt.Chart(data, title="NPS over time, with its 95% interval").encode(
        x=alt.X("period:T", title=None)
    )
    tooltip = [
        alt.Tooltip("label:N", title="Period"),
        *_nps_tooltip(),
        alt.Tooltip("change_text:N", title="Change"),
        alt.Tooltip("change_p_value:Q", title="p-value", format=".3f"),
    ]
    band = base.mark_area(opacity=0.2, color=NEUTRAL_COLOR).encode(
        y=alt.Y("ci_low:Q", title="NPS (points)", scale=alt.Scale(domain=[-100, 100])),
        y2=alt.Y2("ci_high:Q"),
    )
    line = base.mark_line(color=NEUTRAL_COLOR).encode(y=alt.Y("nps:Q"))
    points = base.mark_point(filled=True, color=NEUTRAL_COLOR, size=40).encode(
        y=alt.Y("nps:Q"),
        tooltip=tooltip,
        opacity=alt.OpacityValue(**alt.condition("datum.small", alt.value(0.4), alt.value(1.0))),
    )
    sig = (
        alt.Chart(data[data["significant_change"]])
        .mark_point(shape="diamond", size=160, filled=True)
        .encode(
            x=alt.X("period:T"),
            y=alt.Y("nps:Q"),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["rose beyond chance", "fell beyond chance"],
                    range=[theme.BETTER, theme.WORSE],
                ),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=tooltip,
        )
    )
    return alt.layer(band, line, points, sig)


def nps_breakdown_chart(table: pd.DataFrame, by: str, *, overall: float | None = None):
    """NPS of each group with its 95% interval, sorted; coloured by meaning.

    Groups significantly above the rest are green (:data:`STATUS_COLORS`), significantly below
    red, and within chance of the rest grey.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`analysis.feedback.nps_by`.
    by : str
        Name of the attribute (axis title).
    overall : float or None
        NPS of all answers, drawn as a vertical rule.
    """
    data = table.reset_index()
    data = data.rename(columns={data.columns[0]: "group"})
    data["group"] = data["group"].astype("str")
    data["status"] = np.select(
        [
            data["significant"].astype(bool) & (data["diff_vs_rest"] > 0),
            data["significant"].astype(bool) & (data["diff_vs_rest"] < 0),
        ],
        ["better than the rest", "worse than the rest"],
        "within chance of the rest",
    )
    data["size_note"] = np.where(data["small"], "small group (< 30)", "")
    order = data["group"].tolist()
    y = alt.Y("group:N", sort=order, title=by, axis=alt.Axis(labelLimit=250))
    tooltip = [
        alt.Tooltip("group:N", title=by),
        *_nps_tooltip(),
        alt.Tooltip("diff_vs_rest:Q", title="vs the rest", format="+.1f"),
        alt.Tooltip("status:N", title="Compared with the rest"),
        alt.Tooltip("p_value:Q", title="Chance of a gap this big by luck (p-value)", format=".3f"),
        alt.Tooltip("size_note:N", title="Note"),
    ]
    color = alt.Color(
        "status:N",
        scale=theme.colour_scale(STATUS_COLORS),
        title=None,
        legend=alt.Legend(orient="bottom"),
    )
    base = alt.Chart(data, height=alt.Step(28))
    rule = base.mark_rule(strokeWidth=2).encode(
        y=y,
        x=alt.X(
            "ci_low:Q", title="NPS (points) with 95% interval", scale=alt.Scale(domain=[-100, 100])
        ),
        x2=alt.X2("ci_high:Q"),
        color=color,
        opacity=alt.OpacityValue(**alt.condition("datum.small", alt.value(0.4), alt.value(1.0))),
    )
    small = alt.condition("datum.small", alt.value("triangle-up"), alt.value("circle"))
    dot = base.mark_point(filled=True, size=90).encode(
        y=y, x=alt.X("nps:Q"), color=color, tooltip=tooltip, shape=alt.ShapeValue(**small)
    )
    layers = [rule, dot]
    if overall is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"overall": [float(overall)]}))
            .mark_rule(strokeDash=[4, 4], color="#555555")
            .encode(
                x=alt.X("overall:Q"),
                tooltip=[alt.Tooltip("overall:Q", title="All answers", format="+.1f")],
            )
        )
    return alt.layer(*layers)


def themes_chart(table: pd.DataFrame):
    """NPS of each comment theme with its interval; point size = number of comments."""
    data = table.reset_index(drop=True).assign(theme=lambda d: d["theme"].astype("str"))
    order = data["theme"].tolist()
    y = name_axis("theme", order, label_limit=320)
    # The data is the layer's (given to each part, Altair would hash the frame's text).
    base = alt.Chart(height=alt.Step(30), title="NPS of the people who mention each theme")
    rule = base.mark_rule(color=NEUTRAL_COLOR, strokeWidth=2).encode(
        y=y,
        x=alt.X(
            "ci_low:Q", title="NPS (points) with 95% interval", scale=alt.Scale(domain=[-100, 100])
        ),
        x2=alt.X2("ci_high:Q"),
    )
    dot = base.mark_circle(color=NEUTRAL_COLOR, opacity=0.9).encode(
        y=y,
        x=alt.X("nps:Q"),
        size=alt.Size("responses:Q", title="Comments", scale=alt.Scale(range=[40, 400])),
        tooltip=[
            alt.Tooltip("theme:N", title="Theme"),
            alt.Tooltip("top_terms:N", title="Top words"),
            alt.Tooltip("responses:Q", title="Comments", format=",d"),
            alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
            alt.Tooltip("ci_low:Q", title="95% from", format="+.1f"),
            alt.Tooltip("ci_high:Q", title="95% to", format="+.1f"),
        ],
    )
    return alt.layer(rule, dot, data=data)


def distinctive_terms_chart(
    terms: pd.DataFrame, *, group: str = "detractor", reference: str = "promoter"
) -> alt.Chart:
    """Diverging bars of the z-scores of :func:`analysis.feedback.distinctive_terms`.

    Positive bars (right) are words over-represented among ``group``, negative (left) among
    ``reference``.
    """
    data = terms.assign(side=np.where(terms["z"] > 0, group, reference))
    order = data.sort_values("z", ascending=False)["term"].astype("str").tolist()
    colors = {
        group: CATEGORY_COLORS.get(group, SIGNIFICANT_COLOR),
        reference: CATEGORY_COLORS.get(reference, NEUTRAL_COLOR),
    }
    return (
        alt.Chart(
            data, height=alt.Step(20), title=f"Words that set {group}s apart from {reference}s"
        )
        .mark_bar()
        .encode(
            y=name_axis("term", order, label_limit=250, labelOverlap=False),
            x=alt.X(
                "z:Q",
                title=f"<- more {reference}s   |   how clearly (z-score)   |   more {group}s ->",
            ),
            color=alt.Color(
                "side:N",
                scale=theme.colour_scale(colors),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("term:N", title="Term"),
                alt.Tooltip("count_group:Q", title=f"Times in {group}s' comments"),
                alt.Tooltip("count_reference:Q", title=f"Times in {reference}s' comments"),
                alt.Tooltip("z:Q", title="How clearly (z-score; 2+ is clear)", format=".2f"),
            ],
        )
    )


_MEASURES = {
    "rate": ("repurchase_rate", "rate_ci_low", "rate_ci_high", "Bought again", "%"),
    "spend": ("mean_spend", "spend_ci_low", "spend_ci_high", "Mean net spend", ",.2f"),
}


def behaviour_chart(by_category: pd.DataFrame, measure: str = "rate", *, days: int = 90):
    """Bars per NPS group with 95% error bars: repurchase share or mean spend after answering.

    Parameters
    ----------
    by_category : DataFrame
        ``BehaviourResult.by_category``.
    measure : {"rate", "spend"}
        Share who bought again, or mean net spend, within ``days`` after answering.
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be 'rate' or 'spend', not {measure!r}.")
    col, lo, hi, label, fmt = _MEASURES[measure]
    data = by_category.reset_index().rename(columns={by_category.index.name or "index": "category"})
    x = alt.X("category:N", sort=list(CATEGORY_COLORS), title=None, axis=alt.Axis(labelAngle=0))
    title = f"{label} within {days} days of answering"
    base = alt.Chart(title=title, height=220)  # the data is the layer's
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y(f"{col}:Q", title=label, axis=alt.Axis(format=fmt)),
        color=alt.Color("category:N", scale=_CAT_SCALE, legend=None),
        tooltip=[
            alt.Tooltip("category:N", title="Group"),
            alt.Tooltip(f"{col}:Q", title=label, format=".1%" if fmt == "%" else fmt),
            alt.Tooltip(f"{lo}:Q", title="95% from", format=".1%" if fmt == "%" else fmt),
            alt.Tooltip(f"{hi}:Q", title="95% to", format=".1%" if fmt == "%" else fmt),
            alt.Tooltip("n:Q", title="Responses", format=",d"),
        ],
    )
    errors = base.mark_rule(color="#333333", strokeWidth=2).encode(
        x=x, y=alt.Y(f"{lo}:Q"), y2=alt.Y2(f"{hi}:Q")
    )
    return alt.layer(bars, errors, data=data)

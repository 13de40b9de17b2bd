"""Altair charts for the RFM page: pure functions from analysis outputs to ``alt.Chart``."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts import theme
from analysis.charts._common import name_axis, named_bars

__all__ = [
    "segment_bars",
    "rf_grid_heatmap",
    "distribution_chart",
    "migration_heatmap",
    "cluster_bars",
]

MEASURE_TITLES = {
    "recency": "Days since the last purchase",
    "frequency": "Purchase orders",
    "monetary": "Net revenue per customer",
}


def segment_bars(summary: pd.DataFrame) -> alt.Chart:
    """Draw the share of customers and the share of revenue per segment, side by side.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`analysis.rfm.segment_summary`.
    """
    order = summary["segment"].tolist()
    long = pd.DataFrame(
        {
            "segment": order * 2,
            "what": ["Customers"] * len(order) + ["Net revenue"] * len(order),
            "share": pd.concat(
                [summary["customer_share"], summary["revenue_share"]], ignore_index=True
            ).fillna(0.0),
            "value": pd.concat([summary["customers"], summary["revenue"]], ignore_index=True),
        }
    )
    base = alt.Chart().encode(  # the data is the layer's
        y=name_axis("segment", order, label_limit=250),
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="Share"),
        color=alt.Color("segment:N", scale=theme.segment_scale(order), legend=None),
        tooltip=[
            alt.Tooltip("segment:N", title="Segment"),
            alt.Tooltip("what:N", title="Of"),
            alt.Tooltip("value:Q", title="Amount", format=",.0f"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
        ],
    )
    bars = base.mark_bar()
    labels = base.mark_text(align="left", dx=3).encode(
        text=alt.Text("share:Q", format=".0%"), color=alt.ColorValue("#333")
    )
    return alt.layer(bars, labels, data=long, width=260, height=alt.Step(22)).facet(
        column=alt.Column("what:N", title=None, sort=["Customers", "Net revenue"])
    )


def _in_segment_order(names: pd.Series) -> list[str]:
    """Return the distinct names, default segments first in their usual order, then others."""
    known = list(theme.SEGMENT_COLORS)
    distinct = list(dict.fromkeys(names.astype("str")))
    return sorted(distinct, key=lambda n: known.index(n) if n in known else len(known))


def rf_grid_heatmap(grid: pd.DataFrame) -> alt.Chart:
    """Draw the recency x frequency score grid: cells coloured by segment, with their customers.

    Parameters
    ----------
    grid : DataFrame
        Output of :func:`analysis.rfm.rf_grid`.
    """
    data = grid.assign(
        label=grid["customers"].map("{:,}".format),
        name=grid["segment"].astype("str"),
    )
    colours = theme.segment_colors(_in_segment_order(data["name"]))
    data["ink"] = data["name"].map(lambda n: theme.ink_on(colours[n]))
    base = alt.Chart().encode(  # the data is the layer's
        x=alt.X(
            "f_score:O", title="Frequency score (higher = more orders)", axis=alt.Axis(labelAngle=0)
        ),
        y=alt.Y("r_score:O", sort="descending", title="Recency score (higher = more recent)"),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "name:N",
            title="Segment",
            scale=theme.segment_scale(_in_segment_order(data["name"])),
            legend=alt.Legend(orient="right"),
        ),
        tooltip=[
            alt.Tooltip("name:N", title="Segment"),
            alt.Tooltip("r_score:O", title="R score"),
            alt.Tooltip("f_score:O", title="F score"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("share:Q", title="Share of customers", format=".1%"),
            alt.Tooltip("revenue:Q", title="Net revenue", format=",.0f"),
        ],
    )
    ink = alt.Color("ink:N", scale=None, legend=None)  # white on dark cells, black on light
    counts = base.mark_text(fontSize=13, fontWeight="bold", dy=-7).encode(
        text=alt.Text("label:N"), color=ink
    )
    names = base.mark_text(fontSize=9, dy=8).encode(text=alt.Text("name:N"), color=ink)
    return alt.layer(cells, counts, names, data=data, height=380)


def distribution_chart(counts: pd.DataFrame, measure: str) -> alt.Chart:
    """Draw customers per value range of one measure as bars.

    Parameters
    ----------
    counts : DataFrame
        Output of :func:`analysis.rfm.distribution_counts`.
    measure : str
        ``"recency"``, ``"frequency"`` or ``"monetary"`` (for the axis title).
    """
    order = counts["label"].tolist()
    return (
        alt.Chart(counts, height=220)
        .mark_bar(color=theme.NEUTRAL)
        .encode(
            x=alt.X("label:N", sort=order, title=MEASURE_TITLES.get(measure, measure)),
            y=alt.Y("customers:Q", title="Customers"),
            tooltip=[
                alt.Tooltip("label:N", title=MEASURE_TITLES.get(measure, measure)),
                alt.Tooltip("customers:Q", title="Customers", format=","),
            ],
        )
    )


def migration_heatmap(matrix: pd.DataFrame) -> alt.Chart:
    """Draw the from/to matrix of customers between two dates.

    Parameters
    ----------
    matrix : DataFrame
        Output of :func:`analysis.rfm.segment_migration` (index ``previous_segment``, columns
        ``segment``).
    """
    rows = matrix.index.tolist()
    cols = matrix.columns.tolist()
    long = matrix.stack().rename("customers").reset_index()
    long.attrs = {}  # the matrix's dates are not chart data
    long["label"] = long["customers"].map(lambda v: f"{v:,}" if v else "")
    base = alt.Chart().encode(  # the data is the layer's
        x=alt.X(
            "segment:N",
            sort=cols,
            title="Segment now",
            axis=alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=200),
        ),
        y=alt.Y("previous_segment:N", sort=rows, title="Segment at the earlier date"),
    )
    dark_from = max(float(long["customers"].max()) ** 0.75, 1.0)  # roughly mid-scale on symlog
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition(
            "datum.customers == 0",
            alt.value("#f4f4f4"),
            alt.Color(
                "customers:Q", title="Customers", scale=alt.Scale(type="symlog", scheme="blues")
            ),
        ),
        tooltip=[
            alt.Tooltip("previous_segment:N", title="Was"),
            alt.Tooltip("segment:N", title="Is now"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("label:N"),
        color=alt.ColorValue(
            **alt.condition(
                f"datum.customers >= {dark_from}", alt.value("white"), alt.value("#222")
            )
        ),
    )
    return alt.layer(cells, text, data=long, height=alt.Step(28))


def cluster_bars(centres: pd.DataFrame) -> alt.Chart:
    """Draw customers per k-means cluster, named in words, with the medians in the tooltip.

    Parameters
    ----------
    centres : DataFrame
        ``ClusterResult.centres`` from :func:`analysis.rfm.rfm_clusters`.
    """
    order = centres["name"].tolist()
    return named_bars(
        centres,
        "name",
        x=alt.X("customers:Q", title="Customers"),
        color=alt.Color(
            "name:N",
            scale=alt.Scale(domain=order, range=theme.categorical_colors(len(order))),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("name:N", title="Group"),
            alt.Tooltip("customers:Q", title="Customers", format=","),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("median_recency:Q", title="Median days since last purchase"),
            alt.Tooltip("median_frequency:Q", title="Median purchase orders"),
            alt.Tooltip("median_monetary:Q", title="Median net revenue", format=",.0f"),
        ],
        label_limit=400,
        step=26,
    )

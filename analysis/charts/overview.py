"""Altair charts for the overview page (pure: DataFrame in, ``alt.Chart`` out).

The inputs are the frames returned by :func:`analysis.overview.new_vs_returning` and
:func:`analysis.overview.top_breakdown`. Data is embedded inline, so ``chart.to_dict()`` works
without network.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts import theme
from analysis.charts._common import (
    OTHER_DWARFS,
    drop_dominant_other,
    item_axis,
    item_step,
    revenue_tooltip,
)
from analysis.core.columns import OTHER_LABEL
from analysis.core.text import share

__all__ = ["breakdown_chart", "new_vs_returning_chart"]

GROUP_COLORS = {"New": theme.CATEGORICAL[0], "Returning": theme.CATEGORICAL[1]}
BAR_COLOR = theme.NEUTRAL
OTHER_COLOR = theme.OTHER
PARTIAL_OPACITY = 0.4

_VALUES = {
    "customers": ("new_customers", "returning_customers", "Customers", ",.0f"),
    "revenue": ("new_revenue", "returning_revenue", "Net revenue", ",.2f"),
}


def new_vs_returning_chart(
    df: pd.DataFrame, value: str = "customers", *, period_name: str = "month"
) -> alt.Chart:
    """Draw new and returning customers (or their net revenue) per period as stacked bars.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.overview.new_vs_returning`.
    value : {"customers", "revenue"}
        Count distinct customers, or their net revenue in the file's currency.
    period_name : str
        Word for one period in titles and notes ("month", "week", ...).

    Returns
    -------
    alt.Chart
        Bars on an ordinal period axis, "New" stacked below "Returning". A partial last period
        is drawn lighter (opacity 0.4), its tooltip says "<period> not complete" and the
        subtitle explains the lighter bar.
    """
    if value not in _VALUES:
        raise ValueError(f"value must be 'customers' or 'revenue', not {value!r}.")
    new_col, ret_col, title, fmt = _VALUES[value]
    n = len(df)
    partial = df["partial"].to_numpy(dtype=bool)
    note = np.where(partial, f"{period_name} not complete", "")
    labels = df["period_label"].astype("str").to_numpy()
    new_v = df[new_col].to_numpy(dtype=np.float64)
    ret_v = df[ret_col].to_numpy(dtype=np.float64)
    long = pd.DataFrame(
        {
            "period_label": np.concatenate([labels, labels]),
            "group": np.repeat(["New", "Returning"], n),
            "group_order": np.repeat([0, 1], n),
            "value": np.concatenate([new_v, ret_v]),
            "total": np.concatenate([new_v + ret_v, new_v + ret_v]),
            "partial": np.concatenate([partial, partial]),
            "note": np.concatenate([note, note]),
        }
    )
    period_title = period_name.capitalize()
    tooltip = [
        alt.Tooltip("period_label:O", title=period_title),
        alt.Tooltip("group:N", title="Customers"),
        alt.Tooltip("value:Q", title=title, format=fmt),
        alt.Tooltip("total:Q", title=f"{title}, both groups", format=fmt),
    ]
    if partial.any():
        tooltip.append(alt.Tooltip("note:N", title="Note"))
        subtitle = f"Lighter bar: {period_name} not complete at the as-of date"
    else:
        subtitle = ""
    chart_title = (
        f"New and returning customers per {period_name}"
        if value == "customers"
        else f"Net revenue from new and returning customers per {period_name}"
    )
    return (
        alt.Chart(long, title=alt.Title(chart_title, subtitle=subtitle))
        .mark_bar()
        .encode(
            x=alt.X("period_label:O", title=period_title, sort=labels.tolist()),
            y=alt.Y("value:Q", title=title, stack="zero", axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "group:N",
                title=None,
                scale=theme.colour_scale(GROUP_COLORS),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("group_order:Q", sort="ascending"),
            opacity=alt.OpacityValue(
                **alt.when(partial=True).then(alt.value(PARTIAL_OPACITY)).otherwise(alt.value(1.0))
            ),
            tooltip=tooltip,
        )
    )


def breakdown_chart(df: pd.DataFrame, column: str) -> alt.Chart:
    """Draw net revenue per value of ``column`` as horizontal bars, biggest on top, "Other" grey.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.overview.top_breakdown` for ``column``.
    column : str
        The breakdown column (e.g. ``"country"``).

    Returns
    -------
    alt.Chart
        Bars with tooltips for net revenue (file's currency), share of revenue, purchase orders
        and customers. An "Other" bar more than :data:`~analysis.charts._common.OTHER_DWARFS`
        times the largest named bar is left out, and the subtitle says so with its share. Long
        names take two lines, shortened after that (in full in the tooltip).
    """
    title = column.replace("_", " ").capitalize()
    data = df[[column, "net_revenue", "revenue_share", "orders", "customers"]].copy()
    data[column] = data[column].astype("str")
    data, other_left_out = drop_dominant_other(data, column, "net_revenue")
    order = data[column].tolist()
    chart_title = f"Net revenue by {column.replace('_', ' ')}"
    if other_left_out:
        other = df.loc[df[column].astype("str") == OTHER_LABEL, "revenue_share"].sum()
        chart_title = alt.Title(
            chart_title,
            subtitle=(
                f'Not drawn: "{OTHER_LABEL}", all the smaller values together '
                f"({share(other)} of net revenue), more than {OTHER_DWARFS:.0f} times the "
                "largest bar."
            ),
        )
    return (
        alt.Chart(data, title=chart_title, height=item_step(data[column], 22))
        .mark_bar()
        .encode(
            y=item_axis(column, order, title=title),
            x=alt.X("net_revenue:Q", title="Net revenue", axis=alt.Axis(format=",.0f")),
            color=theme.other_in_grey(column, BAR_COLOR),
            tooltip=[
                alt.Tooltip(f"{column}:N", title=title),
                *revenue_tooltip("net_revenue"),
            ],
        )
    )

"""Altair charts for the purchase-patterns page (pure: DataFrame in, ``alt.Chart`` out).

The inputs are the frames returned by :mod:`analysis.patterns`. Data is embedded inline, so
``chart.to_dict()`` works without network.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts import theme
from analysis.charts._common import (
    item_axis,
    item_step,
    revenue_tooltip,
    short_label_expr,
    wrap_label_expr,
)
from analysis.patterns import MONTHS, WEEKDAYS

__all__ = [
    "weekday_hour_heatmap",
    "weekday_month_heatmap",
    "seasonality_chart",
    "reorder_histogram_chart",
    "top_items_chart",
    "pair_matrix_chart",
    "order_value_chart",
    "spend_chart",
    "price_band_chart",
    "channel_retention_chart",
    "order_timeline_chart",
    "customer_items_chart",
]

BAR_COLOR = theme.NEUTRAL
ACCENT_COLOR = theme.CATEGORICAL[1]
OTHER_COLOR = theme.OTHER
PARTIAL_OPACITY = 0.4
HEAT_SCHEME = "blues"
RETENTION_COLORS = ["#08519c", "#4292c6", "#9ecae1", "#c6dbef", "#deebf7"]

_VALUE_TITLES = {
    "orders": ("Orders", ",.0f"),
    "revenue": ("Revenue", ",.2f"),
    "orders_per_day": ("Orders per day", ",.2f"),
    "revenue_per_day": ("Revenue per day", ",.2f"),
}


def _check_value(value: str, allowed: tuple[str, ...]) -> tuple[str, str]:
    """Return the title and d3 format of ``value``; refuse a value not in ``allowed``."""
    if value not in allowed:
        raise ValueError(f"value must be one of {allowed}, not {value!r}")
    return _VALUE_TITLES[value]


def _weekday_heatmap(
    data: pd.DataFrame, *, title: str, x: alt.X, value: str, legend: str, tooltip: list
) -> alt.Chart:
    """Return a heatmap with the weekdays as rows (Monday first), coloured by ``value``."""
    return (
        alt.Chart(data, title=title, height=alt.Step(22))
        .mark_rect()
        .encode(
            x=x,
            y=alt.Y("weekday_name:N", title=None, sort=list(WEEKDAYS)),
            color=alt.Color(f"{value}:Q", title=legend, scale=alt.Scale(scheme=HEAT_SCHEME)),
            tooltip=tooltip,
        )
    )


def weekday_hour_heatmap(df: pd.DataFrame, value: str = "orders") -> alt.Chart:
    """Draw purchase orders (or revenue) by weekday (rows) and hour (columns) as a heatmap.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.weekday_hour`.
    value : {"orders", "revenue"}
        Cell colour.
    """
    title, fmt = _check_value(value, ("orders", "revenue"))
    data = df[["weekday_name", "hour", "orders", "revenue", "order_share"]].copy()
    data["weekday_name"] = data["weekday_name"].astype("str")
    return _weekday_heatmap(
        data,
        title=f"{title} by weekday and hour of the day",
        x=alt.X("hour:O", title="Hour of the day (order's first line)"),
        value=value,
        legend=title,
        tooltip=[
            alt.Tooltip("weekday_name:N", title="Weekday"),
            alt.Tooltip("hour:O", title="Hour"),
            alt.Tooltip("orders:Q", title="Orders", format=",d"),
            alt.Tooltip("order_share:Q", title="Share of orders", format=".1%"),
            alt.Tooltip("revenue:Q", title="Revenue", format=",.2f"),
        ],
    )


def weekday_month_heatmap(df: pd.DataFrame, value: str = "orders_per_day") -> alt.Chart:
    """Draw orders (or revenue) per day observed, by weekday (rows) and month, as a heatmap.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.weekday_month`.
    value : {"orders_per_day", "revenue_per_day", "orders", "revenue"}
        Cell colour; the per-day values are fair across months with four or five Mondays.
    """
    title, fmt = _check_value(value, ("orders_per_day", "revenue_per_day", "orders", "revenue"))
    data = df[df["days"] > 0][
        ["month", "weekday_name", "orders", "revenue", "days", "orders_per_day", "revenue_per_day"]
    ].copy()
    for c in ("month", "weekday_name"):
        data[c] = data[c].astype("str")
    return _weekday_heatmap(
        data,
        title=f"{title} by weekday and month",
        x=alt.X("month:O", title="Month", axis=alt.Axis(labelAngle=-45)),
        value=value,
        legend=title,
        tooltip=[
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("weekday_name:N", title="Weekday"),
            alt.Tooltip("orders:Q", title="Orders", format=",d"),
            alt.Tooltip("days:Q", title="Such days in the month", format=",d"),
            alt.Tooltip("orders_per_day:Q", title="Orders per day", format=",.2f"),
            alt.Tooltip("revenue_per_day:Q", title="Revenue per day", format=",.2f"),
        ],
    )


def seasonality_chart(df: pd.DataFrame, value: str = "revenue") -> alt.Chart:
    """Lines of monthly orders or revenue by month of the year, one line per year.

    Incomplete months (first or last of the data) are drawn as lighter points and marked in the
    tooltip; the year-over-year change is in the tooltip.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.monthly_seasonality`.
    value : {"revenue", "orders"}
    """
    title, fmt = _check_value(value, ("revenue", "orders"))
    yoy = "revenue_yoy" if value == "revenue" else "orders_yoy"
    data = df[["month", "year", "month_name", "orders", "revenue", "complete", yoy]].copy()
    data["month_name"] = data["month_name"].astype("str")
    data["year"] = data["year"].astype("str")
    data["note"] = np.where(data["complete"], "", "month not fully covered by the data")
    data = data.rename(columns={yoy: "yoy"})
    # The data is the layer's (given to each part, Altair would hash the frame's text).
    base = alt.Chart(title=f"{title} per month, year against year").encode(
        x=alt.X("month_name:O", title=None, sort=list(MONTHS)),
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=",.0f")),
        color=alt.Color("year:N", title="Year", legend=alt.Legend(orient="top")),
        tooltip=[
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip(f"{value}:Q", title=title, format=fmt),
            alt.Tooltip("yoy:Q", title="Change on a year before", format="+.0%"),
            alt.Tooltip("note:N", title="Note"),
        ],
    )
    lines = base.mark_line().transform_filter(alt.datum.complete)
    lighter = alt.when(complete=False).then(alt.value(PARTIAL_OPACITY))
    points = base.mark_point(filled=True, size=50).encode(
        opacity=alt.OpacityValue(**lighter.otherwise(alt.value(1.0)))
    )
    return alt.layer(lines, points, data=data)


def reorder_histogram_chart(hist: pd.DataFrame) -> alt.Chart:
    """Bars of reorder gaps per bin (days between consecutive purchase days).

    Parameters
    ----------
    hist : DataFrame
        ``ReorderSummary.histogram`` from :func:`analysis.patterns.reorder_summary`.
    """
    data = hist[["label", "gaps", "share"]].copy()
    data["label"] = data["label"].astype("str")
    return (
        alt.Chart(data, title="Days until the next purchase")
        .mark_bar(color=BAR_COLOR)
        .encode(
            x=alt.X("label:O", title="Days between purchases", sort=data["label"].tolist()),
            y=alt.Y("gaps:Q", title="Reorders"),
            tooltip=[
                alt.Tooltip("label:O", title="Gap"),
                alt.Tooltip("gaps:Q", title="Reorders", format=",d"),
                alt.Tooltip("share:Q", title="Share of reorders", format=".1%"),
            ],
        )
    )


_ITEM_VALUES = {
    "revenue": ("Net revenue", ",.2f"),
    "customers": ("Customers", ",d"),
    "orders": ("Orders", ",d"),
    "repeat_rate": ("Repeat rate", ".0%"),
    "quantity": ("Units", ",.0f"),
}


def top_items_chart(df: pd.DataFrame, column: str, value: str = "revenue") -> alt.Chart:
    """Horizontal bars of the top items, biggest on top.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.top_items`.
    column : {"product", "category"}
    value : {"revenue", "customers", "orders", "repeat_rate", "quantity"}
    """
    if value not in _ITEM_VALUES:
        raise ValueError(f"value must be one of {tuple(_ITEM_VALUES)}, not {value!r}")
    title, fmt = _ITEM_VALUES[value]
    cols = [column, "revenue", "revenue_share", "orders", "customers", "repeat_rate"]
    data = df[cols].copy()
    data[column] = data[column].astype("str")
    name = column.capitalize()
    return (
        alt.Chart(
            data, title=f"Top {column} by {title.lower()}", height=item_step(data[column], 20)
        )
        .mark_bar(color=BAR_COLOR)
        .encode(
            y=item_axis(column, data[column].tolist()),
            x=alt.X(f"{value}:Q", title=title, axis=alt.Axis(format=fmt.replace("d", "f"))),
            tooltip=[
                alt.Tooltip(f"{column}:N", title=name),
                *revenue_tooltip("revenue"),
                alt.Tooltip("repeat_rate:Q", title="Bought it again", format=".0%"),
            ],
        )
    )


def pair_matrix_chart(pairs: pd.DataFrame) -> alt.Chart:
    """Matrix of the strongest item pairs: a cell per pair (both ways), coloured by lift.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`analysis.patterns.strongest_pairs`. Each pair gives two cells,
        (A, B) and (B, A), so the matrix reads the same from either side; the tooltip gives
        the confidence in the direction of the cell (row -> column).
    """
    ab = pd.DataFrame(
        {
            "row": pairs["item_a"].astype("str"),
            "col": pairs["item_b"].astype("str"),
            "lift": pairs["lift"].astype(float),
            "orders": pairs["orders"].astype(int),
            "support": pairs["support"].astype(float),
            "confidence": pairs["confidence_ab"].astype(float),
        }
    )
    ba = ab.rename(columns={"row": "col", "col": "row"}).assign(
        confidence=pairs["confidence_ba"].astype(float).to_numpy()
    )
    data = pd.concat([ab, ba[ab.columns]], ignore_index=True)
    items = sorted(set(data["row"]))
    return (
        alt.Chart(
            data,
            title="Items bought together (strongest pairs)",
            width=alt.Step(24),
            height=alt.Step(24),
        )
        .mark_rect()
        .encode(
            x=alt.X(
                "col:N",
                title=None,
                sort=items,
                axis=alt.Axis(
                    labelAngle=-90,
                    labelLimit=200,
                    labelOverlap=False,
                    labelExpr=short_label_expr(),
                ),
            ),
            y=alt.Y(
                "row:N",
                title=None,
                sort=items,
                axis=alt.Axis(labelLimit=200, labelOverlap=False, labelExpr=short_label_expr()),
            ),
            color=alt.Color("lift:Q", title="Lift", scale=alt.Scale(scheme="oranges")),
            tooltip=[
                alt.Tooltip("row:N", title="Orders with"),
                alt.Tooltip("col:N", title="Also hold"),
                alt.Tooltip("confidence:Q", title="Share of those orders", format=".0%"),
                alt.Tooltip("lift:Q", title="Lift (times chance)", format=".2f"),
                alt.Tooltip("orders:Q", title="Orders with both", format=",d"),
                alt.Tooltip("support:Q", title="Share of all orders", format=".2%"),
            ],
        )
    )


def order_value_chart(hist: pd.DataFrame) -> alt.Chart:
    """Histogram of purchase-order values; the open-ended top bin is grey.

    Parameters
    ----------
    hist : DataFrame
        ``OrderValueSummary.histogram`` from :func:`analysis.patterns.order_value_summary`.
    """
    data = hist[["label", "start", "orders", "revenue", "order_share", "revenue_share", "open"]]
    data = data.copy()
    data["label"] = data["label"].astype("str")
    return (
        alt.Chart(data, title="How much an order is worth")
        .mark_bar()
        .encode(
            x=alt.X("label:O", title="Order value", sort=data["label"].tolist()),
            y=alt.Y("orders:Q", title="Orders"),
            color=alt.ColorValue(
                **alt.when(open=True).then(alt.value(OTHER_COLOR)).otherwise(alt.value(BAR_COLOR))
            ),
            tooltip=[
                alt.Tooltip("label:O", title="Order value"),
                alt.Tooltip("orders:Q", title="Orders", format=",d"),
                alt.Tooltip("order_share:Q", title="Share of orders", format=".1%"),
                alt.Tooltip("revenue_share:Q", title="Share of revenue", format=".1%"),
            ],
        )
    )


def spend_chart(df: pd.DataFrame, by: str) -> alt.Chart:
    """Bars of average net spend per customer by group, with the median as a tick.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.spend_per_customer`.
    by : str
        Its group column.
    """
    cols = [by, "customers", "revenue_per_customer", "median_per_customer", "revenue_share"]
    cols += ["orders_per_customer", "average_order_value"]
    data = df[cols].copy()
    data[by] = data[by].astype("str")
    order = data[by].tolist()
    title = by.replace("_", " ").capitalize()
    tooltip = [
        alt.Tooltip(f"{by}:N", title=title),
        alt.Tooltip("customers:Q", title="Customers", format=",d"),
        alt.Tooltip("revenue_per_customer:Q", title="Average spend", format=",.2f"),
        alt.Tooltip("median_per_customer:Q", title="Median spend", format=",.2f"),
        alt.Tooltip("orders_per_customer:Q", title="Orders per customer", format=",.1f"),
        alt.Tooltip("average_order_value:Q", title="Average order value", format=",.2f"),
        alt.Tooltip("revenue_share:Q", title="Share of revenue", format=".1%"),
    ]
    base = alt.Chart(title=f"Spend per customer by {by.replace('_', ' ')}").encode(
        y=item_axis(by, order), tooltip=tooltip
    )  # the data is the layer's
    bars = base.mark_bar().encode(
        x=alt.X("revenue_per_customer:Q", title="Net spend per customer (bar: average)"),
        color=theme.other_in_grey(by, BAR_COLOR),
    )
    ticks = base.mark_tick(color=ACCENT_COLOR, thickness=3).encode(x=alt.X("median_per_customer:Q"))
    return alt.layer(bars, ticks, data=data, height=item_step(data[by], 24))


def price_band_chart(df: pd.DataFrame, by: str | None) -> alt.Chart:
    """Draw the price bands per group (price per unit).

    A line from the 10th to the 90th percentile, a bar from the 25th to the 75th and a tick at
    the median.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.price_bands`.
    by : str or None
        Its group column (None: ``"group"``).
    """
    name = by or "group"
    data = df[[name, "lines", "p10", "p25", "median", "p75", "p90", "min", "max"]].copy()
    data[name] = data[name].astype("str")
    order = data[name].tolist()
    tooltip = [
        alt.Tooltip(f"{name}:N", title=name.capitalize()),
        alt.Tooltip("lines:Q", title="Lines", format=",d"),
        alt.Tooltip("min:Q", title="Lowest", format=",.2f"),
        alt.Tooltip("p25:Q", title="25th percentile", format=",.2f"),
        alt.Tooltip("median:Q", title="Median", format=",.2f"),
        alt.Tooltip("p75:Q", title="75th percentile", format=",.2f"),
        alt.Tooltip("max:Q", title="Highest", format=",.2f"),
    ]
    base = alt.Chart(title="Price per unit: middle 80% (line), middle half (bar), median").encode(
        y=item_axis(name, order), tooltip=tooltip
    )  # the data is the layer's
    whisker = base.mark_rule(color=BAR_COLOR).encode(
        x=alt.X("p10:Q", title="Price per unit"), x2=alt.X2("p90:Q")
    )
    box = base.mark_bar(color=BAR_COLOR, opacity=0.6, size=14).encode(
        x=alt.X("p25:Q"), x2=alt.X2("p75:Q")
    )
    median = base.mark_tick(color=ACCENT_COLOR, thickness=3, size=18).encode(x=alt.X("median:Q"))
    return alt.layer(whisker, box, median, data=data, height=alt.Step(28))


def channel_retention_chart(df: pd.DataFrame, column: str) -> alt.Chart:
    """Draw the share of each channel's new customers buying again k months after their first.

    Grouped bars, one per k, with 95% interval rules.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`analysis.patterns.channel_acquisition`.
    column : str
        Its group column (``"channel"``).
    """
    at = df.attrs.get("at") or tuple(
        int(c.split("_")[1]) for c in df.columns if c.startswith("month_") and c.count("_") == 1
    )
    parts = []
    for k in at:  # a few points
        parts.append(
            pd.DataFrame(
                {
                    column: df[column].astype("str").to_numpy(),
                    "when": f"month {k}",
                    "k": k,
                    "share": df[f"month_{k}"].to_numpy(dtype=float),
                    "low": df[f"month_{k}_low"].to_numpy(dtype=float),
                    "high": df[f"month_{k}_high"].to_numpy(dtype=float),
                    "customers": df[f"month_{k}_customers"].to_numpy(dtype=int),
                    "new_customers": df["new_customers"].to_numpy(dtype=int),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True).dropna(subset=["share"])
    order = df[column].astype("str").tolist()
    whens = [f"month {k}" for k in at]
    # The data is the layer's (given to each part, Altair would hash the frame's text).
    base = alt.Chart(title="New customers who buy again, by first channel").encode(
        x=alt.X(
            f"{column}:N",
            title=None,
            sort=order,
            axis=alt.Axis(labelAngle=0, labelExpr=wrap_label_expr()),
        ),
        xOffset=alt.XOffset("when:N", sort=whens),
        tooltip=[
            alt.Tooltip(f"{column}:N", title=column.capitalize()),
            alt.Tooltip("when:N", title="Months after the first"),
            alt.Tooltip("share:Q", title="Bought again", format=".1%"),
            alt.Tooltip("low:Q", title="95% interval from", format=".1%"),
            alt.Tooltip("high:Q", title="95% interval to", format=".1%"),
            alt.Tooltip("customers:Q", title="Customers old enough", format=",d"),
            alt.Tooltip("new_customers:Q", title="New customers", format=",d"),
        ],
    )
    bars = base.mark_bar().encode(
        y=alt.Y("share:Q", title="Share buying again", axis=alt.Axis(format=".0%")),
        color=alt.Color(
            "when:N",
            title=None,
            sort=whens,
            scale=alt.Scale(domain=whens, range=RETENTION_COLORS[: len(whens)]),
            legend=alt.Legend(orient="top"),
        ),
    )
    rules = base.mark_rule(color="black").encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
    return alt.layer(bars, rules, data=data)


# --------------------------------------------------------------------------------------------
# Customer profile
# --------------------------------------------------------------------------------------------

KIND_COLORS = {"purchase": BAR_COLOR, "refund": "#e45756"}


def order_timeline_chart(history: pd.DataFrame) -> alt.Chart:
    """Draw one customer's orders on a time axis.

    A stem and a dot per order at its net value, refunds in red below zero.

    Parameters
    ----------
    history : DataFrame
        ``CustomerProfile.history`` from :func:`analysis.profile.customer_profile`.
    """
    data = history[["order_id", "order_date", "net_value", "kind", "lines", "items"]].copy()
    for c in ("order_id", "kind", "items"):
        data[c] = data[c].astype("str")
    data["zero"] = 0.0
    color = alt.Color(
        "kind:N",
        title=None,
        scale=theme.colour_scale(KIND_COLORS),
        legend=alt.Legend(orient="top"),
    )
    tooltip = [
        alt.Tooltip("order_date:T", title="Date", format="%d %b %Y"),
        alt.Tooltip("order_id:N", title="Order"),
        alt.Tooltip("net_value:Q", title="Net value", format=",.2f"),
        alt.Tooltip("kind:N", title="Kind"),
        alt.Tooltip("lines:Q", title="Lines", format=",d"),
        alt.Tooltip("items:N", title="Items"),
    ]
    base = alt.Chart(title="Orders over time").encode(
        x=alt.X("order_date:T", title=None), color=color, tooltip=tooltip
    )  # the data is the layer's
    stems = base.mark_rule().encode(y=alt.Y("zero:Q", title="Net value"), y2=alt.Y2("net_value:Q"))
    dots = base.mark_circle(size=60, opacity=1).encode(y=alt.Y("net_value:Q"))
    return alt.layer(stems, dots, data=data)


def customer_items_chart(items: pd.DataFrame, column: str, n: int = 15) -> alt.Chart:
    """Horizontal bars of the orders in which one customer bought each item (top ``n``).

    Parameters
    ----------
    items : DataFrame
        ``CustomerProfile.items`` from :func:`analysis.profile.customer_profile`.
    column : str
        Its item column.
    """
    data = items.head(n)[[column, "orders", "revenue"]].copy()
    data[column] = data[column].astype("str")
    return (
        alt.Chart(
            data,
            title=f"What they buy (top {column} by orders)",
            height=item_step(data[column], 20),
        )
        .mark_bar(color=BAR_COLOR)
        .encode(
            y=item_axis(column, data[column].tolist()),
            x=alt.X("orders:Q", title="Orders with it", axis=alt.Axis(tickMinStep=1)),
            tooltip=[
                alt.Tooltip(f"{column}:N", title=column.capitalize()),
                alt.Tooltip("orders:Q", title="Orders", format=",d"),
                alt.Tooltip("revenue:Q", title="Net spend", format=",.2f"),
            ],
        )
    )

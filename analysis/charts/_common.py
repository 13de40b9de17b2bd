"""Pieces shared by several chart builders: the name axis of bar charts and common tooltips."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.core.columns import OTHER_LABEL

__all__ = [
    "LABEL_CHARS",
    "OTHER_DWARFS",
    "drop_dominant_other",
    "item_axis",
    "item_step",
    "name_axis",
    "named_bars",
    "revenue_tooltip",
    "short_label_expr",
    "wrap_label_expr",
]

#: Characters of a long item or category name shown per line of an axis label; the full name
#: is in the tooltip of its bar or cell.
LABEL_CHARS = 28

#: An "Other" bar longer than this many times the longest named bar is left out of its chart:
#: drawn, it would squash every named bar into a sliver.
OTHER_DWARFS = 3.0


def name_axis(field: str, order: list[str], *, label_limit: int, **axis: object) -> alt.Y:
    """Return the y encoding of horizontal bars named by ``field``, in ``order``, no title.

    Parameters
    ----------
    field : str
        The nominal column holding the names.
    order : list of str
        The names from top to bottom.
    label_limit : int
        Width in pixels a name may take before it is shortened with an ellipsis.
    **axis
        Other ``alt.Axis`` settings (e.g. ``labelOverlap=False``).
    """
    return alt.Y(
        f"{field}:N", sort=order, title=None, axis=alt.Axis(labelLimit=label_limit, **axis)
    )


def wrap_label_expr(chars: int = LABEL_CHARS) -> str:
    """Return a Vega expression writing a long axis label on two lines, the rest shortened.

    A label of at most ``chars`` characters stays as it is. A longer one is cut at its last
    space within the first ``chars`` characters (or at ``chars`` when that space comes early),
    and the rest goes on a second line, shortened to ``chars`` characters with an ellipsis.
    """
    head = f"substring(datum.label, 0, {chars + 1})"
    cut = f"(lastindexof({head}, ' ') > {chars // 3} ? lastindexof({head}, ' ') : {chars})"
    return (
        f"length(datum.label) <= {chars} ? datum.label : "
        f"[substring(datum.label, 0, {cut}), "
        f"truncate(trim(substring(datum.label, {cut})), {chars})]"
    )


def short_label_expr(chars: int = LABEL_CHARS) -> str:
    """Return a Vega expression shortening an axis label to ``chars`` characters (ellipsis)."""
    return f"truncate(datum.label, {chars})"


def item_axis(field: str, order: list[str], *, title: str | None = None) -> alt.Y:
    """Return the y encoding of bars named by items or categories, long names on two lines.

    Parameters
    ----------
    field : str
        The nominal column holding the names (the tooltip must show it in full).
    order : list of str
        The names from top to bottom.
    title : str or None
        Axis title.
    """
    return alt.Y(
        f"{field}:N",
        title=title,
        sort=order,
        axis=alt.Axis(labelExpr=wrap_label_expr(), labelLimit=240),
    )


def item_step(names: pd.Series, step: int) -> alt.Step:
    """Return the height of one bar's row: ``step``, or at least 26 px for two-line names."""
    long = names.astype("str").str.len().gt(LABEL_CHARS).any()
    return alt.Step(max(step, 26) if long else step)


def named_bars(
    data: pd.DataFrame,
    name: str,
    *,
    x: alt.X,
    color: alt.Color,
    tooltip: list[alt.Tooltip],
    label_limit: int,
    step: int,
) -> alt.Chart:
    """Return horizontal bars, one per row of ``data``, named by ``name`` in the data's order.

    Parameters
    ----------
    data : DataFrame
        One row per bar, top bar first.
    name : str
        The column holding the bar names (see :func:`name_axis`).
    x, color, tooltip
        The bars' length, colour and tooltip encodings.
    label_limit : int
        Width in pixels a name may take.
    step : int
        Height of one bar's row, in pixels.
    """
    return (
        alt.Chart(data, height=alt.Step(step))
        .mark_bar()
        .encode(
            y=name_axis(name, data[name].tolist(), label_limit=label_limit),
            x=x,
            color=color,
            tooltip=tooltip,
        )
    )


def revenue_tooltip(revenue: str) -> list[alt.Tooltip]:
    """Return the tooltip lines of a group's net revenue, its share, orders and customers.

    Parameters
    ----------
    revenue : str
        The column holding the net revenue (file's currency); the others are
        ``revenue_share`` (0..1), ``orders`` and ``customers``.
    """
    return [
        alt.Tooltip(f"{revenue}:Q", title="Net revenue", format=",.2f"),
        alt.Tooltip("revenue_share:Q", title="Share of revenue", format=".1%"),
        alt.Tooltip("orders:Q", title="Orders", format=",d"),
        alt.Tooltip("customers:Q", title="Customers", format=",d"),
    ]


def drop_dominant_other(
    data: pd.DataFrame, name: str, value: str, *, ratio: float = OTHER_DWARFS
) -> tuple[pd.DataFrame, bool]:
    """Leave out the "Other" bar when it is more than ``ratio`` times the largest named bar.

    Parameters
    ----------
    data : DataFrame
        One row per bar; the "Other" row (:data:`~analysis.core.columns.OTHER_LABEL` in
        ``name``), if any, holds everything the chart does not name.
    name, value : str
        The columns holding the bar names and the bar lengths.
    ratio : float
        How many times the largest named bar "Other" must exceed to be left out.

    Returns
    -------
    (DataFrame, bool)
        The rows to draw, and whether "Other" was left out (the chart must then say so).
    """
    is_other = (data[name].astype("str") == OTHER_LABEL).to_numpy()
    if not is_other.any() or is_other.all():
        return data, False
    other = float(data.loc[is_other, value].sum())
    largest = float(data.loc[~is_other, value].max())
    if not (largest > 0 and other > ratio * largest):
        return data, False
    return data.loc[~is_other], True

"""Pieces shared by several chart builders: the name axis of bar charts and common tooltips."""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["name_axis", "named_bars", "revenue_tooltip"]


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
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=name_axis(name, data[name].tolist(), label_limit=label_limit),
            x=x,
            color=color,
            tooltip=tooltip,
        )
        .properties(height=alt.Step(step))
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

"""One look for every chart: a colour per RFM segment and a colour per meaning (pure, no Streamlit).

Every chart builder in :mod:`analysis.charts` and the HTML report take their colours from
here, so a segment (for example *Champions*) has the same colour on every chart and page, and a
meaning (better / worse / not significant, model / baseline) always looks the same.

Colours are CSS hex strings. Segment colours follow the segment's health: greens for the best
customers, blues for new and promising ones, ambers for those who need attention, reds for the
ones slipping away and greys for those already gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import altair as alt

from analysis.core.columns import OTHER_LABEL

__all__ = [
    "SEGMENT_COLORS",
    "UNASSIGNED_COLOR",
    "BETTER",
    "WORSE",
    "NOT_SIGNIFICANT",
    "MODEL",
    "BASELINE",
    "REFERENCE",
    "ACTUAL",
    "PREDICTED",
    "NEUTRAL",
    "OTHER",
    "CATEGORICAL",
    "segment_color",
    "segment_colors",
    "segment_scale",
    "categorical_colors",
    "ink_on",
    "other_in_grey",
    "colour_scale",
]

#: Colour of each default RFM segment (``analysis.rfm.default_segment_rules()``).
SEGMENT_COLORS: dict[str, str] = {
    "Champions": "#1b7837",
    "Loyal Customers": "#5aae61",
    "Potential Loyalists": "#a6d96a",
    "New Customers": "#2166ac",
    "Promising": "#67a9cf",
    "Need Attention": "#fdb863",
    "About to Sleep": "#e08214",
    "At Risk": "#d6604d",
    "Can't Lose Them": "#b2182b",
    "Hibernating": "#8c8c8c",
}
#: Customers no rule covers (``analysis.rfm.UNASSIGNED``).
UNASSIGNED_COLOR = "#d9d9d9"

# Meanings.
BETTER = "#1a9850"  #: better than the rest (significant)
WORSE = "#d73027"  #: worse than the rest (significant)
NOT_SIGNIFICANT = "#9e9e9e"  #: within chance of the rest
MODEL = "#4c78a8"  #: the app's own model
BASELINE = "#f58518"  #: the simpler method it is compared with
REFERENCE = "#bab0ac"  #: a constant / guessing reference
ACTUAL = "#4c78a8"  #: what really happened
PREDICTED = "#f58518"  #: what a model predicted
NEUTRAL = "#4c78a8"  #: one series with no meaning attached
OTHER = "#bab0ac"  #: "Other" / everything else

#: Categorical palette for groups with no fixed colour (custom segments, cohorts, years).
#: Tableau 10 without its green and red, so custom groups never read as better / worse.
CATEGORICAL: tuple[str, ...] = (
    "#4c78a8",
    "#f58518",
    "#72b7b2",
    "#eeca3b",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
    "#439894",
    "#83bcb6",
)


def categorical_colors(n: int) -> list[str]:
    """Return ``n`` colours from :data:`CATEGORICAL`, repeating the palette past its end."""
    return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(max(int(n), 0))]


def segment_color(name: str) -> str | None:
    """Return the fixed colour of a default segment (or ``Unassigned``); ``None`` for others."""
    if name == "Unassigned":
        return UNASSIGNED_COLOR
    return SEGMENT_COLORS.get(name)


def segment_colors(names: Iterable[str]) -> dict[str, str]:
    """Give every segment name a colour, fixed for the default segments.

    Parameters
    ----------
    names : iterable of str
        Segment names in display order (default or custom ones, duplicates ignored).

    Returns
    -------
    dict
        Name -> hex colour. Default segments and ``Unassigned`` get their fixed colour; other
        (custom) names get the categorical palette in alphabetical order, so the same set of
        names always gives the same colours whatever order a chart lists them in.
    """
    ordered = list(dict.fromkeys(str(n) for n in names))
    custom = sorted(n for n in ordered if segment_color(n) is None)
    spare = dict(zip(custom, categorical_colors(len(custom)), strict=True))
    return {n: segment_color(n) or spare[n] for n in ordered}


def segment_scale(names: Sequence[str]) -> alt.Scale:
    """Return an Altair colour scale giving each of ``names`` its :func:`segment_colors` colour.

    The domain is ``names`` (so the legend lists only them, in that order); the colour of each
    comes from its name alone, so a segment looks the same on every chart whatever else it
    shows.
    """
    return colour_scale(segment_colors([str(n) for n in names]))


def ink_on(background: str) -> str:
    """Return a text colour readable on ``background`` (a ``#rrggbb`` colour).

    White on dark, near-black on light (relative luminance below 0.35 counts as dark).
    """
    hexa = background.lstrip("#")
    if len(hexa) != 6:
        return "#222222"
    r, g, b = (int(hexa[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#ffffff" if luminance < 0.35 else "#222222"


def colour_scale(mapping: dict[str, str]) -> alt.Scale:
    """Return an Altair colour scale with the fixed colours of ``mapping`` (name -> hex colour).

    The domain is the names in ``mapping``'s order (the legend's order), the range their colours.
    """
    return alt.Scale(domain=list(mapping), range=list(mapping.values()))


def other_in_grey(field: str, colour: str = NEUTRAL) -> alt.ColorValue:
    """Colour bars ``colour``, except the :data:`~analysis.core.columns.OTHER_LABEL` bar (grey).

    Parameters
    ----------
    field : str
        The data column holding the bar names.
    colour : str
        Colour of the named bars.

    Returns
    -------
    alt.ColorValue
        A ``color`` encoding: :data:`OTHER` where ``field`` is "Other", ``colour`` elsewhere
        (a channel object: given as a plain dict, Altair would rebuild its table of schema
        classes to wrap it, on every chart).
    """
    condition = alt.when(**{field: OTHER_LABEL}).then(alt.value(OTHER))
    return alt.ColorValue(**condition.otherwise(alt.value(colour)))

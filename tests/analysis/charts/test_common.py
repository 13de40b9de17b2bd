"""Tests of analysis.charts._common: long names are wrapped or shortened, whole on hover."""

from __future__ import annotations

import re

import pandas as pd
import vl_convert

from analysis.charts._common import LABEL_CHARS, short_label_expr, wrap_label_expr
from analysis.charts.overview import breakdown_chart
from analysis.charts.patterns import pair_matrix_chart, top_items_chart

LONG = "WHITE HANGING HEART T-LIGHT HOLDER WITH A VERY LONG NAME INDEED"


def items(names: list[str]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {
            "product": names,
            "revenue": [100.0 * (n - i) for i in range(n)],
            "revenue_share": [1.0 / n] * n,
            "orders": [10] * n,
            "customers": [5] * n,
            "repeat_rate": [0.5] * n,
        }
    )


def drawn_texts(chart) -> list[str]:
    """The text of every label as drawn (each line of a multi-line label on its own)."""
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return [line for t in texts for line in re.findall(r"<tspan[^>]*>(.*?)</tspan>", t) or [t]]


def test_a_long_item_name_takes_two_lines_and_is_whole_in_the_tooltip():
    chart = top_items_chart(items([LONG, "Mug"]), "product")
    spec = chart.to_dict()
    y = spec["encoding"]["y"]
    assert y["axis"]["labelExpr"] == wrap_label_expr()
    assert {"field": "product", "type": "nominal", "title": "Product"} in spec["encoding"][
        "tooltip"
    ]
    assert spec["height"] == {"step": 26}  # room for two lines
    texts = drawn_texts(chart)
    # Cut at the last space within 28 characters; the rest shortened to 28 with an ellipsis.
    assert "WHITE HANGING HEART T-LIGHT" in texts
    assert "HOLDER WITH A VERY LONG NAM\u2026" in texts
    assert "Mug" in texts and LONG not in texts
    # Short names only: one line each and the usual row height.
    assert top_items_chart(items(["Mug", "Plate"]), "product").to_dict()["height"] == {"step": 20}


def test_a_name_without_spaces_is_cut_at_the_limit():
    word = "X" * (LABEL_CHARS + 10)
    table = items([word]).rename(columns={"revenue": "net_revenue"})
    texts = drawn_texts(breakdown_chart(table, "product"))
    assert "X" * LABEL_CHARS in texts and "X" * 10 in texts


def test_pair_matrix_names_are_shortened_on_one_line():
    pairs = pd.DataFrame(
        {
            "item_a": [LONG],
            "item_b": ["Mug"],
            "lift": [2.0],
            "orders": [5],
            "support": [0.1],
            "confidence_ab": [0.5],
            "confidence_ba": [0.4],
        }
    )
    chart = pair_matrix_chart(pairs)
    assert chart.to_dict()["encoding"]["y"]["axis"]["labelExpr"] == short_label_expr()
    texts = drawn_texts(chart)
    assert LONG[: LABEL_CHARS - 1] + "\u2026" in texts and LONG not in texts

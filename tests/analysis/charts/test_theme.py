"""One look: every chart takes segment and meaning colours from analysis.charts.theme."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from analysis import rfm
from analysis.charts import feedback as charts_feedback
from analysis.charts import rfm as charts_rfm
from analysis.charts import theme as charts_theme
from analysis.charts import value as charts_value
from tests.paths import SAMPLE_DATA


def colour_maps(spec: object) -> list[dict[str, str]]:
    """Every ``color`` encoding's domain -> range mapping found anywhere in a chart spec."""
    found: list[dict[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            color = node.get("color")
            if isinstance(color, dict):
                scale = color.get("scale") or {}
                if isinstance(scale.get("domain"), list) and isinstance(scale.get("range"), list):
                    found.append(dict(zip(scale["domain"], scale["range"], strict=True)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


@pytest.fixture(scope="module")
def shop_tx() -> pd.DataFrame:
    from analysis import ingest

    raw = ingest.read_table(SAMPLE_DATA / "online_shop_transactions.csv")
    return ingest.prepare_transactions(raw).data


@pytest.fixture(scope="module")
def shop_rfm(shop_tx) -> pd.DataFrame:
    return rfm.rfm_table(shop_tx)


def test_every_default_segment_has_its_own_fixed_colour():
    names = rfm.default_segment_rules()["segment"].tolist()
    assert set(charts_theme.SEGMENT_COLORS) == set(names)
    assert len(set(charts_theme.SEGMENT_COLORS.values())) == len(names)  # all distinct
    assert charts_theme.segment_color(rfm.UNASSIGNED) == charts_theme.UNASSIGNED_COLOR
    assert charts_theme.UNASSIGNED_COLOR not in charts_theme.SEGMENT_COLORS.values()
    # The order a chart lists names in never changes their colours, custom ones included.
    a = charts_theme.segment_colors(["Zebra", "Champions", "Apple"])
    b = charts_theme.segment_colors(["Apple", "Zebra", "Champions"])
    assert a == b and a["Champions"] == "#1b7837" and a["Apple"] != a["Zebra"]


def test_rfm_charts_give_each_segment_the_same_colour(shop_rfm):
    summary = rfm.segment_summary(shop_rfm)
    bars = colour_maps(charts_rfm.segment_bars(summary).to_dict())
    grid = colour_maps(charts_rfm.rf_grid_heatmap(rfm.rf_grid(shop_rfm)).to_dict())
    assert bars and grid
    seen: dict[str, str] = {}
    for mapping in bars + grid:
        for name, colour in mapping.items():
            assert colour == charts_theme.SEGMENT_COLORS[name], name
            assert seen.setdefault(name, colour) == colour
    # Both charts name every segment that has customers (so none falls back to a default).
    assert set(summary["segment"]) <= set(bars[0])
    assert {"Champions", "Hibernating"} <= set(seen)


def test_custom_segments_keep_one_colour_across_rfm_charts(shop_tx):
    rules = rfm.default_segment_rules()
    rules.loc[rules["segment"] == "Champions", "segment"] = "Stars"
    rules.loc[rules["segment"] == "Hibernating", "segment"] = "Asleep"
    table = rfm.rfm_table(shop_tx, rules=rules)
    summary = rfm.segment_summary(table)
    grid = rfm.rf_grid(table)
    bars_map = colour_maps(charts_rfm.segment_bars(summary).to_dict())[0]
    grid_map = colour_maps(charts_rfm.rf_grid_heatmap(grid).to_dict())[0]
    for name in set(bars_map) & set(grid_map):
        assert bars_map[name] == grid_map[name], name
    assert bars_map["Stars"] in charts_theme.CATEGORICAL
    assert bars_map["At Risk"] == charts_theme.SEGMENT_COLORS["At Risk"]


def test_feedback_significance_colours_follow_meaning():
    table = pd.DataFrame(
        {
            "nps": [60.0, 10.0, -40.0],
            "ci_low": [50.0, 0.0, -50.0],
            "ci_high": [70.0, 20.0, -30.0],
            "n": [200, 150, 180],
            "diff_vs_rest": [40.0, 2.0, -45.0],
            "p_value": [0.001, 0.6, 0.001],
            "significant": [True, False, True],
            "small": [False, False, False],
        },
        index=pd.Index(["Best", "Middle", "Worst"], name="plan"),
    )
    spec = charts_feedback.nps_breakdown_chart(table, "plan", overall=12.0).to_dict()
    mapping = colour_maps(spec)[0]
    assert mapping == charts_feedback.STATUS_COLORS
    rows = next(iter(spec["datasets"].values()))
    status = {r["group"]: mapping[r["status"]] for r in rows}
    assert status == {
        "Best": charts_theme.BETTER,
        "Middle": charts_theme.NOT_SIGNIFICANT,
        "Worst": charts_theme.WORSE,
    }
    # Promoters are "better" green and detractors "worse" red on the NPS charts too.
    assert charts_feedback.CATEGORY_COLORS["promoter"] == charts_theme.BETTER
    assert charts_feedback.CATEGORY_COLORS["detractor"] == charts_theme.WORSE


def test_value_charts_colour_model_against_baseline():
    evaluation = pd.DataFrame(
        {
            "model": [
                "Churn model",
                "BG/NBD: P(no purchase)",
                "BG/NBD: 1 - P(alive)",
                "Constant (base rate)",
            ],
            "auc": [0.8, 0.75, 0.7, 0.5],
            "precision_top": [0.9, 0.8, 0.7, 0.4],
        }
    )
    mapping = colour_maps(charts_value.evaluation_chart(evaluation).to_dict())[0]
    colours = list(mapping.values())
    assert colours == [
        charts_theme.MODEL,
        charts_theme.BASELINE,
        charts_theme.BASELINE,
        charts_theme.REFERENCE,
    ]
    # Every model is named in plain words first, its technical name second.
    assert all(not name.startswith("BG/NBD") for name in mapping)


def test_grid_labels_are_readable_on_their_cell():
    assert charts_theme.ink_on("#1b7837") == "#ffffff"  # dark green: white text
    assert charts_theme.ink_on("#fdb863") == "#222222"  # light amber: dark text
    grid = pd.DataFrame(
        {
            "r_score": [5, 4],
            "f_score": [5, 1],
            "customers": [10, 20],
            "share": [0.3, 0.7],
            "revenue": [100.0, 50.0],
            "segment": ["Champions", "Need Attention"],
        }
    )
    rows = next(iter(charts_rfm.rf_grid_heatmap(grid).to_dict()["datasets"].values()))
    assert {r["name"]: r["ink"] for r in rows} == {
        "Champions": "#ffffff",
        "Need Attention": "#222222",
    }


def test_fixed_colour_scales_keep_their_order_and_other_is_grey():
    scale = charts_theme.colour_scale({"b": "#111111", "a": "#222222"}).to_dict()
    assert scale == {"domain": ["b", "a"], "range": ["#111111", "#222222"]}
    colour = charts_theme.other_in_grey("country", "#123456")
    spec = (
        alt.Chart(pd.DataFrame({"country": ["FR", "Other"], "v": [1, 2]}))
        .mark_bar()
        .encode(y="country:N", x="v:Q", color=colour)
        .to_dict()
    )
    assert spec["encoding"]["color"] == {
        "condition": [{"test": "(datum.country === 'Other')", "value": charts_theme.OTHER}],
        "value": "#123456",
    }

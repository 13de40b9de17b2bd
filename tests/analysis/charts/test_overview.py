"""Tests of analysis.charts.overview: what the breakdown bars show and say."""

from __future__ import annotations

import pandas as pd

from analysis.charts.overview import breakdown_chart


def breakdown(other: float) -> pd.DataFrame:
    revenue = [100.0, 50.0, other]
    total = sum(revenue)
    return pd.DataFrame(
        {
            "country": ["United Kingdom", "France", "Other"],
            "net_revenue": revenue,
            "orders": [10, 5, 40],
            "customers": [8, 4, 30],
            "revenue_share": [r / total for r in revenue],
        }
    )


def rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_an_other_bar_dwarfing_the_rest_is_left_out_and_the_subtitle_says_so():
    spec = breakdown_chart(breakdown(400.0), "country").to_dict()
    assert [r["country"] for r in rows(spec)] == ["United Kingdom", "France"]
    assert spec["encoding"]["y"]["sort"] == ["United Kingdom", "France"]
    assert spec["title"]["text"] == "Net revenue by country"
    # 400 of 550 is 72.7%: said in whole percent, as every sentence does.
    assert spec["title"]["subtitle"] == (
        'Not drawn: "Other", all the smaller values together (73% of net revenue), '
        "more than 3 times the largest bar."
    )


def test_an_other_bar_up_to_three_times_the_largest_stays():
    spec = breakdown_chart(breakdown(300.0), "country").to_dict()
    assert [r["country"] for r in rows(spec)] == ["United Kingdom", "France", "Other"]
    assert spec["title"] == "Net revenue by country"
    # Without an "Other" row nothing is left out, whatever the sizes.
    plain = breakdown(400.0).iloc[:2]
    assert [r["country"] for r in rows(breakdown_chart(plain, "country").to_dict())] == [
        "United Kingdom",
        "France",
    ]

"""Tests of analysis.charts.cohorts: a heatmap with many cohorts pools them by quarter."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.charts.cohorts import MAX_COHORT_ROWS, heatmap, quarter_heatmap_data
from analysis.cohorts import cohort_sizes, retention_matrix


def many_cohorts(months: int) -> pd.DataFrame:
    """Monthly cohorts from January 2020 of 1, 2, 3, 1, 2, 3, ... customers.

    The first customer of every cohort buys again the next month, the others never do.
    """
    rows = []
    for m in range(months):
        start = pd.Timestamp("2020-01-01") + pd.DateOffset(months=m)
        for i in range(m % 3 + 1):
            customer = f"c{m}-{i}"
            rows.append((customer, f"{customer}-1", start + pd.Timedelta(days=2), 10.0))
            if i == 0:
                again = start + pd.DateOffset(months=1) + pd.Timedelta(days=2)
                rows.append((customer, f"{customer}-2", again, 10.0))
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    return tx.astype({"customer_id": "str", "order_id": "str"})


def rows_of(spec: dict, part: int) -> list[dict]:
    """The data rows of the heatmap's grid (part 0) or of its cohort size bars (part 1)."""
    chart = spec["hconcat"][part]
    data = chart.get("data") or chart["layer"][0]["data"]
    return spec["datasets"][data["name"]]


def test_more_than_24_monthly_cohorts_are_pooled_by_quarter():
    tx = many_cohorts(30)  # January 2020 to June 2022: 10 quarters
    matrix, sizes = retention_matrix(tx), cohort_sizes(tx)
    assert len(matrix) == 30 > MAX_COHORT_ROWS
    spec = heatmap(matrix, sizes).to_dict()
    grid = spec["hconcat"][0]["layer"][0]
    assert grid["encoding"]["y"]["sort"][:2] == ["2020Q1", "2020Q2"]
    assert len(grid["encoding"]["y"]["sort"]) == 10
    assert "one row per quarter" in spec["title"]["subtitle"]
    assert {"field": "cohorts", "type": "quantitative", "title": "Monthly cohorts pooled"} in (
        grid["encoding"]["tooltip"]
    )
    by_cell = {(c["row"], c["period_number"]): c for c in rows_of(spec, 0)}
    # 2020Q1: cohorts of 1, 2 and 3 customers, one of each active a month later: 3 of 6 active
    # (a plain average of the cohorts' shares would say (1 + 1/2 + 1/3) / 3 = 61%).
    q1 = by_cell[("2020Q1", 1)]
    assert q1["value"] == pytest.approx(3 / 6)
    assert (q1["label"], q1["customers"], q1["cohorts"]) == ("50%", 6, 3)
    assert q1["calendar"] == "2020-02 to 2020-04"
    assert by_cell[("2020Q1", 2)]["value"] == 0.0
    # The size bars show each quarter's customers.
    assert {r["row"]: r["customers"] for r in rows_of(spec, 1)}["2020Q2"] == 6


def test_up_to_24_cohorts_keep_one_row_each():
    tx = many_cohorts(MAX_COHORT_ROWS)
    spec = heatmap(retention_matrix(tx), cohort_sizes(tx)).to_dict()
    grid = spec["hconcat"][0]["layer"][0]
    assert len(grid["encoding"]["y"]["sort"]) == MAX_COHORT_ROWS
    assert grid["encoding"]["y"]["sort"][0] == "2020-01"
    assert "quarter" not in spec["title"]["subtitle"]


def test_quarter_pooling_of_revenue_per_customer_weights_by_size():
    tx = many_cohorts(6)
    matrix = retention_matrix(tx, metric="revenue_per_customer")
    from analysis.charts.cohorts import heatmap_data

    pooled = quarter_heatmap_data(heatmap_data(matrix, cohort_sizes(tx)), matrix)
    q1 = pooled.set_index(["row", "period_number"]).loc[("2020Q1", 1)]
    # 6 customers paid 10 each, 3 of them 10 more a month later: 90 / 6 = 15 per customer.
    assert q1["value"] == pytest.approx(15.0) and q1["label"] == "15"


def test_a_split_heatmap_pools_each_group_by_quarter():
    tx = many_cohorts(30)
    tx["channel"] = ["Web" if c.endswith("-0") else "Shop" for c in tx["customer_id"]]
    matrix = retention_matrix(tx, by="channel")
    spec = heatmap(matrix, cohort_sizes(tx, by="channel")).to_dict()
    rows = spec["hconcat"][0]["layer"][0]["encoding"]["y"]["sort"]
    first = matrix.index[0][0]  # the groups keep the matrix's order
    assert rows[:2] == [f"{first} · 2020Q1", f"{first} · 2020Q2"] and len(rows) == 2 * 10
    by_cell = {(c["row"], c["period_number"]): c for c in rows_of(spec, 0)}
    # Web holds the first customer of every cohort: all of them buy again a month later.
    assert by_cell[("Web · 2020Q1", 1)]["value"] == 1.0
    assert by_cell[("Shop · 2020Q1", 1)]["value"] == 0.0
    assert by_cell[("Shop · 2020Q1", 0)]["customers"] == 3  # 0 + 1 + 2 others in Q1

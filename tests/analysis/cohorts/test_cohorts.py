"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from analysis.cohorts import (
    cohort_report,
    cohort_sizes,
    describe_retention,
    retention_curve,
    retention_matrix,
)
from tests.analysis.cohorts._data import CHAN, HAND
from tests.paths import ROOT

# --------------------------------------------------------------------------------------------
# The Online Retail file
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def online_retail():
    """Canonical table built directly (as ingest would): lines with a customer id, amount =
    Quantity * UnitPrice, InvoiceNo as order id."""
    with gzip.open(ROOT / "sample_data" / "online_retail.csv.gz", "rt", encoding="utf-8") as f:
        raw = pd.read_csv(f, dtype=str)
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].str.strip(),
            "order_id": raw["InvoiceNo"],
            "order_date": pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M"),
            "amount": raw["Quantity"].astype(float) * raw["UnitPrice"].astype(float),
            "country": raw["Country"],
        }
    ).reset_index(drop=True)


def test_online_retail_first_cohorts(online_retail):
    tx = online_retail
    assert len(tx) == 406_829
    sizes = cohort_sizes(tx)
    # Customers by month of first purchase order (cancellations "C..." are refund orders).
    assert sizes.iloc[:5].tolist() == [885, 417, 380, 452, 300]
    assert sizes.index[0] == pd.Period("2010-12", "M")
    assert sizes.sum() == 4339
    # The same from the usual pandas recipe restricted to purchase orders.
    orders = tx.groupby(["customer_id", "order_id"]).agg(
        date=("order_date", "min"), net=("amount", "sum")
    )
    buys = orders[orders["net"] >= 0].reset_index()
    first = buys.groupby("customer_id")["date"].min().dt.to_period("M")
    assert first.value_counts().sort_index().tolist() == sizes.tolist()
    m = retention_matrix(tx)
    assert m.attrs["partial_period"] == pd.Period("2011-12", "M")
    assert m.loc[pd.Period("2010-12", "M"), 1] == pytest.approx(324 / 885)
    summary = describe_retention(tx)
    assert summary.comparison["share"].idxmax() == pd.Period("2010-12", "M")
    assert any("Be careful with 2010-12" in s for s in summary.sentences)


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def _layers(spec):
    out = []
    for part in spec.get("hconcat", [spec]):
        out.extend(part.get("layer", [part]))
    return out


def test_heatmap_data_leaves_out_unobservable_and_marks_partial():
    from analysis.charts.cohorts import heatmap_data

    data = heatmap_data(retention_matrix(HAND), cohort_sizes(HAND))
    assert len(data) == 4 + 3 + 2  # observable cells only
    cell = data.set_index(["row", "period_number"])
    assert cell.loc[("2024-01", 3), "label"] == "50%*"
    assert bool(cell.loc[("2024-01", 3), "partial"])
    assert cell.loc[("2024-01", 3), "calendar"] == "2024-04"
    assert cell.loc[("2024-02", 1), "label"] == "0%"
    assert cell.loc[("2024-03", 0), "customers"] == 1
    assert ("2024-02", 3) not in cell.index
    rpc = heatmap_data(retention_matrix(HAND, metric="revenue_per_customer"))
    assert rpc.set_index(["row", "period_number"]).loc[("2024-01", 2), "label"] == "88"
    weekly = heatmap_data(retention_matrix(HAND, period="W"))
    assert weekly["row"].iloc[0] == "2024-01-01"  # weeks are named by their Monday


def test_heatmap_spec():
    from analysis.charts.cohorts import heatmap

    spec = heatmap(retention_matrix(HAND), cohort_sizes(HAND)).to_dict()
    layers = _layers(spec)
    marks = [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        for layer in layers
    ]
    assert marks.count("rect") == 2 and "text" in marks and "bar" in marks
    outline = next(layer for layer in layers if layer.get("transform"))
    assert outline["transform"] == [{"filter": "datum.partial"}]
    assert outline["mark"]["strokeDash"]
    cells = next(layer for layer in layers if layer["mark"] == {"type": "rect"})
    assert cells["encoding"]["color"]["scale"]["domain"] == [0.0, 0.5]  # fitted to periods >= 1
    assert "not over yet" in spec["title"]["subtitle"]
    by = heatmap(retention_matrix(CHAN, by="channel"), cohort_sizes(CHAN, by="channel")).to_dict()
    rows = _layers(by)[0]["encoding"]["y"]["sort"]
    assert rows[0] == "Web · 2024-01"


def test_curves_chart_spec():
    from analysis.charts.cohorts import cohort_lines_data, curves_chart

    lines = cohort_lines_data(retention_matrix(HAND))
    assert not ((lines["row"] == "2024-01") & (lines["period_number"] == 3)).any()  # partial
    spec = curves_chart(retention_matrix(HAND), retention_curve(HAND)).to_dict()
    layers = spec["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["line", "area", "line"]
    datasets = spec["datasets"]
    average = datasets[layers[2]["data"]["name"]]
    assert [row["period_number"] for row in average] == [1, 2]  # period 0 (100%) not drawn
    assert average[0]["value"] == 0.0 and average[1]["value"] == 0.5
    rpc = curves_chart(
        retention_matrix(HAND, metric="revenue_per_customer"),
        retention_curve(HAND, metric="revenue_per_customer"),
    ).to_dict()
    average = rpc["datasets"][rpc["layer"][2]["data"]["name"]]
    assert average[0]["period_number"] == 0 and average[0]["value"] == pytest.approx(195 / 4)
    report = cohort_report(CHAN, by="channel")
    split = curves_chart(report.matrix, report.curve, overall=report.overall_curve).to_dict()
    assert [layer["mark"]["type"] for layer in split["layer"]] == ["area", "line", "line"]
    assert split["layer"][1]["encoding"]["color"]["field"] == "group"

"""The real datasets and the example files in sample_data/ load with mapping=None."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.ingest import prepare_responses, prepare_transactions, read_table
from tests.paths import SAMPLE_DATA

SAMPLES = SAMPLE_DATA


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"sample_data/{name} is not in the repository (yet)")
    return path


def test_online_retail_known_counts() -> None:
    raw = read_table(sample("online_retail.csv.gz"))
    assert raw.attrs["compression"] == "gzip"
    assert len(raw) == 541_909
    assert raw.index[0] == 2 and raw.index[-1] == 541_910
    p = prepare_transactions(raw)
    assert p.mapping == {
        "customer_id": "CustomerID",
        "order_id": "InvoiceNo",
        "order_date": "InvoiceDate",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "product": "Description",
        "country": "Country",
    }
    assert len(p.rejected) == 0 and p.report["rejected_by_reason"] == {}
    # the lines without a CustomerID are sales without a customer, not lost
    assert len(p.anonymous) == p.report["anonymous_lines"] == 135_080
    no_customer = raw["CustomerID"].str.strip() == ""
    assert p.report["anonymous_orders"] == raw.loc[no_customer, "InvoiceNo"].nunique()
    assert p.anonymous["amount"].sum() == pytest.approx(
        (
            raw.loc[no_customer, "Quantity"].astype(float)
            * raw.loc[no_customer, "UnitPrice"].astype(float)
        ).sum()
    )
    assert len(p.data) == 406_829
    assert "StockCode" in p.data.columns  # the code column is kept, Description is the product
    # independent checks against the raw text
    has_customer = raw["CustomerID"].str.strip() != ""
    cancel = raw["InvoiceNo"].str.startswith("C") & has_customer
    assert p.report["customers"] == raw.loc[has_customer, "CustomerID"].nunique() == 4_372
    assert p.report["orders"] == raw.loc[has_customer, "InvoiceNo"].nunique() == 22_190
    d = p.data
    is_cancel = d["order_id"].str.startswith("C").to_numpy()
    assert is_cancel.sum() == cancel.sum()
    assert (d.loc[is_cancel, "quantity"] < 0).all()
    assert (d.loc[is_cancel, "amount"] <= 0).all()
    expected = np.round(
        raw.loc[has_customer, "Quantity"].astype(float).to_numpy()
        * raw.loc[has_customer, "UnitPrice"].astype(float).to_numpy(),
        8,
    )
    np.testing.assert_allclose(d["amount"].to_numpy(), expected)
    assert d["order_date"].min() == pd.Timestamp("2010-12-01 08:26")
    assert d["order_date"].max() == pd.Timestamp("2011-12-09 12:50")
    assert p.report["refund_lines"] == int((d["amount"] < 0).sum())
    assert p.report["duplicate_lines"] == int(raw.loc[has_customer].duplicated().sum())


def test_cdnow_master() -> None:
    raw = read_table(sample("CDNOW_master.txt"))
    assert raw.attrs["delimiter"] == "whitespace"
    p = prepare_transactions(raw)
    assert p.mapping == {
        "customer_id": "customer_id",
        "order_date": "date",
        "amount": "dollar_value",
        "quantity": "number_of_cds",
    }
    assert len(p.data) == 69_659 and p.rejected.empty
    assert p.report["customers"] == 23_570
    assert p.report["date_min"] == pd.Timestamp("1997-01-01")
    assert p.report["date_max"] == pd.Timestamp("1998-06-30")
    assert p.data["customer_id"].iloc[0] == "00001"
    ref = pd.read_csv(SAMPLES / "CDNOW_master.txt", sep=r"\s+", dtype=str)
    np.testing.assert_allclose(p.data["amount"].to_numpy(), ref["dollar_value"].astype(float))
    np.testing.assert_array_equal(p.data["quantity"].to_numpy(), ref["number_of_cds"].astype(float))
    assert p.data["order_id"].iloc[0] == "00001|1997-01-01T00:00:00"


def test_online_shop_transactions_example() -> None:
    raw = read_table(sample("online_shop_transactions.csv"))
    p = prepare_transactions(raw)
    for role in (
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "unit_price",
        "product",
        "category",
        "channel",
        "country",
    ):
        assert role in p.mapping, role
    assert len(p.data) + len(p.rejected) == len(raw)
    assert len(p.data) > 0.9 * len(raw)


def test_online_shop_responses_example() -> None:
    raw = read_table(sample("online_shop_responses.csv"))
    p = prepare_responses(raw)
    assert {"response_date", "score", "comment", "csat", "ces"} <= set(p.mapping)
    assert "recommend" in p.mapping["score"].lower()
    assert len(p.data) + len(p.rejected) == len(raw)
    assert p.data["score"].between(0, 10).all()


def test_cafe_sales_workbook_example() -> None:
    raw = read_table(sample("cafe_sales.xlsx"))
    assert raw.attrs["format"] == "xlsx"
    assert raw.attrs["header_row"] > 1  # a title row sits above the header
    p = prepare_transactions(raw)
    assert {"customer_id", "order_date", "amount"} <= set(p.mapping)
    assert len(p.data) + len(p.rejected) == len(raw)
    assert p.data["order_date"].notna().all()
    assert p.report["date_format"][p.mapping["order_date"]] == "ISO year-month-day"

"""Tests of the example datasets in ``sample_data/`` and of their generator.

The generator is tested with small sizes; the committed files are checked as they are (the
tests never regenerate them).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
TRANSACTIONS = SAMPLE / "online_shop_transactions.csv"
RESPONSES = SAMPLE / "online_shop_responses.csv"
CAFE = SAMPLE / "cafe_sales.xlsx"

TRANSACTION_COLUMNS = [
    "order_id",
    "order_date",
    "customer_id",
    "customer_email",
    "product",
    "category",
    "unit_price",
    "quantity",
    "line_total",
    "channel",
    "country",
    "discount_code",
]
NPS = "How likely are you to recommend us to a friend or colleague?"
RESPONSE_COLUMNS = [
    "response_id",
    "response_date",
    "customer_id",
    NPS,
    "comment",
    "satisfaction (1-5)",
    "effort (1-7)",
    "channel",
    "country",
    "plan",
]
CAFE_COLUMNS = ["Date", "Receipt no.", "Customer", "Item", "Category", "Qty", "Total (€)", "Note"]


def load_generator() -> ModuleType:
    """Import ``sample_data/generate.py`` by path (``sample_data`` is not a package)."""
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return load_generator()


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    t = pd.read_csv(TRANSACTIONS, dtype={"order_id": str, "discount_code": str})
    t["order_date"] = pd.to_datetime(t["order_date"], format="%Y-%m-%d %H:%M")
    return t


@pytest.fixture(scope="module")
def responses() -> pd.DataFrame:
    r = pd.read_csv(RESPONSES)
    r["response_date"] = pd.to_datetime(r["response_date"], format="%Y-%m-%d %H:%M")
    return r


@pytest.fixture(scope="module")
def cafe_rows() -> list[list]:
    return CalamineWorkbook.from_path(str(CAFE)).get_sheet_by_index(0).to_python()


def is_refund(t: pd.DataFrame) -> pd.Series:
    return t["order_id"].str.startswith("R")


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


def test_online_shop_generator_is_deterministic(gen: ModuleType) -> None:
    kwargs = {
        "n_customers": 80,
        "start": pd.Timestamp("2023-01-01"),
        "end": pd.Timestamp("2023-08-31"),
    }
    t1, r1 = gen.make_online_shop(seed=7, **kwargs)
    t2, r2 = gen.make_online_shop(seed=7, **kwargs)
    pd.testing.assert_frame_equal(t1, t2)
    pd.testing.assert_frame_equal(r1, r2)
    assert list(t1.columns) == TRANSACTION_COLUMNS
    assert list(r1.columns) == RESPONSE_COLUMNS
    assert t1["customer_id"].nunique() == 80
    # A different seed gives different data.
    t3, _ = gen.make_online_shop(seed=8, **kwargs)
    assert not t1["order_date"].equals(t3["order_date"])


def test_cafe_generator_is_deterministic(gen: ModuleType, tmp_path: Path) -> None:
    a, b = gen.make_cafe_sales(seed=3, n_rows=40), gen.make_cafe_sales(seed=3, n_rows=40)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 40
    assert (a["Total (€)"] < 0).sum() == 1
    gen.write_cafe_workbook(a, tmp_path / "a.xlsx")
    gen.write_cafe_workbook(b, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_nps_group_boundaries(gen: ModuleType) -> None:
    assert [gen.nps_group(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]


# --------------------------------------------------------------------------------------------
# Committed online-shop transactions
# --------------------------------------------------------------------------------------------


def test_transactions_columns_and_size(transactions: pd.DataFrame) -> None:
    t = transactions
    assert list(t.columns) == TRANSACTION_COLUMNS
    assert 40_000 <= len(t) <= 70_000
    assert 4_000 <= t["customer_id"].nunique() <= 6_000
    assert t["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert t["customer_email"].str.endswith("@example.com").all()
    assert t.groupby("customer_id")["customer_email"].nunique().eq(1).all()
    assert set(t["category"]) == {"Coffee", "Tea", "Accessories", "Gifts", "Subscriptions"}
    assert set(t["channel"]) == {"Web", "Mobile app", "Marketplace", "Instagram"}
    assert t.notna().drop(columns="discount_code").all().all()
    assert TRANSACTIONS.stat().st_size < 8_000_000


def test_line_total_is_quantity_times_unit_price(transactions: pd.DataFrame) -> None:
    t = transactions
    assert np.allclose(t["line_total"], (t["quantity"] * t["unit_price"]).round(2), atol=0.005)
    assert (t["quantity"] != 0).all()
    assert ((t["quantity"] < 0) == is_refund(t)).all()


def test_about_three_years_with_growth_and_year_end_peaks(transactions: pd.DataFrame) -> None:
    dates = transactions["order_date"]
    assert dates.min() < pd.Timestamp("2022-01-08")
    assert dates.max() > pd.Timestamp("2024-12-24")
    assert dates.max() < pd.Timestamp("2025-01-01")
    orders = transactions[~is_refund(transactions)].drop_duplicates("order_id")
    per_year = orders["order_date"].dt.year.value_counts()
    assert per_year[2024] > 1.5 * per_year[2022]
    per_month = orders.groupby(orders["order_date"].dt.to_period("M")).size()
    for year in (2022, 2023, 2024):
        months = per_month[per_month.index.year == year]
        assert months[months.index.month == 12].iloc[0] > 1.3 * months.mean()
    hours = orders["order_date"].dt.hour
    assert hours.between(0, 5).mean() < 0.05


def test_refunds_are_about_two_percent_and_point_to_earlier_orders(
    transactions: pd.DataFrame,
) -> None:
    t = transactions
    refunds = t[is_refund(t)]
    purchases = t[~is_refund(t)]
    share = refunds["order_id"].nunique() / purchases["order_id"].nunique()
    assert 0.015 <= share <= 0.03
    assert (refunds["line_total"] < 0).all()
    original = purchases.drop_duplicates("order_id").set_index("order_id")
    ref_orders = refunds.drop_duplicates("order_id")
    source = original.loc[ref_orders["order_id"].str[1:]]
    assert (source["customer_id"].to_numpy() == ref_orders["customer_id"].to_numpy()).all()
    delay = ref_orders["order_date"].to_numpy() - source["order_date"].to_numpy()
    assert (delay > np.timedelta64(1, "D")).all()
    assert (delay < np.timedelta64(16, "D")).all()


def test_discount_codes_are_fifteen_percent_off(transactions: pd.DataFrame) -> None:
    t = transactions[~is_refund(transactions)]
    coded = t["discount_code"].notna()
    order_share = t.drop_duplicates("order_id")["discount_code"].notna().mean()
    assert 0.03 <= order_share <= 0.2
    list_price = t[~coded].groupby("product")["unit_price"].agg(["min", "max"])
    assert (list_price["min"] == list_price["max"]).all()  # one list price per product
    expected = (t.loc[coded, "product"].map(list_price["min"]) * 0.85).round(2)
    assert np.allclose(t.loc[coded, "unit_price"], expected, atol=0.011)


def test_baskets_have_several_lines_and_affinities(transactions: pd.DataFrame) -> None:
    t = transactions[~is_refund(transactions)]
    lines_per_order = t.groupby("order_id").size()
    assert 1.5 <= lines_per_order.mean() <= 3
    baskets = pd.crosstab(t["order_id"], t["product"]).gt(0)
    dripper, filters = baskets["Pour-Over Dripper"], baskets["Paper Filters (100 pcs)"]
    confidence = (dripper & filters).sum() / dripper.sum()
    assert confidence / filters.mean() > 2  # lift


def test_acquisition_channel_is_sticky_and_retention_differs(transactions: pd.DataFrame) -> None:
    orders = transactions[~is_refund(transactions)].drop_duplicates("order_id")
    first = orders.sort_values("order_date").groupby("customer_id")["channel"].first()
    same = orders["channel"].to_numpy() == first.loc[orders["customer_id"]].to_numpy()
    assert same.mean() > 0.8
    repeat = orders.groupby("customer_id").size().gt(1)
    by_channel = repeat.groupby(first).mean()
    assert by_channel["Mobile app"] > by_channel["Marketplace"] + 0.1


# --------------------------------------------------------------------------------------------
# Committed survey responses
# --------------------------------------------------------------------------------------------


def test_responses_columns_and_ranges(responses: pd.DataFrame) -> None:
    r = responses
    assert list(r.columns) == RESPONSE_COLUMNS
    assert 1_500 <= len(r) <= 3_000
    assert r["response_id"].is_unique
    assert r["customer_id"].is_unique
    assert r[NPS].between(0, 10).all()
    assert r["satisfaction (1-5)"].between(1, 5).all()
    effort = r["effort (1-7)"]
    assert effort.dropna().between(1, 7).all()
    assert 0 < effort.isna().mean() < 0.1
    assert 0.1 < r["comment"].isna().mean() < 0.6
    assert set(r["plan"]) == {"Standard", "Coffee Club", "Subscriber"}


def test_response_customers_exist_and_had_bought_before(
    transactions: pd.DataFrame, responses: pd.DataFrame
) -> None:
    first_purchase = transactions.groupby("customer_id")["order_date"].min()
    assert responses["customer_id"].isin(first_purchase.index).all()
    before = first_purchase.loc[responses["customer_id"]].to_numpy()
    assert (before < responses["response_date"].to_numpy()).all()


def test_scores_go_together(responses: pd.DataFrame) -> None:
    r = responses.dropna(subset=["effort (1-7)"])
    assert r[NPS].corr(r["satisfaction (1-5)"]) > 0.5
    assert r[NPS].corr(r["effort (1-7)"]) > 0.3  # 7 = very easy, so higher is better


def nps(scores: pd.Series) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_nps_dips_during_the_courier_problem(responses: pd.DataFrame) -> None:
    r = responses
    dip = r["response_date"].between("2023-09-01", "2023-12-01")
    assert nps(r.loc[dip, NPS]) < nps(r.loc[~dip, NPS]) - 15
    year = r["response_date"].dt.year
    assert nps(r.loc[year == 2024, NPS]) > nps(r.loc[year == 2022, NPS])


def test_promoters_rebuy_within_90_days_more_often_than_detractors(
    transactions: pd.DataFrame, responses: pd.DataFrame
) -> None:
    purchases = transactions.loc[~is_refund(transactions), ["customer_id", "order_date"]]
    end = transactions["order_date"].max()
    r = responses[responses["response_date"] <= end - pd.Timedelta(days=90)]
    pairs = r[["response_id", "customer_id", "response_date", NPS]].merge(
        purchases, on="customer_id"
    )
    after = pairs["order_date"] > pairs["response_date"]
    within = pairs["order_date"] <= pairs["response_date"] + pd.Timedelta(days=90)
    rebought = (after & within).groupby(pairs["response_id"]).any()
    score = r.set_index("response_id")[NPS]
    rate_promoters = rebought[score[score >= 9].index].mean()
    rate_detractors = rebought[score[score <= 6].index].mean()
    assert rate_promoters > rate_detractors + 0.2


def test_comments_differ_between_promoters_and_detractors(
    gen: ModuleType, responses: pd.DataFrame
) -> None:
    r = responses.dropna(subset=["comment"])
    text = r["comment"].str.lower()

    def uses(tone: str) -> pd.Series:
        phrases = [p[:-1].lower() for theme in gen.PHRASES.values() for p in theme[tone]]
        return text.apply(lambda comment: any(p in comment for p in phrases))

    negative, positive = uses("neg"), uses("pos")
    assert negative[r[NPS] <= 6].mean() > 0.9
    assert positive[r[NPS] <= 6].mean() < 0.1
    assert positive[r[NPS] >= 9].mean() > 0.9
    assert negative[r[NPS] >= 9].mean() < 0.1
    for word in ("late", "courier", "expensive", "shipping", "stale", "fresh", "reply", "refund"):
        assert text.str.contains(word).sum() >= 20, word


# --------------------------------------------------------------------------------------------
# Committed café workbook
# --------------------------------------------------------------------------------------------


def test_cafe_workbook_layout(cafe_rows: list[list]) -> None:
    assert "Corner Café" in str(cafe_rows[0][0])
    assert all(cell == "" for cell in cafe_rows[1])
    assert cafe_rows[2] == CAFE_COLUMNS


def test_cafe_workbook_rows(cafe_rows: list[list]) -> None:
    table = pd.DataFrame(cafe_rows[3:], columns=cafe_rows[2])
    assert 280 <= len(table) <= 320
    assert all(isinstance(d, dt.date) and d.year == 2024 for d in table["Date"])
    assert (table["Customer"].str.len() > 0).all()
    assert (table["Total (€)"] < 0).sum() == 1
    assert table["Receipt no."].value_counts().gt(1).sum() >= 5  # some shared receipts
    visits = table.drop_duplicates("Receipt no.")["Customer"].value_counts()
    assert visits.gt(1).sum() >= 40  # regulars come back


# --------------------------------------------------------------------------------------------
# Copies of the real data
# --------------------------------------------------------------------------------------------


def test_cdnow_master_row_counts() -> None:
    cdnow = pd.read_csv(SAMPLE / "CDNOW_master.txt", sep=r"\s+")
    assert list(cdnow.columns) == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert len(cdnow) == 69_659
    assert cdnow["customer_id"].nunique() == 23_570
    assert (cdnow["date"].min(), cdnow["date"].max()) == (19970101, 19980630)


def test_cdnow_sample_fixture() -> None:
    sample = pd.read_csv(ROOT / "tests" / "data" / "CDNOW_sample.txt", sep=r"\s+", header=None)
    assert sample.shape == (6_919, 5)
    assert sample[1].nunique() == 2_357
    assert (ROOT / "tests" / "data" / "README.md").exists()


@pytest.mark.slow
def test_online_retail_row_counts() -> None:
    retail = pd.read_csv(SAMPLE / "online_retail.csv.gz", dtype={"InvoiceNo": str})
    assert list(retail.columns) == [
        "InvoiceNo",
        "StockCode",
        "Description",
        "Quantity",
        "InvoiceDate",
        "UnitPrice",
        "CustomerID",
        "Country",
    ]
    assert len(retail) == 541_909
    assert retail["CustomerID"].isna().sum() == 135_080
    cancelled = retail["InvoiceNo"].str.startswith("C")
    assert cancelled.any()
    assert (retail.loc[cancelled, "Quantity"] < 0).all()

import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.charts.overview import breakdown_chart, new_vs_returning_chart
from analysis.overview import (
    new_vs_returning,
    scorecard,
    scorecard_insights,
    top_breakdown,
)
from tests.analysis.overview._data import AS_OF, TX, make_tx
from tests.paths import ROOT
from tests.timing import best_of, plain_groupby

# ---------------------------------------------------------------------------- identities


@st.composite
def random_tx(draw):
    n = draw(st.integers(1, 40))
    cust = draw(st.lists(st.sampled_from("ABCDE"), min_size=n, max_size=n))
    order = draw(st.lists(st.sampled_from("123456"), min_size=n, max_size=n))
    day = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    amount = draw(st.lists(st.integers(-50, 100), min_size=n, max_size=n))
    country = draw(st.lists(st.sampled_from(["X", "Y", "Z", None]), min_size=n, max_size=n))
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(day, unit="D")
    return make_tx(list(zip(cust, order, dates, np.array(amount, float), country, strict=True)))


@settings(max_examples=60, deadline=None)
@given(random_tx(), st.integers(0, 420))
def test_money_identities(tx, as_of_day):
    as_of = pd.Timestamp("2023-01-01") + pd.Timedelta(days=as_of_day)
    card = scorecard(tx, as_of=as_of)
    observed = tx[tx["order_date"] < as_of]
    assert card.net_revenue == pytest.approx(observed["amount"].sum())
    assert card.net_revenue == pytest.approx(card.gross_revenue - card.refunds)
    assert card.refunds >= 0
    nv = new_vs_returning(tx, as_of=as_of)
    assert nv["net_revenue"].sum() == pytest.approx(card.net_revenue)
    assert nv["new_customers"].sum() == card.customers
    bd = top_breakdown(tx, "country", n=2, as_of=as_of)
    if tx["country"].isna().all():
        # A column with no values at all is "absent": an empty table with the reason.
        assert len(bd) == 0 and bd.attrs["reason"]
    elif card.orders + card.refund_orders:
        assert bd["net_revenue"].sum() == pytest.approx(card.net_revenue)
        assert bd["orders"].max() <= card.orders


# ---------------------------------------------------------------------------- charts


def _chart_rows(spec):
    return next(iter(spec["datasets"].values()))


def test_new_vs_returning_chart_customers():
    nv = new_vs_returning(TX, as_of="2024-04-15")
    spec = new_vs_returning_chart(nv, "customers").to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "period_label" and enc["x"]["type"] == "ordinal"
    assert enc["x"]["sort"] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert enc["y"]["field"] == "value" and enc["y"]["stack"] == "zero"
    assert enc["color"]["field"] == "group"
    assert enc["color"]["scale"]["domain"] == ["New", "Returning"]
    assert enc["opacity"]["condition"][0]["value"] == 0.4
    assert "partial" in enc["opacity"]["condition"][0]["test"]
    assert enc["opacity"]["value"] == 1.0
    assert {t["field"] for t in enc["tooltip"]} >= {"period_label", "group", "value", "note"}
    assert "not complete" in spec["title"]["subtitle"]
    rows = _chart_rows(spec)
    new = {r["period_label"]: r["value"] for r in rows if r["group"] == "New"}
    assert new == {"2024-01": 1, "2024-02": 1, "2024-03": 0, "2024-04": 2}
    april = [r for r in rows if r["period_label"] == "2024-04"]
    assert all(r["partial"] and r["note"] == "month not complete" for r in april)
    assert not any(r["partial"] for r in rows if r["period_label"] != "2024-04")


def test_new_vs_returning_chart_revenue_complete_month():
    nv = new_vs_returning(TX, as_of=AS_OF)
    spec = new_vs_returning_chart(nv, "revenue").to_dict()
    assert spec["encoding"]["y"]["title"] == "Net revenue"
    value_tip = next(t for t in spec["encoding"]["tooltip"] if t["field"] == "value")
    assert value_tip["format"] == ",.2f"
    assert "note" not in {t["field"] for t in spec["encoding"]["tooltip"]}
    rows = _chart_rows(spec)
    assert sum(r["value"] for r in rows) == pytest.approx(76.0)
    with pytest.raises(ValueError):
        new_vs_returning_chart(nv, "orders")


def test_new_vs_returning_chart_empty():
    spec = new_vs_returning_chart(new_vs_returning(TX.iloc[:0])).to_dict()
    assert spec["mark"]["type"] == "bar"


def test_breakdown_chart():
    bd = top_breakdown(TX, "country", n=2, as_of=AS_OF)
    spec = breakdown_chart(bd, "country").to_dict()
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["y"]["field"] == "country" and enc["y"]["type"] == "nominal"
    assert enc["y"]["sort"] == ["FR", "(not given)", "Other"]
    assert enc["x"]["field"] == "net_revenue" and enc["x"]["type"] == "quantitative"
    assert "Other" in enc["color"]["condition"][0]["test"]
    tips = {t["field"]: t for t in enc["tooltip"]}
    assert tips["revenue_share"]["format"] == ".1%"
    assert set(tips) == {"country", "net_revenue", "revenue_share", "orders", "customers"}
    assert [r["country"] for r in _chart_rows(spec)] == ["FR", "(not given)", "Other"]


# ---------------------------------------------------------------------------- real data


def _online_retail() -> pd.DataFrame:
    raw = pd.read_csv(
        ROOT / "sample_data" / "online_retail.csv.gz",
        dtype={"InvoiceNo": "str", "CustomerID": "str", "Description": "str"},
    )
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].str.removesuffix(".0"),
            "order_id": raw["InvoiceNo"],
            "order_date": pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M"),
            "amount": (raw["Quantity"] * raw["UnitPrice"]).astype("float64"),
            "product": raw["Description"],
            "country": raw["Country"].astype("str"),
        }
    ).reset_index(drop=True)


@pytest.mark.slow
def test_online_retail_against_plain_pandas_and_fast():
    tx = _online_retail()
    baseline = best_of(plain_groupby(tx))
    start = time.perf_counter()
    card = scorecard(tx)
    nv = new_vs_returning(tx)
    bds = [top_breakdown(tx, c) for c in ("country", "product", "channel")]
    elapsed = time.perf_counter() - start

    orders = tx.groupby(["customer_id", "order_id"]).agg(
        net=("amount", "sum"), day=("order_date", "min")
    )
    purchases = orders[orders["net"] >= 0]
    per_customer = purchases.groupby(level="customer_id").size()
    assert card.customers == len(per_customer) == 4339  # the widely quoted cleaned count
    assert card.orders == len(purchases) == 18536
    assert card.refund_orders == int((orders["net"] < 0).sum())
    assert card.net_revenue == pytest.approx(tx["amount"].sum())
    assert card.gross_revenue == pytest.approx(purchases["net"].sum())
    assert card.repeat_customer_rate == pytest.approx((per_customer >= 2).mean())
    last = purchases[purchases["day"].dt.normalize() >= pd.Timestamp("2011-09-11")]
    assert card.active_last_90 == last.index.get_level_values("customer_id").nunique()

    first_month = purchases.groupby(level="customer_id")["day"].min().dt.to_period("M")
    assert nv["new_customers"].tolist() == first_month.value_counts().sort_index().tolist()
    assert nv["partial"].tolist()[-1] and nv["period_label"].iloc[-1] == "2011-12"

    by_country = tx.groupby("country")["amount"].sum().sort_values(ascending=False)
    assert bds[0]["country"].tolist()[:10] == by_country.index[:10].tolist()
    np.testing.assert_allclose(bds[0]["net_revenue"].iloc[:10], by_country.iloc[:10])
    assert bds[0]["net_revenue"].sum() == pytest.approx(card.net_revenue)
    assert bds[2].empty
    # About 4 plain pandas order tables of the same lines; generous for a loaded machine.
    assert elapsed < 15 * baseline, (elapsed, baseline)


def test_overflowing_amounts_give_figures_and_a_warning_not_an_error():
    huge = TX.assign(amount=TX["amount"].where(TX["amount"] <= 0, 1e308))  # sums overflow
    with np.errstate(all="raise"):
        card = scorecard(huge, as_of=AS_OF)
        insights = scorecard_insights(card)
        top_breakdown(huge, "country", n=2, as_of=AS_OF)
        new_vs_returning(huge, as_of=AS_OF)
    assert card.customers == 4 and card.largest_amount == 1e308
    assert card.gross_revenue == math.inf
    assert insights[0].startswith("Some amounts are enormous (up to 1e+308)")
    assert scorecard(TX, as_of=AS_OF).largest_amount == 40.0
    assert not any("enormous" in s for s in scorecard_insights(scorecard(TX, as_of=AS_OF)))

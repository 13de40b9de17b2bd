import dataclasses
import math
import pickle
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.charts.overview import breakdown_chart, new_vs_returning_chart
from analysis.overview import (
    DEFINITIONS,
    LABELS,
    Scorecard,
    available_breakdowns,
    dataset_size_check,
    format_figure,
    new_vs_returning,
    scorecard,
    scorecard_insights,
    scorecard_table,
    top_breakdown,
)
from tests.paths import ROOT


def make_tx(rows):
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount", "country"])
    return tx.assign(
        customer_id=tx["customer_id"].astype("str"),
        order_id=tx["order_id"].astype("str"),
        order_date=pd.to_datetime(tx["order_date"]),
        amount=tx["amount"].astype("float64"),
        country=tx["country"].astype("str"),
    )


# Hand-computed fixture (as_of 2024-05-01 unless stated). Orders and net values:
#   A: a1 15 (Jan 5), a2 20 and a3 5 (same day, Mar 10), a4 -8 refund (Mar 20)
#   B: b1 0 (free order, Feb 1 = exactly as_of - 90 days)
#   C: c1 -12 refund only (Mar 1)
#   D: d1 30 - 4 = 26 (partial refund line in the same order, Apr 2); d2 on as_of (excluded)
#   F: f1 40 (Apr 3), f2 -10 refund (Apr 20)
#   E: only after as_of (excluded)
TX = make_tx(
    [
        ("A", "a1", "2024-01-05 09:00", 10.0, "UK"),
        ("A", "a1", "2024-01-05 09:01", 5.0, "DE"),
        ("A", "a2", "2024-03-10 10:00", 20.0, "FR"),
        ("A", "a3", "2024-03-10 15:00", 5.0, "UK"),
        ("A", "a4", "2024-03-20 11:00", -8.0, "UK"),
        ("B", "b1", "2024-02-01 23:59", 0.0, "DE"),
        ("C", "c1", "2024-03-01 12:00", -12.0, None),
        ("D", "d1", "2024-04-02 08:00", 30.0, "FR"),
        ("D", "d1", "2024-04-02 08:00", -4.0, "FR"),
        ("F", "f1", "2024-04-03 13:00", 40.0, " "),
        ("F", "f2", "2024-04-20 13:00", -10.0, "UK"),
        ("D", "d2", "2024-05-01 00:00", 50.0, "UK"),
        ("E", "e1", "2024-06-01 10:00", 100.0, "SE"),
    ]
)
AS_OF = "2024-05-01"


# ---------------------------------------------------------------------------- scorecard


def test_scorecard_hand_computed():
    card = scorecard(TX, as_of=AS_OF)
    assert card.customers == 4  # A, B (free order), D, F; C is refund-only
    assert card.orders == 6  # a1 a2 a3 b1 d1 f1
    assert card.refund_orders == 3  # a4 c1 f2
    assert card.gross_revenue == pytest.approx(106.0)
    assert card.refunds == pytest.approx(30.0)
    assert card.net_revenue == pytest.approx(76.0)
    assert card.average_order_value == pytest.approx(106 / 6)
    assert card.orders_per_customer == pytest.approx(1.5)
    assert card.repeat_customer_rate == pytest.approx(0.25)
    assert card.refund_rate == pytest.approx(30 / 106)
    # Last 90 days = 2024-02-01 .. 2024-04-30: A, B (on the first day), D, F.
    assert card.active_last_90 == 4
    # The 90 before = 2023-11-03 .. 2024-01-31: A only.
    assert card.active_prev_90 == 1
    assert card.active_change == pytest.approx(3.0)
    assert card.first_date == pd.Timestamp("2024-01-05")
    assert card.last_date == pd.Timestamp("2024-04-20")
    assert card.as_of == pd.Timestamp("2024-05-01")
    assert not card.prev_90_complete  # data starts after 2023-11-03


def test_scorecard_default_as_of_includes_everything():
    card = scorecard(TX)
    assert card.as_of == pd.Timestamp("2024-06-02")
    assert card.customers == 5
    assert card.net_revenue == pytest.approx(226.0)
    assert card.last_date == pd.Timestamp("2024-06-01")


def test_scorecard_as_of_time_part_dropped():
    assert scorecard(TX, as_of="2024-05-01 18:00") == scorecard(TX, as_of=AS_OF)


def test_active_window_edge_exact():
    card = scorecard(TX, as_of="2024-05-02")
    # Last window 2024-02-02 .. 2024-05-01: A (Mar), D (Apr, May 1), F (Apr) -> 3.
    # Earlier window 2023-11-04 .. 2024-02-01: A (Jan 5), B (Feb 1) -> 2.
    assert (card.active_last_90, card.active_prev_90) == (3, 2)


def test_scorecard_empty_and_nothing_observed():
    empty = scorecard(TX.iloc[:0])
    assert (empty.customers, empty.orders, empty.net_revenue) == (0, 0, 0.0)
    assert math.isnan(empty.average_order_value) and math.isnan(empty.repeat_customer_rate)
    assert empty.first_date is None and empty.as_of is None
    before = scorecard(TX, as_of="2023-01-01")
    assert before.orders == 0 and before.as_of == pd.Timestamp("2023-01-01")
    assert math.isnan(before.refund_rate)


def test_scorecard_refund_only_data_has_no_rates():
    card = scorecard(TX[TX["customer_id"] == "C"])
    assert (card.customers, card.orders, card.refund_orders) == (0, 0, 1)
    assert card.refunds == pytest.approx(12.0) and card.net_revenue == pytest.approx(-12.0)
    assert math.isnan(card.refund_rate) and math.isnan(card.average_order_value)


def test_scorecard_is_picklable_and_tabulates():
    card = scorecard(TX, as_of=AS_OF)
    assert pickle.loads(pickle.dumps(card)) == card
    table = scorecard_table(card)
    assert list(table.columns) == ["figure", "value", "definition"]
    assert table["value"].dtype == np.float64
    row = table.set_index("figure").loc["Net revenue"]
    assert row["value"] == pytest.approx(76.0)
    assert row["definition"] == DEFINITIONS["net_revenue"]


def test_every_figure_has_a_label_and_definition():
    # largest_amount is not a figure shown: it only feeds a warning in scorecard_insights
    names = {f.name for f in dataclasses.fields(Scorecard)} - {"largest_amount"}
    assert set(DEFINITIONS) == names and set(LABELS) == names
    for key, text in DEFINITIONS.items():
        assert text.startswith(LABELS[key] + ":"), key
        assert text.endswith(".")


def test_format_figure():
    card = scorecard(TX, as_of=AS_OF)
    assert format_figure(card, "net_revenue") == "76.00"
    assert format_figure(card, "repeat_customer_rate") == "25%"
    assert format_figure(card, "refund_rate") == "28%"
    assert format_figure(card, "orders_per_customer") == "1.50"
    assert format_figure(card, "customers") == "4"
    assert format_figure(card, "as_of") == "2024-05-01"
    big = dataclasses.replace(card, net_revenue=1234567.8, refund_rate=0.0412)
    assert format_figure(big, "net_revenue") == "1,234,568"
    assert format_figure(big, "refund_rate") == "4.1%"
    assert format_figure(scorecard(TX.iloc[:0]), "average_order_value") == "n/a"
    assert format_figure(scorecard(TX.iloc[:0]), "first_date") == "n/a"


# ---------------------------------------------------------------------------- insights


def test_insights_hand_computed_fixture():
    lines = scorecard_insights(scorecard(TX, as_of=AS_OF))
    assert 2 <= len(lines) <= 4
    assert lines[0].startswith("Only 25% of customers came back for a second order.")
    # The earlier 90-day window is not covered by the data: no trend sentence.
    assert not any("Active customers" in s for s in lines)
    assert any("Refunds take 28% of gross sales (30.00 of 106.00)" in s for s in lines)
    assert any("average order is worth 17.67" in s and "1.5 orders" in s for s in lines)


def _full_window(card: Scorecard, last: int, prev: int) -> Scorecard:
    return dataclasses.replace(
        card, first_date=pd.Timestamp("2023-01-01"), active_last_90=last, active_prev_90=prev
    )


def test_insights_active_trend_directions():
    card = scorecard(TX, as_of=AS_OF)
    down = " ".join(scorecard_insights(_full_window(card, 30, 40)))
    assert "Active customers fell 25% to 30" in down and "from 40" in down
    assert "win-back" in down
    up = " ".join(scorecard_insights(_full_window(card, 60, 40)))
    assert "Active customers rose 50% to 60" in up
    flat = " ".join(scorecard_insights(_full_window(card, 41, 40)))
    assert "held steady: 41" in flat


def test_insights_loyal_and_low_refunds():
    card = dataclasses.replace(
        scorecard(TX, as_of=AS_OF), repeat_customer_rate=0.62, refund_rate=0.02
    )
    lines = scorecard_insights(card)
    assert lines[0].startswith("62% of customers ordered more than once")
    assert not any("Refunds" in s for s in lines)
    assert 2 <= len(lines) <= 4


def test_insights_no_purchases():
    assert len(scorecard_insights(scorecard(TX.iloc[:0]))) == 1


# ---------------------------------------------------------------------------- size check


def test_dataset_size_check_messages():
    assert dataset_size_check(TX) is None
    assert "no transactions" in dataset_size_check(None)
    assert "no transactions" in dataset_size_check(TX.iloc[:0])
    assert "only one customer" in dataset_size_check(TX[TX["customer_id"] == "A"])
    assert "only holds refunds" in dataset_size_check(TX[TX["customer_id"] == "C"])
    assert "before the as-of date 2023-01-01" in dataset_size_check(TX, as_of="2023-01-01")
    assert dataset_size_check(TX, as_of="2024-02-02") is None  # A and B


# ---------------------------------------------------------------------------- new vs returning


def test_new_vs_returning_hand_computed():
    nv = new_vs_returning(TX, as_of=AS_OF)
    assert nv["period_label"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert nv["period"].tolist() == list(pd.period_range("2024-01", "2024-04", freq="M"))
    assert nv["period_start"].tolist() == list(
        pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    )
    assert nv["new_customers"].tolist() == [1, 1, 0, 2]  # A; B; -; D and F
    assert nv["returning_customers"].tolist() == [0, 0, 1, 0]  # A twice on Mar 10 counts once
    assert nv["active_customers"].tolist() == [1, 1, 1, 2]
    np.testing.assert_allclose(nv["new_revenue"], [15.0, 0.0, 0.0, 56.0])  # F's refund: new
    # March: A 20 + 5 - 8, plus C's refund (no purchase in the data) counted as returning.
    np.testing.assert_allclose(nv["returning_revenue"], [0.0, 0.0, 5.0, 0.0])
    assert nv["net_revenue"].sum() == pytest.approx(scorecard(TX, as_of=AS_OF).net_revenue)
    assert nv["partial"].tolist() == [False] * 4  # April is complete on May 1


def test_new_vs_returning_partial_and_empty_last_month():
    nv = new_vs_returning(TX, as_of="2024-04-15")
    assert nv["partial"].tolist() == [False, False, False, True]
    nv = new_vs_returning(TX, as_of="2024-03-10")  # the Mar 10 orders are on as_of: excluded
    assert nv["period_label"].tolist() == ["2024-01", "2024-02", "2024-03"]
    assert nv["active_customers"].tolist() == [1, 1, 0]
    np.testing.assert_allclose(nv["returning_revenue"], [0.0, 0.0, -12.0])
    assert nv["partial"].tolist() == [False, False, True]


def test_new_vs_returning_default_as_of_and_gap_months():
    nv = new_vs_returning(TX)
    assert nv["period_label"].tolist()[-2:] == ["2024-05", "2024-06"]
    assert nv["returning_customers"].tolist()[-2:] == [1, 0]  # D's May 1 order
    assert nv["new_customers"].tolist()[-1] == 1  # E
    assert nv["partial"].tolist()[-1]


def test_new_vs_returning_weeks_and_quarters():
    wk = new_vs_returning(TX, freq="W", as_of=AS_OF)
    assert wk["period_label"].iloc[0] == "2024-01-01"  # the Monday of Jan 5's week
    assert (wk["period_start"].dt.day_of_week == 0).all()
    assert wk["net_revenue"].sum() == pytest.approx(76.0)
    assert wk["new_customers"].sum() == 4
    assert wk["partial"].iloc[-1]  # the week of Apr 30 runs to May 5
    qt = new_vs_returning(TX, freq="Q", as_of=AS_OF)
    assert qt["period_label"].tolist() == ["2024Q1", "2024Q2"]
    assert qt["new_customers"].tolist() == [2, 2]
    assert qt["returning_customers"].tolist() == [0, 0]  # A first bought in Q1 too


def test_new_vs_returning_empty():
    nv = new_vs_returning(TX.iloc[:0])
    assert nv.empty and "partial" in nv.columns and "new_customers" in nv.columns
    assert new_vs_returning(TX, as_of="2020-01-01").empty


# ---------------------------------------------------------------------------- breakdowns


def test_top_breakdown_hand_computed():
    bd = top_breakdown(TX, "country", as_of=AS_OF)
    assert bd["country"].tolist() == ["FR", "(not given)", "DE", "UK"]  # SE is after as_of
    np.testing.assert_allclose(bd["net_revenue"], [46.0, 28.0, 5.0, -3.0])
    assert bd["orders"].tolist() == [2, 1, 2, 2]  # purchase orders containing it
    assert bd["customers"].tolist() == [2, 1, 2, 1]
    np.testing.assert_allclose(bd["revenue_share"], np.array([46, 28, 5, -3]) / 76)
    assert bd.attrs["reason"] == ""


def test_top_breakdown_other_counts_distinct():
    bd = top_breakdown(TX, "country", n=2, as_of=AS_OF)
    assert bd["country"].tolist() == ["FR", "(not given)", "Other"]
    np.testing.assert_allclose(bd["net_revenue"], [46.0, 28.0, 2.0])
    # DE + UK: orders a1 (has both), a3, b1 -> 3, not 2 + 2; customers A, B -> 2, not 3.
    assert bd["orders"].tolist() == [2, 1, 3]
    assert bd["customers"].tolist() == [2, 1, 2]
    assert bd["revenue_share"].sum() == pytest.approx(1.0)
    assert bd.attrs["other_values"] == 2


def test_top_breakdown_no_other_when_exactly_n():
    assert "Other" not in top_breakdown(TX, "country", n=4, as_of=AS_OF)["country"].tolist()


def test_top_breakdown_absent_or_empty_column():
    bd = top_breakdown(TX, "channel")
    assert bd.empty and "channel" in bd.attrs["reason"]
    assert list(bd.columns) == ["channel", "net_revenue", "orders", "customers", "revenue_share"]
    blank = TX.assign(category=pd.Series([None] * len(TX), dtype="str"))
    assert "No row has a category" in top_breakdown(blank, "category").attrs["reason"]
    assert "before the as-of" in top_breakdown(TX, "country", as_of="2020-01-01").attrs["reason"]
    assert available_breakdowns(blank) == ["country"]
    assert available_breakdowns(None) == []


def test_top_breakdown_survives_pickle():
    bd = pickle.loads(pickle.dumps(top_breakdown(TX, "channel")))
    assert "channel" in bd.attrs["reason"]


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
    assert elapsed < 1.5, elapsed  # ~0.25 s measured on 2 cores; generous for CI noise


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


# --- sales without a customer (guest checkouts, till sales) --------------------------------------


def test_sales_without_customer_count_in_the_totals_only() -> None:
    from analysis.ingest import prepare_transactions, read_table
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer

    text = (
        "customer,order,date,amount\n"
        "A,1,2024-01-01,10\n"
        "A,2,2024-01-05,30\n"
        "B,3,2024-01-06,20\n"
        ",4,2024-01-02,5\n"  # a guest order of two lines: 5 + 7
        ",4,2024-01-02,7\n"
        "Walk-in,,2024-01-03,8\n"  # a till sale without order number: its own order
        ",5,2024-01-04,-3\n"  # a refund without a customer: a refund order
        ",6,2024-02-01,100\n"  # after the as-of date used below
    )
    p = prepare_transactions(read_table(text.encode(), filename="shop.csv"))
    card = scorecard(p.data)  # customers' figures are those of A and B alone
    assert (card.customers, card.orders, card.net_revenue) == (2, 3, 60.0)
    anon = sales_without_customer(p.anonymous, as_of="2024-01-07")
    assert (anon.lines, anon.orders, anon.refund_orders) == (4, 2, 1)
    assert anon.net_revenue == pytest.approx(17.0) and anon.later_lines == 1
    figures, said = totals_with_sales_without_customer(card, anon)
    assert figures["total_net_revenue"] == pytest.approx(77.0)  # 60 + 5 + 7 + 8 - 3
    assert figures["total_orders"] == 5  # 3 + guest order 4 + the walk-in sale
    assert figures["without_customer_share"] == pytest.approx(17 / 77)
    assert said[0].startswith(
        "Total net revenue is 77.00 in 5 orders, of which 17.00 (22%) in 2 orders without a "
        "customer"
    )
    assert said[1] == ("1 line without a customer is dated after the period shown and not counted.")
    # everything, when no as-of date is given
    assert sales_without_customer(p.anonymous).net_revenue == pytest.approx(117.0)


def test_no_sales_without_customer_says_nothing() -> None:
    from analysis.overview import sales_without_customer, totals_with_sales_without_customer

    card = scorecard(make_tx([["A", "1", "2024-01-01", 10.0, "UK"]]))
    for empty in (None, pd.DataFrame()):
        anon = sales_without_customer(empty)
        assert (anon.lines, anon.orders, anon.net_revenue) == (0, 0, 0.0)
        figures, said = totals_with_sales_without_customer(card, anon)
        assert said == [] and figures["total_net_revenue"] == 10.0
        assert figures["without_customer_share"] == 0.0


# ---------------------------------------------------------------------------- period & comparison


def test_period_bounds_hand_computed():
    from analysis.overview import period_bounds

    ts = pd.Timestamp
    # N days before as_of (exclusive end), compared with the N days before those
    assert period_bounds("30d", "2024-05-01") == (
        ts("2024-04-01"),
        ts("2024-05-01"),
        ts("2024-03-02"),
        ts("2024-04-01"),
    )
    assert period_bounds("90d", "2024-05-01")[:2] == (ts("2024-02-01"), ts("2024-05-01"))
    assert period_bounds("365d", "2024-05-01", compare="none") == (
        ts("2023-05-02"),
        ts("2024-05-01"),
        None,
        None,
    )
    # this year: from 1 January of the last observed day's year; same window a year earlier
    assert period_bounds("ytd", "2024-05-01", compare="last_year") == (
        ts("2024-01-01"),
        ts("2024-05-01"),
        ts("2023-01-01"),
        ts("2023-05-01"),
    )
    # as_of on 1 January: the last observed day is 31 December, so "this year" is last year
    assert period_bounds("ytd", "2024-01-01")[:2] == (ts("2023-01-01"), ts("2024-01-01"))
    # custom: both picked days included; the previous period has the same length (29 days)
    assert period_bounds("custom", "2024-05-01", "2024-02-01", "2024-02-29") == (
        ts("2024-02-01"),
        ts("2024-03-01"),
        ts("2024-01-03"),
        ts("2024-02-01"),
    )
    # 29 February a year earlier is 28 February
    assert period_bounds("custom", "2024-05-01", "2024-02-29", "2024-02-29", compare="last_year")[
        2:
    ] == (ts("2023-02-28"), ts("2023-03-01"))
    # all time has nothing before it
    assert period_bounds("all", "2024-05-01", first="2024-01-05")[2:] == (None, None)
    assert period_bounds("all", "2024-05-01", first="2024-01-05", compare="last_year")[2:] == (
        None,
        None,
    )


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (("week", "2024-05-01"), {}),
        (("30d", "2024-05-01"), {"compare": "yesterday"}),
        (("custom", "2024-05-01"), {}),
        (("custom", "2024-05-01", "2024-03-02", "2024-03-01"), {}),
        (("all", "2024-05-01"), {}),
    ],
)
def test_period_bounds_refuses_what_it_cannot_do(args, kwargs):
    from analysis.overview import period_bounds

    with pytest.raises(ValueError):
        period_bounds(*args, **kwargs)


def test_compare_scorecards_hand_computed():
    from analysis.overview import change_text, compare_scorecards, figure_change, period_bounds

    bounds = period_bounds("30d", AS_OF)  # [Apr 1, May 1) vs [Mar 2, Apr 1)
    cmp = compare_scorecards(TX, *bounds)
    now, before = cmp.current, cmp.previous
    # window: d1 (30 - 4, Apr 2), f1 40 (Apr 3), f2 -10 refund (Apr 20); d2 on May 1 is out
    assert (now.customers, now.orders, now.refund_orders) == (2, 2, 1)
    assert now.net_revenue == pytest.approx(56.0)
    assert now.gross_revenue == pytest.approx(66.0)
    assert now.average_order_value == pytest.approx(33.0)
    assert now.repeat_customer_rate == 0.0
    assert now.refund_rate == pytest.approx(10 / 66)
    # previous: a2 20 and a3 5 (Mar 10), a4 -8 (Mar 20); c1 on Mar 1 is before the window
    assert (before.customers, before.orders, before.refund_orders) == (1, 2, 1)
    assert before.net_revenue == pytest.approx(17.0)
    assert before.repeat_customer_rate == 1.0  # A bought twice in the window
    assert before.refund_rate == pytest.approx(8 / 25)
    assert cmp.previous_complete  # the data starts on Jan 5, before Mar 2
    assert figure_change(cmp, "customers") == pytest.approx(1.0)
    assert figure_change(cmp, "orders") == 0.0
    assert figure_change(cmp, "net_revenue") == pytest.approx(56 / 17 - 1)
    assert figure_change(cmp, "average_order_value") == pytest.approx(33 / 12.5 - 1)
    assert figure_change(cmp, "repeat_customer_rate") == pytest.approx(-1.0)  # points
    assert change_text(cmp, "customers", "the previous 30 days") == "+100% vs the previous 30 days"
    assert change_text(cmp, "orders", "the previous 30 days") == "0% vs the previous 30 days"
    assert change_text(cmp, "refund_rate", "x") == f"{(10 / 66 - 0.32) * 100:+.1f} pts vs x"


def test_compare_scorecards_window_edges_and_missing_history():
    from analysis.overview import change_text, compare_scorecards, figure_change, period_bounds

    # 90 days: Feb 1 00:00 included (b1 at 23:59 that day counts), May 1 excluded
    cmp = compare_scorecards(TX, *period_bounds("90d", AS_OF))
    assert cmp.current.customers == 4  # A, B, D, F
    assert cmp.current.orders == 5  # a2 a3 b1 d1 f1
    # the previous 90 days start on 2023-11-03, before the data: no change is claimed
    assert not cmp.previous_complete
    assert math.isnan(figure_change(cmp, "customers"))
    assert change_text(cmp, "customers", "the previous 90 days") == (
        "no data for all of the previous 90 days"
    )
    # no comparison at all
    alone = compare_scorecards(TX, "2024-04-01", "2024-05-01")
    assert alone.previous is None and change_text(alone, "orders", "x") is None
    # an empty comparison window: zero before, so no percentage
    empty = compare_scorecards(TX, "2024-04-01", "2024-05-01", "2024-01-06", "2024-02-01")
    assert empty.previous.orders == 0 and empty.previous_complete
    assert change_text(empty, "orders", "x") == "nothing to compare in x"


def test_all_time_matches_the_plain_scorecard():
    from analysis.overview import compare_scorecards, period_bounds

    start, end, _, _ = period_bounds("all", AS_OF, first=TX["order_date"].min())
    assert compare_scorecards(TX, start, end).current == scorecard(TX, as_of=AS_OF)


def test_comparison_phrase():
    from analysis.overview import comparison_phrase

    assert comparison_phrase("90d", "previous", "2024-02-01", "2024-05-01") == (
        "the previous 90 days"
    )
    assert comparison_phrase("ytd", "last_year", "2024-01-01", "2024-05-01") == (
        "the same period last year"
    )


def test_charts_in_a_period_hand_computed():
    from analysis.overview import new_vs_returning_in_period, top_breakdown_in_period

    nvr = new_vs_returning_in_period(TX, "2024-03-02", "2024-05-01")
    # March is shown whole (the window starts in it); January and February are left out
    assert list(nvr["period_start"]) == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")]
    # A bought in January, so is returning in March (new means a first purchase ever)
    assert list(nvr["new_customers"]) == [0, 2]
    assert list(nvr["returning_customers"]) == [1, 0]
    assert list(nvr["net_revenue"]) == pytest.approx([20 + 5 - 8 - 12, 26 + 40 - 10])
    table = top_breakdown_in_period(TX, "country", "2024-04-01", "2024-05-01")
    by = dict(zip(table["country"], table["net_revenue"], strict=True))
    assert by == {"(not given)": 40.0, "FR": 26.0, "UK": -10.0}  # d2 (UK, May 1) is out

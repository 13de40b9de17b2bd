"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import profile as PR
from analysis.charts import patterns as charts
from analysis.profile import customer as PR_customer
from tests.paths import SAMPLE_DATA

ROWS = [
    # customer, order, date, amount, quantity, product, channel, email, promo
    ("A", "O1", "2024-01-01 09:00", 10.0, 1, "bread", "web", "a@x", ""),
    ("A", "O1", "2024-01-01 09:00", 5.0, 1, "milk", "web", "a@x", ""),
    ("A", "O2", "2024-01-11 12:00", 20.0, 2, "bread", "web", "a@x", "SPRING"),
    ("A", "O3", "2024-01-15 08:00", -5.0, -1, "milk", "web", "a@x", ""),  # refund order
    ("A", "O4", "2024-01-31 18:00", 8.0, 1, "jam", "shop", "a@x", ""),
    ("B", "O5", "2024-01-20 10:00", 30.0, 3, "bread", "web", "b@x", ""),
]
TX = pd.DataFrame(
    ROWS,
    columns=[
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "product",
        "channel",
        "email",
        "promo",
    ],
).astype({"quantity": "float64"})
TX["order_date"] = pd.to_datetime(TX["order_date"])
for c in ("customer_id", "order_id", "product", "channel", "email", "promo"):
    TX[c] = TX[c].astype("str")


def test_customer_list_and_search():
    listing = PR.customer_list(TX)
    assert listing["customer_id"].tolist() == ["A", "B"]  # by net revenue: 38, 30
    assert listing["orders"].tolist() == [3, 1]
    assert listing["net_revenue"].tolist() == [38.0, 30.0]
    assert listing["last_purchase"].tolist() == [
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-01-20"),
    ]
    assert PR.search_customers(listing, "a")["customer_id"].tolist() == ["A"]
    assert PR.search_customers(listing, "")["customer_id"].tolist() == ["A", "B"]
    assert PR.search_customers(listing, "zzz").empty
    assert PR.picker_labels(listing.head(1)) == {"A": "A · 3 purchases · 38.00 net"}
    if "segment" in listing.columns:
        segs = PR.segments_in(listing)
        assert set(segs) == set(listing["segment"])
        one = PR.search_customers(listing, segment=segs[0])
        assert (one["segment"] == segs[0]).all()


def test_customer_profile_hand_computed():
    p = PR.customer_profile(TX, "A")
    assert p.found and p.as_of == pd.Timestamp("2024-02-01")
    assert (p.orders, p.refund_orders) == (3, 1)
    assert p.gross_revenue == 43.0 and p.refunded == 5.0 and p.net_revenue == 38.0
    assert p.average_order_value == pytest.approx(43 / 3)
    assert p.first_purchase == pd.Timestamp("2024-01-01")
    assert p.last_purchase == pd.Timestamp("2024-01-31")
    assert p.days_since_last == 1  # bought on the last day of the data, as RFM recency
    assert p.visits == 3 and p.median_gap_days == 15.0  # gaps of 10 and 20 days
    h = p.history
    assert h["order_id"].tolist() == ["O1", "O2", "O3", "O4"]
    assert h["kind"].tolist() == ["purchase", "purchase", "refund", "purchase"]
    assert h["net_value"].tolist() == [15.0, 20.0, -5.0, 8.0]
    assert h["lines"].tolist() == [2, 1, 1, 1]
    assert h["items"].tolist() == ["bread, milk", "bread", "milk", "jam"]  # most valuable first
    items = p.items.set_index("product")
    assert list(items.index) == ["bread", "jam", "milk"]  # by orders, then net spend
    assert items.loc["bread", "orders"] == 2 and items.loc["bread", "revenue"] == 30.0
    assert items.loc["bread", "quantity"] == 3.0
    assert items.loc["milk", "orders"] == 1 and items.loc["milk", "revenue"] == 0.0
    # the e-mail describes the customer; the channel changed (web, then shop) and the promo
    # code is on one line only: both are order details, not customer attributes
    assert p.attributes == {"email": "a@x"}


def test_customer_profile_shows_the_latest_orders_and_top_items_only(monkeypatch):
    full = PR.customer_profile(TX, "A")
    assert (full.history_total, full.items_total) == (4, 3) and PR.history_note(full) is None
    monkeypatch.setattr(PR_customer, "MAX_HISTORY_ORDERS", 2)
    monkeypatch.setattr(PR_customer, "MAX_PROFILE_ITEMS", 1)
    p = PR.customer_profile(TX, "A")
    h = p.history
    assert h["order_id"].tolist() == ["O3", "O4"] and h["items"].tolist() == ["milk", "jam"]
    assert h["kind"].tolist() == ["refund", "purchase"] and h["lines"].tolist() == [1, 1]
    assert p.history_total == 4 and p.items_total == 3
    assert p.items["product"].tolist() == ["bread"]
    # every figure still counts every order
    assert (p.orders, p.refund_orders, p.net_revenue, p.visits) == (3, 1, 38.0, 3)
    assert PR.history_note(p) == (
        "Showing the latest 2 of 4 orders. Showing 1 of 3 product values: those bought in "
        "the most orders."
    )


def test_customer_profile_with_overflowing_amounts():
    huge = TX.assign(amount=TX["amount"] * 1e307)  # sums of two lines overflow to inf
    with np.errstate(all="raise"):
        p = PR.customer_profile(huge, "A")
        sentences = PR.profile_sentences(p)
    assert p.found and p.orders == 3 and sentences


def test_customer_profile_as_of_and_unknown_customer():
    p = PR.customer_profile(TX, "A", as_of="2024-01-20")
    assert p.orders == 2 and p.refund_orders == 1 and p.days_since_last == 9
    missing = PR.customer_profile(TX, "nobody")
    assert not missing.found and missing.history.empty
    assert PR.profile_sentences(missing)[0].startswith("There is no transaction")


def test_customer_responses():
    responses = pd.DataFrame(
        {
            "response_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-01-07"]),
            "score": [9, 5, 8],
            "customer_id": ["A", "A", "B"],
            "comment": ["Great bread", "Slow delivery", ""],
            "csat": pd.array([5, 2, 4], dtype="Int64"),
        }
    )
    mine = PR.customer_responses(responses, "A")
    assert mine["score"].tolist() == [5, 9]  # newest first
    assert mine["group"].tolist() == ["detractor", "promoter"]
    assert mine["csat"].tolist() == [2, 5]
    assert PR.customer_responses(responses, "B")["group"].tolist() == ["passive"]
    unlinked = PR.customer_responses(responses.drop(columns=["customer_id"]), "A")
    assert unlinked.empty and "no customer id" in unlinked.attrs["reason"]


def test_value_card_and_for_customer():
    customers = pd.DataFrame(
        {"clv": [10.0, 20.0, 30.0], "p_alive": [0.2, 0.5, 0.9]}, index=["A", "B", "C"]
    )
    scores = pd.DataFrame({"churn_risk": [0.5, 0.1, 0.9]}, index=["A", "B", "C"])
    card = PR.value_card(customers, scores, "B")
    assert card["clv"] == 20.0 and card["clv_rank"] == pytest.approx(1 / 3)
    assert card["churn_risk"] == 0.1 and card["risk_rank"] == 0.0
    assert PR.value_card(customers, None, "C") == {"clv": 30.0, "p_alive": 0.9, "clv_rank": 2 / 3}
    assert PR.value_card(None, None, "A") is None
    recs = pd.DataFrame({"customer_id": ["A", "B", "A"], "item": ["x", "y", "z"]})
    assert PR.for_customer(recs, "A")["item"].tolist() == ["x", "z"]


def test_rfm_card_from_the_rfm_module():
    rfm = pytest.importorskip("analysis.rfm")
    table = rfm.rfm_table(TX)
    card = PR.rfm_card(table, "A")
    assert card["frequency"] == 3 and card["recency"] == 1 and card["monetary"] == 38.0
    assert card["segment"] == str(table.loc["A", "segment"])
    assert card["action"]  # the default rules have one for every segment
    assert card["monetary_rank"] == 0.5  # B spent less
    assert PR.rfm_card(table, "nobody") is None


def test_profile_sentences():
    p = PR.customer_profile(TX, "A")
    responses = pd.DataFrame(
        {
            "response_date": pd.to_datetime(["2024-01-20"]),
            "score": [5],
            "group": ["detractor"],
            "comment": ["Slow delivery"],
        }
    )
    lines = PR.profile_sentences(
        p,
        rfm={
            "segment": "Champions",
            "r_score": 5,
            "f_score": 4,
            "m_score": 5,
            "action": "Thank them.",
        },
        value={"clv": 120.0, "clv_rank": 0.97, "churn_risk": 0.25},
        store_average_order=10.0,
        responses=responses,
        value_months=12,
        churn_days=90,
    )
    text = "\n".join(lines)
    assert lines[0] == (
        "Customer since 01 Jan 2024: 3 purchases, 38.00 net in total; the last 1 day ago "
        "(31 Jan 2024)."
    )
    assert "usually buy again after about 15 days; it has been 1 day, within their usual" in text
    assert "Average order 14.33, 43% above the average of all customers (10.00)." in text
    assert "1 refund worth 5.00" in text
    assert "Most bought: bread (in 2 of 3 purchases)." in text
    assert "RFM segment: Champions (R5 F4 M5). Thank them." in text
    assert "worth 120.00 over the next 12 months (the top 3% of customers)" in text
    assert "25% risk of not buying within 90 days" in text
    assert 'scored 5 out of 10, a detractor and wrote: "Slow delivery".' in text
    # overdue: as of 3 April the last purchase (31 January) is 63 days old, 4 times 15
    late = PR.profile_sentences(PR.customer_profile(TX, "A", as_of="2024-04-03"))
    assert any("4 times their usual gap: overdue" in line for line in late)


def test_profile_charts():
    p = PR.customer_profile(TX, "A")
    spec = charts.order_timeline_chart(p.history).to_dict()
    data = next(iter(spec["datasets"].values()))
    assert [d["kind"] for d in data] == ["purchase", "purchase", "refund", "purchase"]
    assert charts.customer_items_chart(p.items, "product").to_dict()["mark"]["type"] == "bar"


def test_profile_on_the_cafe_example_is_fast_and_consistent():
    from time import perf_counter

    from analysis import ingest

    path = SAMPLE_DATA / "cafe_sales.xlsx"
    tx = ingest.prepare_transactions(ingest.read_table(path, filename=path.name)).data
    listing = PR.customer_list(tx)
    assert listing["net_revenue"].sum() == pytest.approx(tx["amount"].sum())
    start = perf_counter()
    for cid in listing["customer_id"].head(5):
        p = PR.customer_profile(tx, cid)
        assert p.net_revenue == pytest.approx(
            listing.set_index("customer_id").loc[cid, "net_revenue"]
        )
        assert np.isclose(p.history["net_value"].sum(), p.net_revenue)
    assert perf_counter() - start < 5

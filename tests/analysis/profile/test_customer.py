"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import profile as PR
from analysis.profile import customer as PR_customer
from tests.analysis.profile._data import TX


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

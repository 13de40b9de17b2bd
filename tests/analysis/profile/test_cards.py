"""Customer profile: one customer's figures, orders, purchases, survey and model cards."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import profile as PR
from tests.analysis.profile._data import TX


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

"""The "What to do now" lists: every figure against hand-computed values, then the shop example."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import actions, rfm
from tests.analysis.actions._data import AS_OF, _fake_models, _responses, _tx


def test_every_list_against_hand_computed_figures():
    value, risk = _fake_models()
    plan = actions.action_lists(_tx(), _responses(), as_of=AS_OF, value=value, risk=risk)
    assert plan.as_of == pd.Timestamp(AS_OF)
    assert plan.customers == 9  # H has only a refund
    assert plan.contact_columns == ["customer_email", "Phone"]

    # Valuable: clv at or above the 75th percentile of the seven values (45.0): A and C.
    # At risk: churn risk >= 0.5: C only.
    at_risk = plan.get("at_risk")
    assert at_risk.customers["customer_id"].tolist() == ["C"]
    row = at_risk.customers.iloc[0]
    assert row["expected_value"] == 50.0 and row["churn_risk"] == 0.7
    assert row["purchases"] == 1 and row["days_since_last_purchase"] == 151  # 1 Feb -> 1 Jul
    assert at_risk.value_at_stake == 60.0 and at_risk.size == 1
    assert at_risk.source_page == "app_pages/value.py"
    assert "top 25%" in at_risk.why and "50%" in at_risk.why

    # One purchase in the last 90 days: B (1 May, 61 days); C's is 151 days old.
    second = plan.get("second_order")
    assert second.customers["customer_id"].tolist() == ["B"]
    assert second.customers.loc[0, "days_since_last_purchase"] == 61
    assert second.customers.loc[0, "first_order"] == pd.Timestamp("2024-05-01")
    assert second.customers.loc[0, "customer_email"] == "b@x.com"
    assert second.value_at_stake == 40.0

    # Last refund on or after the last purchase, 30 days or more ago: D (151 days), F (same
    # day, 182 days); not E (11 days), not G (bought since), not H (no purchase).
    refund = plan.get("refund")
    got = refund.customers.set_index("customer_id")
    assert got.index.tolist() == ["D", "F"]  # most net revenue first: 60, then 0
    assert got.loc["D", "days_since_refund"] == 151
    assert got.loc["D", "refunded"] == 20.0 and got.loc["D", "net_revenue"] == 60.0
    assert got.loc["D", "last_refund"] == pd.Timestamp("2024-02-01")
    assert got.loc["F", "days_since_refund"] == 182 and got.loc["F", "net_revenue"] == 0.0
    assert got.loc["D", "customer_email"] == "d@x.com"
    assert refund.value_at_stake == 60.0

    # Detractors of the last 90 days of the survey, latest answer per customer.
    det = plan.get("detractors").customers.set_index("customer_id")
    assert det.index.tolist() == ["A", "B", "Z"]  # net revenue 180, 40, 0
    assert det.loc["A", "score"] == 3 and det.loc["A", "comment"] == "slow delivery"
    assert det.loc["B", "score"] == 6 and det.loc["B", "comment"] == "meh"
    assert det.loc["A", "net_revenue"] == 180.0 and det.loc["A", "purchases"] == 3
    assert det.loc["A", "days_since_last_purchase"] == 11
    assert det.loc["A", "customer_email"] == "a2@x.com" and det.loc["A", "Phone"] == "111"
    assert det.loc["Z", "purchases"] == 0 and det.loc["Z", "net_revenue"] == 0.0
    assert pd.isna(det.loc["Z", "days_since_last_purchase"])
    assert plan.get("detractors").value_at_stake == 220.0
    assert any("1 unhappy answer has no customer id" in n for n in plan.notes)

    # Loyal customers: exactly the RFM table's Champions and Loyal Customers.
    table = rfm.rfm_table(_tx(), as_of=AS_OF)
    expected = set(table.index[table["segment"].isin(["Champions", "Loyal Customers"])])
    thank = plan.get("thank")
    assert "K" in expected and "L" not in expected
    assert set(thank.customers["customer_id"]) == expected
    assert thank.value_at_stake == pytest.approx(table.loc[list(expected), "monetary"].sum())

    # Ordered by money at stake, empty lists last.
    values = [(item.size == 0, -item.value_at_stake) for item in plan.lists]
    assert values == sorted(values)
    text = "\n".join(actions.describe_action_plan(plan))
    assert "1 customer who has spent 60.00 with you so far" in text
    assert "3 customers who together have spent 220.00" in text


def test_rfm_fallback_when_the_models_cannot_be_used():
    plan = actions.action_lists(_tx(), None, as_of=AS_OF, value=ValueError("too few buyers"))
    at_risk = plan.get("at_risk")
    table = rfm.rfm_table(_tx(), as_of=AS_OF)
    expected = set(table.index[table["segment"].isin(["At Risk", "Can't Lose Them"])])
    assert "L" in expected and "K" not in expected
    assert set(at_risk.customers["customer_id"]) == expected
    assert at_risk.source_page == "app_pages/rfm.py"
    assert any("too few buyers" in n for n in plan.notes)
    # No survey: the detractor list is empty and says why.
    det = plan.get("detractors")
    assert det.size == 0 and det.empty_reason == "No survey answers were loaded."
    assert plan.lists[-1].size == 0 or all(i.size for i in plan.lists)
    # Without models at all, the fallback is said without a reason.
    quiet = actions.action_lists(_tx(), None, as_of=AS_OF, models=False)
    assert quiet.notes == ["The at-risk list uses the RFM segments (At Risk and Can't Lose Them)."]


def test_survey_without_customer_column_and_empty_data():
    responses = _responses().drop(columns="customer_id")
    plan = actions.action_lists(_tx(), responses, as_of=AS_OF, models=False)
    assert "no customer column" in plan.get("detractors").empty_reason
    empty = _tx().iloc[:0]
    plan = actions.action_lists(empty, None, as_of=AS_OF, models=False)
    assert plan.customers == 0 and all(item.size == 0 for item in plan.lists)
    assert all(item.empty_reason for item in plan.lists)
    assert all(item.value_at_stake == 0.0 for item in plan.lists)

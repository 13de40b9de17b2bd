"""The "What to do now" lists: every figure against hand-computed values, then the shop example."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import actions, churn, rfm
from tests.paths import ROOT

AS_OF = "2024-07-01"  # exclusive: the cut-off day is 1 July 2024


def _tx() -> pd.DataFrame:
    rows = [
        # customer, order, date, amount, e-mail, phone
        ("A", "a1", "2024-01-10 09:00", 100.0, "a@x.com", "111"),
        ("A", "a2", "2024-03-05 10:00", 50.0, "a2@x.com", None),
        ("A", "a3", "2024-06-20 11:00", 30.0, "  ", None),  # blank: the older value stays
        ("B", "b1", "2024-05-01 12:00", 40.0, "b@x.com", "222"),
        ("C", "c1", "2024-02-01 12:00", 60.0, None, None),
        ("D", "d1", "2024-01-15 12:00", 80.0, "d@x.com", None),
        ("D", "d2", "2024-02-01 12:00", -20.0, "d@x.com", None),  # refund, nothing since
        ("E", "e1", "2024-03-01 12:00", 50.0, None, None),
        ("E", "e2", "2024-06-20 12:00", -50.0, None, None),  # refund 11 days ago: too recent
        ("F", "f1", "2024-01-01 09:00", 25.0, None, None),
        ("F", "f2", "2024-01-01 15:00", -25.0, None, None),  # refund the same day
        ("G", "g1", "2024-01-05 12:00", -10.0, None, None),
        ("G", "g2", "2024-03-01 12:00", 30.0, None, None),  # bought after the refund
        ("H", "h1", "2024-02-01 12:00", -15.0, None, None),  # refund only: no purchase
        ("A", "a4", "2024-07-02 12:00", 999.0, "late@x.com", None),  # after as_of: ignored
    ]
    # K buys often and lately, L bought often but stopped: RFM's best and at-risk customers.
    rows += [
        ("K", f"k{i}", f"2024-06-{d} 12:00", 20.0, None, None)
        for i, d in enumerate(["01", "10", "15", "25", "30"])
    ]
    rows += [
        ("L", f"l{i}", f"{d} 12:00", 30.0, None, None)
        for i, d in enumerate(["2023-10-01", "2023-11-01", "2023-12-01", "2024-01-02"])
    ]
    df = pd.DataFrame(
        rows,
        columns=["customer_id", "order_id", "order_date", "amount", "customer_email", "Phone"],
    )
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df.astype({"customer_id": "str", "order_id": "str"})


def _responses() -> pd.DataFrame:
    rows = [
        ("2024-06-25 10:00", 3, "A", "slow delivery"),
        ("2024-06-26 10:00", 9, "A", "better now"),
        ("2024-06-10 10:00", 4, "B", "older answer"),
        ("2024-06-28 10:00", 6, "B", "meh"),
        ("2024-06-29 10:00", 0, "Z", "never again"),  # not in the transactions
        ("2024-06-27 10:00", 2, None, "anonymous"),
        ("2024-01-01 10:00", 5, "C", "long ago"),  # before the last 90 days of the survey
    ]
    df = pd.DataFrame(rows, columns=["response_date", "score", "customer_id", "comment"])
    df["response_date"] = pd.to_datetime(df["response_date"])
    return df.astype({"customer_id": "str"})


def _fake_models():
    """A value report and churn result with hand-picked values (only the fields used)."""
    clv = pd.Series({"A": 100.0, "B": 10.0, "C": 50.0, "D": 40.0, "E": 5.0, "F": 1.0, "G": 20.0})
    risk = pd.Series({"A": 0.2, "B": 0.9, "C": 0.7, "D": 0.4, "E": 0.8, "F": 0.9, "G": 0.1})
    value = SimpleNamespace(customers=clv.rename("clv").rename_axis("customer_id").to_frame())
    scores = risk.rename("churn_risk").rename_axis("customer_id").to_frame()
    return value, SimpleNamespace(scores=scores, horizon_days=90)


def test_contact_columns_are_found_by_name():
    cols = ["customer_id", "customer_email", "Phone Number", "product_name", "first_name"]
    cols += ["city", "discount_code", "amount", "E-Mail", "Telephone", "notes"]
    tx = pd.DataFrame(columns=cols)
    assert actions.contact_columns(tx) == [
        "customer_email",
        "Phone Number",
        "first_name",
        "city",
        "E-Mail",
        "Telephone",
    ]


def test_latest_non_empty_contact_value_per_customer():
    out = actions.latest_values(_tx(), ["customer_email", "Phone"], as_of=AS_OF)
    assert out.loc["A", "customer_email"] == "a2@x.com"  # not the blank, not the late line
    assert out.loc["A", "Phone"] == "111"
    assert out.loc["B", "customer_email"] == "b@x.com"
    assert pd.isna(out.loc["C", "customer_email"])
    assert set(out.index) == set("ABCDEFGHKL")


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


def test_shop_example():
    from analysis.ingest import prepare_responses, prepare_transactions, read_table

    tx = prepare_transactions(read_table(ROOT / "sample_data/online_shop_transactions.csv")).data
    responses = prepare_responses(read_table(ROOT / "sample_data/online_shop_responses.csv")).data
    # Stand-in model results (the real models are tested in test_clv / test_churn).
    ids = tx["customer_id"].unique()
    rng = np.random.default_rng(0)
    value = SimpleNamespace(
        customers=pd.DataFrame({"clv": rng.gamma(2.0, 50.0, len(ids))}, index=ids)
    )
    risk = SimpleNamespace(
        scores=pd.DataFrame({"churn_risk": rng.uniform(size=len(ids))}, index=ids),
        horizon_days=90,
    )
    plan = actions.action_lists(tx, responses, value=value, risk=risk)
    assert plan.customers == 5000 and plan.contact_columns == ["customer_email"]
    assert [i.key for i in plan.lists] == sorted(
        (i.key for i in plan.lists), key=lambda k: -plan.get(k).value_at_stake
    )
    for item in plan.lists:
        assert item.size > 0, item.key
        assert item.customers["customer_id"].is_unique
        assert item.customers["customer_email"].notna().all()
        assert item.value_at_stake == pytest.approx(item.customers["net_revenue"].sum())
    table = rfm.rfm_table(tx)
    quad = churn.value_and_risk(value.customers, risk.scores, value_quantile=0.75)
    assert plan.get("at_risk").size == int(quad["valuable_at_risk"].sum())
    thank = plan.get("thank")
    best = set(table.index[table["segment"].isin(["Champions", "Loyal Customers"])])
    risky = set(plan.get("at_risk").customers["customer_id"])
    assert set(thank.customers["customer_id"]) == best - risky
    assert best & risky, "the example has loyal customers on the at-risk list (left out)"
    new = table[(table["frequency"] == 1) & (table["recency"] <= 90)]
    assert plan.get("second_order").size == len(new)
    assert plan.get("second_order").value_at_stake == pytest.approx(new["monetary"].sum())
    late = responses[
        responses["response_date"]
        >= responses["response_date"].max().normalize() - pd.Timedelta(days=89)
    ]
    det = late[late["score"] <= 6]["customer_id"].dropna().nunique()
    assert plan.get("detractors").size == det

"""The "What to do now" lists: every figure against hand-computed values, then the shop example."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis import actions, churn, rfm
from tests.paths import ROOT


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

"""Tests of analysis.churn.value_risk: value against risk and the list to act on."""

import pandas as pd
import pytest

from analysis.churn import (
    action_list,
    value_and_risk,
)


def test_value_and_risk_quadrants_and_action_list():
    value = pd.DataFrame({"clv": [100.0, 80.0, 10.0, 5.0]}, index=["A", "B", "C", "D"])
    scores = pd.DataFrame(
        {
            "churn_risk": [0.9, 0.2, 0.7, 0.1],
            "p_alive": [0.2, 0.9, 0.3, 0.95],
            "recency_days": [200.0, 5.0, 150.0, 3.0],
            "frequency": [9.0, 4.0, 1.0, 2.0],
            "monetary": [900.0, 300.0, 20.0, 15.0],
        },
        index=["D", "C", "B", "A"][::-1],
    )
    t = value_and_risk(value, scores, value_quantile=0.5, risk_threshold=0.5)
    assert t.attrs["value_threshold"] == pytest.approx(45.0)
    assert t["quadrant"].to_dict() == {
        "A": "Valuable, at risk",
        "B": "Valuable, likely to stay",
        "C": "Less valuable, at risk",
        "D": "Less valuable, likely to stay",
    }
    actions = action_list(t, horizon_days=60)
    assert actions["Customer"].tolist() == ["A"]
    assert "Risk of no purchase in 60 days" in actions.columns
    assert actions["Net revenue so far"].tolist() == [900.0]

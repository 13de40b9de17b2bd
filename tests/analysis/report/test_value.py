"""The value sections of the report: a model that fails leaves only its section out."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import churn, clv
from analysis.report.value import value_sections

TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b"],
        "order_id": ["1", "2", "3"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15"]),
        "amount": [10.0, 12.0, 8.0],
    }
)


@pytest.mark.parametrize(
    ("error", "note"),
    [
        (ValueError("Too short a history."), "Left out: Too short a history."),
        (ZeroDivisionError("x"), "Left out: the value models failed (ZeroDivisionError)."),
        (RuntimeError("no convergence"), "Left out: the value models failed (RuntimeError)."),
    ],
)
def test_a_failing_value_model_leaves_its_section_out(monkeypatch, error, note):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(clv, "value_report", broken)
    sheets: dict = {}
    sections = value_sections(TX, None, sheets)
    assert [(s.title, s.note, s.skipped) for s in sections] == [("Customer value", note, True)]
    assert sheets == {}


def test_a_bug_in_a_model_is_not_hidden(monkeypatch):
    def buggy(*args, **kwargs):
        raise KeyError("frequency")

    monkeypatch.setattr(clv, "value_report", buggy)
    with pytest.raises(KeyError):
        value_sections(TX, None, {})


def test_a_failing_churn_model_leaves_only_the_risk_section_out(monkeypatch):
    def failing(*args, **kwargs):
        raise FloatingPointError("overflow")

    monkeypatch.setattr(churn, "churn_model", failing)
    customers = pd.DataFrame(
        {"frequency": [1, 0], "clv": [5.0, 1.0]}, index=pd.Index(["a", "b"], name="customer_id")
    )
    value = SimpleNamespace(forecast=pd.DataFrame(), warnings=[], customers=customers)
    monkeypatch.setattr(clv, "value_report", lambda *a, **k: value)
    monkeypatch.setattr(clv, "value_insights", lambda v, currency=None: ["Two customers."])
    sheets: dict = {}
    sections = value_sections(TX, None, sheets)
    assert sections[0].title == "Customer value" and sections[0].sentences == ["Two customers."]
    assert sections[1].title == "Valuable customers at risk" and sections[1].skipped
    assert sections[1].note == "Left out: The churn model failed (FloatingPointError)."
    assert "churn_risk" not in sheets["Value and risk"]

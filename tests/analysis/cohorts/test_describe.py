"""Cohort retention: hand-computed matrices, properties against a plain reference, real data."""

from __future__ import annotations

from analysis.cohorts import (
    describe_retention,
)
from tests.analysis.cohorts._data import HAND


def test_describe_hand_example_mentions_partial_period():
    text = " ".join(describe_retention(HAND).sentences)
    assert "0% of new customers bought again in the month after" in text
    assert "2024-04 is not over" in text

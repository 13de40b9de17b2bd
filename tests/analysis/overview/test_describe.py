import dataclasses

import pandas as pd

from analysis.overview import (
    Scorecard,
    scorecard,
    scorecard_insights,
)
from tests.analysis.overview._data import AS_OF, TX

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

import dataclasses
import math
import pickle

import numpy as np
import pandas as pd
import pytest

from analysis.overview import (
    DEFINITIONS,
    LABELS,
    Scorecard,
    dataset_size_check,
    format_figure,
    scorecard,
    scorecard_table,
)
from tests.analysis.overview._data import AS_OF, TX

# ---------------------------------------------------------------------------- scorecard


def test_scorecard_hand_computed():
    card = scorecard(TX, as_of=AS_OF)
    assert card.customers == 4  # A, B (free order), D, F; C is refund-only
    assert card.orders == 6  # a1 a2 a3 b1 d1 f1
    assert card.refund_orders == 3  # a4 c1 f2
    assert card.gross_revenue == pytest.approx(106.0)
    assert card.refunds == pytest.approx(30.0)
    assert card.net_revenue == pytest.approx(76.0)
    assert card.average_order_value == pytest.approx(106 / 6)
    assert card.orders_per_customer == pytest.approx(1.5)
    assert card.repeat_customer_rate == pytest.approx(0.25)
    assert card.refund_rate == pytest.approx(30 / 106)
    # Last 90 days = 2024-02-01 .. 2024-04-30: A, B (on the first day), D, F.
    assert card.active_last_90 == 4
    # The 90 before = 2023-11-03 .. 2024-01-31: A only.
    assert card.active_prev_90 == 1
    assert card.active_change == pytest.approx(3.0)
    assert card.first_date == pd.Timestamp("2024-01-05")
    assert card.last_date == pd.Timestamp("2024-04-20")
    assert card.as_of == pd.Timestamp("2024-05-01")
    assert not card.prev_90_complete  # data starts after 2023-11-03


def test_scorecard_default_as_of_includes_everything():
    card = scorecard(TX)
    assert card.as_of == pd.Timestamp("2024-06-02")
    assert card.customers == 5
    assert card.net_revenue == pytest.approx(226.0)
    assert card.last_date == pd.Timestamp("2024-06-01")


def test_scorecard_as_of_time_part_dropped():
    assert scorecard(TX, as_of="2024-05-01 18:00") == scorecard(TX, as_of=AS_OF)


def test_active_window_edge_exact():
    card = scorecard(TX, as_of="2024-05-02")
    # Last window 2024-02-02 .. 2024-05-01: A (Mar), D (Apr, May 1), F (Apr) -> 3.
    # Earlier window 2023-11-04 .. 2024-02-01: A (Jan 5), B (Feb 1) -> 2.
    assert (card.active_last_90, card.active_prev_90) == (3, 2)


def test_scorecard_empty_and_nothing_observed():
    empty = scorecard(TX.iloc[:0])
    assert (empty.customers, empty.orders, empty.net_revenue) == (0, 0, 0.0)
    assert math.isnan(empty.average_order_value) and math.isnan(empty.repeat_customer_rate)
    assert empty.first_date is None and empty.as_of is None
    before = scorecard(TX, as_of="2023-01-01")
    assert before.orders == 0 and before.as_of == pd.Timestamp("2023-01-01")
    assert math.isnan(before.refund_rate)


def test_scorecard_refund_only_data_has_no_rates():
    card = scorecard(TX[TX["customer_id"] == "C"])
    assert (card.customers, card.orders, card.refund_orders) == (0, 0, 1)
    assert card.refunds == pytest.approx(12.0) and card.net_revenue == pytest.approx(-12.0)
    assert math.isnan(card.refund_rate) and math.isnan(card.average_order_value)


def test_scorecard_is_picklable_and_tabulates():
    card = scorecard(TX, as_of=AS_OF)
    assert pickle.loads(pickle.dumps(card)) == card
    table = scorecard_table(card)
    assert list(table.columns) == ["figure", "value", "definition"]
    assert table["value"].dtype == np.float64
    row = table.set_index("figure").loc["Net revenue"]
    assert row["value"] == pytest.approx(76.0)
    assert row["definition"] == DEFINITIONS["net_revenue"]


def test_every_figure_has_a_label_and_definition():
    # largest_amount is not a figure shown: it only feeds a warning in scorecard_insights
    names = {f.name for f in dataclasses.fields(Scorecard)} - {"largest_amount"}
    assert set(DEFINITIONS) == names and set(LABELS) == names
    for key, text in DEFINITIONS.items():
        assert text.startswith(LABELS[key] + ":"), key
        assert text.endswith(".")


def test_format_figure():
    card = scorecard(TX, as_of=AS_OF)
    assert format_figure(card, "net_revenue") == "76.00"
    assert format_figure(card, "repeat_customer_rate") == "25%"
    assert format_figure(card, "refund_rate") == "28%"
    assert format_figure(card, "orders_per_customer") == "1.50"
    assert format_figure(card, "customers") == "4"
    assert format_figure(card, "as_of") == "2024-05-01"
    big = dataclasses.replace(card, net_revenue=1234567.8, refund_rate=0.0412)
    assert format_figure(big, "net_revenue") == "1,234,568"
    assert format_figure(big, "refund_rate") == "4.1%"
    assert format_figure(scorecard(TX.iloc[:0]), "average_order_value") == "n/a"
    assert format_figure(scorecard(TX.iloc[:0]), "first_date") == "n/a"


# ---------------------------------------------------------------------------- size check


def test_dataset_size_check_messages():
    assert dataset_size_check(TX) is None
    assert "no transactions" in dataset_size_check(None)
    assert "no transactions" in dataset_size_check(TX.iloc[:0])
    assert "only one customer" in dataset_size_check(TX[TX["customer_id"] == "A"])
    assert "only holds refunds" in dataset_size_check(TX[TX["customer_id"] == "C"])
    assert "before the as-of date 2023-01-01" in dataset_size_check(TX, as_of="2023-01-01")
    assert dataset_size_check(TX, as_of="2024-02-02") is None  # A and B

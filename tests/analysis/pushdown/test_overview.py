"""pushdown.compare_scorecards: the Overview's period scorecards counted in the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import overview, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402


def check_card(expected: overview.Scorecard, got: overview.Scorecard) -> None:
    want, have = expected.to_dict(), got.to_dict()
    assert have.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, float):
            np.testing.assert_allclose(have[key], value, rtol=RTOL, err_msg=key)
        else:
            assert have[key] == value, key


def check_comparison(tx: pd.DataFrame, table, *bounds) -> None:
    expected = overview.compare_scorecards(tx, *bounds)
    got = pushdown.compare_scorecards(table, *bounds)
    check_card(expected.current, got.current)
    assert (got.previous is None) == (expected.previous is None)
    if expected.previous is not None:
        check_card(expected.previous, got.previous)
    for name in ("start", "end", "prev_start", "prev_end", "previous_complete"):
        assert getattr(got, name) == getattr(expected, name), name


def _windows(tx: pd.DataFrame) -> list[tuple]:
    last = tx["order_date"].max().normalize() + pd.Timedelta(days=1)
    first = tx["order_date"].min().normalize()
    mid = first + (last - first) / 2
    q = pd.Timedelta(days=91)
    return [
        (last - q, last, last - 2 * q, last - q),  # last quarter against the one before
        (mid.normalize(), last, None, None),  # no comparison
        (first, first + q, first - q, first),  # a comparison before the data: incomplete
        (last + q, last + 2 * q, None, None),  # nothing in the window
    ]


def test_scorecards_of_windows_equal_the_in_memory_ones(engine_cases):
    for _, tx, table in engine_cases:
        check_card(overview.scorecard(tx), pushdown.scorecard(table))
        for bounds in _windows(tx):
            check_comparison(tx, table, *bounds)


def test_empty_window_gives_zero_counts_and_nan_rates(parity_examples):
    table = duckdb_table(parity_examples["cafe"])
    card = pushdown.compare_scorecards(table, "2040-01-01", "2040-02-01").current
    assert card.customers == 0 and card.orders == 0 and np.isnan(card.average_order_value)
    assert card.as_of == pd.Timestamp("2040-02-01")

"""pushdown.date_bounds: the RFM page's first day and default as-of, from the engine."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import pushdown, rfm  # noqa: E402
from analysis.core.errors import NotEnoughData  # noqa: E402
from tests.analysis.pushdown._engines import duckdb_table  # noqa: E402


def test_date_bounds_equal_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        assert pushdown.date_bounds(table) == rfm.date_bounds(tx)


def test_date_bounds_are_midnights_around_the_lines():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "order_id": ["1", "2"],
            "order_date": pd.to_datetime(["2024-01-05 17:30", "2024-03-01 09:00"]),
            "amount": [1.0, 2.0],
        }
    )
    first, as_of = pushdown.date_bounds(duckdb_table(tx))
    assert (first, as_of) == (pd.Timestamp("2024-01-05"), pd.Timestamp("2024-03-02"))


def test_no_dated_line_is_not_enough_data():
    tx = pd.DataFrame(
        {
            "customer_id": ["a"],
            "order_id": ["1"],
            "order_date": pd.Series([pd.NaT], dtype="datetime64[ns]"),
            "amount": [1.0],
        }
    )
    with pytest.raises(NotEnoughData):
        pushdown.date_bounds(duckdb_table(tx))

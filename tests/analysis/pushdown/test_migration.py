"""pushdown.segment_migration: customers by their RFM segment at two dates, from the engine."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import pushdown, rfm  # noqa: E402
from tests.analysis.pushdown._engines import duckdb_table  # noqa: E402
from tests.analysis.rfm._data import TX  # noqa: E402


def check(tx: pd.DataFrame, table, **settings) -> None:
    expected = rfm.segment_migration(tx, **settings)
    got = pushdown.segment_migration(table, **settings)
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == expected.attrs


def test_migration_equals_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        check(tx, table)  # the last 90 days
        first, as_of = rfm.date_bounds(tx)
        middle = first + (as_of - first) / 2
        check(tx, table, as_of=as_of - pd.Timedelta(days=30), previous_as_of=middle, bins=3)


def test_hand_computed_migration_and_custom_rules():
    table = duckdb_table(TX)
    m = pushdown.segment_migration(table, as_of="2024-03-11", previous_as_of="2024-03-04")
    assert m.loc["Hibernating", "Hibernating"] == 2
    assert m.loc[rfm.NEW, "Potential Loyalists"] == 1
    rules = rfm.default_segment_rules().iloc[::-1].reset_index(drop=True)
    check(TX, table, as_of="2024-03-11", previous_as_of="2024-03-04", rules=rules)
    check(TX, table, previous_as_of="2020-01-01")  # nobody had bought then: all "new"


def test_a_comparison_date_not_earlier_is_an_error():
    with pytest.raises(ValueError, match="earlier"):
        pushdown.segment_migration(
            duckdb_table(TX), as_of="2024-03-01", previous_as_of="2024-03-05"
        )

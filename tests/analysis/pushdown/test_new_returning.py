"""pushdown.new_vs_returning: new and returning customers per period, counted in the engine."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import overview, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402


def check(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    # In memory a revenue column with no order at all comes out int64 (numpy's bincount of
    # nothing); the engine's is always float64. The values must be the same.
    pd.testing.assert_frame_equal(expected, got, rtol=RTOL, check_dtype=False)
    assert list(got.dtypes) == list(expected.astype({c: "float64" for c in MONEY}).dtypes)


MONEY = ["new_revenue", "returning_revenue", "net_revenue"]


def test_every_period_length_equals_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        for freq in "WMQY":
            check(
                overview.new_vs_returning(tx, freq=freq),
                pushdown.new_vs_returning(table, freq=freq),
            )


def test_in_period_as_of_and_sums(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    check(
        overview.new_vs_returning_in_period(tx, "2023-05-03", "2023-09-01"),
        pushdown.new_vs_returning_in_period(table, "2023-05-03", "2023-09-01"),
    )
    check(
        overview.new_vs_returning(tx, freq="W", as_of="2023-07-19"),
        pushdown.new_vs_returning(table, freq="W", as_of="2023-07-19"),
    )
    got = pushdown.new_vs_returning(table)
    assert got["net_revenue"].sum() == pytest.approx(pushdown.scorecard(table).net_revenue)


def test_refunds_of_customers_who_never_bought_count_as_returning_revenue():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a"],
            "order_id": ["1", "2", "3"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-01-09", "2024-03-01"]),
            "amount": [10.0, -4.0, 6.0],
        }
    )
    got = pushdown.new_vs_returning(duckdb_table(tx))
    check(overview.new_vs_returning(tx), got)
    assert got["new_customers"].tolist() == [1, 0, 0]
    assert got["returning_customers"].tolist() == [0, 0, 1]
    assert got["returning_revenue"].tolist() == [-4.0, 0.0, 6.0]


def test_unknown_period_is_an_error(parity_examples):
    with pytest.raises(ValueError, match="freq"):
        pushdown.new_vs_returning(duckdb_table(parity_examples["cafe"]), freq="D")

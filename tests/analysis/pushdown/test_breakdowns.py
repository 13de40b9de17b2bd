"""pushdown.top_breakdown: revenue by category, channel or country, with the "Other" rest."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import overview, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402


def check(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(expected, got, rtol=RTOL)
    assert got.attrs == expected.attrs


def test_every_breakdown_equals_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        for column in ("category", "channel", "country"):
            if column not in table.columns:
                continue
            for n in (1, 3, 10):
                check(
                    overview.top_breakdown(tx, column, n=n),
                    pushdown.top_breakdown(table, column, n=n),
                )


def test_other_row_counts_distinct_orders_and_customers():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "b"],
            "order_id": ["1", "1", "2", "3", "3"],
            "order_date": pd.to_datetime(["2024-01-01"] * 2 + ["2024-01-02"] + ["2024-01-03"] * 2),
            "amount": [50.0, 5.0, 4.0, 3.0, -1.0],
            "channel": ["web", "shop", "app", "app", " "],
        }
    )
    got = pushdown.top_breakdown(duckdb_table(tx), "channel", n=1)
    check(overview.top_breakdown(tx, "channel", n=1), got)
    other = got.set_index("channel").loc["Other"]
    # shop, app and (not given) hold lines of orders 1, 2 and 3 of customers a and b
    assert (other["orders"], other["customers"]) == (3, 2)
    assert other["net_revenue"] == pytest.approx(11.0)
    assert got.attrs["other_values"] == 3


def test_empty_answers_say_why(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    check(overview.top_breakdown(tx, "nope"), pushdown.top_breakdown(table, "nope"))
    check(
        overview.top_breakdown(tx, "channel", as_of="2000-01-01"),
        pushdown.top_breakdown(table, "channel", as_of="2000-01-01"),
    )
    for bounds in (("2023-05-03", "2023-09-01"), ("2040-01-01", "2040-02-01")):
        check(
            overview.top_breakdown_in_period(tx, "channel", *bounds),
            pushdown.top_breakdown_in_period(table, "channel", *bounds),
        )
    with pytest.raises(ValueError, match="at least 1"):
        pushdown.top_breakdown(table, "channel", n=0)

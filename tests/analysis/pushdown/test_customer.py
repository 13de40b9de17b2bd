"""pushdown.customer_lines: one customer's lines from the engine give the in-memory profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import profile, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import duckdb_table  # noqa: E402

FIGURES = [
    "found",
    "as_of",
    "first_purchase",
    "last_purchase",
    "orders",
    "refund_orders",
    "net_revenue",
    "gross_revenue",
    "refunded",
    "visits",
    "median_gap_days",
    "days_since_last",
    "item_column",
    "history_total",
    "items_total",
    "attributes",
]


def check_profile(tx: pd.DataFrame, table, customer_id: str) -> None:
    expected = profile.customer_profile(tx, customer_id)
    got = pushdown.customer_profile(table, customer_id)
    for name in FIGURES:
        a, b = getattr(expected, name), getattr(got, name)
        if isinstance(a, float):
            np.testing.assert_allclose(b, a, rtol=1e-9, err_msg=name)
        else:
            assert b == a, name
    for name in ("history", "items"):
        pd.testing.assert_frame_equal(
            getattr(expected, name).reset_index(drop=True),
            getattr(got, name).reset_index(drop=True),
            rtol=1e-9,
        )


def test_profile_from_the_engines_lines_equals_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        ids = tx["customer_id"].drop_duplicates()
        for customer_id in ids.iloc[[0, len(ids) // 2, len(ids) - 1]]:
            check_profile(tx, table, str(customer_id))


def test_lines_are_the_customers_before_as_of_sorted(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    customer_id = str(tx["customer_id"].iloc[0])
    mine = tx[tx["customer_id"] == customer_id]
    cut = mine["order_date"].sort_values().iloc[len(mine) // 2].normalize()
    got = pushdown.customer_lines(table, customer_id, as_of=cut)
    assert got.attrs["as_of"] == cut
    assert len(got) == int((mine["order_date"] < cut).sum())
    assert got["order_date"].is_monotonic_increasing
    assert set(got.columns) == set(tx.columns)
    assert len(pushdown.customer_lines(table, customer_id, limit=2)) == min(2, len(mine))
    assert pushdown.customer_lines(table, "nobody").empty

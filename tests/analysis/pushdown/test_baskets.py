"""pushdown.item_pair_counts: items bought together, counted in the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

pytest.importorskip("ibis")

from analysis import patterns, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import duckdb_table  # noqa: E402


def expected_pairs(tx: pd.DataFrame, column: str) -> tuple[pd.DataFrame, int]:
    """Return the pair counts of the in-memory basket matrix (``X.T @ X``) and its baskets."""
    b = patterns.baskets(tx, column)
    x = b.matrix.astype(np.int32)
    co = sparse.triu(x.T @ x, k=1).tocoo()
    ok = co.data > 0
    row, col = co.row[ok], co.col[ok]
    counts = b.item_counts
    items = np.asarray(b.items.astype(str))
    out = pd.DataFrame(
        {
            "item_a": pd.array(items[row], dtype="str"),
            "item_b": pd.array(items[col], dtype="str"),
            "orders": co.data[ok].astype(np.int64),
            "a_orders": counts[row].astype(np.int64),
            "b_orders": counts[col].astype(np.int64),
        }
    )
    out = out.sort_values(
        ["orders", "item_a", "item_b"], ascending=[False, True, True], ignore_index=True
    )
    return out, b.matrix.shape[0]


def check(tx: pd.DataFrame, table, column: str) -> None:
    expected, n_baskets = expected_pairs(tx, column)
    got = pushdown.item_pair_counts(table, column)
    pd.testing.assert_frame_equal(expected, got)
    assert got.attrs["baskets"] == n_baskets


def test_pairs_equal_the_in_memory_basket_matrix(engine_cases):
    for _, tx, table in engine_cases:
        for column in ("product", "category"):
            if column in table.columns and tx[column].notna().any():
                check(tx, table, column)


def test_postage_refunds_and_blank_items_are_left_out():
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"] * 3 + ["c"] * 2,
            "order_id": ["1"] * 4 + ["2"] * 3 + ["3"] * 2,
            "order_date": pd.to_datetime(
                ["2024-01-01"] * 4 + ["2024-01-02"] * 3 + ["2024-01-03"] * 2
            ),
            "amount": [5.0, 3.0, 2.0, 4.0, 5.0, 3.0, -1.0, -9.0, 1.0],
            "product": ["tea", "cup", "POSTAGE", " ", "tea", "cup", "pot", "tea", "cup"],
            "StockCode": ["T1", "C1", "POST", "X", "T1", "C1", "P1", "T1", "C1"],
        }
    )
    table = duckdb_table(tx)
    check(tx, table, "product")
    got = pushdown.item_pair_counts(table, "product")
    # Order 3 nets to a refund, pot is a refund line, postage is no product, " " no item.
    assert got[["item_a", "item_b", "orders"]].values.tolist() == [["cup", "tea", 2]]
    assert pushdown.item_pair_counts(table, "product", min_orders=3).empty


def test_a_missing_item_column_is_a_clear_error(parity_examples):
    table = duckdb_table(parity_examples["cdnow"])
    with pytest.raises(KeyError, match="product"):
        pushdown.item_pair_counts(table, "product")

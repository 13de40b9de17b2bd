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


RULE_SETTINGS = [
    {},  # the page's: the support chosen on the ladder
    {"min_support": 0.001, "min_orders": 1},
    {"min_support": 0.0005, "min_orders": 1, "max_rules": 7, "min_confidence": 0.2},
    {"min_orders": 2, "max_items": 5},  # only the 5 items in the most orders paired up
]


def check_rules(tx: pd.DataFrame, table, column: str, **settings) -> None:
    expected = patterns.association_rules(tx, column, **settings)
    got = pushdown.association_rules(table, column, **settings)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-12)
    assert got.attrs == expected.attrs or (
        np.isnan(got.attrs["min_support"]) and np.isnan(expected.attrs["min_support"])
    )


def test_rules_equal_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        for column in ("product", "category"):
            if column in table.columns and tx[column].notna().any():
                for settings in RULE_SETTINGS:
                    check_rules(tx, table, column, **settings)


def test_rules_of_hand_made_baskets_and_an_as_of():
    tx = pd.DataFrame(
        {
            "customer_id": list("aaabbbccdd"),
            "order_id": ["1", "1", "1", "2", "2", "2", "3", "3", "4", "4"],
            "order_date": pd.to_datetime(
                ["2024-01-01"] * 6 + ["2024-01-02"] * 2 + ["2024-02-01"] * 2
            ),
            "amount": [1.0] * 10,
            "product": ["tea", "cup", "pot", "tea", "cup", "jam", "tea", "cup", "jam", "pot"],
        }
    )
    table = duckdb_table(tx)
    got = pushdown.association_rules(table, min_orders=2, min_support=0.5)
    assert got[["antecedent", "consequent", "orders"]].values.tolist() == [
        ["cup", "tea", 3],
        ["tea", "cup", 3],
    ]
    assert got.attrs["orders"] == 4 and got.attrs["items"] == 4
    check_rules(tx, table, "product", min_orders=1, min_support=0.1)
    check_rules(tx, table, "product", min_orders=1, as_of="2024-01-15")
    empty = pushdown.association_rules(table, as_of="2023-01-01")  # no basket yet
    assert empty.empty and empty.attrs["orders"] == 0


def test_rules_need_the_item_column(parity_examples):
    with pytest.raises(KeyError, match="product"):
        pushdown.association_rules(duckdb_table(parity_examples["cdnow"]), "product")

"""pushdown.rfm_clusters: k-means groups on the RFM values aggregated in the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import pushdown, rfm  # noqa: E402
from tests.analysis.pushdown._engines import duckdb_table  # noqa: E402
from tests.analysis.rfm._data import separated_groups_tx  # noqa: E402


def check(tx: pd.DataFrame, table, **settings) -> None:
    expected = rfm.rfm_clusters(tx, **settings)
    got = pushdown.rfm_clusters(table, **settings)
    assert got.n_clusters == expected.n_clusters
    pd.testing.assert_frame_equal(got.centres, expected.centres, rtol=1e-9)
    pd.testing.assert_frame_equal(got.silhouette, expected.silhouette, rtol=1e-9)
    pd.testing.assert_series_equal(got.labels, expected.labels.sort_index())


def test_clusters_equal_in_memory(engine_cases):
    for _, tx, table in engine_cases:
        check(tx, table, currency="EUR")


def test_clusters_do_not_depend_on_the_order_of_the_customers():
    tx = separated_groups_tx()
    shuffled = tx.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, b = rfm.rfm_clusters(tx, k_min=2, k_max=5), rfm.rfm_clusters(shuffled, k_min=2, k_max=5)
    pd.testing.assert_frame_equal(a.centres, b.centres)
    pd.testing.assert_series_equal(a.labels.sort_index(), b.labels.sort_index())
    assert not a.labels.index.equals(b.labels.index)  # each keeps its table's order
    check(tx, duckdb_table(tx), as_of="2024-06-01", k_min=2, k_max=5)


def test_clusters_from_rfm_keep_the_tables_order():
    table = rfm.rfm_table(separated_groups_tx())
    backwards = table.iloc[::-1]
    got = rfm.clusters_from_rfm(backwards, k_min=2, k_max=4)
    assert got.labels.index.equals(backwards.index)
    same = rfm.clusters_from_rfm(table, k_min=2, k_max=4)
    assert np.array_equal(got.labels.loc[table.index], same.labels)

"""Tests of analysis.rfm.clusters: k-means groups."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.core.errors import NotEnoughData
from analysis.rfm import (
    RFMKMeans,
    rfm_clusters,
    rfm_table,
)
from tests.analysis.rfm._data import make_tx, separated_groups_tx

# --------------------------------------------------------------------------- k-means


def test_rfm_clusters_find_separated_groups_and_describe_them():
    res = rfm_clusters(separated_groups_tx(), k_min=2, k_max=5)
    assert res.n_clusters == 3
    assert list(res.silhouette["k"]) == [2, 3, 4, 5]
    assert res.silhouette.set_index("k")["silhouette"].idxmax() == 3
    assert res.centres["customers"].tolist() == [40, 40, 40]
    # Cluster 0 is the most valuable centre: the loyal big spenders.
    assert set(res.labels[res.labels == 0].index.str[0]) == {"L"}
    assert res.centres.loc[0, "name"].endswith("frequent, high-spending")
    assert "20 order(s)" in res.centres.loc[0, "description"]
    lapsed = res.centres.loc[res.centres["median_frequency"] == 1].iloc[0]
    assert lapsed["name"].startswith("Lapsed")
    euros = rfm_clusters(separated_groups_tx(), k_min=2, k_max=5, currency="EUR")
    plain = res.centres.loc[0, "description"]
    spend = plain.split("spending ")[1].split(" in total")[0]
    assert euros.centres.loc[0, "description"] == plain.replace(
        f"spending {spend}", f"spending €{spend}"
    )


def test_rfm_clusters_with_overflowing_amounts():
    tx = separated_groups_tx()
    loyal = tx["customer_id"].str.startswith("L0")
    tx.loc[loyal, "amount"] = 1e308  # that customer's monetary overflows to inf
    with np.errstate(all="raise"):
        res = rfm_clusters(tx, k_min=2, k_max=4)
        assert rfm_table(tx).loc["L0", "monetary"] == np.inf
    assert res.labels.loc["L0"] == 0 and res.centres["customers"].sum() == 120


def test_rfm_kmeans_is_reproducible_and_sklearn_shaped():
    rfm = rfm_table(separated_groups_tx())
    a = RFMKMeans((2, 4), random_state=1).fit(rfm)
    b = RFMKMeans((2, 4), random_state=1).fit(rfm)
    assert np.array_equal(a.labels_, b.labels_)
    assert a.centres_.shape == (a.n_clusters_, 3)


def test_too_few_customers_is_not_enough_data():
    two = make_tx([("A", "a1", "2024-03-01", 10.0), ("B", "b1", "2024-03-02", 20.0)])
    with pytest.raises(NotEnoughData, match="Too few distinct customers"):
        RFMKMeans().fit(rfm_table(two))
    assert issubclass(NotEnoughData, ValueError)  # pages that caught ValueError still do

"""k-means groups of customers on the RFM values aggregated in the engine.

Only the per-customer recency, frequency and monetary values come back
(:func:`analysis.pushdown.rfm_values`); the clustering itself runs in memory on them
(:func:`analysis.rfm.clusters_from_rfm`), on every customer of the source.
"""

from __future__ import annotations

import ibis.expr.types as ir

from analysis import rfm as _rfm
from analysis.pushdown.rfm import rfm_table

__all__ = ["rfm_clusters"]


def rfm_clusters(
    table: ir.Table,
    *,
    as_of=None,
    k_min: int = 2,
    k_max: int = 6,
    random_state: int = 0,
    currency: str | None = None,
) -> _rfm.ClusterResult:
    """:func:`analysis.rfm.rfm_clusters` with the RFM values aggregated in the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions in any Ibis backend.
    as_of, k_min, k_max, random_state, currency
        As for :func:`analysis.rfm.rfm_clusters`.

    Returns
    -------
    ClusterResult
        The same groups, centres and silhouette scores as the in-memory function; ``labels``
        are indexed by customer id in sorted order.
    """
    return _rfm.clusters_from_rfm(
        rfm_table(table, as_of=as_of),
        k_min=k_min,
        k_max=k_max,
        random_state=random_state,
        currency=currency,
    )

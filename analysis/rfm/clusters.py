"""Data-driven customer groups: k-means on log-scaled recency, frequency and monetary value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.floats import make_float_safe
from analysis.core.text import money
from analysis.rfm.scores import rfm_table

__all__ = ["ClusterResult", "RFMKMeans", "clusters_from_rfm", "rfm_clusters"]


@dataclass(frozen=True)
class ClusterResult:
    """Output of :func:`rfm_clusters` (picklable, for caching).

    Attributes
    ----------
    labels : Series
        Cluster number (0..k-1, ordered from most to least valuable centre) per customer.
    centres : DataFrame
        Per cluster: ``cluster``, ``name``, ``description``, ``customers``, ``share``,
        ``median_recency``, ``median_frequency``, ``median_monetary``, ``revenue``.
    silhouette : DataFrame
        ``k`` and ``silhouette`` for every number of clusters tried.
    n_clusters : int
        The chosen number of clusters (highest silhouette).
    """

    labels: pd.Series
    centres: pd.DataFrame
    silhouette: pd.DataFrame
    n_clusters: int


def _rfm_features(rfm: pd.DataFrame) -> np.ndarray:
    """log(1 + recency), log(frequency) and the signed log(1 + |monetary|), as columns."""
    r = np.log1p(rfm["recency"].to_numpy(dtype=np.float64))
    f = np.log(rfm["frequency"].to_numpy(dtype=np.float64))
    m = rfm["monetary"].to_numpy(dtype=np.float64)
    # a sum of amounts near 1e300 can overflow: inf counts as the largest float, nan as 0
    big = np.finfo(np.float64).max
    m = np.nan_to_num(m, nan=0.0, posinf=big, neginf=-big)
    return np.column_stack([r, f, np.sign(m) * np.log1p(np.abs(m))])


class RFMKMeans:
    """k-means on log-scaled, standardised recency, frequency and monetary value.

    The number of clusters is the one in ``k_range`` with the highest silhouette score
    (computed on a random sample of at most ``sample_size`` customers).

    Parameters
    ----------
    k_range : tuple of int
        Smallest and largest number of clusters to try (inclusive).
    sample_size : int
        Customers sampled for the silhouette score (it is quadratic in the sample).
    fit_size : int
        Customers sampled to fit k-means on large data; every customer is then assigned to
        the nearest centre.
    random_state : int
        Seed for k-means and the sample.

    Attributes
    ----------
    scaler_ : StandardScaler
    model_ : KMeans
        The chosen model (clusters renumbered, see ``labels_``).
    n_clusters_ : int
    silhouette_ : dict of int to float
    labels_ : ndarray of int64
        Cluster per customer, 0 = the centre with the highest value score.
    centres_ : ndarray, shape (n_clusters_, 3)
        Standardised centres in the renumbered order.
    """

    def __init__(
        self,
        k_range: tuple[int, int] = (2, 6),
        sample_size: int = 2000,
        fit_size: int = 20_000,
        random_state: int = 0,
    ):
        self.k_range = k_range
        self.sample_size = sample_size
        self.fit_size = fit_size
        self.random_state = random_state

    def fit(self, rfm: pd.DataFrame) -> RFMKMeans:
        """Fit on an :func:`rfm_table` output; returns self."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.preprocessing import StandardScaler
        from threadpoolctl import threadpool_limits

        x = _rfm_features(rfm)
        n_distinct = len(np.unique(x, axis=0)) if len(x) <= 50_000 else len(x)
        lo, hi = self.k_range
        hi = min(hi, n_distinct - 1, len(x) - 1)
        if hi < lo:
            raise NotEnoughData("Too few distinct customers to form clusters.")
        self.scaler_ = StandardScaler().fit(x)
        z = np.nan_to_num(self.scaler_.transform(x))
        rng = np.random.default_rng(self.random_state)
        fit_rows = (
            np.sort(rng.choice(len(z), self.fit_size, replace=False))
            if len(z) > self.fit_size
            else np.arange(len(z))
        )
        zf = z[fit_rows]
        sample = (
            rng.choice(len(zf), self.sample_size, replace=False)
            if len(zf) > self.sample_size
            else np.arange(len(zf))
        )
        self.silhouette_ = {}
        best = None
        # Single-threaded: on small data OpenMP threads cost far more than they save, most of
        # all on a busy shared server.
        with threadpool_limits(limits=1):
            for k in range(lo, hi + 1):
                km = KMeans(n_clusters=k, n_init=3, random_state=self.random_state).fit(zf)
                ls = km.labels_[sample]
                score = float(silhouette_score(zf[sample], ls)) if len(np.unique(ls)) > 1 else -1.0
                self.silhouette_[k] = score
                if best is None or score > best[0]:
                    best = (score, km)
            full_labels = best[1].predict(z)
        self.model_ = best[1]
        self.n_clusters_ = self.model_.n_clusters
        centres = self.model_.cluster_centers_
        # Order clusters by value: recent (low R), frequent, high spend first.
        value = -centres[:, 0] + centres[:, 1] + centres[:, 2]
        order = np.argsort(-value, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        self.labels_ = rank[full_labels].astype(np.int64)
        self.centres_ = centres[order]
        return self


def _level(z: float, low: str, mid: str, high: str) -> str:
    return low if z < -0.5 else high if z > 0.5 else mid


def _spend(x: float, currency: str | None) -> str:
    """Whole money as plain text: ``"€1,234"``; ``"1,234"`` without currency."""
    return money(x, currency, decimals=0) if currency else f"{x:,.0f}"


def rfm_clusters(
    tx: pd.DataFrame,
    *,
    as_of=None,
    k_min: int = 2,
    k_max: int = 6,
    random_state: int = 0,
    currency: str | None = None,
) -> ClusterResult:
    """Data-driven customer groups: :class:`RFMKMeans` on the RFM values, described in words.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    k_min, k_max : int
        Range of cluster counts tried; the silhouette score picks one.
    random_state : int
        Seed (results are reproducible).
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``): the descriptions
        write the spend in it (``"€1,234"``, plain text for a table cell); ``None`` writes the
        number alone.

    Returns
    -------
    ClusterResult
        Each cluster is named from its standardised centre (beyond +-0.5 standard deviations
        of the log-scaled values counts as high/low), e.g. "Recent, frequent, high-spending",
        and described with its median recency, frequency and spend.
    """
    rfm = rfm_table(tx, as_of=as_of)
    return clusters_from_rfm(
        rfm, k_min=k_min, k_max=k_max, random_state=random_state, currency=currency
    )


def clusters_from_rfm(
    rfm: pd.DataFrame,
    *,
    k_min: int = 2,
    k_max: int = 6,
    random_state: int = 0,
    currency: str | None = None,
) -> ClusterResult:
    """:func:`rfm_clusters` on an RFM table already computed (in memory or in a database).

    Parameters
    ----------
    rfm : DataFrame
        :func:`analysis.rfm.rfm_table` or :func:`analysis.pushdown.rfm_table` output (only
        ``recency``, ``frequency`` and ``monetary`` are used).
    k_min, k_max, random_state, currency
        As for :func:`rfm_clusters`.

    Returns
    -------
    ClusterResult
        As :func:`rfm_clusters`. The customers are sorted by id before fitting, so the groups
        do not depend on the order of the rows (a database has no "order of first
        appearance"); ``labels`` keep the order of ``rfm``.
    """
    order = np.argsort(rfm.index.astype("str").to_numpy(), kind="stable")
    rfm = rfm.iloc[order]
    model = RFMKMeans((k_min, k_max), random_state=random_state).fit(rfm)
    labels = pd.Series(model.labels_, index=rfm.index, name="cluster")
    grouped = rfm.groupby(labels.to_numpy(), sort=True)
    med = grouped[["recency", "frequency", "monetary"]].median()
    size = grouped.size()
    revenue = grouped["monetary"].sum()
    names, descriptions = [], []
    for c in range(model.n_clusters_):
        zr, zf, zm = model.centres_[c]
        name = ", ".join(
            [
                _level(zr, "Recent", "Moderately recent", "Lapsed"),
                _level(zf, "one-off", "occasional", "frequent"),
                _level(zm, "low-spending", "mid-spending", "high-spending"),
            ]
        )
        names.append(name)
        descriptions.append(
            f"Typically bought {med.loc[c, 'recency']:,.0f} days ago, "
            f"{med.loc[c, 'frequency']:,.0f} order(s), "
            f"spending {_spend(med.loc[c, 'monetary'], currency)} in total."
        )
    centres = pd.DataFrame(
        {
            "cluster": np.arange(model.n_clusters_),
            "name": names,
            "description": descriptions,
            "customers": size.reindex(range(model.n_clusters_), fill_value=0).to_numpy(np.int64),
            "share": size.reindex(range(model.n_clusters_), fill_value=0).to_numpy() / len(rfm),
            "median_recency": med["recency"].to_numpy(),
            "median_frequency": med["frequency"].to_numpy(),
            "median_monetary": med["monetary"].to_numpy(),
            "revenue": revenue.to_numpy(),
        }
    ).astype({"name": "str", "description": "str"})
    silhouette = pd.DataFrame(
        {"k": list(model.silhouette_), "silhouette": list(model.silhouette_.values())}
    )
    labels = labels.iloc[np.argsort(order, kind="stable")]
    return ClusterResult(
        labels=labels, centres=centres, silhouette=silhouette, n_clusters=model.n_clusters_
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

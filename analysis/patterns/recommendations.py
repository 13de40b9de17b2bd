"""Item-to-item recommendations: "customers who bought X also bought Y".

The score of an item ``j`` for a customer ``u`` is the sum, over the items ``i`` the customer
already bought, of the cosine similarity between the columns of ``i`` and ``j`` in the
customer x item 0/1 matrix (item-to-item collaborative filtering); items the customer already
bought are never recommended.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.floats import make_float_safe
from analysis.patterns._common import most_frequent
from analysis.patterns.baskets import baskets

__all__ = [
    "BLOCK_ELEMENTS",
    "MAX_RECOMMENDER_ITEMS",
    "ItemRecommender",
    "recommendations",
    "similar_items",
]


MAX_RECOMMENDER_ITEMS = 2_000
"""Most items the recommender (and so every "suggestions" table) considers: those bought by the
most customers (ties: alphabetical). Its work is quadratic in the items it considers, so a file
with 50,000 distinct products would otherwise take minutes; rarer items are neither suggested nor
used as "because they bought". ``attrs["capped"]`` of :func:`recommendations` says when the cap
cut items, :func:`describe_recommendations` says it in words."""


#: Largest dense block (rows x items) built at once by the recommender (32 MB of float64).
BLOCK_ELEMENTS = 4_000_000


def _topk_dense(dense: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the ``k`` largest positive entries of each row.

    Ties at the cut go to the lower column, so the result is deterministic. Ordered by row, then
    value (largest first), then column. Linear time per row (``np.partition``), no full sort.
    """
    n_rows, n_cols = dense.shape
    if n_rows == 0 or n_cols == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    k = n_cols if k is None else min(int(k), n_cols)
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    if k < n_cols:
        kth = -np.partition(-dense, k - 1, axis=1)[:, k - 1]
        above = dense > kth[:, None]
        tied = dense == kth[:, None]
        need = k - above.sum(axis=1)
        sel = above | (tied & (np.cumsum(tied, axis=1) <= need[:, None]))
        sel &= dense > 0
    else:
        sel = dense > 0
    r, c = np.nonzero(sel)
    v = dense[r, c]
    order = np.lexsort((c, -v, r))
    return r[order].astype(np.int64), c[order].astype(np.int64), v[order]


def _first_max_per_group(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return the position of the largest value in each run of equal ``group`` codes.

    ``group`` is sorted; ties go to the first position.
    """
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    best = np.maximum.reduceat(values, starts)
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(group)]))
    hit = np.flatnonzero(values == best[run])
    first = np.r_[True, run[hit][1:] != run[hit][:-1]]
    return hit[first]


def _similar_to(
    owned: sparse.csr_matrix, pos: int, usable: np.ndarray, n: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items most similar to item ``pos``: (items, cosine similarities, customers with both)."""
    from sklearn.metrics.pairwise import cosine_similarity

    xt = owned.T.tocsr()
    sim = cosine_similarity(xt[pos], xt, dense_output=True)
    sim[:, pos] = 0.0
    sim[:, ~usable] = 0.0
    if not usable[pos]:
        sim[:] = 0.0
    _, c, v = _topk_dense(sim, n)
    both = np.asarray((xt[c] @ xt[pos].T).todense()).ravel() if len(c) else np.zeros(0)
    return c, v, both.astype(np.int64)


class ItemRecommender:
    """Item-to-item recommendations from purchase co-occurrence ("bought X, also bought Y").

    The similarity of two items is the cosine similarity of their columns in the customer x item
    0/1 matrix (scikit-learn's ``cosine_similarity`` on the sparse matrix, in blocks of items):
    customers who bought both, divided by the geometric mean of their buyer counts. A customer's
    score for an item is the sum of its similarities to every item they bought.

    Parameters
    ----------
    n_neighbors : int or None
        Keep only each item's ``n_neighbors`` most similar items (the usual item-kNN pruning,
        which bounds memory on large catalogues). None keeps every similarity.
    min_customers : int
        Items bought by fewer customers get no similarities (too little evidence).
    max_items : int
        Consider at most this many items, those bought by the most customers among the items
        with at least ``min_customers`` customers (see :data:`MAX_RECOMMENDER_ITEMS`). Other
        items are left out of every matrix below.

    Attributes (after :meth:`fit`)
    ------------------------------
    items_ : pd.Index
        Labels of the items considered (alphabetical).
    n_items_ : int
        Distinct items bought, considered or not.
    n_usable_ : int
        Items with at least ``min_customers`` customers, considered or not.
    capped_ : bool
        True when ``max_items`` left usable items out.
    customers_ : pd.Index
        Customer ids, one per row of ``owned_``.
    owned_ : scipy.sparse.csr_matrix
        Customer x item 0/1 matrix of what each customer bought (items considered only).
    similarity_ : scipy.sparse.csr_matrix
        Item x item cosine similarities (diagonal 0), pruned to ``n_neighbors`` per row.
    usable_ : ndarray of bool
        Items with at least ``min_customers`` customers.
    """

    def __init__(
        self,
        n_neighbors: int | None = 50,
        min_customers: int = 2,
        max_items: int = MAX_RECOMMENDER_ITEMS,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.min_customers = min_customers
        self.max_items = max_items

    def fit(self, tx: pd.DataFrame, column: str = "product", *, as_of=None) -> ItemRecommender:
        """Build the customer x item matrix from ``tx`` and the item similarities."""
        from sklearn.metrics.pairwise import cosine_similarity

        b = baskets(tx, column, by="customer", as_of=as_of)
        owned = b.matrix.astype(np.float64).tocsr()
        buyers = np.diff(owned.tocsc().indptr)
        enough = buyers >= self.min_customers
        keep = most_frequent(buyers, enough, int(self.max_items))
        self.n_items_ = owned.shape[1]
        self.n_usable_ = int(enough.sum())
        self.capped_ = self.n_usable_ > len(keep)
        owned = owned[:, keep].tocsr()
        n_items = owned.shape[1]
        usable = enough[keep]
        xt = owned.T.tocsr()
        rows, cols, vals = [], [], []
        block = max(1, BLOCK_ELEMENTS // max(n_items, 1))
        for start in range(0, n_items, block):  # blocks of items, each one dense product
            stop = min(start + block, n_items)
            sim = cosine_similarity(xt[start:stop], xt, dense_output=True)
            sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
            sim[:, ~usable] = 0.0
            sim[~usable[start:stop]] = 0.0
            r, c, v = _topk_dense(sim, self.n_neighbors)
            rows.append(r + start)
            cols.append(c)
            vals.append(v)
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        v = np.concatenate(vals) if vals else np.zeros(0)
        self.similarity_ = sparse.csr_matrix((v, (r, c)), shape=(n_items, n_items))
        self.similarity_.sort_indices()
        self.owned_ = owned
        self.usable_ = usable
        self.items_ = b.items[keep]
        self.customers_ = b.rows
        self.column_ = column
        return self

    def recommend(self, customers=None, n: int = 5) -> pd.DataFrame:
        """Top ``n`` items per customer that they have not bought yet.

        Parameters
        ----------
        customers : sequence of str or None
            Customer ids (None: every customer). Unknown ids are ignored.
        n : int
            Recommendations per customer (fewer when fewer items score above 0).

        Returns
        -------
        DataFrame
            ``customer_id``, ``rank`` (1 = best), ``item``, ``score`` (sum of the cosine
            similarities between the item and every item the customer bought), ``because``
            (the bought item most similar to it; ties: alphabetical). Sorted by customer (in
            ``customers_`` order) then rank; ties in score go to the alphabetically first item.
        """
        if customers is None:
            codes = np.arange(len(self.customers_))
        else:
            codes = self.customers_.get_indexer(pd.Index(list(customers), dtype="str"))
            codes = codes[codes >= 0]
        n_items = len(self.items_)
        batch = max(1, BLOCK_ELEMENTS // max(n_items, 1))
        parts = []
        for start in range(0, len(codes), batch):  # batches of customers, each vectorised
            parts.append(self._recommend_codes(codes[start : start + batch], n))
        cols = ["customer_id", "rank", "item", "score", "because"]
        if not parts:
            out = pd.DataFrame(columns=cols)
        else:
            cust, rank, item, score, because = (np.concatenate(x) for x in zip(*parts, strict=True))
            items = np.asarray(self.items_, dtype=object)
            out = pd.DataFrame(
                {
                    "customer_id": pd.array(self.customers_.to_numpy()[cust], dtype="str"),
                    "rank": rank.astype(np.int64),
                    "item": pd.array(items[item], dtype="str"),
                    "score": score,
                    "because": pd.array(items[because], dtype="str"),
                }
            )
        out.attrs = {
            "items": int(getattr(self, "n_items_", len(self.items_))),
            "usable_items": int(getattr(self, "n_usable_", int(np.sum(self.usable_)))),
            "items_considered": len(self.items_),
            "capped": bool(getattr(self, "capped_", False)),
            "max_items": int(self.max_items),
        }
        return out

    def _recommend_codes(self, codes: np.ndarray, n: int):
        """Return (customer codes, ranks, items, scores, because) for a batch of customers."""
        owned = self.owned_[codes]
        has = np.diff(owned.indptr) > 0  # customers who bought none of the items: nothing
        codes, owned = codes[has], owned[np.flatnonzero(has)]
        scores = (owned @ self.similarity_).toarray()
        scores[owned.nonzero()] = 0.0  # never what the customer already bought
        r, c, v = _topk_dense(scores, n)
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, int)
        rank = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)])) + 1
        because = self._because(owned, r, c)
        return codes[r], rank, c, v, because

    def _because(self, owned: sparse.csr_matrix, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """For each (row, item) recommendation, the owned item most similar to the item."""
        if len(r) == 0:
            return np.zeros(0, dtype=np.int64)
        n_items = len(self.items_)
        owned = owned.copy()
        owned.sort_indices()
        deg = np.diff(owned.indptr)[r]
        rec = np.repeat(np.arange(len(r)), deg)
        starts = np.repeat(owned.indptr[r], deg)
        offset = np.arange(len(rec)) - np.repeat(np.cumsum(deg) - deg, deg)
        owned_item = owned.indices[starts + offset].astype(np.int64)
        sim = self.similarity_.tocoo()
        sim_key = sim.row.astype(np.int64) * n_items + sim.col  # sorted: csr, sorted indices
        q = owned_item * n_items + c[rec]
        if len(sim_key):
            pos = np.minimum(np.searchsorted(sim_key, q), len(sim_key) - 1)
            value = np.where(sim_key[pos] == q, sim.data[pos], 0.0)
        else:
            value = np.zeros(len(q))
        return owned_item[_first_max_per_group(rec, value)]

    def similar_items(self, item: str, n: int = 10) -> pd.DataFrame:
        """Return the ``n`` items most similar to ``item`` (not pruned).

        Columns ``item``, ``similarity``, ``customers`` (who bought both); empty when the item
        is unknown or too rare.
        """
        return _similar_frame(self.owned_, self.items_, item, self.usable_, n)


def _similar_frame(
    owned: sparse.csr_matrix, items: pd.Index, item: str, usable: np.ndarray, n: int
) -> pd.DataFrame:
    """Return the ``n`` items most similar to ``item`` as a frame (empty when unknown)."""
    pos = items.get_indexer([item])[0]
    if pos < 0:
        return pd.DataFrame(columns=["item", "similarity", "customers"])
    c, v, both = _similar_to(owned, pos, usable, n)
    return pd.DataFrame(
        {
            "item": pd.array(np.asarray(items, dtype=object)[c], dtype="str"),
            "similarity": v,
            "customers": both,
        }
    )


def recommendations(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    customers: tuple[str, ...] | None = None,
    n: int = 5,
    n_neighbors: int | None = 50,
    min_customers: int = 2,
    max_items: int = MAX_RECOMMENDER_ITEMS,
    as_of=None,
) -> pd.DataFrame:
    """Return the top ``n`` recommendations per customer.

    See :class:`ItemRecommender` and its :meth:`~ItemRecommender.recommend` for the columns.
    At most ``max_items`` items are considered, those bought by the most customers
    (:data:`MAX_RECOMMENDER_ITEMS`). ``attrs``: ``items`` (distinct items bought),
    ``usable_items`` (with at least ``min_customers`` customers), ``items_considered``,
    ``capped`` (True when the cap left usable items out), ``max_items``.
    """
    model = ItemRecommender(
        n_neighbors=n_neighbors, min_customers=min_customers, max_items=max_items
    )
    return model.fit(tx, column, as_of=as_of).recommend(customers, n=n)


def similar_items(
    tx: pd.DataFrame,
    item: str,
    column: str = "product",
    *,
    n: int = 10,
    min_customers: int = 2,
    as_of=None,
) -> pd.DataFrame:
    """Return the ``n`` items with the highest cosine similarity to ``item``.

    "Customers who bought ``item`` also bought" (see :class:`ItemRecommender`).

    Returns
    -------
    DataFrame
        ``item``, ``similarity`` (0-1), ``customers`` (who bought both). Empty when ``item`` is
        unknown or bought by fewer than ``min_customers`` customers.
    """
    b = baskets(tx, column, by="customer", as_of=as_of)
    owned = b.matrix.astype(np.float64).tocsr()
    usable = np.diff(owned.tocsc().indptr) >= min_customers
    return _similar_frame(owned, b.items, item, usable, n)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

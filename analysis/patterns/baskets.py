"""What customers buy together: baskets and market-basket association rules.

**Association rules** ``X -> Y`` over purchase orders that name at least one item: ``support`` =
share of those orders that contain both, ``confidence`` = share of orders with X that also
contain Y, ``lift`` = confidence / share of orders with Y (1 = no more often than chance). See
:func:`association_rules` for how the minimum support is chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.floats import make_float_safe
from analysis.patterns._common import item_lines, most_frequent

__all__ = [
    "MAX_RULE_ITEMS",
    "SUPPORT_LADDER",
    "BasketCounts",
    "Baskets",
    "association_rules",
    "basket_counts",
    "baskets",
    "filter_rules",
    "pairing_plan",
    "rules_from_counts",
    "strongest_pairs",
]


#: Minimum supports tried, from high to low, when :func:`association_rules` picks one itself.
SUPPORT_LADDER = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001)


MAX_RULE_ITEMS = 500
"""Most items :func:`association_rules` pairs up: those in the most orders (ties: alphabetical).
Counting pairs costs the square of the items per order, so a few huge orders of thousands of
distinct products would otherwise take minutes. A pair is never in more orders than its rarer
item, so the rules of the most frequent pairs (the ones listed) rarely involve a cut item: on
the UCI Online Retail file (3,287 products in 5 orders or more) 300 items already give the
same 70 rules.
``attrs["capped"]`` says when items were cut, :func:`describe_rules` says it in words."""


@dataclass(frozen=True)
class Baskets:
    """A 0/1 sparse matrix of baskets (rows) by items (columns).

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix of int8
        ``matrix[r, i] == 1`` when basket ``r`` contains item ``i``.
    items : pd.Index
        Item labels (alphabetical), one per column.
    rows : pd.Index
        Basket labels: order ids (``by="order"``, ``(customer_id, order_id)`` pairs would be
        unambiguous but the order id is what people read) or customer ids (``by="customer"``).
    """

    matrix: sparse.csr_matrix
    items: pd.Index
    rows: pd.Index

    @property
    def item_counts(self) -> np.ndarray:
        """Baskets containing each item."""
        return np.diff(self.matrix.tocsc().indptr)


@dataclass(frozen=True)
class BasketCounts:
    """What association rules are built from: baskets, orders per item, orders per item pair.

    Counted in memory (:func:`basket_counts`) or in a database
    (:func:`analysis.pushdown.association_rules`); :func:`rules_from_counts` turns them into
    rules.

    Attributes
    ----------
    items : pd.Index
        Item labels (alphabetical), each in at least one basket.
    item_orders : ndarray of int64
        Baskets (purchase orders naming an item) holding each item.
    pair_a, pair_b, pair_orders : ndarray of int64
        Item positions ``a < b`` and the baskets holding both. At least every pair of the
        items :func:`pairing_plan` pairs up that is in its ``floor`` baskets or more; other
        pairs may be there too (they are left out).
    baskets : int
        Purchase orders naming at least one item.
    """

    items: pd.Index
    item_orders: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_orders: np.ndarray
    baskets: int


def baskets(tx: pd.DataFrame, column: str = "product", *, by: str = "order", as_of=None) -> Baskets:
    """Purchase orders (or customers) by items as a sparse 0/1 matrix.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    by : {"order", "customer"}
        One row per purchase order that names at least one item, or per customer who bought at
        least one item.
    as_of : date-like or None
        End of observation, exclusive.
    """
    if by not in ("order", "customer"):
        raise ValueError(f"by must be 'order' or 'customer', not {by!r}")
    il = item_lines(tx, column, as_of)
    raw_rows = il.order if by == "order" else il.customer
    present = np.zeros(len(il.ot.net) if by == "order" else il.ot.n_customers, dtype=bool)
    present[raw_rows] = True
    row_code = (np.cumsum(present) - 1)[raw_rows]
    n_rows = int(present.sum())
    matrix = sparse.csr_matrix(
        (np.ones(len(row_code), dtype=np.int8), (row_code, il.item)),
        shape=(n_rows, len(il.items)),
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1
    if by == "order":
        labels = pd.Index(il.ot.order_ids[present].astype(str), name="order_id")
    else:
        labels = pd.Index(il.ot.customers[present], name="customer_id")
    return Baskets(matrix=matrix, items=il.items, rows=labels)


_RULE_COLUMNS = [
    "antecedent",
    "consequent",
    "orders",
    "support",
    "confidence",
    "lift",
    "antecedent_orders",
    "consequent_orders",
]


def _pair_counts(matrix: sparse.csr_matrix, floor: int, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return the pairs (a < b) of ``keep`` items in ``floor`` baskets or more: (a, b, count).

    The co-occurrence product ``X.T @ X`` is restricted to the columns ``keep`` (ascending).
    """
    if len(keep) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    x = matrix[:, keep].astype(np.int32)
    co = sparse.triu(x.T @ x, k=1).tocoo()
    ok = co.data >= floor
    return keep[co.row[ok]], keep[co.col[ok]], co.data[ok].astype(np.int64)


def pairing_plan(
    item_orders: np.ndarray,
    n: int,
    *,
    min_support: float | None = None,
    min_orders: int = 5,
    max_items: int = MAX_RULE_ITEMS,
) -> tuple[int, np.ndarray]:
    """Return the orders a pair needs at least and the positions of the items to pair up.

    Only items in at least that many of the ``n`` baskets can be in such a pair; of them the
    ``max_items`` in the most baskets (ties: alphabetical) are paired up. The settings are
    those of :func:`association_rules`.
    """
    floor = _threshold(min_support, n, min_orders) if min_support is not None else int(min_orders)
    floor = max(floor, 1)
    counts = np.asarray(item_orders, dtype=np.int64)
    return floor, most_frequent(counts, counts >= floor, int(max_items))


def basket_counts(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    min_support: float | None = None,
    min_orders: int = 5,
    max_items: int = MAX_RULE_ITEMS,
    as_of=None,
) -> BasketCounts:
    """Count baskets, orders per item and the item pairs rules need, in memory.

    The settings are those of :func:`association_rules`; the pairs are those of
    :func:`pairing_plan`'s items in its ``floor`` baskets or more.
    """
    b = baskets(tx, column, as_of=as_of)
    n = b.matrix.shape[0]
    counts = b.item_counts.astype(np.int64)
    floor, keep = pairing_plan(
        counts, n, min_support=min_support, min_orders=min_orders, max_items=max_items
    )
    a, c, both = _pair_counts(b.matrix, floor, keep if n else keep[:0])
    return BasketCounts(
        items=b.items, item_orders=counts, pair_a=a, pair_b=c, pair_orders=both, baskets=n
    )


def association_rules(
    tx: pd.DataFrame,
    column: str = "product",
    *,
    min_support: float | None = None,
    min_confidence: float = 0.0,
    min_orders: int = 5,
    min_rules: int = 20,
    max_rules: int = 200,
    max_items: int = MAX_RULE_ITEMS,
    as_of=None,
) -> pd.DataFrame:
    """Market-basket association rules between pairs of items (``X -> Y``).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"product", "category"}
        Item column.
    min_support : float or None
        Keep pairs in at least this share of orders. None chooses it so the result is readable:
        walk down :data:`SUPPORT_LADDER` (10%, 5%, 2%, 1%, 0.5%, ...) and stop at the first
        support that gives at least ``min_rules`` rules; if that jump gives more than
        ``max_rules`` rules and the step before gave some, keep the step before. If no step
        reaches ``min_rules``, every pair with at least ``min_orders`` orders is kept. At most
        ``max_rules`` rules are returned (the most frequent pairs first).
    min_confidence : float
        Keep rules with at least this confidence.
    min_orders : int
        Never keep a pair seen in fewer orders than this, whatever the support (a pattern
        seen in 2 orders is an anecdote).
    min_rules, max_rules : int
        Target range of the number of rules when ``min_support`` is None.
    max_items : int
        Pair up at most this many items, those in the most orders (see
        :data:`MAX_RULE_ITEMS`).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        One row per rule: ``antecedent`` (X), ``consequent`` (Y), ``orders`` (orders with
        both), ``support``, ``confidence``, ``lift``, ``antecedent_orders``,
        ``consequent_orders``. Sorted by lift, then support. Both directions of a pair are
        rules. ``attrs``: ``min_support`` (the support used), ``min_orders`` (the orders that
        support means), ``orders`` (purchase orders naming an item: the denominator),
        ``items``, ``chosen`` (True when the support was picked automatically),
        ``truncated`` (True when ``max_rules`` cut the list), ``items_considered`` (items
        paired up), ``capped`` (True when ``max_items`` left out an item in enough orders to
        be part of a rule listed, so the rules may differ from an uncapped count).
    """
    settings = {"min_support": min_support, "min_orders": min_orders, "max_items": max_items}
    counts = basket_counts(tx, column, as_of=as_of, **settings)
    return rules_from_counts(
        counts,
        column,
        min_confidence=min_confidence,
        min_rules=min_rules,
        max_rules=max_rules,
        **settings,
    )


def rules_from_counts(
    counts: BasketCounts,
    column: str = "product",
    *,
    min_support: float | None = None,
    min_confidence: float = 0.0,
    min_orders: int = 5,
    min_rules: int = 20,
    max_rules: int = 200,
    max_items: int = MAX_RULE_ITEMS,
) -> pd.DataFrame:
    """Return the association rules of :func:`association_rules` from counts of baskets.

    Parameters
    ----------
    counts : BasketCounts
        From :func:`basket_counts` (in memory) or a database, counted with the same
        ``min_support``, ``min_orders`` and ``max_items``.
    column : str
        The item column (``attrs["column"]``).
    min_support, min_confidence, min_orders, min_rules, max_rules, max_items
        As for :func:`association_rules`.

    Returns
    -------
    DataFrame
        What :func:`association_rules` returns.
    """
    n = int(counts.baskets)
    item_orders = np.asarray(counts.item_orders, dtype=np.int64)
    floor, keep = pairing_plan(
        item_orders, n, min_support=min_support, min_orders=min_orders, max_items=max_items
    )
    a, c, both = _kept_pairs(counts, floor, keep)
    considered, cut_max = _items_cut(item_orders, floor, max_items)
    (ant, con, cnt, conf), used_floor, truncated = _kept_rules(
        (np.r_[a, c], np.r_[c, a], np.r_[both, both]),
        item_orders,
        floor if min_support is not None else None,
        min_confidence=min_confidence,
        ladder=(n, min_orders, min_rules, max_rules),
    )
    out = _rules_frame(counts.items, item_orders, n, ant, con, cnt, conf)
    out.attrs = {
        "min_support": used_floor / n if n else np.nan,
        "min_orders": int(used_floor),
        "orders": n,
        "items": len(counts.items),
        "chosen": min_support is None,
        "truncated": bool(truncated),
        "column": column,
        "items_considered": considered,
        "capped": bool(cut_max > 0 and cut_max >= used_floor),
    }
    return out


def _kept_pairs(
    counts: BasketCounts, floor: int, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the pairs of ``keep`` items in ``floor`` baskets or more, sorted by (a, b)."""
    a = np.asarray(counts.pair_a, dtype=np.int64)
    b = np.asarray(counts.pair_b, dtype=np.int64)
    both = np.asarray(counts.pair_orders, dtype=np.int64)
    paired = np.zeros(len(counts.items), dtype=bool)
    paired[keep] = True
    ok = (both >= floor) & paired[a] & paired[b]
    a, b, both = a[ok], b[ok], both[ok]
    order = np.lexsort((b, a))
    return a[order], b[order], both[order]


def _kept_rules(
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    counts: np.ndarray,
    floor: int | None,
    *,
    min_confidence: float,
    ladder: tuple[int, int, int, int],
) -> tuple[tuple[np.ndarray, ...], int, bool]:
    """Return the rules kept, the orders they need, and whether ``max_rules`` cut the list.

    ``pairs`` holds both directions of every counted pair (antecedents, consequents, orders);
    ``floor`` is the orders a rule needs, None to choose it on the support ladder. ``ladder``
    is (orders, ``min_orders``, ``min_rules``, ``max_rules``), see :func:`association_rules`.
    The rules come back as (antecedents, consequents, orders, confidences), at most
    ``max_rules`` of them: those in the most orders.
    """
    ant, con, cnt = pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = cnt / counts[ant] if len(cnt) else np.zeros(0)
    ok_conf = conf >= min_confidence - 1e-12
    if floor is None:
        floor = _ladder_floor(cnt[ok_conf], *ladder)
    keep = (cnt >= floor) & ok_conf
    ant, con, cnt, conf = ant[keep], con[keep], cnt[keep], conf[keep]
    max_rules = ladder[3]
    truncated = len(cnt) > max_rules
    if truncated:
        top = _most_frequent_pairs(ant, cnt, len(counts), max_rules)
        ant, con, cnt, conf = ant[top], con[top], cnt[top], conf[top]
    return (ant, con, cnt, conf), floor, truncated


def _threshold(support: float, n: int, min_orders: int) -> int:
    """Return the orders a pair needs for ``support`` of ``n`` orders (at least ``min_orders``)."""
    return max(int(min_orders), math.ceil(support * n - 1e-9))


def _items_cut(counts: np.ndarray, floor: int, max_items: int) -> tuple[int, int]:
    """Return the items paired up and the most orders of an item the cap left out (0: none).

    A rule needs at least ``floor`` orders, so the cap only changes the result when a
    left-out item reaches the floor finally used.
    """
    frequent = counts[counts >= floor]
    considered = min(len(frequent), int(max_items))
    cut_max = (
        int(np.partition(frequent, len(frequent) - considered - 1)[len(frequent) - considered - 1])
        if len(frequent) > considered
        else 0
    )
    return considered, cut_max


def _ladder_floor(cnt: np.ndarray, n: int, min_orders: int, min_rules: int, max_rules: int) -> int:
    """Return the orders a rule needs when the support is chosen (see :func:`association_rules`).

    ``cnt`` holds the orders of every rule that passes the minimum confidence.
    """
    prev_floor = None
    prev_count = 0
    for s in SUPPORT_LADDER:  # ten steps at most
        t = _threshold(s, n, min_orders)
        k = int((cnt >= t).sum())
        if k >= min_rules:
            return prev_floor if (k > max_rules and prev_count > 0) else t
        prev_floor, prev_count = t, k
    return int(min_orders)


def _most_frequent_pairs(ant: np.ndarray, cnt: np.ndarray, n_items: int, k: int) -> np.ndarray:
    """Return positions of the ``k`` rules in most orders (ties: lower antecedent, position).

    Linear time: one int64 key, partitioned, then only the kept ones sorted (a full sort of
    millions of pairs took seconds); lexsort when the key could overflow.
    """
    span = (int(cnt.max()) + 1) * (n_items + 1) * len(cnt)
    if span < 2**62 and k > 0:
        key = ((int(cnt.max()) - cnt) * (n_items + 1) + ant) * len(cnt)
        key += np.arange(len(cnt))
        top = np.argpartition(key, k - 1)[:k]
        return top[np.argsort(key[top])]
    return np.lexsort((ant, -cnt))[:k]


def _rules_frame(
    labels: pd.Index,
    counts: np.ndarray,
    n: int,
    ant: np.ndarray,
    con: np.ndarray,
    cnt: np.ndarray,
    conf: np.ndarray,
) -> pd.DataFrame:
    """Return the rules as the frame :func:`association_rules` describes, sorted by lift."""
    support = cnt / n if n else np.zeros(0)
    lift = conf / (counts[con] / n) if n else np.zeros(0)
    items = np.asarray(labels, dtype=object)
    out = pd.DataFrame(
        {
            "antecedent": pd.array(items[ant], dtype="str"),
            "consequent": pd.array(items[con], dtype="str"),
            "orders": cnt.astype(np.int64),
            "support": support,
            "confidence": conf,
            "lift": lift,
            "antecedent_orders": counts[ant].astype(np.int64),
            "consequent_orders": counts[con].astype(np.int64),
        },
        columns=_RULE_COLUMNS,
    )
    return out.sort_values(
        ["lift", "support", "antecedent", "consequent"],
        ascending=[False, False, True, True],
        ignore_index=True,
    )


def filter_rules(
    rules: pd.DataFrame,
    *,
    min_lift: float = 0.0,
    min_confidence: float = 0.0,
    contains: str = "",
) -> pd.DataFrame:
    """Return the rules that pass a lift, confidence and text filter (``attrs`` kept).

    Parameters
    ----------
    rules : DataFrame
        Output of :func:`association_rules`.
    min_lift, min_confidence : float
        Keep rules with at least this lift and confidence.
    contains : str
        Keep rules whose antecedent or consequent contains this text (case-insensitive;
        empty = any).
    """
    keep = (rules["lift"] >= min_lift) & (rules["confidence"] >= min_confidence)
    text = contains.strip()
    if text:
        hit = rules["antecedent"].str.contains(text, case=False, regex=False) | rules[
            "consequent"
        ].str.contains(text, case=False, regex=False)
        keep &= hit
    out = rules[keep].reset_index(drop=True)
    out.attrs = dict(rules.attrs)
    return out


def strongest_pairs(rules: pd.DataFrame, n: int = 12) -> pd.DataFrame:
    """Return the ``n`` item pairs with the highest lift among the rules (one row per pair).

    Returns
    -------
    DataFrame
        ``item_a``, ``item_b`` (alphabetical within the pair), ``orders``, ``support``,
        ``lift``, ``confidence_ab`` (share of orders with A that contain B), ``confidence_ba``.
    """
    cols = ["item_a", "item_b", "orders", "support", "lift", "confidence_ab", "confidence_ba"]
    if len(rules) == 0:
        return pd.DataFrame(columns=cols)
    ab = rules[rules["antecedent"] < rules["consequent"]]
    ba = rules[rules["antecedent"] > rules["consequent"]]
    merged = ab.merge(
        ba[["antecedent", "consequent", "confidence"]].rename(
            columns={
                "antecedent": "consequent",
                "consequent": "antecedent",
                "confidence": "confidence_ba",
            }
        ),
        on=["antecedent", "consequent"],
        how="left",
    )
    out = pd.DataFrame(
        {
            "item_a": merged["antecedent"],
            "item_b": merged["consequent"],
            "orders": merged["orders"],
            "support": merged["support"],
            "lift": merged["lift"],
            "confidence_ab": merged["confidence"],
            "confidence_ba": merged["confidence_ba"],
        }
    )
    return out.sort_values(
        ["lift", "orders", "item_a", "item_b"],
        ascending=[False, False, True, True],
        ignore_index=True,
    ).head(n)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

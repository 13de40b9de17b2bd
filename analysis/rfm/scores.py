"""Recency, frequency and monetary value per customer, scored 1..bins and named by segment.

Definitions (the shared ones, ``as_of`` and purchase/refund orders, are in
:mod:`analysis.orders`):

- **recency**: whole calendar days from the customer's last *purchase order* date to ``as_of``
  (``as_of`` is exclusive, so a purchase on the last observed day has recency 1);
- **frequency**: number of purchase orders (orders whose net value is >= 0);
- **monetary**: the customer's net revenue, every observed amount summed (purchases minus
  refunds), in the data's currency.

Customers whose only orders before ``as_of`` are refund orders have no purchase, so no recency:
they are left out and counted in ``rfm.attrs["refund_only_customers"]`` (and a sentence in
``rfm.attrs["warnings"]``).

**Scores** (1..bins, higher is better) come from :func:`score_edges` / :func:`score_values`:
cut points taken from the distribution of the customers' values (not from row ranks), so equal
values always get equal scores; a value that holds a large share of customers (typically "bought
once") gets one score of its own and the remaining scores are spread over the values above it.

**Segments** are named on the recency x frequency grid by a rules table (see
:func:`~analysis.rfm.rules.default_segment_rules`) written for scores 1..5. With ``bins`` other
than 5 the scores are first mapped onto the 1..5 grid with :func:`to_five_point` (the lowest
score maps to 1, the highest to 5, the others in between, rounded), so the same rules work for
any number of bins.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table, resolve_as_of
from analysis.core.text import plural
from analysis.rfm.rules import GRID, _compile_rules

__all__ = [
    "score_edges",
    "score_values",
    "to_five_point",
    "date_bounds",
    "rfm_table",
    "rfm_from_values",
]


def score_edges(values, bins: int = 5) -> np.ndarray:
    """Cut points for scoring ``values`` into 1..bins, higher values better.

    The score of a value ``v`` is ``1 + (number of cut points strictly below v)``, so the score
    intervals are ``(-inf, e1], (e1, e2], ..., (e_last, inf)``. The cut points are chosen from
    the distribution of the values (not from row ranks), working inwards with ``k`` scores
    still to give (``k = bins`` at the start) over the values not yet scored:

    1. If one distinct value remains, it takes the lowest remaining score; no more cut points.
    2. If the lowest remaining value holds at least ``1/k`` of the remaining customers (for
       example "bought once" for frequency), it gets a score of its own: it becomes a cut
       point, it is set aside, and the step repeats with ``k - 1`` scores over the values
       above it. This is how skewed data is handled: all one-time buyers share frequency
       score 1 and the other scores still spread the repeat buyers.
    3. Else, if the highest remaining value holds more than ``1/k`` of them (for example many
       customers who bought on the last day), it gets the top remaining score of its own (the
       cut point is the next lower value) and the step repeats with ``k - 1`` scores.
    4. Otherwise the cut points are the remaining values' quantiles at ``1/k, ..., (k-1)/k``
       using the inverted empirical distribution (the smallest value whose cumulative share
       reaches the level, always an observed value), with duplicates dropped.

    Because the cut points are values, equal values always get equal scores, the scores never
    decrease as the value grows, and they always run 1, 2, ... without gaps. With few distinct
    values (or a large block of equal values in the middle) fewer than ``bins`` scores are
    used: one distinct value gives everyone 1, two give 1 and 2.

    Parameters
    ----------
    values : array-like of float
        One value per customer (NaN is not allowed).
    bins : int
        Number of scores, at least 2.

    Returns
    -------
    ndarray of float64
        Sorted, distinct cut points; at most ``bins - 1`` of them.
    """
    if bins < 2:
        raise ValueError("bins must be at least 2.")
    s = np.sort(np.asarray(values, dtype=np.float64))
    if np.isnan(s).any():
        raise NotEnoughData("Scores cannot be computed for missing values.")
    low: list[float] = []
    high: list[float] = []
    middle: list[float] = []
    start, stop = 0, len(s)
    k = bins
    while k > 1 and start < stop and s[start] != s[stop - 1]:
        rest = s[start:stop]
        n = len(rest)
        # Inverted-CDF quantile at level j/k: the ceil(j*n/k)-th smallest value (1-based),
        # computed in integers so that no rounding can move a cut point.
        j = np.arange(1, k)
        q = rest[(j * n + k - 1) // k - 1]
        if q[0] == rest[0]:
            # The lowest value fills the lowest remaining score on its own.
            low.append(float(rest[0]))
            start += int(np.searchsorted(rest, rest[0], side="right"))
        elif q[-1] == rest[-1]:
            # The highest value holds more than its share: the top remaining score is its own.
            below = int(np.searchsorted(rest, rest[-1], side="left"))
            high.append(float(rest[below - 1]))
            stop = start + below
        else:
            middle = np.unique(q).tolist()
            break
        k -= 1
    return np.asarray(low + middle + high[::-1], dtype=np.float64)


def score_values(values, bins: int = 5, *, higher_is_better: bool = True) -> np.ndarray:
    """Score each value 1..bins with the cut points of :func:`score_edges`.

    Parameters
    ----------
    values : array-like of float
        One value per customer.
    bins : int
        Number of scores.
    higher_is_better : bool
        If False (recency: fewer days is better) the values are negated first, so the lowest
        value gets the highest score and a large block of equal *highest* values shares score 1.

    Returns
    -------
    ndarray of int64
        Scores in 1..bins.
    """
    x = np.asarray(values, dtype=np.float64)
    if not higher_is_better:
        x = -x
    edges = score_edges(x, bins)
    return 1 + np.searchsorted(edges, x, side="left").astype(np.int64)


def to_five_point(scores, bins: int) -> np.ndarray:
    """Map scores 1..bins onto the 1..5 grid of the segment rules.

    ``score5 = floor(1 + (score - 1) * 4 / (bins - 1) + 0.5)``: the lowest score maps to 1, the
    highest to 5, the others spread evenly in between (rounded half up). bins=5 is unchanged;
    bins=4 maps 1,2,3,4 to 1,2,4,5; bins=3 maps 1,2,3 to 1,3,5.
    """
    s = np.asarray(scores, dtype=np.int64)
    if bins == GRID:
        return s
    return np.floor(1 + (s - 1) * (GRID - 1) / (bins - 1) + 0.5).astype(np.int64)


def date_bounds(tx: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the first transaction day and the default ``as_of`` (the day after the last one).

    Both are midnights.
    """
    first = pd.Timestamp(tx["order_date"].min()).normalize()
    return first, resolve_as_of(tx)


_SCORED = {"recency": False, "frequency": True, "monetary": True}


@functools.cache
def _code_strings() -> pd.api.extensions.ExtensionArray:
    """``"000"`` .. ``"999"``: the RFM code of scores r, f, m is entry ``100r + 10f + m``."""
    return pd.array([f"{i:03d}" for i in range(1000)], dtype="str")


def rfm_table(
    tx: pd.DataFrame, *, as_of=None, bins: int = 5, rules: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Recency, frequency and monetary value, their scores and a named segment per customer.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive (default: the day after the last transaction date).
        Lines on or after it are ignored.
    bins : int
        Number of scores per measure, 2..9 (default 5).
    rules : DataFrame or None
        Segment rules on the 1..5 grid (default:
        :func:`~analysis.rfm.rules.default_segment_rules`); invalid rows are ignored, uncovered
        cells give ``Unassigned``, overlaps go to the first rule.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with at least one purchase order before
        ``as_of``, in order of first appearance), with columns:

        - ``recency`` (int64): days from the last purchase order date to ``as_of`` (>= 1);
        - ``frequency`` (int64): number of purchase orders;
        - ``monetary`` (float64): net revenue, all observed amounts summed (refunds included);
        - ``r_score``, ``f_score``, ``m_score`` (int64, 1..bins, higher is better: recent,
          frequent, high spend), cut by :func:`score_edges` over these customers' values;
        - ``rfm_code`` (str, e.g. ``"545"``) and ``segment`` (categorical, rule order).

        ``attrs`` holds ``as_of`` (Timestamp), ``bins``, ``edges`` (cut points per measure, in
        the measure's own units; recency cut points are days: score = 1 + number of cut points
        strictly above the recency), ``refund_only_customers`` (count of customers left out)
        and ``warnings`` (plain sentences for the page).
    """
    bins = _check_bins(bins)
    lookup, names, rule_records = _compile_rules(rules)
    ot = order_table(tx, as_of) if len(tx) else None
    as_of_ts = ot.as_of if ot is not None else resolve_as_of(tx, as_of)
    index, recency, frequency, monetary, refund_only = _purchase_values(ot, as_of_ts)
    return _scored(
        index,
        recency,
        frequency,
        monetary,
        as_of_ts=as_of_ts,
        bins=bins,
        lookup=lookup,
        names=names,
        rule_records=rule_records,
        refund_only=refund_only,
    )


def _check_bins(bins: int) -> int:
    """Return ``bins`` as an int; refuse a number of scores outside 2..9."""
    if not 2 <= int(bins) <= 9:
        raise ValueError("bins must be between 2 and 9.")
    return int(bins)


def _purchase_values(ot, as_of_ts: pd.Timestamp) -> tuple:
    """Return the customers with a purchase, their recency, frequency and monetary values.

    Parameters
    ----------
    ot : OrderTable or None
        :func:`analysis.orders.order_table` of the transactions (``None``: no lines).
    as_of_ts : Timestamp
        The end of observation (exclusive).

    Returns
    -------
    tuple
        ``(index, recency, frequency, monetary, refund_only)``: the ``customer_id`` index of the
        customers with at least one purchase order, their values (int64 days, int64 orders,
        float64 net revenue) and the number of refund-only customers left out.
    """
    cutoff = (as_of_ts - pd.Timestamp("1970-01-01")).days
    if ot is None:
        empty = np.zeros(0, dtype=np.int64)
        index = pd.Index([], dtype="str", name="customer_id")
        return index, empty, empty, np.zeros(0), 0
    purchase = ot.is_purchase
    buyer = ot.customer[purchase]
    frequency = np.bincount(buyer, minlength=ot.n_customers).astype(np.int64)
    last_day = np.full(ot.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_day, buyer, ot.day[purchase])
    keep = np.flatnonzero(frequency > 0)
    refund_only = int(ot.n_customers - len(keep))
    index = pd.Index(ot.customers.take(keep), name="customer_id")
    return index, cutoff - last_day[keep], frequency[keep], ot.customer_net()[keep], refund_only


def _scored(
    index: pd.Index,
    recency: np.ndarray,
    frequency: np.ndarray,
    monetary: np.ndarray,
    *,
    as_of_ts: pd.Timestamp,
    bins: int,
    lookup: np.ndarray,
    names: list[str],
    rule_records: list[dict],
    refund_only: int,
) -> pd.DataFrame:
    """Return the scores, codes and segments for given recency, frequency and monetary values."""
    measures = {"recency": recency, "frequency": frequency, "monetary": monetary}
    scores = {}
    edges = {}
    for name, values in measures.items():
        better_high = _SCORED[name]
        x = values.astype(np.float64) if better_high else -values.astype(np.float64)
        e = score_edges(x, bins) if len(x) else np.zeros(0)
        scores[name] = 1 + np.searchsorted(e, x, side="left").astype(np.int64)
        edges[name] = (e if better_high else -e[::-1]).tolist()

    r, f, m = scores["recency"], scores["frequency"], scores["monetary"]
    seg_codes = lookup[to_five_point(r, bins) - 1, to_five_point(f, bins) - 1]
    rfm_code = _code_strings().take(r * 100 + f * 10 + m)

    out = pd.DataFrame(
        {
            "recency": recency.astype(np.int64),
            "frequency": frequency,
            "monetary": monetary.astype(np.float64),
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "rfm_code": rfm_code,
            "segment": pd.Categorical.from_codes(seg_codes, categories=names),
        },
        index=index,
    )
    warnings = []
    if refund_only:
        who = plural(refund_only, "customer has", "customers have")
        warnings.append(
            f"{who} only refunds (no purchase) before {as_of_ts:%Y-%m-%d}; "
            "they are left out of the RFM table."
        )
    out.attrs = {
        "as_of": as_of_ts,
        "bins": bins,
        "edges": edges,
        "refund_only_customers": refund_only,
        "warnings": warnings,
        "rules": [dict(rec) for rec in rule_records],
    }
    return out


def rfm_from_values(
    values: pd.DataFrame,
    *,
    as_of,
    bins: int = 5,
    rules: pd.DataFrame | None = None,
    refund_only_customers: int = 0,
) -> pd.DataFrame:
    """Score recency, frequency and monetary values aggregated elsewhere (e.g. in a database).

    Parameters
    ----------
    values : DataFrame
        Indexed by ``customer_id``, with ``recency`` (days, int), ``frequency`` (purchase
        orders, int) and ``monetary`` (net revenue, float), as :func:`rfm_table` defines them.
    as_of : date-like
        The end of observation (exclusive) the values were computed at.
    bins, rules
        As for :func:`rfm_table`.
    refund_only_customers : int
        Customers left out because they only have refunds (reported in ``attrs``).

    Returns
    -------
    DataFrame
        The same table :func:`rfm_table` returns for the transactions behind ``values``.
    """
    bins = _check_bins(bins)
    lookup, names, rule_records = _compile_rules(rules)
    return _scored(
        pd.Index(values.index, name="customer_id"),
        values["recency"].to_numpy(dtype=np.int64),
        values["frequency"].to_numpy(dtype=np.int64),
        values["monetary"].to_numpy(dtype=np.float64),
        as_of_ts=pd.Timestamp(as_of).normalize(),
        bins=bins,
        lookup=lookup,
        names=names,
        rule_records=rule_records,
        refund_only=int(refund_only_customers),
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""How soon customers come back: reorder gaps, windows and the reorder time per item.

A **reorder gap** is the number of days between two consecutive *distinct calendar days* on
which a customer placed purchase orders (two orders on the same day are one visit).
**Reordered within X days**: among customers whose first purchase day lies at least X days
before ``as_of`` (so the whole window is observed), the share whose second purchase day came at
most X days after the first. Recent first-time buyers are left out instead of being counted as
"not yet back".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table
from analysis.core.stats import wilson_interval
from analysis.patterns._common import (
    NO_DAY,
    cutoff_day,
    distinct_count,
    grouped_quantiles,
    item_lines,
    repeats,
    visits,
)

__all__ = ["ReorderSummary", "reorder_by_item", "reorder_gaps", "reorder_summary"]


def _visit_gaps(ot: OrderTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the visits (customer, day), which of them are repeats, and the gaps in days.

    ``gaps`` holds one int64 per repeat visit: the days since the customer's visit before.
    """
    cust, day = visits(ot)
    same = repeats(cust)
    gaps = np.diff(day, prepend=0)[same] if len(day) else np.zeros(0, np.int64)
    return cust, day, same, gaps


def reorder_gaps(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Return the days between each customer's consecutive purchase days.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        One row per gap: ``customer_id``, ``visit`` (2 for the gap from the first to the second
        purchase day, 3 for the next, ...), ``days`` (int64, >= 1), sorted by customer then
        visit. Same-day orders are one visit, so there are no zero gaps.
    """
    ot = order_table(tx, as_of)
    cust, _, same, gaps = _visit_gaps(ot)
    starts = np.flatnonzero(~same)
    visit_number = np.arange(len(cust)) - np.repeat(starts, np.diff(np.r_[starts, len(cust)]))
    return pd.DataFrame(
        {
            "customer_id": pd.array(ot.customers.to_numpy()[cust[same]], dtype="str"),
            "visit": (visit_number[same] + 1).astype(np.int64),
            "days": gaps.astype(np.int64),
        }
    )


@dataclass(frozen=True)
class ReorderSummary:
    """How soon customers come back.

    Attributes
    ----------
    customers : int
        Customers with at least one purchase order.
    repeat_customers : int
        Customers with purchases on two or more distinct days.
    gaps : int
        Number of reorder gaps (see :func:`reorder_gaps`).
    median_days, mean_days : float
        Of all reorder gaps, in days (NaN without gaps).
    first_gap_median : float
        Median days from the first to the second purchase day (NaN without repeaters).
    within : DataFrame
        One row per window: ``days``, ``eligible`` (customers whose first purchase day is at
        least that many days before ``as_of``), ``reordered`` (of those, back within the
        window), ``share``, ``low``/``high`` (95% Wilson interval).
    histogram : DataFrame
        Gap counts in bins: ``start``, ``end`` (days, ``start <= gap < end``; the last bin is
        open-ended, ``end`` = inf), ``label``, ``gaps``, ``share``.
    """

    customers: int
    repeat_customers: int
    gaps: int
    median_days: float
    mean_days: float
    first_gap_median: float
    within: pd.DataFrame
    histogram: pd.DataFrame


def _gap_bins(max_gap: float) -> np.ndarray:
    """Return the histogram's bin edges in days: short bins up to 60 days, else long ones."""
    if max_gap <= 60:
        return np.array([1, 2, 4, 8, 15, 31, 61], dtype=np.float64)
    return np.array([1, 8, 15, 31, 61, 91, 181, 366, np.inf], dtype=np.float64)


def _within(
    first_day: np.ndarray,
    second_day: np.ndarray,
    has_second: np.ndarray,
    cutoff: int,
    windows: tuple[int, ...],
) -> pd.DataFrame:
    """Return the share of customers back within each window (``ReorderSummary.within``)."""
    rows = []
    for w in windows:  # a few windows
        eligible = first_day + w <= cutoff - 1
        back = eligible & has_second & (second_day - first_day <= w)
        rows.append((int(w), int(eligible.sum()), int(back.sum())))
    within = pd.DataFrame(rows, columns=["days", "eligible", "reordered"])
    with np.errstate(divide="ignore", invalid="ignore"):
        within["share"] = np.where(
            within["eligible"] > 0, within["reordered"] / within["eligible"], np.nan
        )
    low, high = wilson_interval(within["reordered"], within["eligible"])
    within["low"], within["high"] = low, high
    return within


def _gap_histogram(gaps: np.ndarray) -> pd.DataFrame:
    """Return the reorder gaps counted in bins (``ReorderSummary.histogram``)."""
    edges = _gap_bins(gaps.max() if len(gaps) else 0.0)
    idx = np.searchsorted(edges, gaps, side="right") - 1
    counts = np.bincount(idx[idx >= 0], minlength=len(edges) - 1)[: len(edges) - 1]
    labels = []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if np.isinf(b):
            labels.append(f"{a:.0f}+ days")
        elif b - a == 1:
            labels.append(f"{a:.0f} day" if a == 1 else f"{a:.0f} days")
        else:
            labels.append(f"{a:.0f}-{b - 1:.0f} days")
    if len(gaps) and gaps.max() >= edges[-1] and np.isfinite(edges[-1]):
        # short-range bins but a longer gap: cannot happen by construction, kept for safety
        counts[-1] += int((gaps >= edges[-1]).sum())
    return pd.DataFrame(
        {
            "start": edges[:-1],
            "end": edges[1:],
            "label": pd.array(labels, dtype="str"),
            "gaps": counts.astype(np.int64),
            "share": counts / len(gaps) if len(gaps) else np.zeros(len(counts)),
        }
    )


def reorder_summary(
    tx: pd.DataFrame, *, as_of=None, windows: tuple[int, ...] = (30, 60, 90)
) -> ReorderSummary:
    """Return the distribution of reorder gaps and the share of customers back within windows.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    windows : tuple of int
        Windows in days for "reordered within X days" (see the module docstring).

    Returns
    -------
    ReorderSummary
        Counts, typical gaps in days, the windows and a histogram of the gaps.
    """
    ot = order_table(tx, as_of)
    cust, day, same, gaps = _visit_gaps(ot)
    gaps = gaps.astype(float)
    # first and second purchase day per customer
    starts = np.flatnonzero(~same)
    first_day = day[starts]
    has_second = np.r_[starts[1:], len(cust)] - starts >= 2
    second_day = np.full(len(starts), NO_DAY, dtype=np.int64)
    second_day[has_second] = day[starts[has_second] + 1]
    first_gap = (second_day - first_day)[has_second]
    return ReorderSummary(
        customers=len(starts),
        repeat_customers=int(has_second.sum()),
        gaps=len(gaps),
        median_days=float(np.median(gaps)) if len(gaps) else np.nan,
        mean_days=float(gaps.mean()) if len(gaps) else np.nan,
        first_gap_median=float(np.median(first_gap)) if len(first_gap) else np.nan,
        within=_within(first_day, second_day, has_second, cutoff_day(ot), windows),
        histogram=_gap_histogram(gaps),
    )


def reorder_by_item(
    tx: pd.DataFrame, column: str = "category", *, as_of=None, min_gaps: int = 5, n: int = 20
) -> pd.DataFrame:
    """Typical time until a customer buys the same item (category or product) again.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : {"category", "product"}
        Item column.
    as_of : date-like or None
        End of observation, exclusive.
    min_gaps : int
        Items with fewer reorder gaps are left out (their median would be noise).
    n : int
        At most this many items, those with the most gaps first.

    Returns
    -------
    DataFrame
        One row per item: ``<column>``, ``customers`` (who bought it), ``repeat_customers``
        (bought it on two or more distinct days), ``gaps`` (days between consecutive distinct
        purchase days of the item by the same customer), ``median_days``, ``p25_days``,
        ``p75_days``. Sorted by median days (fastest reordered first).
    """
    il = item_lines(tx, column, as_of)
    day = il.ot.day[il.order]
    n_items = len(il.items)
    cols = [column, "customers", "repeat_customers", "gaps", "median_days", "p25_days"]
    cols.append("p75_days")
    if len(day) == 0:
        return pd.DataFrame(columns=cols)
    d0 = int(day.min())
    span_day = int(day.max()) - d0 + 1
    n_cust = il.ot.n_customers
    key = (il.item * n_cust + il.customer) * span_day + (day - d0)
    key = np.sort(key)
    key = key[np.r_[True, key[1:] != key[:-1]]]
    pair, dd = np.divmod(key, span_day)
    item = pair // n_cust
    same = np.r_[False, pair[1:] == pair[:-1]]
    gap = np.diff(dd, prepend=0)[same].astype(np.float64)
    gap_item = item[same]
    customers = distinct_count(pair % n_cust, item, n_items)
    repeaters = distinct_count(pair[same] % n_cust, gap_item, n_items)
    n_gaps = np.bincount(gap_item, minlength=n_items)
    q = grouped_quantiles(gap_item, gap, n_items, (0.5, 0.25, 0.75))
    out = pd.DataFrame(
        {
            column: pd.array(il.items, dtype="str"),
            "customers": customers,
            "repeat_customers": repeaters,
            "gaps": n_gaps.astype(np.int64),
            "median_days": q[:, 0],
            "p25_days": q[:, 1],
            "p75_days": q[:, 2],
        }
    )
    out = out[out["gaps"] >= min_gaps]
    out = out.sort_values(["gaps", column], ascending=[False, True]).head(n)
    return out.sort_values(["median_days", column], ignore_index=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

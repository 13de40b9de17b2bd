"""Churn features and labels: behaviour before a cutoff, and who bought in the window after it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.orders import day_numbers, order_table, round_money

__all__ = [
    "FEATURE_LABELS",
    "churn_features",
    "churn_labels",
    "feature_label",
    "features_from",
    "labels_from",
    "mix_codes",
]

FEATURE_LABELS = {
    "recency_days": "Days since the last purchase",
    "frequency": "Number of purchases",
    "monetary": "Net revenue so far",
    "avg_order_value": "Average purchase value",
    "tenure_days": "Days since the first purchase",
    "gap_mean_days": "Average days between purchases",
    "gap_std_days": "Variability of the days between purchases",
    "overdue_ratio": "Days since the last purchase relative to the usual gap",
    "recent_spend_share": "Share of spend in the most recent period",
    "refund_share": "Share of spend refunded",
}
MIX_TOP = 5  # categories / channels turned into share features


def in_index(values: pd.Index, unique: pd.Index) -> np.ndarray:
    """Return ``values.isin(unique)`` for an index of unique labels, by hashing.

    pandas' ``isin`` on Arrow strings builds a Python object per value: seconds on tens of
    thousands.
    """
    return pd.Index(unique).get_indexer(values) >= 0


def feature_label(feature: str) -> str:
    """Return a feature's name in plain words (``"category: Tea"`` -> "Share of items ...")."""
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature]
    kind, _, value = feature.partition(": ")
    return f"Share of items bought in {kind} {value}" if value else feature


def churn_features(tx: pd.DataFrame, *, as_of=None, recent_days: int = 90) -> pd.DataFrame:
    """Behaviour features per customer, from the history before ``as_of`` only.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        Cutoff, exclusive (default: the day after the last transaction).
    recent_days : int
        Length of the "recent" window for ``recent_spend_share``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with a purchase order before ``as_of``):
        ``recency_days`` (days from the last purchase day to ``as_of``), ``frequency`` (purchase
        orders), ``monetary`` (net revenue, refunds included), ``avg_order_value`` (mean net
        value of purchase orders), ``tenure_days`` (days from the first purchase to ``as_of``),
        ``gap_mean_days`` and ``gap_std_days`` (mean and standard deviation of the days between
        distinct purchase days; NaN with fewer than two, resp. three, purchase days),
        ``overdue_ratio`` (``recency_days / gap_mean_days``), ``recent_spend_share`` (share of
        purchase value in the last ``recent_days`` days), ``refund_share`` (refund lines over
        positive lines, by amount), and where the data has them, ``category: X`` and
        ``channel: X`` shares of a customer's bought lines (amount >= 0) for the five most
        common values.
    """
    return features_from(order_table(tx, as_of), mix_codes(tx), recent_days=recent_days)


def mix_codes(tx: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return ``{column: (codes, values)}`` of the ``category`` and ``channel`` columns present.

    ``codes`` numbers each row of ``tx`` (-1: missing), ``values`` are the distinct values: found
    once and shared by the features at every date (:func:`features_from`).
    """
    out = {}
    for column in ("category", "channel"):
        if column in tx.columns:
            codes, uniques = pd.factorize(tx[column])
            out[column] = (np.asarray(codes, dtype=np.int64), np.asarray(uniques))
    return out


def features_from(ot, mix: dict, *, recent_days: int = 90) -> pd.DataFrame:
    """Return :func:`churn_features` from an order table and the :func:`mix_codes` of its rows.

    ``ot`` is the :class:`~analysis.core.orders.OrderTable` of the transactions before the
    cutoff (its ``as_of``).
    """
    cutoff = int(day_numbers(pd.Series([ot.as_of]))[0])
    n_all = ot.n_customers
    purchase = ot.is_purchase
    cust, day, net = ot.customer[purchase], ot.day[purchase], ot.net[purchase]
    # Sorted by value too, so sums below add the same numbers in the same order whatever the
    # order of the rows (float addition is not associative).
    order = np.lexsort((net, day, cust))
    cust, day, net = cust[order], day[order], net[order]
    n_orders = np.bincount(cust, minlength=n_all)
    has = n_orders > 0
    first = np.full(n_all, np.iinfo(np.int64).max)
    np.minimum.at(first, cust, day)
    last = np.full(n_all, np.iinfo(np.int64).min)
    np.maximum.at(last, cust, day)
    purchase_value = round_money(np.bincount(cust, weights=net, minlength=n_all))
    gap_mean, gap_var = _gap_stats(cust, day, n_all)
    recent = day >= cutoff - recent_days
    recent_value = round_money(np.bincount(cust[recent], weights=net[recent], minlength=n_all))
    recency = (cutoff - last).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {
            "recency_days": recency,
            "frequency": n_orders.astype(np.float64),
            "monetary": ot.customer_net(),
            "avg_order_value": purchase_value / np.maximum(n_orders, 1),
            "tenure_days": (cutoff - first).astype(np.float64),
            "gap_mean_days": gap_mean,
            "gap_std_days": np.sqrt(gap_var),
            "overdue_ratio": recency / gap_mean,
            "recent_spend_share": np.where(
                purchase_value > 0,
                recent_value / np.where(purchase_value > 0, purchase_value, 1),
                np.nan,
            ),
            "refund_share": _refund_share(ot, n_all),
        }
    for column, (codes, values) in mix.items():
        columns.update(_mix_shares(ot, column, codes[ot.line_index], values, n_all))
    frame = pd.DataFrame(columns, index=ot.customers)
    return frame[has]


def _gap_stats(cust: np.ndarray, day: np.ndarray, n_all: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean and variance of the days between distinct purchase days, per customer.

    ``cust`` and ``day`` are sorted by customer then day; NaN with fewer than two (mean), resp.
    three (variance), purchase days.
    """
    same = cust[1:] == cust[:-1]
    gaps = np.diff(day).astype(np.float64)
    gap_ok = same & (gaps > 0)
    gap_cust = cust[1:][gap_ok]
    gap_val = gaps[gap_ok]
    n_gaps = np.bincount(gap_cust, minlength=n_all).astype(np.float64)
    gap_sum = np.bincount(gap_cust, weights=gap_val, minlength=n_all)
    gap_sq = np.bincount(gap_cust, weights=gap_val**2, minlength=n_all)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_mean = np.where(n_gaps > 0, gap_sum / n_gaps, np.nan)
        gap_var = np.where(n_gaps > 1, np.maximum(gap_sq / n_gaps - gap_mean**2, 0.0), np.nan)
    return gap_mean, gap_var


def _refund_share(ot, n_all: int) -> np.ndarray:
    """Return refund lines over positive lines, by amount, per customer (NaN: nothing bought)."""
    amount = ot.line_amount
    positive = round_money(
        np.bincount(ot.line_customer, weights=np.maximum(amount, 0.0), minlength=n_all)
    )
    negative = round_money(
        np.bincount(ot.line_customer, weights=np.maximum(-amount, 0.0), minlength=n_all)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(positive > 0, negative / np.where(positive > 0, positive, 1), np.nan)


def _mix_shares(
    ot, column: str, codes: np.ndarray, values: np.ndarray, n_all: int
) -> dict[str, np.ndarray]:
    """Return the share of each customer's bought lines (amount >= 0) in the top values of ``column``.

    ``codes`` are the lines' positions in ``values`` (-1: missing); only the values the lines
    hold count.
    """
    present = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values)))
    if len(present) < 2:
        return {}
    valid = (codes >= 0) & (ot.line_amount >= 0)  # items bought, not refund lines
    counts = np.bincount(codes[valid], minlength=len(values))[present]
    # Most common first, ties by name: the same columns whatever the order of the rows.
    top = present[np.lexsort((np.asarray(values[present], dtype=str), -counts))][:MIX_TOP]
    total = np.bincount(ot.line_customer[valid], minlength=n_all).astype(np.float64)
    out = {}
    for code in top:
        mask = valid & (codes == code)
        share = np.bincount(ot.line_customer[mask], minlength=n_all) / np.maximum(total, 1)
        out[f"{column}: {values[code]}"] = np.where(total > 0, share, np.nan)
    return out


def churn_labels(
    tx: pd.DataFrame, customers: pd.Index, *, start, horizon_days: int = 90
) -> pd.Series:
    """1 when a customer made no purchase order in ``[start, start + horizon_days)``, else 0.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    customers : Index
        Customers to label.
    start : date-like
        First day of the outcome window (a time part is dropped).
    horizon_days : int
        Length of the window in days.

    Returns
    -------
    Series
        int64 ``churned`` indexed by ``customers``.
    """
    start_ts = pd.Timestamp(start).normalize()
    ot = order_table(tx, start_ts + pd.Timedelta(days=horizon_days))
    return labels_from(ot, customers, start=start_ts)


def labels_from(ot, customers: pd.Index, *, start) -> pd.Series:
    """Return :func:`churn_labels` from the order table of the window's end (its ``as_of``).

    ``start`` is the first day of the window, a midnight ``Timestamp``.
    """
    first_day = int(day_numbers(pd.Series([start]))[0])
    bought = (ot.day >= first_day) & ot.is_purchase
    buyers = ot.customers[np.unique(ot.customer[bought])]
    churned = (~in_index(customers, buyers)).astype(np.int64)
    return pd.Series(churned, index=customers, name="churned")

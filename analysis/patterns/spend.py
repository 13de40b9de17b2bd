"""What customers pay: the order-value distribution and the spend per group of customers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from analysis.cohorts import first_order_attribute
from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table
from analysis.core.text import money
from analysis.patterns._common import filled, grouped_quantiles
from analysis.patterns.availability import needs
from analysis.rfm import rfm_table

__all__ = ["OrderValueSummary", "order_value_summary", "spend_per_customer"]


@dataclass(frozen=True)
class OrderValueSummary:
    """The distribution of purchase-order values (file's currency).

    Attributes
    ----------
    orders : int
        Purchase orders.
    mean, median, p25, p75, p90, p99 : float
        Of the order values (NaN without orders).
    histogram : DataFrame
        ``start``, ``end`` (``start <= value < end``), ``label`` (plain text, in the currency
        given: ``"€10-€15"``, the last ``"€120+"``), ``orders``, ``revenue``,
        ``order_share``, ``revenue_share``, ``open`` (True for the last bin, which also holds
        every value above its start: the top 1% of orders, so a few huge orders do not squash
        the chart).
    """

    orders: int
    mean: float
    median: float
    p25: float
    p75: float
    p90: float
    p99: float
    histogram: pd.DataFrame


def _nice_step(span: float, bins: int) -> float:
    """Return a round bin width (1, 2, 2.5 or 5 times a power of ten) for about ``bins`` bins."""
    raw = span / max(bins, 1)
    if not raw > 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def order_value_summary(
    tx: pd.DataFrame, *, as_of=None, bins: int = 25, currency: str | None = None
) -> OrderValueSummary:
    """Distribution of purchase-order values: summary figures and a histogram.

    The histogram has about ``bins`` equal-width bins with a round width, from the smallest
    order (rounded down to the width) to the 99th percentile; the last bin is open-ended and
    holds every larger order too. ``currency`` (ISO code or symbol, ``None``: plain numbers)
    writes the bins' labels as money (:func:`analysis.core.text.money`, plain text).
    """
    ot = order_table(tx, as_of)
    v = ot.net[ot.is_purchase]
    cols = ["start", "end", "label", "orders", "revenue", "order_share", "revenue_share", "open"]
    if len(v) == 0:
        nan = float("nan")
        return OrderValueSummary(0, nan, nan, nan, nan, nan, nan, pd.DataFrame(columns=cols))
    # amounts near 1e300 can overflow an order's value to inf (and inf - inf to nan): the
    # figures then say inf/nan, the histogram places inf in its open last bin and skips nan
    finite = v[np.isfinite(v)]
    q = np.quantile(finite, [0.25, 0.5, 0.75, 0.9, 0.99]) if len(finite) else np.full(5, np.nan)
    step = _nice_step(float(q[4]), bins) if len(finite) else 1.0
    first_bin = int(math.floor(finite.min() / step)) if len(finite) else 0
    n_bins = max(int(math.floor(q[4] / step)) + 1 - first_bin, 1) if len(finite) else 1
    all_v, v = v, v[~np.isnan(v)]
    idx = np.clip(np.floor(v / step) - first_bin, 0, n_bins - 1).astype(np.int64)
    counts = np.bincount(idx, minlength=n_bins)
    revenue = np.bincount(idx, weights=v, minlength=n_bins)
    start = (np.arange(n_bins, dtype=np.float64) + first_bin) * step
    end = start + step
    end[-1] = np.inf
    as_money = partial(money, currency=currency, decimals=0 if step >= 1 else 2)
    labels = [f"{as_money(a)}-{as_money(a + step)}" for a in start]
    labels[-1] = f"{as_money(start[-1])}+"
    total = float(v.sum())
    hist = pd.DataFrame(
        {
            "start": start,
            "end": end,
            "label": pd.array(labels, dtype="str"),
            "orders": counts.astype(np.int64),
            "revenue": revenue,
            "order_share": counts / len(v),
            "revenue_share": revenue / total if total > 0 else np.zeros(n_bins),
            "open": np.arange(n_bins) == n_bins - 1,
        }
    )
    return OrderValueSummary(
        orders=len(all_v),
        mean=float(all_v.mean()),
        median=float(q[1]),
        p25=float(q[0]),
        p75=float(q[2]),
        p90=float(q[3]),
        p99=float(q[4]),
        histogram=hist,
    )


def _rfm_segments(tx: pd.DataFrame, as_of) -> pd.Series | None:
    """Return customer -> RFM segment, or None when the scores cannot be computed."""
    try:
        table = rfm_table(tx, as_of=as_of)
    except ValueError:  # scores refuse a missing value (a net that overflowed to NaN)
        return None
    return pd.Series(table["segment"].astype("str").to_numpy(), index=table.index.astype("str"))


def _customer_labels(tx: pd.DataFrame, by: str, as_of) -> tuple[pd.Series | None, str | None]:
    """Return customer -> group label for :func:`spend_per_customer`, or None and the reason."""
    if by == "segment":
        seg = _rfm_segments(tx, as_of)
        return (seg, None) if seg is not None else (None, "RFM segments are not available.")
    if not filled(tx, by):
        return None, needs(tx, (by,), "Spend by " + by)
    return first_order_attribute(tx, by, as_of=as_of), None


def _group_codes(ot: OrderTable, labels: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Return each customer's group code (-1: no label) and the group names.

    Missing and blank labels are :data:`~analysis.core.columns.MISSING_LABEL`.
    """
    pos = labels.index.astype("str")
    cust_code = ot.customers.astype("str").get_indexer(pos)
    values = labels.astype("str").where(labels.notna(), MISSING_LABEL).to_numpy()
    values = np.where(pd.Index(values).str.strip() == "", MISSING_LABEL, values)
    codes, uniques = pd.factorize(values)
    group = np.full(ot.n_customers, -1, dtype=np.int64)
    group[cust_code] = codes
    return group, uniques


def _pool(revenue: np.ndarray, uniques, max_groups: int) -> tuple[np.ndarray, list[str]]:
    """Return each group's rank by revenue and the names, small groups pooled into "Other"."""
    n_groups = len(uniques)
    order = np.argsort(-revenue, kind="stable")
    rank = np.empty(n_groups, dtype=np.int64)
    rank[order] = np.arange(n_groups)
    names = [str(uniques[i]) for i in order]
    if n_groups > max_groups:
        keep = max(max_groups - 1, 1)
        rank = np.minimum(rank, keep)
        names = names[:keep] + [OTHER_LABEL]
    return rank, names


def spend_per_customer(
    tx: pd.DataFrame, by: str = "channel", *, as_of=None, max_groups: int = 10
) -> pd.DataFrame:
    """Return what customers spend, per group of customers.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    by : str
        ``"segment"`` (the RFM segment, when :mod:`analysis.rfm` is available) or a line-level
        column such as ``"channel"`` or ``"country"``: a customer belongs to the value on their
        first purchase order (the channel that acquired them).
    as_of : date-like or None
        End of observation, exclusive.
    max_groups : int
        Largest groups kept; the rest pooled into "Other".

    Returns
    -------
    DataFrame
        One row per group, largest revenue first: ``<by>``, ``customers`` (with a purchase),
        ``customer_share``, ``revenue`` (net, refunds included, file's currency),
        ``revenue_share``, ``revenue_per_customer`` (mean), ``median_per_customer``,
        ``orders_per_customer`` (purchase orders), ``average_order_value`` (purchase orders'
        value / purchase orders). Empty with ``attrs["reason"]`` when the grouping is not
        available.
    """
    cols = [by, "customers", "customer_share", "revenue", "revenue_share"]
    cols += ["revenue_per_customer", "median_per_customer", "orders_per_customer"]
    cols.append("average_order_value")
    labels, reason = _customer_labels(tx, by, as_of)
    if labels is None:
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = reason
        return out
    ot = order_table(tx, as_of)
    group, uniques = _group_codes(ot, labels)
    net = ot.customer_net()
    p = ot.is_purchase
    n_orders = np.bincount(ot.customer[p], minlength=ot.n_customers)
    gross = np.bincount(ot.customer[p], weights=ot.net[p], minlength=ot.n_customers)
    member = (group >= 0) & (n_orders > 0)
    g = group[member]
    rank, names = _pool(
        np.bincount(g, weights=net[member], minlength=len(uniques)), uniques, max_groups
    )
    k = len(names)
    g = rank[g]
    customers = np.bincount(g, minlength=k)
    revenue = np.bincount(g, weights=net[member], minlength=k)
    orders = np.bincount(g, weights=n_orders[member], minlength=k)
    gross_g = np.bincount(g, weights=gross[member], minlength=k)
    median = grouped_quantiles(g, net[member], k, (0.5,))[:, 0]
    total_c = customers.sum()
    total_r = revenue.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                by: pd.array(names, dtype="str"),
                "customers": customers.astype(np.int64),
                "customer_share": customers / total_c if total_c else np.nan,
                "revenue": revenue,
                "revenue_share": revenue / total_r if total_r > 0 else np.nan,
                "revenue_per_customer": revenue / customers,
                "median_per_customer": median,
                "orders_per_customer": orders / customers,
                "average_order_value": gross_g / orders,
            }
        )
    return out[out["customers"] > 0].reset_index(drop=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""Sales without a customer (guest checkouts, till sales): in the totals, in no customer figure."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.overview.describe import describe_sales_without_customer
from analysis.overview.scorecards import Scorecard

__all__ = [
    "SalesWithoutCustomer",
    "sales_without_customer",
    "totals_with_sales_without_customer",
]


@dataclass(frozen=True)
class SalesWithoutCustomer:
    """Sales with a date and an amount but no customer (``Prepared.anonymous``).

    An order is an ``order_id`` (a line without an order number is its own order); a purchase
    order has a net value >= 0, a refund order < 0, as in :class:`Scorecard`. Money is in the
    file's currency; ``later_lines`` are dated on or after ``as_of`` and not counted.
    """

    lines: int
    orders: int
    refund_orders: int
    net_revenue: float
    later_lines: int = 0


def sales_without_customer(anonymous: pd.DataFrame | None, *, as_of=None) -> SalesWithoutCustomer:
    """Count the sales without a customer observed before ``as_of``.

    Parameters
    ----------
    anonymous : DataFrame or None
        ``Prepared.anonymous`` (``order_id``, ``order_date``, ``amount``); None or empty gives
        zeros.
    as_of : date-like or None
        End of observation, exclusive (pass the scorecard's ``as_of``); None counts every line.

    Returns
    -------
    SalesWithoutCustomer
        Lines, purchase and refund orders and net revenue before ``as_of``.
    """
    if anonymous is None or len(anonymous) == 0 or "amount" not in anonymous:
        return SalesWithoutCustomer(0, 0, 0, 0.0)
    dates = pd.to_datetime(anonymous["order_date"]).to_numpy()
    keep = np.ones(len(anonymous), dtype=bool)
    if as_of is not None:
        keep = dates < np.datetime64(pd.Timestamp(as_of).normalize().to_datetime64(), "ns")
    amount = anonymous["amount"].to_numpy(dtype=np.float64)[keep]
    codes, uniques = pd.factorize(anonymous["order_id"].to_numpy(dtype=object)[keep])
    net = np.bincount(codes, weights=amount, minlength=len(uniques))
    purchase = int((net >= 0).sum())
    return SalesWithoutCustomer(
        lines=int(keep.sum()),
        orders=purchase,
        refund_orders=int(len(net) - purchase),
        net_revenue=float(amount.sum()),
        later_lines=int((~keep).sum()),
    )


def totals_with_sales_without_customer(
    card: Scorecard, anon: SalesWithoutCustomer
) -> tuple[dict[str, float], list[str]]:
    """Total revenue and orders including the sales without a customer, and what to say.

    Parameters
    ----------
    card : Scorecard
        The customers' figures.
    anon : SalesWithoutCustomer
        From :func:`sales_without_customer` with the same ``as_of``.

    Returns
    -------
    tuple[dict, list[str]]
        ``{"total_net_revenue", "total_orders", "without_customer_net_revenue",
        "without_customer_orders", "without_customer_share"}`` (money in the file's currency;
        the share of total net revenue as a fraction, ``nan`` when the total is not above 0),
        and plain sentences for the page
        (:func:`~analysis.overview.describe.describe_sales_without_customer`; none when there
        are no such sales).
    """
    total = card.net_revenue + anon.net_revenue
    figures = {
        "total_net_revenue": total,
        "total_orders": card.orders + anon.orders,
        "without_customer_net_revenue": anon.net_revenue,
        "without_customer_orders": anon.orders,
        "without_customer_share": anon.net_revenue / total if total > 0 else math.nan,
    }
    return figures, describe_sales_without_customer(anon, figures)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

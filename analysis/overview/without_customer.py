"""Sales without a customer (guest checkouts, till sales): in the totals, in no customer figure."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.overview.describe import (
    describe_file_without_customers,
    describe_sales_without_customer,
)
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
    ``first_date`` and ``last_date`` are the midnights of the first and last counted line's day
    (None when no line is counted).
    """

    lines: int
    orders: int
    refund_orders: int
    net_revenue: float
    later_lines: int = 0
    first_date: pd.Timestamp | None = None
    last_date: pd.Timestamp | None = None

    @property
    def as_of(self) -> pd.Timestamp | None:
        """Return the day after the last counted line (end of observation, exclusive)."""
        return None if self.last_date is None else self.last_date + pd.Timedelta(days=1)


def _midnight_ns(day) -> np.datetime64:
    """Return a date-like value as a nanosecond ``datetime64`` at midnight."""
    return np.datetime64(pd.Timestamp(day).normalize().to_datetime64(), "ns")


def _in_period(dates: np.ndarray, start, end) -> np.ndarray:
    """Return which ``dates`` fall in ``[start, end)`` (calendar days; None leaves a side open)."""
    keep = np.ones(len(dates), dtype=bool)
    if start is not None:
        keep &= dates >= _midnight_ns(start)
    if end is not None:
        keep &= dates < _midnight_ns(end)
    return keep


def sales_without_customer(
    anonymous: pd.DataFrame | None, *, as_of=None, start=None, end=None
) -> SalesWithoutCustomer:
    """Count the sales without a customer of a period, observed before ``as_of``.

    Parameters
    ----------
    anonymous : DataFrame or None
        ``Prepared.anonymous`` (``order_id``, ``order_date``, ``amount``); None or empty gives
        zeros.
    as_of : date-like or None
        End of observation, exclusive (pass the scorecard's ``as_of``); lines of the period on
        or after it are counted as ``later_lines`` only. None counts every line of the period.
    start, end : date-like or None
        The period ``[start, end)`` in calendar days, start included and end excluded, as
        :func:`~analysis.overview.periods.period_bounds` gives them. Lines outside it are not
        counted at all (not even as later lines). None leaves that side open.

    Returns
    -------
    SalesWithoutCustomer
        Lines, purchase and refund orders, net revenue and first and last day of the period's
        lines before ``as_of``.
    """
    if anonymous is None or len(anonymous) == 0 or "amount" not in anonymous:
        return SalesWithoutCustomer(0, 0, 0, 0.0)
    dates = pd.to_datetime(anonymous["order_date"]).to_numpy(dtype="datetime64[ns]")
    period = _in_period(dates, start, end)
    keep = period & _in_period(dates, None, as_of)
    amount = anonymous["amount"].to_numpy(dtype=np.float64)[keep]
    codes, uniques = pd.factorize(anonymous["order_id"].to_numpy(dtype=object)[keep])
    net = np.bincount(codes, weights=amount, minlength=len(uniques))
    purchase = int((net >= 0).sum())
    kept = dates[keep]
    return SalesWithoutCustomer(
        lines=int(keep.sum()),
        orders=purchase,
        refund_orders=int(len(net) - purchase),
        net_revenue=float(amount.sum()),
        later_lines=int((period & ~keep).sum()),
        first_date=pd.Timestamp(kept.min()).normalize() if len(kept) else None,
        last_date=pd.Timestamp(kept.max()).normalize() if len(kept) else None,
    )


def totals_with_sales_without_customer(
    card: Scorecard | None, anon: SalesWithoutCustomer, currency: str | None = None
) -> tuple[dict[str, float], list[str]]:
    """Total revenue and orders including the sales without a customer, and what to say.

    Parameters
    ----------
    card : Scorecard or None
        The customers' figures; None when the file names no customer at all (a till report):
        the totals are then those of the sales without a customer alone.
    anon : SalesWithoutCustomer
        From :func:`sales_without_customer` with the same ``as_of`` and period.
    currency : str or None
        ISO code (or symbol) of the file's money, for the sentences; None: plain numbers.

    Returns
    -------
    tuple[dict, list[str]]
        ``{"total_net_revenue", "total_orders", "without_customer_net_revenue",
        "without_customer_orders", "without_customer_share"}`` (money in the file's currency;
        the share of total net revenue as a fraction, ``nan`` when the total is not above 0),
        and plain sentences for the page
        (:func:`~analysis.overview.describe.describe_sales_without_customer`, none when there
        are no such sales; with ``card=None``
        :func:`~analysis.overview.describe.describe_file_without_customers`).
    """
    net, orders = (0.0, 0) if card is None else (card.net_revenue, card.orders)
    total = net + anon.net_revenue
    figures = {
        "total_net_revenue": total,
        "total_orders": orders + anon.orders,
        "without_customer_net_revenue": anon.net_revenue,
        "without_customer_orders": anon.orders,
        "without_customer_share": anon.net_revenue / total if total > 0 else math.nan,
    }
    if card is None:
        return figures, describe_file_without_customers(anon, figures, currency)
    return figures, describe_sales_without_customer(anon, figures, currency)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

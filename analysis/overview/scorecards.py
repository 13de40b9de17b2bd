"""The scorecard: headline figures of a transactions table, with plain-word definitions.

Money identity (tested): ``net_revenue == gross_revenue - refunds``, where ``gross_revenue``
sums the purchase orders' net values and ``refunds`` is the (positive) value of the refund
orders. A refund line inside an order that is still a purchase overall (a partial refund on the
same invoice) already lowers that order's net value, so it is in ``gross_revenue``, not in
``refunds``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from analysis.core.floats import largest_amount, make_float_safe
from analysis.core.orders import OrderTable, day_numbers, order_table, resolve_as_of
from analysis.core.text import money, percent

__all__ = [
    "ACTIVE_WINDOW_DAYS",
    "DEFINITIONS",
    "LABELS",
    "Scorecard",
    "dataset_size_check",
    "format_figure",
    "format_money",
    "scorecard",
    "scorecard_table",
]

#: Length in days of the "active customers" windows of the scorecard.
ACTIVE_WINDOW_DAYS = 90

#: Short display names of the scorecard figures (metric titles).
LABELS: dict[str, str] = {
    "customers": "Customers",
    "orders": "Orders",
    "refund_orders": "Refund orders",
    "net_revenue": "Net revenue",
    "gross_revenue": "Gross sales",
    "refunds": "Refunded",
    "average_order_value": "Average order value",
    "orders_per_customer": "Orders per customer",
    "repeat_customer_rate": "Repeat-customer rate",
    "refund_rate": "Refund rate",
    "active_last_90": "Active customers, last 90 days",
    "active_prev_90": "Active customers, 90 days before",
    "first_date": "First date",
    "last_date": "Last date",
    "as_of": "As of",
}

#: One plain-words sentence per figure, used as the page's help tooltips.
DEFINITIONS: dict[str, str] = {
    "customers": (
        "Customers: people with at least one order worth zero or more (customers who only "
        "appear with refunds are not counted)."
    ),
    "orders": (
        "Orders: purchase orders, i.e. orders whose lines add up to zero or more (free orders "
        "count, refunds and cancellations do not)."
    ),
    "refund_orders": (
        "Refund orders: orders whose lines add up to less than zero (refunds, returns, "
        "cancellations)."
    ),
    "net_revenue": (
        "Net revenue: everything customers paid minus everything refunded, in the file's currency."
    ),
    "gross_revenue": (
        "Gross sales: the value of all purchase orders, before subtracting refund orders, in the "
        "file's currency."
    ),
    "refunds": (
        "Refunded: the total value of refund orders, as a positive amount in the file's currency "
        "(a partial refund on the same order as the purchase is already netted into that order)."
    ),
    "average_order_value": (
        "Average order value: gross sales divided by the number of purchase orders."
    ),
    "orders_per_customer": (
        "Orders per customer: purchase orders divided by customers, over the whole period."
    ),
    "repeat_customer_rate": (
        "Repeat-customer rate: the share of customers who placed two or more purchase orders."
    ),
    "refund_rate": "Refund rate: the value refunded as a share of gross sales.",
    "active_last_90": (
        "Active customers, last 90 days: customers with a purchase order in the 90 days before "
        "the as-of date (the as-of date itself not included)."
    ),
    "active_prev_90": (
        "Active customers, 90 days before: customers with a purchase order in the 90 days before "
        "those, for comparison."
    ),
    "first_date": "First date: the day of the earliest transaction counted.",
    "last_date": "Last date: the day of the latest transaction counted.",
    "as_of": (
        "As of: the end of the data, not included; by default the day after the last "
        "transaction. Later transactions are ignored."
    ),
}


@dataclass(frozen=True)
class Scorecard:
    """Headline figures of a transactions table, observed before ``as_of``.

    Counts are ints; money is float in the file's currency; rates are fractions in [0, 1]
    (``nan`` when undefined, e.g. no orders); dates are midnight ``Timestamp`` (``None`` when
    there is no observed transaction). See :data:`DEFINITIONS` for each figure.
    """

    customers: int
    orders: int
    refund_orders: int
    net_revenue: float
    gross_revenue: float
    refunds: float
    average_order_value: float
    orders_per_customer: float
    repeat_customer_rate: float
    refund_rate: float
    active_last_90: int
    active_prev_90: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    as_of: pd.Timestamp | None
    largest_amount: float = 0.0
    """Largest absolute line amount observed (file's currency); at or above
    :data:`analysis.core.floats.LARGEST_PLAUSIBLE_AMOUNT` sums may overflow and
    :func:`~analysis.overview.describe.describe_scorecard` says so."""

    @property
    def active_change(self) -> float:
        """Relative change of active customers, last 90 days vs the 90 before (nan if none)."""
        if self.active_prev_90 == 0:
            return math.nan
        return self.active_last_90 / self.active_prev_90 - 1.0

    @property
    def prev_90_complete(self) -> bool:
        """True when the data starts on or before the first day of the earlier 90-day window.

        When False, the earlier window is only partly covered by the data and comparing the two
        windows overstates growth.
        """
        if self.first_date is None or self.as_of is None:
            return False
        return self.first_date <= self.as_of - pd.Timedelta(days=2 * ACTIVE_WINDOW_DAYS)

    def to_dict(self) -> dict[str, object]:
        """Return the figures as a plain dict (field name -> value)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else math.nan


def _empty_scorecard(as_of: pd.Timestamp | None) -> Scorecard:
    nan = math.nan
    return Scorecard(0, 0, 0, 0.0, 0.0, 0.0, nan, nan, nan, nan, 0, 0, None, None, as_of)


def _has_dated_rows(tx: pd.DataFrame | None) -> bool:
    return tx is not None and len(tx) > 0 and bool(tx["order_date"].notna().any())


def _as_of_or_none(tx: pd.DataFrame | None, as_of) -> pd.Timestamp | None:
    if as_of is not None:
        return resolve_as_of(tx, as_of)
    return resolve_as_of(tx) if _has_dated_rows(tx) else None


def _orders_before(tx: pd.DataFrame | None, as_of) -> tuple[pd.Timestamp | None, OrderTable | None]:
    """Return the resolved ``as_of`` and the orders before it (None for both without dates)."""
    as_of_ts = _as_of_or_none(tx, as_of)
    if as_of_ts is None:
        return None, None
    return as_of_ts, order_table(tx, as_of_ts)


def scorecard(tx: pd.DataFrame, *, as_of=None) -> Scorecard:
    """Compute the headline figures of the transactions observed before ``as_of``.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive (calendar date); default the day after the last
        transaction.

    Returns
    -------
    Scorecard
        Counts, money (file's currency; net = refunds subtracted), rates as fractions, and the
        active-customer counts in the 90 days before ``as_of`` (days ``as_of-90 .. as_of-1``)
        and the 90 before those (``as_of-180 .. as_of-91``). An empty table (or nothing before
        ``as_of``) gives zero counts and ``nan`` rates, never an error.
    """
    as_of_ts, ot = _orders_before(tx, as_of)
    if ot is None or len(ot.net) == 0:
        return _empty_scorecard(as_of_ts)

    purchase = ot.is_purchase
    n_orders = int(purchase.sum())
    per_customer = np.bincount(ot.customer[purchase], minlength=ot.n_customers)
    n_customers = int((per_customer > 0).sum())
    n_repeat = int((per_customer >= 2).sum())
    gross = float(ot.net[purchase].sum())
    refunds = float(-ot.net[~purchase].sum())
    net = float(ot.line_amount.sum())

    cutoff = int(day_numbers(pd.Series([as_of_ts]))[0])
    p_day = ot.day[purchase]
    p_cust = ot.customer[purchase]
    w = ACTIVE_WINDOW_DAYS

    def distinct_customers(lo: int, hi: int) -> int:
        seen = np.zeros(ot.n_customers, dtype=bool)
        seen[p_cust[(p_day >= lo) & (p_day < hi)]] = True
        return int(seen.sum())

    dates = tx["order_date"].to_numpy()[ot.line_index]
    return Scorecard(
        customers=n_customers,
        orders=n_orders,
        refund_orders=int(len(ot.net) - n_orders),
        net_revenue=net,
        gross_revenue=gross,
        refunds=refunds,
        average_order_value=_ratio(gross, n_orders),
        orders_per_customer=_ratio(n_orders, n_customers),
        repeat_customer_rate=_ratio(n_repeat, n_customers),
        refund_rate=_ratio(refunds, gross) if gross > 0 else math.nan,
        active_last_90=distinct_customers(cutoff - w, cutoff),
        active_prev_90=distinct_customers(cutoff - 2 * w, cutoff - w),
        first_date=pd.Timestamp(dates.min()).normalize(),
        last_date=pd.Timestamp(dates.max()).normalize(),
        as_of=as_of_ts,
        largest_amount=largest_amount(ot.line_amount),
    )


def format_money(x: float, currency: str | None = None) -> str:
    """Write money as display text: no decimals from 1,000 up, two below; "n/a" when not finite.

    ``currency`` (ISO code, e.g. from :func:`analysis.core.currency.detect_currency`) adds its
    symbol or code; ``None`` writes the number alone.
    """
    if not math.isfinite(x):
        return "n/a"
    return money(x, currency, decimals=0 if abs(x) >= 1000 else 2)


def _pct(x: float) -> str:
    """Write a rate as the scorecard does: one decimal below 10% (``"0.0%"`` for zero)."""
    return percent(x, decimals=1 if abs(x) < 0.1 else 0)  # "n/a" when not finite


def format_figure(card: Scorecard, key: str, currency: str | None = None) -> str:
    """Write a scorecard figure as display text (thousands separators, percentages, ISO dates).

    Money carries ``currency``'s symbol or code when given; undefined values show "n/a".
    """
    value = getattr(card, key)
    if value is None:
        return "n/a"
    if key in ("first_date", "last_date", "as_of"):
        return value.strftime("%Y-%m-%d")
    if key in ("net_revenue", "gross_revenue", "refunds", "average_order_value"):
        return format_money(value, currency)
    if key in ("repeat_customer_rate", "refund_rate"):
        return _pct(value)
    if key == "orders_per_customer":
        return "n/a" if not math.isfinite(value) else f"{value:.2f}"
    return f"{value:,}"


def scorecard_table(card: Scorecard) -> pd.DataFrame:
    """Return the numeric scorecard figures as a table for download.

    Returns
    -------
    DataFrame
        Columns ``figure`` (display name), ``value`` (float64, rates as fractions, money in the
        file's currency, ``nan`` when undefined) and ``definition`` (the help sentence). The
        dates are left out (they are in the page caption).
    """
    keys = [k for k in LABELS if k not in ("first_date", "last_date", "as_of")]
    return pd.DataFrame(
        {
            "figure": [LABELS[k] for k in keys],
            "value": np.array([getattr(card, k) for k in keys], dtype=np.float64),
            "definition": [DEFINITIONS[k] for k in keys],
        }
    )


def dataset_size_check(tx: pd.DataFrame | None, *, as_of=None) -> str | None:
    """Return a friendly message when the data is empty or too small for an overview, else None.

    Too small means: no transactions (before ``as_of``), no purchase order, or fewer than two
    customers with a purchase order.
    """
    if not _has_dated_rows(tx):
        return (
            "There are no transactions to summarise yet. Upload a spreadsheet with one row per "
            "sale (customer, order, date and amount) to see the overview."
        )
    card = scorecard(tx, as_of=as_of)
    if card.orders == 0 and card.refund_orders == 0:
        return (
            f"No transactions fall before the as-of date {card.as_of:%Y-%m-%d}. Pick a later "
            "date to see the overview."
        )
    if card.orders == 0:
        return (
            "This data only holds refunds or cancellations, no purchases, so there is nothing "
            "to summarise yet."
        )
    if card.customers < 2:
        return (
            "This data has purchases from only one customer. The overview compares customers, "
            "so it needs at least two; add more rows to see it."
        )
    return None


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

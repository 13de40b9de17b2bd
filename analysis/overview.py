"""Overview scorecard: the headline figures of a transactions table, with plain-word definitions.

All figures follow the shared conventions of :mod:`analysis.orders`: ``as_of`` is the end of
observation (exclusive, a calendar date, default the day after the last transaction); an order is
``(customer_id, order_id)``, its net value the sum of its lines; a **purchase order** has a net
value >= 0 (free orders count), a **refund order** a net value < 0. Money is in the file's own
currency; "net" means refunds are subtracted.

Money identities (tested):

- ``net_revenue == gross_revenue - refunds``, where ``gross_revenue`` sums the purchase orders'
  net values and ``refunds`` is the (positive) value of the refund orders. A refund line inside
  an order that is still a purchase overall (a partial refund on the same invoice) already
  lowers that order's net value, so it is in ``gross_revenue``, not in ``refunds``.
- In :func:`new_vs_returning` the new and returning revenue of all periods add up to
  ``net_revenue``.

Everything is computed on integer codes from :func:`analysis.orders.order_table` with numpy; the
full UCI Online Retail table (~400k lines) takes a few tens of milliseconds per function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from analysis.core.floats import LARGEST_PLAUSIBLE_AMOUNT, largest_amount, make_float_safe
from analysis.core.orders import day_numbers, order_table, resolve_as_of
from analysis.core.text import money, percent

__all__ = [
    "BREAKDOWN_COLUMNS",
    "COMPARED_FIGURES",
    "COMPARISONS",
    "DEFINITIONS",
    "PERIODS",
    "PeriodComparison",
    "change_text",
    "compare_scorecards",
    "comparison_phrase",
    "figure_change",
    "new_vs_returning_in_period",
    "period_bounds",
    "top_breakdown_in_period",
    "LABELS",
    "SalesWithoutCustomer",
    "Scorecard",
    "available_breakdowns",
    "dataset_size_check",
    "format_figure",
    "format_money",
    "new_vs_returning",
    "scorecard",
    "scorecard_insights",
    "sales_without_customer",
    "scorecard_table",
    "totals_with_sales_without_customer",
    "top_breakdown",
]

#: Optional canonical columns that :func:`top_breakdown` can split revenue by, in page order.
BREAKDOWN_COLUMNS: tuple[str, ...] = ("country", "channel", "category", "product")

#: Label used for rows whose breakdown value is missing or blank.
MISSING_LABEL = "(not given)"
#: Label of the row that gathers every value beyond the top ``n``.
OTHER_LABEL = "Other"

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
    :func:`scorecard_insights` says so."""

    @property
    def active_change(self) -> float:
        """Relative change of active customers, last 90 days vs the 90 before (nan if none before)."""
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
        """Figures as a plain dict (field name -> value)."""
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


def scorecard(tx: pd.DataFrame, *, as_of=None) -> Scorecard:
    """Headline figures of the transactions observed before ``as_of``.

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
    as_of_ts = _as_of_or_none(tx, as_of)
    if as_of_ts is None:
        return _empty_scorecard(None)
    ot = order_table(tx, as_of_ts)
    if len(ot.net) == 0:
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


def _money(x: float, currency: str | None = None) -> str:
    if not math.isfinite(x):
        return "n/a"
    return money(x, currency, decimals=0 if abs(x) >= 1000 else 2)


def format_money(x: float, currency: str | None = None) -> str:
    """Money as display text: no decimals from 1,000 up, two below; "n/a" when not finite.

    ``currency`` (ISO code, e.g. from :func:`analysis.core.currency.detect_currency`) adds its
    symbol or code; ``None`` writes the number alone.
    """
    return _money(x, currency)


def _pct(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return percent(x, decimals=1 if abs(x) < 0.1 else 0)  # never "-0.0%"


def format_figure(card: Scorecard, key: str, currency: str | None = None) -> str:
    """A scorecard figure as display text (thousands separators, percentages, ISO dates).

    Money carries ``currency``'s symbol or code when given; undefined values show "n/a".
    """
    value = getattr(card, key)
    if value is None:
        return "n/a"
    if key in ("first_date", "last_date", "as_of"):
        return value.strftime("%Y-%m-%d")
    if key in ("net_revenue", "gross_revenue", "refunds", "average_order_value"):
        return _money(value, currency)
    if key in ("repeat_customer_rate", "refund_rate"):
        return _pct(value)
    if key == "orders_per_customer":
        return "n/a" if not math.isfinite(value) else f"{value:.2f}"
    return f"{value:,}"


def scorecard_table(card: Scorecard) -> pd.DataFrame:
    """The numeric scorecard figures as a table for download.

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


def scorecard_insights(card: Scorecard) -> list[str]:
    """Two to four plain-language sentences, each with a concrete next step.

    Covers the repeat-customer rate, active customers in the last 90 days against the 90 before
    (only when the data covers both windows), the refund rate when above 5%, and the average
    order value when fewer than three other points apply. Returns one sentence explaining the
    absence of purchases when there are none.
    """
    if card.customers == 0:
        return ["There are no purchase orders in this data yet, so there is nothing to summarise."]
    out: list[str] = []
    if card.largest_amount >= LARGEST_PLAUSIBLE_AMOUNT:
        out.append(
            f"Some amounts are enormous (up to {card.largest_amount:.3g}): at that size totals "
            "lose their cents and can overflow, so some figures show as n/a. Check on Your data "
            "that the right column is read as the amount."
        )
    repeat = card.repeat_customer_rate
    if repeat < 0.4:
        out.append(
            f"Only {_pct(repeat)} of customers came back for a second order. A thank-you email "
            "with a reason to return within 30 days is the cheapest lever."
        )
    else:
        out.append(
            f"{_pct(repeat)} of customers ordered more than once, a loyal base. Keep them close "
            "with early access or a small loyalty reward rather than discounts for everyone."
        )

    last, prev = card.active_last_90, card.active_prev_90
    if card.prev_90_complete and prev > 0:
        change = card.active_change
        if change <= -0.1:
            out.append(
                f"Active customers fell {_pct(-change)} to {last:,} in the last 90 days, from "
                f"{prev:,} in the 90 days before. Contact the customers who bought then but not "
                "since with a win-back offer, and check what changed (prices, stock, season)."
            )
        elif change >= 0.1:
            out.append(
                f"Active customers rose {_pct(change)} to {last:,} in the last 90 days, from "
                f"{prev:,} in the 90 days before. Find out which channel or product brought them "
                "and put more effort there."
            )
        else:
            out.append(
                f"Active customers held steady: {last:,} in the last 90 days against {prev:,} in "
                "the 90 days before. Compare the same months last year to see whether this is "
                "the usual season."
            )
    elif card.prev_90_complete and last > 0:
        out.append(
            f"{last:,} customers bought in the last 90 days and none in the 90 days before. "
            "Ask the new customers how they found you, so you can do more of it."
        )

    if math.isfinite(card.refund_rate) and card.refund_rate > 0.05:
        out.append(
            f"Refunds take {_pct(card.refund_rate)} of gross sales ({_money(card.refunds)} of "
            f"{_money(card.gross_revenue)}), which is high. Look at which products are refunded "
            "most and fix their description, sizing or quality first."
        )

    if len(out) < 3 and math.isfinite(card.average_order_value):
        out.append(
            f"The average order is worth {_money(card.average_order_value)} and customers "
            f"placed {card.orders_per_customer:.1f} orders each. A free-shipping threshold or "
            "a bundle priced a little above the average order nudges baskets up."
        )
    return out[:4]


def dataset_size_check(tx: pd.DataFrame | None, *, as_of=None) -> str | None:
    """A friendly message when the data is empty or too small for an overview, else None.

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


# --------------------------------------------------------------------------------------------
# New vs returning customers per period
# --------------------------------------------------------------------------------------------

_NVR_COLUMNS = [
    "period",
    "period_start",
    "period_label",
    "new_customers",
    "returning_customers",
    "active_customers",
    "new_revenue",
    "returning_revenue",
    "net_revenue",
    "partial",
]


def _empty_nvr(freq: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex([], freq=freq),
            "period_start": pd.DatetimeIndex([], dtype="datetime64[ns]"),
            "period_label": pd.Series([], dtype="str"),
            "new_customers": np.array([], dtype=np.int64),
            "returning_customers": np.array([], dtype=np.int64),
            "active_customers": np.array([], dtype=np.int64),
            "new_revenue": np.array([], dtype=np.float64),
            "returning_revenue": np.array([], dtype=np.float64),
            "net_revenue": np.array([], dtype=np.float64),
            "partial": np.array([], dtype=bool),
        }
    )


def _period_ordinals(days: np.ndarray, freq: str) -> np.ndarray:
    """Period ordinals (pandas ``Period.ordinal``) of int64 day numbers, via unique days."""
    uniq, inverse = np.unique(days, return_inverse=True)
    stamps = pd.DatetimeIndex(uniq.astype("datetime64[D]").astype("datetime64[ns]"))
    return stamps.to_period(freq).asi8[inverse]


def new_vs_returning(tx: pd.DataFrame, *, freq: str = "M", as_of=None) -> pd.DataFrame:
    """New and returning customers, and their net revenue, per calendar period.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "W", "Q", "Y"}
        Period length (pandas period alias): months by default, weeks end on Sunday.
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction.

    Returns
    -------
    DataFrame
        One row per period from the first observed order's period to the period holding the day
        before ``as_of`` (periods without orders included, as zeros). Columns:

        - ``period`` (``pd.Period``), ``period_start`` (midnight timestamp of its first day),
          ``period_label`` (str: "2011-03" for months, the Monday's date for weeks);
        - ``new_customers``: customers whose first purchase order in the data is in the period;
        - ``returning_customers``: customers with a purchase order in the period who had one in
          an earlier period; ``active_customers`` is their sum;
        - ``new_revenue`` / ``returning_revenue``: net value of the period's orders (refund
          orders included, by order date) of new / all other customers. Refunds from customers
          with no earlier purchase in the data (bought before it starts) count as returning;
          ``net_revenue`` is their sum, and the column adds up to the scorecard's net revenue;
        - ``partial``: True for the last period when it does not end before ``as_of``.

    Notes
    -----
    In the first periods of the data nearly everyone is "new", because earlier purchases are
    not in the file.
    """
    as_of_ts = _as_of_or_none(tx, as_of)
    if as_of_ts is None:
        return _empty_nvr(freq)
    ot = order_table(tx, as_of_ts)
    if len(ot.net) == 0:
        return _empty_nvr(freq)

    last_day = int(day_numbers(pd.Series([as_of_ts]))[0]) - 1
    ords = _period_ordinals(np.append(ot.day, last_day), freq)
    order_p, last_p = ords[:-1], int(ords[-1])
    first_p = int(order_p.min())
    n_periods = last_p - first_p + 1
    order_i = order_p - first_p  # period index of each order

    purchase = ot.is_purchase
    big = np.iinfo(np.int64).max
    first_buy = np.full(ot.n_customers, big, dtype=np.int64)
    np.minimum.at(first_buy, ot.customer[purchase], order_i[purchase])
    is_new = first_buy[ot.customer] == order_i

    new_rev = np.bincount(order_i[is_new], weights=ot.net[is_new], minlength=n_periods)
    ret_rev = np.bincount(order_i[~is_new], weights=ot.net[~is_new], minlength=n_periods)

    # Distinct (customer, period) pairs among purchase orders.
    key = ot.customer[purchase] * n_periods + order_i[purchase]
    pairs = pd.unique(key)
    pair_cust, pair_p = pairs // n_periods, pairs % n_periods
    pair_new = first_buy[pair_cust] == pair_p
    new_c = np.bincount(pair_p[pair_new], minlength=n_periods)
    ret_c = np.bincount(pair_p[~pair_new], minlength=n_periods)

    periods = pd.period_range(
        pd.Period(ordinal=first_p, freq=freq), periods=n_periods, freq=freq, name=None
    )
    starts = periods.start_time.as_unit("ns")
    next_start = (periods[-1] + 1).start_time
    if periods.freqstr.startswith("W"):
        labels = starts.strftime("%Y-%m-%d")
    else:
        labels = periods.astype(str)
    partial = np.zeros(n_periods, dtype=bool)
    partial[-1] = as_of_ts < next_start
    return pd.DataFrame(
        {
            "period": periods,
            "period_start": starts,
            "period_label": pd.array(labels, dtype="str"),
            "new_customers": new_c.astype(np.int64),
            "returning_customers": ret_c.astype(np.int64),
            "active_customers": (new_c + ret_c).astype(np.int64),
            "new_revenue": new_rev,
            "returning_revenue": ret_rev,
            "net_revenue": new_rev + ret_rev,
            "partial": partial,
        }
    )


# --------------------------------------------------------------------------------------------
# Top countries / channels / categories / products
# --------------------------------------------------------------------------------------------


def _empty_breakdown(column: str, reason: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            column: pd.Series([], dtype="str"),
            "net_revenue": np.array([], dtype=np.float64),
            "orders": np.array([], dtype=np.int64),
            "customers": np.array([], dtype=np.int64),
            "revenue_share": np.array([], dtype=np.float64),
        }
    )
    out.attrs["reason"] = reason
    return out


def available_breakdowns(tx: pd.DataFrame | None) -> list[str]:
    """The optional breakdown columns (:data:`BREAKDOWN_COLUMNS`) present with any value in ``tx``."""
    if tx is None:
        return []
    return [c for c in BREAKDOWN_COLUMNS if c in tx.columns and bool(tx[c].notna().any())]


def _distinct_per_group(entity: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct ``entity`` codes per group code (both non-negative int64)."""
    pairs = pd.unique(entity * n_groups + group)
    return np.bincount(pairs % n_groups, minlength=n_groups).astype(np.int64)


def top_breakdown(tx: pd.DataFrame, column: str, *, n: int = 10, as_of=None) -> pd.DataFrame:
    """Net revenue, orders and customers per value of an optional column, biggest first.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        A line-level attribute, usually one of :data:`BREAKDOWN_COLUMNS`.
    n : int
        Number of values shown by name; the rest are gathered in one ``"Other"`` row (only when
        there are more than ``n`` values).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        Columns ``<column>`` (str; missing or blank values as ``"(not given)"``),
        ``net_revenue`` (sum of the lines' amounts, refunds subtracted, file's currency),
        ``orders`` (purchase orders with at least one line of that value), ``customers``
        (customers with such an order) and ``revenue_share`` (fraction of the total net
        revenue; ``nan`` when the total is not positive). Sorted by net revenue, ``"Other"``
        last. The counts of ``"Other"`` are distinct orders/customers, not sums. When the
        column is absent, empty, or nothing falls before ``as_of``, the frame is empty and
        ``df.attrs["reason"]`` says why in plain words.
    """
    if n < 1:
        raise ValueError("n must be at least 1.")
    if tx is None or column not in tx.columns:
        return _empty_breakdown(column, f"The data has no {column} column.")
    if not tx[column].notna().any():
        return _empty_breakdown(column, f"No row has a {column} filled in.")
    as_of_ts = _as_of_or_none(tx, as_of)
    if as_of_ts is None:
        return _empty_breakdown(column, "There are no dated transactions.")
    ot = order_table(tx, as_of_ts)
    if len(ot.line_index) == 0:
        return _empty_breakdown(column, "No transactions fall before the as-of date.")

    codes, uniques = pd.factorize(tx[column])
    codes = codes[ot.line_index].astype(np.int64, copy=False)
    labels = np.asarray(uniques.astype("str"), dtype=object)
    blank = np.asarray(pd.Index(labels, dtype="str").str.strip() == "", dtype=bool)
    n_vals = len(labels)
    # One group per value, plus one for missing/blank values; blank values map to it.
    remap = np.arange(n_vals + 1, dtype=np.int64)
    remap[:n_vals][blank] = n_vals
    group = remap[np.where(codes < 0, n_vals, codes)]
    names = np.append(labels, MISSING_LABEL)

    revenue = np.bincount(group, weights=ot.line_amount, minlength=n_vals + 1)
    present = np.bincount(group, minlength=n_vals + 1) > 0
    kept = np.flatnonzero(present)
    kept = kept[np.argsort(-revenue[kept], kind="stable")]
    if len(kept) > n:
        top, rest = kept[:n], kept[n:]
        final = np.full(n_vals + 1, n, dtype=np.int64)
        final[top] = np.arange(n)
        out_names = [*names[top].tolist(), OTHER_LABEL]
    else:
        final = np.zeros(n_vals + 1, dtype=np.int64)
        final[kept] = np.arange(len(kept))
        out_names = names[kept].tolist()
        rest = kept[:0]
    n_out = len(out_names)
    g = final[group]

    in_purchase = ot.is_purchase[ot.line_order]
    out_rev = np.bincount(g, weights=ot.line_amount, minlength=n_out)
    orders = _distinct_per_group(ot.line_order[in_purchase], g[in_purchase], n_out)
    customers = _distinct_per_group(ot.line_customer[in_purchase], g[in_purchase], n_out)
    total = float(ot.line_amount.sum())
    share = out_rev / total if total > 0 else np.full(n_out, np.nan)
    out = pd.DataFrame(
        {
            column: pd.array(out_names, dtype="str"),
            "net_revenue": out_rev,
            "orders": orders,
            "customers": customers,
            "revenue_share": share,
        }
    )
    out.attrs["reason"] = ""
    out.attrs["other_values"] = int(len(rest))
    return out


# ---------------------------------------------------------------------------------------------
# sales without a customer (guest checkouts, till sales): in the totals, in no customer figure
# ---------------------------------------------------------------------------------------------


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
        and plain sentences for the page (none when there are no such sales).
    """
    total = card.net_revenue + anon.net_revenue
    orders = card.orders + anon.orders
    share = anon.net_revenue / total if total > 0 else math.nan
    figures = {
        "total_net_revenue": total,
        "total_orders": orders,
        "without_customer_net_revenue": anon.net_revenue,
        "without_customer_orders": anon.orders,
        "without_customer_share": share,
    }
    if anon.lines == 0:
        return figures, []
    part = f" ({_pct(share)})" if math.isfinite(share) else ""
    said = [
        f"Total net revenue is {_money(total)} in {orders:,} orders, of which "
        f"{_money(anon.net_revenue)}{part} in {anon.orders:,} orders without a customer "
        "(guest checkouts, till sales: "
        f"{anon.lines:,} lines with no customer in the file). Those sales count in these totals "
        "but not in any customer figure: customers, repeat rate, segments and lifetime value "
        "use only the sales with a customer."
    ]
    if anon.later_lines:
        said.append(
            f"{anon.later_lines:,} line{'s' if anon.later_lines != 1 else ''} without a customer "
            f"{'are' if anon.later_lines != 1 else 'is'} dated after the period shown and not "
            "counted."
        )
    return figures, said


# --- A period and a comparison (the overview's period picker) --------------------------------

#: Period choices of the overview, key -> label. Windows end at ``as_of`` (exclusive) except
#: ``custom``, which runs over the days the visitor picked.
PERIODS: dict[str, str] = {
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "365d": "Last 365 days",
    "ytd": "This year",
    "all": "All time",
    "custom": "Custom",
}
#: Comparison choices, key -> label.
COMPARISONS: dict[str, str] = {
    "previous": "Previous period",
    "last_year": "Same period last year",
    "none": "No comparison",
}
_PERIOD_DAYS = {"30d": 30, "90d": 90, "365d": 365}
#: Figures that get a change against the comparison window (see :func:`figure_change`).
COMPARED_FIGURES: tuple[str, ...] = (
    "customers",
    "orders",
    "net_revenue",
    "average_order_value",
    "repeat_customer_rate",
    "orders_per_customer",
    "refund_rate",
)
_RATE_FIGURES = ("repeat_customer_rate", "refund_rate")


def period_bounds(
    kind: str,
    as_of,
    start=None,
    end=None,
    *,
    compare: str = "previous",
    first=None,
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp | None, pd.Timestamp | None]:
    """The window ``[start, end)`` of a period choice and the window it is compared with.

    Parameters
    ----------
    kind : str
        A key of :data:`PERIODS`: ``"30d"``, ``"90d"``, ``"365d"`` (the N days before
        ``as_of``: ``as_of - N`` included to ``as_of`` excluded), ``"ytd"`` (1 January of the
        year of the last observed day, ``as_of - 1``, to ``as_of``), ``"all"`` (``first`` to
        ``as_of``) or ``"custom"`` (``start`` to ``end``, both days included).
    as_of : date-like
        End of observation, exclusive (calendar date): the day after the last transaction by
        default, as in :func:`scorecard`.
    start, end : date-like, optional
        First and last day (both included) of a ``"custom"`` period; ignored otherwise.
    compare : str
        A key of :data:`COMPARISONS`: ``"previous"`` (the window of the same length just
        before: ``[start - (end - start), start)``), ``"last_year"`` (the same window one
        calendar year earlier; 29 February maps to 28 February) or ``"none"``.
    first : date-like, optional
        First day of the data; needed for ``"all"``.

    Returns
    -------
    (start, end, prev_start, prev_end) : midnight Timestamps
        Each window includes its start day and excludes its end day. ``prev_start`` and
        ``prev_end`` are None for ``compare="none"`` and for ``"all"`` (nothing comes before
        all time).

    Raises
    ------
    ValueError
        Unknown ``kind``/``compare``, a custom period without both days or ending before it
        starts, or ``"all"`` without ``first``.
    """
    if kind not in PERIODS:
        raise ValueError(f"Unknown period {kind!r}; expected one of {', '.join(PERIODS)}.")
    if compare not in COMPARISONS:
        raise ValueError(
            f"Unknown comparison {compare!r}; expected one of {', '.join(COMPARISONS)}."
        )
    as_of_ts = pd.Timestamp(as_of).normalize()
    if kind in _PERIOD_DAYS:
        lo, hi = as_of_ts - pd.Timedelta(days=_PERIOD_DAYS[kind]), as_of_ts
    elif kind == "ytd":
        lo, hi = pd.Timestamp(year=(as_of_ts - pd.Timedelta(days=1)).year, month=1, day=1), as_of_ts
    elif kind == "all":
        if first is None:
            raise ValueError("The period 'all' needs the first day of the data.")
        lo, hi = pd.Timestamp(first).normalize(), as_of_ts
    else:
        if start is None or end is None:
            raise ValueError("A custom period needs its first and last day.")
        lo = pd.Timestamp(start).normalize()
        hi = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
        if hi <= lo:
            raise ValueError("A custom period must end on or after the day it starts.")
    if compare == "none" or kind == "all":
        return lo, hi, None, None
    if compare == "previous":
        return lo, hi, lo - (hi - lo), lo
    year = pd.DateOffset(years=1)
    return lo, hi, lo - year, hi - year


@dataclass(frozen=True)
class PeriodComparison:
    """The scorecard of a window and of the window it is compared with.

    Attributes
    ----------
    current : Scorecard
        :func:`scorecard` of the lines dated in ``[start, end)`` with ``as_of=end``.
    previous : Scorecard or None
        The same for ``[prev_start, prev_end)``; None when there is no comparison.
    start, end, prev_start, prev_end : Timestamp or None
        The windows (start included, end excluded).
    previous_complete : bool
        True when the data starts on or before ``prev_start`` (the comparison window is fully
        covered); when False a change would overstate growth, and :func:`figure_change` gives
        nan.
    """

    current: Scorecard
    previous: Scorecard | None
    start: pd.Timestamp
    end: pd.Timestamp
    prev_start: pd.Timestamp | None
    prev_end: pd.Timestamp | None
    previous_complete: bool


def _window(tx: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    dates = tx["order_date"]
    return tx.loc[(dates >= lo) & (dates < hi)]


def compare_scorecards(
    tx: pd.DataFrame,
    start,
    end,
    prev_start=None,
    prev_end=None,
) -> PeriodComparison:
    """Scorecards of a window and of the window it is compared with.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    start, end : date-like
        The window: lines dated on or after ``start`` and before ``end`` count (see
        :func:`period_bounds`).
    prev_start, prev_end : date-like, optional
        The comparison window, same convention; None for no comparison.

    Returns
    -------
    PeriodComparison
        Each scorecard is :func:`scorecard` of the lines in its window only: an order counts in
        the window its lines are dated in; *customers* are the buyers in the window (a
        purchase order there), *orders* the purchase orders there, *net revenue* purchases
        minus refunds dated there; the repeat-customer rate is the share of the window's
        buyers with two or more orders in it. ``active_last_90`` is relative to the window's
        end.
    """
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    current = scorecard(_window(tx, lo, hi), as_of=hi)
    if prev_start is None or prev_end is None:
        return PeriodComparison(current, None, lo, hi, None, None, False)
    plo, phi = pd.Timestamp(prev_start).normalize(), pd.Timestamp(prev_end).normalize()
    previous = scorecard(_window(tx, plo, phi), as_of=phi)
    first = tx["order_date"].min() if len(tx) else pd.NaT
    complete = bool(pd.notna(first) and pd.Timestamp(first).normalize() <= plo)
    return PeriodComparison(current, previous, lo, hi, plo, phi, complete)


def figure_change(comparison: PeriodComparison, key: str) -> float:
    """Change of figure ``key`` against the comparison window.

    Counts and money: relative change ``current / previous - 1`` (0.12 = +12%). Rates
    (repeat-customer and refund rate): difference in percentage points as a fraction
    (0.031 = +3.1 points). nan when there is no comparison, the comparison window is not
    fully covered by the data, or the previous value is zero or undefined.
    """
    if comparison.previous is None or not comparison.previous_complete:
        return math.nan
    now = float(getattr(comparison.current, key))
    before = float(getattr(comparison.previous, key))
    if not (math.isfinite(now) and math.isfinite(before)):
        return math.nan
    if key in _RATE_FIGURES:
        return now - before
    return now / before - 1.0 if before else math.nan


def comparison_phrase(kind: str, compare: str, start, end) -> str:
    """What the change is against, in an owner's words: "the previous 90 days", "the same
    90 days last year", "the previous period" or "the same period last year"."""
    days = int((pd.Timestamp(end) - pd.Timestamp(start)) / pd.Timedelta(days=1))
    span = f"{days} days" if kind in _PERIOD_DAYS or kind == "custom" else "period"
    if compare == "last_year":
        return f"the same {span} last year"
    return f"the previous {span}"


def change_text(comparison: PeriodComparison, key: str, phrase: str) -> str | None:
    """The metric delta for figure ``key``: "+12% vs the previous 90 days", "-1.5 pts vs the
    same period last year"; None when there is no comparison, a reason in words when there is
    nothing to compare with."""
    if comparison.previous is None:
        return None
    if not comparison.previous_complete:
        return f"no data for all of {phrase}"
    change = figure_change(comparison, key)
    if not math.isfinite(change):
        return f"nothing to compare in {phrase}"
    if key in _RATE_FIGURES:
        points = change * 100
        body = f"{points:+.1f}" if round(points, 1) != 0 else "0.0"
        return f"{body} pts vs {phrase}"
    return f"{percent(change, decimals=0, signed=True)} vs {phrase}"


def top_breakdown_in_period(
    tx: pd.DataFrame, column: str, start, end, *, n: int = 10
) -> pd.DataFrame:
    """:func:`top_breakdown` of the lines dated in ``[start, end)`` (same columns)."""
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return top_breakdown(_window(tx, lo, hi), column, n=n, as_of=hi)


def new_vs_returning_in_period(tx: pd.DataFrame, start, end, *, freq: str = "M") -> pd.DataFrame:
    """:func:`new_vs_returning` up to ``end``, keeping the periods that overlap ``[start, end)``.

    "New" still means a first purchase ever (the whole history before ``end`` is used), not the
    first one in the window. A period only partly inside the window (the month ``start`` falls
    in) is shown whole.
    """
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    table = new_vs_returning(tx, freq=freq, as_of=hi)
    if len(table) == 0:
        return table
    first_period = lo.to_period(freq).start_time
    keep = (table["period_start"] >= first_period) & (table["period_start"] < hi)
    return table.loc[keep].reset_index(drop=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""Why the customer and order counts differ between pages, in plain sentences.

Each page counts what its method can use, all before ``as_of`` (exclusive):

- **"Your data"** counts every customer id with a line (``customers_with_a_line``) and every
  order, refund orders included.
- **Overview and RFM** count customers with at least one **purchase order** (an order whose
  lines add up to zero or more, :mod:`analysis.orders`): a customer whose only orders are
  refunds is left out (``refund_only``). Orders there are purchase orders; refund orders are
  counted apart.
- **Customer value** (:func:`analysis.clv.clv_summary`) works on **purchase days**: all of a
  customer's lines on one calendar day added up, whatever their order numbers, and a day
  counts when it adds up to zero or more. A customer whose purchase orders all fall on days
  where a refund on the same day outweighs them has no purchase day and is left out
  (``no_purchase_day``). The model also leaves out customers with an implausible amount
  (:func:`analysis.clv.drop_implausible_amounts`; its warning says so).

:func:`count_reconciliation` says these differences in words; :func:`stopped_vs_segments`
relates the value page's "probably stopped" customers to the RFM segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.orders import day_numbers, order_table, resolve_as_of
from analysis.core.text import md_escape, money, plural

__all__ = [
    "QUIET_SEGMENTS",
    "CustomerCounts",
    "customer_counts",
    "count_reconciliation",
    "describe_counts",
    "stopped_vs_segments",
]

#: RFM segments (default rules, :func:`analysis.rfm.default_segment_rules`) of customers who
#: have not bought for a long while.
QUIET_SEGMENTS = ("Hibernating", "At Risk", "Can't Lose Them")
_PAGES = ("overview", "rfm", "value", "data")


@dataclass(frozen=True)
class CustomerCounts:
    """Customers and orders as each page counts them (see the module docstring).

    Attributes
    ----------
    customers_with_a_line : int
        Distinct customer ids with a dated line before ``as_of``.
    customers_with_a_purchase : int
        Of those, customers with a purchase order (Overview, RFM).
    customers_with_a_purchase_day : int
        Of those, customers with a purchase day (the value model, before implausible amounts).
    orders : int
        All orders, refund orders included.
    purchase_orders : int
        Orders adding up to zero or more (Overview).
    refund_only_revenue : float
        Net revenue of the customers with refund orders only (<= 0, file's currency): the
        difference between the Overview's net revenue and the RFM segments' revenue.
    """

    customers_with_a_line: int
    customers_with_a_purchase: int
    customers_with_a_purchase_day: int
    orders: int
    purchase_orders: int
    refund_only_revenue: float = 0.0

    @property
    def refund_only(self) -> int:
        """Customers with lines but no purchase order."""
        return self.customers_with_a_line - self.customers_with_a_purchase

    @property
    def no_purchase_day(self) -> int:
        """Customers with a purchase order but no purchase day (same-day refunds outweigh)."""
        return self.customers_with_a_purchase - self.customers_with_a_purchase_day

    @property
    def refund_orders(self) -> int:
        """Orders adding up to less than zero."""
        return self.orders - self.purchase_orders


def customer_counts(tx: pd.DataFrame, *, as_of=None) -> CustomerCounts:
    """Count customers and orders the way each page does.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction.

    Returns
    -------
    CustomerCounts
        The counts of every page (see the module docstring).
    """
    if len(tx) == 0 or not tx["order_date"].notna().any():
        return CustomerCounts(0, 0, 0, 0, 0)
    ot = order_table(tx, as_of)
    n_cust = ot.n_customers
    has_line = np.zeros(n_cust, dtype=bool)
    has_line[ot.customer] = True
    has_purchase = np.zeros(n_cust, dtype=bool)
    has_purchase[ot.customer[ot.is_purchase]] = True
    # purchase days: one net per (customer, calendar day), as analysis.clv.clv_summary
    cutoff = int(day_numbers(pd.Series([resolve_as_of(tx, as_of)]))[0])
    days = day_numbers(tx["order_date"])
    codes, uniques = pd.factorize(tx["customer_id"])
    amounts = tx["amount"].to_numpy(dtype=np.float64, na_value=0.0)
    keep = (days < cutoff) & (codes >= 0) & tx["order_date"].notna().to_numpy()
    day_net = pd.Series(amounts[keep]).groupby([codes[keep], days[keep]]).sum().round(6)
    with_day = day_net[day_net >= 0].index.get_level_values(0).unique()
    return CustomerCounts(
        customers_with_a_line=int(has_line.sum()),
        customers_with_a_purchase=int(has_purchase.sum()),
        customers_with_a_purchase_day=int(len(with_day)),
        orders=int(len(ot.net)),
        purchase_orders=int(ot.is_purchase.sum()),
        refund_only_revenue=float(ot.customer_net()[has_line & ~has_purchase].sum()),
    )


def count_reconciliation(
    tx: pd.DataFrame,
    *,
    as_of=None,
    page: str = "overview",
    model_customers: int | None = None,
    currency: str | None = None,
) -> list[str]:
    """Return the reasons this page's customer and order counts differ from other pages', in words.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    page : {"overview", "rfm", "value", "data"}
        The page the sentences are for (its own count is named first).
    model_customers : int or None
        Customers the value model actually used (``len(report.summary)``); when it is below
        the purchase-day count the difference is put down to implausible amounts.
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``); ``None`` writes
        amounts as numbers alone.

    Returns
    -------
    list of str
        :func:`describe_counts` of :func:`customer_counts`; empty when every page counts the
        same customers and orders.
    """
    if page not in _PAGES:
        raise ValueError(f"Unknown page {page!r}.")
    counts = customer_counts(tx, as_of=as_of)
    return describe_counts(counts, page=page, model_customers=model_customers, currency=currency)


def _money(x: float, currency: str | None) -> str:
    """Money for a Markdown sentence: ``"€5.00"`` ("$" escaped); ``"5.00"`` without currency."""
    return md_escape(money(x, currency)) if currency else f"{x:,.2f}"


def describe_counts(
    c: CustomerCounts,
    *,
    page: str = "overview",
    model_customers: int | None = None,
    currency: str | None = None,
) -> list[str]:
    """Say why the pages count different customers and orders (see :func:`count_reconciliation`).

    Parameters
    ----------
    c : CustomerCounts
        From :func:`customer_counts`.
    page : {"overview", "rfm", "value", "data"}
        The page the sentences are for.
    model_customers : int or None
        Customers the value model actually used.
    currency : str or None
        ISO code (or symbol) of the file's money: the refunds are written in it (``"€5.00"``,
        a "$" escaped for Markdown); ``None`` writes the number alone.

    Returns
    -------
    list of str
        Empty when every page counts the same customers and orders.
    """
    if page not in _PAGES:
        raise ValueError(f"Unknown page {page!r}.")
    out: list[str] = []
    if c.refund_only:
        out.append(
            f"{c.customers_with_a_line:,} customers have at least one line; "
            f"{c.customers_with_a_purchase:,} of them have a purchase order (lines adding up to "
            f"zero or more). The other {plural(c.refund_only, 'customer only has', 'only have')} "
            "refund orders: they count in revenue (as refunds) and on 'Your data', but not as "
            "customers on Overview and RFM."
        )
        if page in ("overview", "rfm") and c.refund_only_revenue:
            out.append(
                "So the RFM segments' revenue adds up to "
                f"{_money(-c.refund_only_revenue, currency)} more than the Overview's net "
                "revenue: the refunds of those customers."
            )
    if c.refund_orders and page in ("overview", "data"):
        out.append(
            f"Orders: {c.orders:,} in all on 'Your data', of which {c.purchase_orders:,} are "
            f"purchase orders (the Overview's count) and {c.refund_orders:,} refund orders."
        )
    n_model = c.customers_with_a_purchase_day
    if page in ("value", "overview", "rfm") and c.no_purchase_day:
        out.append(
            f"The value model counts {n_model:,}: it adds up each customer's lines per "
            f"calendar day, and {plural(c.no_purchase_day, 'customer has', 'customers have')} a "
            "purchase order only on days where a refund on the same day outweighs it, so no "
            "day with a purchase."
        )
    if page == "value" and model_customers is not None and model_customers < n_model:
        out.append(
            f"{plural(n_model - model_customers, 'more customer was', 'more customers were')} "
            "left out of the value model for an implausible amount (see the warning above)."
        )
    return out


def _stopped_sentence(both: pd.DataFrame, stopped: pd.Series) -> str:
    """Say which RFM segments the customers the value model counts as stopped are in."""
    n_stopped = int(stopped.sum())
    if not n_stopped:
        return "The value model counts no customer as probably stopped."
    counts = both.loc[stopped, "segment"].value_counts()
    parts = [f"{int(k):,} in {name}" for name, k in counts.head(3).items()]
    rest = n_stopped - int(counts.head(3).sum())
    if rest:
        parts.append(f"{rest:,} in other segments")
    return (
        f"Of the {plural(n_stopped, 'customer')} the value model counts as probably "
        f"stopped, RFM has " + ", ".join(parts[:-1]) + " and " * (len(parts) > 1) + parts[-1] + "."
    )


def _why_not_stopped(quiet: pd.Series, stopped: pd.Series, freq: pd.Series) -> str:
    """Say why quiet RFM customers are not counted as stopped by the value model."""
    once = int((quiet & ~stopped & (freq == 0)).sum())
    repeat = int((quiet & ~stopped & (freq > 0)).sum())
    why = []
    if once:
        why.append(
            f"{once:,} of the others bought on one day only, and the model reads a stop from "
            "a break in a customer's own rhythm of repeat purchases, which a one-day buyer "
            "does not have (BG/NBD never counts them as stopped)"
        )
    if repeat:
        why.append(
            f"{repeat:,} bought on several days, and the model does not yet find their "
            "silence long compared with how often they bought"
        )
    if not why:
        return ""
    text = "; ".join(why)
    return " " + text[0].upper() + text[1:] + "."


def stopped_vs_segments(
    p_alive: pd.Series,
    segments: pd.Series,
    frequency: pd.Series | None = None,
    *,
    threshold: float = 0.5,
) -> str:
    """Relate the value page's "probably stopped" customers to the RFM segments, in one text.

    Parameters
    ----------
    p_alive : Series
        Chance each customer is still active (value model), indexed by customer id.
    segments : Series
        RFM segment per customer id (:func:`analysis.rfm.rfm_table` ``["segment"]``).
    frequency : Series or None
        Repeat purchases per customer (value model summary); used to say how many of the
        long-quiet RFM customers bought only once (the model judges them by new customers'
        average, so rarely calls them stopped).
    threshold : float
        "Probably stopped" means ``p_alive`` below this.

    Returns
    -------
    str
        For example: "Of the 120 customers the value model counts as probably stopped, 80 are
        Hibernating and 30 At Risk in RFM. RFM puts 1,350 customers in Hibernating, At Risk,
        Can't Lose Them or Lost (not bought for a long while); 1,100 of them bought only
        once, and the value model judges a one-time buyer by new customers' average, so
        it rarely calls them stopped."
    """
    both = pd.concat({"p": p_alive, "segment": segments.astype("str")}, axis=1, join="inner")
    stopped = both["p"] < threshold
    head = _stopped_sentence(both, stopped)
    quiet_names = list(QUIET_SEGMENTS)
    quiet = both["segment"].isin(quiet_names)
    if not quiet.any():
        return head
    present = [s for s in quiet_names if (both["segment"] == s).any()]
    n_quiet = int(quiet.sum())
    quiet_stopped = int((quiet & stopped).sum())
    names = ", ".join(present[:-1]) + " or " + present[-1] if len(present) > 1 else present[0]
    tail = (
        f" RFM puts {n_quiet:,} customers in {names} (not bought for a long while); the value "
        f"model counts {quiet_stopped:,} of them as probably stopped."
    )
    if frequency is not None and quiet_stopped < n_quiet:
        tail += _why_not_stopped(quiet, stopped, frequency.reindex(both.index))
    return head + tail

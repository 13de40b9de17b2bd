"""What the overview's figures say, in plain sentences with a next step each.

Every function here follows one rule: ``describe_<thing>(result) -> list[str]``. The sentences
are Markdown written by this package; money is written with
:func:`~analysis.overview.scorecards.format_money`, rates as the scorecard writes them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from analysis.core.floats import LARGEST_PLAUSIBLE_AMOUNT, make_float_safe
from analysis.core.text import plural
from analysis.overview.scorecards import Scorecard, _pct, format_money

if TYPE_CHECKING:  # without_customer uses these sentences
    from analysis.overview.without_customer import SalesWithoutCustomer

__all__ = [
    "describe_file_without_customers",
    "describe_sales_without_customer",
    "describe_scorecard",
    "scorecard_insights",
]


def _money(x: float, currency: str | None) -> str:
    """Money for a Markdown sentence: :func:`format_money`, "$" escaped (it starts a formula)."""
    return format_money(x, currency).replace("$", r"\$")


def _repeat_sentence(card: Scorecard) -> str:
    repeat = card.repeat_customer_rate
    if repeat < 0.4:
        return (
            f"Only {_pct(repeat)} of customers came back for a second order. A thank-you email "
            "with a reason to return within 30 days is the cheapest lever."
        )
    return (
        f"{_pct(repeat)} of customers ordered more than once, a loyal base. Keep them close "
        "with early access or a small loyalty reward rather than discounts for everyone."
    )


def _active_sentences(card: Scorecard) -> list[str]:
    last, prev = card.active_last_90, card.active_prev_90
    if not card.prev_90_complete:
        return []
    if prev == 0:
        if last == 0:
            return []
        return [
            f"{last:,} customers bought in the last 90 days and none in the 90 days before. "
            "Ask the new customers how they found you, so you can do more of it."
        ]
    change = card.active_change
    if change <= -0.1:
        return [
            f"Active customers fell {_pct(-change)} to {last:,} in the last 90 days, from "
            f"{prev:,} in the 90 days before. Contact the customers who bought then but not "
            "since with a win-back offer, and check what changed (prices, stock, season)."
        ]
    if change >= 0.1:
        return [
            f"Active customers rose {_pct(change)} to {last:,} in the last 90 days, from "
            f"{prev:,} in the 90 days before. Find out which channel or product brought them "
            "and put more effort there."
        ]
    return [
        f"Active customers held steady: {last:,} in the last 90 days against {prev:,} in "
        "the 90 days before. Compare the same months last year to see whether this is "
        "the usual season."
    ]


def describe_scorecard(card: Scorecard, currency: str | None = None) -> list[str]:
    """Say in two to four plain-language sentences what a scorecard shows, with a next step each.

    Parameters
    ----------
    card : Scorecard
        From :func:`~analysis.overview.scorecards.scorecard`.
    currency : str or None
        ISO code (or symbol) of the file's money, written with each amount; None: plain numbers.

    Returns
    -------
    list of str
        The repeat-customer rate, active customers in the last 90 days against the 90 before
        (only when the data covers both windows), the refund rate when above 5%, and the
        average order value when fewer than three other points apply; a warning first when
        amounts are large enough to overflow. One sentence explaining the absence of purchases
        when there are none.
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
    out.append(_repeat_sentence(card))
    out.extend(_active_sentences(card))
    if math.isfinite(card.refund_rate) and card.refund_rate > 0.05:
        out.append(
            f"Refunds take {_pct(card.refund_rate)} of gross sales "
            f"({_money(card.refunds, currency)} of {_money(card.gross_revenue, currency)}), "
            "which is high. Look at which products are refunded most and fix their description, sizing "
            "or quality first."
        )
    if len(out) < 3 and math.isfinite(card.average_order_value):
        out.append(
            f"The average order is worth {_money(card.average_order_value, currency)} and "
            f"customers placed {card.orders_per_customer:.1f} orders each. A free-shipping threshold or "
            "a bundle priced a little above the average order nudges baskets up."
        )
    return out[:4]


def _later_lines(n: int, noun: str) -> str:
    """Say that ``n`` lines (``noun``) are dated after the period shown."""
    verb = "are" if n != 1 else "is"
    return f"{plural(n, noun)} {verb} dated after the period shown and not counted."


def describe_sales_without_customer(
    anon: SalesWithoutCustomer, totals: dict[str, float], currency: str | None = None
) -> list[str]:
    """Say how the sales without a customer count in the totals (nothing when there are none).

    Parameters
    ----------
    anon : SalesWithoutCustomer
        From :func:`~analysis.overview.without_customer.sales_without_customer`.
    totals : dict
        The figures of
        :func:`~analysis.overview.without_customer.totals_with_sales_without_customer`.
    currency : str or None
        ISO code (or symbol) of the file's money; None: plain numbers.

    Returns
    -------
    list of str
        Where those sales count (totals) and where not (every customer figure), and how many
        lines are dated after the period shown.
    """
    if anon.lines == 0:
        return []
    share = totals["without_customer_share"]
    part = f" ({_pct(share)})" if math.isfinite(share) else ""
    said = [
        f"Total net revenue is {_money(totals['total_net_revenue'], currency)} in "
        f"{totals['total_orders']:,} orders, of which {_money(anon.net_revenue, currency)}"
        f"{part} in "
        f"{anon.orders:,} orders without a customer (guest checkouts, till sales: "
        f"{anon.lines:,} lines with no customer in the file). Those sales count in these totals "
        "but not in any customer figure: customers, repeat rate, segments and lifetime value "
        "use only the sales with a customer."
    ]
    if anon.later_lines:
        said.append(_later_lines(anon.later_lines, "line without a customer"))
    return said


def describe_file_without_customers(
    anon: SalesWithoutCustomer, totals: dict[str, float], currency: str | None = None
) -> list[str]:
    """Say what the totals of a file that names no customer are, and what they cannot show.

    Parameters
    ----------
    anon : SalesWithoutCustomer
        From :func:`~analysis.overview.without_customer.sales_without_customer`: every sale of
        the file (a till or payment report without a customer column).
    totals : dict
        The figures of
        :func:`~analysis.overview.without_customer.totals_with_sales_without_customer` called
        with ``card=None``.

    Returns
    -------
    list of str
        The totals in words (when there are sales), the lines dated after the period shown
        (when any), and always a last sentence: the customer figures need a file that names
        the customer.
    """
    said = []
    if anon.lines:
        share = totals["without_customer_share"]
        part = f", all of it ({_pct(share)})" if math.isfinite(share) else ""
        refunds = f" and {plural(anon.refund_orders, 'refund')}" if anon.refund_orders else ""
        said.append(
            f"Total net revenue is {_money(totals['total_net_revenue'], currency)} in "
            f"{plural(anon.orders, 'order')}{refunds}{part} from sales without a customer "
            f"({plural(anon.lines, 'line')} of your file, none naming a customer)."
        )
    if anon.later_lines:
        said.append(_later_lines(anon.later_lines, "line"))
    said.append(
        "The customer figures (customers, repeat rate, segments, lifetime value) need a file "
        "that names the customer, such as an e-mail address or a customer number."
    )
    return said


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
#: The former name of :func:`describe_scorecard` (pages, notebooks and tests use it).
scorecard_insights = describe_scorecard

"""What to know about one customer before calling them, in plain sentences.

Every function here follows one rule: ``describe_<thing>(result) -> list[str]``. Values from the
data (customer ids, product names, segment actions, comments) are escaped with
:func:`~analysis.core.text.md_escape`; money is written as on the overview.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.text import md_escape, percent, plural
from analysis.overview import format_money
from analysis.profile.customer import CustomerProfile

__all__ = ["describe_history", "describe_profile", "history_note", "profile_sentences"]


def _money(x: float, currency: str | None) -> str:
    """Money for a Markdown sentence: :func:`format_money`, "$" escaped (it starts a formula)."""
    return format_money(x, currency).replace("$", r"\$")


def describe_history(p: CustomerProfile) -> list[str]:
    """Say when :attr:`CustomerProfile.history` or ``items`` was cut (nothing when all is shown).

    Parameters
    ----------
    p : CustomerProfile
        From :func:`~analysis.profile.customer.customer_profile`.

    Returns
    -------
    list of str
        E.g. "Showing the latest 1,000 of 500,000 orders.".
    """
    notes = []
    if p.history_total > len(p.history):
        notes.append(f"Showing the latest {len(p.history):,} of {p.history_total:,} orders.")
    if p.items_total > len(p.items):
        what = p.item_column or "item"
        notes.append(
            f"Showing {len(p.items):,} of {p.items_total:,} {what} values: those bought in the "
            "most orders."
        )
    return notes


def history_note(p: CustomerProfile) -> str | None:
    """Return :func:`describe_history` as one text for the page (None when everything is shown)."""
    return " ".join(describe_history(p)) or None


def _rank_words(rank: float) -> str:
    """Write a percentile rank (share of customers below) as "the top 5%" / "the bottom 10%"."""
    if rank >= 0.5:
        return f"the top {max(int(np.ceil(round(100 * (1 - rank), 6))), 1)}% of customers"
    return f"the bottom {max(int(np.ceil(round(100 * rank, 6))), 1)}% of customers"


def _rhythm_sentences(p: CustomerProfile) -> list[str]:
    """Compare the days since the last purchase with the customer's usual gap."""
    if not (np.isfinite(p.median_gap_days) and p.median_gap_days > 0):
        return []
    ratio = p.days_since_last / p.median_gap_days
    if ratio >= 2:
        tone = f"{ratio:.0f} times their usual gap: overdue"
    elif ratio > 1.2:
        tone = "a little past their usual gap"
    else:
        tone = "within their usual rhythm"
    return [
        f"They usually buy again after about {plural(round(p.median_gap_days), 'day')}; it has "
        f"been {plural(p.days_since_last, 'day')}, {tone}."
    ]


def _basket_sentences(
    p: CustomerProfile, store_average_order: float | None, currency: str | None = None
) -> list[str]:
    """Compare the average order with the store's; name refunds and the favourite item."""
    out = []
    if store_average_order and np.isfinite(store_average_order) and store_average_order > 0:
        rel = p.average_order_value / store_average_order - 1
        comparison = "above" if rel > 0 else "below"
        out.append(
            f"Average order {_money(p.average_order_value, currency)}, "
            f"{percent(abs(rel), decimals=0)} {comparison} the average of all customers "
            f"({_money(store_average_order, currency)})."
        )
    if p.refund_orders:
        out.append(
            f"{plural(p.refund_orders, 'refund')} worth {_money(p.refunded, currency)} in total: "
            "worth asking whether all is well."
        )
    if len(p.items):
        fav = p.items.iloc[0]
        out.append(
            f"Most bought: {md_escape(fav[p.item_column])} (in {int(fav['orders'])} of "
            f"{p.orders} purchases)."
        )
    return out


def _model_sentences(
    rfm: dict | None,
    value: dict | None,
    value_months: int | None,
    churn_days: int | None,
    currency: str | None = None,
) -> list[str]:
    """Say the customer's RFM segment and what the value and churn models expect."""
    out = []
    if rfm:
        text = (
            f"RFM segment: {md_escape(rfm['segment'])} "
            f"(R{rfm['r_score']} F{rfm['f_score']} M{rfm['m_score']})"
        )
        text += f". {md_escape(rfm['action'])}" if rfm.get("action") else "."
        out.append(text)
    parts = []
    if value and "clv" in value:
        horizon = f"the next {value_months} months" if value_months else "the value horizon"
        parts.append(
            f"expected to be worth {_money(value['clv'], currency)} over {horizon} "
            f"({_rank_words(value['clv_rank'])})"
        )
    if value and "churn_risk" in value:
        within = f"{churn_days} days" if churn_days else "the churn horizon"
        parts.append(
            f"a {percent(value['churn_risk'], decimals=0)} risk of not buying within {within}"
        )
    if parts:
        out.append("The models say: " + "; ".join(parts) + ".")
    return out


def _survey_sentences(responses: pd.DataFrame | None) -> list[str]:
    """Quote the customer's latest survey answer."""
    if responses is None or not len(responses):
        return []
    last = responses.iloc[0]
    comment = str(last.get("comment", "") or "").strip()
    said = f' and wrote: "{md_escape(comment)}"' if comment else ""
    end = "" if comment and comment[-1] in ".!?" else "."
    return [
        f"Last survey ({pd.Timestamp(last['response_date']):%d %b %Y}): scored "
        f"{int(last['score'])} out of 10, a {last['group']}{said}{end}"
    ]


def describe_profile(
    p: CustomerProfile,
    *,
    rfm: dict | None = None,
    value: dict | None = None,
    store_average_order: float | None = None,
    responses: pd.DataFrame | None = None,
    value_months: int | None = None,
    churn_days: int | None = None,
    currency: str | None = None,
) -> list[str]:
    """Say what to know before calling the customer, in plain words.

    Parameters
    ----------
    p : CustomerProfile
        From :func:`~analysis.profile.customer.customer_profile`.
    rfm, value : dict or None
        :func:`~analysis.profile.cards.rfm_card` and :func:`~analysis.profile.cards.value_card`
        results.
    store_average_order : float or None
        The average purchase-order value over all customers, for comparison.
    responses : DataFrame or None
        :func:`~analysis.profile.cards.customer_responses` result.
    value_months, churn_days : int or None
        The horizons the value and churn models used, to name them.
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``): amounts are written in
        it (``"€1,234"``); ``None`` writes the number alone.

    Returns
    -------
    list of str
        Since when and how much they buy, their rhythm, basket, refunds and favourite item,
        their RFM segment and what the models expect, and their latest survey answer.
    """
    if not p.found:
        return [
            f"There is no transaction for customer {md_escape(p.customer_id)} before the end date."
        ]
    if p.orders == 0:
        return ["This customer has only refunds, no purchase."]
    orders = "one purchase" if p.orders == 1 else f"{p.orders:,} purchases"
    return [
        f"Customer since {p.first_purchase:%d %b %Y}: {orders}, "
        f"{_money(p.net_revenue, currency)} net in total; the last "
        f"{plural(p.days_since_last, 'day')} ago ({p.last_purchase:%d %b %Y}).",
        *_rhythm_sentences(p),
        *_basket_sentences(p, store_average_order, currency),
        *_model_sentences(rfm, value, value_months, churn_days, currency),
        *_survey_sentences(responses),
    ]


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)
#: The former name of :func:`describe_profile` (the page and tests use it).
profile_sentences = describe_profile

"""The report's own sentences (the other sections read their analysis' ``describe_*``)."""

from __future__ import annotations

import pandas as pd

from analysis.core.columns import OTHER_LABEL
from analysis.core.defaults import CHURN_DAYS
from analysis.core.text import percent
from analysis.report._common import RISK_THRESHOLD, VALUE_QUANTILE

__all__ = ["describe_at_risk", "describe_products"]


def describe_products(table: pd.DataFrame) -> list[str]:
    """Describe the best seller and what the top products bring together.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.overview.top_breakdown` by ``product``, with at least one named
        product (the "Other" row is left out of the sentences).

    Returns
    -------
    list of str
        The best seller's share of net revenue and orders, then (with more than one product)
        the top products' share together.
    """
    named = table[table["product"] != OTHER_LABEL]
    top = named.iloc[0]
    sentences = [
        f"The best seller, {top['product']}, brings "
        f"{percent(top['revenue_share'], decimals=0)} of net revenue from "
        f"{int(top['orders']):,} orders."
    ]
    if len(named) > 1:
        sentences.append(
            f"The top {len(named)} products together bring "
            f"{percent(float(named['revenue_share'].sum()), decimals=0)} of net revenue."
        )
    return sentences


def describe_at_risk(actions: pd.DataFrame) -> list[str]:
    """Say how many customers are both valuable and at risk, and what they are worth.

    Parameters
    ----------
    actions : DataFrame
        :func:`analysis.churn.action_list` of the valuable customers at risk.

    Returns
    -------
    list of str
        One sentence with the count and the thresholds used.
    """
    return [
        f"{len(actions):,} customers are valuable (top "
        f"{percent(1 - VALUE_QUANTILE, decimals=0)} by expected value) and at risk (at least a "
        f"{percent(RISK_THRESHOLD, decimals=0)} chance of no purchase in the next "
        f"{CHURN_DAYS} days): worth a personal call, a thank-you or an offer."
    ]

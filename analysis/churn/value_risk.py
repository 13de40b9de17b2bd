"""Customer value against churn risk: the four quadrants and the list to act on."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["QUADRANTS", "action_list", "value_and_risk"]


QUADRANTS = {
    (True, True): "Valuable, at risk",
    (True, False): "Valuable, likely to stay",
    (False, True): "Less valuable, at risk",
    (False, False): "Less valuable, likely to stay",
}


def value_and_risk(
    value: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    value_quantile: float = 0.75,
    risk_threshold: float = 0.5,
) -> pd.DataFrame:
    """Return customer value against churn risk, with the four quadrants.

    Parameters
    ----------
    value : DataFrame
        Per customer with a ``clv`` column (``ValueReport.customers`` of :mod:`analysis.clv`).
    scores : DataFrame
        ``ChurnResult.scores`` (``churn_risk``, ``p_alive``, features).
    value_quantile : float
        A customer is "valuable" when their ``clv`` is at or above this quantile of all
        customers' values (0.75: the top quarter).
    risk_threshold : float
        A customer is "at risk" when ``churn_risk`` is at least this (0.5: more likely than not
        to make no purchase within the churn horizon).

    Returns
    -------
    DataFrame
        Customers in both inputs, indexed by ``customer_id``: ``clv``, ``churn_risk``,
        ``p_alive``, ``recency_days``, ``frequency``, ``monetary``, ``quadrant`` (str) and
        ``valuable_at_risk`` (bool), highest value first. ``attrs`` holds the two thresholds.
    """
    wanted = ["churn_risk", "p_alive", "recency_days", "frequency", "monetary"]
    table = value[["clv"]].join(scores[[c for c in wanted if c in scores]], how="inner")
    value_cut = float(table["clv"].quantile(value_quantile)) if len(table) else float("nan")
    valuable = (table["clv"] >= value_cut).to_numpy()
    at_risk = (table["churn_risk"] >= risk_threshold).to_numpy()
    labels = np.where(
        valuable,
        np.where(at_risk, QUADRANTS[True, True], QUADRANTS[True, False]),
        np.where(at_risk, QUADRANTS[False, True], QUADRANTS[False, False]),
    )
    table = table.assign(quadrant=pd.Series(labels, index=table.index, dtype="str"))
    table = table.assign(valuable_at_risk=valuable & at_risk)
    table = table.sort_values("clv", ascending=False, kind="stable")
    table.attrs = {"value_threshold": value_cut, "risk_threshold": risk_threshold}
    return table


def action_list(table: pd.DataFrame, *, horizon_days: int = 90) -> pd.DataFrame:
    """Return the "valuable and at risk" customers as a plain table to act on (for downloads).

    Parameters
    ----------
    table : DataFrame
        :func:`value_and_risk` output.
    horizon_days : int
        The churn horizon, named in the column header.

    Returns
    -------
    DataFrame
        Highest value first, with readable column names: customer, expected value, risk of no
        purchase, days since the last purchase, purchases so far, net revenue so far.
    """
    picked = table[table["valuable_at_risk"]]
    return pd.DataFrame(
        {
            "Customer": picked.index.to_numpy(),
            "Expected value (discounted)": picked["clv"].round(2).to_numpy(),
            f"Risk of no purchase in {horizon_days} days": picked["churn_risk"].round(3).to_numpy(),
            "Days since last purchase": picked["recency_days"].to_numpy(),
            "Purchases so far": picked["frequency"].to_numpy(),
            "Net revenue so far": picked["monetary"].round(2).to_numpy(),
        }
    )

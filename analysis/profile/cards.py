"""One customer's row of the other analyses: survey answers, RFM, value and churn risk.

The RFM, value and churn results come from :mod:`analysis.rfm`, :mod:`analysis.clv` and
:mod:`analysis.churn`; the functions here take their tables as arguments (computed once for
every customer and cached by the page) and pick one customer out of them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe

__all__ = ["customer_responses", "for_customer", "rfm_card", "value_card"]

_RESPONSE_COLUMNS = ["response_date", "score", "group", "csat", "ces", "comment"]


def customer_responses(responses: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    """One customer's survey answers, newest first.

    Returns
    -------
    DataFrame
        ``response_date``, ``score`` (0-10), ``group`` ("promoter" 9-10, "passive" 7-8,
        "detractor" 0-6), ``csat`` (1-5) and ``ces`` (1-7) when present, ``comment``. Empty
        with ``attrs["reason"]`` when the responses have no customer id column.
    """
    if responses is None or "customer_id" not in responses.columns:
        out = pd.DataFrame(columns=_RESPONSE_COLUMNS)
        out.attrs["reason"] = (
            "The survey responses have no customer id, so they cannot be linked to customers."
        )
        return out
    mine = responses[(responses["customer_id"] == customer_id).to_numpy()]
    score = mine["score"].to_numpy()
    out = pd.DataFrame(
        {
            "response_date": mine["response_date"].to_numpy(),
            "score": score,
            "group": pd.array(
                np.where(score >= 9, "promoter", np.where(score >= 7, "passive", "detractor")),
                dtype="str",
            ),
        }
    )
    for column in ("csat", "ces", "comment"):
        if column in mine.columns:
            out[column] = mine[column].to_numpy()
    out = out.sort_values("response_date", ascending=False, ignore_index=True)
    out.attrs["reason"] = None
    return out


def _share_below(values: pd.Series, x: float) -> float:
    """Share of ``values`` strictly below ``x`` (a percentile rank in [0, 1])."""
    v = values.to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    return float((v < x).mean()) if len(v) else float("nan")


def rfm_card(rfm: pd.DataFrame, customer_id: str) -> dict | None:
    """Return the customer's row of :func:`analysis.rfm.rfm_table`, explained and ranked.

    With its segment's description and suggested action, and where their spend ranks.

    Returns
    -------
    dict or None
        ``recency``, ``frequency``, ``monetary``, ``r_score``, ``f_score``, ``m_score``,
        ``rfm_code``, ``segment``, ``description``, ``action``, ``bins`` and
        ``monetary_rank`` (share of customers who spent less, 0-1). None when the customer is
        not in the table (no purchase).
    """
    if customer_id not in rfm.index:
        return None
    row = rfm.loc[customer_id]
    card = {
        k: (row[k].item() if hasattr(row[k], "item") else row[k])
        for k in ("recency", "frequency", "monetary", "r_score", "f_score", "m_score")
    }
    card["rfm_code"] = str(row["rfm_code"])
    card["segment"] = str(row["segment"])
    card["bins"] = rfm.attrs.get("bins", 5)
    rules = rfm.attrs.get("rules") or []
    rule = next((r for r in rules if r.get("segment") == card["segment"]), {})
    card["description"] = rule.get("description", "")
    card["action"] = rule.get("action", "")
    card["monetary_rank"] = _share_below(rfm["monetary"], float(row["monetary"]))
    return card


def value_card(
    customers: pd.DataFrame | None, scores: pd.DataFrame | None, customer_id: str
) -> dict | None:
    """Return the customer's expected value and churn risk, either of which may be missing.

    The value from :func:`analysis.clv.value_report`, the risk from
    :func:`analysis.churn.churn_model`.

    Returns
    -------
    dict or None
        Any of ``clv`` (discounted expected net value over the value horizon),
        ``expected_purchases``, ``expected_revenue``, ``p_alive`` (probability they still buy,
        from the purchase model the value report used), ``clv_rank`` (share of customers worth less) and ``churn_risk`` (probability
        of no purchase over the churn horizon), ``risk_rank``. None when neither table has the
        customer.
    """
    card: dict = {}
    if customers is not None and customer_id in customers.index:
        row = customers.loc[customer_id]
        for key in ("clv", "expected_purchases", "expected_revenue", "p_alive"):
            if key in customers.columns:
                card[key] = float(row[key])
        if "clv" in customers.columns:
            card["clv_rank"] = _share_below(customers["clv"], float(row["clv"]))
    if scores is not None and customer_id in scores.index and "churn_risk" in scores.columns:
        risk = float(scores.loc[customer_id, "churn_risk"])
        card["churn_risk"] = risk
        card["risk_rank"] = _share_below(scores["churn_risk"], risk)
    return card or None


def for_customer(table: pd.DataFrame, customer_id: str, column: str = "customer_id"):
    """Rows of ``table`` whose ``column`` is ``customer_id`` (e.g. their recommendations)."""
    return table[(table[column] == customer_id).to_numpy()].reset_index(drop=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

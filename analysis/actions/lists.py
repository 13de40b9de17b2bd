"""The lists of customers to act on now, built from the other analyses.

Every list is a set of customers with the figures that put them there, their contact columns
and the money at stake: the customers' **net revenue so far** (every amount before ``as_of``
summed, refunds taken off; see :mod:`analysis.orders`). The definitions of the lists are in
:mod:`analysis.actions`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import churn as churn_mod
from analysis import clv as clv_mod
from analysis import feedback as fb
from analysis import rfm as rfm_mod
from analysis.actions.contacts import _latest_values, contact_columns
from analysis.actions.plan import ActionList, ActionPlan, _make
from analysis.core.orders import OrderTable, order_table, resolve_as_of, round_money, to_timestamps
from analysis.core.text import md_escape, percent, plural

__all__ = ["AT_RISK_SEGMENTS", "THANK_SEGMENTS", "action_lists"]

_NAT_DAY = np.iinfo(np.int64).min

# Default-rule RFM segments behind the lists.
AT_RISK_SEGMENTS = ("Can't Lose Them", "At Risk")
THANK_SEGMENTS = ("Champions", "Loyal Customers")
_STANDARD = ["purchases", "days_since_last_purchase", "net_revenue"]


def _customer_facts(ot) -> pd.DataFrame:
    """Per customer (every customer in ``ot``): purchases, dates, refunds, net revenue."""
    n = ot.n_customers
    cutoff = int((ot.as_of - pd.Timestamp("1970-01-01")).days)
    purchase = ot.is_purchase
    buyer, refunder = ot.customer[purchase], ot.customer[~purchase]
    purchases = np.bincount(buyer, minlength=n).astype(np.int64)
    first_day = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, buyer, ot.day[purchase])
    last_day = np.full(n, _NAT_DAY, dtype=np.int64)
    np.maximum.at(last_day, buyer, ot.day[purchase])
    refund_day = np.full(n, _NAT_DAY, dtype=np.int64)
    np.maximum.at(refund_day, refunder, ot.day[~purchase])
    refunded = round_money(np.bincount(refunder, weights=-ot.net[~purchase], minlength=n))
    bought = round_money(np.bincount(buyer, weights=ot.net[purchase], minlength=n))
    has = purchases > 0
    has_refund = refund_day != _NAT_DAY

    def dates(days: np.ndarray, known: np.ndarray) -> np.ndarray:
        return np.where(known, to_timestamps(np.where(known, days, 0)), np.datetime64("NaT"))

    return pd.DataFrame(
        {
            "purchases": purchases,
            "first_purchase": dates(first_day, has),
            "last_purchase": dates(last_day, has),
            "days_since_last_purchase": pd.arrays.IntegerArray(cutoff - last_day, ~has),
            "last_refund": dates(refund_day, has_refund),
            "days_since_refund": pd.arrays.IntegerArray(cutoff - refund_day, ~has_refund),
            "refunded": refunded,
            "bought": bought,
            "net_revenue": ot.customer_net(),
            "_last_day": last_day,
            "_refund_day": refund_day,
        },
        index=pd.Index(ot.customers, name="customer_id"),
    )


def _finish(
    frame: pd.DataFrame, columns: list[str], contacts: pd.DataFrame, *, sort: bool = True
) -> pd.DataFrame:
    """customer_id, contact columns, then the chosen ones; most net revenue first; RangeIndex."""
    out = frame[columns]
    if len(contacts.columns):
        extra = contacts.drop(columns=[c for c in contacts.columns if c in out.columns])
        out = extra.reindex(out.index).join(out)
    if sort:
        out = out.sort_values("net_revenue", ascending=False, kind="stable")
    out = out.reset_index()
    out.attrs = {}
    return out


def _resolve_model(model, fit, models: bool):
    """Return (result or None, reason or None) for a given result, a given failure or a fit."""
    if isinstance(model, Exception):
        return None, str(model)
    if model is not None:
        return model, None
    if not models:
        return None, "the models were not run"
    try:
        return fit(), None
    except ValueError as exc:
        return None, str(exc)


def _orders(tx: pd.DataFrame, as_of) -> OrderTable:
    """Return the order table before ``as_of`` (an empty one for a table without lines)."""
    if len(tx):
        return order_table(tx, as_of)
    as_of_ts = resolve_as_of(tx, as_of)
    empty = pd.DataFrame(
        {"customer_id": [], "order_id": [], "order_date": pd.to_datetime([]), "amount": []}
    )
    return order_table(empty.astype({"customer_id": "str", "order_id": "str"}), as_of_ts)


def _segments(buyers: pd.DataFrame, as_of_ts: pd.Timestamp) -> pd.Series:
    """Return the RFM segment of each buyer (identical to ``rfm.rfm_table(tx, as_of=as_of)``)."""
    table = rfm_mod.rfm_from_values(
        buyers.rename(columns={"days_since_last_purchase": "recency", "purchases": "frequency"})
        .assign(monetary=buyers["net_revenue"])
        .astype({"recency": "int64"}),
        as_of=as_of_ts,
    )
    return table["segment"].astype("str")


def _models(tx, as_of_ts, value, risk, models: bool, horizon_days: int):
    """Return the value report and churn result (None when unusable) and why not."""
    report, reason = _resolve_model(
        value, lambda: clv_mod.value_report(tx, as_of=as_of_ts, holdout=False), models
    )
    if report is not None and "clv" not in report.customers.columns:
        report, reason = None, "too few repeat buyers to model spend per purchase"
    if report is None:
        return None, None, reason
    scores, reason = _resolve_model(
        risk,
        lambda: churn_mod.churn_model(tx, horizon_days=horizon_days, as_of=as_of_ts),
        models,
    )
    return report, scores, reason


def _valuable_at_risk(
    buyers, contacts, report, scores, *, top_share, risk_threshold, horizon_days
) -> tuple[pd.DataFrame, str, tuple[str, str]]:
    """Return the customers in the top ``top_share`` by value with a high churn risk."""
    quad = churn_mod.value_and_risk(
        report.customers,
        scores.scores,
        value_quantile=1 - top_share,
        risk_threshold=risk_threshold,
    )
    picked = quad[quad["valuable_at_risk"]]
    frame = buyers.loc[buyers.index.intersection(picked.index, sort=False)].assign(
        expected_value=picked["clv"].round(2), churn_risk=picked["churn_risk"].round(3)
    )
    days = int(getattr(scores, "horizon_days", horizon_days))
    customers = _finish(frame, ["expected_value", "churn_risk", *_STANDARD], contacts)
    customers = customers.sort_values("expected_value", ascending=False, kind="stable")
    months = getattr(report, "settings", {}).get("months", 12)
    why = (
        f"In your top {percent(top_share, decimals=0)} by expected value over the next {months} "
        f"months, and the churn model gives them at least a "
        f"{percent(risk_threshold, decimals=0)} chance of buying nothing in the next {days} days."
    )
    return customers.reset_index(drop=True), why, ("app_pages/value.py", "Customer value")


def _rfm_at_risk(
    buyers, segment, contacts, reason: str | None, notes: list[str]
) -> tuple[pd.DataFrame, str, tuple[str, str]]:
    """Return the RFM segments At Risk and Can't Lose Them, and note why the models were not."""
    notes.append(
        "The at-risk list uses the RFM segments (At Risk and Can't Lose Them) because the "
        f"value and churn models could not be used on this data: {md_escape(reason)}"
        if reason != "the models were not run"
        else "The at-risk list uses the RFM segments (At Risk and Can't Lose Them)."
    )
    chosen = segment.isin(AT_RISK_SEGMENTS)
    frame = buyers[chosen.to_numpy()].assign(segment=segment[chosen])
    why = (
        "They used to buy often, but have not bought for a long time (RFM segments "
        "At Risk and Can't Lose Them)."
    )
    return (
        _finish(frame, ["segment", *_STANDARD], contacts),
        why,
        ("app_pages/rfm.py", "RFM segments"),
    )


def _at_risk_list(
    buyers, segment, contacts, report, scores, reason, notes, **settings
) -> ActionList:
    """Return valuable customers at risk of leaving (RFM segments when the models cannot say)."""
    if report is not None and scores is not None:
        customers, why, source = _valuable_at_risk(buyers, contacts, report, scores, **settings)
    else:
        customers, why, source = _rfm_at_risk(buyers, segment, contacts, reason, notes)
    return _make(
        "at_risk",
        "Valuable customers at risk of leaving",
        why,
        "Contact them personally this week: ask how things are and make them a good offer "
        "to come back.",
        customers,
        source,
        "No valuable customer looks at risk of leaving right now.",
    )


def _second_order_list(buyers, contacts, new_days: int) -> ActionList:
    """Return new customers to bring back: one purchase, in the last ``new_days`` days."""
    new = buyers[
        (buyers["purchases"] == 1).to_numpy()
        & (buyers["days_since_last_purchase"] <= new_days).fillna(False).to_numpy(dtype=bool)
    ].rename(columns={"first_purchase": "first_order"})
    return _make(
        "second_order",
        "New customers to bring back for a second order",
        f"They bought from you for the first time in the last {new_days} days and have not "
        "come back yet; the second order is the hardest one to win.",
        "Send a personal welcome with a reason to order again, such as a small offer on "
        "their second order.",
        _finish(new, ["first_order", "days_since_last_purchase", "net_revenue"], contacts),
        ("app_pages/cohorts.py", "Cohort retention"),
        f"Nobody made a first and only purchase in the last {new_days} days.",
    )


def _thank_list(buyers, segment, contacts, at_risk: ActionList) -> ActionList:
    """Return the loyal customers to thank, apart from those on the at-risk list."""
    # Customers already on the at-risk list need a call, not a thank-you: left out here.
    keep = segment.isin(THANK_SEGMENTS) & ~segment.index.isin(at_risk.customers["customer_id"])
    loyal = buyers[keep.to_numpy()].assign(segment=segment[keep])
    return _make(
        "thank",
        "Loyal customers to thank",
        "They buy often and bought recently: your best customers (RFM segments Champions "
        "and Loyal Customers), apart from those on the at-risk list.",
        "Thank them personally, give them early access or a small gift, and ask for a "
        "review or a referral.",
        _finish(loyal, ["segment", *_STANDARD], contacts),
        ("app_pages/rfm.py", "RFM segments"),
        "No customer is in the Champions or Loyal Customers segments right now.",
    )


def _refund_list(buyers, contacts, refund_quiet_days: int) -> ActionList:
    """Return customers whose last order was a refund at least ``refund_quiet_days`` ago."""
    stopped = buyers[
        (buyers["_refund_day"] >= buyers["_last_day"]).to_numpy()
        & (buyers["days_since_refund"] >= refund_quiet_days).fillna(False).to_numpy(dtype=bool)
    ]
    return _make(
        "refund",
        "Customers who stopped buying after a refund",
        "Their last order with you was a refund or return, and they have not bought in the "
        f"{refund_quiet_days} days or more since.",
        "Ask what went wrong and offer to put it right, for example with a voucher for their "
        "next order.",
        _finish(
            stopped,
            ["last_refund", "days_since_refund", "refunded", "purchases", "net_revenue"],
            contacts,
        ),
        ("app_pages/profile.py", "Customer profile"),
        f"No customer's last order was a refund at least {refund_quiet_days} days ago.",
    )


def _detractors(responses, facts, contacts, days, notes) -> ActionList:
    """Return the customers who answered 0 to 6 in the last ``days`` days of the survey."""
    args = ("detractors", "Unhappy customers to call back")
    why = (
        'They answered 0 to 6 to "How likely are you to recommend us?" in the last '
        f"{days} days of your survey."
    )
    action = "Call them back within the week, listen, and fix what you can."
    source = ("app_pages/feedback.py", "Customer feedback")
    columns = ["customer_id", "response_date", "score", "comment", *_STANDARD]
    empty = pd.DataFrame({c: [] for c in columns})
    if responses is None or "score" not in responses.columns:
        return _make(*args, why, action, empty, source, "No survey answers were loaded.")
    if "customer_id" not in responses.columns:
        return _make(
            *args,
            why,
            action,
            empty,
            source,
            "The survey has no customer column, so its answers cannot be matched to customers.",
        )
    answers = fb.detractor_followup(responses, last_days=days)
    known = answers["customer_id"].notna().to_numpy()
    if (~known).any():
        n = int((~known).sum())
        notes.append(
            f"{plural(n, 'unhappy answer')} {'has' if n == 1 else 'have'} no customer id and "
            "cannot be called back."
        )
    answers = answers[known].drop_duplicates("customer_id", keep="first")
    keep = [c for c in ("customer_id", "response_date", "score", "comment") if c in answers]
    frame = answers[keep].set_index("customer_id")
    frame = frame.join(facts[_STANDARD], how="left")
    frame["purchases"] = frame["purchases"].fillna(0).astype("int64")
    frame["net_revenue"] = frame["net_revenue"].fillna(0.0)
    order = [c for c in frame.columns if c != "comment"] + ["comment"] * ("comment" in frame)
    customers = _finish(frame, order, contacts)
    return _make(
        *args,
        why,
        action,
        customers,
        source,
        f"Nobody answered 0 to 6 in the last {days} days of the survey.",
    )


def action_lists(
    tx: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    *,
    as_of=None,
    value: clv_mod.ValueReport | Exception | None = None,
    risk: churn_mod.ChurnResult | Exception | None = None,
    models: bool = True,
    top_share: float = 0.25,
    risk_threshold: float = 0.5,
    horizon_days: int = 90,
    new_days: int = 90,
    detractor_days: int = 90,
    refund_quiet_days: int = 30,
) -> ActionPlan:
    """Return the lists of customers to act on now (definitions in :mod:`analysis.actions`).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    responses : DataFrame or None
        Canonical survey responses (``score`` 0-10, optional ``customer_id``); None: no survey.
    as_of : date-like or None
        End of observation, exclusive (default: the day after the last transaction).
    value, risk : result, exception or None
        :func:`analysis.clv.value_report` and :func:`analysis.churn.churn_model` results already
        computed (with the same ``as_of``), or the ``ValueError`` they raised (then the at-risk
        list falls back to RFM and says why), or None to run them here when ``models``.
    models : bool
        Run the models here when they are not given (False: RFM-only at-risk list).
    top_share : float
        Share of customers with the highest expected value that count as valuable (0..1).
    risk_threshold : float
        Churn risk (probability of no purchase within ``horizon_days``) from which a customer
        counts as at risk.
    horizon_days : int
        Churn horizon used when the churn model is run here.
    new_days : int
        A new customer's only purchase is at most this many days before ``as_of``.
    detractor_days : int
        Detractors answered in the last this many days of the survey.
    refund_quiet_days : int
        Days since the latest refund, without a purchase, to count as stopped.

    Returns
    -------
    ActionPlan
        Five lists, ordered by money at stake (largest first), empty lists last.
    """
    ot = _orders(tx, as_of)
    facts = _customer_facts(ot)
    contact_cols = contact_columns(tx)
    contacts = _latest_values(tx, contact_cols, ot)
    buyers = facts[facts["purchases"] > 0]
    segment = _segments(buyers, ot.as_of)
    notes: list[str] = []
    report, scores, reason = _models(tx, ot.as_of, value, risk, models, horizon_days)
    at_risk = _at_risk_list(
        buyers, segment, contacts, report, scores, reason, notes,
        top_share=top_share, risk_threshold=risk_threshold, horizon_days=horizon_days,
    )  # fmt: skip
    lists = [
        at_risk,
        _second_order_list(buyers, contacts, new_days),
        _thank_list(buyers, segment, contacts, at_risk),
        _detractors(responses, facts, contacts, detractor_days, notes),
        _refund_list(buyers, contacts, refund_quiet_days),
    ]
    lists.sort(key=lambda item: (item.size == 0, -item.value_at_stake))
    return ActionPlan(
        lists=lists,
        as_of=ot.as_of,
        customers=len(buyers),
        contact_columns=contact_cols,
        notes=notes,
    )

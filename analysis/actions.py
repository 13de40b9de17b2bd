"""What to do now: the few customer lists worth acting on this week, from the other analyses.

Every list is a set of customers with the figures that put them there, their contact columns
(e-mail, phone, name... as found in the transactions) and the money at stake. The money at
stake of a list is the same measure for every list, so that the lists can be ordered by it:
the customers' **net revenue so far** (every amount before ``as_of`` summed, refunds taken
off; see :mod:`analysis.orders`).

The lists (``key``: definition):

- ``at_risk``: valuable customers at risk of leaving. With the customer value and churn models
  (:func:`analysis.clv.value_report`, :func:`analysis.churn.churn_model`): customers in the top
  ``top_share`` by expected value (``clv``) whose churn risk is at least ``risk_threshold``,
  exactly the list of :func:`analysis.churn.value_and_risk` with the Customer value page's
  default settings. When the data does not support the models, the RFM segments "At Risk" and
  "Can't Lose Them" instead (frequent buyers who have not bought for a long time), said in
  ``ActionPlan.notes``.
- ``second_order``: new customers to bring back: exactly one purchase order, made in the last
  ``new_days`` days before ``as_of``.
- ``thank``: loyal customers to thank: the RFM segments "Champions" and "Loyal Customers"
  (:func:`analysis.rfm.rfm_table` with the default rules), except customers on the
  ``at_risk`` list (they need a win-back call, not a thank-you).
- ``detractors``: customers to call back: survey answers scoring 0 to 6 in the last
  ``detractor_days`` days of the survey (:func:`analysis.feedback.detractor_followup`), one row
  per customer (their latest such answer), joined to their purchases and contact columns.
- ``refund``: customers who stopped after a refund: at least one purchase order, their latest
  refund order on or after their latest purchase order, and at least ``refund_quiet_days``
  days since that refund without a purchase.

Apart from ``thank`` and ``at_risk``, a customer can be on more than one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import churn as churn_mod
from analysis import clv as clv_mod
from analysis import feedback as fb
from analysis import rfm as rfm_mod
from analysis.core.orders import order_table, resolve_as_of, round_money, to_timestamps
from analysis.core.text import md_escape

__all__ = [
    "ActionList",
    "ActionPlan",
    "CONTACT_PATTERN",
    "action_lists",
    "contact_columns",
    "describe_action_plan",
    "latest_values",
]

CONTACT_PATTERN = re.compile(
    r"e ?mail|phone|mobile|\btel\b|telephone|whatsapp|\bname\b|names|surname|firstname|lastname"
    r"|company|address|\bcity\b|town|post ?code|\bzip\b",
    re.IGNORECASE,
)
"""Column names (``_`` and ``-`` read as spaces) that hold a way to reach the customer."""
_NOT_CONTACT = re.compile(
    r"product|item|sku|article|category|brand|campaign|discount|coupon|file|store|shop",
    re.IGNORECASE,
)
_CANONICAL = frozenset(
    ["customer_id", "order_id", "order_date", "amount", "quantity", "unit_price", "product"]
    + ["category", "channel", "country"]
)
MAX_CONTACT_COLUMNS = 8
_NAT_DAY = np.iinfo(np.int64).min

# Default-rule RFM segments behind the lists.
AT_RISK_SEGMENTS = ("Can't Lose Them", "At Risk")
THANK_SEGMENTS = ("Champions", "Loyal Customers")

VALUE_LABEL = "spent with you so far (net of refunds)"
"""What ``value_at_stake`` measures, in words."""


@dataclass(frozen=True)
class ActionList:
    """One list of customers to act on.

    Attributes
    ----------
    key : str
        Stable identifier (``at_risk``, ``second_order``, ``thank``, ``detractors``, ``refund``).
    title : str
        Short title in plain words.
    why : str
        Why these customers, in plain words (Markdown written here; no data values).
    action : str
        What to do, in one sentence.
    customers : DataFrame
        One row per customer (RangeIndex): ``customer_id``, the contact columns, then the
        figures that put them on the list and ``net_revenue``; most money first.
    value_at_stake : float
        Sum of the customers' ``net_revenue`` (money, the file's currency).
    source_page : str
        The page that explains the list (``app_pages/....py``).
    source_title : str
        That page's title.
    empty_reason : str
        Why the list is empty, in plain words ("" when it is not).
    """

    key: str
    title: str
    why: str
    action: str
    customers: pd.DataFrame
    value_at_stake: float
    source_page: str
    source_title: str
    empty_reason: str = ""

    @property
    def size(self) -> int:
        """Number of customers on the list."""
        return len(self.customers)


@dataclass(frozen=True)
class ActionPlan:
    """The lists, most money at stake first (empty lists last), and notes about them.

    Attributes
    ----------
    lists : list of ActionList
    as_of : Timestamp
        End of observation (exclusive).
    customers : int
        Customers with at least one purchase order before ``as_of``.
    contact_columns : list of str
        Contact columns found in the transactions (possibly none).
    notes : list of str
        Plain sentences: fallbacks used and answers that could not be matched.
    """

    lists: list[ActionList]
    as_of: pd.Timestamp
    customers: int
    contact_columns: list[str]
    notes: list[str] = field(default_factory=list)

    def get(self, key: str) -> ActionList:
        """The list with this ``key`` (KeyError when there is none)."""
        for item in self.lists:
            if item.key == key:
                return item
        raise KeyError(key)


# --------------------------------------------------------------------------------------------
# Contact columns
# --------------------------------------------------------------------------------------------


def contact_columns(tx: pd.DataFrame) -> list[str]:
    """Columns of ``tx`` that look like contact details (e-mail, phone, name, address...).

    A column qualifies when its name, read with ``_``/``-`` as spaces, matches
    :data:`CONTACT_PATTERN` and does not name a product, campaign or the like; the canonical
    columns never do. At most :data:`MAX_CONTACT_COLUMNS`, in the file's order.
    """
    out = []
    for col in tx.columns:
        name = str(col)
        if name in _CANONICAL:
            continue
        spaced = re.sub(r"[_\-.]+", " ", name)
        if CONTACT_PATTERN.search(spaced) and not _NOT_CONTACT.search(spaced):
            out.append(name)
    return out[:MAX_CONTACT_COLUMNS]


def latest_values(tx: pd.DataFrame, columns: list[str], *, as_of=None) -> pd.DataFrame:
    """Each customer's latest non-empty value of each column, from lines before ``as_of``.

    Empty or blank text counts as missing. Lines are taken in date order (ties: file order),
    so the value on a customer's most recent line that has one wins, column by column.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (every customer with a line before ``as_of``), one column
        per requested column (text; missing where the customer never had a value).
    """
    return _latest_values(tx, columns, order_table(tx, as_of))


def _latest_values(tx: pd.DataFrame, columns: list[str], ot) -> pd.DataFrame:
    if not columns:
        return pd.DataFrame(index=pd.Index(ot.customers, name="customer_id"))
    stamps = tx["order_date"].to_numpy()[ot.line_index]
    order = np.argsort(stamps, kind="stable")
    lines = tx[columns].iloc[ot.line_index[order]].reset_index(drop=True)
    lines = lines.astype("str").where(lines.notna())
    lines = lines.mask(lines.apply(lambda s: s.str.strip().eq("")).fillna(False))
    out = lines.groupby(ot.line_customer[order], sort=True).last()
    out = out.reindex(np.arange(ot.n_customers))
    out.index = pd.Index(ot.customers, name="customer_id")
    return out


# --------------------------------------------------------------------------------------------
# The lists
# --------------------------------------------------------------------------------------------


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
    """(result or None, reason or None) for a given result, a given failure or a fit here."""
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
    """The lists of customers to act on now (see the module docstring for the definitions).

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
    ot = order_table(tx, as_of) if len(tx) else None
    as_of_ts = ot.as_of if ot is not None else resolve_as_of(tx, as_of)
    contact_cols = contact_columns(tx)
    if ot is None:
        empty = pd.DataFrame(
            {"customer_id": [], "order_id": [], "order_date": pd.to_datetime([]), "amount": []}
        )
        ot = order_table(empty.astype({"customer_id": "str", "order_id": "str"}), as_of_ts)
    facts = _customer_facts(ot)
    contacts = _latest_values(tx, contact_cols, ot)
    buyers = facts[facts["purchases"] > 0]
    notes: list[str] = []
    lists: list[ActionList] = []

    # The RFM table from the same order table (identical to rfm.rfm_table(tx, as_of=as_of)).
    table = rfm_mod.rfm_from_values(
        buyers.rename(columns={"days_since_last_purchase": "recency", "purchases": "frequency"})
        .assign(monetary=buyers["net_revenue"])
        .astype({"recency": "int64"}),
        as_of=as_of_ts,
    )
    segment = table["segment"].astype("str")
    standard = ["purchases", "days_since_last_purchase", "net_revenue"]

    # 1. Valuable customers at risk of leaving.
    report, value_reason = _resolve_model(
        value, lambda: clv_mod.value_report(tx, as_of=as_of_ts, holdout=False), models
    )
    if report is not None and "clv" not in report.customers.columns:
        report, value_reason = None, "too few repeat buyers to model spend per purchase"
    scores, risk_reason = (None, None)
    if report is not None:
        scores, risk_reason = _resolve_model(
            risk,
            lambda: churn_mod.churn_model(tx, horizon_days=horizon_days, as_of=as_of_ts),
            models,
        )
    if report is not None and scores is not None:
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
        customers = _finish(frame, ["expected_value", "churn_risk", *standard], contacts)
        customers = customers.sort_values("expected_value", ascending=False, kind="stable")
        customers = customers.reset_index(drop=True)
        months = getattr(report, "settings", {}).get("months", 12)
        why = (
            f"In your top {top_share:.0%} by expected value over the next {months} months, and "
            f"the churn model gives them at least a {risk_threshold:.0%} chance of buying "
            f"nothing in the next {days} days."
        )
        source = ("app_pages/value.py", "Customer value")
    else:
        reason = value_reason if report is None else risk_reason
        notes.append(
            "The at-risk list uses the RFM segments (At Risk and Can't Lose Them) because the "
            f"value and churn models could not be used on this data: {md_escape(reason)}"
            if reason != "the models were not run"
            else "The at-risk list uses the RFM segments (At Risk and Can't Lose Them)."
        )
        frame = buyers[segment.isin(AT_RISK_SEGMENTS).to_numpy()].assign(
            segment=segment[segment.isin(AT_RISK_SEGMENTS)]
        )
        customers = _finish(frame, ["segment", *standard], contacts)
        why = (
            "They used to buy often, but have not bought for a long time (RFM segments "
            "At Risk and Can't Lose Them)."
        )
        source = ("app_pages/rfm.py", "RFM segments")
    lists.append(
        _make(
            "at_risk",
            "Valuable customers at risk of leaving",
            why,
            "Contact them personally this week: ask how things are and make them a good offer "
            "to come back.",
            customers,
            source,
            "No valuable customer looks at risk of leaving right now.",
        )
    )

    # 2. New customers to bring back for a second order.
    new = buyers[
        (buyers["purchases"] == 1).to_numpy()
        & (buyers["days_since_last_purchase"] <= new_days).fillna(False).to_numpy(dtype=bool)
    ].rename(columns={"first_purchase": "first_order"})
    lists.append(
        _make(
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
    )

    # 3. Loyal customers to thank.
    # Customers already on the at-risk list need a call, not a thank-you: left out here.
    at_risk_ids = lists[0].customers["customer_id"]
    keep = segment.isin(THANK_SEGMENTS) & ~segment.index.isin(at_risk_ids)
    loyal = buyers[keep.to_numpy()].assign(segment=segment[keep])
    lists.append(
        _make(
            "thank",
            "Loyal customers to thank",
            "They buy often and bought recently: your best customers (RFM segments Champions "
            "and Loyal Customers), apart from those on the at-risk list.",
            "Thank them personally, give them early access or a small gift, and ask for a "
            "review or a referral.",
            _finish(loyal, ["segment", *standard], contacts),
            ("app_pages/rfm.py", "RFM segments"),
            "No customer is in the Champions or Loyal Customers segments right now.",
        )
    )

    # 4. Detractors to call back.
    lists.append(_detractors(responses, facts, contacts, standard, detractor_days, notes))

    # 5. Customers who stopped after a refund.
    stopped = buyers[
        (buyers["_refund_day"] >= buyers["_last_day"]).to_numpy()
        & (buyers["days_since_refund"] >= refund_quiet_days).fillna(False).to_numpy(dtype=bool)
    ]
    lists.append(
        _make(
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
    )

    lists.sort(key=lambda item: (item.size == 0, -item.value_at_stake))
    return ActionPlan(
        lists=lists,
        as_of=as_of_ts,
        customers=len(buyers),
        contact_columns=contact_cols,
        notes=notes,
    )


def _make(key, title, why, action, customers, source, empty) -> ActionList:
    value = (
        float(round_money(np.array([customers["net_revenue"].sum()]))[0]) if len(customers) else 0.0
    )
    return ActionList(
        key=key,
        title=title,
        why=why,
        action=action,
        customers=customers,
        value_at_stake=value,
        source_page=source[0],
        source_title=source[1],
        empty_reason="" if len(customers) else empty,
    )


def _detractors(responses, facts, contacts, standard, days, notes) -> ActionList:
    args = ("detractors", "Unhappy customers to call back")
    why = (
        'They answered 0 to 6 to "How likely are you to recommend us?" in the last '
        f"{days} days of your survey."
    )
    action = "Call them back within the week, listen, and fix what you can."
    source = ("app_pages/feedback.py", "Customer feedback")
    columns = ["customer_id", "response_date", "score", "comment", *standard]
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
            f"{n:,} unhappy {'answer has' if n == 1 else 'answers have'} no customer id and "
            "cannot be called back."
        )
    answers = answers[known].drop_duplicates("customer_id", keep="first")
    keep = [c for c in ("customer_id", "response_date", "score", "comment") if c in answers]
    frame = answers[keep].set_index("customer_id")
    frame = frame.join(facts[standard], how="left")
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


def _money(x: float) -> str:
    return f"{x:,.2f}"


def describe_action_plan(plan: ActionPlan) -> list[str]:
    """One plain sentence per list (most money first), then the plan's notes.

    Returns
    -------
    list of str
        Markdown sentences written here; values from the data are escaped.
    """
    out = []
    for item in plan.lists:
        if item.size == 0:
            out.append(f"**{item.title}**: nobody right now. {item.empty_reason}")
            continue
        who = "1 customer" if item.size == 1 else f"{item.size:,} customers"
        they = "who has" if item.size == 1 else "who together have"
        out.append(
            f"**{item.title}**: {who} {they} spent {_money(item.value_at_stake)} with you so "
            f"far (net of refunds). {item.action}"
        )
    return out + list(plan.notes)

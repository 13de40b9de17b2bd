"""One customer's whole relationship on one screen: orders, RFM, value, risk, survey, purchases.

Definitions are the shared ones (:mod:`analysis.orders`): ``as_of`` is the end of observation,
exclusive (default: the day after the last transaction of the *whole* table, so one customer's
"days since the last purchase" matches the RFM recency); an order is ``(customer_id,
order_id)``; a **purchase order** has a net value >= 0, a **refund order** < 0. Money is in the
file's currency; "net" means refunds are subtracted.

The RFM, value and churn results come from :mod:`analysis.rfm`, :mod:`analysis.clv` and
:mod:`analysis.churn`; the functions here take their tables as arguments (computed once for
every customer and cached by the page) and pick one customer out of them. Nothing here loops
over customers: one customer's rows are found with one vectorised comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table, resolve_as_of, to_timestamps
from analysis.core.text import md_escape

__all__ = [
    "CustomerProfile",
    "customer_list",
    "search_customers",
    "segments_in",
    "picker_labels",
    "customer_profile",
    "customer_responses",
    "rfm_card",
    "value_card",
    "for_customer",
    "profile_sentences",
    "MAX_HISTORY_ORDERS",
    "MAX_PROFILE_ITEMS",
    "MAX_ATTRIBUTE_LINES",
    "history_note",
]

_LINE_LEVEL = frozenset(
    {
        "customer_id",
        "order_id",
        "order_date",
        "amount",
        "quantity",
        "unit_price",
        "product",
        "category",
    }
)
_ITEM_COLUMNS = ("product", "category")

MAX_HISTORY_ORDERS = 1_000
"""Most orders :attr:`CustomerProfile.history` holds: the customer's latest (a timeline and a
table of a million orders help nobody and take a minute to build). Every figure of the profile
(purchases, revenue, gaps) still counts every order; ``history_total`` gives the full count."""

MAX_PROFILE_ITEMS = 500
"""Most rows of :attr:`CustomerProfile.items`: the items in the most orders (``items_total``
gives the full count)."""

MAX_ATTRIBUTE_LINES = 500
"""Customer-level attributes (e-mail, channel, ...) are read from at most this many of the
customer's latest lines, so a customer with a million lines in a wide file stays quick."""
#: A column describes the customer when it is filled on, and agrees across, this share of
#: their lines.
_AGREEMENT = 0.9


def _has_values(tx: pd.DataFrame, column: str) -> bool:
    if column not in tx.columns:
        return False
    text = tx[column].astype("str").str.strip()
    return bool((tx[column].notna() & (text != "")).any())


def customer_list(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Every customer with their headline figures, to search and pick from.

    Returns
    -------
    DataFrame
        ``customer_id``, ``orders`` (purchase orders), ``net_revenue`` (refunds subtracted),
        ``last_purchase`` (calendar day; NaT for refund-only customers) and, when
        :mod:`analysis.rfm` is available, ``segment``. Highest net revenue first.
    """
    ot = order_table(tx, as_of)
    p = ot.is_purchase
    orders = np.bincount(ot.customer[p], minlength=ot.n_customers)
    last = np.full(ot.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, ot.customer[p], ot.day[p])
    last_ts = pd.Series(
        np.where(orders > 0, last, 0).astype("datetime64[D]").astype("datetime64[ns]")
    ).where(orders > 0)
    out = pd.DataFrame(
        {
            "customer_id": pd.array(ot.customers.astype("str"), dtype="str"),
            "orders": orders.astype(np.int64),
            "net_revenue": ot.customer_net(),
            "last_purchase": last_ts.to_numpy(),
        }
    )
    try:
        from analysis.rfm import rfm_table  # optional sibling module, imported lazily

        seg = rfm_table(tx, as_of=as_of)["segment"].astype("str")
        out["segment"] = pd.array(
            seg.reindex(out["customer_id"].to_numpy()).to_numpy(), dtype="str"
        )
    except Exception:  # noqa: BLE001 - the picker works without segments
        pass
    return out.sort_values(
        ["net_revenue", "customer_id"], ascending=[False, True], ignore_index=True
    )


def search_customers(
    customers: pd.DataFrame, query: str = "", *, segment: str | None = None, n: int = 200
) -> pd.DataFrame:
    """Customers of :func:`customer_list` whose id contains ``query`` (case-insensitive), in
    ``segment`` if given, at most ``n`` (the list's order: highest net revenue first)."""
    keep = np.ones(len(customers), dtype=bool)
    text = query.strip()
    if text:
        keep &= customers["customer_id"].str.contains(text, case=False, regex=False).to_numpy()
    if segment is not None and "segment" in customers.columns:
        keep &= (customers["segment"] == segment).to_numpy()
    return customers[keep].head(n).reset_index(drop=True)


def segments_in(customers: pd.DataFrame) -> list[str]:
    """The RFM segments present in :func:`customer_list`, largest first (empty without)."""
    if "segment" not in customers.columns:
        return []
    counts = customers["segment"].dropna().value_counts(sort=True)
    return [str(s) for s in counts.index]


def picker_labels(customers: pd.DataFrame) -> dict[str, str]:
    """``{customer_id: "C001 · 12 purchases · 1,234.50 net"}`` for a picker (a few hundred
    rows from :func:`search_customers`)."""
    ids = customers["customer_id"].astype("str").tolist()
    orders = customers["orders"].to_numpy()
    net = customers["net_revenue"].to_numpy()
    return {
        c: f"{c} · {o:,} purchase{'s' if o != 1 else ''} · {v:,.2f} net"
        for c, o, v in zip(ids, orders, net, strict=True)
    }


@dataclass(frozen=True)
class CustomerProfile:
    """One customer's history before ``as_of``.

    Attributes
    ----------
    customer_id : str
    found : bool
        False when the customer has no transaction before ``as_of`` (every other figure is
        then empty or NaN).
    as_of : pd.Timestamp
        End of observation (exclusive).
    first_purchase, last_purchase : pd.Timestamp or None
        Calendar days of the first and last purchase orders.
    orders, refund_orders : int
    net_revenue : float
        Every observed amount summed (refunds subtracted).
    gross_revenue : float
        Purchase orders' net values summed.
    refunded : float
        Refund orders' value, as a positive amount.
    average_order_value : float
        ``gross_revenue / orders`` (NaN without purchases).
    days_since_last : int or None
        Days from the last purchase day to ``as_of`` (1 = bought on the last day of the data).
    visits : int
        Distinct days with a purchase order.
    median_gap_days : float
        Median days between consecutive purchase days (NaN with fewer than two).
    attributes : dict
        Customer-level values from the file (channel, country, e-mail, ...): for each column
        that is not an order-line field, the latest value, when the column is filled on and
        agrees across at least 90% of the customer's lines (so a discount code used once or a
        stock code is left out).
    history : DataFrame
        One row per order, oldest first: ``order_id``, ``order_date``, ``net_value``, ``kind``
        ("purchase" or "refund"), ``lines``, ``items`` (the order's products, or categories, as
        text, most valuable first). At most :data:`MAX_HISTORY_ORDERS`, the latest.
    items : DataFrame
        What they buy (empty without a product or category column): ``<item column>``,
        ``orders`` (purchase orders with it), ``quantity`` (NaN without a quantity column),
        ``revenue`` (net, refund lines included), ``last_bought``. Most orders first; at most
        :data:`MAX_PROFILE_ITEMS`.
    item_column : str or None
    history_total : int
        Orders in total (``len(history)`` is smaller when :data:`MAX_HISTORY_ORDERS` cut it).
    items_total : int
        Distinct items in total (``len(items)`` is smaller when :data:`MAX_PROFILE_ITEMS` cut
        it).
    """

    customer_id: str
    found: bool
    as_of: pd.Timestamp
    first_purchase: pd.Timestamp | None
    last_purchase: pd.Timestamp | None
    orders: int
    refund_orders: int
    net_revenue: float
    gross_revenue: float
    refunded: float
    average_order_value: float
    days_since_last: int | None
    visits: int
    median_gap_days: float
    attributes: dict
    history: pd.DataFrame
    items: pd.DataFrame
    item_column: str | None
    history_total: int = 0
    items_total: int = 0


def customer_profile(tx: pd.DataFrame, customer_id: str, *, as_of=None) -> CustomerProfile:
    """Collect one customer's figures, orders and purchases (see :class:`CustomerProfile`).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (all customers: ``as_of`` defaults from the whole table).
    customer_id : str
        As written in the data.
    as_of : date-like or None
        End of observation, exclusive.
    """
    as_of_ts = resolve_as_of(tx, as_of)
    cutoff = as_of_ts
    mask = (tx["customer_id"] == customer_id).to_numpy() & (
        tx["order_date"].to_numpy() < np.datetime64(cutoff.to_datetime64())
    )
    mine = tx[mask].reset_index(drop=True)
    item_column = next((c for c in _ITEM_COLUMNS if _has_values(tx, c)), None)
    if len(mine) == 0:
        empty_items = pd.DataFrame(columns=[item_column or "item", "orders", "revenue"])
        return CustomerProfile(
            customer_id=customer_id,
            found=False,
            as_of=as_of_ts,
            first_purchase=None,
            last_purchase=None,
            orders=0,
            refund_orders=0,
            net_revenue=0.0,
            gross_revenue=0.0,
            refunded=0.0,
            average_order_value=float("nan"),
            days_since_last=None,
            visits=0,
            median_gap_days=float("nan"),
            attributes={},
            history=pd.DataFrame(
                columns=["order_id", "order_date", "net_value", "kind", "lines", "items"]
            ),
            items=empty_items,
            item_column=item_column,
        )
    # one customer's orders as arrays (analysis.orders); only the latest MAX_HISTORY_ORDERS are
    # sorted by order id and described, so a customer with 500,000 orders stays quick
    ot = order_table(mine, as_of_ts)
    purchase_all = ot.is_purchase
    values_all = ot.net
    visit_days = np.unique(ot.day[purchase_all])
    days = pd.Series(to_timestamps(visit_days))
    gaps = np.diff(visit_days)
    n_orders = int(purchase_all.sum())
    gross = float(values_all[purchase_all].sum())
    history_total = len(values_all)
    if history_total > MAX_HISTORY_ORDERS:  # orders on or after the N-th latest day
        kth = np.partition(ot.day, history_total - MAX_HISTORY_ORDERS)
        candidates = np.flatnonzero(ot.day >= kth[history_total - MAX_HISTORY_ORDERS])
    else:
        candidates = np.arange(history_total)
    frame = (
        pd.DataFrame(
            {
                "position": candidates,
                "order_id": pd.array(ot.order_ids[candidates], dtype="str"),
                "order_date": to_timestamps(ot.day[candidates]),
            }
        )
        .sort_values(["order_date", "order_id"], ignore_index=True)
        .tail(MAX_HISTORY_ORDERS)
        .reset_index(drop=True)
    )
    shown_orders = frame["position"].to_numpy()
    line_counts = np.bincount(ot.line_order, minlength=history_total)
    text = np.full(len(frame), "", dtype=object)
    if item_column is not None and len(frame):
        row_of = np.full(history_total, -1, dtype=np.int64)
        row_of[shown_orders] = np.arange(len(frame))
        keep = row_of[ot.line_order] >= 0
        shown = pd.DataFrame(
            {
                "_row": row_of[ot.line_order[keep]],
                "_item": mine[item_column]
                .astype("str")
                .str.strip()
                .to_numpy()[ot.line_index[keep]],
                "amount": ot.line_amount[keep],
            }
        )
        by_item = (
            shown.loc[shown["_item"] != ""]
            .groupby(["_row", "_item"], sort=False)["amount"]
            .sum()
            .reset_index()
            .sort_values(["_row", "amount"], ascending=[True, False], kind="stable")
        )
        described = by_item.groupby("_row", sort=False)["_item"].agg(_first_few)
        text[described.index.to_numpy()] = described.to_numpy()
    shown_values = values_all[shown_orders]
    history = pd.DataFrame(
        {
            "order_id": frame["order_id"].astype("str"),
            "order_date": frame["order_date"],
            "net_value": shown_values,
            "kind": pd.array(np.where(shown_values >= 0, "purchase", "refund"), dtype="str"),
            "lines": line_counts[shown_orders].astype(np.int64),
            "items": pd.array(text, dtype="str"),
        }
    )

    items = pd.DataFrame(columns=[item_column or "item", "orders", "quantity", "revenue"])
    if item_column is not None:
        net = np.zeros(len(mine))
        net[ot.line_index] = values_all[ot.line_order]  # the line's order's net value
        named = mine[item_column].astype("str").str.strip().ne("") & mine[item_column].notna()
        bought = mine[named & (net >= 0) & (mine["amount"] >= 0)]
        grouped = mine[named].groupby(item_column)
        items = pd.DataFrame(
            {
                "orders": bought.groupby(item_column)["order_id"].nunique(),
                "quantity": (
                    bought.groupby(item_column)["quantity"].sum()
                    if "quantity" in mine.columns
                    else np.nan
                ),
                "revenue": grouped["amount"].sum(),
                "last_bought": bought.groupby(item_column)["order_date"].max().dt.normalize(),
            }
        )
        items["orders"] = items["orders"].fillna(0).astype(np.int64)
        items = (
            items.rename_axis(item_column)
            .reset_index()
            .sort_values(["orders", "revenue"], ascending=False, kind="stable", ignore_index=True)
        )
    items_total = len(items)
    items = items.head(MAX_PROFILE_ITEMS)

    attributes = {}
    extra = [c for c in tx.columns if c not in _LINE_LEVEL]
    if extra:
        latest = mine.sort_values("order_date", kind="stable")[extra].tail(MAX_ATTRIBUTE_LINES)
        for column in extra:  # a few columns
            text = latest[column].astype("str").str.strip()
            filled = latest[column].notna() & (text != "")
            if not filled.any() or filled.mean() < _AGREEMENT:
                continue  # filled on only some lines: a line detail, e.g. a discount code
            value = text[filled].iloc[-1]
            if (text[filled] == value).mean() >= _AGREEMENT:  # else it varies: e.g. a SKU
                attributes[column] = value

    last = days.iloc[-1] if len(days) else None
    return CustomerProfile(
        customer_id=customer_id,
        found=True,
        as_of=as_of_ts,
        first_purchase=days.iloc[0] if len(days) else None,
        last_purchase=last,
        orders=n_orders,
        refund_orders=int((~purchase_all).sum()),
        net_revenue=float(mine["amount"].sum()),
        gross_revenue=gross,
        refunded=float(-values_all[~purchase_all].sum()),
        average_order_value=gross / n_orders if n_orders else float("nan"),
        days_since_last=int((as_of_ts - last).days) if last is not None else None,
        visits=len(days),
        median_gap_days=float(np.median(gaps)) if len(gaps) else float("nan"),
        attributes=attributes,
        history=history,
        items=items,
        item_column=item_column,
        history_total=history_total,
        items_total=items_total,
    )


def history_note(p: CustomerProfile) -> str | None:
    """A sentence for the page when :attr:`CustomerProfile.history` or ``items`` was cut (None
    when everything is shown), e.g. "Showing the latest 1,000 of 500,000 orders."."""
    notes = []
    if p.history_total > len(p.history):
        notes.append(f"Showing the latest {len(p.history):,} of {p.history_total:,} orders.")
    if p.items_total > len(p.items):
        what = p.item_column or "item"
        notes.append(
            f"Showing {len(p.items):,} of {p.items_total:,} {what} values: those bought in the "
            "most orders."
        )
    return " ".join(notes) or None


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
    """The customer's row of :func:`analysis.rfm.rfm_table` with its segment's description and
    suggested action, and where their spend ranks.

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
    """The customer's expected value (from :func:`analysis.clv.value_report`) and churn risk
    (from :func:`analysis.churn.churn_model`), either of which may be missing.

    Returns
    -------
    dict or None
        Any of ``clv`` (discounted expected net value over the value horizon),
        ``expected_purchases``, ``expected_revenue``, ``p_alive`` (probability they still buy,
        BG/NBD), ``clv_rank`` (share of customers worth less) and ``churn_risk`` (probability
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


def _first_few(names: pd.Series, k: int = 5) -> str:
    """``a, b, c, d, e and 3 more``."""
    names = list(names)
    if len(names) <= k:
        return ", ".join(names)
    return f"{', '.join(names[:k])} and {len(names) - k} more"


def _rank_words(rank: float) -> str:
    """Percentile rank (share of customers below) as "the top 5%" / "the bottom 10%"."""
    if rank >= 0.5:
        return f"the top {max(int(np.ceil(round(100 * (1 - rank), 6))), 1)}% of customers"
    return f"the bottom {max(int(np.ceil(round(100 * rank, 6))), 1)}% of customers"


def _days(n: int) -> str:
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def _money(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"


def profile_sentences(
    p: CustomerProfile,
    *,
    rfm: dict | None = None,
    value: dict | None = None,
    store_average_order: float | None = None,
    responses: pd.DataFrame | None = None,
    value_months: int | None = None,
    churn_days: int | None = None,
) -> list[str]:
    """What to know before calling the customer, in plain words.

    Parameters
    ----------
    p : CustomerProfile
    rfm, value : dict or None
        :func:`rfm_card` and :func:`value_card` results.
    store_average_order : float or None
        The average purchase-order value over all customers, for comparison.
    responses : DataFrame or None
        :func:`customer_responses` result.
    value_months, churn_days : int or None
        The horizons the value and churn models used, to name them.
    """
    if not p.found:
        return [
            f"There is no transaction for customer {md_escape(p.customer_id)} before the end date."
        ]
    out = []
    if p.orders == 0:
        out.append("This customer has only refunds, no purchase.")
        return out
    since = p.first_purchase.strftime("%d %b %Y")
    orders = "one purchase" if p.orders == 1 else f"{p.orders:,} purchases"
    out.append(
        f"Customer since {since}: {orders}, {_money(p.net_revenue)} net in total; the last "
        f"{_days(p.days_since_last)} ago ({p.last_purchase:%d %b %Y})."
    )
    if np.isfinite(p.median_gap_days) and p.median_gap_days > 0:
        ratio = p.days_since_last / p.median_gap_days
        if ratio >= 2:
            tone = f"{ratio:.0f} times their usual gap: overdue"
        elif ratio > 1.2:
            tone = "a little past their usual gap"
        else:
            tone = "within their usual rhythm"
        out.append(
            f"They usually buy again after about {_days(round(p.median_gap_days))}; it has been "
            f"{_days(p.days_since_last)}, {tone}."
        )
    if store_average_order and np.isfinite(store_average_order) and store_average_order > 0:
        rel = p.average_order_value / store_average_order - 1
        comparison = "above" if rel > 0 else "below"
        out.append(
            f"Average order {_money(p.average_order_value)}, {abs(rel):.0%} {comparison} the "
            f"average of all customers ({_money(store_average_order)})."
        )
    if p.refund_orders:
        out.append(
            f"{p.refund_orders} refund{'s' if p.refund_orders > 1 else ''} worth "
            f"{_money(p.refunded)} in total: worth asking whether all is well."
        )
    if len(p.items):
        fav = p.items.iloc[0]
        out.append(
            f"Most bought: {md_escape(fav[p.item_column])} (in {int(fav['orders'])} of {p.orders} purchases)."
        )
    if rfm:
        text = f"RFM segment: {md_escape(rfm['segment'])} (R{rfm['r_score']} F{rfm['f_score']} M{rfm['m_score']})"
        text += f". {md_escape(rfm['action'])}" if rfm.get("action") else "."
        out.append(text)
    if value:
        parts = []
        if "clv" in value:
            parts.append(
                f"expected to be worth {_money(value['clv'])} over "
                f"{f'the next {value_months} months' if value_months else 'the value horizon'} "
                f"({_rank_words(value['clv_rank'])})"
            )
        if "churn_risk" in value:
            within = f"{churn_days} days" if churn_days else "the churn horizon"
            parts.append(f"a {value['churn_risk']:.0%} risk of not buying within {within}")
        if parts:
            out.append("The models say: " + "; ".join(parts) + ".")
    if responses is not None and len(responses):
        last = responses.iloc[0]
        comment = str(last.get("comment", "") or "").strip()
        said = f' and wrote: "{md_escape(comment)}"' if comment else ""
        end = "" if comment and comment[-1] in ".!?" else "."
        out.append(
            f"Last survey ({pd.Timestamp(last['response_date']):%d %b %Y}): scored "
            f"{int(last['score'])} out of 10, a {last['group']}{said}{end}"
        )
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

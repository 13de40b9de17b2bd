"""Customer profile: one customer's whole relationship on one screen, before a call."""

import streamlit as st

from analysis import churn, clv, overview, patterns, profile, rfm
from analysis.charts import patterns as charts_patterns
from analysis.core import defaults
from analysis.core.text import money, money_format
from ui import engine
from ui.cache import Progress, chart, compute
from ui.components import (
    EXPLAINED_ERRORS,
    download_buttons,
    empty_state,
    explain,
    what_this_says,
)
from ui.data import require_transactions
from ui.model_choice import best_purchase_model, chosen_purchase_model
from ui.share import linked
from ui.text import inert

# The value page's defaults, so that its cached models are reused here.
VALUE_MONTHS = defaults.VALUE_MONTHS
CHURN_DAYS = defaults.CHURN_DAYS

ds = require_transactions(title="Customer profile")
st.caption(
    f"Data: **{inert(ds.label)}**. Pick one customer and see the whole relationship on one screen: "
    "what they bought and when, how they rate you, what they are worth and what to offer "
    "next. Amounts are in the currency of your file."
)

progress = Progress("Looking up this customer", total=9)
listing = compute(profile.customer_list, ds)
if len(listing) == 0:
    empty_state("There are no customers before the end of the data.")
    progress.done()
    st.stop()

# ------------------------------------------------------------------------------ picker
c1, c2, c3 = st.columns([1, 1, 2])
segments = profile.segments_in(listing)
segment = linked(
    c1.selectbox,
    "Segment",
    options=[None, *segments],
    format_func=lambda s: "All customers" if s is None else s,
    key="profile_segment",
    default=None,
    disabled=not segments,
    help="Narrow the list to one RFM segment, e.g. 'Can't Lose Them' before a round of calls.",
)
query = c2.text_input(
    "Search customer id", key="profile_search", placeholder="part of a customer id"
)
found = profile.search_customers(listing, query, segment=segment, n=500)
if len(found) == 0:
    empty_state("No customer matches this search.")
    progress.done()
    st.stop()
labels = profile.picker_labels(found, currency=ds.currency)
customer_id = c3.selectbox(
    "Customer",
    options=list(labels),
    format_func=labels.get,
    key="profile_customer",
    help="Highest net revenue first; at most 500 are listed, search to find others.",
)

p = engine.compute(profile.customer_profile, ds, customer_id=customer_id)
if not p.found:
    empty_state(f"There is no transaction for customer {customer_id}.")
    progress.done()
    st.stop()

# ------------------------------------------------------------------------------ models
try:
    rfm_card = profile.rfm_card(engine.compute(rfm.rfm_table, ds), customer_id)
except EXPLAINED_ERRORS:
    rfm_card = None
value_customers = None
value_note = None
# The purchase model Customer value uses (its pick, else the best on a held-back period), so a
# customer's expected value is the same here, there and on "What to do now".
value_model = chosen_purchase_model()
if value_model is None:
    try:
        value_model = best_purchase_model(compute(clv.compare_models, ds))
    except EXPLAINED_ERRORS:
        value_model = best_purchase_model(None)
try:
    value_customers = compute(
        clv.value_report, ds, **defaults.VALUE_SETTINGS, model=value_model
    ).customers
except EXPLAINED_ERRORS as exc:
    value_note = f"Expected value not available: {exc}"
risk_scores = None
risk_note = None
try:
    risk_scores = compute(churn.churn_model, ds, horizon_days=CHURN_DAYS).scores
except EXPLAINED_ERRORS as exc:
    risk_note = f"Churn risk not available: {exc}"
value = profile.value_card(value_customers, risk_scores, customer_id)
responses = None
if ds.responses is not None:
    responses = compute(profile.customer_responses, ds, data="responses", customer_id=customer_id)
card = engine.compute(overview.scorecard, ds)

progress.done()

# ------------------------------------------------------------------------------ header
st.subheader(f"Customer {inert(customer_id)}", anchor=False)  # no id in a link
if p.attributes:
    st.caption(
        " · ".join(f"{inert(k.replace('_', ' '))}: **{inert(v)}**" for k, v in p.attributes.items())
    )
if p.first_purchase is not None:
    st.caption(
        f"First purchase {p.first_purchase:%d %b %Y} · last purchase {p.last_purchase:%d %b %Y}"
    )
cols = st.columns(4)
cols[0].metric("Purchases", f"{p.orders:,}", help="Purchase orders (refund orders not counted).")
cols[1].metric(
    "Net revenue",
    money(p.net_revenue, ds.currency),
    help="Everything they paid minus everything refunded.",
)
cols[2].metric(
    "Average order",
    "n/a" if p.orders == 0 else money(p.average_order_value, ds.currency),
    help="Value of their purchase orders / number of purchase orders.",
)
cols[3].metric(
    "Days since last purchase",
    "n/a" if p.days_since_last is None else f"{p.days_since_last:,}",
    help="Counted to the end of the data (1 = bought on its last day), as RFM recency.",
)

st.subheader("Before you call")
what_this_says(
    profile.profile_sentences(
        p,
        rfm=rfm_card,
        value=value,
        store_average_order=card.average_order_value,
        responses=responses,
        value_months=VALUE_MONTHS,
        churn_days=CHURN_DAYS,
        currency=ds.currency,
    )
)

# ------------------------------------------------------------------------------ RFM, value, risk
st.subheader("Segment, value and risk")
cols = st.columns([2, 1, 1.5, 1.5])
if rfm_card:
    cols[0].metric(
        "RFM segment",
        rfm_card["segment"],
        help=inert(rfm_card["description"]) or None,
    )
    cols[1].metric(
        "R · F · M scores",
        f"{rfm_card['r_score']} · {rfm_card['f_score']} · {rfm_card['m_score']}",
        help=f"1 to {rfm_card['bins']}, higher is better: bought recently, often, for much.",
    )
else:
    cols[0].metric("RFM segment", "none", help="Customers with only refunds have no segment.")
if value and "clv" in value:
    cols[2].metric(
        f"Value, next {VALUE_MONTHS} months",
        money(value["clv"], ds.currency),
        help="Discounted expected net revenue from this customer "
        f"({clv.MODEL_NAMES[value_model]} and Gamma-Gamma models, as on Customer value).",
    )
if value and "churn_risk" in value:
    cols[3].metric(
        f"Churn risk, {CHURN_DAYS} days",
        f"{value['churn_risk']:.0%}",
        help=f"Probability of no purchase in the next {CHURN_DAYS} days, from the churn model "
        "on Customer value (checked on held-back customers there).",
    )
elif value and "p_alive" in value:
    cols[3].metric(
        "Still a customer",
        f"{value['p_alive']:.0%}",
        help="The chance this customer still buys from you, judged from their own purchase "
        f"rhythm (P(alive) of the {clv.MODEL_NAMES[value_model]} model; see Customer value).",
    )
if rfm_card and rfm_card["action"]:
    st.markdown(
        f"**Suggested action for {inert(rfm_card['segment'])}:** {inert(rfm_card['action'])}"
    )
for note in (value_note, risk_note):
    if note:
        st.caption(inert(note))

# ------------------------------------------------------------------------------ orders
st.subheader("Orders")
chart(st, charts_patterns.order_timeline_chart, p.history, width="stretch")
st.dataframe(
    p.history,
    hide_index=True,
    column_config={
        "order_id": "Order",
        "order_date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
        "net_value": st.column_config.NumberColumn("Net value", format=money_format(ds.currency)),
        "kind": "Purchase or refund",
        "lines": "Lines",
        "items": "Items",
    },
)
history_note = profile.history_note(p)  # when the orders or items shown are capped
if history_note:
    st.caption(inert(history_note))
download_buttons(p.history, f"orders_{customer_id}", key="profile_orders_download")

# ------------------------------------------------------------------------------ survey
st.subheader("What they told you")
if responses is None:
    empty_state(
        "No survey responses loaded. Upload a survey file with a customer id column to see "
        "each customer's scores and comments here."
    )
elif responses.attrs.get("reason"):
    empty_state(responses.attrs["reason"])
elif len(responses) == 0:
    st.caption("This customer has not answered the survey.")
else:
    st.dataframe(
        responses,
        hide_index=True,
        column_config={
            "response_date": st.column_config.DatetimeColumn("Date", format="D MMM YYYY"),
            "score": "Recommend (0-10)",
            "group": "NPS group",
            "csat": "Satisfaction (1-5)",
            "ces": "Ease (1-7)",
            "comment": "Comment",
        },
    )

# ------------------------------------------------------------------------------ items
st.subheader("What they buy, and what to offer next")
if p.item_column is None:
    empty_state(
        compute(patterns.needs, ds, columns=("product",), purpose="Seeing what they buy")
        or "No products to show."
    )
else:
    left, right = st.columns(2)
    with left:
        chart(st, charts_patterns.customer_items_chart, p.items, p.item_column, width="stretch")
    with right:
        recs = compute(patterns.recommendations, ds, column=p.item_column, n=5)
        mine = profile.for_customer(recs, customer_id)
        st.markdown(f"**Suggested next {p.item_column}s**")
        if len(mine):
            st.dataframe(
                mine[["rank", "item", "because"]],
                hide_index=True,
                column_config={
                    "rank": "Rank",
                    "item": "Suggestion",
                    "because": "Because they bought",
                },
            )
        else:
            st.caption(
                "No suggestion: what this customer bought is not bought by enough others yet, "
                "or they already have everything that goes with it."
            )
    st.dataframe(
        p.items,
        hide_index=True,
        column_config={
            p.item_column: p.item_column.capitalize(),
            "orders": "Orders",
            "quantity": st.column_config.NumberColumn("Units", format="%.0f"),
            "revenue": st.column_config.NumberColumn("Net spend", format=money_format(ds.currency)),
            "last_bought": st.column_config.DateColumn("Last bought", format="D MMM YYYY"),
        },
    )

explain(
    "the customer profile",
    f"""
- **Purchases** are orders whose lines add up to zero or more; **refunds** add up to less.
  Net revenue subtracts refunds. Days are counted to the end of the data (the day after the
  last transaction of the whole file), as on the RFM page.
- **Usual gap**: the median number of days between the days this customer bought on.
  "Overdue" means it has been at least twice that long since the last purchase.
- **RFM segment** and its suggested action come from the RFM page (default rules).
- **Expected value** over {VALUE_MONTHS} months and **risk of no purchase** in {CHURN_DAYS}
  days come from the models on the Customer value page, with their default settings; that
  page shows how well they did on customers held back from training.
- **Suggestions**: items bought by customers who bought the same things as this customer
  (item-to-item cosine similarity, see Purchase patterns); items they already bought are never
  suggested. "Because they bought" names the item of theirs most similar to the suggestion.
""",
)

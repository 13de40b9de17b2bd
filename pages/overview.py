"""Overview: a first scorecard of the customer base."""

import streamlit as st

from analysis import charts_overview, overview
from ui.cache import compute
from ui.components import empty_state, explain, warnings_box, what_this_says
from ui.data import require_transactions

ds = require_transactions()
st.title("Overview")
st.caption(f"Data: **{ds.label}**")

message = overview.dataset_size_check(ds.tx)
if message:
    empty_state(message)
    st.stop()

card = compute(overview.scorecard, ds)
D = overview.DEFINITIONS
st.caption(
    f"From {card.first_date:%d %b %Y} to {card.last_date:%d %b %Y}. "
    "Amounts are in the currency of your file."
)

row1 = st.columns(4)
row1[0].metric("Customers", f"{card.customers:,}", help=D["customers"])
row1[1].metric("Orders", f"{card.orders:,}", help=D["orders"])
row1[2].metric("Net revenue", f"{card.net_revenue:,.0f}", help=D["net_revenue"])
row1[3].metric(
    "Average order value", f"{card.average_order_value:,.2f}", help=D["average_order_value"]
)
row2 = st.columns(4)
row2[0].metric(
    "Repeat-customer rate", f"{card.repeat_customer_rate:.0%}", help=D["repeat_customer_rate"]
)
row2[1].metric(
    "Orders per customer", f"{card.orders_per_customer:.2f}", help=D["orders_per_customer"]
)
row2[2].metric("Refund rate", f"{card.refund_rate:.1%}", help=D["refund_rate"])
row2[3].metric(
    "Active customers, last 90 days",
    f"{card.active_last_90:,}",
    delta=f"{card.active_last_90 - card.active_prev_90:+,} vs the 90 days before",
    help=D["active_last_90"],
)

st.subheader("What this says")
what_this_says(overview.scorecard_insights(card))
warnings_box(ds.tx_warnings)

st.subheader("New and returning customers")
nvr = compute(overview.new_vs_returning, ds, freq="M")
value = st.segmented_control(
    "Show",
    options=["customers", "revenue"],
    format_func=lambda v: {"customers": "Customers", "revenue": "Net revenue"}[v],
    default="customers",
    key="overview_nvr_value",
)
st.altair_chart(
    charts_overview.new_vs_returning_chart(nvr, value=value or "customers"),
    width="stretch",
)
st.caption(
    "New: customers whose first purchase was that month. Returning: customers who bought "
    "that month and had bought before. A lighter last bar is a month not yet complete."
)

breakdowns = [c for c in ("country", "channel", "category") if c in ds.tx.columns]
if breakdowns:
    st.subheader("Where the revenue comes from")
    tabs = st.tabs([c.capitalize() for c in breakdowns])
    for tab, column in zip(tabs, breakdowns, strict=True):
        with tab:
            table = compute(overview.top_breakdown, ds, column=column, n=10)
            if table is None or len(table) == 0:
                empty_state(f"No {column} values to break down.")
                continue
            st.altair_chart(charts_overview.breakdown_chart(table, column), width="stretch")
else:
    st.caption(
        "Add a country, channel or category column to your file to see where revenue comes from."
    )

explain(
    "the scorecard",
    "\n".join(f"- **{k.replace('_', ' ').capitalize()}**: {v}" for k, v in D.items()),
)

"""Overview: a first scorecard of the customer base."""

import streamlit as st

from analysis import charts_overview, overview, reconcile
from ui.cache import Progress, chart, compute
from ui.components import download_buttons, empty_state, explain, warnings_box, what_this_says
from ui.data import require_transactions
from ui.text import inert

ds = require_transactions()
st.title("Overview")
st.caption(f"Data: **{inert(ds.label)}**")

message = compute(overview.dataset_size_check, ds)
if message:
    empty_state(message)
    st.stop()

progress = Progress("Working out the scorecard", total=4)

card = compute(overview.scorecard, ds)
D = overview.DEFINITIONS
st.caption(
    f"From {card.first_date:%d %b %Y} to {card.last_date:%d %b %Y}. "
    "Amounts are in the currency of your file."
)

FIGURES = [
    ["customers", "orders", "net_revenue", "average_order_value"],
    ["repeat_customer_rate", "orders_per_customer", "refund_rate", "active_last_90"],
]
for keys in FIGURES:
    for col, key in zip(st.columns(len(keys)), keys, strict=True):
        delta = None
        if key == "active_last_90":
            if card.prev_90_complete:
                delta = f"{card.active_last_90 - card.active_prev_90:+,} vs the 90 days before"
            else:
                delta = "no full 90 days before to compare"
        col.metric(
            overview.LABELS[key],
            overview.format_figure(card, key, ds.currency),
            delta=delta,
            delta_color="normal" if card.prev_90_complete else "off",
            help=D[key],
        )
why_counts = compute(reconcile.count_reconciliation, ds, page="overview")
if why_counts:  # why other pages count other customers (analysis.reconcile)
    st.caption(" ".join(why_counts))

anonymous = getattr(ds.files["transactions"].prepared, "anonymous", None)
without = overview.sales_without_customer(anonymous)  # all of them: the scorecard has no as-of
if without.lines:
    totals, said = overview.totals_with_sales_without_customer(card, without)
    cols = st.columns(4)
    cols[0].metric(
        "Total net revenue",
        overview.format_money(totals["total_net_revenue"], ds.currency),
        help="Net revenue of the customers' orders plus that of the sales without a customer.",
    )
    cols[1].metric(
        "Total orders",
        f"{totals['total_orders']:,}",
        help="Purchase orders of customers plus purchase orders without a customer.",
    )
    cols[2].metric(
        "of which without a customer",
        overview.format_money(totals["without_customer_net_revenue"], ds.currency),
        help="Guest checkouts and till sales: rows with a date and an amount but no customer.",
    )
    cols[3].metric(
        "Orders without a customer",
        f"{totals['without_customer_orders']:,}",
        help="Purchase orders without a customer; a line without an order number is one order.",
    )
    for sentence in said:
        st.caption(sentence)

st.subheader("What this says")
what_this_says(overview.scorecard_insights(card))
warnings_box(ds.tx_warnings)

st.subheader("New and returning customers")
nvr = compute(overview.new_vs_returning, ds, freq="M")


@st.fragment
def new_returning_view() -> None:
    # The measure changes this chart only.
    value = st.segmented_control(
        "Show",
        options=["customers", "revenue"],
        format_func=lambda v: {"customers": "Customers", "revenue": "Net revenue"}[v],
        default="customers",
        key="overview_nvr_value",
        bind="query-params",
    )
    chart(
        st, charts_overview.new_vs_returning_chart, nvr, value=value or "customers", width="stretch"
    )
    st.caption(
        "New: customers whose first purchase was that month. Returning: customers who bought "
        "that month and had bought before. A lighter last bar is a month not yet complete."
    )


new_returning_view()

breakdowns = overview.available_breakdowns(ds.tx)
if breakdowns:
    st.subheader("Where the revenue comes from")
    tabs = st.tabs([c.capitalize() for c in breakdowns])
    for tab, column in zip(tabs, breakdowns, strict=True):
        with tab:
            table = compute(overview.top_breakdown, ds, column=column, n=10)
            if table is None or len(table) == 0:
                empty_state(f"No {column} values to break down.")
                continue
            chart(st, charts_overview.breakdown_chart, table, column, width="stretch")
else:
    st.caption(
        "Add a country, channel or category column to your file to see where revenue comes from."
    )

download_buttons(overview.scorecard_table(card), "scorecard", key="overview_scorecard")

progress.done()

explain(
    "the scorecard",
    "\n".join(f"- {definition}" for definition in D.values()),
)

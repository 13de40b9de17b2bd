"""Overview: a first scorecard of the customer base."""

import datetime as dt
import math

import streamlit as st

from analysis import overview, reconcile
from analysis.charts import overview as charts_overview
from analysis.core import defaults
from ui import engine
from ui.cache import Progress, chart, compute
from ui.components import download_buttons, empty_state, explain, warnings_box, what_this_says
from ui.data import require_transactions
from ui.share import linked
from ui.text import inert


def pick_period(
    first: dt.date, last: dt.date, as_of, *, with_comparison: bool = True
) -> tuple[str, str, tuple]:
    """Show the period (and comparison) pickers; return the choices and their windows.

    The choices are bound to the address like the other settings; the windows are those of
    :func:`analysis.overview.period_bounds` (all time instead, with a warning, when the link
    holds an unknown period or a custom period that ends before it starts).
    """
    pick, pick_compare = st.columns([3, 2])
    period = (
        linked(
            pick.segmented_control,
            defaults.OVERVIEW_PERIOD.label,
            options=list(overview.PERIODS),
            format_func=overview.PERIODS.get,
            default=defaults.OVERVIEW_PERIOD.default,
            key="overview_period",
            wrap=True,  # onto a second row rather than scrolled out of sight in its column
        )
        or defaults.OVERVIEW_PERIOD.default
    )
    compare = "none"
    if with_comparison and period == "all":  # nothing comes before all time
        pick_compare.caption("All time: there is no earlier period to compare with.")
    elif with_comparison:
        compare = (
            linked(
                pick_compare.segmented_control,
                defaults.OVERVIEW_COMPARISON.label,
                options=list(defaults.OVERVIEW_COMPARISON.options),
                format_func=overview.COMPARISONS.get,
                default=defaults.OVERVIEW_COMPARISON.default,
                key="overview_compare",
                help=defaults.OVERVIEW_COMPARISON.help,
                wrap=True,
            )
            or defaults.OVERVIEW_COMPARISON.default
        )
    start = end = None
    if period == "custom":
        from_col, to_col = st.columns(2)
        start = from_col.date_input(
            "From",
            value=max(first, last - dt.timedelta(days=89)),
            min_value=first,
            max_value=last,
            key="overview_start",
            bind="query-params",
        )
        end = to_col.date_input(
            "To (included)",
            value=last,
            min_value=first,
            max_value=last,
            key="overview_end",
            bind="query-params",
        )
    try:
        bounds = overview.period_bounds(period, as_of, start, end, compare=compare, first=first)
    except ValueError as error:  # period_bounds: an unknown period in a link, a custom period
        # that ends before it starts: say so, and show all time instead
        st.warning(inert(error), icon=":material/date_range:")
        bounds = overview.period_bounds("all", as_of, first=first)
        period = "all"
    last_in = bounds[1] - dt.timedelta(days=1)
    st.caption(
        f"From {bounds[0]:%d %b %Y} to {last_in:%d %b %Y}"
        + (
            f", compared with {bounds[2]:%d %b %Y} to {bounds[3] - dt.timedelta(days=1):%d %b %Y}"
            if bounds[2] is not None
            else ""
        )
        + (
            f". Amounts are in {inert(ds.currency)}."
            if ds.currency
            else ". Amounts are in the currency of your file."
        )
    )
    return period, compare, bounds


def total_figures(totals: dict, *, with_customers: bool = True) -> None:
    """Show total revenue and orders with the sales without a customer in them."""
    cols = st.columns(4 if with_customers else 3)
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
    if with_customers:
        cols[3].metric(
            "Orders without a customer",
            f"{totals['without_customer_orders']:,}",
            help="Purchase orders without a customer; a line without an order number is one order.",
        )


ds = require_transactions(without_customer=True, title="Overview")
st.caption(f"Data: **{inert(ds.label)}**")
anonymous = getattr(ds.files["transactions"].prepared, "anonymous", None)

if len(ds.tx) == 0:  # a till report that names no customer: its totals, no customer figure
    every_sale = overview.sales_without_customer(anonymous)
    period, _, bounds = pick_period(
        every_sale.first_date.date(),
        every_sale.last_date.date(),
        every_sale.as_of,
        with_comparison=False,
    )
    without = overview.sales_without_customer(anonymous, start=bounds[0], end=bounds[1])
    if without.lines == 0:
        st.info("No sales in this period: pick a longer one.", icon=":material/event_busy:")
    totals, said = overview.totals_with_sales_without_customer(None, without, ds.currency)
    total_figures(totals, with_customers=False)
    st.subheader("What this says")
    what_this_says(said)
    warnings_box(ds.tx_warnings)
    st.stop()

message = compute(overview.dataset_size_check, ds)
if message:
    empty_state(message)
    st.stop()

progress = Progress("Working out the scorecard", total=4)

card_all = engine.compute(overview.scorecard, ds)
D = overview.DEFINITIONS

period, compare, bounds = pick_period(
    card_all.first_date.date(), card_all.last_date.date(), card_all.as_of
)
p_start, p_end, prev_start, prev_end = (None if b is None else b.isoformat() for b in bounds)
comparison = engine.compute(
    overview.compare_scorecards,
    ds,
    start=p_start,
    end=p_end,
    prev_start=prev_start,
    prev_end=prev_end,
)
card = comparison.current
engine.say_where(ds, "The scorecard's figures are")
phrase = overview.comparison_phrase(period, compare, bounds[0], bounds[1])
if card.orders == 0:
    st.info("No purchase orders in this period: pick a longer one.", icon=":material/event_busy:")

FIGURES = [
    ["customers", "orders", "net_revenue", "average_order_value"],
    ["repeat_customer_rate", "orders_per_customer", "refund_rate", "active_last_90"],
]
for keys in FIGURES:
    # the last column a little wider: "Active customers, last 90 days" is whole at 1280 px
    for col, key in zip(st.columns([1] * (len(keys) - 1) + [1.15]), keys, strict=True):
        if key == "active_last_90":  # always the last 90 days of the data, whatever the period
            shown = card_all
            if card_all.prev_90_complete:
                delta = (
                    f"{card_all.active_last_90 - card_all.active_prev_90:+,} vs the 90 days before"
                )
            else:
                delta = "no full 90 days before to compare"
            color = "normal" if card_all.prev_90_complete else "off"
        else:
            shown = card
            delta = overview.change_text(comparison, key, phrase)
            change = overview.figure_change(comparison, key)
            compared = math.isfinite(change) and round(change, 3) != 0  # no arrow for "0%"
            color = ("inverse" if key == "refund_rate" else "normal") if compared else "off"
        col.metric(
            overview.LABELS[key],
            overview.format_figure(shown, key, ds.currency),
            delta=delta,
            delta_color=color,
            help=D[key],
        )
if period == "all":  # why other pages count other customers (analysis.reconcile)
    why_counts = compute(reconcile.count_reconciliation, ds, page="overview", currency=ds.currency)
    if why_counts:
        st.caption(" ".join(why_counts))

window = {} if period == "all" else {"start": bounds[0], "end": bounds[1]}
without = overview.sales_without_customer(anonymous, **window)  # no as-of: all of the period's
if without.lines:
    totals, said = overview.totals_with_sales_without_customer(card, without, ds.currency)
    total_figures(totals)
    for sentence in said:
        st.caption(sentence)

st.subheader("What this says")
what_this_says(overview.scorecard_insights(card, ds.currency))
warnings_box(ds.tx_warnings)

st.subheader("New and returning customers")
if period == "all":
    nvr = engine.compute(overview.new_vs_returning, ds, freq=defaults.TREND_PERIOD.default)
else:  # the months of the period and of the one it is compared with, when they follow on
    shown_from = bounds[2] if compare == "previous" and bounds[2] is not None else bounds[0]
    nvr = engine.compute(
        overview.new_vs_returning_in_period,
        ds,
        start=shown_from.isoformat(),
        end=p_end,
        freq=defaults.TREND_PERIOD.default,
    )


@st.fragment
def new_returning_view() -> None:
    """Show the new and returning customers; the measure reruns this chart only."""
    value = linked(
        st.segmented_control,
        "Show",
        options=["customers", "revenue"],
        format_func=lambda v: {"customers": "Customers", "revenue": "Net revenue"}[v],
        default="customers",
        key="overview_nvr_value",
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
            if period == "all":
                table = engine.compute(overview.top_breakdown, ds, column=column, n=10)
            else:
                table = engine.compute(
                    overview.top_breakdown_in_period,
                    ds,
                    column=column,
                    start=p_start,
                    end=p_end,
                    n=10,
                )
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

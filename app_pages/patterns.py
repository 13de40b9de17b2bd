"""Purchase patterns: when customers buy, what, what together, what they pay, and how."""

import streamlit as st

from analysis import overview
from analysis import patterns as P
from analysis.charts import overview as charts_overview
from analysis.charts import patterns as charts_patterns
from analysis.core.text import money, money_format
from ui import engine
from ui.cache import Progress, chart, compute, derived
from ui.components import download_buttons, empty_state, explain, what_this_says
from ui.data import require_transactions
from ui.share import linked
from ui.text import inert

RECS_SHOWN = 500  # rows of the suggestions table sent to the browser (all are in the download)
LEVEL_NAMES = {"product": "Products", "category": "Categories"}
RANK_NAMES = {
    "revenue": "Net revenue",
    "customers": "Customers",
    "orders": "Orders",
    "repeat_rate": "Repeat rate",
}
SPEND_NAMES = {
    "segment": "RFM segment",
    "channel": "First channel",
    "country": "First country",
    "category": "First category",
}

ds = require_transactions(title="Purchase patterns")
st.caption(
    f"Data: **{inert(ds.label)}**. When customers buy, what they buy and buy together, what they pay, "
    "and through which channel. Amounts are in the currency of your file."
)

message = compute(overview.dataset_size_check, ds)
if message:
    empty_state(message)
    st.stop()

progress = Progress("Working out the purchase patterns", total=23)

levels = compute(P.item_columns, ds)
present = compute(overview.available_breakdowns, ds)
level = levels[0] if levels else None
if len(levels) > 1:
    level = (
        linked(
            st.segmented_control,
            "Look at",
            options=levels,
            format_func=LEVEL_NAMES.get,
            default=levels[0],
            key="patterns_level",
            help="Individual products, or the categories they belong to.",
        )
        or levels[0]
    )
word = level or "product"
no_items_what = compute(P.needs, ds, columns=("product",), purpose="Ranking what sells")
no_items_together = compute(
    P.needs, ds, columns=("product",), purpose="Finding what is bought together"
)

tab_when, tab_what, tab_together, tab_pay, tab_how = st.tabs(
    ["When", "What", "Together", "What they pay", "Channels and countries"]
)


# ------------------------------------------------------------------------------ when
@st.fragment
def when_tab() -> None:
    """Show when customers buy; this tab's own controls rerun this tab only."""
    engine.say_sample(ds, "The figures of this tab are")
    has_time = compute(P.has_time_of_day, ds)
    value = (
        linked(
            st.segmented_control,
            "Count",
            options=["orders", "revenue"],
            format_func={"orders": "Orders", "revenue": "Revenue"}.get,
            default="orders",
            key="patterns_when_value",
        )
        or "orders"
    )
    wh = compute(P.weekday_hour, ds)
    st.subheader("Day of the week and time of day")
    if has_time:
        chart(st, charts_patterns.weekday_hour_heatmap, wh, value, width="stretch")
    else:
        st.caption(
            "Your file has dates without times of day, so the hour of the day cannot be shown."
        )
    what_this_says(P.describe_weekday_hour(wh))

    wm = compute(P.weekday_month, ds)
    chart(st, charts_patterns.weekday_month_heatmap, wm, f"{value}_per_day", width="stretch")
    st.caption(
        "Per day: a month has four or five of each weekday, and the first and last months may be "
        "cut short, so each cell is divided by the number of such days in the data."
    )
    what_this_says(P.describe_weekday_month(wm))

    st.subheader("Seasons and growth")
    season = compute(P.monthly_seasonality, ds)
    chart(st, charts_patterns.seasonality_chart, season, value, width="stretch")
    what_this_says(P.describe_seasonality(season, currency=ds.currency))

    st.subheader("How soon customers buy again")
    reorder = compute(P.reorder_summary, ds)
    cols = st.columns([1.25, 1, 1, 1])  # room for "Median days between purchases" at 1280 px
    cols[0].metric(
        "Median days between purchases",
        "n/a" if reorder.gaps == 0 else f"{reorder.median_days:.0f}",
        help="Half of all reorders come sooner than this. Orders on the same day count as one "
        "visit.",
    )
    for col, row in zip(cols[1:], reorder.within.itertuples(), strict=False):
        col.metric(
            f"Back within {row.days} days",
            "n/a" if row.eligible == 0 else f"{row.share:.0%}",
            help=f"Of the {row.eligible:,} customers whose first purchase was at least "
            f"{row.days} days before the end of the data, the share who bought again within "
            f"{row.days} days of it.",
        )
    chart(st, charts_patterns.reorder_histogram_chart, reorder.histogram, width="stretch")
    what_this_says(P.describe_reorder(reorder))

    reorder_level = "category" if "category" in levels else level
    if reorder_level:
        by_item = compute(P.reorder_by_item, ds, column=reorder_level)
        st.markdown(f"**Typical time until the same {reorder_level} is bought again**")
        if len(by_item):
            st.dataframe(
                by_item,
                hide_index=True,
                column_config={
                    reorder_level: reorder_level.capitalize(),
                    "customers": "Customers",
                    "repeat_customers": "Bought it again",
                    "gaps": "Reorders",
                    "median_days": st.column_config.NumberColumn("Median days", format="%.0f"),
                    "p25_days": st.column_config.NumberColumn("Quarter within", format="%.0f"),
                    "p75_days": st.column_config.NumberColumn(
                        "Three quarters within", format="%.0f"
                    ),
                },
            )
            what_this_says(P.describe_reorder_by_item(by_item, reorder_level))
        else:
            empty_state(f"No {reorder_level} has been bought again often enough yet.")
    else:
        empty_state(
            compute(P.needs, ds, columns=("category",), purpose="Reorder time per category")
        )


with tab_when:
    when_tab()


# ------------------------------------------------------------------------------ what
@st.fragment
def what_tab() -> None:
    """Show what customers buy; this tab's own controls rerun this tab only."""
    engine.say_sample(ds, "The figures of this tab are")
    if level is None:
        empty_state(no_items_what)
    else:
        st.subheader(f"Top {LEVEL_NAMES[level].lower()}")
        rank = linked(
            st.selectbox,
            "Rank by",
            options=list(RANK_NAMES),
            format_func=RANK_NAMES.get,
            key="patterns_rank",
            default=list(RANK_NAMES)[0],
            help="Repeat rate: the share of the item's customers who bought it in two or more "
            "orders (only items with at least 10 customers are ranked).",
        )
        top = compute(P.top_items, ds, column=level, n=20, by=rank)
        chart(st, charts_patterns.top_items_chart, top, level, rank, width="stretch")
        what_this_says(P.describe_top_items(top, level))
        st.dataframe(
            top,
            hide_index=True,
            column_config={
                level: level.capitalize(),
                "revenue": st.column_config.NumberColumn(
                    "Net revenue", format=money_format(ds.currency)
                ),
                "revenue_share": st.column_config.NumberColumn("Share", format="percent"),
                "quantity": st.column_config.NumberColumn("Units", format="%.0f"),
                "orders": "Orders",
                "customers": "Customers",
                "repeat_customers": "Bought it again",
                "repeat_rate": st.column_config.NumberColumn("Repeat rate", format="percent"),
            },
        )
        download_buttons(top, f"top_{level}", key="patterns_top_download")

        st.subheader("First orders, and what brings customers back")
        first = compute(P.first_order_items, ds, column=level)
        what_this_says(P.describe_first_orders(first, level))
        left, right = st.columns(2)
        window = first.attrs.get("within_days")
        with left:
            st.markdown("**What first orders are made of**")
            st.dataframe(
                first.head(15)[[level, "first_orders", "first_order_share"]],
                hide_index=True,
                column_config={
                    level: level.capitalize(),
                    "first_orders": "First orders",
                    "first_order_share": st.column_config.NumberColumn(
                        "Share of first orders", format="percent"
                    ),
                },
            )
        with right:
            st.markdown(f"**{LEVEL_NAMES[level]} that bring customers back**")
            back = P.items_that_bring_back(first)
            if len(back):
                st.dataframe(
                    back[[level, "eligible", "return_rate", "low", "high"]],
                    hide_index=True,
                    column_config={
                        level: level.capitalize(),
                        "eligible": "New customers",
                        "return_rate": st.column_config.NumberColumn(
                            f"Back within {window} days", format="percent"
                        ),
                        "low": st.column_config.NumberColumn("95% from", format="percent"),
                        "high": st.column_config.NumberColumn("95% to", format="percent"),
                    },
                )
            else:
                empty_state(
                    f"Not enough new customers yet: a {level} needs 30 first orders at least "
                    f"{window} days old to be compared."
                )
        st.caption(
            f"Customers whose first purchase day included the {level}; 'back' means another "
            f"purchase within {window} days, counted only for customers whose first purchase is "
            f"at least {window} days before the end of the data. Overall "
            f"{first.attrs.get('overall_return_rate', float('nan')):.0%} came back."
        )


with tab_what:
    what_tab()


# ------------------------------------------------------------------------------ together
@st.fragment
def together_tab() -> None:
    """Show what is bought together; this tab's own controls rerun this tab only."""
    if level is None:
        empty_state(no_items_together)
    else:
        st.subheader(f"{LEVEL_NAMES[level]} bought together")
        rules = engine.compute(P.association_rules, ds, column=level)
        engine.say_where(ds, "These rules' order counts are")
        what_this_says(P.describe_rules(rules))
        c1, c2, c3 = st.columns(3)
        min_lift = c1.number_input(
            "Times more often than chance (lift), at least",
            min_value=0.0,
            value=1.0,
            step=0.5,
            key="patterns_rules_lift",
            bind="query-params",
            help="How many times more often the pair is bought together than if customers "
            "picked items independently. Above 1: they go together.",
        )
        min_conf = c2.slider(
            "Share of orders with the first that hold the second (confidence), at least",
            min_value=0.0,
            max_value=1.0,
            value=0.0,
            step=0.05,
            key="patterns_rules_confidence",
            bind="query-params",
            help="Share of the orders with the first item that also hold the second.",
        )
        search = c3.text_input(
            f"{word.capitalize()} contains", key="patterns_rules_search", placeholder="any"
        )
        shown = derived(
            P.filter_rules, rules, min_lift=min_lift, min_confidence=min_conf, contains=search
        )
        if len(shown):
            st.dataframe(
                shown,
                hide_index=True,
                column_config={
                    "antecedent": "Orders with",
                    "consequent": "Also hold",
                    "orders": "Orders with both",
                    "support": st.column_config.NumberColumn(
                        "Share of all orders (support)", format="percent"
                    ),
                    "confidence": st.column_config.NumberColumn(
                        "Share of orders with the first (confidence)", format="percent"
                    ),
                    "lift": st.column_config.NumberColumn(
                        "Times more than chance (lift)", format="%.2f"
                    ),
                    "antecedent_orders": "Orders with the first",
                    "consequent_orders": "Orders with the second",
                },
            )
            download_buttons(shown, f"rules_{level}", key="patterns_rules_download")
            pairs = derived(P.strongest_pairs, shown, n=12)
            chart(st, charts_patterns.pair_matrix_chart, pairs, width="content")
            st.caption(
                "The strongest pairs among the rules shown: darker cells are bought together "
                "more times over chance. Hover a cell for the share of orders."
            )
        else:
            empty_state(
                "No rule matches these filters. By default only pairs bought together more "
                "often than chance (lift 1 or more) are listed; lower the lift to see the rest."
            )

        st.subheader("Customers who bought this also bought")
        engine.say_sample(ds, "These similarities and the suggestions below are")
        options = compute(P.top_items, ds, column=level, n=200, by="customers")[level].tolist()
        item = st.selectbox(
            f"Pick a {word}",
            options=options,
            key="patterns_similar_item",
            help=f"The {LEVEL_NAMES[level].lower()} listed are the 200 with the most customers.",
        )
        if item:
            similar = compute(P.similar_items, ds, item=item, column=level, n=10)
            if len(similar):
                st.dataframe(
                    similar,
                    hide_index=True,
                    column_config={
                        "item": f"Also bought ({word})",
                        "similarity": st.column_config.NumberColumn(
                            "Similarity (0-1)", format="%.2f"
                        ),
                        "customers": "Customers who bought both",
                    },
                )
            else:
                empty_state(f"Too few customers bought {item} to say what goes with it.")

        st.subheader("Suggestions for every customer")
        recs = compute(P.recommendations, ds, column=level, n=5)
        what_this_says(P.describe_recommendations(recs))
        st.dataframe(
            recs.head(RECS_SHOWN),
            hide_index=True,
            column_config={
                "customer_id": "Customer",
                "rank": "Rank",
                "item": f"Suggested {word}",
                "score": st.column_config.NumberColumn("Score", format="%.2f"),
                "because": "Because they bought",
            },
        )
        if len(recs) > RECS_SHOWN:
            st.caption(
                f"The first {RECS_SHOWN:,} of {len(recs):,} suggestions; download them all below."
            )
        download_buttons(recs, f"recommendations_{level}", key="patterns_recs_download")


with tab_together:
    together_tab()


# ------------------------------------------------------------------------------ pay
@st.fragment
def pay_tab() -> None:
    """Show what customers pay; this tab's own controls rerun this tab only."""
    engine.say_sample(ds, "The figures of this tab are")
    st.subheader("Order values")
    values = compute(P.order_value_summary, ds, currency=ds.currency)
    cols = st.columns(5)
    cols[0].metric(
        "Median order", money(values.median, ds.currency), help="Half of the orders are worth less."
    )
    cols[1].metric(
        "Average order",
        money(values.mean, ds.currency),
        help="Purchase orders' value / their number.",
    )
    cols[2].metric("A quarter below", money(values.p25, ds.currency), help="25th percentile.")
    cols[3].metric("A quarter above", money(values.p75, ds.currency), help="75th percentile.")
    cols[4].metric("One in ten above", money(values.p90, ds.currency), help="90th percentile.")
    chart(st, charts_patterns.order_value_chart, values.histogram, width="stretch")
    st.caption("The grey bar on the right gathers the largest 1% of orders.")
    what_this_says(P.describe_order_values(values, currency=ds.currency))

    st.subheader("Spend per customer")
    spend_options = ["segment"] + [c for c in ("channel", "country", "category") if c in present]
    spend_by = linked(
        st.selectbox,
        "Group customers by",
        options=spend_options,
        format_func=SPEND_NAMES.get,
        key="patterns_spend_by",
        default=spend_options[0],
        help="RFM segment from the RFM page; or the channel, country or category of the "
        "customer's first purchase order.",
    )
    spend = compute(P.spend_per_customer, ds, by=spend_by)
    if len(spend):
        chart(st, charts_patterns.spend_chart, spend, spend_by, width="stretch")
        st.caption("Bars: average net spend per customer; orange ticks: the median customer.")
        what_this_says(P.describe_spend(spend, spend_by, currency=ds.currency))
        download_buttons(spend, f"spend_by_{spend_by}", key="patterns_spend_download")
    else:
        empty_state(spend.attrs.get("reason") or "Nothing to show.")

    st.subheader("Price bands")
    band_by = "category" if "category" in levels else None
    bands = compute(P.price_bands, ds, by=band_by)
    if len(bands):
        chart(st, charts_patterns.price_band_chart, bands, band_by, width="stretch")
        if band_by is None:
            st.caption("Add a category column to your file to see price bands per category.")
        if bands.attrs.get("price_source") != "unit_price":
            st.caption("Price per unit worked out as amount / quantity.")
        what_this_says(P.describe_price_bands(bands, band_by, currency=ds.currency))
    else:
        empty_state(bands.attrs.get("reason") or "No prices to show.")

    st.subheader("Discounts and low prices")
    discounts = compute(P.discount_share, ds)
    if len(discounts):
        st.dataframe(
            discounts,
            hide_index=True,
            column_config={
                "kind": "Lines",
                "lines": "Number of lines",
                "revenue": st.column_config.NumberColumn(
                    "Revenue", format=money_format(ds.currency)
                ),
                "revenue_share": st.column_config.NumberColumn(
                    "Share of revenue", format="percent"
                ),
                "line_share": st.column_config.NumberColumn("Share of lines", format="percent"),
            },
        )
        what_this_says(P.describe_discounts(discounts))
    else:
        empty_state(discounts.attrs.get("reason") or "Nothing to show.")


with tab_pay:
    pay_tab()


# ------------------------------------------------------------------------------ how
@st.fragment
def how_tab() -> None:
    """Show how customers buy; this tab's own controls rerun this tab only."""
    shown_any = False
    for column in ("channel", "country"):
        table = engine.compute(overview.top_breakdown, ds, column=column, n=10)
        if len(table) == 0:
            continue
        shown_any = True
        st.subheader(f"Orders and revenue by {column}")
        chart(st, charts_overview.breakdown_chart, table, column, width="stretch")
        what_this_says(P.describe_breakdown(table, column, currency=ds.currency))
        engine.say_where(ds)
    if not shown_any:
        empty_state(
            compute(P.needs, ds, columns=("channel", "country"), purpose="This tab")
            or "No channel or country values to break down."
        )
    if "channel" in present:
        st.subheader("New customers each channel brings, and whether they stay")
        engine.say_sample(ds, "These figures are")
        acquisition = compute(P.channel_acquisition, ds, column="channel")
        if len(acquisition):
            chart(
                st, charts_patterns.channel_retention_chart, acquisition, "channel", width="stretch"
            )
            what_this_says(P.describe_channel_acquisition(acquisition, "channel"))
            download_buttons(acquisition, "channel_acquisition", key="patterns_channel_download")
        st.caption(
            "A customer belongs to the channel of their first purchase. 'Month k': the share "
            "buying again in the k-th calendar month after their first, averaged over monthly "
            "cohorts old enough (see Cohort retention); black lines are 95% intervals."
        )


with tab_how:
    how_tab()
progress.done()

explain(
    "purchase patterns",
    """
- **Orders** are purchase orders: an order's lines add up to zero or more. Refund orders are
  left out of counts and times; **revenue** by time is the value of purchase orders. Item
  revenue is **net**: refund lines of an item are subtracted.
- **Time of an order**: the time of its earliest line; weekdays run Monday to Sunday.
- **Days between purchases**: between consecutive days on which a customer bought; two orders
  on one day are one visit. "Back within 30 days" only counts customers whose first purchase is
  at least 30 days before the end of the data, so recent newcomers do not look like losses.
- **Repeat rate** of an item: the share of its customers who bought it in two or more orders.
  **First orders**: everything a customer bought on their first purchase day. The 95% interval
  is the Wilson interval; an item "brings customers back" only when its interval lies above
  the overall rate.
- **Association rules** "X → Y" over purchase orders: **support** is the share of all orders
  holding both, **confidence** the share of orders with X that also hold Y, **lift** the
  confidence divided by Y's share of all orders (1 = no more than chance). The minimum support
  is chosen for you: the highest of 10%, 5%, 2%, 1%, 0.5%, ... that gives at least 20 rules
  (without jumping past 200), and never fewer than 5 orders per pair.
- **Suggestions**: item-to-item collaborative filtering. Two items are similar when the same
  customers buy both (cosine similarity of their buyer lists); a customer's score for an item
  is the sum of its similarities to everything they bought. Items they already bought are never
  suggested.
- **Order values, spend and prices** are in your file's currency. Spend per customer is net
  of refunds. Prices per unit come from the unit price column, or amount / quantity.
  **Discounted** lines have a discount/coupon/promo/voucher column filled in; **below usual
  price** lines sell at least 10% under the product's median price per unit.
- **Channels**: a customer belongs to the channel of their first purchase order; retention by
  channel comes from the cohort analysis (complete months only).
""",
)

"""RFM segments: how recently, how often and how much each customer buys, in named groups."""

import datetime as dt

import streamlit as st

from analysis import clv, reconcile, rfm
from analysis.charts import rfm as charts_rfm
from analysis.core import defaults
from analysis.core.text import money_format
from ui import engine
from ui.cache import Progress, chart, compute, derived
from ui.components import (
    EXPLAINED_ERRORS,
    download_buttons,
    empty_state,
    explain,
    warnings_box,
    what_this_says,
)
from ui.data import require_transactions
from ui.model_choice import best_purchase_model, chosen_purchase_model
from ui.share import linked
from ui.text import inert

ROWS_SHOWN = 1000  # rows of a segment's list sent to the browser (all in the download)

ds = require_transactions(title="RFM segments")
st.caption(
    f"Data: **{inert(ds.label)}**. Who are your customers, and which of them matter most? Each "
    "customer gets three scores (how **R**ecently, how **F**requently, how much **M**oney) and "
    "a named segment with a recommended action."
)

progress = Progress("Scoring every customer", total=6)
first_day, default_as_of = engine.compute(rfm.date_bounds, ds)
first_date, last_as_of = first_day.date(), default_as_of.date()

# ------------------------------------------------------------------------------ controls
left, right = st.columns(2)
as_of = left.date_input(
    "As of",
    value=last_as_of,
    min_value=first_date + dt.timedelta(days=1),
    max_value=last_as_of,
    key="rfm_as_of",
    bind="query-params",
    help="The end of the period looked at (that day itself is not included). The default is "
    "the day after your last transaction; pick an earlier date to see the segments back then.",
)
bins = right.segmented_control(
    defaults.RFM_BINS.label,
    options=list(defaults.RFM_BINS.options),
    default=defaults.RFM_BINS.default,
    key="rfm_bins",
    bind="query-params",
    help=defaults.RFM_BINS.help,
)
bins = int(bins or defaults.RFM_BINS.default)

with st.expander("Segment rules (editable)", icon=":material/edit:"):
    st.caption(
        "Each rule names a block of the recency x frequency grid (scores 1 to 5). Change the "
        "ranges or names, add or delete rows; the check below tells you if a grid cell has no "
        "segment or more than one."
    )
    edited = st.data_editor(
        rfm.default_segment_rules(),
        num_rows="dynamic",
        hide_index=True,
        key="rfm_rules",
        column_config={
            "segment": st.column_config.TextColumn("Segment", required=True),
            "r_min": st.column_config.NumberColumn("R from", min_value=1, max_value=5, step=1),
            "r_max": st.column_config.NumberColumn("R to", min_value=1, max_value=5, step=1),
            "f_min": st.column_config.NumberColumn("F from", min_value=1, max_value=5, step=1),
            "f_max": st.column_config.NumberColumn("F to", min_value=1, max_value=5, step=1),
            "description": st.column_config.TextColumn("Description", width="large"),
            "action": st.column_config.TextColumn("Recommended action", width="large"),
        },
    )
    check = rfm.check_rules(edited)
    if check.ok:
        st.success("Every grid cell belongs to exactly one segment.", icon=":material/check:")
    else:
        for message in check.messages():
            st.warning(inert(message), icon=":material/warning:")
rules = check.rules

table = engine.compute(rfm.rfm_table, ds, as_of=as_of, bins=bins, rules=rules)
engine.say_where(ds, "The scores, segments and their sizes are")
warnings_box(table.attrs.get("warnings", []), title="Left out")
if len(table) == 0:
    empty_state(
        f"No customer had bought anything before {as_of:%d %b %Y}. Pick a later as-of date."
    )
    progress.done()
    st.stop()

summary = rfm.segment_summary(table, rules)
cols = st.columns(3)
cols[0].metric("Customers scored", f"{len(table):,}", help="Customers with at least one purchase.")
best = summary.iloc[0]
cols[1].metric(
    inert(best["segment"]),
    f"{int(best['customers']):,}",
    help=f"{inert(best['description'])} ({best['customer_share']:.0%} of customers)",
)
cols[2].metric(
    "Segments in use",
    f"{int((summary['customers'] > 0).sum())} of {len(summary)}",
    help="Segments with at least one customer.",
)
reconcile_slot = st.container()  # why other pages count otherwise; filled at the end

# ------------------------------------------------------------------------------ segments
st.subheader("Segments by customers and by revenue")
chart(st, charts_rfm.segment_bars, summary, width="stretch")
what_this_says(rfm.summary_sentences(summary))
st.dataframe(
    summary,
    hide_index=True,
    column_config={
        "segment": "Segment",
        "customers": st.column_config.NumberColumn("Customers", format="localized"),
        "customer_share": st.column_config.NumberColumn("Share of customers", format="percent"),
        "revenue": st.column_config.NumberColumn("Net revenue", format=money_format(ds.currency)),
        "revenue_share": st.column_config.NumberColumn("Share of revenue", format="percent"),
        "mean_recency": st.column_config.NumberColumn("Avg. days since last", format="%.0f"),
        "mean_frequency": st.column_config.NumberColumn("Avg. orders", format="%.1f"),
        "mean_monetary": st.column_config.NumberColumn(
            "Avg. net revenue", format=money_format(ds.currency)
        ),
        "description": st.column_config.TextColumn("What it means", width="large"),
        "action": st.column_config.TextColumn("Recommended action", width="large"),
    },
)

st.subheader("The recency x frequency grid")
chart(st, charts_rfm.rf_grid_heatmap, rfm.rf_grid(table), width="stretch")
st.caption(
    "Each cell is a combination of recency and frequency scores, labelled with its customers "
    "and the segment it belongs to. Top right: bought recently and often."
)

st.subheader("Distributions of R, F and M")
for col, measure in zip(st.columns(3), ["recency", "frequency", "monetary"], strict=True):
    with col:
        chart(
            st,
            charts_rfm.distribution_chart,
            rfm.distribution_counts(table, measure),
            measure,
            width="stretch",
        )
st.caption(
    "Recency and revenue are grouped into equal ranges between the 1st and 99th percentile "
    "(the extremes are folded into the first and last bars)."
)

# ------------------------------------------------------------------------------ migration
st.subheader("How customers moved between segments")


@st.fragment
def migration_view() -> None:
    """Show how segments changed since a date; that date reruns this part alone."""
    latest_compare = as_of - dt.timedelta(days=1)
    default_compare = min(max(as_of - dt.timedelta(days=90), first_date), latest_compare)
    compare = st.columns(2)[0].date_input(
        "Compare with",
        value=default_compare,
        min_value=first_date,
        max_value=latest_compare,
        key="rfm_compare",
        bind="query-params",
        help="Segments are computed again with the data known on this date, with the same rules.",
    )
    if compare >= as_of:
        empty_state("Pick a comparison date before the as-of date.")
    else:
        matrix = engine.compute(
            rfm.segment_migration, ds, as_of=as_of, previous_as_of=compare, bins=bins, rules=rules
        )
        engine.say_where(ds, "The segments at both dates are")
        what_this_says(rfm.migration_sentences(matrix))
        chart(st, charts_rfm.migration_heatmap, matrix, width="stretch")
        st.caption(
            f"Rows: segment on {compare:%d %b %Y}; columns: segment on {as_of:%d %b %Y}. "
            "'new' are customers who had not bought yet at the earlier date."
        )


migration_view()

# ------------------------------------------------------------------------------ drill-down
st.subheader("Customers in a segment")


@st.fragment
def segment_view() -> None:
    """List the customers of the segment picked; the pick reruns this list only."""
    counts = dict(zip(summary["segment"], summary["customers"], strict=True))
    nonempty = [s for s, n in counts.items() if n > 0]
    segment = linked(
        st.selectbox,
        "Segment",
        options=list(counts),
        format_func=lambda s: f"{s} ({counts[s]:,})",
        key="rfm_segment",
        default=nonempty[0] if nonempty else list(counts)[0],
    )
    attributes = compute(rfm.customer_attributes, ds, as_of=as_of)
    customers = rfm.segment_customers(table, attributes, segment)
    if len(customers) == 0:
        empty_state(f"No customers are in {segment} right now.")
    else:
        st.dataframe(
            customers.head(ROWS_SHOWN),
            hide_index=True,
            column_config={
                "customer_id": "Customer",
                "recency": st.column_config.NumberColumn("Days since last purchase"),
                "frequency": st.column_config.NumberColumn("Purchase orders"),
                "monetary": st.column_config.NumberColumn(
                    "Net revenue", format=money_format(ds.currency)
                ),
                "r_score": "R",
                "f_score": "F",
                "m_score": "M",
                "rfm_code": "RFM",
                "segment": "Segment",
            },
        )
        if len(customers) > ROWS_SHOWN:
            st.caption(
                f"The first {ROWS_SHOWN:,} of {len(customers):,} customers; download them all."
            )
        slug = "".join(ch if ch.isalnum() else "_" for ch in segment.lower()).strip("_")
        download_buttons(customers, f"rfm_{slug}", key="rfm_download", label="Download this list")


segment_view()

# ------------------------------------------------------------------------------ k-means
st.subheader("A data-driven view")


@st.fragment
def kmeans_view() -> None:
    """Show the k-means clusters when switched on; the switch reruns this part only."""
    if st.toggle(
        "Let the data form its own groups (k-means)",
        key="rfm_kmeans",
        bind="query-params",
        help="Groups customers with similar log-scaled, standardised R, F and M values; the number "
        "of groups (2 to 6) is the one with the best silhouette score.",
    ):
        if len(table) < 10:
            empty_state("At least 10 customers are needed to form groups.")
        else:
            try:
                clusters = engine.compute(rfm.rfm_clusters, ds, as_of=as_of, currency=ds.currency)
            except EXPLAINED_ERRORS as err:
                empty_state(str(err))
            else:
                engine.say_where(ds, "The R, F and M values grouped here are")
                chart(st, charts_rfm.cluster_bars, clusters.centres, width="stretch")
                st.dataframe(
                    clusters.centres[["name", "description", "customers", "share", "revenue"]],
                    hide_index=True,
                    column_config={
                        "name": "Group",
                        "description": st.column_config.TextColumn(
                            "Typical customer", width="large"
                        ),
                        "customers": st.column_config.NumberColumn("Customers", format="localized"),
                        "share": st.column_config.NumberColumn("Share", format="percent"),
                        "revenue": st.column_config.NumberColumn(
                            "Net revenue", format=money_format(ds.currency)
                        ),
                    },
                )
                best_k = clusters.silhouette.set_index("k")["silhouette"]
                st.caption(
                    f"{clusters.n_clusters} groups had the best silhouette score "
                    f"({best_k[clusters.n_clusters]:.2f}; 1 = perfectly separated, 0 = overlapping). "
                    "Unlike the named segments, these groups come from the data and change with it."
                )


kmeans_view()

# ------------------------------------------------------------------------------ learn
example_id = rfm.example_customer(engine.in_sample(table, ds))
worked = ""
if example_id is not None:
    orders = compute(rfm.customer_orders, ds, customer_id=example_id, as_of=as_of)
    worked = "\n\n**A worked example**\n\n" + rfm.worked_example(
        orders, table, example_id, ds.currency
    )


def value_model_sentence() -> str | None:
    """How the Customer value page's "probably stopped" relate to these segments."""
    model = chosen_purchase_model()
    try:
        if model is None:  # the value page's default: the best fit of its comparison
            model = best_purchase_model(compute(clv.compare_models, ds))
        report = compute(
            clv.value_report,
            ds,
            **defaults.VALUE_SETTINGS,
            model=model,
        )
    except EXPLAINED_ERRORS:
        return None
    customers = report.customers
    return derived(
        reconcile.stopped_vs_segments,
        customers["p_alive"],
        table["segment"],
        customers["frequency"],
    )


if as_of == last_as_of:  # the other pages look at all the data
    with reconcile_slot:
        lines = compute(reconcile.count_reconciliation, ds, page="rfm", currency=ds.currency)
        with st.spinner("Comparing with the Customer value page…"):
            stopped = value_model_sentence()
        if stopped:
            lines.append("Compared with Customer value: " + stopped)
        if lines:
            st.caption(" ".join(lines))
progress.done()
explain("RFM scores and segments", rfm.explanation(table, ds.currency) + worked)

"""Connect your data: a table, view or SELECT in a database configured in secrets.toml.

Connections are set up by an administrator in ``.streamlit/secrets.toml`` (never typed here).
The columns are understood the same way as a file's; the data health, overview, RFM segments and
cohort figures are computed in the engine (push-down) and only small results come back.
"""

import pandas as pd
import streamlit as st

from analysis import cohorts, ingest, overview, pushdown, rfm
from analysis.charts import cohorts as charts_cohorts
from analysis.charts import rfm as charts_rfm
from analysis.core.currency import table_currency
from analysis.core.text import money_format
from ui import connection as conn
from ui.cache import chart
from ui.components import empty_state, explain
from ui.text import inert

st.title("Connect your data")
st.caption(
    "Read a table, a view or a SELECT from a database or warehouse: the counting runs there "
    "and only small results come back, so tables far larger than this app's memory work."
)

EXAMPLE = """\
# .streamlit/secrets.toml (on the server; never commit it)
[connections.warehouse]
url = "postgres://readonly_user:password@db.example.com:5432/shop"

[connections.local_files]
backend = "duckdb"
database = "/data/shop.duckdb"   # opened read-only
"""
NOT_USED = "(not used)"
ROLE_LABELS = {
    "customer_id": "Customer *",
    "order_date": "Order date *",
    "amount": "Amount (line or order total)",
    "order_id": "Order / invoice number",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "product": "Product",
    "category": "Category",
    "channel": "Channel",
    "country": "Country",
}

names = conn.configured_connections()
if not names:
    empty_state(
        "No connection is configured yet. An administrator adds one as a [connections.<name>] "
        "section of .streamlit/secrets.toml (with a url, or a backend and its settings); it "
        "then appears here. Visitors never type connection details."
    )
    st.code(EXAMPLE, language="toml")
    st.markdown("Engines this server has the drivers for (others need their Ibis extra):")
    st.dataframe(conn.engines(), hide_index=True)
    st.stop()


def _safe_message(error: BaseException, name: str) -> str:
    """Return the error's first line, with the connection's settings (passwords...) blanked."""
    try:
        config = conn.connection_config(name)
    except KeyError:
        config = {}
    return conn.redact(str(error) or type(error).__name__, config)


# Coming back to this page: show the source in use (widget values are forgotten off the page).
chosen = st.session_state.get(conn.SESSION_KEY)
if chosen and chosen["name"] in names and "connect_name" not in st.session_state:
    st.session_state["connect_name"] = chosen["name"]
    kind, value = chosen["source"]
    st.session_state["connect_mode"] = "A table or view" if kind == "table" else "A SELECT query"
    st.session_state["connect_table" if kind == "table" else "connect_sql"] = value

name = st.selectbox("Connection", names, key="connect_name")
try:
    con = conn.get_connection(name)
    tables = con.list_tables()
except Exception as error:  # any driver's own error (no common base): unreachable server,
    # wrong password, missing driver; shown with the connection's settings blanked
    st.error(
        inert(f"Could not open the connection '{name}': {_safe_message(error, name)}"),
        icon=":material/error:",
    )
    st.stop()

allow_sql = bool(conn.connection_config(name).get("allow_sql", True))
modes = ["A table or view"] + (["A SELECT query"] if allow_sql else [])
mode = st.radio("Read from", modes, horizontal=True, key="connect_mode")
source: tuple[str, str] | None = None
if mode == "A table or view":
    if not tables:
        empty_state(f"The connection '{name}' shows no tables or views to this app's user.")
        st.stop()
    source = ("table", st.selectbox("Table or view", tables, key="connect_table"))
else:
    sql = st.text_area(
        "One SELECT statement",
        key="connect_sql",
        placeholder="SELECT customer, invoice_date, total FROM sales WHERE country = 'UK'",
        help="Only a single SELECT runs: nothing that could change the database is accepted. "
        "It runs with a time limit; only its first "
        f"{conn.DETECTION_ROWS:,} rows and the totals computed by the database come back.",
    )
    if not sql.strip():
        st.info("Type a SELECT and press Ctrl+Enter.", icon=":material/edit_note:")
        st.stop()
    try:
        source = ("sql", conn.check_select(sql, con.dialect))
    except conn.UnsafeQuery as error:
        st.error(inert(str(error)), icon=":material/block:")
        st.stop()


def _sample(con, source, mapping):
    return conn.detection_sample(conn.source_table(con, source))


def _canon(con, source, mapping):
    return conn.canonical_table(conn.source_table(con, source), mapping)


def _health(con, source, mapping):
    table = conn.source_table(con, source)
    return conn.health(table, conn.canonical_table(table, mapping))


def _scorecard(con, source, mapping):
    return pushdown.scorecard(_canon(con, source, mapping))


def _rfm(con, source, mapping):
    return pushdown.rfm_table(_canon(con, source, mapping))


def _cohorts(con, source, mapping):
    # One set of engine-side counts gives both the matrix and the cohort sizes beside it.
    cells = pushdown.cohort_counts(_canon(con, source, mapping), "M")
    return cohorts.retention_from_counts(cells), cohorts.sizes_from_counts(cells)


try:
    with st.spinner("Reading the first rows"):
        sample = conn.cached(name, source, None, "sample", _sample)
except Exception as error:  # any driver's own error (no common base), settings blanked
    st.error(
        inert(f"Could not read this source: {_safe_message(error, name)}"), icon=":material/error:"
    )
    st.stop()

st.subheader("First rows")
st.dataframe(sample.head(20), hide_index=True)

st.subheader("Columns")
detected = {
    role: column
    for role, column in ingest.detect_columns(sample, "transactions").items()
    if role in conn.SOURCE_ROLES
}
options = [NOT_USED, *sample.columns]
key = conn.config_digest({"name": name, "source": list(source)})[:12]
mapping: dict[str, str] = {}
cols = st.columns(3)
for i, role in enumerate(conn.SOURCE_ROLES):
    in_use_here = chosen and chosen["name"] == name and tuple(chosen["source"]) == source
    default = (chosen["mapping"] if in_use_here else detected).get(role, NOT_USED)
    choice = cols[i % 3].selectbox(
        ROLE_LABELS[role], options, index=options.index(default), key=f"connect_{key}_{role}"
    )
    if choice != NOT_USED:
        mapping[role] = choice
problems = conn.check_mapping(conn.source_table(con, source), mapping)
if problems:
    for problem in problems:
        st.warning(inert(problem), icon=":material/warning:")
    st.stop()

try:
    with st.spinner("Counting in the database"):
        figures = conn.cached(name, source, mapping, "health", _health)
        card = conn.cached(name, source, mapping, "scorecard", _scorecard)
except Exception as error:  # any driver's own error (no common base), settings blanked
    st.error(
        inert(f"The database could not compute the figures: {_safe_message(error, name)}"),
        icon=":material/error:",
    )
    st.stop()

in_use = st.session_state.get(conn.SESSION_KEY) == {
    "name": name,
    "source": list(source),
    "mapping": mapping,
}
use_cols = st.columns([1, 3])
if in_use:
    use_cols[0].button(
        "Stop using it",
        key="connect_stop",
        on_click=conn.stop_using_source,
        icon=":material/close:",
    )
    use_cols[1].caption(
        "Every page now works on this source: Overview, RFM segments and Cohorts count all of "
        "it in the database, the other pages a customer sample when it is large."
    )
else:
    use_cols[0].button(
        "Use on every page",
        key="connect_use",
        on_click=conn.use_source,
        args=(name, source, mapping),
        icon=":material/check:",
        type="primary",
    )
    use_cols[1].caption(
        "Overview, RFM segments and Cohorts then count the whole source in the database; the "
        f"other pages work on every line of up to {conn.SAMPLE_CUSTOMERS:,} of its customers, "
        "chosen by a hash of the customer id."
    )

st.subheader("Data health")
explain(
    "Computed in the database",
    "Every figure on this page is counted by the database itself; only the totals come back. "
    "Lines without a customer, a date or an amount are set aside.",
)
row1 = st.columns(4)
row1[0].metric("Rows in the source", f"{figures['rows']:,}")
row1[1].metric("Rows used", f"{figures['rows_used']:,}")
row1[2].metric(
    "Rows set aside",
    f"{figures['rows_set_aside']:,}",
    help="Lines with no customer, no date or no amount.",
)
row1[3].metric("Customers", f"{figures['customers']:,}")
row2 = st.columns(4)
row2[0].metric("Orders", f"{figures['orders']:,}", help="Distinct customer and order pairs.")
row2[1].metric("Refund orders", f"{card.refund_orders:,}", help="Orders with a negative net.")
row2[2].metric("Refund lines", f"{figures['refund_lines']:,}", help="Lines with a negative amount.")
first, last = figures["first_date"], figures["last_date"]
row2[3].metric(
    "Dates",
    "n/a" if pd.isna(first) else f"{pd.Timestamp(first):%d %b %Y} to {pd.Timestamp(last):%d %b %Y}",
)

if card.customers == 0:
    empty_state("There are no purchases to analyse in this source.")
    st.stop()

st.subheader("Overview")
CURRENCY = table_currency(sample, mapping)  # money as the source's header or cells name it
FIGURES = [
    ["customers", "orders", "net_revenue", "average_order_value"],
    ["repeat_customer_rate", "orders_per_customer", "refund_rate", "active_last_90"],
]
for keys in FIGURES:
    for col, k in zip(st.columns(len(keys)), keys, strict=True):
        col.metric(
            overview.LABELS[k],
            overview.format_figure(card, k, CURRENCY),
            help=overview.DEFINITIONS[k],
        )

if card.customers > conn.MAX_CUSTOMERS_BACK:
    st.info(
        f"RFM segments and cohorts are not shown here for more than "
        f"{conn.MAX_CUSTOMERS_BACK:,} customers (this source has {card.customers:,}): their "
        "per-customer table would not fit this app's memory. The other pages work on a sample.",
        icon=":material/info:",
    )
    st.stop()

try:
    with st.spinner("Scoring customers in the database"):
        table = conn.cached(name, source, mapping, "rfm", _rfm)
        matrix, sizes = conn.cached(name, source, mapping, "cohorts", _cohorts)
except Exception as error:  # any driver's own error (no common base), settings blanked
    st.error(
        inert(f"The database could not compute the segments: {_safe_message(error, name)}"),
        icon=":material/error:",
    )
    st.stop()

st.subheader("RFM segments")
summary = rfm.segment_summary(table)
chart(st, charts_rfm.segment_bars, summary)
st.dataframe(
    summary[["segment", "customers", "customer_share", "revenue", "revenue_share"]],
    hide_index=True,
    column_config={
        "customer_share": st.column_config.NumberColumn("Share of customers", format="percent"),
        "revenue_share": st.column_config.NumberColumn("Share of revenue", format="percent"),
        "revenue": st.column_config.NumberColumn("Net revenue", format=money_format(CURRENCY)),
    },
)

st.subheader("Cohort retention")
st.caption("Share of each month's new customers who bought again in the months after.")
chart(st, charts_cohorts.heatmap, matrix, sizes, width="content")

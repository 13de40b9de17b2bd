"""Your data: what was read, how columns were understood, and what was set aside (and why)."""

import pandas as pd
import streamlit as st

from analysis import nonproduct, reconcile
from analysis.core.text import money_format
from ui.cache import compute
from ui.components import download_buttons, empty_state, explain
from ui.data import (
    current_dataset,
    import_settings,
    page_title,
    set_currency,
    set_import_settings,
)
from ui.text import inert

ROLE_LABELS = {
    "transactions": {
        "customer_id": "Customer (id, name or email) *",
        "order_date": "Order date *",
        "amount": "Amount (line or order total)",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "order_id": "Order / invoice / receipt number",
        "product": "Product",
        "category": "Category",
        "channel": "Channel",
        "country": "Country",
    },
    "responses": {
        "score": "Recommend score 0-10 *",
        "response_date": "Response date *",
        "customer_id": "Customer id",
        "comment": "Comment",
        "csat": "Satisfaction 1-5 (CSAT)",
        "ces": "Effort 1-7 (CES)",
    },
}
NOT_USED = "(not used)"
DATE_ORDER = {
    "Decide from the data": None,
    "Day first (31/12/2024)": True,
    "Month first (12/31/2024)": False,
}

page_title("Your data")
ds = current_dataset()
if ds is None or not ds.files:
    empty_state("No data yet: pick an example in the sidebar or upload your file.")
    st.stop()
st.caption(f"Data: **{inert(ds.label)}**" + (" (a built-in example)" if ds.is_example else ""))

for kind, result in ds.files.items():
    st.header("Transactions" if kind == "transactions" else "Survey responses")
    st.caption(f"File: {inert(result.filename)}")
    if result.error:
        st.error(inert(result.error), icon=":material/error:")
        continue
    prepared = result.prepared
    report = prepared.report

    st.subheader("Data health")
    cols = st.columns(4)
    cols[0].metric(
        "Rows read",
        f"{report.get('rows_read', 0):,}",
        help="Data rows in the file, below the header.",
    )
    cols[1].metric(
        "Rows used", f"{report.get('rows_used', 0):,}", help="Rows that made it into the analysis."
    )
    cols[2].metric(
        "Rows set aside",
        f"{report.get('rows_rejected', 0):,}",
        help="Rows that could not be used; each is listed below with its row number and the reason.",
    )
    if kind == "transactions":
        cols[3].metric("Customers", f"{report.get('customers', 0):,}")
        cols = st.columns(4)
        cols[0].metric("Orders", f"{report.get('orders', 0):,}")
        cols[1].metric(
            "Refund lines",
            f"{report.get('refund_lines', 0):,}",
            help="Lines with a negative amount.",
        )
        cols[2].metric(
            "Exact duplicate lines",
            f"{report.get('duplicate_lines', 0):,}",
            help="Lines identical in every column to an earlier line. They are kept: check "
            "whether your export repeated them by mistake.",
        )
        cols[3].metric("Zero-amount lines", f"{report.get('zero_amount_lines', 0):,}")
        why_counts = compute(reconcile.count_reconciliation, ds, page="data")
        if why_counts:  # why the other pages count fewer customers or orders
            st.caption(" ".join(why_counts))
    else:
        cols[3].metric("Respondents", f"{report.get('respondents', report.get('customers', 0)):,}")
    date_min, date_max = report.get("date_min"), report.get("date_max")
    if date_min is not None and not pd.isna(date_min):
        st.markdown(
            f"**Date range:** {pd.Timestamp(date_min):%d %b %Y} to {pd.Timestamp(date_max):%d %b %Y}"
        )
    details = []
    for label, key in (("Numbers", "number_format"), ("Dates", "date_format")):
        value = report.get(key)
        if isinstance(value, dict):
            value = "; ".join(f"{inert(col)}: {inert(fmt)}" for col, fmt in value.items())
        else:
            value = inert(value) if value else value
        if value:
            details.append(f"**{label} read as:** {value}")
    if details:
        st.markdown("  \n".join(details))
    if kind == "transactions":  # the currency money is shown in (session only, not in links)
        codes = ["", "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN"]
        codes += [c for c in (result.currency, ds.currency) if c and c not in codes]
        chosen = st.selectbox(
            "Currency of the amounts",
            codes,
            index=codes.index(ds.currency or ""),
            format_func=lambda c, found=result.currency: (
                (c or "None (plain numbers)") + (" (found in the file)" if c and c == found else "")
            ),
            key=f"currency_{ds.key}",
            help="Read from the file (a symbol or code in the amount column or a currency "
            "column) when it names one. Money on every page is shown in this currency.",
        )
        set_currency(ds.key, chosen)
    if report.get("large_note"):  # ui.large_upload: read into DuckDB, not into memory
        st.info(inert(report["large_note"]), icon=":material/database:")
    for warning in prepared.warnings:
        st.warning(inert(warning), icon=":material/warning:")

    st.subheader("Rows set aside")
    set_aside = report.get("rows_rejected", len(prepared.rejected))
    if set_aside == 0:
        st.success("Every row was used.", icon=":material/check_circle:")
    else:
        reasons = report.get("rejected_by_reason", {})
        st.dataframe(
            pd.DataFrame({"reason": list(reasons), "rows": list(reasons.values())}),
            hide_index=True,
            width="content",
        )
        st.dataframe(prepared.rejected.head(1000), hide_index=True)
        if set_aside > 1000:
            st.caption(f"Showing the first 1,000 of {set_aside:,}; download them all below.")
        every_row = prepared.rejected
        if report.get("large_file"):  # all of them come from the session's database
            from ui.large_upload import set_aside_table

            every_row = lambda result=result: set_aside_table(result)  # noqa: E731
        download_buttons(every_row, f"rows_set_aside_{kind}", key=f"data_rejected_{kind}")

    anonymous = getattr(prepared, "anonymous", None)
    if kind == "transactions" and anonymous is not None and len(anonymous):
        st.subheader("Sales without a customer")
        st.caption(
            f"{len(anonymous):,} rows have a date and an amount but no customer (guest "
            "checkouts, till sales). They count in total revenue and orders on Overview, and "
            "are left out of every customer analysis."
        )
        st.dataframe(
            anonymous.head(200),
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format=money_format(ds.currency))
                for c in ("amount", "unit_price")
            },
        )
        download_buttons(anonymous, "sales_without_customer", key="data_anonymous")

    if kind == "transactions":  # postage, fees, discounts... (analysis.nonproduct)
        non_products = nonproduct.non_product_summary(prepared.data)
        if len(non_products):
            st.subheader("Lines that are not products")
            st.caption(
                nonproduct.describe_non_products(
                    non_products, float(prepared.data["amount"].sum()), currency=ds.currency
                )[0]
            )
            st.dataframe(
                non_products,
                hide_index=True,
                width="content",
                column_config={
                    "item": "Line",
                    "lines": st.column_config.NumberColumn("Lines", format="%d"),
                    "revenue": st.column_config.NumberColumn(
                        "Revenue", format=money_format(ds.currency)
                    ),
                },
            )

    st.subheader("How your columns were understood")
    settings = import_settings(result.digest)
    with st.form(f"data_mapping_{kind}"):
        labels = ROLE_LABELS[kind]
        options = [NOT_USED, *result.columns]
        grid = st.columns(3)
        chosen = {}
        for i, (role, label) in enumerate(labels.items()):
            current = prepared.mapping.get(role)
            chosen[role] = grid[i % 3].selectbox(
                label,
                options,
                index=options.index(current) if current in options else 0,
                key=f"data_map_{kind}_{role}",
                help=f"Detected automatically: {inert(result.detected.get(role, 'nothing'))}",
            )
        current_order = settings.get("dayfirst")
        order_label = st.radio(
            "Date order",
            list(DATE_ORDER),
            index=list(DATE_ORDER.values()).index(current_order),
            horizontal=True,
            key=f"data_dayfirst_{kind}",
            help="Only matters when every date could be read both ways (like 03/04/2024).",
        )
        if st.form_submit_button("Apply", type="primary"):
            mapping = {role: col for role, col in chosen.items() if col != NOT_USED}
            set_import_settings(result.digest, mapping=mapping, dayfirst=DATE_ORDER[order_label])
            st.rerun()

    st.subheader("The data as the analyses see it")
    money_columns = ("amount", "unit_price") if kind == "transactions" else ()
    st.dataframe(
        prepared.data.head(200),
        hide_index=True,
        column_config={  # money with separators and the currency chosen above
            c: st.column_config.NumberColumn(format=money_format(ds.currency))
            for c in money_columns
        },
    )
    st.caption(f"First 200 of {len(prepared.data):,} rows.")

explain(
    "importing a file",
    """
**What the file needs.** One row per order line (or per order) with at least: who bought
(a customer id, name or email), when (a date), and how much (an amount, or a quantity and a unit
price). An order or invoice number, product, category, channel and country make more pages work.

**What we do with messy files.** We find the header even below a title row, work out the
separator (`,` `;` tab `|`), the text encoding, whether `1.234,50` means one thousand or one, and
whether `03/04/2024` is the 3rd of April or March 4th, column by column. Negative amounts and
amounts in brackets are refunds.

**Nothing is lost silently.** Every row is either used or listed under *Rows set aside* with
its row number as your spreadsheet shows it and the reason, so you can fix the file and upload
it again.
""",
)

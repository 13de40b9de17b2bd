"""The report's sections on the transactions: overview, products, RFM segments, cohorts.

Each ``*_section`` computes its part with the pages' default settings and returns the
:class:`~analysis.report._common.Section` (or a section left out with a note saying why); the
tables it adds to the workbook go into ``sheets``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import cohorts, overview, rfm
from analysis.charts import cohorts as charts_cohorts
from analysis.charts import overview as charts_overview
from analysis.charts import rfm as charts_rfm
from analysis.report._common import Section, relabel
from analysis.report.describe import describe_products

#: Up to this many customers, the workbook has one sheet per segment; above, one list sheet.
MAX_CUSTOMERS_FOR_SEGMENT_SHEETS = 10_000


def _meaning(definition: str) -> str:
    """Return a definition without its leading "Name: " (the table names the figure already)."""
    text = definition.split(": ", 1)[-1]
    return text[:1].upper() + text[1:]


def overview_sections(
    tx: pd.DataFrame, as_of, sheets: dict, currency: str | None = None
) -> tuple[list[Section], object]:
    """Return the overview section and the scorecard (its dates frame the report).

    Money in the figures and sentences carries ``currency`` (ISO code or symbol) when given.
    """
    card = overview.scorecard(tx, as_of=as_of)
    figures = overview.scorecard_table(card)
    sheets["Overview"] = figures
    keys = [k for k in overview.LABELS if k not in ("first_date", "last_date", "as_of")]
    table = pd.DataFrame(
        {
            "Figure": [overview.LABELS[k] for k in keys],
            "Value": [overview.format_figure(card, k, currency) for k in keys],
            "What it means": [_meaning(overview.DEFINITIONS[k]) for k in keys],
        }
    )
    nvr = overview.new_vs_returning(tx, freq="M", as_of=as_of)
    section = Section(
        "Overview",
        sentences=overview.scorecard_insights(card, currency),
        table=table,
        chart=charts_overview.new_vs_returning_chart(nvr, value="customers"),
        note="Chart: new and returning customers per month; a lighter last bar is a month not "
        "yet complete.",
    )
    return [section], card


def products_section(tx: pd.DataFrame, as_of) -> Section:
    """Return the best-selling products (left out without a product column)."""
    title = "Best-selling products"
    table = overview.top_breakdown(tx, "product", n=10, as_of=as_of)
    if len(table) == 0:
        reason = table.attrs.get("reason", "The data has no product column.")
        return Section(title, note=f"Left out: {reason} Add a product column to see this.")
    display = relabel(
        table,
        {
            "Product": "product",
            "Net revenue": "net_revenue",
            "Share of revenue": "revenue_share",
            "Orders": "orders",
            "Customers": "customers",
        },
    )
    return Section(
        title,
        sentences=describe_products(table),
        table=display,
        chart=charts_overview.breakdown_chart(table, "product"),
        formats={"Share of revenue": "{:.1%}"},
        money={"Net revenue": 2},
    )


def _segment_sheets(customers: pd.DataFrame, names: list[str]) -> dict[str, pd.DataFrame]:
    """Return one sheet per segment's customers, or one list sheet above the limit."""
    if len(customers) > MAX_CUSTOMERS_FOR_SEGMENT_SHEETS:
        order = {name: i for i, name in enumerate(names)}
        rank = customers["segment"].map(order).fillna(len(order)).to_numpy()
        lists = customers.iloc[np.lexsort((-customers["monetary"].to_numpy(), rank))]
        return {"Segment lists": lists.reset_index(drop=True)}
    out = {}
    for name in names:
        part = customers[customers["segment"] == name]
        if len(part):
            out[name] = part.reset_index(drop=True)
    return out


def rfm_section(tx: pd.DataFrame, as_of, sheets: dict) -> Section:
    """Return the RFM segments (left out when no customer has bought before ``as_of``)."""
    title = "RFM segments"
    table = rfm.rfm_table(tx, as_of=as_of)
    if len(table) == 0:
        return Section(title, note="Left out: no customer has a purchase before the as-of date.")
    summary = rfm.segment_summary(table)
    customers = rfm.segment_customers(table, rfm.customer_attributes(tx, as_of=as_of))
    sheets["Segments"] = summary
    sheets["RFM"] = customers
    sheets.update(_segment_sheets(customers, summary["segment"].tolist()))
    display = relabel(
        summary,
        {
            "Segment": "segment",
            "Customers": "customers",
            "Share of customers": "customer_share",
            "Net revenue": "revenue",
            "Share of revenue": "revenue_share",
            "Avg. days since last": "mean_recency",
            "Avg. orders": "mean_frequency",
            "Recommended action": "action",
        },
    )
    return Section(
        title,
        sentences=rfm.summary_sentences(summary) + [str(w) for w in table.attrs["warnings"]],
        table=display,
        chart=charts_rfm.segment_bars(summary),
        note="Scores 1 to 5 for recency, frequency and money; segments from the recency x "
        "frequency grid with the standard rules.",
        formats={
            "Share of customers": "{:.0%}",
            "Share of revenue": "{:.0%}",
            "Avg. days since last": "{:,.0f}",
            "Avg. orders": "{:.1f}",
        },
        money={"Net revenue": 2},
    )


def cohort_section(tx: pd.DataFrame, as_of, sheets: dict) -> Section:
    """Return the monthly cohort retention (left out without purchases)."""
    title = "Cohort retention"
    if not len(cohorts.cohort_sizes(tx, period="M", as_of=as_of)):
        return Section(title, note="Left out: there are no purchases to form cohorts from.")
    report = cohorts.cohort_report(tx, period="M", metric="customers", kind="classic", as_of=as_of)
    sheets["Cohorts"] = cohorts.matrix_for_export(report.matrix, report.sizes)
    curve = report.overall_curve
    display = pd.DataFrame(
        {
            "Months after first purchase": curve.index.to_numpy(),
            "Share buying": curve["value"].to_numpy(),
            "95% from": curve["low"].to_numpy(),
            "95% to": curve["high"].to_numpy(),
            "Cohorts": curve["n_cohorts"].to_numpy(),
            "Customers": curve["n_customers"].to_numpy(),
        }
    )
    return Section(
        title,
        sentences=list(report.sentences),
        table=display,
        chart=charts_cohorts.heatmap(report.matrix, report.sizes),
        note=f"{report.n_customers:,} customers in {report.n_cohorts:,} monthly cohorts. The "
        "table is the average retention curve, each cohort weighted by its size; the workbook "
        "has the full matrix.",
        formats={"Share buying": "{:.1%}", "95% from": "{:.1%}", "95% to": "{:.1%}"},
    )

"""Report and workbook of the current analysis: one HTML page (and a PDF of it), one XLSX.

:func:`build_report` computes every section with the same functions and default settings as
the pages (overview, best-selling products, RFM segments, cohort retention, feedback, customer
value and churn risk) and gathers the tables for the workbook. From the :class:`Report`:

- :func:`report_html` writes one self-contained HTML document: inline CSS, every chart as
  inline SVG (drawn by ``vl-convert-python``, with external data loads refused), tables as
  escaped HTML, the plain-language sentences and a definitions footnote. It references nothing
  outside itself (no scripts at all, no style sheets, fonts or images from the web) and states
  so in a Content-Security-Policy, so it opens offline in any browser. All text is
  HTML-escaped: a customer id like ``<script>`` stays text.
- :func:`report_pdf` prints that document with headless Chromium when the machine has it
  (else ``None``). This is the one place in :mod:`analysis` outside ``ingest`` that touches
  files: Chromium reads its input from and writes the PDF to a private temporary directory
  that is removed straight after.
- :func:`report_workbook` writes the tables with :func:`analysis.export.to_xlsx_bytes` (bold
  headers, every text cell formula-safe).
- :func:`report_files` does all three in one call, the unit the app caches.

Conventions are those of the modules used: ``as_of`` is the end of observation, exclusive
(default: the day after the last transaction); money is net (refunds subtracted) in the file's
own currency; survey responses are used in full (they are not cut at ``as_of``).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from analysis import (
    charts_cohorts,
    charts_feedback,
    charts_overview,
    charts_rfm,
    cohorts,
    overview,
    rfm,
)
from analysis import feedback as fb
from analysis.export import to_xlsx_bytes

__all__ = [
    "DEFAULT_TITLE",
    "MAX_TABLE_ROWS",
    "Report",
    "ReportFiles",
    "Section",
    "build_report",
    "chart_svg",
    "chromium_path",
    "report_files",
    "report_html",
    "report_pdf",
    "report_workbook",
    "value_risk_table",
]

DEFAULT_TITLE = "Customer report"
#: Longer tables are cut to this many rows in the HTML report (the workbook has them all).
MAX_TABLE_ROWS = 25
#: Up to this many customers, the workbook has one sheet per segment; above, one list sheet.
MAX_CUSTOMERS_FOR_SEGMENT_SHEETS = 10_000
#: Breakdown attributes of the survey shown as report sections (the workbook has them all).
MAX_NPS_SECTIONS = 6
#: Width in pixels given to single charts that have none (the pages stretch them instead).
CHART_WIDTH = 640
#: Settings of the customer value page's defaults: 12 months, 10% a year, weeks, 90 days.
VALUE_MONTHS = 12
YEARLY_DISCOUNT = 0.10
CHURN_DAYS = 90
VALUE_QUANTILE = 0.75
RISK_THRESHOLD = 0.5
PDF_TIMEOUT_SECONDS = 90.0


# --------------------------------------------------------------------------------------------
# The report's content
# --------------------------------------------------------------------------------------------


@dataclass
class Section:
    """One part of the report.

    Attributes
    ----------
    title : str
    sentences : list of str
        Plain-language reading ("what this says").
    table : DataFrame or None
        Ready to show: readable column names, one row per line.
    chart : altair chart or None
    note : str
        A caveat, or why the section was left out (then it has no table, chart or sentences).
    formats : dict
        Optional ``str.format`` pattern per column of ``table`` (e.g. ``"{:.0%}"``); other
        columns are formatted by type (thousands separators, two decimals for floats).
    """

    title: str
    sentences: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    chart: alt.TopLevelMixin | None = None
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)

    @property
    def skipped(self) -> bool:
        """True when the section has nothing but its note (the data lacked what it needs)."""
        return self.table is None and self.chart is None and not self.sentences


@dataclass
class Report:
    """Everything in the report and the workbook, computed once.

    Attributes
    ----------
    title, dataset_label : str
    generated : date
        The day the report was made.
    sections : list of Section
        In reading order; skipped ones keep their title and a one-line note.
    sheets : dict of str to DataFrame
        The workbook's tables by sheet name (see :func:`report_workbook`).
    as_of, first_date, last_date : Timestamp or None
        End of observation (exclusive) and the first and last transaction day counted.
    seconds : dict of str to float
        Time each part took to compute (for the curious and for benchmarks).
    """

    title: str
    generated: dt.date
    dataset_label: str
    sections: list[Section]
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None
    first_date: pd.Timestamp | None = None
    last_date: pd.Timestamp | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.0%}"


def _meaning(definition: str) -> str:
    """A definition without its leading "Name: " (the table names the figure already)."""
    text = definition.split(": ", 1)[-1]
    return text[:1].upper() + text[1:]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = {}
    return out


def _overview_sections(tx: pd.DataFrame, as_of, sheets: dict) -> tuple[list[Section], object]:
    card = overview.scorecard(tx, as_of=as_of)
    figures = overview.scorecard_table(card)
    sheets["Overview"] = figures
    keys = [k for k in overview.LABELS if k not in ("first_date", "last_date", "as_of")]
    table = pd.DataFrame(
        {
            "Figure": [overview.LABELS[k] for k in keys],
            "Value": [overview.format_figure(card, k) for k in keys],
            "What it means": [_meaning(overview.DEFINITIONS[k]) for k in keys],
        }
    )
    nvr = overview.new_vs_returning(tx, freq="M", as_of=as_of)
    section = Section(
        "Overview",
        sentences=overview.scorecard_insights(card),
        table=table,
        chart=charts_overview.new_vs_returning_chart(nvr, value="customers"),
        note="Chart: new and returning customers per month; a lighter last bar is a month not "
        "yet complete.",
    )
    return [section], card


def _relabel(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A display table: ``{"Shown name": "source column"}`` in that order, fresh RangeIndex."""
    return pd.DataFrame({label: frame[col].to_numpy() for label, col in columns.items()})


def _products_section(tx: pd.DataFrame, as_of) -> Section:
    title = "Best-selling products"
    table = overview.top_breakdown(tx, "product", n=10, as_of=as_of)
    if len(table) == 0:
        reason = table.attrs.get("reason", "The data has no product column.")
        return Section(title, note=f"Left out: {reason} Add a product column to see this.")
    named = table[table["product"] != overview.OTHER_LABEL]
    top = named.iloc[0]
    sentences = [
        f"The best seller, {top['product']}, brings {_pct(top['revenue_share'])} of net revenue "
        f"from {int(top['orders']):,} orders."
    ]
    if len(named) > 1:
        sentences.append(
            f"The top {len(named)} products together bring "
            f"{_pct(float(named['revenue_share'].sum()))} of net revenue."
        )
    display = _relabel(
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
        sentences=sentences,
        table=display,
        chart=charts_overview.breakdown_chart(table, "product"),
        formats={"Share of revenue": "{:.1%}"},
    )


def _segment_sheets(customers: pd.DataFrame, names: list[str]) -> dict[str, pd.DataFrame]:
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


def _rfm_section(tx: pd.DataFrame, as_of, sheets: dict) -> Section:
    title = "RFM segments"
    table = rfm.rfm_table(tx, as_of=as_of)
    if len(table) == 0:
        return Section(title, note="Left out: no customer has a purchase before the as-of date.")
    summary = rfm.segment_summary(table)
    customers = rfm.segment_customers(table, rfm.customer_attributes(tx, as_of=as_of))
    sheets["Segments"] = summary
    sheets["RFM"] = customers
    sheets.update(_segment_sheets(customers, summary["segment"].tolist()))
    display = _relabel(
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
    )


def _cohort_section(tx: pd.DataFrame, as_of, sheets: dict) -> Section:
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


def _nps_display(table: pd.DataFrame, by: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            by.capitalize(): table.index.astype("str").to_numpy(),
            "Answers": table["n"].to_numpy(),
            "NPS": table["nps"].to_numpy(),
            "95% from": table["ci_low"].to_numpy(),
            "95% to": table["ci_high"].to_numpy(),
            "vs the rest": table["diff_vs_rest"].to_numpy(),
            "p-value": table["p_value"].to_numpy(),
            "Beyond chance": table["significant"].to_numpy(),
            "Small (< 30)": table["small"].to_numpy(),
        }
    )


_NPS_FORMATS = {
    "NPS": "{:+.1f}",
    "95% from": "{:+.1f}",
    "95% to": "{:+.1f}",
    "vs the rest": "{:+.1f}",
    "p-value": "{:.3f}",
}


def _feedback_sections(responses: pd.DataFrame | None, sheets: dict) -> list[Section]:
    title = "Customer feedback"
    if responses is None or len(responses) == 0:
        return [
            Section(
                title,
                note="Left out: no survey responses were loaded. Add a file with a 0-10 'how "
                "likely are you to recommend us' score to see NPS, CSAT and CES here.",
            )
        ]
    ov = fb.feedback_overview(responses)
    if ov.nps is None:
        return [Section(title, note="Left out: none of the responses has a 0-10 score.")]
    nps = ov.nps
    rows = [
        ("Net Promoter Score", f"{nps.nps:+.0f}", f"{nps.ci_low:+.0f} to {nps.ci_high:+.0f}", nps.n)
    ]
    if ov.csat is not None:
        c = ov.csat
        rows.append(
            ("CSAT (share satisfied)", f"{c.share:.0%}", f"{c.ci_low:.0%} to {c.ci_high:.0%}", c.n)
        )
    if ov.ces is not None:
        e = ov.ces
        ci = f"{e.ci_low:.2f} to {e.ci_high:.2f}" if e.n > 1 else "one answer"
        rows.append(("CES (ease, 1-7)", f"{e.mean:.2f}", ci, e.n))
    headline = pd.DataFrame(rows, columns=["Measure", "Score", "95% interval", "Answers"])
    sheets["Feedback"] = headline
    sentences = [fb.nps_sentence(nps)]
    if ov.first_date is not None:
        sentences.append(fb.trend_sentence(fb.nps_trend(responses, freq="M")))
    out = [
        Section(
            title,
            sentences=sentences,
            table=headline,
            chart=charts_feedback.nps_split_chart(ov.score_counts),
            note=f"{ov.n_responses:,} responses"
            + (
                f" from {ov.first_date:%d %b %Y} to {ov.last_date:%d %b %Y}."
                if ov.first_date is not None
                else "."
            ),
        )
    ]
    attributes = fb.attribute_columns(responses)
    for i, by in enumerate(attributes):
        table = fb.nps_by(responses, by)
        sheets[f"NPS by {by}"] = table.reset_index().astype({by: "str"})
        if i >= MAX_NPS_SECTIONS:
            continue
        out.append(
            Section(
                f"NPS by {by}",
                sentences=[fb.breakdown_sentence(table, by)],
                table=_nps_display(table, by),
                chart=charts_feedback.nps_breakdown_chart(table, by, overall=nps.nps),
                formats=_NPS_FORMATS,
            )
        )
    if len(attributes) > MAX_NPS_SECTIONS:
        out[
            -1
        ].note = f"{len(attributes) - MAX_NPS_SECTIONS} more breakdowns are in the workbook only."
    return out


def value_risk_table(customers: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-customer value, chance of still being active and churn risk, for the workbook.

    Parameters
    ----------
    customers : DataFrame
        ``ValueReport.customers`` of :func:`analysis.clv.value_report` (indexed by customer).
    scores : DataFrame or None
        ``ChurnResult.scores`` of :func:`analysis.churn.churn_model`, when the churn model could
        be fitted.

    Returns
    -------
    DataFrame
        One row per customer, highest expected value first (when there are values): ``customer_id``,
        ``clv`` (discounted expected value over the value horizon, file's currency),
        ``expected_purchases``, ``expected_revenue`` (undiscounted), ``p_alive`` (0..1),
        ``purchases_so_far`` (purchase days), and with ``scores`` ``churn_risk`` (0..1, chance
        of no purchase within the churn horizon; NaN for customers the churn model did not
        score) and ``quadrant`` (value against risk, see :data:`analysis.churn.QUADRANTS`).
    """
    wanted = ["clv", "expected_purchases", "expected_revenue", "p_alive"]
    out = customers[[c for c in wanted if c in customers.columns]].copy()
    out["purchases_so_far"] = customers["frequency"].to_numpy() + 1
    if scores is not None and "clv" in customers.columns:
        from analysis import churn

        quadrants = churn.value_and_risk(
            customers, scores, value_quantile=VALUE_QUANTILE, risk_threshold=RISK_THRESHOLD
        )
        out = out.join(scores[["churn_risk"]], how="left").join(quadrants[["quadrant"]], how="left")
    elif scores is not None:
        out = out.join(scores[["churn_risk"]], how="left")
    if "clv" in out.columns:
        out = out.sort_values("clv", ascending=False, kind="stable")
    out = out.rename_axis("customer_id").reset_index()
    out["customer_id"] = out["customer_id"].astype("str")
    out.attrs = {}
    return out


def _value_sections(tx: pd.DataFrame, as_of, sheets: dict) -> list[Section]:
    """Customer value and churn risk; left out with a note if the models are missing or fail."""
    title = "Customer value"
    try:
        from analysis import charts_value, clv
    except ImportError as exc:  # the value modules are optional for the rest of the report
        return [Section(title, note=f"Left out: the value models are not available ({exc}).")]
    rate = round((1 + YEARLY_DISCOUNT) ** (1 / 12) - 1, 8)
    try:
        value = clv.value_report(
            tx, as_of=as_of, months=VALUE_MONTHS, monthly_discount_rate=rate, time_unit="W"
        )
    except ValueError as exc:
        return [Section(title, note=f"Left out: {exc}")]
    except Exception as exc:  # a failing model must not sink the whole report
        return [Section(title, note=f"Left out: the value models failed ({type(exc).__name__}).")]

    risk, risk_note = None, ""
    try:
        from analysis import churn

        risk = churn.churn_model(tx, horizon_days=CHURN_DAYS, as_of=as_of)
    except ValueError as exc:
        risk_note = str(exc)
    except Exception as exc:  # idem
        risk_note = f"The churn model failed ({type(exc).__name__})."

    customers = value.customers
    sheets["Value and risk"] = value_risk_table(
        customers, risk.scores if risk is not None else None
    )
    forecast = value.forecast
    out = []
    notes = " ".join(str(w) for w in value.warnings)
    if len(forecast):
        display = _relabel(
            forecast,
            {
                "Months ahead": "months",
                "Expected net revenue": "expected_revenue",
                "Likely from": "revenue_low",
                "Likely to": "revenue_high",
                "Expected purchases": "expected_purchases",
                "Purchases from": "purchases_low",
                "Purchases to": "purchases_high",
            },
        )
        fmt = "{:,.0f}"
        out.append(
            Section(
                title,
                sentences=clv.value_insights(value),
                table=display,
                chart=charts_value.forecast_chart(forecast, measure="revenue"),
                note=(
                    "Ranges are 90% intervals, for the customers you have now (no new ones). "
                    f"Values over {VALUE_MONTHS} months discounted at "
                    f"{YEARLY_DISCOUNT:.0%} a year. " + notes
                ).strip(),
                formats={c: fmt for c in display.columns if c != "Months ahead"},
            )
        )
    else:
        out.append(
            Section(
                title,
                sentences=clv.value_insights(value),
                note=(notes or "Too few repeat buyers to forecast money.").strip(),
            )
        )

    title = "Valuable customers at risk"
    if risk is None:
        out.append(Section(title, note=f"Left out: {risk_note}"))
        return out
    if "clv" not in customers.columns:
        out.append(Section(title, note="Left out: customer values are needed and there are none."))
        return out
    from analysis import churn

    table = churn.value_and_risk(
        customers, risk.scores, value_quantile=VALUE_QUANTILE, risk_threshold=RISK_THRESHOLD
    )
    actions = churn.action_list(table, horizon_days=CHURN_DAYS)
    lead = (
        f"{len(actions):,} customers are valuable (top {1 - VALUE_QUANTILE:.0%} by expected "
        f"value) and at risk (at least a {RISK_THRESHOLD:.0%} chance of no purchase in the next "
        f"{CHURN_DAYS} days): worth a personal call, a thank-you or an offer."
    )
    out.append(
        Section(
            title,
            sentences=[lead, *risk.verdict, *risk.drivers],
            table=actions,
            chart=charts_value.importance_chart(risk.importance),
            note=f"The churn model was checked on {risk.n_test:,} held-back customers. Chart: "
            "what drives the churn risk most.",
            formats={
                actions.columns[1]: "{:,.2f}",
                actions.columns[2]: "{:.0%}",
                "Days since last purchase": "{:,.0f}",
                "Purchases so far": "{:,.0f}",
                "Net revenue so far": "{:,.2f}",
            },
        )
    )
    return out


def _timed(seconds: dict, name: str, func: Callable):
    start = time.perf_counter()
    try:
        return func()
    finally:
        seconds[name] = round(time.perf_counter() - start, 3)


def build_report(
    tx: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    *,
    as_of=None,
    title: str = DEFAULT_TITLE,
    dataset_label: str = "",
    include_value: bool = True,
) -> Report:
    """Compute every section of the report with the pages' default settings.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    responses : DataFrame or None
        Canonical survey responses; without them the feedback section is a one-line note.
    as_of : date-like or None
        End of observation, exclusive (calendar day; default the day after the last
        transaction). Survey responses are not cut.
    title, dataset_label : str
        Shown at the top of the report.
    include_value : bool
        Fit the customer value (BG/NBD, Gamma-Gamma) and churn models, the slow part (about
        two thirds of the time). They are fitted once and feed both the report and the
        workbook.

    Returns
    -------
    Report
        Sections: Overview, Best-selling products (needs a ``product`` column), RFM segments,
        Cohort retention, Customer feedback and one "NPS by <attribute>" per survey breakdown
        (need responses), Customer value and Valuable customers at risk (need enough history).
        A section whose data is missing is kept with a one-line note saying why.

    Raises
    ------
    ValueError
        When the transactions are empty or too small for an overview (the message says why).
    """
    message = overview.dataset_size_check(tx, as_of=as_of)
    if message:
        raise ValueError(message)
    seconds: dict[str, float] = {}
    sheets: dict[str, pd.DataFrame] = {}
    sections, card = _timed(seconds, "overview", lambda: _overview_sections(tx, as_of, sheets))
    sections.append(_timed(seconds, "products", lambda: _products_section(tx, as_of)))
    sections.append(_timed(seconds, "rfm", lambda: _rfm_section(tx, as_of, sheets)))
    sections.append(_timed(seconds, "cohorts", lambda: _cohort_section(tx, as_of, sheets)))
    sections.extend(_timed(seconds, "feedback", lambda: _feedback_sections(responses, sheets)))
    if include_value:
        sections.extend(_timed(seconds, "value", lambda: _value_sections(tx, card.as_of, sheets)))
    about = pd.DataFrame(
        {
            "item": ["Report", "Data", "Generated", "From", "To", "As of (not included)"],
            "value": [
                title,
                dataset_label,
                dt.date.today().isoformat(),
                f"{card.first_date:%Y-%m-%d}",
                f"{card.last_date:%Y-%m-%d}",
                f"{card.as_of:%Y-%m-%d}",
            ],
        }
    )
    notes = pd.DataFrame(
        {
            "item": [s.title for s in sections if s.skipped],
            "value": [s.note for s in sections if s.skipped],
        }
    )
    sheets = {"About": pd.concat([about, notes], ignore_index=True), **sheets}
    return Report(
        title=title,
        generated=dt.date.today(),
        dataset_label=dataset_label,
        sections=sections,
        sheets={name: _plain(frame) for name, frame in sheets.items()},
        as_of=card.as_of,
        first_date=card.first_date,
        last_date=card.last_date,
        seconds=seconds,
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2328;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 18px 56px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-top: .8rem;
  border-top: 2px solid #e3e9f2; }
h3 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
.meta { color: #57606a; margin: 0; }
nav { margin: 1.2rem 0 0; padding: .6rem 1rem; background: #f6f8fa; border-radius: 6px; }
nav ol { margin: .2rem 0; padding-left: 1.3rem; columns: 2; column-gap: 2rem; }
a { color: #2f5f98; }
ul.says { margin: .6rem 0 1rem; padding: .6rem .9rem .6rem 1.9rem; background: #f3f7fc;
  border-left: 4px solid #4c78a8; border-radius: 0 6px 6px 0; }
ul.says li { margin: .2rem 0; }
figure { margin: 1rem 0; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: .6rem 0; }
table { border-collapse: collapse; font-size: .84rem; min-width: 60%; }
th, td { padding: .32rem .55rem; border-bottom: 1px solid #d8dee4; text-align: left;
  vertical-align: top; }
th { background: #e8eef7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.note { color: #57606a; font-size: .86rem; margin: .4rem 0; }
.skipped { color: #57606a; font-style: italic; }
footer { margin-top: 2.5rem; font-size: .88rem; color: #3b434b; }
footer dt { font-weight: 600; margin-top: .5rem; }
footer dd { margin: 0 0 0 1rem; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 16px 12px 40px; }
  nav ol { columns: 1; }
  h1 { font-size: 1.5rem; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  figure, tr, ul.says { break-inside: avoid; }
  thead { display: table-header-group; }
  figure { overflow: visible; }
}
"""

# No script may run and nothing may be loaded: only the inline style sheet and inline images.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A Markdown backslash escape (how analysis.core.text.md_escape marks values from the data), and the
# zero-width space it puts after a colon.
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PRIVATE = 0xF0000  # Unicode private-use plane: placeholders for escaped characters


def _esc_text(text: object) -> str:
    """A sentence of the pages' Markdown as HTML: its ``**bold**`` becomes ``<strong>``, every
    backslash-escaped character (values from the data, see :mod:`analysis.core.text`) is shown as
    itself, and everything else is HTML-escaped."""
    raw = str(text).replace(":\u200b", ":")
    held = _MD_ESCAPE.sub(lambda m: chr(_PRIVATE + ord(m.group(1))), raw)
    out = _BOLD.sub(r"<strong>\1</strong>", _esc(held))
    return re.sub("[\U000f0000-\U000f007f]", lambda m: _esc(chr(ord(m.group(0)) - _PRIVATE)), out)


def _cell(value: object, fmt: str | None) -> tuple[str, bool]:
    """Display text of one table cell and whether it is a number (right-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "–", False
    if isinstance(value, (bool, np.bool_)):
        return ("yes" if value else "no"), False
    if isinstance(value, (pd.Timestamp, dt.date)):
        return (value.strftime("%Y-%m-%d") if not pd.isna(value) else "–"), False
    if isinstance(value, (int, np.integer)):
        return (fmt.format(value) if fmt else f"{int(value):,}"), True
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(float(value)):
            return "–", True
        return (fmt.format(float(value)) if fmt else f"{float(value):,.2f}"), True
    return str(value), False


def _table_html(table: pd.DataFrame, formats: dict[str, str]) -> str:
    n = len(table)
    shown = table.head(MAX_TABLE_ROWS)
    head = "".join(f'<th scope="col">{_esc(c)}</th>' for c in shown.columns)
    rows = []
    columns = [shown[c].tolist() for c in shown.columns]
    fmts = [formats.get(str(c)) for c in shown.columns]
    for values in zip(*columns, strict=True) if columns else []:
        cells = []
        for value, fmt in zip(values, fmts, strict=True):
            text, numeric = _cell(value, fmt)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{_esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    out = (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    if n > MAX_TABLE_ROWS:
        out += (
            f'<p class="note">First {MAX_TABLE_ROWS} of {n:,} rows; the workbook has them all.</p>'
        )
    return out


def _report_sized(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Give a single or layered chart without a width a fixed one (pages stretch them)."""
    if isinstance(chart, (alt.Chart, alt.LayerChart)) and chart.width is alt.Undefined:
        return chart.properties(width=CHART_WIDTH)
    return chart


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^")]+)')


def chart_svg(chart: alt.TopLevelMixin, *, prefix: str = "c") -> str:
    """One chart as an SVG string for inline use (no external loads, ids made unique).

    Parameters
    ----------
    chart : altair chart
        Its data must be inline (as in every chart builder of this package).
    prefix : str
        Prefix for the SVG's element ids, so that gradients and clip paths of several charts in
        one HTML document do not clash.

    Raises
    ------
    ValueError
        If the chart cannot be drawn (e.g. it asks for data from a URL).
    """
    import vl_convert as vlc

    try:
        svg = vlc.vegalite_to_svg(_report_sized(chart).to_dict(), allowed_base_urls=[])
    except Exception as exc:  # vl-convert raises a bare ValueError/RuntimeError
        raise ValueError(f"The chart could not be drawn: {exc}") from exc
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def _definitions() -> str:
    items = [
        (
            "As of",
            "The end of the period looked at, not included: by default the day after the last "
            "transaction. Later transactions are ignored.",
        ),
        (
            "Orders and money",
            "An order's net value is the sum of its lines. A purchase order nets to zero or "
            "more, a refund order to less than zero. Net revenue subtracts refunds; amounts are "
            "in the currency of your file.",
        ),
        (
            "RFM segments",
            "Each customer gets scores from 1 to 5 for how recently (R), how often (F) and how "
            "much (M) they bought, cut at the quantiles of all customers; the segment comes "
            "from the R and F scores.",
        ),
        (
            "Cohort retention",
            "A cohort is the customers whose first purchase fell in the same month; retention "
            "in month k is the share of them who bought in the k-th month after. Unfinished "
            "months are left out of the averages; blanks are months that have not happened.",
        ),
        (
            "NPS, CSAT, CES",
            "NPS = % promoters (9-10) minus % detractors (0-6), from -100 to +100, with an "
            "adjusted-Wald 95% interval. CSAT is the share of 4-5 answers on a 1-5 scale; CES "
            "the average on a 1-7 scale (7 = very easy). 'Beyond chance' means p < 0.05.",
        ),
        (
            "Customer value",
            "BG/NBD predicts how many purchases each customer will make and the chance they are "
            "still a customer; Gamma-Gamma predicts how much they spend per purchase. Expected "
            f"value covers {VALUE_MONTHS} months, discounted at {YEARLY_DISCOUNT:.0%} a year.",
        ),
        (
            "Churn risk",
            f"The chance of no purchase in the next {CHURN_DAYS} days, from a gradient-boosting "
            "model trained on earlier behaviour and checked on customers it did not see.",
        ),
    ]
    body = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    figures = "".join(
        f"<li>{_esc(v)}</li>"
        for k, v in overview.DEFINITIONS.items()
        if k not in ("first_date", "last_date", "as_of")
    )
    body += f"<dt>Overview figures</dt><dd><ul>{figures}</ul></dd>"
    return f"<footer><h2>Definitions and method</h2><dl>{body}</dl></footer>"


def report_html(report: Report) -> str:
    """The report as one self-contained HTML document.

    Inline CSS (readable on a phone, printable on A4), each chart as inline SVG, tables of at
    most :data:`MAX_TABLE_ROWS` rows, the sentences of each section and a definitions
    footnote. Every text is HTML-escaped; the document loads nothing from outside itself and
    runs no script (its Content-Security-Policy forbids both).

    Returns
    -------
    str
        The document (UTF-8 text).
    """
    meta = []
    if report.dataset_label:
        meta.append(f"Data: {report.dataset_label}")
    if report.first_date is not None and report.last_date is not None:
        meta.append(
            f"transactions from {report.first_date:%d %b %Y} to {report.last_date:%d %b %Y}"
        )
    meta.append(f"made on {report.generated:%d %b %Y}")
    toc = "".join(
        f'<li><a href="#section-{i}">{_esc(s.title)}</a></li>'
        for i, s in enumerate(report.sections, start=1)
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(report.title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<header><h1>{_esc(report.title)}</h1>",
        f'<p class="meta">{_esc("; ".join(meta))}.</p>',
        '<p class="meta">Amounts are net of refunds, in the currency of the data.</p></header>',
        f"<nav><strong>Contents</strong><ol>{toc}</ol></nav>",
    ]
    for i, section in enumerate(report.sections, start=1):
        parts.append(f'<section id="section-{i}"><h2>{_esc(section.title)}</h2>')
        if section.skipped:
            parts.append(f'<p class="skipped">{_esc_text(section.note)}</p></section>')
            continue
        if section.sentences:
            items = "".join(f"<li>{_esc_text(s)}</li>" for s in section.sentences)
            parts.append(f'<ul class="says">{items}</ul>')
        if section.chart is not None:
            svg = chart_svg(section.chart, prefix=f"s{i}")
            parts.append(f'<figure role="img" aria-label="{_esc(section.title)}">{svg}</figure>')
        if section.table is not None:
            parts.append(_table_html(section.table, section.formats))
        if section.note:
            parts.append(f'<p class="note">{_esc_text(section.note)}</p>')
        parts.append("</section>")
    parts.append(_definitions())
    parts.append("</main></body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """Path of a Chromium browser to print PDFs with, or None when the machine has none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def report_pdf(
    report: Report | str, *, browser: str | None = None, timeout: float = PDF_TIMEOUT_SECONDS
) -> bytes | None:
    """The HTML report printed to PDF by headless Chromium, or None when that is not possible.

    Parameters
    ----------
    report : Report or str
        The report, or its HTML from :func:`report_html` (saves drawing the charts twice).
    browser : str or None
        Chromium executable; default :func:`chromium_path`.
    timeout : float
        Seconds to wait for Chromium before giving up (it is then stopped).

    Returns
    -------
    bytes or None
        The PDF, or None when there is no Chromium, it failed or it timed out.

    Notes
    -----
    Chromium reads the page from a file and writes the PDF to a file, so both live in a private
    temporary directory (with Chromium's throw-away profile) that is deleted afterwards. Where
    the machine has a memory-backed ``/dev/shm`` that directory is made there, so a visitor's
    report is not written to disk. The page itself loads nothing from the network.
    """
    browser = browser or chromium_path()
    if browser is None:
        return None
    document = report if isinstance(report, str) else report_html(report)
    in_memory = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="customer-focus-report-", dir=in_memory) as tmp:
        source, target = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            browser,
            *_CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: a timeout stops all of it
            )
        except OSError:
            return None
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None
        if not target.exists():
            return None
        data = target.read_bytes()
    return data if data.startswith(b"%PDF") else None


# --------------------------------------------------------------------------------------------
# Workbook and the one-call bundle
# --------------------------------------------------------------------------------------------


def report_workbook(
    source: Report | pd.DataFrame, responses: pd.DataFrame | None = None, *, as_of=None
) -> bytes:
    """One XLSX workbook with a sheet per table, bold headers, every text cell formula-safe.

    Parameters
    ----------
    source : Report or DataFrame
        A report from :func:`build_report` (nothing is computed again), or canonical
        transactions (the report is built first).
    responses : DataFrame or None
        Survey responses, when ``source`` is transactions.
    as_of : date-like or None
        End of observation, when ``source`` is transactions.

    Returns
    -------
    bytes
        Sheets: "About" (data, dates, sections left out and why), "Overview" (scorecard),
        "Segments" (segment summary), "RFM" (per customer with scores and segment), one sheet
        per segment's customers (or one "Segment lists" sheet above
        :data:`MAX_CUSTOMERS_FOR_SEGMENT_SHEETS` customers), "Cohorts" (retention matrix with
        cohort sizes), "Feedback" and "NPS by <attribute>" (with responses), "Value and risk"
        (per-customer value, P(alive) and churn risk, when the models could be fitted).
    """
    report = source if isinstance(source, Report) else build_report(source, responses, as_of=as_of)
    return to_xlsx_bytes(report.sheets)


@dataclass(frozen=True)
class ReportFiles:
    """The downloadable files of one report (picklable, for caching).

    Attributes
    ----------
    html : str
    pdf : bytes or None
    pdf_note : str
        Why there is no PDF (empty when there is one).
    xlsx : bytes
    sections : tuple of str
        Titles of the sections with content.
    skipped : tuple of str
        "Title: note" of the sections left out.
    sheets : tuple of str
        Sheet names of the workbook.
    seconds : dict
        Time of each step.
    """

    html: str
    pdf: bytes | None
    pdf_note: str
    xlsx: bytes
    sections: tuple[str, ...]
    skipped: tuple[str, ...]
    sheets: tuple[str, ...]
    seconds: dict = field(default_factory=dict)


def report_files(
    tx: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    *,
    as_of=None,
    title: str = DEFAULT_TITLE,
    dataset_label: str = "",
    include_value: bool = True,
    pdf: bool = True,
) -> ReportFiles:
    """Build the report once and make its HTML, PDF (when possible) and XLSX files.

    Parameters are those of :func:`build_report`; ``pdf=False`` skips printing the PDF.
    """
    report = build_report(
        tx,
        responses,
        as_of=as_of,
        title=title,
        dataset_label=dataset_label,
        include_value=include_value,
    )
    seconds = dict(report.seconds)
    document = _timed(seconds, "html", lambda: report_html(report))
    pdf_bytes, note = None, ""
    if not pdf:
        note = "The PDF was not requested."
    elif chromium_path() is None:
        note = (
            "No PDF on this server: it has no Chromium browser to print with. Open the HTML "
            "report and use your browser's Print, then Save as PDF."
        )
    else:
        pdf_bytes = _timed(seconds, "pdf", lambda: report_pdf(document))
        if pdf_bytes is None:
            note = (
                "The PDF could not be made this time (the browser that prints it failed or took "
                "too long). Open the HTML report and use your browser's Print, then Save as PDF."
            )
    xlsx = _timed(seconds, "xlsx", lambda: report_workbook(report))
    return ReportFiles(
        html=document,
        pdf=pdf_bytes,
        pdf_note=note,
        xlsx=xlsx,
        sections=tuple(s.title for s in report.sections if not s.skipped),
        skipped=tuple(f"{s.title}: {s.note}" for s in report.sections if s.skipped),
        sheets=tuple(report.sheets),
        seconds=seconds,
    )

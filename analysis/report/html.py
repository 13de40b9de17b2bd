"""The report as one self-contained HTML document (inline CSS, charts as inline SVG).

Every text is HTML-escaped; the document loads nothing from outside itself and runs no script
(its Content-Security-Policy forbids both), so it opens offline in any browser.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re

import altair as alt
import numpy as np
import pandas as pd

from analysis import overview
from analysis.core.defaults import CHURN_DAYS, VALUE_MONTHS, YEARLY_DISCOUNT
from analysis.core.text import money, percent
from analysis.report._common import Report

__all__ = ["CHART_WIDTH", "MAX_TABLE_ROWS", "chart_svg", "report_html"]

#: Longer tables are cut to this many rows in the HTML report (the workbook has them all).
MAX_TABLE_ROWS = 25
#: Width in pixels given to single charts that have none (the pages stretch them instead).
CHART_WIDTH = 640

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
    """Return ``str(value)`` HTML-escaped (quotes too)."""
    return html.escape(str(value), quote=True)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A Markdown backslash escape (how analysis.core.text.md_escape marks values from the data), and the
# zero-width space it puts after a colon.
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PRIVATE = 0xF0000  # Unicode private-use plane: placeholders for escaped characters


def _esc_text(text: object) -> str:
    """Return a sentence of the pages' Markdown as HTML.

    Its ``**bold**`` becomes ``<strong>``, every backslash-escaped character (values from the
    data, see :mod:`analysis.core.text`) is shown as itself, and everything else is
    HTML-escaped.
    """
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


class _Money:
    """A money column's "format": :func:`analysis.core.text.money` in the report's currency."""

    def __init__(self, currency: str | None, decimals: int) -> None:
        self.currency, self.decimals = currency, decimals

    def format(self, value: float) -> str:
        """Return ``value`` as money (``€1,234.50``, ``1,234.50 CHF``)."""
        return money(value, self.currency, decimals=self.decimals)


def _table_html(table: pd.DataFrame, formats: dict) -> str:
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
    """Draw one chart as an SVG string for inline use (no external loads, ids made unique).

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
    except (ValueError, RuntimeError) as exc:  # what vl-convert raises when it cannot draw
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
            f"value covers {VALUE_MONTHS} months, discounted at "
            f"{percent(YEARLY_DISCOUNT, decimals=0)} a year.",
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
    """Write the report as one self-contained HTML document.

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
    currency = _esc(report.currency) if report.currency else "the currency of the data"
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
        f'<p class="meta">Amounts are net of refunds, in {currency}.</p></header>',
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
            money_formats = {c: _Money(report.currency, d) for c, d in section.money.items()}
            parts.append(_table_html(section.table, {**section.formats, **money_formats}))
        if section.note:
            parts.append(f'<p class="note">{_esc_text(section.note)}</p>')
        parts.append("</section>")
    parts.append(_definitions())
    parts.append("</main></body></html>")
    return "\n".join(parts)

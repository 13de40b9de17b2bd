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

Modules
-------
_common     the report's content (:class:`Section`, :class:`Report`) and shared helpers
sections    overview, best-selling products, RFM segments, cohort retention
survey      NPS, CSAT and CES, and NPS by each survey attribute
value       customer value and valuable customers at risk; :func:`value_risk_table`
describe    the report's own sentences (``describe_<thing>(result) -> list[str]``)
build       :func:`build_report`
html        :func:`report_html` and :func:`chart_svg`
pdf         :func:`report_pdf` and :func:`chromium_path`
workbook    :func:`report_workbook`, :class:`ReportFiles` and :func:`report_files`

Conventions are those of the modules used: ``as_of`` is the end of observation, exclusive
(default: the day after the last transaction); money is net (refunds subtracted) in the file's
own currency; survey responses are used in full (they are not cut at ``as_of``).
"""

from __future__ import annotations

from analysis.core.defaults import CHURN_DAYS, VALUE_MONTHS, YEARLY_DISCOUNT
from analysis.report._common import (
    DEFAULT_TITLE,
    RISK_THRESHOLD,
    VALUE_QUANTILE,
    Report,
    Section,
)
from analysis.report.build import build_report
from analysis.report.html import CHART_WIDTH, MAX_TABLE_ROWS, chart_svg, report_html
from analysis.report.pdf import PDF_TIMEOUT_SECONDS, chromium_path, report_pdf
from analysis.report.sections import MAX_CUSTOMERS_FOR_SEGMENT_SHEETS
from analysis.report.survey import MAX_NPS_SECTIONS
from analysis.report.value import value_risk_table
from analysis.report.workbook import ReportFiles, report_files, report_workbook

__all__ = [
    "CHART_WIDTH",
    "CHURN_DAYS",
    "DEFAULT_TITLE",
    "MAX_CUSTOMERS_FOR_SEGMENT_SHEETS",
    "MAX_NPS_SECTIONS",
    "MAX_TABLE_ROWS",
    "PDF_TIMEOUT_SECONDS",
    "RISK_THRESHOLD",
    "Report",
    "ReportFiles",
    "Section",
    "VALUE_MONTHS",
    "VALUE_QUANTILE",
    "YEARLY_DISCOUNT",
    "build_report",
    "chart_svg",
    "chromium_path",
    "report_files",
    "report_html",
    "report_pdf",
    "report_workbook",
    "value_risk_table",
]

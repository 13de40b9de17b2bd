"""The workbook, and the report's three files made in one call (the unit the app caches)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.export import to_xlsx_bytes
from analysis.report import pdf as pdf_module
from analysis.report._common import Report, timed
from analysis.report.build import build_report
from analysis.report.html import report_html

__all__ = ["ReportFiles", "report_files", "report_workbook"]


def report_workbook(
    source: Report | pd.DataFrame, responses: pd.DataFrame | None = None, *, as_of=None
) -> bytes:
    """Write one XLSX workbook: a sheet per table, bold headers, every text cell formula-safe.

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
        :data:`~analysis.report.sections.MAX_CUSTOMERS_FOR_SEGMENT_SHEETS` customers), "Cohorts" (retention matrix with
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
    tx: pd.DataFrame, responses: pd.DataFrame | None = None, *, pdf: bool = True, **settings
) -> ReportFiles:
    """Build the report once and make its HTML, PDF (when possible) and XLSX files.

    Parameters
    ----------
    tx, responses : DataFrame
        As for :func:`build_report`.
    pdf : bool
        Print the PDF (``False`` skips it, with a note saying so).
    **settings
        The keyword arguments of :func:`build_report`: ``as_of``, ``title``,
        ``dataset_label``, ``include_value``.
    """
    report = build_report(tx, responses, **settings)
    seconds = dict(report.seconds)
    document = timed(seconds, "html", lambda: report_html(report))
    pdf_bytes, note = None, ""
    if not pdf:
        note = "The PDF was not requested."
    elif pdf_module.chromium_path() is None:
        note = (
            "No PDF on this server: it has no Chromium browser to print with. Open the HTML "
            "report and use your browser's Print, then Save as PDF."
        )
    else:
        pdf_bytes = timed(seconds, "pdf", lambda: pdf_module.report_pdf(document))
        if pdf_bytes is None:
            note = (
                "The PDF could not be made this time (the browser that prints it failed or took "
                "too long). Open the HTML report and use your browser's Print, then Save as PDF."
            )
    xlsx = timed(seconds, "xlsx", lambda: report_workbook(report))
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

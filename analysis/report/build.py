"""Every section of the report computed once, with the pages' default settings."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis import overview
from analysis.core.errors import NotEnoughData
from analysis.report._common import DEFAULT_TITLE, Report, Section, timed
from analysis.report.sections import (
    cohort_section,
    overview_sections,
    products_section,
    rfm_section,
)
from analysis.report.survey import feedback_sections
from analysis.report.value import value_sections

__all__ = ["build_report"]


def _about(
    card, sections: list[Section], title: str, dataset_label: str, currency: str | None = None
) -> pd.DataFrame:
    """Return the workbook's "About" sheet: data, dates, and the sections left out and why."""
    about = pd.DataFrame(
        {
            "item": [
                "Report",
                "Data",
                "Generated",
                "From",
                "To",
                "As of (not included)",
                "Currency",
            ],
            "value": [
                title,
                dataset_label,
                dt.date.today().isoformat(),
                f"{card.first_date:%Y-%m-%d}",
                f"{card.last_date:%Y-%m-%d}",
                f"{card.as_of:%Y-%m-%d}",
                currency or "as in the file",
            ],
        }
    )
    notes = pd.DataFrame(
        {
            "item": [s.title for s in sections if s.skipped],
            "value": [s.note for s in sections if s.skipped],
        }
    )
    return pd.concat([about, notes], ignore_index=True)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy without ``attrs`` (the workbook writes values only)."""
    out = frame.copy()
    out.attrs = {}
    return out


def build_report(
    tx: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    *,
    as_of=None,
    title: str = DEFAULT_TITLE,
    dataset_label: str = "",
    include_value: bool = True,
    currency: str | None = None,
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
    currency : str or None
        ISO code (or symbol) of the money (``Dataset.currency``): the sentences and money
        columns of the report carry it, the workbook's About sheet names it.

    Returns
    -------
    Report
        Sections: Overview, Best-selling products (needs a ``product`` column), RFM segments,
        Cohort retention, Customer feedback and one "NPS by <attribute>" per survey breakdown
        (need responses), Customer value and Valuable customers at risk (need enough history).
        A section whose data is missing is kept with a one-line note saying why.

    Raises
    ------
    NotEnoughData
        When the transactions are empty or too small for an overview (the message says why);
        a ``ValueError``.
    """
    message = overview.dataset_size_check(tx, as_of=as_of)
    if message:
        raise NotEnoughData(message)
    seconds: dict[str, float] = {}
    sheets: dict[str, pd.DataFrame] = {}
    sections, card = timed(
        seconds, "overview", lambda: overview_sections(tx, as_of, sheets, currency)
    )
    sections.append(timed(seconds, "products", lambda: products_section(tx, as_of)))
    sections.append(timed(seconds, "rfm", lambda: rfm_section(tx, as_of, sheets)))
    sections.append(timed(seconds, "cohorts", lambda: cohort_section(tx, as_of, sheets)))
    sections.extend(timed(seconds, "feedback", lambda: feedback_sections(responses, sheets)))
    if include_value:
        sections.extend(
            timed(seconds, "value", lambda: value_sections(tx, card.as_of, sheets, currency))
        )
    sheets = {"About": _about(card, sections, title, dataset_label, currency), **sheets}
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
        currency=currency,
    )

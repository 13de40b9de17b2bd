"""What the report's parts share: its content (:class:`Section`, :class:`Report`) and helpers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

__all__ = ["DEFAULT_TITLE", "RISK_THRESHOLD", "Report", "Section", "VALUE_QUANTILE"]

DEFAULT_TITLE = "Customer report"
#: Valuable customers: expected value at or above this quantile of all customers' values.
VALUE_QUANTILE = 0.75
#: At risk: at least this chance of no purchase within the churn horizon.
RISK_THRESHOLD = 0.5


@dataclass
class Section:
    """One part of the report.

    Attributes
    ----------
    title : str
        The section's heading.
    sentences : list of str
        Plain-language reading ("what this says").
    table : DataFrame or None
        Ready to show: readable column names, one row per line.
    chart : altair chart or None
        The section's chart.
    note : str
        A caveat, or why the section was left out (then it has no table, chart or sentences).
    formats : dict
        Optional ``str.format`` pattern per column of ``table`` (e.g. ``"{:.0%}"``); other
        columns are formatted by type (thousands separators, two decimals for floats).
    money : dict
        The columns of ``table`` that hold money, with their decimals: written with the
        report's currency (:attr:`Report.currency`) by :func:`analysis.core.text.money`.
    """

    title: str
    sentences: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    chart: alt.TopLevelMixin | None = None
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)
    money: dict[str, int] = field(default_factory=dict)

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
        Shown at the top of the report.
    generated : date
        The day the report was made.
    sections : list of Section
        In reading order; skipped ones keep their title and a one-line note.
    sheets : dict of str to DataFrame
        The workbook's tables by sheet name (see :func:`analysis.report.report_workbook`).
    as_of, first_date, last_date : Timestamp or None
        End of observation (exclusive) and the first and last transaction day counted.
    seconds : dict of str to float
        Time each part took to compute (for the curious and for benchmarks).
    currency : str or None
        ISO code (or symbol) of the data's money, written with every amount; None: plain
        numbers.
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
    currency: str | None = None


def relabel(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return a display table: ``{"Shown name": "source column"}`` in order, fresh RangeIndex."""
    return pd.DataFrame({label: frame[col].to_numpy() for label, col in columns.items()})


def timed(seconds: dict, name: str, func: Callable):
    """Return ``func()``, noting the seconds it took in ``seconds[name]`` (even if it raises)."""
    start = time.perf_counter()
    try:
        return func()
    finally:
        seconds[name] = round(time.perf_counter() - start, 3)

"""Small rendering helpers shared by the pages."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analysis.core.errors import DataError, NotEnoughData
from analysis.export import to_csv_bytes, to_xlsx_bytes
from ui.auth import private_file_name
from ui.text import inert

#: The errors a page explains to the visitor with a plain note (:func:`empty_state`, or a
#: sentence of its own) instead of a traceback: too little data for an analysis
#: (:class:`~analysis.core.errors.NotEnoughData`) and a table that cannot be used
#: (:class:`~analysis.core.errors.DataError`). A plain ``ValueError`` is a bug and shows as one.
EXPLAINED_ERRORS: tuple[type[ValueError], ...] = (NotEnoughData, DataError)


def download_buttons(
    df: pd.DataFrame | Callable[[], pd.DataFrame],
    basename: str,
    *,
    key: str,
    index: bool = False,
    label: str = "Download",
) -> None:
    """Formula-safe CSV and XLSX download buttons side by side, built only when clicked.

    Parameters
    ----------
    df : DataFrame or callable
        The table, or a function without arguments returning it (for a table that is itself
        costly to make). Nothing is converted while the page runs: each file is made when the
        visitor clicks its button (Streamlit's deferred ``data=callable``).
    basename : str
        File name without extension; the Excel sheet is named after its first 31 characters.
    key : str
        Widget key prefix (``{key}_csv`` and ``{key}_xlsx``).
    index : bool
        Write the frame's index as well.
    label : str
        Button text before " (CSV)" / " (Excel)".
    """

    def table() -> pd.DataFrame:
        return df() if callable(df) else df

    left, right = st.columns(2)
    left.download_button(
        f"{label} (CSV)",
        data=lambda: to_csv_bytes(table(), index=index),
        file_name=private_file_name(f"{basename}.csv"),
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        f"{label} (Excel)",
        data=lambda: to_xlsx_bytes({basename[:31]: table()}, index=index),
        file_name=private_file_name(f"{basename}.xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def explain(title: str, markdown: str) -> None:
    """Show a collapsed 'how this works' panel for learners.

    ``title`` and ``markdown`` are the app's own text (Markdown); never put values from the
    data in them unescaped (see :func:`ui.text.inert`).
    """
    with st.expander(f"How this works: {title}", icon=":material/school:"):
        st.markdown(markdown)


def what_this_says(text: str | list[str]) -> None:
    """Show a plain-language interpretation of the chart or table beside it.

    ``text`` is one sentence or a list of them, as the analysis modules write them: Markdown
    whose values from the data are already escaped (:func:`analysis.core.text.md_escape`). Line
    breaks inside a sentence are folded so a sentence cannot start a block of its own.
    """
    lines = [text] if isinstance(text, str) else list(text)
    if lines:
        st.markdown("\n".join(f"- {_one_line(line)}" for line in lines))


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines())


def empty_state(message: str) -> None:
    """Show a friendly note where there is nothing to show yet.

    ``message`` is plain text (it may hold names from the data, e.g. an error message naming a
    column): it is shown exactly as written, never as Markdown.
    """
    st.info(inert(message), icon=":material/info:")


def warnings_box(warnings: list[str], *, title: str = "Things to know about this data") -> None:
    """Import warnings in plain words, collapsed when there are many.

    Each warning is plain text (they quote column names and cells from the file) and is shown
    exactly as written, never as Markdown.
    """
    if not warnings:
        return
    with st.expander(f"{title} ({len(warnings)})", icon=":material/warning:"):
        for w in warnings:
            st.markdown(f"- {inert(w)}")

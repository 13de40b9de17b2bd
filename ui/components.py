"""Small rendering helpers shared by the pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.export import to_csv_bytes, to_xlsx_bytes


def download_buttons(
    df: pd.DataFrame, basename: str, *, key: str, index: bool = False, label: str = "Download"
) -> None:
    """Formula-safe CSV and XLSX download buttons side by side."""
    left, right = st.columns(2)
    left.download_button(
        f"{label} (CSV)",
        data=to_csv_bytes(df, index=index),
        file_name=f"{basename}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        f"{label} (Excel)",
        data=to_xlsx_bytes({basename[:31]: df}, index=index),
        file_name=f"{basename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def explain(title: str, markdown: str) -> None:
    """A collapsed 'how this works' panel for learners."""
    with st.expander(f"How this works: {title}", icon=":material/school:"):
        st.markdown(markdown)


def what_this_says(text: str | list[str]) -> None:
    """A plain-language interpretation of the chart or table beside it."""
    lines = [text] if isinstance(text, str) else list(text)
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))


def empty_state(message: str) -> None:
    """A friendly note where there is nothing to show yet."""
    st.info(message, icon=":material/info:")


def warnings_box(warnings: list[str], *, title: str = "Things to know about this data") -> None:
    """Import warnings in plain words, collapsed when there are many."""
    if not warnings:
        return
    with st.expander(f"{title} ({len(warnings)})", icon=":material/warning:"):
        for w in warnings:
            st.markdown(f"- {w}")

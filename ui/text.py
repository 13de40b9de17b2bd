"""One rule for showing text from a visitor's file: :func:`inert`.

Streamlit interprets Markdown in ``st.markdown``, ``st.caption``, ``st.info`` / ``warning`` /
``error`` / ``success``, titles and headers, metric labels and values, ``help`` tooltips and
expander, tab and widget labels. Any value from the data (cells, column names, file names,
customer ids) that goes into such text is wrapped in :func:`inert`, so it is shown exactly as
written: never a link, an image (a request to another server), HTML, emphasis or a colour.
Tables (``st.dataframe``), select-box options and ``st.code`` / ``st.text`` never interpret
text and need no escaping. The rule itself lives in :mod:`analysis.core.text` so the analysis
sentences use the same one.
"""

from __future__ import annotations

from analysis.core.text import md_escape, plain

__all__ = ["inert", "plain"]


def inert(value: object) -> str:
    """``value`` as Markdown-inert text (see :func:`analysis.core.text.md_escape`)."""
    return md_escape(value)

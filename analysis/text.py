"""Text from a visitor's file, made inert for Markdown (pure Python, no Streamlit).

Streamlit renders the text of ``st.markdown``, ``st.caption``, ``st.info`` and friends, of
metric labels, tooltips, expander and tab titles as Markdown (GitHub flavour, plus Streamlit's
``:red[...]`` colour directives, ``:material/icon:`` and ``:emoji:`` shortcodes and ``$maths$``).
A product named ``![](http://tracker.example/p.png)`` placed in such text unescaped would make
every visitor's browser fetch that address; ``[click](http://evil.example)`` would show as a real
link. Every value that comes from the data (cell values, column names, file names, customer
ids) is therefore passed through :func:`md_escape` before it is put into such text.

Analysis sentences (``describe_*``, ``*_sentence(s)``) are Markdown written by this package: the
sentence's own ``**bold**`` stays markup, while each value from the data inserted into it is
escaped with :func:`md_escape`. Pages escape what they insert themselves with the same function
(``ui.text.inert``).
"""

from __future__ import annotations

import re

__all__ = ["md_escape", "plain"]

# Characters with inline meaning in Streamlit's Markdown: emphasis, code, links and images,
# raw HTML and autolinks, entities, strikethrough, tables, maths, directives and shortcodes,
# headings, and the escape character itself. CommonMark lets any ASCII punctuation be
# backslash-escaped, so escaping is always safe to render.
_SPECIAL = re.compile(r"([\\`*\[\]<>&~|$#@])")
# "_" only makes emphasis at a word boundary ("my_shop.csv" is safe as it is); ":" only starts
# a directive, shortcode or scheme when something other than a space follows it ("10:30",
# ":red[", ":smile:", "http://"), so "Plan: Pro" stays as written.
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_COLON = re.compile(r":(?=\S)")
# Block markers only mean something at the start of the text: "- item", "+ item", "1. item".
_LEADING_MARKER = re.compile(r"^(\s*)([-+=])")
_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])")
# GitHub's "www." autolinks need no scheme; escaping the dot defuses them.
_WWW = re.compile(r"(www)\.", re.IGNORECASE)
_ZERO_WIDTH_SPACE = "\u200b"


def plain(value: object) -> str:
    """``str(value)`` on one line: newlines and other control characters become spaces.

    ``None`` and missing values (``NaN``, ``pd.NA``) give an empty string.
    """
    if value is None:
        return ""
    try:
        if value != value:  # NaN, pd.NaT
            return ""
    except (TypeError, ValueError):  # pd.NA and arrays refuse to be compared
        if type(value).__name__ in {"NAType", "NaTType"}:
            return ""
    text = str(value)
    return "".join(" " if (ch < " " or ch == "\x7f") else ch for ch in text)


def md_escape(value: object) -> str:
    """Text that Streamlit's Markdown shows exactly as written: never a link, image, HTML,
    emphasis, colour, icon, emoji or formula.

    Parameters
    ----------
    value : object
        A value from the data: a cell, a column name, a file name, a customer id. ``None`` and
        missing values give an empty string; anything else is converted with ``str``.

    Returns
    -------
    str
        The text on one line, every Markdown-special character backslash-escaped (rendered as
        itself; ``_`` inside a word and ``:`` before a space are left as they are), a
        zero-width space after any other ``:`` so ``:smile:`` shortcodes stay text, and a
        leading list or heading marker escaped.

    Examples
    --------
    >>> md_escape("![](http://x.example/p.png)") == "!\\\\[\\\\](http\\\\:\\u200b//x.example/p.png)"
    True
    """
    text = plain(value)
    if not text:
        return ""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _COLON.sub("\\\\:" + _ZERO_WIDTH_SPACE, text)
    text = _WWW.sub(r"\1\\.", text)
    text = _LEADING_MARKER.sub(r"\1\\\2", text)
    return _LEADING_NUMBER.sub(r"\1\\\2", text)

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

__all__ = [
    "CURRENCY_SYMBOLS",
    "md_escape",
    "money",
    "money_format",
    "percent",
    "plain",
    "plural",
    "share",
]

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
    r"""Return text that Streamlit's Markdown shows exactly as written.

    Never a link, image, HTML, emphasis, colour, icon, emoji or formula.

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
    >>> md_escape("![](http://x.example/p.png)") == "!\\[\\](http\\:\u200b//x.example/p.png)"
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


# --------------------------------------------------------------------------------------------
# Numbers in an owner's words: one rule for money and percentages on every page
# --------------------------------------------------------------------------------------------

#: ISO 4217 code -> the symbol written before the amount. Other codes are written after it.
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹"}
_NOT_AVAILABLE = "n/a"


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN, NaT
    except (TypeError, ValueError):
        return type(x).__name__ in {"NAType", "NaTType"}


def money(x: float | None, currency: str | None = None, *, decimals: int = 2) -> str:
    """Write an amount of money as an owner reads it: ``€1,234.50``, ``-$12.00``, ``1,234.50 CHF``.

    Parameters
    ----------
    x : float or None
        The amount, in the file's currency. ``None`` and NaN give ``"n/a"``.
    currency : str or None
        ISO 4217 code (``"EUR"``) or a symbol (``"€"``). Codes in :data:`CURRENCY_SYMBOLS`
        are written as their symbol before the number, other codes after it; ``None`` writes
        the number alone.
    decimals : int
        Decimal places (default 2). A value that rounds to zero never shows a minus sign.

    Returns
    -------
    str
        Plain text (not Markdown: pass it through :func:`md_escape` before putting it into
        Markdown, since ``$`` starts a formula there).
    """
    if _missing(x):
        return _NOT_AVAILABLE
    value = float(x)  # type: ignore[arg-type]
    if value != value or value in (float("inf"), float("-inf")):
        return _NOT_AVAILABLE
    body = f"{abs(value):,.{decimals}f}"
    negative = value < 0 and body.strip("0.,") != ""
    sign = "-" if negative else ""
    code = (currency or "").strip()
    if not code:
        return sign + body
    symbol = CURRENCY_SYMBOLS.get(code.upper(), code if len(code) == 1 else None)
    if symbol is not None:
        return f"{sign}{symbol}{body}"
    return f"{sign}{body} {code.upper()}"


def money_format(currency: str | None = None) -> str:
    """Return the ``st.column_config.NumberColumn`` printf format for money in ``currency``.

    Thousands separators and two decimals, with the symbol before (``"€%,.2f"``) or the code
    after (``"%,.2f CHF"``); ``"%,.2f"`` when the currency is unknown.
    """
    code = (currency or "").strip()
    if not code:
        return "%,.2f"
    symbol = CURRENCY_SYMBOLS.get(code.upper(), code if len(code) == 1 else None)
    if symbol is not None:
        return f"{symbol.replace('%', '%%')}%,.2f"
    return f"%,.2f {code.upper().replace('%', '%%')}"


def percent(x: float | None, *, decimals: int = 1, signed: bool = False) -> str:
    """Write a share (0..1) as a percentage: ``0.1234`` -> ``"12.3%"``; never ``"-0.0%"``.

    Parameters
    ----------
    x : float or None
        The share as a fraction. ``None`` and NaN give ``"n/a"``.
    decimals : int
        Decimal places of the percentage.
    signed : bool
        Write ``+`` before positive values (for changes); zero never gets a sign.
    """
    if _missing(x):
        return _NOT_AVAILABLE
    value = float(x) * 100.0  # type: ignore[arg-type]
    if value != value or value in (float("inf"), float("-inf")):
        return _NOT_AVAILABLE
    body = f"{abs(value):.{decimals}f}"
    if body.strip("0.") == "":
        return f"{body}%"
    sign = "-" if value < 0 else ("+" if signed else "")
    return f"{sign}{body}%"


_NOUN_END = re.compile(r" (?:with|on|that|the|under|without|authorised|left|\()")


def plural(n: int, one: str, many: str | None = None) -> str:
    """Count and noun as a sentence says them: ``"1 order"``, ``"1,234 orders"``.

    Parameters
    ----------
    n : int
        The count (written with thousands separators).
    one : str
        The noun for one. It may go on after the noun ("order with payment pending"): the
        plural "s" goes on the noun, before " with", " on", " that", " the", " under",
        " without", " authorised", " left" or " (".
    many : str, optional
        The plural when it is not ``one`` plus "s" ("people", "replies").
    """
    if n == 1:
        return f"1 {one}"
    if many is not None:
        return f"{n:,} {many}"
    m = _NOUN_END.search(one)
    cut = m.start() if m else len(one)
    return f"{n:,} {one[:cut]}s{one[cut:]}"


def share(x: float | None) -> str:
    """Write a share (0..1) as a sentence says it: whole percent, one decimal below 10%.

    ``0.4567`` -> ``"46%"``, ``0.0456`` -> ``"4.6%"``, ``0`` -> ``"0%"``; ``None``, NaN and
    infinities give ``"n/a"``; never ``"-0%"`` (see :func:`percent`).
    """
    if _missing(x):
        return _NOT_AVAILABLE
    value = float(x)  # type: ignore[arg-type]
    if value != value or value in (float("inf"), float("-inf")):
        return _NOT_AVAILABLE
    return percent(value, decimals=0 if abs(value) >= 0.1 or value == 0 else 1)

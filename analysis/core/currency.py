"""The currency of a file, read from its amount column's header and cells (pure, no I/O).

``detect_currency(["Date", "Total (€)"], ["12,50", "3,00"])`` gives ``"EUR"``: the symbol or
ISO 4217 code in a header ("Total (€)", "Betrag EUR", "Amount (USD)") or in the amount cells
("$1,234.50", "12.00 EUR"), or the codes of a currency column ("EUR"). When the file names
more than one currency, or none, the answer is ``None`` and pages show plain numbers (the
visitor can choose the currency on "Your data").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

__all__ = ["CURRENCY_CODES", "SYMBOL_CODES", "detect_currency", "table_currency"]

#: Symbols that name one currency. "$" is read as US dollars (the most common meaning);
#: "kr" (several crowns) and "¥" as yen are the usual readings in shop exports.
SYMBOL_CODES = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
                "₺": "TRY", "₪": "ILS", "₽": "RUB", "zł": "PLN", "r$": "BRL", "a$": "AUD",
                "c$": "CAD", "us$": "USD", "hk$": "HKD", "s$": "SGD", "nz$": "NZD"}  # fmt: skip

#: ISO 4217 codes recognised as whole words (upper or lower case) in headers and cells.
CURRENCY_CODES = frozenset(
    "EUR USD GBP CHF JPY CAD AUD NZD SEK NOK DKK PLN CZK HUF INR CNY BRL MXN ZAR SGD HKD TRY "
    "RON BGN ISK KRW ILS RUB THB MYR IDR PHP AED SAR".split()
)
#: Words read as a currency in any case; other codes count only in capitals ("TRY", not "try").
_WORDS = {"euro": "EUR", "euros": "EUR", "eur": "EUR", "usd": "USD", "gbp": "GBP", "chf": "CHF",
          "dollar": "USD", "dollars": "USD"}  # fmt: skip

_TOKEN = re.compile(
    r"(?<![A-Za-z])[A-Za-z]{1,2}\$|zł|[€$£¥₹₩₺₪₽]|(?<![A-Za-z])[A-Za-z]{3,7}(?![A-Za-z])"
)


def _codes_in(text: str) -> list[str]:
    """ISO codes named in one piece of text, in order."""
    out = []
    for token in _TOKEN.findall(text):
        key = token.lower()
        if key in SYMBOL_CODES:
            out.append(SYMBOL_CODES[key])
        elif token in SYMBOL_CODES:
            out.append(SYMBOL_CODES[token])
        elif key in _WORDS:
            out.append(_WORDS[key])
        elif token.isupper() and token in CURRENCY_CODES:
            out.append(token)
    return out


def detect_currency(columns: Iterable[object], sample_values: Iterable[object]) -> str | None:
    """Return the one currency a file's money is in, or ``None`` when it does not say (or two).

    Parameters
    ----------
    columns : iterable
        Headers of the money columns (amount, unit price, total). Other headers may be
        included only when they are about money: every currency they name counts.
    sample_values : iterable
        Some cells of those columns, as read (text), and optionally the values of a
        "currency" column (``"EUR"``). Missing values are ignored.

    Returns
    -------
    str or None
        An ISO 4217 code (``"EUR"``), or ``None`` when no currency is named or more than one is
        (a header's currency wins over the cells' only when the cells name none or the same).
    """
    header = Counter(code for c in columns if c is not None for code in _codes_in(str(c)))
    cells: Counter[str] = Counter()
    for value in sample_values:
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(value)
        if len(text) > 64:  # an amount cell is short; long text is not money
            continue
        cells.update(set(_codes_in(text)))
    named = set(header) | set(cells)
    if len(named) == 1:
        return next(iter(named))
    return None


_CURRENCY_HEADERS = ("currency", "währung", "waehrung", "devise", "moneda", "valuta", "valuuta")


def table_currency(raw: pd.DataFrame, mapping: dict[str, str], *, sample: int = 200) -> str | None:
    """:func:`detect_currency` on a read table: its money columns and any currency column.

    Parameters
    ----------
    raw : DataFrame
        The file as read (text cells), e.g. from ``analysis.ingest.read_table``.
    mapping : dict
        Role -> column (``amount``, ``unit_price`` are the money columns used).
    sample : int
        At most this many non-empty cells are read from each column.

    Returns
    -------
    str or None
        The ISO 4217 code, or ``None`` when the file names none or more than one.
    """
    names = [str(c) for c in raw.columns]
    money = [mapping[r] for r in ("amount", "unit_price") if mapping.get(r) in raw.columns]
    codes = [c for c, n in zip(raw.columns, names, strict=True) if n.lower() in _CURRENCY_HEADERS
             or any(n.lower().endswith(" " + h) or n.lower().startswith(h) for h in _CURRENCY_HEADERS)
             or n.lower().endswith("_currency")]  # fmt: skip
    values: list[object] = []
    for col in dict.fromkeys([*money, *codes]):
        cells = raw[col]
        if isinstance(cells, pd.DataFrame):  # duplicated header: its first column
            cells = cells.iloc[:, 0]
        values.extend(cells.dropna().head(sample).tolist())
    return detect_currency([str(c) for c in money], values)

"""Which parts of the purchase patterns the data can show, and what is missing for the rest."""

from __future__ import annotations

import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.patterns._common import filled, seconds

__all__ = ["ITEM_COLUMNS", "has_time_of_day", "item_columns", "needs"]

#: Item columns, finest first.
ITEM_COLUMNS = ("product", "category")

_PURPOSE_TEXT = {
    "product": "a product column (what was bought on each line: a name or code)",
    "category": "a category column (the product group of each line)",
    "channel": "a channel column (where the order was placed: web, shop, app...)",
    "country": "a country column",
    "unit_price": "a unit price column (or a quantity column, so that the price per unit can "
    "be worked out from the amount)",
}


def has_time_of_day(tx: pd.DataFrame) -> bool:
    """Return True when at least one ``order_date`` has a time part other than midnight.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    """
    if len(tx) == 0:
        return False
    secs = seconds(tx["order_date"])
    return bool((secs % 86400 != 0).any())


def item_columns(tx: pd.DataFrame) -> list[str]:
    """Return the item columns with at least two distinct filled-in values (finest first).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions; the columns looked at are :data:`ITEM_COLUMNS`.
    """
    out = []
    for column in ITEM_COLUMNS:
        if filled(tx, column) and tx[column].nunique(dropna=True) >= 2:
            out.append(column)
    return out


def needs(tx: pd.DataFrame, columns: tuple[str, ...] | list[str], purpose: str) -> str | None:
    """Return a plain-language message saying which needed columns the data lacks.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    columns : sequence of str
        Columns that are all needed. ``"unit_price"`` is satisfied by a ``quantity`` column too
        (the price per unit is then amount / quantity).
    purpose : str
        What the columns are for, e.g. ``"Products bought together"``.

    Returns
    -------
    str or None
        None when every column is there and filled in somewhere; otherwise one sentence.
    """
    missing = []
    for column in columns:
        ok = filled(tx, column)
        if column == "unit_price" and not ok:
            ok = filled(tx, "quantity")
        if not ok:
            missing.append(column)
    if not missing:
        return None
    what = " and ".join(_PURPOSE_TEXT.get(c, f"a {c} column") for c in missing)
    return (
        f"{purpose} needs {what}, and this data has none. Add it to your file (or map it on "
        f"'Your data') to see this part."
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

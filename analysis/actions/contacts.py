"""Contact columns: the ways to reach a customer found in the transactions, latest value first."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.core.columns import TRANSACTION_ROLES
from analysis.core.orders import OrderTable, order_table

__all__ = ["CONTACT_PATTERN", "MAX_CONTACT_COLUMNS", "contact_columns", "latest_values"]

CONTACT_PATTERN = re.compile(
    r"e ?mail|phone|mobile|\btel\b|telephone|whatsapp|\bname\b|names|surname|firstname|lastname"
    r"|company|address|\bcity\b|town|post ?code|\bzip\b",
    re.IGNORECASE,
)
"""Column names (``_`` and ``-`` read as spaces) that hold a way to reach the customer."""
_NOT_CONTACT = re.compile(
    r"product|item|sku|article|category|brand|campaign|discount|coupon|file|store|shop",
    re.IGNORECASE,
)
MAX_CONTACT_COLUMNS = 8


def contact_columns(tx: pd.DataFrame) -> list[str]:
    """Columns of ``tx`` that look like contact details (e-mail, phone, name, address...).

    A column qualifies when its name, read with ``_``/``-`` as spaces, matches
    :data:`CONTACT_PATTERN` and does not name a product, campaign or the like; the canonical
    columns never do. At most :data:`MAX_CONTACT_COLUMNS`, in the file's order.
    """
    out = []
    for col in tx.columns:
        name = str(col)
        if name in TRANSACTION_ROLES:
            continue
        spaced = re.sub(r"[_\-.]+", " ", name)
        if CONTACT_PATTERN.search(spaced) and not _NOT_CONTACT.search(spaced):
            out.append(name)
    return out[:MAX_CONTACT_COLUMNS]


def latest_values(tx: pd.DataFrame, columns: list[str], *, as_of=None) -> pd.DataFrame:
    """Each customer's latest non-empty value of each column, from lines before ``as_of``.

    Empty or blank text counts as missing. Lines are taken in date order (ties: file order),
    so the value on a customer's most recent line that has one wins, column by column.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (every customer with a line before ``as_of``), one column
        per requested column (text; missing where the customer never had a value).
    """
    return _latest_values(tx, columns, order_table(tx, as_of))


def _latest_values(tx: pd.DataFrame, columns: list[str], ot: OrderTable) -> pd.DataFrame:
    if not columns:
        return pd.DataFrame(index=pd.Index(ot.customers, name="customer_id"))
    stamps = tx["order_date"].to_numpy()[ot.line_index]
    order = np.argsort(stamps, kind="stable")
    lines = tx[columns].iloc[ot.line_index[order]].reset_index(drop=True)
    lines = lines.astype("str").where(lines.notna())
    lines = lines.mask(lines.apply(lambda s: s.str.strip().eq("")).fillna(False))
    out = lines.groupby(ot.line_customer[order], sort=True).last()
    out = out.reindex(np.arange(ot.n_customers))
    out.index = pd.Index(ot.customers, name="customer_id")
    return out

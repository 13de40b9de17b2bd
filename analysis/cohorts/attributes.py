"""Customer attributes for breakdowns: the value on each customer's first purchase order."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table

__all__ = ["BREAKDOWNS", "breakdown_columns", "first_order_attribute"]

#: Customer attributes (taken from the first purchase order) that breakdowns may use.
BREAKDOWNS = ("channel", "country", "category")


_NO_DAY = np.iinfo(np.int64).max


def breakdown_columns(tx: pd.DataFrame) -> list[str]:
    """Return the breakdown attributes available in ``tx``.

    Those of :data:`BREAKDOWNS` present with at least two distinct non-missing values.
    """
    out = []
    for name in BREAKDOWNS:
        if name in tx.columns and tx[name].nunique(dropna=True) >= 2:
            out.append(name)
    return out


def _first_purchase_line(ot: OrderTable, first_day: np.ndarray) -> np.ndarray:
    """Row position in ``tx`` of the first line of each customer's first purchase order.

    Among several purchase orders on the first day, the one whose first line comes first in the
    file wins. Customers without a purchase get -1.
    """
    n_lines = len(ot.line_order)
    order_first_line = np.full(len(ot.net), n_lines, dtype=np.int64)
    np.minimum.at(order_first_line, ot.line_order, np.arange(n_lines, dtype=np.int64))
    candidate = (ot.net >= 0) & (ot.day == first_day[ot.customer])
    customer_line = np.full(ot.n_customers, n_lines, dtype=np.int64)
    np.minimum.at(customer_line, ot.customer[candidate], order_first_line[candidate])
    found = customer_line < n_lines
    out = np.full(ot.n_customers, -1, dtype=np.int64)
    out[found] = ot.line_index[customer_line[found]]
    return out


def _first_purchase_days(ot: OrderTable) -> np.ndarray:
    purchase = ot.net >= 0
    first_day = np.full(ot.n_customers, _NO_DAY, dtype=np.int64)
    np.minimum.at(first_day, ot.customer[purchase], ot.day[purchase])
    return first_day


def first_order_attribute(tx: pd.DataFrame, column: str, *, as_of=None) -> pd.Series:
    """Each customer's value of ``column`` on their first purchase order.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        A line-level attribute such as ``"channel"``, ``"country"`` or ``"category"`` (first
        product category). An order with several values takes that of its first line in the
        file.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    Series
        Indexed by ``customer_id`` (customers with at least one purchase order before
        ``as_of``); missing values stay missing.
    """
    if column not in tx.columns:
        raise KeyError(f"There is no column {column!r} in the transactions.")
    ot = order_table(tx, as_of)
    first_day = _first_purchase_days(ot)
    line = _first_purchase_line(ot, first_day)
    members = line >= 0
    values = tx[column].iloc[line[members]].to_numpy()
    return pd.Series(values, index=ot.customers[members], name=column)


def _group_codes(values: pd.Series, max_groups: int) -> tuple[np.ndarray, list[str]]:
    """Return an integer group code per value and the group labels.

    The ``max_groups`` largest groups by count, the rest in "Other", missing values in
    "(not given)"; groups ordered by size (largest first).
    """
    text = values.astype("str").where(values.notna(), MISSING_LABEL)
    codes, uniques = pd.factorize(text)
    counts = np.bincount(codes, minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    labels = [str(uniques[i]) for i in order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    if len(labels) > max_groups:
        keep = max(max_groups - 1, 1)
        codes = np.minimum(codes, keep)
        labels = labels[:keep] + [OTHER_LABEL]
    return codes.astype(np.int64), labels


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

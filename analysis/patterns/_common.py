"""Shared building blocks of :mod:`analysis.patterns`: codes, counts and quantiles on arrays.

Everything here works on integer codes and numpy arrays (no per-customer Python loop); the
topic modules (timing, reorders, items, baskets, recommendations, spend, prices, channels)
build their tables from these pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.orders import OrderTable, day_numbers, order_table
from analysis.nonproduct import non_product_mask

#: A day number later than any real one: "no such day" in per-customer day arrays.
NO_DAY = np.iinfo(np.int64).max


def filled(tx: pd.DataFrame, column: str) -> bool:
    """Return whether ``column`` exists in ``tx`` and holds at least one non-blank value.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        Column name.
    """
    if column not in tx.columns:
        return False
    values = tx[column]
    if values.dtype.kind in "fiu":
        return bool(values.notna().any())
    text = values.astype("str").str.strip()
    return bool((values.notna() & (text != "")).any())


def seconds(dates: pd.Series) -> np.ndarray:
    """Return seconds since 1970-01-01 as int64, whatever the datetime resolution."""
    return np.asarray(pd.to_datetime(dates).to_numpy(), dtype="datetime64[s]").astype(np.int64)


def cutoff_day(ot: OrderTable) -> int:
    """Return the day number of ``ot.as_of`` (the first day not observed)."""
    return int(day_numbers(pd.Series([ot.as_of]))[0])


def month_numbers(days: np.ndarray) -> np.ndarray:
    """Return months since 1970-01 for day numbers."""
    return (
        np.asarray(days, dtype=np.int64)
        .astype("datetime64[D]")
        .astype("datetime64[M]")
        .astype(np.int64)
    )


def month_labels(months: np.ndarray) -> list[str]:
    """Return ``YYYY-MM`` labels for months since 1970-01."""
    return [str(m) for m in np.asarray(months, dtype=np.int64).astype("datetime64[M]")]


def distinct_count(a: np.ndarray, b: np.ndarray, n_b: int) -> np.ndarray:
    """Return the number of distinct ``a`` values per ``b`` code (``b`` in 0..n_b-1)."""
    if len(a) == 0:
        return np.zeros(n_b, dtype=np.int64)
    span = int(a.max()) + 1
    key = np.sort(b.astype(np.int64) * span + a.astype(np.int64))
    first = np.r_[True, key[1:] != key[:-1]]
    return np.bincount(key[first] // span, minlength=n_b).astype(np.int64)


def grouped_quantiles(
    group: np.ndarray, values: np.ndarray, n_groups: int, qs: tuple[float, ...]
) -> np.ndarray:
    """Return quantiles (numpy's default linear interpolation) of ``values`` per group code.

    Parameters
    ----------
    group : ndarray of int
        Group code (0..n_groups-1) of each value.
    values : ndarray of float
        The values.
    n_groups : int
        Number of groups.
    qs : tuple of float
        Quantile levels in 0..1.

    Returns
    -------
    ndarray
        Shape (n_groups, len(qs)); NaN for empty groups.
    """
    out = np.full((n_groups, len(qs)), np.nan)
    if len(values) == 0:
        return out
    order = np.lexsort((values, group))
    v = np.asarray(values, dtype=np.float64)[order]
    counts = np.bincount(group, minlength=n_groups)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    for j, q in enumerate(qs):  # a handful of quantiles, not groups
        pos = starts[has] + q * (counts[has] - 1)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, starts[has] + counts[has] - 1)
        frac = pos - lo
        out[has, j] = v[lo] * (1 - frac) + v[hi] * frac
    return out


def most_frequent(counts: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Return positions (ascending) of at most ``k`` eligible entries with the highest counts.

    Ties go to the lower position, i.e. alphabetical order for item codes.
    """
    pos = np.flatnonzero(eligible)
    if len(pos) > k:
        pos = np.sort(pos[np.lexsort((pos, -counts[pos]))[:k]])
    return pos


def item_codes(tx: pd.DataFrame, column: str) -> tuple[np.ndarray, pd.Index]:
    """Return each row's item code (-1 when missing or blank) and the alphabetical labels."""
    values = tx[column]
    codes, uniques = pd.factorize(values, sort=True)
    labels = pd.Index(uniques.astype("str"))
    stripped = labels.str.strip()
    blank = np.asarray(stripped == "", dtype=bool)
    codes = codes.astype(np.int64, copy=False)
    if blank.any():
        keep = np.flatnonzero(~blank)
        remap = np.full(len(labels), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
        labels = labels[keep]
    return codes, pd.Index(labels, dtype="str", name=column)


@dataclass(frozen=True)
class ItemLines:
    """Purchase-order lines that name an item, as aligned arrays."""

    ot: OrderTable
    items: pd.Index  # labels, alphabetical
    item: np.ndarray  # item code per kept line
    order: np.ndarray  # order position per kept line
    customer: np.ndarray  # customer code per kept line
    amount: np.ndarray
    row: np.ndarray  # row position in tx
    lines_without_item: int
    non_product_lines: int  # purchase lines naming postage, a fee, a discount... (left out)


def item_lines(tx: pd.DataFrame, column: str, as_of) -> ItemLines:
    """Return the purchase lines with a non-negative amount that name a product item.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        Item column (``"product"`` or ``"category"``).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    ItemLines
        Lines that are not products (:func:`analysis.nonproduct.non_product_mask`) and lines
        without an item are left out and counted.

    Raises
    ------
    KeyError
        When ``tx`` has no such column.
    """
    if column not in tx.columns:
        raise KeyError(f"There is no {column!r} column in the transactions.")
    ot = order_table(tx, as_of)
    codes_all, items = item_codes(tx, column)
    codes = codes_all[ot.line_index]
    in_purchase = ot.is_purchase[ot.line_order] & (ot.line_amount >= 0)
    # postage, fees, discounts... (analysis.nonproduct) are no item anyone chose to buy
    non_product = non_product_mask(tx)[ot.line_index]
    keep = in_purchase & (codes >= 0) & ~non_product
    # drop labels of items with no kept line, keeping alphabetical order
    used = np.zeros(len(items), dtype=bool)
    used[codes[keep]] = True
    remap = np.cumsum(used) - 1
    return ItemLines(
        ot=ot,
        items=items[used],
        item=remap[codes[keep]].astype(np.int64),
        order=ot.line_order[keep],
        customer=ot.line_customer[keep],
        amount=ot.line_amount[keep],
        row=ot.line_index[keep],
        lines_without_item=int((in_purchase & (codes < 0)).sum()),
        non_product_lines=int((in_purchase & (codes >= 0) & non_product).sum()),
    )


def first_purchase_day(ot: OrderTable) -> np.ndarray:
    """Return each customer's first purchase day (:data:`NO_DAY` for refund-only customers)."""
    purchase = ot.is_purchase
    first = np.full(ot.n_customers, NO_DAY, dtype=np.int64)
    np.minimum.at(first, ot.customer[purchase], ot.day[purchase])
    return first


def visits(ot: OrderTable) -> tuple[np.ndarray, np.ndarray]:
    """Return distinct (customer, day) pairs with a purchase order, sorted by customer, day."""
    purchase = ot.is_purchase
    cust = ot.customer[purchase]
    day = ot.day[purchase]
    if len(cust) == 0:
        return cust, day
    span = int(day.max() - day.min()) + 1
    base = int(day.min())
    key = np.sort(cust * span + (day - base))
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // span, key % span + base


def repeats(cust: np.ndarray) -> np.ndarray:
    """Return True where a sorted code array repeats the code before (a later visit)."""
    return np.r_[False, cust[1:] == cust[:-1]] if len(cust) else np.zeros(0, bool)

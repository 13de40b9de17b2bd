"""Price points and discounts: the price band per group and the revenue sold at a discount."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.core.columns import TRANSACTION_ROLES
from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table
from analysis.nonproduct import non_product_mask
from analysis.patterns._common import filled, grouped_quantiles, item_codes
from analysis.patterns.availability import needs

__all__ = ["DISCOUNT_NAME_PATTERN", "discount_columns", "discount_share", "price_bands"]


#: Extra columns whose name matches this (case-insensitive) mark discounted lines when filled.
DISCOUNT_NAME_PATTERN = r"discount|coupon|promo|voucher|rabatt|rebate"


_NOT_DISCOUNTED = frozenset({"", "0", "no", "none", "false", "n", "-", "nan", "n/a", "na"})


def _unit_prices(tx: pd.DataFrame) -> tuple[np.ndarray, str] | None:
    """Price per unit of every row and where it came from, or None when unknowable."""
    if filled(tx, "unit_price"):
        return tx["unit_price"].to_numpy(dtype=np.float64, na_value=np.nan), "unit_price"
    if filled(tx, "quantity"):
        q = tx["quantity"].to_numpy(dtype=np.float64, na_value=np.nan)
        a = tx["amount"].to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(q > 0, a / q, np.nan), "amount / quantity"
    return None


def price_bands(
    tx: pd.DataFrame, by: str | None = "category", *, as_of=None, max_groups: int = 15
) -> pd.DataFrame:
    """Price per unit by group: the band most items sell in.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    by : str or None
        Group column (``"category"``; ``"product"`` works too); None gives one row for all.
    as_of : date-like or None
        End of observation, exclusive.
    max_groups : int
        Groups with the most revenue kept; the rest left out (not pooled: pooling unrelated
        prices makes a meaningless band).

    Returns
    -------
    DataFrame
        One row per group, by revenue: ``<by>`` (or ``group`` = "All"), ``lines``, ``revenue``
        (file's currency), ``min``, ``p10``, ``p25``, ``median``, ``p75``, ``p90``, ``max`` of
        the price per unit over purchase lines with a positive amount (each line counts once,
        whatever its quantity). ``attrs["price_source"]``: ``"unit_price"`` or ``"amount /
        quantity"``; ``attrs["reason"]`` when no price per unit can be known (empty frame).
    """
    name = by or "group"
    cols = [name, "lines", "revenue", "min", "p10", "p25", "median", "p75", "p90", "max"]
    prices = _unit_prices(tx)
    if prices is None or (by is not None and not filled(tx, by)):
        out = pd.DataFrame(columns=cols)
        out.attrs["reason"] = (
            needs(tx, ("unit_price",) + ((by,) if by else ()), "Price bands")
            or "No prices per unit could be worked out."
        )
        return out
    price, source = prices
    ot = order_table(tx, as_of)
    rows = ot.line_index
    ok = ot.is_purchase[ot.line_order] & (ot.line_amount > 0) & (price[rows] > 0)
    ok &= np.isfinite(price[rows])
    ok &= ~non_product_mask(tx)[rows]  # postage, fees... have no price band
    if by is None:
        codes = np.zeros(len(rows), dtype=np.int64)
        labels = pd.Index(["All"], dtype="str")
    else:
        codes_all, labels = item_codes(tx, by)
        codes = codes_all[rows]
        ok &= codes >= 0
    g, pr, amt = codes[ok], price[rows][ok], ot.line_amount[ok]
    n_groups = len(labels)
    revenue = np.bincount(g, weights=amt, minlength=n_groups)
    lines = np.bincount(g, minlength=n_groups)
    q = grouped_quantiles(g, pr, n_groups, (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0))
    out = pd.DataFrame(
        {
            name: pd.array(labels, dtype="str"),
            "lines": lines.astype(np.int64),
            "revenue": revenue,
            "min": q[:, 0],
            "p10": q[:, 1],
            "p25": q[:, 2],
            "median": q[:, 3],
            "p75": q[:, 4],
            "p90": q[:, 5],
            "max": q[:, 6],
        }
    )
    out = out[out["lines"] > 0].sort_values(["revenue", name], ascending=[False, True])
    out = out.head(max_groups).reset_index(drop=True)
    out.attrs["price_source"] = source
    return out


def discount_columns(tx: pd.DataFrame) -> list[str]:
    """Return the extra columns whose name suggests a discount and that are filled in.

    Extra means not a canonical column; the name matches :data:`DISCOUNT_NAME_PATTERN`
    (discount, coupon, promo, voucher...).
    """
    pattern = re.compile(DISCOUNT_NAME_PATTERN, re.IGNORECASE)
    return [
        c
        for c in tx.columns
        if c not in TRANSACTION_ROLES and pattern.search(str(c)) and filled(tx, c)
    ]


def discount_share(tx: pd.DataFrame, *, as_of=None, low_price_ratio: float = 0.9) -> pd.DataFrame:
    """How much revenue comes from discounted or low-price lines.

    Each purchase line with a positive amount falls in exactly one class, checked in this order:

    1. ``"Discount code"``: a discount-like column (:func:`discount_columns`) is filled in with
       something other than blank/0/no/none;
    2. ``"Below usual price"``: the price per unit is below ``low_price_ratio`` times the
       product's usual price (the median price per unit of its purchase lines); needs a product
       and a price per unit (a unit price, or amount / quantity);
    3. ``"Full price"``: the rest.

    Returns
    -------
    DataFrame
        Rows for the classes that can be told apart: ``kind``, ``lines``, ``revenue`` (file's
        currency), ``revenue_share``, ``line_share``. ``attrs``: ``discount_column`` (or None),
        ``low_price`` (whether class 2 was available), ``reason`` (why the frame is empty).
    """
    cols = ["kind", "lines", "revenue", "revenue_share", "line_share"]
    dcols = discount_columns(tx)
    prices = _unit_prices(tx)
    can_low = prices is not None and filled(tx, "product")
    if not dcols and not can_low:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(
            discount_column=None,
            low_price=False,
            reason="Telling discounted lines apart needs a discount (or coupon, promo, voucher) "
            "column, or a product column with a unit price (or quantity). This data has "
            "neither.",
        )
        return out
    ot = order_table(tx, as_of)
    rows = ot.line_index
    ok = ot.is_purchase[ot.line_order] & (ot.line_amount > 0)
    rows, amount = rows[ok], ot.line_amount[ok]
    kind = np.full(len(rows), 2, dtype=np.int64)  # full price
    if can_low:
        price = prices[0][rows]
        codes, labels = item_codes(tx, "product")
        item = codes[rows]
        has = (item >= 0) & np.isfinite(price) & (price > 0)
        usual = grouped_quantiles(item[has], price[has], len(labels), (0.5,))[:, 0]
        ref = np.where(item >= 0, usual[np.maximum(item, 0)], np.nan)
        low = has & (price < low_price_ratio * ref - 1e-9)
        kind[low] = 1
    if dcols:
        text = tx[dcols[0]].astype("str").str.strip().str.lower().to_numpy()[rows]
        coded = tx[dcols[0]].notna().to_numpy()[rows] & ~np.isin(text, list(_NOT_DISCOUNTED))
        kind[coded] = 0
    names = np.array(["Discount code", "Below usual price", "Full price"])
    lines = np.bincount(kind, minlength=3)
    revenue = np.bincount(kind, weights=amount, minlength=3)
    present = np.array([bool(dcols), can_low, True])
    total = revenue.sum()
    out = pd.DataFrame(
        {
            "kind": pd.array(names[present], dtype="str"),
            "lines": lines[present].astype(np.int64),
            "revenue": revenue[present],
            "revenue_share": revenue[present] / total if total > 0 else np.nan,
            "line_share": lines[present] / lines.sum() if lines.sum() else np.nan,
        }
    )
    out.attrs.update(
        discount_column=dcols[0] if dcols else None,
        low_price=can_low,
        low_price_ratio=low_price_ratio,
        reason=None,
    )
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

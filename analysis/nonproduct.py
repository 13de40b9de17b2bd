"""Lines that are not products: postage, shipping, fees, discounts, gift cards, adjustments.

Bank charges, manual adjustments and samples are not products either. Shops book these on the same lines as goods (the UCI Online Retail file has ``POSTAGE``,
``DOTCOM POSTAGE``, ``CARRIAGE``, ``Manual``, ``Discount``, ``Bank Charges``, ``CRUK
Commission`` ...). They are real money, so they stay in revenue, orders and customers, but they
are not something a customer chose to buy: "POSTAGE" would otherwise top the best sellers, pair
with everything in the basket rules and be recommended to everyone. :func:`non_product_mask`
tells them apart; :mod:`analysis.patterns` leaves them out of its product, basket and
recommendation analyses and "Your data" lists them (:func:`non_product_summary`).

A line is **non-product** when any of these holds (case-insensitive, spaces trimmed):

1. its product name, as a whole, is one of :data:`NON_PRODUCT_NAMES` (``"manual"``,
   ``"discount"``, ``"samples"`` ...: words that would be too broad inside a longer name);
2. its product name contains, as whole words, one of :data:`NON_PRODUCT_PHRASES` (``postage``,
   ``shipping``, ``delivery charge``, ``bank charges``, ``gift card``, ``Versand``, ``Porto``,
   ``Gebühr``, ``Rabatt``, ``frais de port``, ``remise``, ``envío``, ``descuento`` ...);
3. a product-code column (an extra column named like ``StockCode``, ``SKU``, ``product code``,
   ``item code``; see :data:`CODE_COLUMN_PATTERN`) holds one of :data:`NON_PRODUCT_CODES`
   (Online Retail's ``POST``, ``DOT``, ``M``, ``C2``, ``D``, ``S``, ``B``, ``BANK CHARGES``,
   ``AMAZONFEE``, ``CRUK``...) or a gift-card code such as ``gift_0001_20``.

Everything works on the distinct values of the columns, so a file of 500,000 lines costs a few
milliseconds.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.core.columns import MISSING_LABEL
from analysis.core.text import md_escape, money, percent, plural

__all__ = [
    "NON_PRODUCT_NAMES",
    "NON_PRODUCT_PHRASES",
    "NON_PRODUCT_CODES",
    "CODE_COLUMN_PATTERN",
    "code_columns",
    "non_product_mask",
    "non_product_summary",
    "describe_non_products",
]

#: Whole product names that mean "not a product" (compared lower-case, spaces trimmed and
#: collapsed). Too broad to look for inside longer names ("MANUAL PENCIL SHARPENER" is a product).
NON_PRODUCT_NAMES: tuple[str, ...] = (
    "manual",
    "manual adjustment",
    "adjustment",
    "adjust bad debt",
    "discount",
    "discounts",
    "sample",
    "samples",
    "fee",
    "fees",
    "tip",
    "tips",
    "gratuity",
    "deposit",
    "credit",
    "rounding",
    "surcharge",
    "carriage",
    "next day carriage",
    "frais",
    "gebühren",
    "comisión",
    "comision",
)

#: Words and phrases that make a product name non-product wherever they appear as whole words
#: (English, German, French, Spanish).
NON_PRODUCT_PHRASES: tuple[str, ...] = (
    # shipping and postage
    "postage",
    "shipping",
    "shipping fee",
    "delivery charge",
    "delivery fee",
    "delivery cost",
    "delivery costs",
    "p&p",
    "freight",
    "courier",
    "packing charge",
    "handling fee",
    "versand",
    "versandkosten",
    "porto",
    "lieferkosten",
    "frais de port",
    "frais de livraison",
    "livraison",
    "envío",
    "envio",
    "gastos de envío",
    "gastos de envio",
    # fees and charges
    "bank charge",
    "bank charges",
    "amazon fee",
    "commission",
    "service charge",
    "service fee",
    "transaction fee",
    "payment fee",
    "card fee",
    "gebühr",
    "bearbeitungsgebühr",
    # discounts, coupons, gift cards
    "discount code",
    "coupon",
    "voucher",
    "gift card",
    "giftcard",
    "gift voucher",
    "gift certificate",
    "rabatt",
    "gutschein",
    "remise",
    "réduction",
    "bon d'achat",
    "carte cadeau",
    "descuento",
    "cupón",
    "cupon",
    "tarjeta regalo",
)

#: Product codes that mean "not a product" (compared upper-case, spaces trimmed): those of the
#: UCI Online Retail file and common shop-system codes.
NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST",
    "DOT",
    "M",
    "C2",
    "D",
    "S",
    "B",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "SHIPPING",
    "POSTAGE",
    "DISCOUNT",
    "FEE",
    "GIFTCARD",
)

#: Extra columns whose name matches this (case-insensitive, spaces/underscores ignored) hold
#: product codes.
CODE_COLUMN_PATTERN = r"^(stockcode|sku|productcode|itemcode|articlenumber|productid|itemid)$"

# Whole words: the phrase with no letter, digit, "_" or "&" right before or after it. Written
# without look-arounds so that pandas' Arrow strings run it in C++ (RE2) on every distinct name.
_PHRASES = (
    r"(?:^|[^\w&])(?:"
    + "|".join(re.escape(p) for p in sorted(NON_PRODUCT_PHRASES, key=len, reverse=True))
    + r")(?:$|[^\w&])"
)
_NAMES = sorted(NON_PRODUCT_NAMES)
_CODES = sorted(NON_PRODUCT_CODES)


def code_columns(tx: pd.DataFrame) -> list[str]:
    """Return the columns of ``tx`` that hold product codes (see :data:`CODE_COLUMN_PATTERN`)."""
    pattern = re.compile(CODE_COLUMN_PATTERN, re.IGNORECASE)
    return [c for c in tx.columns if pattern.match(re.sub(r"[\s_\-.]", "", str(c)))]


def _per_value(values: pd.Series, flags_of) -> np.ndarray:
    """Map ``flags_of`` (normalised distinct values -> bool array) back onto every row.

    Missing values get False.
    """
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return np.zeros(len(values), dtype=bool)
    text = pd.Series(pd.Index(uniques).astype("str"), dtype="str").str.strip()
    text = text.str.replace(r"\s+", " ", regex=True)
    flags = np.asarray(flags_of(text), dtype=bool)
    return np.where(codes >= 0, flags[np.maximum(codes, 0)], False)


def _name_flags(text: pd.Series) -> np.ndarray:
    low = text.str.lower()
    hit = low.isin(_NAMES) | low.str.contains(_PHRASES, regex=True, na=False)
    return hit.to_numpy(dtype=bool, na_value=False)


def _code_flags(text: pd.Series) -> np.ndarray:
    up = text.str.upper()
    hit = up.isin(_CODES) | up.str.match(r"GIFT_\d+", na=False)
    return hit.to_numpy(dtype=bool, na_value=False)


def non_product_mask(tx: pd.DataFrame, column: str = "product") -> np.ndarray:
    """Flag the lines that are not products (postage, fees, discounts, gift cards...).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions; uses ``column`` (the product name) when present and every
        product-code column (:func:`code_columns`).
    column : str
        Name column to check.

    Returns
    -------
    ndarray of bool
        One flag per row of ``tx``, True for a non-product line (rules in the module docstring).
        All False when neither a name nor a code column is present.
    """
    mask = np.zeros(len(tx), dtype=bool)
    if column in tx.columns:
        mask |= _per_value(tx[column], _name_flags)
    for c in code_columns(tx):
        mask |= _per_value(tx[c], _code_flags)
    return mask


def non_product_summary(tx: pd.DataFrame, column: str = "product") -> pd.DataFrame:
    """List the non-product items found, with their line counts and revenue.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (see :func:`non_product_mask`).
    column : str
        Name column to check.

    Returns
    -------
    DataFrame
        ``item`` (the product name, or the code when the name is missing), ``lines``,
        ``revenue`` (net sum of the lines' amounts, file's currency), most lines first.
        Empty (same columns) when none is found.
    """
    mask = non_product_mask(tx, column)
    cols = ["item", "lines", "revenue"]
    if not mask.any():
        return pd.DataFrame({"item": pd.Series(dtype="str"), "lines": [], "revenue": []})[cols]
    sub = tx.loc[mask]
    label = sub[column].astype("str") if column in sub.columns else None
    for c in code_columns(sub):
        fill = sub[c].astype("str")
        label = fill if label is None else label.where(sub[column].notna(), fill)
    label = label.fillna(MISSING_LABEL).str.strip()
    amount = pd.to_numeric(sub["amount"], errors="coerce") if "amount" in sub else 0.0
    out = (
        pd.DataFrame({"item": label.to_numpy(), "amount": np.asarray(amount, dtype=float)})
        .groupby("item", sort=False)
        .agg(lines=("amount", "size"), revenue=("amount", "sum"))
        .reset_index()
        .sort_values(["lines", "item"], ascending=[False, True], ignore_index=True)
    )
    out["lines"] = out["lines"].astype(np.int64)
    return out[cols]


def describe_non_products(
    summary: pd.DataFrame, total_revenue: float | None = None, currency: str | None = None
) -> list[str]:
    """Say in one plain sentence what :func:`non_product_summary` found (nothing: no sentence).

    Parameters
    ----------
    summary : DataFrame
        From :func:`non_product_summary`.
    total_revenue : float or None
        Net revenue of all lines, to give the non-products' share of it.
    currency : str or None
        ISO code (or symbol) of the file's money (``Dataset.currency``): the amount is written
        in it (``"€14.50"``, a "$" escaped for Markdown); ``None`` writes the number alone.

    Returns
    -------
    list of str
        One sentence, or none when no non-product line was found.
    """
    if summary.empty:
        return []
    n_lines = int(summary["lines"].sum())
    rev = float(summary["revenue"].sum())
    amount = md_escape(money(rev, currency)) if currency else f"{rev:,.2f}"
    share = ""
    if total_revenue and total_revenue > 0:
        share = f" ({percent(rev / total_revenue, decimals=1)} of revenue)"
    return [
        f"{plural(n_lines, 'line')} of {plural(len(summary), 'kind')} are not products "
        f"(postage, fees, discounts, adjustments...), {amount} in all{share}. They count in "
        "revenue, orders and customers, but are left out of best sellers, baskets, "
        "recommendations and price bands."
    ]

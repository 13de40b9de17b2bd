"""Top countries, channels, categories and products: net revenue, orders and customers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.columns import MISSING_LABEL, OTHER_LABEL
from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table
from analysis.overview.scorecards import _as_of_or_none

__all__ = ["BREAKDOWN_COLUMNS", "available_breakdowns", "top_breakdown"]

#: Optional canonical columns that :func:`top_breakdown` can split revenue by, in page order.
BREAKDOWN_COLUMNS: tuple[str, ...] = ("country", "channel", "category", "product")


def _empty_breakdown(column: str, reason: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            column: pd.Series([], dtype="str"),
            "net_revenue": np.array([], dtype=np.float64),
            "orders": np.array([], dtype=np.int64),
            "customers": np.array([], dtype=np.int64),
            "revenue_share": np.array([], dtype=np.float64),
        }
    )
    out.attrs["reason"] = reason
    return out


def available_breakdowns(tx: pd.DataFrame | None) -> list[str]:
    """Return the breakdown columns (:data:`BREAKDOWN_COLUMNS`) present with any value in ``tx``."""
    if tx is None:
        return []
    return [c for c in BREAKDOWN_COLUMNS if c in tx.columns and bool(tx[c].notna().any())]


def _distinct_per_group(entity: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Count the distinct ``entity`` codes per group code (both non-negative int64)."""
    pairs = pd.unique(entity * n_groups + group)
    return np.bincount(pairs % n_groups, minlength=n_groups).astype(np.int64)


def _line_groups(values: pd.Series, ot: OrderTable) -> tuple[np.ndarray, np.ndarray]:
    """Return a group code per observed line and the group names (missing/blank values last)."""
    codes, uniques = pd.factorize(values)
    codes = codes[ot.line_index].astype(np.int64, copy=False)
    labels = np.asarray(uniques.astype("str"), dtype=object)
    blank = np.asarray(pd.Index(labels, dtype="str").str.strip() == "", dtype=bool)
    n_vals = len(labels)
    # One group per value, plus one for missing/blank values; blank values map to it.
    remap = np.arange(n_vals + 1, dtype=np.int64)
    remap[:n_vals][blank] = n_vals
    group = remap[np.where(codes < 0, n_vals, codes)]
    return group, np.append(labels, MISSING_LABEL)


def _top_groups(
    group: np.ndarray, names: np.ndarray, amount: np.ndarray, n: int
) -> tuple[np.ndarray, list[str], int]:
    """Map each group to its output row: the ``n`` biggest by revenue, then "Other".

    Returns the output row of each group, the output names and the number of groups in "Other".
    """
    n_groups = len(names)
    revenue = np.bincount(group, weights=amount, minlength=n_groups)
    present = np.bincount(group, minlength=n_groups) > 0
    kept = np.flatnonzero(present)
    kept = kept[np.argsort(-revenue[kept], kind="stable")]
    if len(kept) > n:
        final = np.full(n_groups, n, dtype=np.int64)
        final[kept[:n]] = np.arange(n)
        return final, [*names[kept[:n]].tolist(), OTHER_LABEL], len(kept) - n
    final = np.zeros(n_groups, dtype=np.int64)
    final[kept] = np.arange(len(kept))
    return final, names[kept].tolist(), 0


def top_breakdown(tx: pd.DataFrame, column: str, *, n: int = 10, as_of=None) -> pd.DataFrame:
    """Net revenue, orders and customers per value of an optional column, biggest first.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        A line-level attribute, usually one of :data:`BREAKDOWN_COLUMNS`.
    n : int
        Number of values shown by name; the rest are gathered in one ``"Other"`` row (only when
        there are more than ``n`` values).
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        Columns ``<column>`` (str; missing or blank values as ``"(not given)"``),
        ``net_revenue`` (sum of the lines' amounts, refunds subtracted, file's currency),
        ``orders`` (purchase orders with at least one line of that value), ``customers``
        (customers with such an order) and ``revenue_share`` (fraction of the total net
        revenue; ``nan`` when the total is not positive). Sorted by net revenue, ``"Other"``
        last. The counts of ``"Other"`` are distinct orders/customers, not sums. When the
        column is absent, empty, or nothing falls before ``as_of``, the frame is empty and
        ``df.attrs["reason"]`` says why in plain words.
    """
    if n < 1:
        raise ValueError("n must be at least 1.")
    if tx is None or column not in tx.columns:
        return _empty_breakdown(column, f"The data has no {column} column.")
    if not tx[column].notna().any():
        return _empty_breakdown(column, f"No row has a {column} filled in.")
    as_of_ts = _as_of_or_none(tx, as_of)
    if as_of_ts is None:
        return _empty_breakdown(column, "There are no dated transactions.")
    ot = order_table(tx, as_of_ts)
    if len(ot.line_index) == 0:
        return _empty_breakdown(column, "No transactions fall before the as-of date.")

    group, names = _line_groups(tx[column], ot)
    final, out_names, n_other = _top_groups(group, names, ot.line_amount, n)
    n_out = len(out_names)
    g = final[group]
    in_purchase = ot.is_purchase[ot.line_order]
    out_rev = np.bincount(g, weights=ot.line_amount, minlength=n_out)
    total = float(ot.line_amount.sum())
    out = pd.DataFrame(
        {
            column: pd.array(out_names, dtype="str"),
            "net_revenue": out_rev,
            "orders": _distinct_per_group(ot.line_order[in_purchase], g[in_purchase], n_out),
            "customers": _distinct_per_group(ot.line_customer[in_purchase], g[in_purchase], n_out),
            "revenue_share": out_rev / total if total > 0 else np.full(n_out, np.nan),
        }
    )
    out.attrs["reason"] = ""
    out.attrs["other_values"] = n_other
    return out


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

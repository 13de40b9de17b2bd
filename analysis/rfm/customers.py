"""Drill-down: the customers of a segment with their contact columns, one customer's orders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.columns import LINE_LEVEL
from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table, orders_frame, resolve_as_of

__all__ = [
    "MAX_ATTRIBUTE_COLUMNS",
    "customer_attributes",
    "segment_customers",
    "customer_orders",
    "example_customer",
]

MAX_ATTRIBUTE_COLUMNS = 50
"""Most extra columns :func:`customer_attributes` looks at (the first ones, in the file's
order): its work grows with lines x columns, and a file with thousands of columns would
otherwise make the RFM page slow for contact details nobody reads past the first few."""


def customer_attributes(
    tx: pd.DataFrame, *, as_of=None, min_agreement: float = 0.9
) -> pd.DataFrame:
    """Customer-level columns that came with the upload, one row per customer.

    Candidates are the columns other than the line-level ones (``order_id``, ``order_date``,
    ``amount``, ``quantity``, ``unit_price``, ``product``, ``category``): e.g. ``country``,
    ``channel``, e-mail, phone, name, or unmapped columns. Each customer gets the value on
    their most recent line before ``as_of`` that has one (missing values are skipped). A
    candidate is kept only if it describes the customer rather than the line: at least
    ``min_agreement`` of its non-missing values equal their customer's value (so a product
    code column is dropped, a country column that changed once is kept). Only the first
    :data:`MAX_ATTRIBUTE_COLUMNS` candidates (in the file's order) are looked at.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with a line before ``as_of``); one column per
        kept attribute (possibly none).
    """
    cols = [c for c in tx.columns if c not in LINE_LEVEL][:MAX_ATTRIBUTE_COLUMNS]
    if not len(tx):
        return pd.DataFrame(index=pd.Index([], dtype="str", name="customer_id"))
    ot = order_table(tx, as_of)
    if not cols or not len(ot.line_index):
        return pd.DataFrame(index=ot.customers)
    # Lines in time order, so that groupby.last picks each customer's latest non-missing value.
    stamps = tx["order_date"].to_numpy()[ot.line_index]
    order = np.argsort(stamps, kind="stable")
    codes = ot.line_customer[order]
    lines = tx[cols].iloc[ot.line_index[order]].reset_index(drop=True)
    out = lines.groupby(codes, sort=True).last()
    position = np.full(ot.n_customers, -1, dtype=np.int64)
    position[out.index.to_numpy()] = np.arange(len(out))
    keep = []
    for col in cols:
        values = lines[col]
        known = values.notna().to_numpy()
        if not known.any():
            continue
        chosen = out[col].to_numpy()[position[codes[known]]]
        agree = np.asarray(values.to_numpy()[known] == chosen, dtype=bool)
        if agree.mean() >= min_agreement:
            keep.append(col)
    out = out[keep]
    out.index = ot.customers.take(out.index.to_numpy())
    return out


def segment_customers(
    rfm: pd.DataFrame, attributes: pd.DataFrame | None = None, segment: str | None = None
) -> pd.DataFrame:
    """Return the customers of one segment (or all), ready to show and download.

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`analysis.rfm.scores.rfm_table`.
    attributes : DataFrame or None
        Output of :func:`customer_attributes` (joined on ``customer_id``).
    segment : str or None
        Segment name; ``None`` keeps every customer.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``recency``, ``frequency``, ``monetary``, ``r_score``,
        ``f_score``, ``m_score``, ``rfm_code``, ``segment`` (as text) and the attribute columns,
        sorted by monetary value, highest first.
    """
    part = rfm if segment is None else rfm[rfm["segment"] == segment]
    out = part.assign(segment=part["segment"].astype("str"))
    if attributes is not None and len(attributes.columns):
        extra = attributes.drop(columns=[c for c in attributes.columns if c in out.columns])
        out = out.join(extra, how="left")
    out = out.sort_values(["monetary", "frequency"], ascending=False, kind="stable")
    out = out.reset_index()
    out.attrs = {}
    return out


def customer_orders(tx: pd.DataFrame, *, customer_id: str, as_of=None) -> pd.DataFrame:
    """Return one customer's orders before ``as_of`` (see :func:`analysis.orders.orders_frame`)."""
    as_of_ts = resolve_as_of(tx, as_of)
    mine = tx[tx["customer_id"] == customer_id]
    if not len(mine):
        return orders_frame(tx.iloc[:0], as_of_ts)
    return orders_frame(mine, as_of_ts)


def example_customer(rfm: pd.DataFrame) -> str | None:
    """Pick a typical customer for a worked example: 2-5 purchase orders, median spend."""
    if not len(rfm):
        return None
    pool = rfm[(rfm["frequency"] >= 2) & (rfm["frequency"] <= 5)]
    if not len(pool):
        pool = rfm
    m = pool["monetary"].to_numpy()
    return str(pool.index[int(np.argmin(np.abs(m - np.median(m))))])


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

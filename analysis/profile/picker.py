"""The customer picker: every customer with their headline figures, to search and pick from."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import order_table
from analysis.core.text import money, plural
from analysis.rfm import rfm_table

__all__ = ["customer_list", "picker_labels", "search_customers", "segments_in"]


def customer_list(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """List every customer with their headline figures, to search and pick from.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        ``customer_id``, ``orders`` (purchase orders), ``net_revenue`` (refunds subtracted),
        ``last_purchase`` (calendar day; NaT for refund-only customers) and, when the RFM
        segments can be computed, ``segment``. Highest net revenue first.
    """
    ot = order_table(tx, as_of)
    p = ot.is_purchase
    orders = np.bincount(ot.customer[p], minlength=ot.n_customers)
    last = np.full(ot.n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, ot.customer[p], ot.day[p])
    last_ts = pd.Series(
        np.where(orders > 0, last, 0).astype("datetime64[D]").astype("datetime64[ns]")
    ).where(orders > 0)
    out = pd.DataFrame(
        {
            "customer_id": pd.array(ot.customers.astype("str"), dtype="str"),
            "orders": orders.astype(np.int64),
            "net_revenue": ot.customer_net(),
            "last_purchase": last_ts.to_numpy(),
        }
    )
    try:
        seg = rfm_table(tx, as_of=as_of)["segment"].astype("str")
    except ValueError:  # no dated purchase to score (NotEnoughData is one): no segments
        seg = None
    if seg is not None:
        out["segment"] = pd.array(
            seg.reindex(out["customer_id"].to_numpy()).to_numpy(), dtype="str"
        )
    return out.sort_values(
        ["net_revenue", "customer_id"], ascending=[False, True], ignore_index=True
    )


def search_customers(
    customers: pd.DataFrame, query: str = "", *, segment: str | None = None, n: int = 200
) -> pd.DataFrame:
    """Find customers of :func:`customer_list` whose id contains ``query`` (case-insensitive).

    Only those in ``segment`` if given, at most ``n`` (the list's order: highest net revenue
    first).
    """
    keep = np.ones(len(customers), dtype=bool)
    text = query.strip()
    if text:
        keep &= customers["customer_id"].str.contains(text, case=False, regex=False).to_numpy()
    if segment is not None and "segment" in customers.columns:
        keep &= (customers["segment"] == segment).to_numpy()
    return customers[keep].head(n).reset_index(drop=True)


def segments_in(customers: pd.DataFrame) -> list[str]:
    """Return the RFM segments present in :func:`customer_list`, largest first (empty without)."""
    if "segment" not in customers.columns:
        return []
    counts = customers["segment"].dropna().value_counts(sort=True)
    return [str(s) for s in counts.index]


def picker_labels(customers: pd.DataFrame, currency: str | None = None) -> dict[str, str]:
    """Label customers for a picker: ``{customer_id: "C001 · 12 purchases · 1,234.50 net"}``.

    Meant for a few hundred rows from :func:`search_customers`. With ``currency`` (ISO code or
    symbol of the file's money) the amount carries it: ``"€1,234.50 net"`` (plain text).
    """
    ids = customers["customer_id"].astype("str").tolist()
    orders = customers["orders"].to_numpy()
    net = customers["net_revenue"].to_numpy()
    amounts = [money(v, currency) if currency else f"{v:,.2f}" for v in net]
    return {
        c: f"{c} · {plural(int(o), 'purchase')} · {v} net"
        for c, o, v in zip(ids, orders, amounts, strict=True)
    }


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

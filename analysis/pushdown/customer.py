"""One customer's lines, read from the engine for the customer profile."""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from analysis.profile import CustomerProfile
from analysis.profile import customer_profile as _memory_profile
from analysis.pushdown._lines import resolve_as_of

__all__ = ["MAX_CUSTOMER_LINES", "customer_lines", "customer_profile"]

#: Most lines brought back for one customer (a wholesaler's account can have millions).
MAX_CUSTOMER_LINES = 100_000


def customer_lines(
    table: ir.Table, customer_id: str, *, as_of=None, limit: int = MAX_CUSTOMER_LINES
) -> pd.DataFrame:
    """Return one customer's lines dated before ``as_of``, every column, from the engine.

    Parameters
    ----------
    table : ibis Table
        Canonical transactions (and any other columns, which come back too).
    customer_id : str
        As written in the data.
    as_of : date-like or None
        End of observation, exclusive; by default the day after the WHOLE table's last line
        (as :func:`analysis.profile.customer_profile` resolves it), not the customer's.
    limit : int
        Most lines brought back (the latest ones are dropped beyond it).

    Returns
    -------
    DataFrame
        The lines, sorted by date and order id, with ``order_date`` as ``datetime64[ns]`` and
        ``attrs["as_of"]``; :func:`analysis.profile.customer_profile` takes it as its ``tx``
        with ``as_of=attrs["as_of"]``.
    """
    as_of_ts = resolve_as_of(table, as_of)
    mine = table.filter(
        table.customer_id == str(customer_id),
        table.order_date.notnull(),
        table.order_date < as_of_ts.to_pydatetime(),
    )
    frame = mine.order_by(["order_date", "order_id"]).limit(int(limit)).execute()
    frame["order_date"] = pd.to_datetime(frame["order_date"]).astype("datetime64[ns]")
    frame.attrs["as_of"] = as_of_ts
    return frame


def customer_profile(table: ir.Table, customer_id: str, *, as_of=None) -> CustomerProfile:
    """:func:`analysis.profile.customer_profile` on the customer's lines read from the engine.

    ``as_of`` defaults to the day after the whole table's last line. One difference from the
    in-memory profile: the item column (product, else category) is the first one this
    customer's lines fill, not the first one the whole table fills.
    """
    lines = customer_lines(table, customer_id, as_of=as_of)
    return _memory_profile(lines, customer_id, as_of=lines.attrs["as_of"])

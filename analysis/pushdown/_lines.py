"""Observed lines and orders as Ibis expressions, following :mod:`analysis.orders` exactly.

Definitions (the same as the in-memory path's):

- ``as_of`` is a calendar date, the end of observation, exclusive; by default the day after the
  last transaction date. Lines dated on or after it are ignored; dates compare as calendar days.
- An order is ``(customer_id, order_id)``; its date is the calendar day of its earliest line and
  its net value the sum of its lines' amounts (a missing amount counts as 0), rounded to
  :data:`analysis.orders.NET_DECIMALS` decimals so that lines cancelling exactly give 0.
- A purchase order has a net value of 0 or more; a refund order a negative one.

Day numbers are calendar days since 1970-01-01, as in :func:`analysis.orders.day_numbers`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.orders import NET_DECIMALS

__all__ = ["CANONICAL", "NET_DECIMALS", "resolve_as_of", "day_number", "observed_lines", "orders"]

#: Columns every pushed-down aggregate needs.
CANONICAL = ("customer_id", "order_id", "order_date", "amount")

_EPOCH = ibis.date(1970, 1, 1)


def _check(table: ir.Table) -> None:
    missing = [c for c in CANONICAL if c not in table.columns]
    if missing:
        raise ValueError(
            "The table needs the canonical columns "
            f"{', '.join(CANONICAL)}; missing: {', '.join(missing)}."
        )


def resolve_as_of(table: ir.Table, as_of=None) -> pd.Timestamp:
    """End of observation as a midnight ``Timestamp``: ``as_of`` (time dropped) or the day
    after the last ``order_date`` in the table (one small query)."""
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    last = table.order_date.max().execute()
    if last is None or pd.isna(last):
        raise ValueError("There are no dated transactions, so there is no end of observation.")
    return pd.Timestamp(last).normalize() + pd.Timedelta(days=1)


def day_number(timestamp: ir.TimestampValue) -> ir.IntegerValue:
    """Calendar days since 1970-01-01 of a timestamp column (the time of day dropped)."""
    return timestamp.date().delta(_EPOCH, unit="day")


def cutoff_day(as_of: pd.Timestamp) -> int:
    """Day number of ``as_of`` (an exclusive bound on observed day numbers)."""
    return (pd.Timestamp(as_of).normalize() - pd.Timestamp("1970-01-01")).days


def observed_lines(table: ir.Table, as_of: pd.Timestamp) -> ir.Table:
    """Lines dated before ``as_of`` with ``customer_id``, ``order_id``, ``date`` (calendar day),
    ``day`` (its day number) and ``amount`` (missing amounts as 0)."""
    _check(table)
    as_of_date = ibis.date(dt.date(as_of.year, as_of.month, as_of.day))
    lines = table.filter(table.order_date.notnull(), table.order_date.date() < as_of_date)
    return lines.select(
        customer_id=lines.customer_id,
        order_id=lines.order_id,
        date=lines.order_date.date(),
        day=day_number(lines.order_date),
        amount=lines.amount.cast("float64").fill_null(0.0),
    )


def orders(table: ir.Table, as_of: pd.Timestamp) -> ir.Table:
    """One row per observed order: ``customer_id``, ``order_id``, ``date`` and ``day`` (of the
    earliest line), ``net`` (rounded sum of the lines), ``total`` (the same sum unrounded, for
    sums over all of a customer's amounts), ``max_date`` (latest line) and ``largest`` (largest
    absolute line amount)."""
    lines = observed_lines(table, as_of)
    return lines.group_by(["customer_id", "order_id"]).aggregate(
        date=lines.date.min(),
        day=lines.day.min(),
        net=lines.amount.sum().round(NET_DECIMALS),
        total=lines.amount.sum(),
        max_date=lines.date.max(),
        largest=lines.amount.abs().max(),
    )

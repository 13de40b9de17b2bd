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
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.orders import NET_DECIMALS

__all__ = [
    "CANONICAL",
    "NET_DECIMALS",
    "Materialized",
    "day_number",
    "line_days",
    "materialize",
    "observed_lines",
    "orders",
    "resolve_as_of",
]

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


def resolve_as_of(table, as_of=None) -> pd.Timestamp:
    """Return the end of observation as a midnight ``Timestamp``.

    That is ``as_of`` (time dropped) or the day after the last ``order_date`` in the table
    (one small query). ``table`` is a canonical Ibis table or a :class:`Materialized` source.
    """
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    if isinstance(table, Materialized):
        return table.as_of
    last = table.order_date.max().execute()
    if last is None or pd.isna(last):
        raise NotEnoughData("There are no dated transactions, so there is no end of observation.")
    return pd.Timestamp(last).normalize() + pd.Timedelta(days=1)


def day_number(timestamp: ir.TimestampValue) -> ir.IntegerValue:
    """Calendar days since 1970-01-01 of a timestamp column (the time of day dropped)."""
    return timestamp.date().delta(_EPOCH, unit="day")


def cutoff_day(as_of: pd.Timestamp) -> int:
    """Day number of ``as_of`` (an exclusive bound on observed day numbers)."""
    return (pd.Timestamp(as_of).normalize() - pd.Timestamp("1970-01-01")).days


def observed_lines(table: ir.Table, as_of: pd.Timestamp) -> ir.Table:
    """Return the lines dated before ``as_of``.

    Columns: ``customer_id``, ``order_id``, ``date`` (calendar day), ``day`` (its day number)
    and ``amount`` (missing amounts as 0).
    """
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


@dataclass(frozen=True)
class Materialized:
    """Line-days computed once and kept in the engine (see :func:`materialize`).

    Attributes
    ----------
    line_days : ibis Table
        The cached result of :func:`line_days` at ``as_of``.
    as_of : Timestamp
        The end of observation it was computed at; any earlier ``as_of`` can be answered
        from it exactly (line-days are filtered by their calendar day).
    """

    line_days: ir.Table
    as_of: pd.Timestamp


def line_days(table, as_of: pd.Timestamp) -> ir.Table:
    """Observed lines summed per customer, order and calendar day.

    Every aggregate below is a sum, minimum or maximum over lines, so it can be computed from
    these partial sums exactly (nets are rounded after summing, as in memory). Columns:
    ``customer_id``, ``order_id``, ``date``, ``day``, ``amount`` (sum) and ``largest``
    (largest absolute line amount).
    """
    if isinstance(table, Materialized):
        if as_of > table.as_of:
            raise ValueError(
                f"The materialized source ends at {table.as_of:%Y-%m-%d}; as_of={as_of:%Y-%m-%d} "
                "needs the lines themselves."
            )
        ld = table.line_days
        return ld if as_of == table.as_of else ld.filter(ld.day < cutoff_day(as_of))
    lines = observed_lines(table, as_of)
    return lines.group_by(["customer_id", "order_id", "date", "day"]).aggregate(
        amount=lines.amount.sum(), largest=lines.amount.abs().max()
    )


def materialize(table: ir.Table, *, as_of=None) -> Materialized:
    """Compute the line-days once and keep them in the engine as a temporary table.

    Every push-down function accepts the result in place of the table and then reads the
    (much smaller) line-days instead of the lines: on DuckDB over Parquet files this turns
    several full scans into one. It creates a temporary table, so use it where the app owns
    the engine (DuckDB); on a read-only database pass the table itself.
    """
    as_of_ts = resolve_as_of(table, as_of)
    return Materialized(line_days(table, as_of_ts).cache(), as_of_ts)


def orders(table, as_of: pd.Timestamp) -> ir.Table:
    """Return one row per observed order.

    Columns: ``customer_id``, ``order_id``, ``date`` and ``day`` (of the earliest line),
    ``net`` (rounded sum of the lines), ``total`` (the same sum unrounded, for sums over all
    of a customer's amounts), ``max_date`` (latest line) and ``largest`` (largest absolute
    line amount).
    """
    ld = line_days(table, as_of)
    return ld.group_by(["customer_id", "order_id"]).aggregate(
        date=ld.date.min(),
        day=ld.day.min(),
        net=ld.amount.sum().round(NET_DECIMALS),
        total=ld.amount.sum(),
        max_date=ld.date.max(),
        largest=ld.largest.max(),
    )

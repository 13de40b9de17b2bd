"""The buy-till-you-die summary: purchase days, time units and the checks before any fit.

Conventions (those of the literature, so published results can be reproduced):

- A **purchase** is a customer's *calendar day* whose net value (all lines of that customer on
  that day, refunds negative, rounded by :func:`analysis.orders.round_money`) is not negative:
  a free purchase counts, a refund-only day does not, and several orders on one day are one
  purchase.
- ``frequency`` is the number of purchase days minus one (repeat purchases); ``recency`` the
  time from the first to the last purchase day; ``T`` the time from the first purchase day to
  the last day of observation (the day before ``as_of``); ``monetary_value`` the mean net value
  of the repeat purchase days (0 when there are none).
- ``as_of`` is the end of observation, exclusive (see :mod:`analysis.orders`).
- Time is measured in days (``time_unit="D"``), weeks of seven days (``"W"``), months of
  365.25 / 12 days (``"M"``) or calendar weeks (``"CW"``).
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData
from analysis.core.orders import day_numbers, resolve_as_of, round_money
from analysis.core.text import plural

__all__ = [
    "DAYS_PER_MONTH",
    "MAX_AMOUNT",
    "SUMMARY_COLUMNS",
    "TIME_UNITS",
    "UnsuitableDataError",
    "check_model_data",
    "clv_summary",
    "drop_implausible_amounts",
    "implausible_amounts_note",
    "sharing_purchase_days",
]

DAYS_PER_MONTH = 365.25 / 12
# Days per unit. "CW": calendar weeks (Monday to Sunday), at most one purchase per week.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH, "CW": 7.0}
SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
_NAT_DAY = np.iinfo(np.int64).min  # day number of NaT
MAX_AMOUNT = 1e15
"""Largest line amount (in absolute value) the value models compute with."""


def unit_days(time_unit: str) -> float:
    """Return the days in one ``time_unit`` (``ValueError`` for an unknown unit)."""
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ValueError(
            f"time_unit must be 'D' (days), 'W' (weeks), 'M' (months) or 'CW' (calendar "
            f"weeks), not {time_unit!r}"
        ) from None


def check_unit(summary: pd.DataFrame, time_unit: str) -> float:
    """Return the days per time unit, refusing a summary built in another unit."""
    unit = unit_days(time_unit)
    built = summary.attrs.get("time_unit")
    if built is not None and built != time_unit:
        raise ValueError(
            f"The summary is in time unit {built!r} but time_unit={time_unit!r} was given."
        )
    return unit


class UnsuitableDataError(NotEnoughData):
    """The data cannot support the model; the message says why, in plain words.

    A :class:`analysis.core.errors.NotEnoughData`, hence a ``ValueError``: pages that show a
    ``ValueError``'s message show this one too.
    """


def check_model_data(summary: pd.DataFrame, *, min_repeat_buyers: int = 1) -> None:
    """Refuse, before any fitting, data from which BG/NBD cannot learn anything.

    Parameters
    ----------
    summary : DataFrame
        :func:`clv_summary` frame (``frequency``, ``T``).
    min_repeat_buyers : int
        Fewest customers with a repeat purchase to accept.

    Raises
    ------
    UnsuitableDataError
        No customers, one customer, every purchase on the last observed day, nobody who
        bought on two different days, or fewer repeat buyers than ``min_repeat_buyers``.
    """
    n = len(summary)
    if n == 0:
        raise UnsuitableDataError(
            "There are no purchases to model: no customer has a day whose orders add up to "
            "zero or more before the end date."
        )
    if n == 1:
        raise UnsuitableDataError(
            "Only one customer has bought anything: the value models learn how often customers "
            "come back from many customers, so they need more than one."
        )
    if not (summary["T"].to_numpy(dtype=np.float64) > 0).any():
        raise UnsuitableDataError(
            "Every purchase was made on the last day of the data: there has been no time yet "
            "in which customers could come back, so there is nothing to model."
        )
    repeaters = int((summary["frequency"].to_numpy() > 0).sum())
    if repeaters == 0:
        raise UnsuitableDataError(
            f"Nobody bought twice: each of the {n:,} customers bought on one day only, so "
            "there is nothing to learn about how often customers come back. The value models "
            "need customers who bought on at least two different days."
        )
    if repeaters < min_repeat_buyers:
        raise UnsuitableDataError(
            f"Only {repeaters} of the {n:,} customers bought on more than one day: too few to "
            f"learn how often customers come back (the value models need at least "
            f"{min_repeat_buyers})."
        )


def implausible_amounts_note(n_customers: int, *, nothing_left_for: str | None = None) -> str:
    """Say that ``n_customers`` customers with implausible amounts were left out.

    Parameters
    ----------
    n_customers : int
        Customers with an amount beyond ``MAX_AMOUNT`` or not finite.
    nothing_left_for : str or None
        When they were every customer: what is left with nothing ("the value models"; an empty
        string says "leave nothing"). None: the others were kept.
    """
    one = n_customers == 1
    if nothing_left_for is None:
        what = f"{'was' if one else 'were'} left out of the value models"
    else:
        what = f"{'leaves' if one else 'leave'} nothing" + (
            f" for {nothing_left_for}" if nothing_left_for else ""
        )
    return (
        f"{plural(n_customers, 'customer')} with amounts too large to compute with (beyond "
        f"±{MAX_AMOUNT:,.0f}, or infinite) {what}: check the amount column of your file."
    )


def drop_implausible_amounts(tx: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Leave out customers with an amount that is not finite or beyond ``MAX_AMOUNT``.

    Sums of such amounts overflow (``1e300 * 2``) or lose every cent, so the models cannot use
    them.

    Returns
    -------
    tuple of (DataFrame, str or None)
        The remaining rows and a plain sentence saying how many customers were left out (None
        when nobody was).
    """
    amount = tx["amount"].to_numpy(dtype=np.float64, na_value=0.0)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(amount) <= MAX_AMOUNT)
    if not bad.any():
        return tx, None
    customers = tx["customer_id"]
    bad_customers = customers[bad].unique()
    keep = ~customers.isin(bad_customers).to_numpy()
    return tx[keep], implausible_amounts_note(len(bad_customers))


# --------------------------------------------------------------------------------------------
# Purchase days
# --------------------------------------------------------------------------------------------

# Purchase days of one table computed once and shared by the summaries and the holdout of one
# value_report call (context-local, so concurrent sessions never see each other's).
_SHARED_DAYS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "_SHARED_DAYS", default=None
)


def purchase_days(tx: pd.DataFrame, cutoff: int, start: int | None = None):
    """Return the purchase days per customer, observed in ``[start, cutoff)`` (day numbers).

    Returns
    -------
    tuple
        Customer ids (``pd.Index`` of all customers in ``tx``), and for every purchase day,
        sorted by customer code then day: its customer code, day number and net value. A day's
        net does not depend on the window, so inside :func:`sharing_purchase_days` the days of
        the whole table are computed once and each window is a filter of them (the same
        numbers).
    """
    shared = _SHARED_DAYS.get()
    if shared is not None and shared["tx"] is tx and cutoff <= shared["cutoff"]:
        uniques, customer, day, net = shared["days"]
        keep = day < cutoff
        if start is not None:
            keep &= day >= start
        if not keep.all():
            customer, day, net = customer[keep], day[keep], net[keep]
        return uniques, customer, day, net
    return _compute_purchase_days(tx, cutoff, start)


def day_number(when: pd.Timestamp) -> int:
    """Return the day number (days since 1970-01-01) of one timestamp."""
    return int(day_numbers(pd.Series([when]))[0])


@contextlib.contextmanager
def sharing_purchase_days(tx: pd.DataFrame, as_of=None):
    """Within this block, summaries of ``tx`` up to ``as_of`` reuse one pass over its rows.

    For functions that build several :func:`clv_summary` frames (or holdout counts) of the
    same table with different ends: the purchase days up to ``as_of`` are computed once and
    each window is a filter of them, which gives the same numbers.
    """
    cutoff = day_number(resolve_as_of(tx, as_of))
    token = _SHARED_DAYS.set(
        {"tx": tx, "cutoff": cutoff, "days": _compute_purchase_days(tx, cutoff)}
    )
    try:
        yield
    finally:
        _SHARED_DAYS.reset(token)


def _day_nets(key: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct ``(customer, day)`` keys, sorted, and the net amount of each."""
    # When the key and the row number fit together in 62 bits, one in-place integer sort of
    # ``key << bits | row`` groups the lines (about twice as fast as hashing); otherwise
    # hash-factorise the keys and sort only the distinct ones.
    n = len(key)
    bits = max(int(n - 1).bit_length(), 1)
    if int(key.max()).bit_length() + bits <= 62:
        packed = (key << bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        sorted_key = packed >> bits
        line_amount = amounts[packed & ((1 << bits) - 1)]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        return sorted_key[starts], np.add.reduceat(line_amount, starts)
    line_group, group_key = pd.factorize(key)
    net = np.bincount(line_group, weights=amounts, minlength=len(group_key))
    order = np.argsort(group_key)  # distinct keys: stability is irrelevant
    return np.asarray(group_key)[order], net[order]


def _compute_purchase_days(tx: pd.DataFrame, cutoff: int, start: int | None = None):
    days = day_numbers(tx["order_date"])
    codes, uniques = pd.factorize(tx["customer_id"])
    amounts = tx["amount"].to_numpy(dtype=np.float64, na_value=0.0)
    keep = (days < cutoff) & (days != _NAT_DAY) & (codes >= 0)
    if start is not None:
        keep &= days >= start
    if not keep.all():
        days, codes, amounts = days[keep], codes[keep], amounts[keep]
    if len(days) == 0:
        empty = np.empty(0, dtype=np.int64)
        return uniques, empty, empty, np.empty(0, dtype=np.float64)
    first = int(days.min())
    span = int(days.max()) - first + 1
    # One integer key per (customer, day).
    group_key, net = _day_nets(codes.astype(np.int64) * span + (days - first), amounts)
    # The one rounding rule for nets (analysis.orders): lines that cancel give exactly 0, a
    # free purchase, whatever the order in which they were added.
    net = round_money(net)
    purchase = net >= 0
    group_key, net = group_key[purchase], net[purchase]
    return uniques, group_key // span, group_key % span + first, net


def customer_starts(customer: np.ndarray) -> np.ndarray:
    """Return the start positions of each customer's run in an array sorted by customer code."""
    if len(customer) == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])


def first_in_period(customer: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Return the positions that start a new ``(customer, period)`` run (sorted input)."""
    return np.flatnonzero(
        np.r_[True, (customer[1:] != customer[:-1]) | (period[1:] != period[:-1])]
    )


def _calendar_weeks(customer: np.ndarray, day: np.ndarray, net: np.ndarray):
    """Merge purchase days (sorted by customer, day) into calendar weeks, Monday to Sunday."""
    week = (day + 3) // 7  # 1970-01-01 (day 0) was a Thursday
    if len(week) == 0:
        return customer, week, net
    keep = first_in_period(customer, week)
    return customer[keep], week[keep], np.add.reduceat(net, keep)


def clv_summary(tx: pd.DataFrame, *, as_of=None, time_unit: str = "D") -> pd.DataFrame:
    """Frequency, recency, age and mean repeat spend per customer (buy-till-you-die inputs).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction. The last
        observed day is the day before it.
    time_unit : {"D", "W", "M", "CW"}
        Days; weeks of seven days (``days / 7``); months of 365.25 / 12 days; or calendar
        weeks (Monday to Sunday, like lifetimes' ``freq="W"``): a week with purchases is one
        purchase (its value the sum of its purchase days), recency and ``T`` count whole weeks.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers with at least one purchase day before ``as_of``,
        in order of first appearance) with ``frequency`` (int64, repeat purchase days),
        ``recency`` and ``T`` (float64, in ``time_unit``) and ``monetary_value`` (float64, mean
        net value of the repeat purchase days, 0 when ``frequency`` is 0). ``attrs`` records
        ``time_unit`` and ``as_of``.
    """
    unit = unit_days(time_unit)
    as_of_ts = resolve_as_of(tx, as_of)
    cutoff = day_number(as_of_ts)
    uniques, customer, day, net = purchase_days(tx, cutoff)
    last_observed = cutoff - 1
    if time_unit == "CW":
        customer, day, net = _calendar_weeks(customer, day, net)
        last_observed, unit = (last_observed + 3) // 7, 1.0
    starts = customer_starts(customer)
    counts = np.diff(np.r_[starts, len(customer)])
    first_day = day[starts]
    last_day = day[starts + counts - 1] if len(starts) else first_day
    repeat_net = net.copy()
    repeat_net[starts] = 0.0
    repeat_total = np.add.reduceat(repeat_net, starts) if len(starts) else repeat_net
    frequency = (counts - 1).astype(np.int64)
    monetary = np.divide(repeat_total, frequency, out=np.zeros(len(starts)), where=frequency > 0)
    index = pd.Index(uniques.take(customer[starts]), name="customer_id")
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last_day - first_day) / unit,
            "T": (last_observed - first_day) / unit,
            "monetary_value": monetary,
        },
        index=index,
    )
    summary.attrs = {"time_unit": time_unit, "as_of": as_of_ts}
    return summary

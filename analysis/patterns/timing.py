"""When customers buy: weekday and hour, weekday by calendar month, and seasonality.

An order's time is the timestamp of its earliest line; its weekday (Monday = 0) and hour (0-23)
come from it (hours only mean something when the file has times of day:
:func:`analysis.patterns.has_time_of_day`). Orders and revenue count purchase orders and sum
their net values (refund orders are left out: gross sales in the sense of
:mod:`analysis.overview`), in the file's currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, order_table
from analysis.patterns._common import (
    cutoff_day,
    distinct_count,
    month_labels,
    month_numbers,
    seconds,
)

__all__ = [
    "MAX_CALENDAR_MONTHS",
    "MONTHS",
    "WEEKDAYS",
    "monthly_seasonality",
    "weekday_hour",
    "weekday_month",
]


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


MAX_CALENDAR_MONTHS = 120
"""Most calendar months :func:`weekday_month` and :func:`monthly_seasonality` return: the latest
ten years (a date typed as 1900 would otherwise make a heatmap of 1,500 months). Their
``attrs["capped"]`` and ``attrs["months_total"]`` say when older months were left out."""


def _order_times(tx: pd.DataFrame, ot: OrderTable) -> np.ndarray:
    """Return the seconds since 1970 of each order's earliest line."""
    secs = seconds(tx["order_date"])[ot.line_index]
    start = np.full(len(ot.net), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(start, ot.line_order, secs)
    return start


def weekday_hour(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders and their value by weekday and hour of the order's earliest line.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        7 x 24 rows (every cell, zeros included): ``weekday`` (0 = Monday), ``weekday_name``,
        ``hour`` (0-23), ``orders`` (purchase orders), ``revenue`` (their net values summed,
        file's currency) and ``order_share`` (fraction of all purchase orders). ``attrs``:
        ``has_time`` (False when every time is midnight: then all orders sit in hour 0 and only
        the weekday is meaningful).
    """
    ot = order_table(tx, as_of)
    start = _order_times(tx, ot)
    p = ot.is_purchase
    day = start[p] // 86400
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    hour = (start[p] // 3600) % 24
    cell = weekday * 24 + hour
    orders = np.bincount(cell, minlength=7 * 24)
    revenue = np.bincount(cell, weights=ot.net[p], minlength=7 * 24)
    total = orders.sum()
    wd = np.repeat(np.arange(7), 24)
    out = pd.DataFrame(
        {
            "weekday": wd,
            "weekday_name": pd.array(np.asarray(WEEKDAYS)[wd], dtype="str"),
            "hour": np.tile(np.arange(24), 7),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "order_share": orders / total if total else np.zeros(7 * 24),
        }
    )
    out.attrs["has_time"] = bool((start[p] % 86400 != 0).any())
    return out


def weekday_month(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders and their value by calendar month and weekday, per day observed.

    A month has four or five of each weekday, and the first and last months may be cut short,
    so raw counts mislead; the ``*_per_day`` columns divide by the number of such days observed
    (from the first transaction day to the day before ``as_of``).

    Returns
    -------
    DataFrame
        One row per (month, weekday) from the first to the last observed month: ``month``
        (str ``YYYY-MM``), ``weekday`` (0 = Monday), ``weekday_name``, ``orders``, ``revenue``
        (purchase orders' net values, file's currency), ``days`` (that weekday's dates observed
        in the month), ``orders_per_day`` and ``revenue_per_day`` (NaN when ``days`` is 0).
        At most the latest :data:`MAX_CALENDAR_MONTHS` months; ``attrs``: ``months_total``,
        ``capped``.
    """
    ot = order_table(tx, as_of)
    cutoff = cutoff_day(ot)
    if len(ot.day) == 0:
        return pd.DataFrame(
            columns=["month", "weekday", "weekday_name", "orders", "revenue", "days"]
            + ["orders_per_day", "revenue_per_day"]
        )
    first = int(ot.day.min())
    m0 = int(month_numbers(np.array([first]))[0])
    n_months = int(month_numbers(np.array([cutoff - 1]))[0]) - m0 + 1
    p = ot.is_purchase
    cell = (month_numbers(ot.day[p]) - m0) * 7 + (ot.day[p] + 3) % 7
    size = n_months * 7
    orders = np.bincount(cell, minlength=size)
    revenue = np.bincount(cell, weights=ot.net[p], minlength=size)
    all_days = np.arange(first, cutoff, dtype=np.int64)
    days = np.bincount((month_numbers(all_days) - m0) * 7 + (all_days + 3) % 7, minlength=size)
    months = np.repeat(np.arange(m0, m0 + n_months), 7)
    wd = np.tile(np.arange(7), n_months)
    with np.errstate(divide="ignore", invalid="ignore"):
        opd = np.where(days > 0, orders / days, np.nan)
        rpd = np.where(days > 0, revenue / days, np.nan)
    out = pd.DataFrame(
        {
            "month": pd.array(month_labels(months), dtype="str"),
            "weekday": wd,
            "weekday_name": pd.array(np.asarray(WEEKDAYS)[wd], dtype="str"),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "days": days.astype(np.int64),
            "orders_per_day": opd,
            "revenue_per_day": rpd,
        }
    )
    return _latest_months(out, n_months, rows_per_month=7)


def _latest_months(df: pd.DataFrame, n_months: int, *, rows_per_month: int = 1) -> pd.DataFrame:
    """Return the rows of the latest :data:`MAX_CALENDAR_MONTHS` months (month-major rows).

    ``attrs["months_total"]`` and ``attrs["capped"]`` say whether older months were cut.
    """
    capped = n_months > MAX_CALENDAR_MONTHS
    out = df.tail(MAX_CALENDAR_MONTHS * rows_per_month).reset_index(drop=True) if capped else df
    out.attrs.update(months_total=int(n_months), capped=bool(capped))
    return out


def monthly_seasonality(tx: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """Purchase orders, revenue and buyers per calendar month, with the change on a year before.

    Returns
    -------
    DataFrame
        One row per calendar month from the first to the last observed one: ``month``
        (``YYYY-MM``), ``year``, ``month_number`` (1-12), ``month_name`` (``Jan``...),
        ``orders`` (purchase orders), ``revenue`` (their net values, file's currency),
        ``customers`` (distinct buyers), ``complete`` (False for a first or last month the data
        only partly cover), ``revenue_last_year`` and ``orders_last_year`` (same month a year
        before; NaN when not in the data), ``revenue_yoy`` and ``orders_yoy`` (relative change:
        0.25 = +25%; NaN when either month is incomplete or the year-before value is not
        positive). At most the latest :data:`MAX_CALENDAR_MONTHS` months; ``attrs``:
        ``months_total``, ``capped``.
    """
    ot = order_table(tx, as_of)
    cols = [
        "month",
        "year",
        "month_number",
        "month_name",
        "orders",
        "revenue",
        "customers",
        "complete",
        "revenue_last_year",
        "orders_last_year",
        "revenue_yoy",
        "orders_yoy",
    ]
    if len(ot.day) == 0:
        return pd.DataFrame(columns=cols)
    cutoff = cutoff_day(ot)
    first = int(ot.day.min())
    m_first = int(month_numbers(np.array([first]))[0])
    m_last = int(month_numbers(np.array([cutoff - 1]))[0])
    n = m_last - m_first + 1
    p = ot.is_purchase
    m = month_numbers(ot.day[p]) - m_first
    orders = np.bincount(m, minlength=n).astype(np.float64)
    revenue = np.bincount(m, weights=ot.net[p], minlength=n)
    customers = distinct_count(ot.customer[p], m, n)
    months = np.arange(m_first, m_last + 1)
    starts = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ends = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    complete = (starts >= first) & (ends <= cutoff)
    prev = np.arange(n) - 12
    has_prev = prev >= 0
    prev_rev = np.where(has_prev, revenue[np.maximum(prev, 0)], np.nan)
    prev_ord = np.where(has_prev, orders[np.maximum(prev, 0)], np.nan)
    prev_complete = np.where(has_prev, complete[np.maximum(prev, 0)], False)
    both = complete & prev_complete
    with np.errstate(divide="ignore", invalid="ignore"):
        rev_yoy = np.where(both & (prev_rev > 0), revenue / prev_rev - 1, np.nan)
        ord_yoy = np.where(both & (prev_ord > 0), orders / prev_ord - 1, np.nan)
    month_number = months % 12 + 1
    out = pd.DataFrame(
        {
            "month": pd.array(month_labels(months), dtype="str"),
            "year": (months // 12 + 1970).astype(np.int64),
            "month_number": month_number.astype(np.int64),
            "month_name": pd.array(np.asarray(MONTHS)[month_number - 1], dtype="str"),
            "orders": orders.astype(np.int64),
            "revenue": revenue,
            "customers": customers,
            "complete": complete,
            "revenue_last_year": prev_rev,
            "orders_last_year": prev_ord,
            "revenue_yoy": rev_yoy,
            "orders_yoy": ord_yoy,
        }
    )
    return _latest_months(out, n)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

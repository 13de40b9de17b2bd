"""Period arithmetic on day numbers (days since 1970-01-01): weeks, months and quarters.

Weeks start on Monday, months and quarters are calendar ones. A period's **number** counts
periods since 1970 (the week of 1970-01-01 is week 0); :func:`last_period` gives the last one
``as_of`` lets us observe and whether it is over.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import day_numbers

__all__ = ["PERIODS", "last_period", "period_label", "period_number_of_date"]

PERIODS = {"W": "week", "M": "month", "Q": "quarter"}


_FREQ = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {sorted(PERIODS)}, not {period!r}")


def _period_numbers(days: np.ndarray, period: str) -> np.ndarray:
    """Period number of each day: weeks (Monday start), months or quarters since 1970."""
    days = np.asarray(days, dtype=np.int64)
    if period == "W":
        # 1970-01-01 was a Thursday; the Monday of its week is day -3.
        return (days + 3) // 7
    months = _month_numbers(days)
    return months if period == "M" else months // 3


def _month_numbers(days: np.ndarray) -> np.ndarray:
    """Return the months since 1970-01 of each day number.

    Converting through ``datetime64[M]`` costs ~30 ns a value; over a span of a few thousand
    days a lookup table is several times faster.
    """
    if len(days) < 10_000:
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    low, high = int(days.min()), int(days.max())
    if high - low > 200_000:
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    table = np.arange(low, high + 1).astype("datetime64[D]").astype("datetime64[M]")
    return table.astype(np.int64)[days - low]


def _period_start_days(numbers: np.ndarray, period: str) -> np.ndarray:
    """First day (day number) of each period number; inverse of :func:`_period_numbers`."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if period == "W":
        return numbers * 7 - 3
    months = numbers if period == "M" else numbers * 3
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _to_periods(numbers: np.ndarray, period: str) -> pd.PeriodIndex:
    """``pd.PeriodIndex`` for period numbers (pandas counts weeks from 1969-12-22, hence +1)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    ordinals = numbers + 1 if period == "W" else numbers
    return pd.PeriodIndex.from_ordinals(ordinals, freq=_FREQ[period])


def period_number_of_date(value, period: str) -> int:
    """Return the period number (as a cohort's) of the period that contains the day ``value``."""
    return int(_period_numbers(day_numbers(pd.Series([pd.Timestamp(value)])), period)[0])


_period_number_of_date = period_number_of_date  # the name cells.py uses


def period_label(value: pd.Period) -> str:
    """Return a short label for a cohort or calendar period.

    ``2011-03``, ``2011Q1`` or, for weeks (Monday to Sunday), the Monday's date ``2011-03-07``.
    """
    if isinstance(value, pd.Period) and value.freqstr.startswith("W"):
        return f"{value.start_time:%Y-%m-%d}"
    return str(value)


def last_period(as_of: pd.Timestamp, period: str) -> tuple[int, bool]:
    """Return the number of the last observable period and whether it is unfinished.

    Parameters
    ----------
    as_of : Timestamp
        End of observation, exclusive (a midnight).
    period : {"W", "M", "Q"}
        Weeks starting Monday, calendar months or calendar quarters.

    Returns
    -------
    (int, bool)
        The number of the period holding the day before ``as_of``, and True when that period
        does not end exactly at ``as_of`` (its cells are partial).
    """
    cutoff = int(day_numbers(pd.Series([as_of]))[0])
    last = int(_period_numbers(np.array([cutoff - 1]), period)[0])
    return last, bool(_period_start_days(np.array([last + 1]), period)[0] > cutoff)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

"""A period and what it is compared with: the overview's period picker.

Each window includes its start day and excludes its end day. A window's scorecard counts the
lines dated in it only (:func:`compare_scorecards`); a change against a comparison window that
the data do not fully cover is never given (it would overstate growth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.text import percent
from analysis.overview.breakdowns import top_breakdown
from analysis.overview.new_returning import new_vs_returning
from analysis.overview.scorecards import Scorecard, scorecard

__all__ = [
    "COMPARED_FIGURES",
    "COMPARISONS",
    "PERIODS",
    "PeriodComparison",
    "change_text",
    "compare_scorecards",
    "comparison_phrase",
    "figure_change",
    "new_vs_returning_in_period",
    "period_bounds",
    "top_breakdown_in_period",
]


#: Period choices of the overview, key -> label. Windows end at ``as_of`` (exclusive) except
#: ``custom``, which runs over the days the visitor picked.
PERIODS: dict[str, str] = {
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "365d": "Last 365 days",
    "ytd": "This year",
    "all": "All time",
    "custom": "Custom",
}
#: Comparison choices, key -> label.
COMPARISONS: dict[str, str] = {
    "previous": "Previous period",
    "last_year": "Same period last year",
    "none": "No comparison",
}
_PERIOD_DAYS = {"30d": 30, "90d": 90, "365d": 365}
#: Figures that get a change against the comparison window (see :func:`figure_change`).
COMPARED_FIGURES: tuple[str, ...] = (
    "customers",
    "orders",
    "net_revenue",
    "average_order_value",
    "repeat_customer_rate",
    "orders_per_customer",
    "refund_rate",
)
_RATE_FIGURES = ("repeat_customer_rate", "refund_rate")


def period_bounds(
    kind: str,
    as_of,
    start=None,
    end=None,
    *,
    compare: str = "previous",
    first=None,
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp | None, pd.Timestamp | None]:
    """Return the window ``[start, end)`` of a period choice and the window it is compared with.

    Parameters
    ----------
    kind : str
        A key of :data:`PERIODS`: ``"30d"``, ``"90d"``, ``"365d"`` (the N days before
        ``as_of``: ``as_of - N`` included to ``as_of`` excluded), ``"ytd"`` (1 January of the
        year of the last observed day, ``as_of - 1``, to ``as_of``), ``"all"`` (``first`` to
        ``as_of``) or ``"custom"`` (``start`` to ``end``, both days included).
    as_of : date-like
        End of observation, exclusive (calendar date): the day after the last transaction by
        default, as in :func:`scorecard`.
    start, end : date-like, optional
        First and last day (both included) of a ``"custom"`` period; ignored otherwise.
    compare : str
        A key of :data:`COMPARISONS`: ``"previous"`` (the window of the same length just
        before: ``[start - (end - start), start)``), ``"last_year"`` (the same window one
        calendar year earlier; 29 February maps to 28 February) or ``"none"``.
    first : date-like, optional
        First day of the data; needed for ``"all"``.

    Returns
    -------
    (start, end, prev_start, prev_end) : midnight Timestamps
        Each window includes its start day and excludes its end day. ``prev_start`` and
        ``prev_end`` are None for ``compare="none"`` and for ``"all"`` (nothing comes before
        all time).

    Raises
    ------
    ValueError
        Unknown ``kind``/``compare``, a custom period without both days or ending before it
        starts, or ``"all"`` without ``first``.
    """
    if kind not in PERIODS:
        raise ValueError(f"Unknown period {kind!r}; expected one of {', '.join(PERIODS)}.")
    if compare not in COMPARISONS:
        raise ValueError(
            f"Unknown comparison {compare!r}; expected one of {', '.join(COMPARISONS)}."
        )
    as_of_ts = pd.Timestamp(as_of).normalize()
    if kind in _PERIOD_DAYS:
        lo, hi = as_of_ts - pd.Timedelta(days=_PERIOD_DAYS[kind]), as_of_ts
    elif kind == "ytd":
        lo, hi = pd.Timestamp(year=(as_of_ts - pd.Timedelta(days=1)).year, month=1, day=1), as_of_ts
    elif kind == "all":
        if first is None:
            raise ValueError("The period 'all' needs the first day of the data.")
        lo, hi = pd.Timestamp(first).normalize(), as_of_ts
    else:
        if start is None or end is None:
            raise ValueError("A custom period needs its first and last day.")
        lo = pd.Timestamp(start).normalize()
        hi = pd.Timestamp(end).normalize() + pd.Timedelta(days=1)
        if hi <= lo:
            raise ValueError("A custom period must end on or after the day it starts.")
    if compare == "none" or kind == "all":
        return lo, hi, None, None
    if compare == "previous":
        return lo, hi, lo - (hi - lo), lo
    year = pd.DateOffset(years=1)
    return lo, hi, lo - year, hi - year


@dataclass(frozen=True)
class PeriodComparison:
    """The scorecard of a window and of the window it is compared with.

    Attributes
    ----------
    current : Scorecard
        :func:`scorecard` of the lines dated in ``[start, end)`` with ``as_of=end``.
    previous : Scorecard or None
        The same for ``[prev_start, prev_end)``; None when there is no comparison.
    start, end, prev_start, prev_end : Timestamp or None
        The windows (start included, end excluded).
    previous_complete : bool
        True when the data starts on or before ``prev_start`` (the comparison window is fully
        covered); when False a change would overstate growth, and :func:`figure_change` gives
        nan.
    """

    current: Scorecard
    previous: Scorecard | None
    start: pd.Timestamp
    end: pd.Timestamp
    prev_start: pd.Timestamp | None
    prev_end: pd.Timestamp | None
    previous_complete: bool


def _window(tx: pd.DataFrame, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DataFrame:
    dates = tx["order_date"]
    return tx.loc[(dates >= lo) & (dates < hi)]


def compare_scorecards(
    tx: pd.DataFrame,
    start,
    end,
    prev_start=None,
    prev_end=None,
) -> PeriodComparison:
    """Scorecards of a window and of the window it is compared with.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    start, end : date-like
        The window: lines dated on or after ``start`` and before ``end`` count (see
        :func:`period_bounds`).
    prev_start, prev_end : date-like, optional
        The comparison window, same convention; None for no comparison.

    Returns
    -------
    PeriodComparison
        Each scorecard is :func:`scorecard` of the lines in its window only: an order counts in
        the window its lines are dated in; *customers* are the buyers in the window (a
        purchase order there), *orders* the purchase orders there, *net revenue* purchases
        minus refunds dated there; the repeat-customer rate is the share of the window's
        buyers with two or more orders in it. ``active_last_90`` is relative to the window's
        end.
    """
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    current = scorecard(_window(tx, lo, hi), as_of=hi)
    if prev_start is None or prev_end is None:
        return PeriodComparison(current, None, lo, hi, None, None, False)
    plo, phi = pd.Timestamp(prev_start).normalize(), pd.Timestamp(prev_end).normalize()
    previous = scorecard(_window(tx, plo, phi), as_of=phi)
    first = tx["order_date"].min() if len(tx) else pd.NaT
    complete = bool(pd.notna(first) and pd.Timestamp(first).normalize() <= plo)
    return PeriodComparison(current, previous, lo, hi, plo, phi, complete)


def figure_change(comparison: PeriodComparison, key: str) -> float:
    """Change of figure ``key`` against the comparison window.

    Counts and money: relative change ``current / previous - 1`` (0.12 = +12%). Rates
    (repeat-customer and refund rate): difference in percentage points as a fraction
    (0.031 = +3.1 points). nan when there is no comparison, the comparison window is not
    fully covered by the data, or the previous value is zero or undefined.
    """
    if comparison.previous is None or not comparison.previous_complete:
        return math.nan
    now = float(getattr(comparison.current, key))
    before = float(getattr(comparison.previous, key))
    if not (math.isfinite(now) and math.isfinite(before)):
        return math.nan
    if key in _RATE_FIGURES:
        return now - before
    return now / before - 1.0 if before else math.nan


def comparison_phrase(kind: str, compare: str, start, end) -> str:
    """Say what the change is against, in an owner's words.

    "the previous 90 days", "the same 90 days last year", "the previous period" or "the same
    period last year".
    """
    days = int((pd.Timestamp(end) - pd.Timestamp(start)) / pd.Timedelta(days=1))
    span = f"{days} days" if kind in _PERIOD_DAYS or kind == "custom" else "period"
    if compare == "last_year":
        return f"the same {span} last year"
    return f"the previous {span}"


def change_text(comparison: PeriodComparison, key: str, phrase: str) -> str | None:
    """Return the metric delta for figure ``key``.

    "+12% vs the previous 90 days", "-1.5 pts vs the same period last year"; None when there is
    no comparison, a reason in words when there is nothing to compare with.
    """
    if comparison.previous is None:
        return None
    if not comparison.previous_complete:
        return f"no data for all of {phrase}"
    change = figure_change(comparison, key)
    if not math.isfinite(change):
        return f"nothing to compare in {phrase}"
    if key in _RATE_FIGURES:
        points = change * 100
        body = f"{points:+.1f}" if round(points, 1) != 0 else "0.0"
        return f"{body} pts vs {phrase}"
    return f"{percent(change, decimals=0, signed=True)} vs {phrase}"


def top_breakdown_in_period(
    tx: pd.DataFrame, column: str, start, end, *, n: int = 10
) -> pd.DataFrame:
    """:func:`top_breakdown` of the lines dated in ``[start, end)`` (same columns)."""
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    return top_breakdown(_window(tx, lo, hi), column, n=n, as_of=hi)


def new_vs_returning_in_period(tx: pd.DataFrame, start, end, *, freq: str = "M") -> pd.DataFrame:
    """:func:`new_vs_returning` up to ``end``, keeping the periods that overlap ``[start, end)``.

    "New" still means a first purchase ever (the whole history before ``end`` is used), not the
    first one in the window. A period only partly inside the window (the month ``start`` falls
    in) is shown whole.
    """
    lo, hi = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    table = new_vs_returning(tx, freq=freq, as_of=hi)
    if len(table) == 0:
        return table
    first_period = lo.to_period(freq).start_time
    keep = (table["period_start"] >= first_period) & (table["period_start"] < hi)
    return table.loc[keep].reset_index(drop=True)


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

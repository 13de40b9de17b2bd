"""Cohort retention: of the customers who first bought in a period, how many came back, and when.

Definitions (on top of those in :mod:`analysis.orders`):

- A customer's **cohort** is the period (week, month or quarter) of their first *purchase* order
  (an order whose net value is not negative). Customers with only refund orders belong to no
  cohort.
- A customer is **active** in a period if they have at least one purchase order dated in it
  (an order is dated by the calendar day of its earliest line).
- **Period number** ``k`` counts periods since the cohort's own period: ``0`` is the cohort
  period itself, ``1`` the next one, and so on.
- Periods: ``"W"`` weeks starting on Monday, ``"M"`` calendar months, ``"Q"`` calendar quarters.
- ``as_of`` is the end of observation, exclusive (default: the day after the last transaction
  date). A cell whose calendar period starts on or after ``as_of`` cannot be observed and is NaN,
  never 0. The period containing the day before ``as_of`` is **partial** when it does not end
  exactly at ``as_of``; its cells are reported (they are real, but incomplete) and flagged in
  ``matrix.attrs["partial_period"]`` so that charts can mark them. Averages over cohorts
  (:func:`retention_curve`, :func:`describe_retention`) leave partial cells out by default, so
  an unfinished period never shows as a drop.

Everything is computed on integer codes with numpy (``np.bincount``, sorting); the only
per-cohort objects built are the final ``pd.Period`` labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, day_numbers, order_table
from analysis.core.stats import two_proportion_test, wilson_interval

__all__ = [
    "MAX_COHORTS",
    "PERIODS",
    "METRICS",
    "KINDS",
    "BREAKDOWNS",
    "retention_matrix",
    "cohort_sizes",
    "retention_curve",
    "breakdown_columns",
    "first_order_attribute",
    "partial_mask",
    "matrix_for_export",
    "wilson_interval",
    "two_proportion_test",
    "compare_cohorts",
    "cohort_trend",
    "flattening_period",
    "RetentionSummary",
    "period_label",
    "describe_retention",
    "compare_groups",
    "CohortReport",
    "cohort_report",
]

PERIODS = {"W": "week", "M": "month", "Q": "quarter"}
METRICS = ("customers", "revenue", "revenue_per_customer")
KINDS = ("classic", "unbounded")
#: Customer attributes (taken from the first purchase order) that breakdowns may use.
BREAKDOWNS = ("channel", "country", "category")

_FREQ = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}
_NO_DAY = np.iinfo(np.int64).max
MISSING_LABEL = "(missing)"

MAX_COHORTS = 60
"""Most cohorts :func:`cohort_report` shows: the latest ones of the chosen range (60 months are
five years; ten years of weekly cohorts would be a heatmap of 100,000+ cells). ``capped`` and
``total_cohorts`` of :class:`CohortReport` say when older cohorts were left out, and a
sentence says it in words."""
OTHER_LABEL = "Other"


# --------------------------------------------------------------------------------------------
# Period arithmetic on day numbers (days since 1970-01-01)
# --------------------------------------------------------------------------------------------


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
    """Months since 1970-01 of each day number. Converting through ``datetime64[M]`` costs
    ~30 ns a value; over a span of a few thousand days a lookup table is several times faster."""
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


def _period_number_of_date(value, period: str) -> int:
    return int(_period_numbers(day_numbers(pd.Series([pd.Timestamp(value)])), period)[0])


# --------------------------------------------------------------------------------------------
# Customer attributes for breakdowns
# --------------------------------------------------------------------------------------------


def breakdown_columns(tx: pd.DataFrame) -> list[str]:
    """Breakdown attributes available in ``tx``: those of :data:`BREAKDOWNS` present with at
    least two distinct non-missing values."""
    out = []
    for name in BREAKDOWNS:
        if name in tx.columns and tx[name].nunique(dropna=True) >= 2:
            out.append(name)
    return out


def _first_purchase_line(ot: OrderTable, first_day: np.ndarray) -> np.ndarray:
    """Row position in ``tx`` of the first line of each customer's first purchase order.

    Among several purchase orders on the first day, the one whose first line comes first in the
    file wins. Customers without a purchase get -1.
    """
    n_lines = len(ot.line_order)
    order_first_line = np.full(len(ot.net), n_lines, dtype=np.int64)
    np.minimum.at(order_first_line, ot.line_order, np.arange(n_lines, dtype=np.int64))
    candidate = (ot.net >= 0) & (ot.day == first_day[ot.customer])
    customer_line = np.full(ot.n_customers, n_lines, dtype=np.int64)
    np.minimum.at(customer_line, ot.customer[candidate], order_first_line[candidate])
    found = customer_line < n_lines
    out = np.full(ot.n_customers, -1, dtype=np.int64)
    out[found] = ot.line_index[customer_line[found]]
    return out


def _first_purchase_days(ot: OrderTable) -> np.ndarray:
    purchase = ot.net >= 0
    first_day = np.full(ot.n_customers, _NO_DAY, dtype=np.int64)
    np.minimum.at(first_day, ot.customer[purchase], ot.day[purchase])
    return first_day


def first_order_attribute(tx: pd.DataFrame, column: str, *, as_of=None) -> pd.Series:
    """Each customer's value of ``column`` on their first purchase order.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    column : str
        A line-level attribute such as ``"channel"``, ``"country"`` or ``"category"`` (first
        product category). An order with several values takes that of its first line in the
        file.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    Series
        Indexed by ``customer_id`` (customers with at least one purchase order before
        ``as_of``); missing values stay missing.
    """
    if column not in tx.columns:
        raise KeyError(f"There is no column {column!r} in the transactions.")
    ot = order_table(tx, as_of)
    first_day = _first_purchase_days(ot)
    line = _first_purchase_line(ot, first_day)
    members = line >= 0
    values = tx[column].iloc[line[members]].to_numpy()
    return pd.Series(values, index=ot.customers[members], name=column)


def _group_codes(values: pd.Series, max_groups: int) -> tuple[np.ndarray, list[str]]:
    """Integer group code per value: the ``max_groups`` largest groups by count, the rest in
    "Other", missing values in "(missing)"; groups ordered by size (largest first)."""
    text = values.astype("str").where(values.notna(), MISSING_LABEL)
    codes, uniques = pd.factorize(text)
    counts = np.bincount(codes, minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")
    labels = [str(uniques[i]) for i in order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    if len(labels) > max_groups:
        keep = max(max_groups - 1, 1)
        codes = np.minimum(codes, keep)
        labels = labels[:keep] + [OTHER_LABEL]
    return codes.astype(np.int64), labels


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a plain sort: numpy 2.4's hash-based ``np.unique`` is much
    slower on a few hundred thousand int64)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def _distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the position of each input value among them."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


# --------------------------------------------------------------------------------------------
# The core: cohort cells as numpy arrays
# --------------------------------------------------------------------------------------------


@dataclass
class _Cells:
    """Counts per (row, period number) cell; rows are cohorts (within groups when split)."""

    period: str
    as_of: pd.Timestamp
    last: int  # number of the last observable period (the one containing as_of - 1 day)
    partial: bool  # whether that period is unfinished at as_of
    first_period: int  # period number of the first observed order (start of the data)
    row_cohort: np.ndarray  # cohort period number of each row
    row_group: np.ndarray | None  # group code of each row (None when not split)
    group_labels: list[str] | None
    by: str | None
    sizes: np.ndarray  # members per row
    width: int  # number of period-number columns (0 .. width - 1)
    # per-order data of members, restricted to orders in or after the cohort period
    cust_row: np.ndarray  # row of each customer code (-1 when not a member)
    order_cust: np.ndarray
    order_off: np.ndarray
    order_net: np.ndarray
    order_purchase: np.ndarray
    cache: dict = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.sizes)

    def observable(self) -> np.ndarray:
        """Boolean (rows, width): the cell's calendar period starts before ``as_of``."""
        k = np.arange(self.width)
        return self.row_cohort[:, None] + k[None, :] <= self.last

    def partial_cells(self) -> np.ndarray:
        k = np.arange(self.width)
        if not self.partial:
            return np.zeros((self.n_rows, self.width), dtype=bool)
        return self.row_cohort[:, None] + k[None, :] == self.last

    def _flat(self, mask: np.ndarray) -> np.ndarray:
        return self.cust_row[self.order_cust[mask]] * self.width + self.order_off[mask]

    def classic_counts(self) -> np.ndarray:
        """Members with at least one purchase order in the cell's period."""
        if "classic" not in self.cache:
            p = self.order_purchase
            # distinct (customer, period number) pairs, then count them per cell
            pair = self.order_cust[p] * self.width + self.order_off[p]
            pair = _distinct(pair)
            cust, off = np.divmod(pair, self.width)
            flat = self.cust_row[cust] * self.width + off
            counts = np.bincount(flat, minlength=self.n_rows * self.width)
            self.cache["classic"] = counts.reshape(self.n_rows, self.width).astype(np.float64)
        return self.cache["classic"]

    def unbounded_counts(self) -> np.ndarray:
        """Members with a purchase order in the cell's period or any later observed one."""
        if "unbounded" not in self.cache:
            p = self.order_purchase
            last_off = np.full(len(self.cust_row), -1, dtype=np.int64)
            np.maximum.at(last_off, self.order_cust[p], self.order_off[p])
            members = self.cust_row >= 0
            flat = self.cust_row[members] * self.width + last_off[members]
            counts = np.bincount(flat, minlength=self.n_rows * self.width)
            counts = counts.reshape(self.n_rows, self.width)
            self.cache["unbounded"] = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1].astype(np.float64)
        return self.cache["unbounded"]

    def revenue(self) -> np.ndarray:
        """Net revenue of members' orders (refunds included) per cell."""
        if "revenue" not in self.cache:
            flat = self._flat(np.ones(len(self.order_cust), dtype=bool))
            rev = np.bincount(flat, weights=self.order_net, minlength=self.n_rows * self.width)
            self.cache["revenue"] = rev.reshape(self.n_rows, self.width)
        return self.cache["revenue"]

    def cumulative_square_sums(self) -> np.ndarray:
        """Sum over members of (cumulative net revenue up to period k)^2, per cell."""
        if "cum_sq" not in self.cache:
            key = self.order_cust * self.width + self.order_off
            pairs, inverse = _distinct_inverse(key)
            value = np.bincount(inverse, weights=self.order_net, minlength=len(pairs))
            cust, off = np.divmod(pairs, self.width)
            running = np.cumsum(value)
            starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
            base = np.repeat(running[starts] - value[starts], np.diff(np.r_[starts, len(cust)]))
            cum = running - base
            prev = cum - value
            flat = self.cust_row[cust] * self.width + off
            step = np.bincount(flat, weights=cum**2 - prev**2, minlength=self.n_rows * self.width)
            self.cache["cum_sq"] = np.cumsum(step.reshape(self.n_rows, self.width), axis=1)
        return self.cache["cum_sq"]

    def row_index(self) -> pd.Index:
        cohorts = _to_periods(self.row_cohort, self.period)
        if self.row_group is None:
            return pd.Index(cohorts, name="cohort")
        groups = [self.group_labels[g] for g in self.row_group]
        return pd.MultiIndex.from_arrays([groups, cohorts], names=[self.by, "cohort"])


def _cells(
    tx: pd.DataFrame,
    *,
    period: str,
    as_of=None,
    by: str | None = None,
    cohort_range=None,
    max_groups: int = 6,
    ot: OrderTable | None = None,
) -> _Cells:
    _check_period(period)
    if ot is None:
        ot = order_table(tx, as_of)
    cutoff = int(day_numbers(pd.Series([ot.as_of]))[0])
    last = int(_period_numbers(np.array([cutoff - 1]), period)[0])
    partial = bool(_period_start_days(np.array([last + 1]), period)[0] > cutoff)

    first_day = _first_purchase_days(ot)
    member = first_day != _NO_DAY
    first_period = int(_period_numbers(ot.day.min(initial=cutoff - 1, keepdims=True), period)[0])
    cohort = np.zeros(ot.n_customers, dtype=np.int64)
    cohort[member] = _period_numbers(first_day[member], period)
    if cohort_range is not None:
        start, end = cohort_range
        if start is not None:
            member &= cohort >= _period_number_of_date(start, period)
        if end is not None:
            member &= cohort <= _period_number_of_date(end, period)

    group = None
    labels = None
    if by is not None:
        if by not in tx.columns:
            raise KeyError(f"There is no column {by!r} to break down by.")
        line = _first_purchase_line(ot, first_day)
        group = np.zeros(ot.n_customers, dtype=np.int64)
        if member.any():
            values = tx[by].iloc[line[member]].reset_index(drop=True)
            group[member], labels = _group_codes(values, max_groups)
        else:
            labels = []

    if member.any():
        p_min = int(cohort[member].min())
        span = last - p_min + 1
        key = cohort[member] - p_min
        if group is not None:
            key = group[member] * span + key
        present = np.bincount(key) > 0  # keys are small: groups x periods
        row_keys = np.flatnonzero(present)
        row_of_member = (np.cumsum(present) - 1)[key]
        row_cohort = row_keys % span + p_min
        row_group = row_keys // span if group is not None else None
        sizes = np.bincount(row_of_member, minlength=len(row_keys))
        width = span
    else:
        row_of_member = np.zeros(0, dtype=np.int64)
        row_cohort = np.zeros(0, dtype=np.int64)
        row_group = np.zeros(0, dtype=np.int64) if group is not None else None
        sizes = np.zeros(0, dtype=np.int64)
        width = 0
    cust_row = np.full(ot.n_customers, -1, dtype=np.int64)
    cust_row[member] = row_of_member

    off = _period_numbers(ot.day, period) - cohort[ot.customer]
    keep = member[ot.customer] & (off >= 0)
    return _Cells(
        period=period,
        as_of=ot.as_of,
        last=last,
        partial=partial,
        first_period=first_period,
        row_cohort=row_cohort,
        row_group=row_group,
        group_labels=labels,
        by=by,
        sizes=sizes,
        width=width,
        cust_row=cust_row,
        order_cust=ot.customer[keep],
        order_off=off[keep],
        order_net=ot.net[keep],
        order_purchase=ot.net[keep] >= 0,
    )


def _check_metric_kind(metric: str, kind: str) -> None:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if kind == "unbounded" and metric != "customers":
        raise ValueError('kind="unbounded" applies to metric="customers" only.')


def _metric_values(cells: _Cells, metric: str, kind: str) -> np.ndarray:
    sizes = cells.sizes[:, None].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "customers":
            counts = cells.classic_counts() if kind == "classic" else cells.unbounded_counts()
            values = counts / sizes
        elif metric == "revenue":
            rev = cells.revenue()
            base = rev[:, :1]
            values = np.where(base > 0, rev / np.where(base > 0, base, 1.0), np.nan)
        else:
            values = np.cumsum(cells.revenue(), axis=1) / sizes
    return np.where(cells.observable(), values, np.nan)


def _attrs(cells: _Cells, metric: str, kind: str) -> dict:
    partial = _to_periods(np.array([cells.last]), cells.period)[0] if cells.partial else None
    return {
        "period": cells.period,
        "metric": metric,
        "kind": kind,
        "as_of": cells.as_of,
        "partial_period": partial,
        "by": cells.by,
    }


# --------------------------------------------------------------------------------------------
# Public tables
# --------------------------------------------------------------------------------------------


def retention_matrix(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
) -> pd.DataFrame:
    """Cohort-by-period retention matrix.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    period : {"W", "M", "Q"}
        Weeks starting Monday, calendar months or calendar quarters.
    metric : {"customers", "revenue", "revenue_per_customer"}
        ``"customers"``: share of the cohort active in the period (period 0 is 1.0).
        ``"revenue"``: the cohort's net revenue in the period divided by its net revenue in
        period 0 (all members' amounts, refunds included, dated in or after the cohort period;
        NaN for a cohort whose period-0 net revenue is not positive).
        ``"revenue_per_customer"``: cumulative net revenue per cohort member up to and including
        the period, in the data's currency (the cohort's value curve).
    kind : {"classic", "unbounded"}
        ``"classic"``: active in exactly that period; ``"unbounded"``: active in that period or
        any later observed one (rolling retention; customers metric only).
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction date.
    by : str or None
        Split cohorts by an attribute of the customer's first purchase order (e.g.
        ``"channel"``, see :func:`breakdown_columns`); the index becomes ``(by, cohort)``.
    cohort_range : (date-like or None, date-like or None) or None
        Keep only cohorts whose period lies between the periods containing these dates
        (inclusive); other customers are left out entirely.
    max_groups : int
        With ``by``, the largest groups kept; the rest are pooled into "Other".

    Returns
    -------
    DataFrame
        Index ``cohort`` (``pd.Period``; or ``(by, cohort)``), columns ``0, 1, 2, ...`` =
        periods since the cohort period (columns index named ``period_number``). Cells whose
        calendar period starts on or after ``as_of`` are NaN. ``attrs``: ``period``, ``metric``,
        ``kind``, ``as_of`` (Timestamp), ``partial_period`` (the unfinished last calendar
        ``pd.Period`` whose cells are incomplete, or None when the data end on a period
        boundary) and ``by``. :func:`partial_mask` gives the partial cells.
    """
    _check_metric_kind(metric, kind)
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _matrix(cells, metric, kind)


def _matrix(cells: _Cells, metric: str, kind: str) -> pd.DataFrame:
    matrix = pd.DataFrame(
        _metric_values(cells, metric, kind),
        index=cells.row_index(),
        columns=pd.RangeIndex(cells.width, name="period_number"),
    )
    matrix.attrs.update(_attrs(cells, metric, kind))
    return matrix


def cohort_sizes(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
) -> pd.Series:
    """Number of customers per cohort (customers whose first purchase order is in the period).

    Same conventions and index as :func:`retention_matrix`; int64 values named ``customers``.
    ``attrs`` as for the matrix, plus ``last_period``: the last calendar period that can be
    observed (the one containing the day before ``as_of``).
    """
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _sizes(cells)


def _sizes(cells: _Cells) -> pd.Series:
    sizes = pd.Series(cells.sizes.astype(np.int64), index=cells.row_index(), name="customers")
    sizes.attrs.update(_attrs(cells, "customers", "classic"))
    sizes.attrs["last_period"] = _to_periods(np.array([cells.last]), cells.period)[0]
    return sizes


def partial_mask(matrix: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame like ``matrix``: True on the cells of the unfinished last period."""
    partial = matrix.attrs.get("partial_period")
    mask = np.zeros(matrix.shape, dtype=bool)
    if partial is not None and len(matrix):
        cohorts = pd.PeriodIndex(matrix.index.get_level_values("cohort"))
        offset = partial.ordinal - cohorts.asi8
        cols = np.asarray(matrix.columns, dtype=np.int64)
        mask = offset[:, None] == cols[None, :]
    return pd.DataFrame(mask, index=matrix.index, columns=matrix.columns)


def _curve_rows(
    cells: _Cells,
    rows: np.ndarray,
    metric: str,
    kind: str,
    usable: np.ndarray,
    values: np.ndarray,
    z: float,
) -> pd.DataFrame:
    """Size-weighted average over ``rows`` of ``values`` where ``usable``, with an interval."""
    w = np.where(usable[rows], cells.sizes[rows, None].astype(np.float64), 0.0)
    n_customers = w.sum(axis=0)
    n_cohorts = usable[rows].sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "customers":
            counts = cells.classic_counts() if kind == "classic" else cells.unbounded_counts()
            successes = np.where(usable[rows], counts[rows], 0.0).sum(axis=0)
            value = successes / n_customers
            low, high = wilson_interval(successes, n_customers, z)
        elif metric == "revenue_per_customer":
            s1 = np.where(usable[rows], np.cumsum(cells.revenue()[rows], axis=1), 0.0).sum(axis=0)
            s2 = np.where(usable[rows], cells.cumulative_square_sums()[rows], 0.0).sum(axis=0)
            value = s1 / n_customers
            var = np.maximum(s2 - n_customers * value**2, 0.0) / (n_customers - 1)
            half = z * np.sqrt(var / n_customers)
            low, high = value - half, value + half
        else:  # revenue ratio: size-weighted mean over cohorts, spread between cohorts
            v = np.where(usable[rows], values[rows], 0.0)
            value = (w * v).sum(axis=0) / n_customers
            var = (w * (v - value) ** 2).sum(axis=0) / n_customers
            n_eff = n_customers**2 / (w**2).sum(axis=0)  # Kish effective number of cohorts
            var = var * n_eff / (n_eff - 1)
            confidence = 2 * stats.norm.cdf(z) - 1
            t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n_cohorts - 1, 1))
            half = t * np.sqrt(var / n_eff)
            half = np.where(n_cohorts >= 2, half, np.nan)
            low, high = value - half, value + half
    keep = n_cohorts > 0
    return pd.DataFrame(
        {
            "value": value[keep],
            "low": np.asarray(low)[keep],
            "high": np.asarray(high)[keep],
            "n_cohorts": n_cohorts[keep].astype(np.int64),
            "n_customers": n_customers[keep].astype(np.int64),
        },
        index=pd.RangeIndex(cells.width, name="period_number")[keep],
    )


def retention_curve(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
    include_partial: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Average retention curve over cohorts, weighted by cohort size, with an interval.

    Parameters
    ----------
    tx, period, metric, kind, as_of, by, cohort_range, max_groups
        As in :func:`retention_matrix`.
    include_partial : bool
        Whether cells of the unfinished last period count (default False: they would pull the
        average down only because the period is not over).
    confidence : float
        Coverage of the interval (default 0.95).

    Returns
    -------
    DataFrame
        Index ``period_number`` (or ``(by, period_number)``), columns ``value``, ``low``,
        ``high``, ``n_cohorts`` (cohorts observed at that point) and ``n_customers`` (their
        members). Only observable cells are used, so each point averages the cohorts old
        enough to have it. ``"customers"``: pooled share = size-weighted mean of the cohorts'
        shares, Wilson interval. ``"revenue_per_customer"``: mean cumulative net revenue per
        customer, normal interval from the spread between customers. ``"revenue"``:
        size-weighted mean of the cohorts' ratios, t interval from the spread between cohorts
        (NaN with fewer than two cohorts). Points no cohort reaches are left out.
    """
    _check_metric_kind(metric, kind)
    cells = _cells(
        tx, period=period, as_of=as_of, by=by, cohort_range=cohort_range, max_groups=max_groups
    )
    return _curve(cells, metric, kind, include_partial, confidence)


def _curve(
    cells: _Cells, metric: str, kind: str, include_partial: bool = False, confidence: float = 0.95
) -> pd.DataFrame:
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    values = _metric_values(cells, metric, kind)
    usable = cells.observable() & ~np.isnan(values)
    if not include_partial:
        usable &= ~cells.partial_cells()
    if cells.row_group is None:
        curve = _curve_rows(cells, np.arange(cells.n_rows), metric, kind, usable, values, z)
    else:
        parts = {}
        for code, label in enumerate(cells.group_labels):
            rows = np.flatnonzero(cells.row_group == code)
            parts[label] = _curve_rows(cells, rows, metric, kind, usable, values, z)
        curve = pd.concat(parts, names=[cells.by, "period_number"]) if parts else pd.DataFrame()
    curve.attrs.update(_attrs(cells, metric, kind))
    curve.attrs["include_partial"] = include_partial
    return curve


def matrix_for_export(matrix: pd.DataFrame, sizes: pd.Series | None = None) -> pd.DataFrame:
    """Flat table for CSV/XLSX: cohort labels as text, an optional ``customers`` column, then
    one column per period number (values as in the matrix; NaN = not observable)."""
    flat = matrix.copy()
    flat.columns = [f"period {c}" for c in matrix.columns]
    if sizes is not None:
        flat.insert(0, "customers", sizes.reindex(matrix.index).to_numpy())
    flat = flat.reset_index()
    flat["cohort"] = flat["cohort"].astype("str")
    flat.attrs = {}
    return flat


# --------------------------------------------------------------------------------------------
# "What this says": comparisons and plain-language sentences
# --------------------------------------------------------------------------------------------


def _cell_counts(matrix: pd.DataFrame, sizes: pd.Series, at: int) -> pd.DataFrame:
    """Complete (observable, not partial) cells of column ``at``: share, size, active count."""
    if matrix.attrs.get("metric", "customers") != "customers":
        raise ValueError("Cohort comparisons need a customers-metric matrix.")
    if at not in matrix.columns:
        return pd.DataFrame(columns=["share", "customers", "active"])
    share = matrix[at]
    ok = share.notna() & ~partial_mask(matrix)[at]
    n = sizes.reindex(matrix.index)
    out = pd.DataFrame({"share": share[ok], "customers": n[ok].astype(np.int64)})
    out["active"] = np.rint(out["share"] * out["customers"]).astype(np.int64)
    return out


def compare_cohorts(
    matrix: pd.DataFrame, sizes: pd.Series, *, at: int = 1, min_size: int = 1
) -> pd.DataFrame:
    """Each cohort's share active at period ``at`` against all the other cohorts pooled.

    Parameters
    ----------
    matrix : DataFrame
        A ``metric="customers"`` matrix from :func:`retention_matrix` (not split by ``by``).
    sizes : Series
        :func:`cohort_sizes` for the same settings.
    at : int
        Period number compared (default 1: the period after the first purchase).
    min_size : int
        Cohorts smaller than this are left out of the comparison.

    Returns
    -------
    DataFrame
        Indexed by cohort (complete cells at ``at`` only): ``share``, ``customers``, ``active``,
        ``low``/``high`` (95% Wilson), ``others_share`` (all other compared cohorts pooled),
        ``z``, ``p_value`` (two-proportion z test) and ``p_adjusted`` (Bonferroni over the
        cohorts compared, the honest figure for "the best" or "the worst" cohort, which were
        picked because they are extreme).
    """
    cells = _cell_counts(matrix, sizes, at)
    cells = cells[cells["customers"] >= min_size]
    x, n = cells["active"].to_numpy(), cells["customers"].to_numpy()
    x_rest, n_rest = x.sum() - x, n.sum() - n
    low, high = wilson_interval(x, n)
    z, p = two_proportion_test(x, n, x_rest, n_rest)
    with np.errstate(divide="ignore", invalid="ignore"):
        others = x_rest / n_rest
    return cells.assign(
        low=low,
        high=high,
        others_share=others,
        z=z,
        p_value=p,
        p_adjusted=np.minimum(p * len(cells), 1.0),
    )


def cohort_trend(
    matrix: pd.DataFrame, sizes: pd.Series, *, at: int = 1
) -> dict[str, float | int | pd.Period] | None:
    """Recent against older cohorts at period ``at``: the later half of the cohorts with a
    complete cell against the earlier half (pooled shares, two-proportion z test).

    Returns None with fewer than four such cohorts; otherwise a dict with ``older_share``,
    ``recent_share``, ``older_cohorts``, ``recent_cohorts`` (counts), ``first_recent``
    (``pd.Period``), ``difference`` (recent minus older, in share points), ``z`` and ``p_value``.
    """
    cells = _cell_counts(matrix, sizes, at).sort_index()
    if len(cells) < 4:
        return None
    half = len(cells) // 2
    older, recent = cells.iloc[:half], cells.iloc[half:]
    xo, no = older["active"].sum(), older["customers"].sum()
    xr, nr = recent["active"].sum(), recent["customers"].sum()
    z, p = two_proportion_test(xr, nr, xo, no)
    return {
        "older_share": xo / no,
        "recent_share": xr / nr,
        "older_cohorts": len(older),
        "recent_cohorts": len(recent),
        "first_recent": recent.index[0],
        "difference": xr / nr - xo / no,
        "z": float(z),
        "p_value": float(p),
    }


def flattening_period(
    curve: pd.DataFrame, *, relative: float = 0.2, absolute: float = 0.02, min_cohorts: int = 2
) -> int | None:
    """First period number ``k >= 1`` from which the average curve stops falling.

    "Stops falling" means no later point (among those backed by at least ``min_cohorts``
    cohorts) lies more than ``max(relative * value_k, absolute)`` below the value at ``k``;
    later points may rise. Returns None when the curve keeps falling or has fewer than three
    such points.
    """
    points = curve[(curve.index >= 1) & (curve["n_cohorts"] >= min_cohorts)]["value"].dropna()
    values = points.to_numpy()
    if len(values) < 3:
        return None
    for i in range(len(values) - 1):  # at most a few dozen points, not customers
        band = max(relative * values[i], absolute)
        if np.all(values[i + 1 :] >= values[i] - band):
            return int(points.index[i])
    return None


@dataclass(frozen=True)
class RetentionSummary:
    """Plain-language reading of cohort retention, with the figures behind it.

    Attributes
    ----------
    sentences : list of str
        Ready to show, in order.
    at : int
        Period number the cohorts were compared at.
    overall : float
        Average share active at ``at`` (NaN when no cohort is old enough).
    flattens_at : int or None
        See :func:`flattening_period`.
    comparison : DataFrame
        :func:`compare_cohorts` output.
    trend : dict or None
        :func:`cohort_trend` output.
    """

    sentences: list[str]
    at: int
    overall: float
    flattens_at: int | None
    comparison: pd.DataFrame
    trend: dict | None


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if abs(x) >= 0.1 or x == 0 else f"{100 * x:.1f}%"


def _p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def _periods_text(k: int, unit: str) -> str:
    return f"one {unit}" if k == 1 else f"{k} {unit}s"


def period_label(value: pd.Period) -> str:
    """Short label for a cohort or calendar period: ``2011-03``, ``2011Q1`` or, for weeks
    (Monday to Sunday), the Monday's date ``2011-03-07``."""
    if isinstance(value, pd.Period) and value.freqstr.startswith("W"):
        return f"{value.start_time:%Y-%m-%d}"
    return str(value)


def _named(value: pd.Period, unit: str) -> str:
    return f"the week of {period_label(value)}" if unit == "week" else f"{period_label(value)}"


def describe_retention(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    kind: str = "classic",
    at: int = 1,
    as_of=None,
    cohort_range: tuple | None = None,
    min_size: int = 20,
    alpha: float = 0.05,
) -> RetentionSummary:
    """Say in words what the customer-retention matrix shows.

    Covers: the average share active ``at`` periods after the first purchase (with its 95%
    interval), where the average classic curve stops falling (:func:`flattening_period`), the
    best and worst cohorts against the others (two-proportion z test, Bonferroni-adjusted
    because they were picked as extremes; cohorts under ``min_size`` customers are not
    compared), whether recent cohorts retain better or worse than older ones
    (:func:`cohort_trend`), and which period is unfinished. Partial and unobservable cells never
    count. Other parameters as in :func:`retention_matrix` (customers metric); ``alpha`` is the
    significance level.
    """
    _check_metric_kind("customers", kind)
    cells = _cells(tx, period=period, as_of=as_of, cohort_range=cohort_range)
    return _describe(cells, kind=kind, at=at, min_size=min_size, alpha=alpha)


def _describe(
    cells: _Cells, *, kind: str, at: int, min_size: int, alpha: float
) -> RetentionSummary:
    period = cells.period
    unit = PERIODS[period]
    matrix = _matrix(cells, "customers", kind)
    sizes = _sizes(cells)
    curve = _curve(cells, "customers", kind)
    if len(matrix) == 0:
        return RetentionSummary(
            ["There are no purchases to form cohorts from."], at, np.nan, None, pd.DataFrame(), None
        )
    sentences: list[str] = []
    after = _periods_text(at, unit)
    overall = np.nan
    if at in curve.index:
        row = curve.loc[at]
        overall = float(row["value"])
        later = f"in the {unit} after" if at == 1 else f"{at} {unit}s after"
        if kind == "unbounded":
            later = f"one {unit} or more after" if at == 1 else f"{at} {unit}s or more after"
        did = f"bought again {later} the {unit} of their first purchase"
        sentences.append(
            f"{_pct(overall)} of new customers {did} "
            f"(95% interval {_pct(row['low'])} to {_pct(row['high'])}; "
            f"{int(row['n_customers']):,} customers in {int(row['n_cohorts'])} "
            f"cohort{'s' if row['n_cohorts'] != 1 else ''} old enough to tell)."
        )
    else:
        sentences.append(
            f"No cohort has been watched for {after} yet, so retention after {after} cannot be "
            f"measured."
        )

    classic = curve if kind == "classic" else _curve(cells, "customers", "classic")
    flat = flattening_period(classic)
    enough = int(((classic.index >= 1) & (classic["n_cohorts"] >= 2)).sum())
    if flat is not None:
        level = classic.loc[flat:]
        level = level.loc[level["n_cohorts"] >= 2, "value"]
        start = (
            f"Retention stops falling after the first {unit}"
            if flat == 1
            else f"Retention stops falling from {unit} {flat}"
        )
        sentences.append(
            f"{start}: from then on, {_pct(level.min())} to {_pct(level.max())} of a cohort buy "
            f"in any given {unit} (average over the cohorts old enough)."
        )
    elif enough >= 3:
        sentences.append(
            f"Retention keeps falling {unit} after {unit}; it has not levelled off yet."
        )

    comparison = compare_cohorts(matrix, sizes, at=at, min_size=min_size)
    if len(comparison) >= 3:
        n = len(comparison)
        for label, idx in (
            ("best", comparison["share"].idxmax()),
            ("worst", comparison["share"].idxmin()),
        ):
            r = comparison.loc[idx]
            verdict = (
                "a gap beyond chance"
                if r["p_adjusted"] < alpha
                else ("a gap chance alone could produce")
            )
            sentences.append(
                f"The {label} cohort is {_named(idx, unit)} ({_pct(r['share'])} of "
                f"{int(r['customers']):,} after {after}, against {_pct(r['others_share'])} for "
                f"the other cohorts): {verdict} ({_p_words(r['p_adjusted'])}, allowing for "
                f"picking the {label} of {n})."
            )
        first = matrix.index[0]
        data_start = _to_periods(np.array([cells.first_period]), period)[0]
        if comparison["share"].idxmax() == first and first == data_start:
            sentences.append(
                f"Be careful with {_named(first, unit)}: it is the first {unit} of the data, so "
                f"its cohort also holds customers who had bought before the data begin, and such "
                f"loyal customers make it look better."
            )
    trend = cohort_trend(matrix, sizes, at=at)
    if trend is not None:
        direction = "better" if trend["difference"] > 0 else "worse"
        chance = "beyond" if trend["p_value"] < alpha else "within"
        sentences.append(
            f"Recent cohorts (the {trend['recent_cohorts']} from "
            f"{_named(trend['first_recent'], unit)} on) retain {direction} after {after} than "
            f"the {trend['older_cohorts']} older ones: {_pct(trend['recent_share'])} against "
            f"{_pct(trend['older_share'])}; the difference is {chance} chance "
            f"({_p_words(trend['p_value'])})."
        )
    partial = matrix.attrs.get("partial_period")
    if partial is not None:
        last_day = (matrix.attrs["as_of"] - pd.Timedelta(days=1)).date()
        name = _named(partial, unit)
        sentences.append(
            f"{name[0].upper() + name[1:] if unit == 'week' else 'The ' + unit + ' ' + name} is "
            f"not over (the data run to {last_day:%d %B %Y}), so its cells are marked as partial "
            f"and left out of the averages."
        )
    return RetentionSummary(sentences, at, overall, flat, comparison, trend)


def compare_groups(curve: pd.DataFrame, *, at: int = 1) -> dict | None:
    """Do breakdown groups retain differently at period ``at``?

    Parameters
    ----------
    curve : DataFrame
        A ``metric="customers"`` :func:`retention_curve` split with ``by``.
    at : int
        Period number compared.

    Returns
    -------
    dict or None
        ``shares`` (Series: pooled share per group, highest first), ``customers`` (Series),
        ``chi2``, ``p_value`` (chi-square test that all groups share one rate) and ``dof``; None
        when fewer than two groups reach period ``at``.
    """
    if curve.attrs.get("metric", "customers") != "customers" or curve.index.nlevels != 2:
        raise ValueError("compare_groups needs a customers-metric curve split by a breakdown.")
    at_k = curve.xs(at, level="period_number") if at in curve.index.get_level_values(1) else None
    if at_k is None or len(at_k) < 2:
        return None
    n = at_k["n_customers"].to_numpy(dtype=np.float64)
    x = np.rint(at_k["value"].to_numpy() * n)
    table = np.column_stack([x, n - x])
    if (table.sum(axis=0) == 0).any():
        chi2, p, dof = 0.0, 1.0, len(at_k) - 1
    else:
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    shares = at_k["value"].sort_values(ascending=False)
    return {
        "shares": shares,
        "customers": at_k["n_customers"].reindex(shares.index),
        "chi2": float(chi2),
        "p_value": float(p),
        "dof": int(dof),
    }


@dataclass(frozen=True)
class CohortReport:
    """Everything the cohort page shows, computed from one pass over the orders.

    Attributes
    ----------
    matrix : DataFrame
        :func:`retention_matrix` for the chosen settings (split by ``by`` when given).
    sizes : Series
        :func:`cohort_sizes`, same index as ``matrix``.
    curve : DataFrame
        :func:`retention_curve` for the chosen settings (split by ``by`` when given).
    overall_curve : DataFrame
        The same curve over all customers (equals ``curve`` when not split).
    summary : RetentionSummary
        :func:`describe_retention` (customer retention, all customers).
    sentences : list of str
        ``summary.sentences`` plus sentences about the chosen metric and breakdown.
    n_cohorts : int
        Number of cohorts (calendar periods with at least one new customer).
    n_customers : int
        Customers in those cohorts.
    total_cohorts : int
        Cohorts in the chosen range before :data:`MAX_COHORTS` kept the latest.
    capped : bool
        True when older cohorts were left out (``total_cohorts > n_cohorts``).
    """

    matrix: pd.DataFrame
    sizes: pd.Series
    curve: pd.DataFrame
    overall_curve: pd.DataFrame
    summary: RetentionSummary
    sentences: list[str]
    n_cohorts: int
    n_customers: int
    total_cohorts: int = 0
    capped: bool = False


def cohort_report(
    tx: pd.DataFrame,
    *,
    period: str = "M",
    metric: str = "customers",
    kind: str = "classic",
    as_of=None,
    by: str | None = None,
    cohort_range: tuple | None = None,
    max_groups: int = 6,
    at: int = 1,
    min_size: int = 20,
    max_cohorts: int | None = MAX_COHORTS,
) -> CohortReport:
    """Matrix, sizes, curves and the plain-language summary in one call (orders built once).

    Parameters are those of :func:`retention_matrix` and :func:`describe_retention`. The
    summary always describes customer retention (``kind`` as chosen when ``metric`` is
    ``"customers"``, classic otherwise); extra sentences cover the revenue metrics and, with
    ``by``, whether the groups retain differently (chi-square test at period ``at``). Only the
    latest ``max_cohorts`` cohorts of the range are kept (None: all; see :data:`MAX_COHORTS`).
    """
    _check_metric_kind(metric, kind)
    ot = order_table(tx, as_of)
    common = dict(period=period, as_of=as_of, cohort_range=cohort_range, ot=ot)
    all_cells = _cells(tx, **common)
    total_cohorts = all_cells.n_rows
    capped = max_cohorts is not None and total_cohorts > max(int(max_cohorts), 1)
    if capped:
        first_kept = all_cells.row_cohort[-max(int(max_cohorts), 1)]
        start = pd.Timestamp(int(_period_start_days(np.array([first_kept]), period)[0]), unit="D")
        end = cohort_range[1] if cohort_range is not None else None
        common["cohort_range"] = (start, end)
        all_cells = _cells(tx, **common)
    cells = _cells(tx, by=by, max_groups=max_groups, **common) if by else all_cells
    summary = _describe(all_cells, kind=kind, at=at, min_size=min_size, alpha=0.05)
    curve = _curve(cells, metric, kind)
    overall = _curve(all_cells, metric, kind) if by else curve
    unit = PERIODS[period]
    sentences = list(summary.sentences)
    if metric == "revenue_per_customer" and len(overall):
        first = overall.iloc[0]
        last_k = overall.index[overall["n_cohorts"] >= 2].max() if len(overall) > 1 else None
        text = (
            f"A new customer brings in {first['value']:,.2f} on average in the {unit} of their "
            f"first purchase (net of refunds)"
        )
        if last_k is not None and last_k > 0:
            text += (
                f", and {overall.loc[last_k, 'value']:,.2f} in all by {unit} {last_k} "
                f"(95% interval {overall.loc[last_k, 'low']:,.2f} to "
                f"{overall.loc[last_k, 'high']:,.2f})"
            )
        sentences.append(text + ".")
    if metric == "revenue" and at in overall.index:
        r = overall.loc[at]
        sentences.append(
            f"In {unit} {at}, a cohort brings in {_pct(r['value'])} of what it spent in its first "
            f"{unit} (size-weighted average of {int(r['n_cohorts'])} cohorts)."
        )
    if by and metric == "customers":
        groups = compare_groups(curve, at=at)
        if groups is not None:
            shares = groups["shares"]
            chance = "beyond" if groups["p_value"] < 0.05 else "within"
            sentences.append(
                f"By {by}: {shares.index[0]} retains best after {_periods_text(at, unit)} "
                f"({_pct(shares.iloc[0])}) and {shares.index[-1]} worst ({_pct(shares.iloc[-1])}); "
                f"the differences between the {len(shares)} groups are {chance} chance "
                f"({_p_words(groups['p_value'])}, chi-square test)."
            )
    if capped:
        sentences.append(
            f"Showing the latest {all_cells.n_rows:,} of {total_cohorts:,} {unit}ly cohorts (a "
            "limit that keeps this page quick); pick a range of cohorts to see older ones."
        )
    return CohortReport(
        matrix=_matrix(cells, metric, kind),
        sizes=_sizes(cells),
        curve=curve,
        overall_curve=overall,
        summary=summary,
        sentences=sentences,
        n_cohorts=all_cells.n_rows,
        n_customers=int(all_cells.sizes.sum()),
        total_cohorts=total_cohorts,
        capped=bool(capped),
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

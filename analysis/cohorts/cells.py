"""The core of the cohort tables: counts per (cohort, period number) cell as numpy arrays.

Definitions (on top of those in :mod:`analysis.orders`): a customer's **cohort** is the period
of their first *purchase* order; a customer is **active** in a period with at least one purchase
order dated in it; **period number** ``k`` counts periods since the cohort's own period.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.cohorts.attributes import (
    _NO_DAY,
    _first_purchase_days,
    _first_purchase_line,
    _group_codes,
)
from analysis.cohorts.periods import (
    _check_period,
    _period_number_of_date,
    _period_numbers,
    _to_periods,
    last_period,
)
from analysis.core.orders import OrderTable, day_numbers, order_table


def _distinct(values: np.ndarray) -> np.ndarray:
    """Return the sorted distinct values.

    A plain sort: numpy 2.4's hash-based ``np.unique`` is much slower on a few hundred thousand
    int64.
    """
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


def _cohort_members(
    ot: OrderTable, period: str, cohort_range
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each customer's first purchase day, cohort number and membership."""
    first_day = _first_purchase_days(ot)
    member = first_day != _NO_DAY
    cohort = np.zeros(ot.n_customers, dtype=np.int64)
    cohort[member] = _period_numbers(first_day[member], period)
    if cohort_range is not None:
        start, end = cohort_range
        if start is not None:
            member &= cohort >= _period_number_of_date(start, period)
        if end is not None:
            member &= cohort <= _period_number_of_date(end, period)
    return first_day, cohort, member


def _member_groups(
    tx: pd.DataFrame,
    by: str,
    ot: OrderTable,
    first_day: np.ndarray,
    member: np.ndarray,
    max_groups: int,
) -> tuple[np.ndarray, list[str]]:
    """Return the group code of each customer (``by`` on their first purchase) and the labels."""
    if by not in tx.columns:
        raise KeyError(f"There is no column {by!r} to break down by.")
    line = _first_purchase_line(ot, first_day)
    group = np.zeros(ot.n_customers, dtype=np.int64)
    if not member.any():
        return group, []
    values = tx[by].iloc[line[member]].reset_index(drop=True)
    group[member], labels = _group_codes(values, max_groups)
    return group, labels


def _rows(
    cohort: np.ndarray, member: np.ndarray, group: np.ndarray | None, last: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray, int]:
    """Return the row of each member, each row's cohort and group, the sizes and the width."""
    if not member.any():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, (empty if group is not None else None), empty, 0
    p_min = int(cohort[member].min())
    span = last - p_min + 1
    key = cohort[member] - p_min
    if group is not None:
        key = group[member] * span + key
    present = np.bincount(key) > 0  # keys are small: groups x periods
    row_keys = np.flatnonzero(present)
    row_of_member = (np.cumsum(present) - 1)[key]
    row_group = row_keys // span if group is not None else None
    sizes = np.bincount(row_of_member, minlength=len(row_keys))
    return row_of_member, row_keys % span + p_min, row_group, sizes, span


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
    last, partial = last_period(ot.as_of, period)
    first_day, cohort, member = _cohort_members(ot, period, cohort_range)
    first_period = int(_period_numbers(ot.day.min(initial=cutoff - 1, keepdims=True), period)[0])
    group, labels = (None, None)
    if by is not None:
        group, labels = _member_groups(tx, by, ot, first_day, member, max_groups)
    row_of_member, row_cohort, row_group, sizes, width = _rows(cohort, member, group, last)
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

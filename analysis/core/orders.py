"""Order-level building blocks shared by every analysis.

Definitions used throughout the package (stated once, here):

- ``as_of`` is a calendar date, the **end of observation, exclusive**. It defaults to the day
  after the last transaction date in the data; a time part given with it is dropped;
  transactions on or after it are ignored; dates compare as calendar days.
- An **order** is identified by ``(customer_id, order_id)``. Its **net value** is the sum of
  its lines' ``amount`` (refund lines are negative). Its date is the calendar day of its
  earliest line.
- A **purchase order** is an order whose net value is not negative (free orders count as
  purchases); a **refund order** is one whose net value is negative. Net values are rounded to
  ``NET_DECIMALS`` (8) decimals by :func:`round_money` before that test, everywhere, so lines
  that cancel (``0.3 - 0.1 - 0.2``) make a free order whatever the order of the rows.

The hot paths factorise the string ids once into integer codes and aggregate with numpy
(``np.bincount``, ``ufunc.at``), which is several times faster than ``groupby`` on strings.

Shared tables (the one hook of this module): every analysis gets its orders from
:func:`order_table`. A caller that runs many analyses on the same transactions (the app's
cache, ``ui.cache``) can hand them tables it has already built by installing a *provider* with
:func:`order_table_provider` around the calls: ``order_table`` then asks the provider, which
returns a table it keeps or builds one with :func:`build_order_table`. The provider is
context-local (a :class:`contextvars.ContextVar`): it applies to the code run inside the
``with`` block in that thread only, and no module attribute is ever replaced.
:func:`order_tables_built` counts the tables really built, for tests and benchmarks.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.core.errors import NotEnoughData

__all__ = [
    "NET_DECIMALS",
    "OrderTable",
    "OrderTableProvider",
    "build_order_table",
    "day_numbers",
    "order_table",
    "order_table_provider",
    "order_tables_built",
    "orders_frame",
    "resolve_as_of",
    "round_money",
    "to_timestamps",
]

#: Decimals to which every net value (of an order, or of a customer's day) is rounded before it
#: is compared with zero: lines that cancel (``0.3 - 0.1 - 0.2``) sum to a float of about 1e-17
#: whose sign depends on the order of addition; rounded, they give exactly 0, a free purchase.
NET_DECIMALS = 8


def round_money(values: np.ndarray) -> np.ndarray:
    """Net values rounded to :data:`NET_DECIMALS` decimals (the one rounding rule for nets).

    Parameters
    ----------
    values : ndarray of float64
        Sums of line amounts, in the currency of the data.

    Returns
    -------
    ndarray of float64
        Rounded, with ``-0.0`` turned into ``0.0``, so the result does not depend on the order
        in which the lines were added.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # |v| near 1e300: rounding would overflow
        out = np.where(np.abs(v) < 1e15, np.round(v, NET_DECIMALS), v)
    out += 0.0  # -0.0 + 0.0 == +0.0
    return out


def resolve_as_of(tx: pd.DataFrame, as_of=None) -> pd.Timestamp:
    """Return the end of observation as a midnight ``Timestamp`` (exclusive).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (needs ``order_date``).
    as_of : date-like or None
        Calendar date; a time part is dropped. ``None`` means the day after the last
        transaction date in ``tx``.

    Raises
    ------
    NotEnoughData
        If ``as_of`` is None and ``tx`` has no dated rows (a ``ValueError``).
    """
    if as_of is not None:
        return pd.Timestamp(as_of).normalize()
    last = tx["order_date"].max() if len(tx) else pd.NaT
    if pd.isna(last):
        raise NotEnoughData("There are no dated transactions, so there is no end of observation.")
    return pd.Timestamp(last).normalize() + pd.Timedelta(days=1)


def day_numbers(dates) -> np.ndarray:
    """Calendar days since 1970-01-01 as int64 (the time of day is dropped)."""
    values = np.asarray(pd.to_datetime(dates).to_numpy(), dtype="datetime64[D]")
    return values.astype(np.int64)


def to_timestamps(days: np.ndarray) -> np.ndarray:
    """Inverse of :func:`day_numbers`: int64 day numbers to ``datetime64[ns]`` midnights."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[ns]")


@dataclass(frozen=True)
class OrderTable:
    """Orders observed before ``as_of``, as aligned numpy arrays (one element per order).

    Attributes
    ----------
    customers : pd.Index
        Customer ids; ``customer`` holds positions into it.
    customer : ndarray of int64
        Customer code of each order.
    order_ids : ndarray of str (property)
        The order id of each order (as in the data), built on first use.
    day : ndarray of int64
        Calendar day of the order's earliest line, in days since 1970-01-01.
    net : ndarray of float64
        Net value of the order (sum of its lines, refunds negative).
    as_of : pd.Timestamp
        End of observation (exclusive) used to build the table.
    line_customer : ndarray of int64
        Customer code of every observed line (for sums over all amounts).
    line_amount : ndarray of float64
        Amount of every observed line.
    line_order : ndarray of int64
        Position of each observed line's order in the order arrays.
    line_index : ndarray of int64
        Row positions (in the input ``tx``) of the observed lines.
    """

    customers: pd.Index
    customer: np.ndarray
    order_labels: pd.Index
    order_take: np.ndarray | None
    day: np.ndarray
    net: np.ndarray
    as_of: pd.Timestamp
    line_customer: np.ndarray
    line_amount: np.ndarray
    line_order: np.ndarray
    line_index: np.ndarray

    @cached_property
    def order_ids(self) -> np.ndarray:
        """The order id of each order, as written in the data."""
        labels = (
            self.order_labels
            if self.order_take is None
            else self.order_labels.take(self.order_take)
        )
        return np.asarray(labels)

    @property
    def n_customers(self) -> int:
        """Number of customers with at least one observed line."""
        return len(self.customers)

    @property
    def is_purchase(self) -> np.ndarray:
        """Boolean mask of purchase orders (net value >= 0, to 8 decimals)."""
        return self.net >= 0

    def customer_net(self) -> np.ndarray:
        """Net revenue per customer code: all observed amounts summed (refunds included).

        Rounded by :func:`round_money`, so it does not depend on the order of the rows.
        """
        return round_money(
            np.bincount(self.line_customer, weights=self.line_amount, minlength=self.n_customers)
        )


def _run_starts(col: pd.Series) -> np.ndarray:
    """Mark where a row's value differs from the previous row's (always True for row 0)."""
    n = len(col)
    out = np.ones(n, dtype=bool)
    if n < 2:
        return out
    pa_arr = getattr(col.array, "_pa_array", None)
    if pa_arr is not None:
        import pyarrow.compute as pc

        same = pc.equal(pa_arr.slice(1), pa_arr.slice(0, n - 1))
        out[1:] = ~pc.fill_null(same, False).to_numpy(zero_copy_only=False)
    else:
        values = col.to_numpy()
        out[1:] = values[1:] != values[:-1]
    return out


def _strictly_increasing(col: pd.Series) -> bool:
    """Whether each value is larger than the one before (strings compare as text)."""
    n = len(col)
    if n < 2:
        return True
    pa_arr = getattr(col.array, "_pa_array", None)
    if pa_arr is None:
        return bool(col.is_monotonic_increasing and col.is_unique)
    import pyarrow.compute as pc

    less = pc.less(pa_arr.slice(0, n - 1), pa_arr.slice(1))
    return bool(pc.all(pc.fill_null(less, False)).as_py())


def _observed_lines(tx: pd.DataFrame, as_of_ts: pd.Timestamp):
    """Return the lines dated before ``as_of_ts``: row positions, ids, amounts and days."""
    days_all = day_numbers(tx["order_date"])
    cutoff = int(day_numbers(pd.Series([as_of_ts]))[0])
    amount_all = tx["amount"].to_numpy(dtype=np.float64, na_value=0.0)
    cust_col = tx["customer_id"]
    ord_col = tx["order_id"]
    observed = days_all < cutoff
    if observed.all():
        return np.arange(len(tx), dtype=np.int64), cust_col, ord_col, amount_all, days_all
    line_index = np.flatnonzero(observed)
    return (
        line_index,
        cust_col.take(line_index),
        ord_col.take(line_index),
        amount_all[line_index],
        days_all[line_index],
    )


def _id_codes(cust_col: pd.Series, ord_col: pd.Series):
    """Return integer codes of the customer and order ids, hashed once per run of lines.

    Exports usually list an order's lines together: hash only the first line of each run of
    equal (customer, order id), which is the same as hashing every line but several times
    faster. Codes are numbered in order of first appearance either way.

    Returns
    -------
    tuple
        ``(run_of_line, run_cust, cust_uniques, run_ord, ord_uniques)``: the run of each line
        (``None`` when every line is its own run), and the customer and order id codes of each
        run with the ids they stand for.
    """
    starts = _run_starts(cust_col) | _run_starts(ord_col)
    n_runs = int(starts.sum())
    if n_runs * 2 < len(starts):
        heads = np.flatnonzero(starts)
        run_of_line = np.cumsum(starts, dtype=np.int64) - 1
        run_cust, cust_uniques = pd.factorize(cust_col.take(heads))
        head_ids = ord_col.take(heads)
        if _strictly_increasing(head_ids):
            # Order ids sorted and each order's lines together (common in exports): every
            # run is a distinct order id, numbered in order, with no hashing needed.
            run_ord = np.arange(len(heads), dtype=np.int64)
            ord_uniques = pd.Index(head_ids.array)
        else:
            run_ord, ord_uniques = pd.factorize(head_ids)
    else:
        run_of_line = None
        run_cust, cust_uniques = pd.factorize(cust_col)
        run_ord, ord_uniques = pd.factorize(ord_col)
    run_cust = run_cust.astype(np.int64, copy=False)
    run_ord = run_ord.astype(np.int64, copy=False)
    return run_of_line, run_cust, cust_uniques, run_ord, ord_uniques


def _order_codes(run_cust: np.ndarray, run_ord: np.ndarray, n_ids: int):
    """Return the order of each run and, when needed, the order id position of each order.

    An order is (customer, order id). Usually each order id has one customer, and the order
    id codes can serve directly (``order_take`` is ``None``); otherwise both codes are
    combined into one key.
    """
    owner = np.full(n_ids, -1, dtype=np.int64)
    owner[run_ord] = run_cust
    if np.array_equal(owner[run_ord], run_cust):
        return run_ord, None
    key = run_cust * max(n_ids, 1) + run_ord
    run_order, key_uniques = pd.factorize(key)
    return run_order.astype(np.int64, copy=False), key_uniques % max(n_ids, 1)


def build_order_table(tx: pd.DataFrame, as_of=None) -> OrderTable:
    """Collapse canonical transaction lines into orders, observed before ``as_of``.

    The computation itself, never shared: analyses call :func:`order_table`, which may hand
    them a table already built (see the module docstring).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions: ``customer_id``, ``order_id``, ``order_date``, ``amount``.
    as_of : date-like or None
        End of observation, exclusive (see module docstring).

    Returns
    -------
    OrderTable
        Orders with their customer code, day number and net value. Customers that only have
        lines on or after ``as_of`` are absent.
    """
    global _BUILT
    with _BUILT_LOCK:
        _BUILT += 1
    as_of_ts = resolve_as_of(tx, as_of)
    line_index, cust_col, ord_col, amount, days = _observed_lines(tx, as_of_ts)
    run_of_line, run_cust, customers, run_ord, ord_uniques = _id_codes(cust_col, ord_col)
    run_order, order_take = _order_codes(run_cust, run_ord, len(ord_uniques))
    if run_of_line is None:
        line_order, cust_codes = run_order, run_cust
    else:
        line_order, cust_codes = run_order[run_of_line], run_cust[run_of_line]
    n_orders = len(ord_uniques) if order_take is None else len(order_take)

    # Rounded so that lines cancelling exactly (10.1 - 10.1) give 0, a purchase, not -1e-15.
    net = round_money(np.bincount(line_order, weights=amount, minlength=n_orders))
    order_day = np.full(n_orders, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(order_day, line_order, days)
    order_customer = np.empty(n_orders, dtype=np.int64)
    order_customer[line_order] = cust_codes

    return OrderTable(
        customers=pd.Index(customers, name="customer_id"),
        customer=order_customer,
        order_labels=pd.Index(ord_uniques),
        order_take=order_take,
        day=order_day,
        net=net,
        as_of=as_of_ts,
        line_customer=cust_codes,
        line_amount=amount,
        line_order=line_order,
        line_index=line_index,
    )


# ------------------------------------------------------------------------------ shared tables
#: A provider of shared order tables: called as ``provider(tx, as_of)`` instead of
#: :func:`build_order_table`, it returns a table it already has for these transactions and
#: date, or builds one (with :func:`build_order_table`).
OrderTableProvider = Callable[[pd.DataFrame, object], OrderTable]

_PROVIDER: contextvars.ContextVar[OrderTableProvider | None] = contextvars.ContextVar(
    "analysis_order_table_provider", default=None
)
_BUILT = 0
_BUILT_LOCK = threading.Lock()


@contextmanager
def order_table_provider(provider: OrderTableProvider) -> Iterator[None]:
    """Let ``provider`` answer every :func:`order_table` call made inside the ``with`` block.

    Context-local: calls made in this thread (or asyncio task) inside the block are
    answered by ``provider``; elsewhere nothing changes. Blocks nest (the innermost wins).

    Parameters
    ----------
    provider : callable
        ``provider(tx, as_of) -> OrderTable``; it must return the same table as
        ``build_order_table(tx, as_of)`` would (typically by keeping the tables it built).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a"], "order_id": ["1"],
    ...                    "order_date": pd.to_datetime(["2024-01-01"]), "amount": [5.0]})
    >>> kept = {}
    >>> def keep(tx, as_of=None):
    ...     return kept.setdefault(str(as_of), build_order_table(tx, as_of))
    >>> with order_table_provider(keep):
    ...     order_table(tx) is order_table(tx)
    True
    """
    token = _PROVIDER.set(provider)
    try:
        yield
    finally:
        _PROVIDER.reset(token)


def order_tables_built() -> int:
    """Return how many order tables :func:`build_order_table` has built in this process.

    Tests and benchmarks take differences of it to count the tables a page really built.
    """
    return _BUILT


def order_table(tx: pd.DataFrame, as_of=None) -> OrderTable:
    """Return the orders of ``tx`` observed before ``as_of`` (see :class:`OrderTable`).

    Every analysis gets its orders here. The table is :func:`build_order_table`'s, or the
    one the provider installed by :func:`order_table_provider` hands out (the same table,
    built once for many analyses).

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions: ``customer_id``, ``order_id``, ``order_date``, ``amount``.
    as_of : date-like or None
        End of observation, exclusive (see module docstring).

    Returns
    -------
    OrderTable
        Orders with their customer code, day number and net value. Customers that only have
        lines on or after ``as_of`` are absent.
    """
    provider = _PROVIDER.get()
    if provider is None:
        return build_order_table(tx, as_of)
    return provider(tx, as_of)


def orders_frame(tx: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """One row per order, for reading and teaching.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``order_id``, ``order_date`` (calendar day of the earliest
        line), ``net_value`` (sum of the lines, refunds negative) and ``is_purchase``
        (``net_value >= 0``), sorted by customer and date.
    """
    ot = order_table(tx, as_of)
    frame = pd.DataFrame(
        {
            "customer_id": ot.customers.to_numpy()[ot.customer],
            "order_id": ot.order_ids,
            "order_date": to_timestamps(ot.day),
            "net_value": ot.net,
            "is_purchase": ot.is_purchase,
        }
    )
    return frame.sort_values(["customer_id", "order_date", "order_id"], ignore_index=True)

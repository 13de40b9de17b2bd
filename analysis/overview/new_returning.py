"""New and returning customers, and their net revenue, per calendar period.

The new and returning revenue of all periods add up to the scorecard's ``net_revenue``
(tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.floats import make_float_safe
from analysis.core.orders import OrderTable, day_numbers
from analysis.overview.scorecards import _orders_before

__all__ = ["new_vs_returning"]


def _empty_nvr(freq: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.PeriodIndex([], freq=freq),
            "period_start": pd.DatetimeIndex([], dtype="datetime64[ns]"),
            "period_label": pd.Series([], dtype="str"),
            "new_customers": np.array([], dtype=np.int64),
            "returning_customers": np.array([], dtype=np.int64),
            "active_customers": np.array([], dtype=np.int64),
            "new_revenue": np.array([], dtype=np.float64),
            "returning_revenue": np.array([], dtype=np.float64),
            "net_revenue": np.array([], dtype=np.float64),
            "partial": np.array([], dtype=bool),
        }
    )


def _period_ordinals(days: np.ndarray, freq: str) -> np.ndarray:
    """Return the period ordinals (pandas ``Period.ordinal``) of int64 day numbers."""
    uniq, inverse = np.unique(days, return_inverse=True)
    stamps = pd.DatetimeIndex(uniq.astype("datetime64[D]").astype("datetime64[ns]"))
    return stamps.to_period(freq).asi8[inverse]


def _counts(ot: OrderTable, order_i: np.ndarray, n_periods: int) -> dict[str, np.ndarray]:
    """Return new/returning customers and revenue per period index (0 .. n_periods - 1)."""
    purchase = ot.is_purchase
    first_buy = np.full(ot.n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_buy, ot.customer[purchase], order_i[purchase])
    is_new = first_buy[ot.customer] == order_i

    new_rev = np.bincount(order_i[is_new], weights=ot.net[is_new], minlength=n_periods)
    ret_rev = np.bincount(order_i[~is_new], weights=ot.net[~is_new], minlength=n_periods)

    # Distinct (customer, period) pairs among purchase orders.
    pairs = pd.unique(ot.customer[purchase] * n_periods + order_i[purchase])
    pair_cust, pair_p = pairs // n_periods, pairs % n_periods
    pair_new = first_buy[pair_cust] == pair_p
    new_c = np.bincount(pair_p[pair_new], minlength=n_periods).astype(np.int64)
    ret_c = np.bincount(pair_p[~pair_new], minlength=n_periods).astype(np.int64)
    return {
        "new_customers": new_c,
        "returning_customers": ret_c,
        "active_customers": new_c + ret_c,
        "new_revenue": new_rev,
        "returning_revenue": ret_rev,
        "net_revenue": new_rev + ret_rev,
    }


def new_vs_returning(tx: pd.DataFrame, *, freq: str = "M", as_of=None) -> pd.DataFrame:
    """Count new and returning customers, and their net revenue, per calendar period.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    freq : {"M", "W", "Q", "Y"}
        Period length (pandas period alias): months by default, weeks end on Sunday.
    as_of : date-like or None
        End of observation, exclusive; default the day after the last transaction.

    Returns
    -------
    DataFrame
        One row per period from the first observed order's period to the period holding the day
        before ``as_of`` (periods without orders included, as zeros). Columns:

        - ``period`` (``pd.Period``), ``period_start`` (midnight timestamp of its first day),
          ``period_label`` (str: "2011-03" for months, the Monday's date for weeks);
        - ``new_customers``: customers whose first purchase order in the data is in the period;
        - ``returning_customers``: customers with a purchase order in the period who had one in
          an earlier period; ``active_customers`` is their sum;
        - ``new_revenue`` / ``returning_revenue``: net value of the period's orders (refund
          orders included, by order date) of new / all other customers. Refunds from customers
          with no earlier purchase in the data (bought before it starts) count as returning;
          ``net_revenue`` is their sum, and the column adds up to the scorecard's net revenue;
        - ``partial``: True for the last period when it does not end before ``as_of``.

    Notes
    -----
    In the first periods of the data nearly everyone is "new", because earlier purchases are
    not in the file.
    """
    as_of_ts, ot = _orders_before(tx, as_of)
    if ot is None or len(ot.net) == 0:
        return _empty_nvr(freq)

    last_day = int(day_numbers(pd.Series([as_of_ts]))[0]) - 1
    ords = _period_ordinals(np.append(ot.day, last_day), freq)
    order_p, last_p = ords[:-1], int(ords[-1])
    first_p = int(order_p.min())
    n_periods = last_p - first_p + 1
    counts = _counts(ot, order_p - first_p, n_periods)

    periods = pd.period_range(
        pd.Period(ordinal=first_p, freq=freq), periods=n_periods, freq=freq, name=None
    )
    starts = periods.start_time.as_unit("ns")
    next_start = (periods[-1] + 1).start_time
    if periods.freqstr.startswith("W"):
        labels = starts.strftime("%Y-%m-%d")
    else:
        labels = periods.astype(str)
    partial = np.zeros(n_periods, dtype=bool)
    partial[-1] = as_of_ts < next_start
    return pd.DataFrame(
        {
            "period": periods,
            "period_start": starts,
            "period_label": pd.array(labels, dtype="str"),
            **counts,
            "partial": partial,
        }
    )


# Extreme amounts (1e300) give inf/nan figures, never an error (analysis.core.floats).
make_float_safe(globals(), __all__)

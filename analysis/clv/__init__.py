"""Customer lifetime value with the buy-till-you-die models BG/NBD and Gamma-Gamma.

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
- Time is measured in days (``time_unit="D"``) or weeks of seven days (``"W"``). A month is
  365.25 / 12 days.

Models follow scikit-learn habits: settings in ``__init__``, ``fit`` returns ``self``, fitted
attributes end in ``_``. Likelihoods are vectorised over customers and evaluated in log space
(``gammaln``, ``logaddexp``); the BG/NBD conditional expectation uses the Euler transform of the
Gauss hypergeometric function so that large frequencies and long horizons neither overflow nor
produce NaN.

References
----------
Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2). Fader & Hardie (2013), "The Gamma-Gamma model of
monetary value".
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betainc, betaincc, betaln, digamma, gammaln, hyp2f1, polygamma
from threadpoolctl import threadpool_limits

from analysis.clv._base import history_arrays
from analysis.core.orders import day_numbers, resolve_as_of, round_money

__all__ = [
    "DAYS_PER_MONTH",
    "MAX_AMOUNT",
    "MIN_REPEAT_BUYERS",
    "UnsuitableDataError",
    "check_model_data",
    "drop_implausible_amounts",
    "TIME_UNITS",
    "BetaGeoModel",
    "GammaGammaModel",
    "HoldoutResult",
    "ValueReport",
    "calibration_holdout",
    "clv_histogram",
    "clv_summary",
    "customer_lifetime_value",
    "default_holdout_split",
    "forecast_totals",
    "holdout_insights",
    "model_warnings",
    "probability_alive_grid",
    "sharing_purchase_days",
    "top_customers",
    "value_insights",
    "value_report",
]

DAYS_PER_MONTH = 365.25 / 12
# Days per unit. "CW": calendar weeks (Monday to Sunday), at most one purchase per week.
TIME_UNITS = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH, "CW": 7.0}
SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
_NAT_DAY = np.iinfo(np.int64).min  # day number of NaT
STRONG_CORRELATION = 0.3


def _unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ValueError(
            f"time_unit must be 'D' (days), 'W' (weeks), 'M' (months) or 'CW' (calendar "
            f"weeks), not {time_unit!r}"
        ) from None


def _check_unit(summary: pd.DataFrame, time_unit: str) -> float:
    """Days per time unit, refusing a summary built in another unit."""
    unit = _unit_days(time_unit)
    built = summary.attrs.get("time_unit")
    if built is not None and built != time_unit:
        raise ValueError(
            f"The summary is in time unit {built!r} but time_unit={time_unit!r} was given."
        )
    return unit


MIN_REPEAT_BUYERS = 5
"""Fewer customers who bought on two or more days than this (no more than the purchase model
has parameters): no value model. From 5 to 29 the page warns that the numbers are rough."""
MAX_AMOUNT = 1e15
"""Largest line amount (in absolute value) the value models compute with."""
FIT_SECONDS = 60.0
"""Time budget of one model fit; a fit stopped by it reports that it did not converge."""


class UnsuitableDataError(ValueError):
    """The data cannot support the model; the message says why, in plain words.

    A ``ValueError``, so pages that show a ``ValueError``'s message show this one too.
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


def drop_implausible_amounts(tx: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Leave out customers with an amount that is not finite or beyond ``MAX_AMOUNT``.

    Sums of such amounts overflow (``1e300 * 2``) or lose every cent, so the models cannot use
    them. Returns the remaining rows and a plain sentence saying how many customers were left
    out (None when nobody was).
    """
    amount = tx["amount"].to_numpy(dtype=np.float64, na_value=0.0)
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(amount) <= MAX_AMOUNT)
    if not bad.any():
        return tx, None
    customers = tx["customer_id"]
    bad_customers = customers[bad].unique()
    keep = ~customers.isin(bad_customers).to_numpy()
    return tx[keep], (
        f"{len(bad_customers):,} customer(s) with amounts too large to compute with (beyond "
        f"±{MAX_AMOUNT:,.0f}, or infinite) were left out of the value models: check the amount "
        "column of your file."
    )


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


# Purchase days of one table computed once and shared by the summaries and the holdout of one
# value_report call (context-local, so concurrent sessions never see each other's).
_SHARED_DAYS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "_SHARED_DAYS", default=None
)


def _purchase_days(tx: pd.DataFrame, cutoff: int, start: int | None = None):
    """Purchase days per customer, observed in ``[start, cutoff)`` (day numbers).

    Returns customer ids (``pd.Index`` of all customers in ``tx``), and for every purchase day,
    sorted by customer code then day: its customer code, day number and net value. A day's net
    does not depend on the window, so inside :func:`value_report` the days of the whole table
    are computed once and each window is a filter of them (the same numbers).
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


@contextlib.contextmanager
def sharing_purchase_days(tx: pd.DataFrame, as_of=None):
    """Within this block, summaries of ``tx`` up to ``as_of`` reuse one pass over its rows.

    For functions that build several :func:`clv_summary` frames (or holdout counts) of the
    same table with different ends: the purchase days up to ``as_of`` are computed once and
    each window is a filter of them, which gives the same numbers.
    """
    cutoff = int(day_numbers(pd.Series([resolve_as_of(tx, as_of)]))[0])
    token = _SHARED_DAYS.set(
        {"tx": tx, "cutoff": cutoff, "days": _compute_purchase_days(tx, cutoff)}
    )
    try:
        yield
    finally:
        _SHARED_DAYS.reset(token)


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
    # One integer key per (customer, day). When the key and the row number fit together in 62
    # bits, one in-place integer sort of ``key << bits | row`` groups the lines (about twice as
    # fast as hashing); otherwise hash-factorise the keys and sort only the distinct ones.
    key = codes.astype(np.int64) * span + (days - first)
    n = len(key)
    bits = max(int(n - 1).bit_length(), 1)
    if int(key.max()).bit_length() + bits <= 62:
        packed = (key << bits) | np.arange(n, dtype=np.int64)
        packed.sort()
        sorted_key = packed >> bits
        line_amount = amounts[packed & ((1 << bits) - 1)]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        group_key = sorted_key[starts]
        net = np.add.reduceat(line_amount, starts)
    else:
        line_group, group_key = pd.factorize(key)
        net = np.bincount(line_group, weights=amounts, minlength=len(group_key))
        order = np.argsort(group_key)  # distinct keys: stability is irrelevant
        group_key = np.asarray(group_key)[order]
        net = net[order]
    # The one rounding rule for nets (analysis.orders): lines that cancel give exactly 0, a
    # free purchase, whatever the order in which they were added.
    net = round_money(net)
    purchase = net >= 0
    group_key, net = group_key[purchase], net[purchase]
    return uniques, group_key // span, group_key % span + first, net


def _customer_starts(customer: np.ndarray) -> np.ndarray:
    """Start positions of each customer's run in an array sorted by customer code."""
    if len(customer) == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])


def _calendar_weeks(customer: np.ndarray, day: np.ndarray, net: np.ndarray):
    """Purchase days (sorted by customer, day) merged into calendar weeks, Monday to Sunday."""
    week = (day + 3) // 7  # 1970-01-01 (day 0) was a Thursday
    if len(week) == 0:
        return customer, week, net
    keep = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (week[1:] != week[:-1])])
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
    unit = _unit_days(time_unit)
    as_of_ts = resolve_as_of(tx, as_of)
    cutoff = int(day_numbers(pd.Series([as_of_ts]))[0])
    uniques, customer, day, net = _purchase_days(tx, cutoff)
    last_observed = cutoff - 1
    if time_unit == "CW":
        customer, day, net = _calendar_weeks(customer, day, net)
        last_observed, unit = (last_observed + 3) // 7, 1.0
    starts = _customer_starts(customer)
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


# --------------------------------------------------------------------------------------------
# Fitting helpers
# --------------------------------------------------------------------------------------------


def _fit_log_params(
    negll_grad,
    theta0: np.ndarray,
    max_iter: int,
    bounds: list[tuple[float, float]],
    max_seconds: float | None = None,
) -> optimize.OptimizeResult:
    """Minimise a mean negative log-likelihood over log parameters (analytic gradient).

    At most ``max_iter`` iterations and, when given, ``max_seconds`` of wall time: the
    optimiser then stops where it is and ``success`` is False (unless the gradient there is
    negligible). BLAS is held to one thread: the optimiser's tiny matrix products otherwise
    wait on worker threads, which made fits several times slower on a busy two-core machine.
    """
    callback = None
    if max_seconds is not None:
        deadline = time.monotonic() + max_seconds

        def callback(intermediate_result) -> None:
            if time.monotonic() > deadline:
                raise StopIteration

    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        result = optimize.minimize(
            negll_grad,
            theta0,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=callback,
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
        )
    # L-BFGS-B may stop "abnormally" when no further decrease is representable; at a point
    # with a negligible gradient that is convergence.
    result.success = bool(result.success or np.max(np.abs(result.jac)) < 1e-5)
    return result


def _check_whole_frequencies(summary: pd.DataFrame) -> None:
    x = summary["frequency"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(x) & (x == np.floor(x))
    if not whole.all():
        raise ValueError(
            "frequency must be a whole number of repeat purchases for every customer (found "
            f"{x[~whole][0]!r})."
        )


_NOT_CONVERGED = (
    "The {what} model did not converge (stopped after {n} steps{why}): its numbers are the "
    "best found so far, so treat them as rough."
)


def _not_converged(what: str, result: optimize.OptimizeResult, model) -> str:
    stopped = "StopIteration" in str(result.message)
    why = (
        f", the time limit of {model.max_seconds:.0f} s"
        if stopped
        else (f", the limit of {model.max_iter} steps" if result.nit >= model.max_iter else "")
    )
    return _NOT_CONVERGED.format(what=what, n=int(result.nit), why=why)


def _log_covariance(grad, theta: np.ndarray, n: int) -> np.ndarray:
    """Covariance of the log parameters from a central-difference Hessian of the total NLL."""
    k = len(theta)
    hess = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        hess[:, j] = (grad(up) - grad(down)) / (2 * step) * n
    hess = (hess + hess.T) / 2
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    if not np.all(np.diag(cov) > 0):
        return np.full((k, k), np.nan)
    return cov


def _parameter_table(params: dict, log_cov: np.ndarray) -> pd.DataFrame:
    """Estimates with delta-method standard errors and 95% intervals (computed on log scale)."""
    names = list(params)
    est = np.array([params[n] for n in names])
    log_se = np.sqrt(np.diag(log_cov))
    with np.errstate(over="ignore"):  # a flat likelihood: an unbounded interval
        return pd.DataFrame(
            {
                "parameter": names,
                "estimate": est,
                "standard_error": est * log_se,
                "lower_95": est * np.exp(-1.959964 * log_se),
                "upper_95": est * np.exp(1.959964 * log_se),
            }
        )


class _LogParamModel:
    """Shared bits: parameter draws and the parameter table."""

    _names: tuple[str, ...] = ()
    _bounds: tuple[tuple[float, float], ...] = ()

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(summary).")

    def parameter_table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals (from the Hessian at the optimum).

        Returns
        -------
        DataFrame
            ``parameter``, ``estimate``, ``standard_error``, ``lower_95``, ``upper_95``.
        """
        self._check_fitted()
        return _parameter_table(self.params_, self.log_covariance_)

    def sample_params(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the parameters from the asymptotic normal of their logarithms.

        Returns an ``(n_draws, k)`` array in the order of ``params_`` (all equal to the estimate
        when the covariance could not be computed).
        """
        self._check_fitted()
        theta = np.log([self.params_[n] for n in self._names])
        cov = self.log_covariance_
        if not np.isfinite(cov).all():
            return np.exp(np.tile(theta, (n_draws, 1)))
        draws = rng.multivariate_normal(theta, cov, size=n_draws, method="eigh")
        low, high = np.array(self._bounds).T
        return np.exp(np.clip(draws, low, high))


# --------------------------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------------------------


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Inner product without BLAS: a multi-threaded ``ddot`` stalls on a busy two-core machine."""
    return float(np.multiply(u, v).sum())


class _BGData:
    """Fitting data arranged for a fast BG/NBD likelihood.

    Terms that depend on the frequency only are summed over its distinct values with counts;
    customers without repeat purchases only contribute through ``T`` (summed over distinct
    ``T``); only repeat buyers need per-customer arithmetic.
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
        self.n = len(x)
        self.ux, self.wx = np.unique(x, return_counts=True)
        zero = x == 0
        self.T0, self.w0 = np.unique(T[zero], return_counts=True)
        self.xr, self.txr, self.Tr = x[~zero], tx[~zero], T[~zero]


def _bgnbd_negll_grad(theta: np.ndarray, d: _BGData) -> tuple[float, np.ndarray]:
    """Mean negative BG/NBD log-likelihood and its gradient with respect to log parameters.

    Per customer: ``ln Gamma(r+x) - ln Gamma(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
    + ln[(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)]`` (FHL 2005, eq. 6), the last
    term by ``logaddexp``.
    """
    params = np.exp(theta)
    r, alpha, a, b = params
    ux, wx = d.ux, d.wx
    ll_x = _dot(wx, gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux)) + d.n * (
        -gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b)
    )
    log_t0 = np.log(alpha + d.T0)
    ll_zero = -r * _dot(d.w0, log_t0)
    xr, rx = d.xr, r + d.xr
    log_T = np.log(alpha + d.Tr)
    log_tx = np.log(alpha + d.txr)
    a3 = -rx * log_T
    a4 = np.log(a) - np.log(b + xr - 1) - rx * log_tx
    tail = np.logaddexp(a3, a4)
    total = ll_x + ll_zero + tail.sum()
    if not np.isfinite(total):
        return 1e300, np.zeros(4)
    p4 = np.exp(a4 - tail)  # posterior share of "dropped out after the last purchase"
    p3 = 1.0 - p4
    dg_ab = digamma(a + b)
    d_r = (
        _dot(wx, digamma(r + ux))
        + d.n * (np.log(alpha) - digamma(r))
        - _dot(d.w0, log_t0)
        - _dot(p3, log_T)
        - _dot(p4, log_tx)
    )
    d_alpha = (
        d.n * r / alpha
        - r * _dot(d.w0, 1.0 / (alpha + d.T0))
        - _dot(rx, p3 / (alpha + d.Tr) + p4 / (alpha + d.txr))
    )
    d_a = d.n * dg_ab - _dot(wx, digamma(a + b + ux)) + p4.sum() / a
    d_b = (
        d.n * (dg_ab - digamma(b))
        + _dot(wx, digamma(b + ux) - digamma(a + b + ux))
        - (p4 / (b + xr - 1)).sum()
    )
    grad = np.array([d_r, d_alpha, d_a, d_b]) * params
    return -total / d.n, -grad / d.n


def _hyp2f1(a, b, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``scipy.special.hyp2f1`` with a retry where it returns NaN.

    SciPy's implementation returns NaN for ``z > 0.9`` when ``c - a - b`` is exactly an integer
    (a degenerate case of its ``1 - z`` transformation). The function is smooth in ``c``, so the
    retry moves ``c`` by a relative 1e-10, which changes the value far below float precision
    that matters here.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    out = np.asarray(hyp2f1(a, b, c, z), dtype=np.float64)
    bad = ~np.isfinite(out)
    if bad.any():
        out = out.copy()
        cb = c[bad]
        out[bad] = hyp2f1(a[bad], b[bad], cb + 1e-10 * np.maximum(1.0, np.abs(cb)), z[bad])
    return out


def _tanh_sinh_rule(k: int = 40, h: float = 0.08) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tanh-sinh (double exponential) nodes on ``[0, 1]``: distances from both ends, weights.

    The distances are computed directly (not as ``1 - node``), so nodes crowding an end keep
    their precision; the rule converges fast even where the integrand has an end singularity.
    """
    j = np.arange(-k, k + 1) * h
    z = 0.5 * np.pi * np.sinh(j)
    from_left = 1.0 / (1.0 + np.exp(-2.0 * z))  # (1 + tanh z) / 2
    from_right = 1.0 / (1.0 + np.exp(2.0 * z))  # (1 - tanh z) / 2
    weight = 0.25 * h * np.pi * np.cosh(j) / np.cosh(z) ** 2
    return from_left, from_right, weight


_TS_LEFT, _TS_RIGHT, _TS_WEIGHT = _tanh_sinh_rule()
_SERIES_TERMS = 5  # terms of the small-p series; the tail holds p * s * m <= 1e-3


def _beta_expectation(a: float, beta, m, s) -> np.ndarray:
    """``E[(1 - (1 + p s)^-m) / p]`` for ``p ~ Beta(a, beta)``, vectorised over ``beta, m, s``.

    Fixed work per element (about 400 function evaluations), whatever the parameters:

    - ``p <= p0 = 1e-3 / (m s)``: the series ``sum_k (-1)^(k+1) (m)_k / k! s^k p^(k-1)``, whose
      expectations over ``[0, p0]`` are regularised incomplete Beta functions (five terms: the
      error is below 1e-14 relative);
    - ``p > p0``: the value at ``p = 1`` is taken out (a density piled up at 1 does no harm) and
      the rest integrated over ``v = log p`` by a tanh-sinh rule on five pieces split where the
      integrand bends: at ``p = 1 / (m s)``, at the mode of the density of ``v`` and eight of
      its standard deviations either side. Agrees with adaptive quadrature to about 1e-9.
    """
    beta, m, s = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (beta, m, s)))
    beta, m, s = beta.ravel(), m.ravel(), s.ravel()
    n = len(beta)
    with np.errstate(all="ignore"):
        ms = m * s
        log_b = betaln(a, beta)
        p0 = np.minimum(1.0, 1e-3 / np.maximum(ms, 1e-300))
        total = np.zeros(n)
        coef = np.ones(n)  # (m)_k / k! s^k
        ratio = np.ones(n)  # B(a + k - 1, beta) / B(a, beta)
        for k in range(1, _SERIES_TERMS + 1):
            coef = coef * (m + k - 1) / k * s
            if k > 1:
                ratio = ratio * (a + k - 2) / (a + beta + k - 2)
            total += (-1) ** (k + 1) * coef * ratio * betainc(a + k - 1, beta, p0)
        g_one = -np.expm1(-m * np.log1p(s))  # the integrand at p = 1
        total += g_one * betaincc(a, beta, p0)
        v0 = np.log(p0)
        bend = np.clip(-np.log(np.maximum(ms, 1e-300)), v0, 0.0)
        mode = np.where(a + beta > 1, np.log(a / np.maximum(a + beta - 1, 1e-300)), 0.0)
        sd = np.sqrt(np.maximum(polygamma(1, a) - polygamma(1, a + beta), 0.0))
        points = np.sort(
            np.stack(
                [bend, np.clip(mode, v0, 0.0)] + [np.clip(mode + d * sd, v0, 0.0) for d in (-8, 8)]
            ),
            axis=0,
        )
        edges = [v0, *points, np.zeros(n)]
        spread = np.maximum(ms - g_one, 0.0)  # g falls from m s at p = 0 to g_one at p = 1
        for lo_all, hi_all in itertools.pairwise(edges):
            # A piece whose Beta mass times the range of g is below 1e-13 of I (>= g_one)
            # cannot matter: skip it (most pieces, when the Beta density is concentrated).
            mass = betainc(a, beta, np.exp(hi_all)) - betainc(a, beta, np.exp(lo_all))
            rows = np.flatnonzero((hi_all > lo_all) & ~(mass * spread <= 1e-13 * g_one))
            if len(rows) == 0:
                continue
            lo, hi = lo_all[rows], hi_all[rows]
            length = (hi - lo)[:, None]
            v = lo[:, None] + length * _TS_LEFT
            to_zero = -hi[:, None] + length * _TS_RIGHT  # -v, accurate near p = 1
            p = np.exp(v)
            g = -np.expm1(-m[rows, None] * np.log1p(p * s[rows, None])) / p
            density = np.exp(
                a * v + (beta[rows, None] - 1) * np.log(-np.expm1(-to_zero)) - log_b[rows, None]
            )
            f = (g - g_one[rows, None]) * density
            total[rows] += length[:, 0] * np.where(np.isfinite(f), f, 0.0).dot(_TS_WEIGHT)
    return total


def _given_alive_by_quadrature(params, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Expected purchases in ``t`` given alive, by quadrature (where the closed form fails).

    Given alive at ``T``, ``lambda ~ Gamma(r + x, alpha + T)`` and ``p ~ Beta(a, b + x)``, and a
    customer with ``(lambda, p)`` makes ``(1 - exp(-lambda p t)) / p`` purchases on average in
    ``t``; integrating out ``lambda`` leaves a one-dimensional integral over ``p``
    (:func:`_beta_expectation`). Vectorised, evaluated once per distinct ``(x, T)``: the work is
    bounded by the number of customers, whatever the parameters.
    """
    r, alpha, a, b = (float(v) for v in params)
    x = np.asarray(x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if len(x) == 0:
        return np.empty(0)
    pairs, inverse = np.unique(np.c_[x, T], axis=0, return_inverse=True)
    xu, Tu = pairs[:, 0], pairs[:, 1]
    values = _beta_expectation(a, b + xu, r + xu, float(t) / (alpha + Tu))
    return values[np.ravel(inverse)]


def _nudge_away_from_one(a: float) -> float:
    """The closed forms divide by ``a - 1``; keep it away from zero (the limit is smooth)."""
    if abs(a - 1.0) < 1e-6:
        return 1.0 + 1e-6 if a >= 1.0 else 1.0 - 1e-6
    return a


class BetaGeoModel(_LogParamModel):
    """BG/NBD model of purchase counts (Fader, Hardie & Lee 2005).

    While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after every
    purchase they drop out for good with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    max_iter : int
        Maximum optimiser iterations.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (in the summary's time unit), ``a``, ``b``.
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    standard_errors_ : dict
        Standard errors from the inverse Hessian (delta method from the log scale).
    log_covariance_ : ndarray
        Covariance of the log parameters.
    n_customers_ : int
        Number of customers fitted.
    time_unit_ : str or None
        Time unit of the fitted summary (from its ``attrs``), if recorded.
    converged_ : bool
        Whether the optimiser reported success.
    warnings_ : list of str
        Plain-language warnings (a parameter at the edge of its allowed range).
    """

    _names = ("r", "alpha", "a", "b")
    # Log-parameter box. Shapes above 1e4 describe no heterogeneity at all (a Gamma with shape
    # 1e4 has a 1% coefficient of variation) and push SciPy's hyp2f1 out of its safe range.
    _bounds = ((-15.0, np.log(1e4)), (-15.0, 25.0), (-15.0, np.log(1e4)), (-15.0, np.log(1e4)))

    def __init__(self, *, max_iter: int = 1000, max_seconds: float | None = FIT_SECONDS) -> None:
        self.max_iter = max_iter
        self.max_seconds = max_seconds

    def fit(self, summary: pd.DataFrame) -> BetaGeoModel:
        """Fit by maximum likelihood on a :func:`clv_summary` frame.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` (whole numbers), ``recency``, ``T`` per customer (any time unit,
            used consistently).

        Returns
        -------
        BetaGeoModel
            ``self``, fitted.

        Raises
        ------
        UnsuitableDataError
            Before any fitting, for data the model cannot learn from (see
            :func:`check_model_data`): no or one customer, nobody who bought twice, no time.
        ValueError
            For frequencies that are not whole numbers and inconsistent recency or ``T``.
        """
        x, tx, T = history_arrays(summary)
        _check_whole_frequencies(summary)
        check_model_data(summary)
        mean_t = float(np.mean(T)) if np.mean(T) > 0 else 1.0
        rate = (np.mean(x) + 1.0) / (mean_t + 1.0)
        theta0 = np.log([1.0, 1.0 / max(rate, 1e-9), 1.0, 1.0])
        data = _BGData(x, tx, T)
        result = _fit_log_params(
            lambda th: _bgnbd_negll_grad(th, data),
            theta0,
            self.max_iter,
            list(self._bounds),
            self.max_seconds,
        )
        theta = result.x
        params = np.exp(theta)
        self.params_ = dict(zip(self._names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = float(-result.fun * len(x))
        self.converged_ = bool(result.success)
        self.n_customers_ = len(x)
        self.time_unit_ = summary.attrs.get("time_unit")
        self.log_covariance_ = _log_covariance(
            lambda th: _bgnbd_negll_grad(th, data)[1], theta, len(x)
        )
        se = params * np.sqrt(np.diag(self.log_covariance_))
        self.standard_errors_ = dict(zip(self._names, (float(v) for v in se), strict=True))
        self.warnings_ = []
        if not self.converged_:
            self.warnings_.append(_not_converged("purchase (BG/NBD)", result, self))
        edge = [
            n
            for n, th, (lo, hi) in zip(self._names, theta, self._bounds, strict=True)
            if th <= lo + 1e-6 or th >= hi - 1e-6
        ]
        if edge:
            self.warnings_.append(
                "The purchase model reached the edge of its parameter range ("
                + ", ".join(edge)
                + "): the data cannot tell how much customers differ from each other, so "
                "treat its forecasts as rough."
            )
        return self

    # -- predictions ---------------------------------------------------------------------

    def _p(self, params=None):
        self._check_fitted()
        if params is None:
            params = [self.params_[n] for n in self._names]
        return [float(v) for v in params]

    @staticmethod
    def _log_odds_dead(params, x, tx, T) -> np.ndarray:
        """log of ``a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x)``; -inf when ``x == 0``."""
        r, alpha, a, b = params
        out = np.full(np.shape(x), -np.inf)
        m = x > 0
        xm = x[m]
        out[m] = (
            np.log(a)
            - np.log(b + xm - 1)
            + (r + xm) * (np.log(alpha + T[m]) - np.log(alpha + tx[m]))
        )
        return out

    @staticmethod
    def _distinct_histories(x, T) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
        """``(codes, x_distinct, T_distinct)``: ``codes`` maps each customer to its distinct
        ``(x, T)`` (None when all are distinct, or too few to be worth it)."""
        x = np.asarray(x, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        if len(x) > 64:
            codes, uniques = pd.factorize(x + 1j * T)
            uniques = np.asarray(uniques)
            if len(uniques) < len(x):
                return codes, uniques.real.copy(), uniques.imag.copy()
        return None, x, T

    @staticmethod
    def _given_alive(
        params, t: float, x, T, *, exact: bool = True, distinct: bool = False
    ) -> np.ndarray:
        """I = E[Y(t) | alive, x, T] = E[(1 - (1 + p s)^-(r+x)) / p], once per distinct (x, T).

        Closed form (Euler-transformed Gauss hypergeometric function); where it fails,
        ``exact=True`` recomputes by vectorised quadrature (bounded work per customer) and
        ``exact=False`` returns NaN, for the many parameter draws of an interval, which simply
        leave such a draw out. ``distinct=True``: ``(x, T)`` are already distinct.
        """
        r, alpha, a0, b = params
        a = _nudge_away_from_one(a0)
        x_all = np.asarray(x, dtype=np.float64)
        T_all = np.asarray(T, dtype=np.float64)
        codes = None
        if distinct:
            x, T = x_all, T_all
        elif len(x_all) > 64:
            codes, uniques = pd.factorize(x_all + 1j * T_all)
            uniques = np.asarray(uniques)
            if len(uniques) < len(x_all):
                x, T = uniques.real.copy(), uniques.imag.copy()
            else:
                codes, x, T = None, x_all, T_all
        else:
            x, T = x_all, T_all
        with np.errstate(all="ignore"):
            log_1mz = np.log(alpha + T) - np.log(alpha + T + t)
            z = t / (alpha + T + t)
            # Euler transform: ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)
            #   = (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z): bounded parameters, no overflow.
            c = a + b + x - 1
            hyp = _hyp2f1(a + b - 1 - r, a - 1, c, z)
            bracket = -np.expm1((a - 1) * log_1mz) - np.exp((a - 1) * log_1mz) * (hyp - 1.0)
            given_alive = c / (a - 1) * bracket
            # Bounds of I: 0 <= I <= (r+x) t / (alpha+T) (1 - (1+y)^-m <= m y), and
            # I <= E[1/p] = (a+b+x-1)/(a-1) when a > 1. SciPy's hyp2f1 returns NaN (rarely
            # garbage) for some large parameters near z = 1; recompute those by quadrature.
            upper = (r + x) * (t / (alpha + T))
            if a0 > 1:
                upper = np.minimum(upper, c / (a - 1))
            bad = ~(
                np.isfinite(given_alive)
                & (given_alive >= -1e-12)
                & (given_alive <= upper * (1 + 1e-8) + 1e-300)
            )
        if bad.any():
            given_alive = given_alive.copy()
            # Second closed form, untransformed: (a+b+x-1)/(a-1) [1 - (1-z)^(r+x)
            # 2F1(r+x, b+x; a+b+x-1; z)]. Its series converges fast where the Euler form's has
            # huge parameters (large a and b: a drop-out probability that hardly varies). Kept
            # only within the bounds and where the bracket is not a cancellation (>= 1e-3).
            idx = np.flatnonzero(bad)
            xb = x[idx]
            with np.errstate(all="ignore"):
                scale = np.exp((r + xb) * log_1mz[idx])
                hyp_b = _hyp2f1(r + xb, b + xb, c[idx], z[idx])
                bracket_b = 1.0 - scale * hyp_b
                second = c[idx] / (a - 1) * bracket_b
                good = (
                    np.isfinite(second)
                    & (np.abs(bracket_b) >= 1e-3)
                    & (second >= 0)
                    & (second <= upper[idx] * (1 + 1e-8) + 1e-300)
                )
            given_alive[idx[good]] = second[good]
            bad[idx[good]] = False
        if bad.any():
            if not exact:
                given_alive[bad] = np.nan
            else:
                given_alive[bad] = _given_alive_by_quadrature((r, alpha, a0, b), t, x[bad], T[bad])
        with np.errstate(invalid="ignore"):  # NaN stays NaN
            given_alive = np.clip(given_alive, 0.0, upper)
        return given_alive if codes is None else given_alive[codes]

    @classmethod
    def _conditional_expectation(
        cls, params, t: float, x, tx, T, *, exact: bool = True
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T] = P(alive) * I, I = E[(1 - (1 + p s)^-(r+x)) / p] (see below).

        Where the closed form fails, ``exact=True`` recomputes by quadrature (vectorised, once
        per distinct customer history); ``exact=False`` returns NaN there, for the many
        parameter draws of an interval, which simply leave such a draw out.
        """
        r, alpha, a0, b = params
        t = float(t)
        if t < 0:
            raise ValueError("The horizon t must not be negative.")
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        given_alive = cls._given_alive((r, alpha, a0, b), t, x, T, exact=exact)
        return given_alive * cls._p_alive((r, alpha, a0, b), x, tx, T)

    @classmethod
    def _expectations(
        cls, params, ts, x, tx, T, *, exact: bool = True, histories=None
    ) -> list[np.ndarray]:
        """``_conditional_expectation`` at several horizons: histories grouped and P(alive)
        computed once (the same numbers, less work). ``histories``: a reusable
        :meth:`_distinct_histories` of ``(x, T)``."""
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        if histories is None:
            histories = cls._distinct_histories(x, T)
        codes, xu, Tu = histories
        alive = cls._p_alive(params, x, tx, T)
        out = []
        for t in ts:
            t = float(t)
            if t < 0:
                raise ValueError("The horizon t must not be negative.")
            given = cls._given_alive(params, t, xu, Tu, exact=exact, distinct=True)
            out.append((given if codes is None else given[codes]) * alive)
        return out

    @classmethod
    def _p_alive(cls, params, x, tx, T) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + odds of having dropped out), without FP warnings."""
        with np.errstate(under="ignore", over="ignore"):
            return np.exp(-np.logaddexp(0.0, cls._log_odds_dead(params, x, tx, T)))

    def expected_purchases(self, t: float, summary: pd.DataFrame, *, params=None) -> pd.Series:
        """Expected number of purchases in the next ``t`` time units, per customer.

        Parameters
        ----------
        t : float
            Horizon, in the summary's time unit.
        summary : DataFrame
            :func:`clv_summary` frame (``frequency``, ``recency``, ``T``).
        params : sequence, optional
            Parameters ``(r, alpha, a, b)`` to use instead of the fitted ones (for draws).

        Returns
        -------
        Series
            Conditional expectation E[Y(t) | x, t_x, T], indexed like ``summary``.
        """
        x, tx, T = history_arrays(summary)
        values = self._conditional_expectation(self._p(params), t, x, tx, T)
        return pd.Series(values, index=summary.index, name="expected_purchases")

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Customers with no repeat purchase have probability 1 under BG/NBD (drop-out only happens
        right after a purchase), so rank on :meth:`probability_no_purchase` to compare them.

        Returns
        -------
        Series
            P(alive | x, t_x, T), indexed like ``summary``.
        """
        x, tx, T = history_arrays(summary)
        return pd.Series(self._p_alive(self._p(), x, tx, T), index=summary.index, name="p_alive")

    def probability_no_purchase(self, t: float, summary: pd.DataFrame) -> pd.Series:
        """Probability of no purchase in the next ``t`` time units, per customer.

        ``1 - P(alive) + P(alive) * ((alpha + T) / (alpha + T + t))^(r + x)``: dead, or alive
        with a Poisson rate drawn from its posterior ``Gamma(r + x, alpha + T)`` and no event.

        Returns
        -------
        Series
            Indexed like ``summary``; directly comparable with a churn label over ``t``.
        """
        x, tx, T = history_arrays(summary)
        r, alpha, _, _ = self._p()
        p_alive = self._p_alive(self._p(), x, tx, T)
        with np.errstate(under="ignore"):
            none_if_alive = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + float(t))))
        return pd.Series(
            1.0 - p_alive + p_alive * none_if_alive, index=summary.index, name="p_no_purchase"
        )

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray | float:
        """E[X(t)]: expected purchases in ``t`` time units of a customer just acquired.

        Parameters
        ----------
        t : float or array
            Time since the first purchase, in the fitted time unit. The first purchase itself is
            not counted.
        """
        ts = np.atleast_1d(np.asarray(t, dtype=np.float64))
        zero = np.zeros(1)
        out = np.array(
            [self._conditional_expectation(self._p(), v, zero, zero, zero)[0] for v in ts]
        )
        return float(out[0]) if np.ndim(t) == 0 else out

    def probability_of_n_purchases(self, t: float, n, *, params=None) -> np.ndarray | float:
        """P(X(t) = n): probability that a customer just acquired makes exactly ``n`` repeat
        purchases in the next ``t`` time units (Fader, Hardie & Lee 2005, eq. 8).

        ``B(a, b+n)/B(a, b) * NB(n; r, alpha/(alpha+t)) + [n > 0] B(a+1, b+n-1)/B(a, b) *
        P(NB(r, alpha/(alpha+t)) >= n)``: still active after ``n`` purchases, or dropped out
        right after the ``n``-th one. ``NB(n; r, q) = Gamma(r+n) / (Gamma(r) n!) q^r (1-q)^n``;
        its tail is the regularised incomplete Beta function ``I_{t/(alpha+t)}(n, r)`` (the
        finite sum of lifetimes' ``probability_of_n_purchases_up_to_time``, without its
        overflow for large ``n``). Evaluated in log space.

        Parameters
        ----------
        t : float
            Horizon, in the fitted time unit (>= 0).
        n : int or array of int
            Numbers of repeat purchases (>= 0).
        params : sequence, optional
            ``(r, alpha, a, b)`` to use instead of the fitted ones.

        Returns
        -------
        float or ndarray
            A float for a scalar ``n``; summed over every ``n`` it is 1.
        """
        r, alpha, a, b = self._p(params)
        t = float(t)
        if not (np.isfinite(t) and t >= 0):
            raise ValueError("The horizon t must be a finite number >= 0.")
        ns = np.atleast_1d(np.asarray(n))
        if not (
            np.issubdtype(ns.dtype, np.number)
            and np.isfinite(ns).all()
            and (ns == np.floor(ns)).all()
            and (ns >= 0).all()
        ):
            raise ValueError("n must be whole numbers >= 0.")
        x = ns.astype(np.float64)
        with np.errstate(all="ignore"):
            log_q = np.log(alpha) - np.log(alpha + t)  # log alpha/(alpha+t)
            log_1mq = np.log(t) - np.log(alpha + t) if t > 0 else -np.inf
            log_nb = gammaln(r + x) - gammaln(r) - gammaln(x + 1) + r * log_q
            log_nb = log_nb + np.where(x > 0, x * log_1mq, 0.0)
            first = np.exp(betaln(a, b + x) - betaln(a, b) + log_nb)
            tail = betainc(np.maximum(x, 1.0), r, t / (alpha + t))  # P(NB >= n), n >= 1
            second = np.where(x > 0, np.exp(betaln(a + 1, b + x - 1) - betaln(a, b)) * tail, 0.0)
            out = np.clip(first + second, 0.0, 1.0)
        return float(out[0]) if np.ndim(n) == 0 else out


# --------------------------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------------------------


def _gg_negll_grad(theta: np.ndarray, x, m) -> tuple[float, np.ndarray]:
    p, q, v = np.exp(theta)
    px = p * x
    log_xm_v = np.log(x * m + v)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    dg = digamma(px + q)
    d_p = x * (dg - digamma(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = dg - digamma(q) + np.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    n = len(x)
    total = ll.sum()
    if not np.isfinite(total):
        return 1e300, np.zeros(3)
    grad = np.array([d_p.sum() * p, d_q.sum() * q, d_v.sum() * v])
    return -total / n, -grad / n


class GammaGammaModel(_LogParamModel):
    """Gamma-Gamma model of the mean value per purchase (Fader & Hardie 2013).

    Each purchase's value is Gamma(p, nu) with ``nu ~ Gamma(q, v)`` across customers. It assumes
    that spend per purchase does not depend on how often a customer buys: the fitted correlation
    between the two is reported and a warning is issued when it is strong (|rho| >= 0.3).

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``v`` (``v`` in the currency of the data).
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    standard_errors_ : dict
        Standard errors from the inverse Hessian.
    n_customers_ : int
        Number of customers fitted (``frequency > 0`` and ``monetary_value > 0``).
    frequency_spend_correlation_ : float
        Pearson correlation between frequency and mean spend among those customers.
    warnings_ : list of str
        Plain-language warnings about the fit.
    mean_observed_spend_ : float
        Mean of the fitted customers' mean spend (fallback when ``q <= 1``).
    """

    _names = ("p", "q", "v")
    # v is in the currency of the data: room for amounts up to MAX_AMOUNT.
    _bounds = ((-25.0, 25.0), (-25.0, 25.0), (-25.0, 60.0))

    def __init__(self, *, max_iter: int = 1000, max_seconds: float | None = FIT_SECONDS) -> None:
        self.max_iter = max_iter
        self.max_seconds = max_seconds

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit by maximum likelihood on repeat buyers with a positive mean repeat spend.

        Parameters
        ----------
        summary : DataFrame
            :func:`clv_summary` frame (``frequency``, ``monetary_value``).

        Returns
        -------
        GammaGammaModel
            ``self``, fitted.
        """
        x_all = summary["frequency"].to_numpy(dtype=np.float64)
        m_all = summary["monetary_value"].to_numpy(dtype=np.float64)
        keep = (x_all > 0) & (m_all > 0) & np.isfinite(m_all)
        x, m = x_all[keep], m_all[keep]
        if len(x) < 2:
            raise ValueError(
                "The spend model needs at least two customers who bought more than once."
            )
        mean_m = float(np.mean(m))
        theta0 = np.log([1.0, 2.0, mean_m])
        _check_whole_frequencies(summary)
        result = _fit_log_params(
            lambda th: _gg_negll_grad(th, x, m),
            theta0,
            self.max_iter,
            list(self._bounds),
            self.max_seconds,
        )
        theta = result.x
        params = np.exp(theta)
        self.params_ = dict(zip(self._names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = float(-result.fun * len(x))
        self.converged_ = bool(result.success)
        self.n_customers_ = len(x)
        self.mean_observed_spend_ = mean_m
        self.log_covariance_ = _log_covariance(
            lambda th: _gg_negll_grad(th, x, m)[1], theta, len(x)
        )
        se = params * np.sqrt(np.diag(self.log_covariance_))
        self.standard_errors_ = dict(zip(self._names, (float(v) for v in se), strict=True))
        corr = float(np.corrcoef(x, m)[0, 1]) if np.std(x) > 0 and np.std(m) > 0 else 0.0
        self.frequency_spend_correlation_ = corr
        self.warnings_ = []
        if not self.converged_:
            self.warnings_.append(_not_converged("spend (Gamma-Gamma)", result, self))
        if abs(corr) >= STRONG_CORRELATION:
            msg = (
                f"Spend per purchase and number of purchases are correlated (r = {corr:.2f}); the "
                "spend model assumes they are not, so value estimates may be biased."
            )
            self.warnings_.append(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        if self.params_["q"] <= 1:
            msg = (
                "The fitted spend model has no finite average for new customers (q <= 1); the "
                "observed average spend is used for customers without repeat purchases."
            )
            self.warnings_.append(msg)
            warnings.warn(msg, UserWarning, stacklevel=2)
        return self

    def expected_spend(self, summary: pd.DataFrame, *, params=None) -> pd.Series:
        """Expected value of a future purchase, per customer (currency of the data).

        ``p (v + x m) / (p x + q - 1)``: a weighted mean of the population mean ``p v / (q - 1)``
        and the customer's observed mean repeat spend ``m``.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` per customer.
        params : sequence, optional
            ``(p, q, v)`` to use instead of the fitted ones (for draws).

        Returns
        -------
        Series
            Indexed like ``summary``.
        """
        self._check_fitted()
        p, q, v = params if params is not None else [self.params_[n] for n in self._names]
        x = summary["frequency"].to_numpy(dtype=np.float64)
        m = np.where(x > 0, summary["monetary_value"].to_numpy(dtype=np.float64), 0.0)
        denom = p * x + q - 1
        ok = denom > 0
        value = np.full(len(x), self.mean_observed_spend_)
        value[ok] = p * (v + x[ok] * m[ok]) / denom[ok]
        return pd.Series(value, index=summary.index, name="expected_spend")


# --------------------------------------------------------------------------------------------
# Value and forecasts
# --------------------------------------------------------------------------------------------


def customer_lifetime_value(
    bg: BetaGeoModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "D",
) -> pd.Series:
    """Expected discounted net value of each customer over the next ``months`` months.

    Month ``i``'s expected purchases (BG/NBD: E[Y(i months)] - E[Y(i-1 months)]) times the
    expected value per purchase (Gamma-Gamma), discounted by ``(1 + rate) ** i`` and summed.

    Parameters
    ----------
    bg, gg : fitted BetaGeoModel and GammaGammaModel
    summary : DataFrame
        :func:`clv_summary` frame the models apply to.
    months : int
        Horizon in months of 365.25 / 12 days.
    monthly_discount_rate : float
        Discount rate per month (0.01 is about 12.7% a year).
    time_unit : {"D", "W"}
        Time unit of ``summary`` and of the fitted BG/NBD.

    Returns
    -------
    Series
        ``clv`` in the currency of the data (net of nothing but refund-only days, which the
        purchase definition leaves out), indexed like ``summary``.
    """
    unit = _check_unit(summary, time_unit)
    if months < 0:
        raise ValueError("months must not be negative.")
    spend = gg.expected_spend(summary).to_numpy()
    x, tx, T = history_arrays(summary)
    params = bg._p()
    total = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    horizons = [i * DAYS_PER_MONTH / unit for i in range(1, int(months) + 1)]
    for i, current in enumerate(bg._expectations(params, horizons, x, tx, T), start=1):
        total += (current - previous) / (1.0 + monthly_discount_rate) ** i
        previous = current
    return pd.Series(total * spend, index=summary.index, name="clv")


def forecast_totals(
    bg: BetaGeoModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    months: tuple[int, ...] = (3, 6, 12),
    time_unit: str = "D",
    n_draws: int = 100,
    level: float = 0.9,
    max_customers: int = 5_000,
    random_state: int = 0,
    max_seconds: float | None = 5.0,
) -> pd.DataFrame:
    """Expected purchases and net revenue of the whole customer base, with an interval.

    The point forecast sums every customer's expectations. The interval combines uncertainty in
    the fitted parameters (draws from the asymptotic normal of both models' log parameters) with
    the randomness of purchase counts (approximated as Poisson around each draw's total). For
    speed, each draw is evaluated on a random sample of at most ``max_customers`` customers, and
    the ratio of the sample's totals under the draw and under the estimate is applied to the
    whole base's totals. Revenue is undiscounted.

    Parameters
    ----------
    bg, gg : fitted models
    summary : DataFrame
        :func:`clv_summary` frame.
    months : tuple of int
        Horizons, in months of 365.25 / 12 days.
    time_unit : {"D", "W"}
        Time unit of ``summary``.
    n_draws : int
        Number of parameter draws.
    level : float
        Coverage of the interval (0.9 = 5th to 95th percentile).
    max_customers : int
        Customers used for the draws.
    random_state : int
        Seed.
    max_seconds : float or None
        Time budget of the draws: when it runs out, the interval rests on the draws made so far
        (none with fewer than half of ``n_draws``). Ordinary data needs a small part of it; it
        bounds the work where the fitted parameters make every evaluation slow.

    Returns
    -------
    DataFrame
        One row per horizon: ``months``, ``expected_purchases``, ``purchases_low``,
        ``purchases_high``, ``expected_revenue``, ``revenue_low``, ``revenue_high``. ``attrs``:
        ``draws`` (draws made), ``n_draws`` (asked for), ``sampled_customers`` (customers the
        draws were evaluated on) and ``customers``.
    """
    unit = _check_unit(summary, time_unit)
    rng = np.random.default_rng(random_state)
    x, tx, T = history_arrays(summary)
    n = len(x)
    spend = gg.expected_spend(summary).to_numpy()
    sample = np.arange(n) if n <= max_customers else rng.choice(n, max_customers, replace=False)
    xs, txs, Ts = x[sample], tx[sample], T[sample]
    sub = summary.iloc[sample]
    bg_draws = bg.sample_params(n_draws, rng)
    gg_draws = gg.sample_params(n_draws, rng)
    spend_draws = np.array([gg.expected_spend(sub, params=g).to_numpy() for g in gg_draws])
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    horizons = [mo * DAYS_PER_MONTH / unit for mo in months]
    point = []
    for expected in bg._expectations(bg._p(), horizons, x, tx, T):
        # Each draw moves the sample's totals by a ratio; applying that ratio to the full
        # totals keeps the sample's own sampling error out of the interval.
        point.append(
            (
                float(expected.sum()),
                float((expected * spend).sum()),
                expected[sample].sum(),
                (expected[sample] * spend[sample]).sum(),
            )
        )
    draw_purchases = np.full((len(horizons), n_draws), np.nan)
    draw_revenue = np.full((len(horizons), n_draws), np.nan)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    made = 0
    done: dict[bytes, list[np.ndarray]] = {}
    sample_histories = bg._distinct_histories(xs, Ts)
    for d in range(n_draws):
        if deadline is not None and time.monotonic() > deadline:
            break
        key = bg_draws[d].tobytes()
        if key not in done:  # identical draws (no covariance) share their purchases
            done[key] = bg._expectations(
                bg_draws[d], horizons, xs, txs, Ts, exact=False, histories=sample_histories
            )
        e_draws = done[key]
        for h, e in enumerate(e_draws):
            purchases, revenue, base_purchases, base_revenue = point[h]
            draw_purchases[h, d] = purchases * _ratio(e.sum(), base_purchases)
            draw_revenue[h, d] = revenue * _ratio((e * spend_draws[d]).sum(), base_revenue)
        made += 1
    rows = []
    for h, mo in enumerate(months):
        purchases, revenue = point[h][0], point[h][1]
        dp, dr = draw_purchases[h], draw_revenue[h]
        # Purchase-count noise around each draw: Poisson, by its normal limit for large totals
        # (numpy's Poisson refuses huge means, which absurd draws on tiny data can produce).
        lam = np.where(np.isfinite(dp), np.maximum(dp, 0.0), 0.0)
        small = lam < 1e6
        noisy = np.empty(n_draws)
        noisy[small] = rng.poisson(lam[small])
        noisy[~small] = np.maximum(rng.normal(lam[~small], np.sqrt(lam[~small])), 0.0)
        ratio = np.divide(noisy, lam, out=np.ones(n_draws), where=lam > 0)
        dr = dr * ratio
        # Draws where the closed form failed (or that the time budget left undone) are left
        # out; with fewer than half of them usable the interval would not be honest.
        valid = np.isfinite(dp) & np.isfinite(dr)
        if valid.sum() < n_draws / 2:
            valid[:] = False
        noisy = np.where(valid, noisy, np.nan)
        dr = np.where(valid, dr, np.nan)
        rows.append(
            {
                "months": int(mo),
                "expected_purchases": purchases,
                "purchases_low": _quantile(noisy, lo_q),
                "purchases_high": _quantile(noisy, hi_q),
                "expected_revenue": revenue,
                "revenue_low": _quantile(dr, lo_q),
                "revenue_high": _quantile(dr, hi_q),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs = {
        "draws": made,
        "n_draws": n_draws,
        "sampled_customers": len(sample),
        "customers": n,
    }
    return out


def _ratio(value: float, base: float) -> float:
    return float(value / base) if base > 0 else 1.0


def _quantile(values: np.ndarray, q: float) -> float:
    finite = values[np.isfinite(values)]
    return float(np.quantile(finite, q)) if len(finite) else float("nan")


def probability_alive_grid(
    bg: BetaGeoModel,
    summary: pd.DataFrame,
    *,
    max_frequency: int | None = None,
    n_recency: int = 20,
) -> pd.DataFrame:
    """P(alive) over a frequency x recency grid, for a customer observed for the longest ``T``.

    Parameters
    ----------
    bg : fitted BetaGeoModel
    summary : DataFrame
        :func:`clv_summary` frame (sets the ranges).
    max_frequency : int or None
        Largest frequency shown; default the 99th percentile of ``frequency`` (at least 5).
    n_recency : int
        Number of recency steps from 0 to ``T``.

    Returns
    -------
    DataFrame
        Long format: ``frequency`` (int), ``recency`` (time unit of ``summary``), ``T``,
        ``p_alive``. Frequency 0 only has recency 0.
    """
    T_max = float(summary["T"].max()) if len(summary) else 0.0
    if max_frequency is None:
        q = float(np.quantile(summary["frequency"], 0.99)) if len(summary) else 0.0
        max_frequency = max(5, int(np.ceil(q)))
    freq = np.arange(0, max_frequency + 1)
    rec = np.linspace(0.0, T_max, n_recency + 1)
    f_grid, r_grid = np.meshgrid(freq, rec, indexing="ij")
    f_flat, r_flat = f_grid.ravel().astype(np.float64), r_grid.ravel()
    keep = (f_flat > 0) | (r_flat == 0)
    grid = pd.DataFrame(
        {
            "frequency": f_flat[keep].astype(np.int64),
            "recency": r_flat[keep],
            "T": np.full(keep.sum(), T_max),
        }
    )
    grid["p_alive"] = bg.probability_alive(grid).to_numpy()
    return grid


# --------------------------------------------------------------------------------------------
# Calibration / holdout
# --------------------------------------------------------------------------------------------


@dataclass
class HoldoutResult:
    """How well BG/NBD fitted on a calibration period predicted the holdout period.

    Attributes
    ----------
    model : BetaGeoModel
        Fitted on the calibration period.
    customers : DataFrame
        Per calibration customer: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``frequency_holdout`` (actual repeat purchase days in the holdout),
        ``predicted_holdout`` and ``duration_holdout`` (time unit).
    by_frequency : DataFrame
        ``frequency_cal`` (0..6 and "7+" as str), ``customers``, ``actual`` and ``predicted``
        mean holdout purchases: the classic chart.
    tracking : DataFrame
        Cumulative repeat purchases over time, ``date``, ``actual``, ``predicted`` (the whole
        base), weekly (every k-th week beyond 26 weeks, and the last day).
    mae, rmse : float
        Per-customer errors of the holdout purchase count.
    actual_total, predicted_total : float
        Holdout purchases of all calibration customers.
    calibration_end, holdout_end : Timestamp
        Period boundaries (exclusive ends).
    time_unit : str
    """

    model: BetaGeoModel
    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    tracking: pd.DataFrame
    mae: float
    rmse: float
    actual_total: float
    predicted_total: float
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    time_unit: str


def _holdout_counts(tx: pd.DataFrame, customers: pd.Index, start: int, end: int) -> np.ndarray:
    """Purchase days in ``[start, end)`` per customer of ``customers`` (0 for the others)."""
    uniques, customer, _, _ = _purchase_days(tx, end, start)
    counts = np.bincount(customer, minlength=len(uniques)) if len(uniques) else np.zeros(0)
    position = pd.Index(uniques).get_indexer(customers)
    out = np.zeros(len(customers))
    found = position >= 0
    out[found] = counts[position[found]]
    return out


def calibration_holdout(
    tx: pd.DataFrame, *, calibration_end, holdout_end, time_unit: str = "W", model: str = "bgnbd"
) -> HoldoutResult:
    """Fit BG/NBD on the calibration period and compare its predictions with the holdout.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    calibration_end : date-like
        End of the calibration period, exclusive (its ``as_of``); the holdout starts that day.
    holdout_end : date-like
        End of the holdout period, exclusive.
    time_unit : {"D", "W"}
        Time unit for the fit (results do not depend on it beyond rounding).
    model : {"bgnbd", "mbgnbd", "pnbd"}
        Purchase model to check (see :data:`PURCHASE_MODELS`); default BG/NBD.

    Returns
    -------
    HoldoutResult
        Per-customer and grouped actual-versus-predicted holdout purchases and their errors.
        Customers whose first purchase falls in the holdout are not part of the comparison.
    """
    unit = _unit_days(time_unit)
    cal_end = pd.Timestamp(calibration_end).normalize()
    hold_end = pd.Timestamp(holdout_end).normalize()
    if hold_end <= cal_end:
        raise ValueError("holdout_end must be after calibration_end.")
    summary = clv_summary(tx, as_of=cal_end, time_unit=time_unit)
    if len(summary) == 0:
        raise ValueError("There are no purchases before the end of the calibration period.")
    model = purchase_model(model).fit(summary)
    start, end = (int(v) for v in day_numbers(pd.Series([cal_end, hold_end])))
    duration = (end - start) / unit
    actual = _holdout_counts(tx, summary.index, start, end)
    predicted = model.expected_purchases(duration, summary).to_numpy()
    customers = pd.DataFrame(
        {
            "frequency_cal": summary["frequency"].to_numpy(),
            "recency_cal": summary["recency"].to_numpy(),
            "T_cal": summary["T"].to_numpy(),
            "frequency_holdout": actual,
            "predicted_holdout": predicted,
            "duration_holdout": duration,
        },
        index=summary.index,
    )
    freq = summary["frequency"].to_numpy()
    group = np.minimum(freq, 7)
    n_groups = np.bincount(group, minlength=8)
    act = np.bincount(group, weights=actual, minlength=8)
    pred = np.bincount(group, weights=predicted, minlength=8)
    present = n_groups > 0
    labels = np.array([str(i) for i in range(7)] + ["7+"])
    by_frequency = pd.DataFrame(
        {
            "frequency_cal": labels[present],
            "customers": n_groups[present],
            "actual": act[present] / n_groups[present],
            "predicted": pred[present] / n_groups[present],
        }
    )
    tracking = _tracking(tx, summary, model, start, end, unit)
    err = predicted - actual
    return HoldoutResult(
        model=model,
        customers=customers,
        by_frequency=by_frequency,
        tracking=tracking,
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
        calibration_end=cal_end,
        holdout_end=hold_end,
        time_unit=time_unit,
    )


TRACKING_POINTS = 26
"""Most dates of the holdout tracking: weekly up to 26 weeks, every k-th week beyond."""


def _tracking(tx, summary, model, start: int, end: int, unit: float) -> pd.DataFrame:
    """Cumulative holdout repeat purchases of the calibration customers, actual vs model, at
    the end of every week (every k-th week when the holdout is longer than 26 weeks)."""
    uniques, customer, day, _ = _purchase_days(tx, end, start)
    position = summary.index.get_indexer(uniques)
    in_cal = position[customer] >= 0 if len(customer) else np.zeros(0, dtype=bool)
    hold_days = day[in_cal] - start
    edges = np.r_[np.arange(7, end - start, 7), end - start]
    if len(edges) > TRACKING_POINTS:  # every k-th week (and the end): bounded work
        step = int(np.ceil(len(edges) / TRACKING_POINTS))
        edges = np.r_[edges[step - 1 : -1 : step], edges[-1]]
        edges = np.unique(edges)
    actual = np.searchsorted(np.sort(hold_days), edges, side="left").astype(np.float64)
    x, tx_, T = history_arrays(summary)
    predicted = np.array(
        [e.sum() for e in model._expectations(model._p(), edges / unit, x, tx_, T)]
    )
    dates = pd.to_datetime(start + edges - 1, unit="D")
    return pd.DataFrame({"date": dates, "actual": actual, "predicted": predicted})


def default_holdout_split(
    tx: pd.DataFrame, *, as_of=None
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A calibration/holdout split for checking the model: the last third of the history.

    Returns ``(calibration_end, holdout_end)`` (exclusive ends), the holdout being the last
    third of the days from the first transaction to ``as_of`` (at least 28 days), or None when
    the history is shorter than 84 days.
    """
    as_of_ts = resolve_as_of(tx, as_of)
    first = pd.Timestamp(tx["order_date"].min()).normalize()
    span = (as_of_ts - first).days
    if span < 84:
        return None
    holdout_days = max(28, span // 3)
    return as_of_ts - pd.Timedelta(days=holdout_days), as_of_ts


# --------------------------------------------------------------------------------------------
# One call for the page
# --------------------------------------------------------------------------------------------


def model_warnings(summary: pd.DataFrame, *, time_unit: str = "D") -> list[str]:
    """Plain-language reasons not to trust the models on this data (empty when none).

    Checks the number of repeat buyers (fewer than 100 is thin, fewer than 30 is too few) and
    the length of the history (under six months, or shorter than three typical gaps between
    purchases).
    """
    unit = _unit_days(time_unit)
    out: list[str] = []
    repeaters = int((summary["frequency"] > 0).sum())
    if repeaters < 30:
        out.append(
            f"Only {repeaters} customers bought more than once: too few to estimate how often "
            "customers come back. Treat these numbers as rough guesses."
        )
    elif repeaters < 100:
        out.append(
            f"Only {repeaters} customers bought more than once; the model's numbers are uncertain."
        )
    history_days = float(summary["T"].max()) * unit if len(summary) else 0.0
    if history_days < 182:
        out.append(
            f"The history covers only {history_days:.0f} days; models of when customers leave "
            "need several months of purchases."
        )
    rep = summary[summary["frequency"] > 0]
    if len(rep):
        gap_days = float(np.median(rep["recency"] / rep["frequency"])) * unit
        if gap_days > 0 and history_days < 3 * gap_days:
            out.append(
                f"A typical repeat customer buys every {gap_days:.0f} days, but the history is only "
                f"{history_days:.0f} days long: too short to see many returns."
            )
    return out


@dataclass
class ValueReport:
    """Everything the customer value page shows, from one cached call.

    Attributes
    ----------
    summary : DataFrame
        :func:`clv_summary` output.
    customers : DataFrame
        Per customer: the summary columns, ``p_alive``, ``expected_purchases`` and
        ``expected_revenue`` over the horizon, ``expected_spend`` and ``clv`` (discounted).
    forecast : DataFrame
        :func:`forecast_totals` output (3, 6 and 12 months).
    grid : DataFrame
        :func:`probability_alive_grid` output.
    bg_params, gg_params : DataFrame
        Parameter tables with standard errors.
    bg, gg : fitted models
        ``bg`` is the purchase model used (BG/NBD unless ``settings["model"]`` says otherwise).
    holdout : HoldoutResult or None
    warnings : list of str
    settings : dict
    """

    summary: pd.DataFrame
    customers: pd.DataFrame
    forecast: pd.DataFrame
    grid: pd.DataFrame
    bg_params: pd.DataFrame
    gg_params: pd.DataFrame | None
    bg: BetaGeoModel
    gg: GammaGammaModel | None
    holdout: HoldoutResult | None
    warnings: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)


PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pnbd")
"""Keys of the purchase models :func:`value_report` can use (names in ``MODEL_NAMES``)."""


def purchase_model(model: str = "bgnbd"):
    """A new, unfitted purchase model by key.

    Parameters
    ----------
    model : {"bgnbd", "mbgnbd", "pnbd"}
        BG/NBD, modified BG/NBD or Pareto/NBD.

    Returns
    -------
    BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel
        With its default settings.
    """
    classes = {"bgnbd": BetaGeoModel, "mbgnbd": ModifiedBetaGeoModel, "pnbd": ParetoNBDModel}
    if model not in classes:
        raise ValueError(f"Unknown purchase model {model!r}; choose from {list(classes)}.")
    return classes[model]()


def value_report(
    tx: pd.DataFrame,
    *,
    as_of=None,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "W",
    holdout: bool = True,
    model: str = "bgnbd",
) -> ValueReport:
    """Fit both models and compute everything the customer value page shows.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions.
    as_of : date-like or None
        End of observation, exclusive.
    months : int
        Horizon of the per-customer value (months of 365.25 / 12 days).
    monthly_discount_rate : float
        Discount rate per month for the lifetime value.
    time_unit : {"D", "W"}
        Time unit of the fit and the summary.
    holdout : bool
        Also run :func:`calibration_holdout` on the last third of the history.
    model : {"bgnbd", "mbgnbd", "pnbd"}
        Purchase model behind every forecast, value, P(alive) and the holdout check (BG/NBD,
        modified BG/NBD or Pareto/NBD); it is ``report.bg`` whichever it is. Gamma-Gamma
        always models spend.

    Returns
    -------
    ValueReport
        Customers with an amount beyond ``MAX_AMOUNT`` (or not finite) are left out, with a
        warning saying so.

    Raises
    ------
    UnsuitableDataError
        A ``ValueError`` with a plain message, before any fitting, for data the models cannot
        learn from: no purchases (refunds only), one customer, every purchase on the last day,
        nobody who bought twice, fewer than ``MIN_REPEAT_BUYERS`` repeat buyers, or only
        implausible amounts. The work otherwise grows with the number of customers, not with
        the data's shape: fits and interval draws have time budgets and say when they ran out.
    """
    _unit_days(time_unit)
    purchase_model(model)  # an unknown key fails before any work
    tx, amount_note = drop_implausible_amounts(tx)
    if amount_note and len(tx) == 0:
        raise UnsuitableDataError(amount_note.replace("were left out of", "leave nothing for"))
    with sharing_purchase_days(tx, as_of):
        return _value_report(
            tx,
            amount_note,
            as_of=as_of,
            months=months,
            monthly_discount_rate=monthly_discount_rate,
            time_unit=time_unit,
            holdout=holdout,
            model=model,
        )


def _value_report(
    tx: pd.DataFrame,
    amount_note: str | None,
    *,
    as_of,
    months: int,
    monthly_discount_rate: float,
    time_unit: str,
    holdout: bool,
    model: str = "bgnbd",
) -> ValueReport:
    unit = _unit_days(time_unit)
    summary = clv_summary(tx, as_of=as_of, time_unit=time_unit)
    if len(summary) == 0 and len(tx):
        raise UnsuitableDataError(
            "No customer has a purchase before the end date: every customer's days add up to "
            "refunds (negative amounts), so there is nothing to model."
        )
    # Degenerate data is answered here, in plain words, before any fitting.
    check_model_data(summary, min_repeat_buyers=MIN_REPEAT_BUYERS)
    notes = [amount_note] if amount_note else []
    notes.extend(model_warnings(summary, time_unit=time_unit))
    bg = purchase_model(model).fit(summary)
    notes.extend(bg.warnings_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            gg = GammaGammaModel().fit(summary)
        except ValueError:
            gg = None
    if gg is not None:
        notes.extend(gg.warnings_)
    horizon = months * DAYS_PER_MONTH / unit
    customers = summary.copy()
    customers["p_alive"] = bg.probability_alive(summary)
    customers["expected_purchases"] = bg.expected_purchases(horizon, summary)
    if gg is not None:
        customers["expected_spend"] = gg.expected_spend(summary)
        customers["expected_revenue"] = (
            customers["expected_purchases"] * customers["expected_spend"]
        )
        customers["clv"] = customer_lifetime_value(
            bg,
            gg,
            summary,
            months=months,
            monthly_discount_rate=monthly_discount_rate,
            time_unit=time_unit,
        )
        forecast = forecast_totals(bg, gg, summary, time_unit=time_unit)
    else:
        notes.append("Too few repeat buyers to model spend per purchase: no money values.")
        forecast = pd.DataFrame()
    split = default_holdout_split(tx, as_of=summary.attrs["as_of"]) if holdout else None
    result = None
    if split is not None:
        try:
            result = calibration_holdout(
                tx,
                calibration_end=split[0],
                holdout_end=split[1],
                time_unit=time_unit,
                model=model,
            )
        except UnsuitableDataError as exc:
            notes.append(f"No check against held-back months: in the earlier data, {exc}")
            result = None
        except ValueError:
            result = None
    return ValueReport(
        summary=summary,
        customers=customers,
        forecast=forecast,
        grid=probability_alive_grid(bg, summary),
        bg_params=bg.parameter_table(),
        gg_params=gg.parameter_table() if gg is not None else None,
        bg=bg,
        gg=gg,
        holdout=result,
        warnings=notes,
        settings={
            "as_of": summary.attrs["as_of"],
            "months": months,
            "monthly_discount_rate": monthly_discount_rate,
            "time_unit": time_unit,
            "model": model,
        },
    )


# --------------------------------------------------------------------------------------------
# Tables and sentences for the page
# --------------------------------------------------------------------------------------------


def clv_histogram(
    customers: pd.DataFrame, *, bins: int = 30, clip_quantile: float = 0.99
) -> pd.DataFrame:
    """Distribution of customer lifetime value, binned (the last bin gathers the top tail).

    Parameters
    ----------
    customers : DataFrame
        ``ValueReport.customers`` (needs ``clv``).
    bins : int
        Number of equal-width bins between 0 and the ``clip_quantile`` quantile.
    clip_quantile : float
        Values above this quantile are counted in the last bin, so a few huge values do not
        squash the chart.

    Returns
    -------
    DataFrame
        ``lower``, ``upper`` (value range), ``customers``, ``value`` (their total CLV),
        ``value_share`` (share of all customers' CLV), ``open_ended`` (True for the last bin
        when it gathers the tail).
    """
    clv = customers["clv"].to_numpy(dtype=np.float64)
    clv = clv[np.isfinite(clv)]
    if len(clv) == 0:
        return pd.DataFrame(
            columns=["lower", "upper", "customers", "value", "value_share", "open_ended"]
        )
    top = float(np.quantile(clv, clip_quantile))
    low = min(0.0, float(clv.min()))
    if top <= low:
        top = float(clv.max()) if clv.max() > low else low + 1.0
    edges = np.linspace(low, top, bins + 1)
    index = np.clip(np.searchsorted(edges, clv, side="right") - 1, 0, bins - 1)
    count = np.bincount(index, minlength=bins)
    value = np.bincount(index, weights=clv, minlength=bins)
    total = value.sum()
    open_ended = np.zeros(bins, dtype=bool)
    open_ended[-1] = bool(clv.max() > top)
    return pd.DataFrame(
        {
            "lower": edges[:-1],
            "upper": edges[1:],
            "customers": count,
            "value": value,
            "value_share": value / total if total > 0 else np.zeros(bins),
            "open_ended": open_ended,
        }
    )


def top_customers(customers: pd.DataFrame, *, n: int = 25) -> pd.DataFrame:
    """The ``n`` customers with the highest expected value, with readable column names.

    Returns
    -------
    DataFrame
        Customer, expected value (discounted), expected purchases and revenue over the horizon,
        probability still active, purchases so far (repeat purchase days + 1), average repeat
        purchase value.
    """
    top = customers.sort_values("clv", ascending=False, kind="stable").head(n)
    return pd.DataFrame(
        {
            "Customer": top.index.to_numpy(),
            "Expected value (discounted)": top["clv"].round(2).to_numpy(),
            "Expected purchases": top["expected_purchases"].round(2).to_numpy(),
            "Expected revenue": top["expected_revenue"].round(2).to_numpy(),
            "Probability still active": top["p_alive"].round(3).to_numpy(),
            "Purchases so far": (top["frequency"] + 1).to_numpy(),
            "Average repeat purchase": top["monetary_value"].round(2).to_numpy(),
        }
    )


def format_range(low: float, high: float) -> str:
    """``"1,234 to 2,345"``, or a plain note when the data are too few for an honest range."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no reliable range: too little data"
    return f"{low:,.0f} to {high:,.0f}"


def value_insights(report: ValueReport) -> list[str]:
    """Plain-language sentences about the forecast and the spread of customer value."""
    out: list[str] = []
    c = report.customers
    fc = report.forecast
    if len(fc):
        last = fc.iloc[-1]
        out.append(
            f"In the next {int(last['months'])} months the model expects about "
            f"{last['expected_purchases']:,.0f} purchases (likely "
            f"{format_range(last['purchases_low'], last['purchases_high'])}) worth about "
            f"{last['expected_revenue']:,.0f} (likely "
            f"{format_range(last['revenue_low'], last['revenue_high'])}), if customers keep "
            "behaving as they did."
        )
    draws, asked = fc.attrs.get("draws"), fc.attrs.get("n_draws")
    if len(fc) and draws is not None and asked and draws < asked:
        out.append(
            f"The likely ranges rest on {draws} of {asked} model variations: the time set aside "
            "for them ran out, so they are rougher than usual."
        )
    sampled, everyone = fc.attrs.get("sampled_customers"), fc.attrs.get("customers")
    if len(fc) and sampled is not None and everyone and sampled < everyone:
        out.append(
            f"To stay quick, the likely ranges were worked out on a random sample of {sampled:,} "
            f"of the {everyone:,} customers; the expected figures use every customer."
        )
    if "clv" in c and len(c) >= 10 and c["clv"].sum() > 0:
        values = np.sort(c["clv"].to_numpy())[::-1]
        k = max(1, int(np.ceil(0.1 * len(values))))
        share = values[:k].sum() / values.sum()
        out.append(
            f"The most valuable 10% of customers ({k:,}) hold {share:.0%} of the expected value: "
            "keeping them matters far more than keeping an average customer."
        )
    gone = int((c["p_alive"] < 0.5).sum())
    if len(c):
        out.append(
            f"{gone:,} of {len(c):,} customers ({gone / len(c):.0%}) have probably stopped "
            "buying (less than a 50% chance they are still active)."
        )
    one_time = int((c["frequency"] == 0).sum())
    if len(c):
        out.append(
            f"{one_time / len(c):.0%} of customers have bought only once; the model gives them "
            "the average outlook of new customers, so their individual values are rough."
        )
    return out


def holdout_insights(holdout: HoldoutResult) -> list[str]:
    """Plain-language sentences about how well the model predicted the holdout period."""
    days = (holdout.holdout_end - holdout.calibration_end).days
    diff = holdout.predicted_total / holdout.actual_total - 1 if holdout.actual_total else 0.0
    how = "too high" if diff > 0 else "too low"
    lines = [
        f"Fitted only on the data before {holdout.calibration_end:%d %b %Y}, the model predicted "
        f"{holdout.predicted_total:,.0f} repeat purchases for the following {days} days; the same "
        f"customers actually made {holdout.actual_total:,.0f}, so the prediction was "
        f"{abs(diff):.0%} {how}.",
        f"For a single customer the prediction was off by {holdout.mae:.2f} purchases on "
        "average: trust the totals and the ranking more than any one customer's number.",
    ]
    if abs(diff) > 0.2:
        lines.append(
            "A gap of more than 20% means the business changed (growth, a campaign, a season) "
            "or the history is too short: treat the forecasts as a rough guide."
        )
    return lines


# --------------------------------------------------------------------------------------------
# More models, one per file, and the model comparison (imported last: they use helpers above)
# --------------------------------------------------------------------------------------------

from analysis.clv._base import NotFittedError, load_model, save_model  # noqa: E402
from analysis.clv.beta_geo_beta_binom import BetaGeoBetaBinomModel, discrete_summary  # noqa: E402
from analysis.clv.comparison import (  # noqa: E402
    MODEL_NAMES,
    ModelComparison,
    compare_models,
    describe_model_comparison,
    detect_discrete_period,
)
from analysis.clv.modified_beta_geo import ModifiedBetaGeoModel  # noqa: E402
from analysis.clv.pareto_nbd import ParetoNBDModel  # noqa: E402

__all__ += [
    "MODEL_NAMES",
    "PURCHASE_MODELS",
    "purchase_model",
    "BetaGeoBetaBinomModel",
    "ModelComparison",
    "ModifiedBetaGeoModel",
    "NotFittedError",
    "ParetoNBDModel",
    "compare_models",
    "describe_model_comparison",
    "detect_discrete_period",
    "discrete_summary",
    "load_model",
    "save_model",
]

"""Shared machinery of the purchase and spend models: checks, fitting, parameters, JSON.

:class:`LogParamModel` is the shape every model shares (settings in ``__init__``, ``fit``
returns ``self``, fitted attributes end in ``_``, an unfitted model raises
:class:`~analysis.core.errors.NotFittedError`): the parameter table, parameter draws and the
expected purchases at several horizons that forecasts, values and holdout checks use.
BG/NBD and Gamma-Gamma are fitted with :func:`fit_log_params` (analytic gradients); the count
models (Pareto/NBD, MBG/NBD, BG/BB) derive from :class:`CountModel`.

Every count model is fitted by maximum likelihood over the logarithms of its parameters with SciPy's
L-BFGS-B inside a box (bounded iterations), on the distinct customer histories with their counts
as weights (customers with the same history contribute the same likelihood). An optional
``penalizer`` adds ``penalizer * sum(params ** 2)`` to the mean negative log-likelihood per
customer, as lifetimes' ``penalizer_coef`` does (on the parameters themselves, in the fitted
time unit); ``log_likelihood_`` is always the unpenalised total.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize
from threadpoolctl import ThreadpoolController

from analysis.core.errors import NotEnoughData, NotFittedError
from analysis.core.threads import threadpool_controller

__all__ = ["NotFittedError", "load_model", "save_model"]

FIT_SECONDS = 60.0
"""Time budget of one model fit; a fit stopped by it reports that it did not converge."""
FORMAT = "customer-focus/clv-model"
FORMAT_VERSION = 1


def check_integer(values: np.ndarray, name: str, index: pd.Index) -> None:
    """Refuse non-integer counts, naming the first offending customer."""
    bad = values != np.floor(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise NotEnoughData(
            f"{name} must be whole numbers (counts of purchases), but customer "
            f"{index[first]!r} has {name} {values[first]!r}."
        )


def summary_weights(summary: pd.DataFrame) -> np.ndarray:
    """Return the optional ``weights`` column (customers sharing a row), else ones."""
    if "weights" not in summary:
        return np.ones(len(summary))
    w = summary["weights"].to_numpy(dtype=np.float64)
    if len(w) and not (np.isfinite(w).all() and (w > 0).all()):
        raise ValueError("weights must be finite and positive (customers sharing each row).")
    return w


def history_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``frequency``, ``recency``, ``T`` as float arrays, checked.

    ``NotEnoughData`` unless finite with frequency >= 0, 0 <= recency <= T, and recency 0 when
    frequency is 0.
    """
    x = summary["frequency"].to_numpy(dtype=np.float64)
    tx = summary["recency"].to_numpy(dtype=np.float64)
    T = summary["T"].to_numpy(dtype=np.float64)
    if len(x) and (
        not (np.isfinite(x).all() and np.isfinite(tx).all() and np.isfinite(T).all())
        or (x < 0).any()
        or (tx < 0).any()
        or (tx > T + 1e-9).any()
        or ((x == 0) & (tx > 0)).any()
    ):
        raise NotEnoughData(
            "The summary needs finite frequency >= 0 and 0 <= recency <= T, with recency 0 "
            "when frequency is 0."
        )
    return x, tx, T


def continuous_inputs(
    summary: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``frequency``, ``recency``, ``T`` as float arrays, checked.

    Raises ``NotEnoughData`` for missing columns, non-finite values, a negative or non-integer
    frequency, a recency outside ``[0, T]``, or a recency above 0 with no repeat purchase.
    """
    missing = [c for c in ("frequency", "recency", "T") if c not in summary]
    if missing:
        raise NotEnoughData(
            f"The summary needs the columns frequency, recency, T; missing {missing}."
        )
    x, tx, T = history_arrays(summary)
    check_integer(x, "frequency", summary.index)
    return x, np.minimum(tx, T), T


def distinct_rows(*columns: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns (sorted) and the summed weight of each."""
    if len(columns[0]) == 0:
        return [np.asarray(c, dtype=np.float64) for c in columns], np.zeros(0)
    order = np.lexsort(columns[::-1])
    cols = [np.asarray(c, dtype=np.float64)[order] for c in columns]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    w = np.add.reduceat(np.asarray(weights, dtype=np.float64)[order], starts)
    return [c[starts] for c in cols], w


class WeightedHistories:
    """Distinct ``(frequency, recency, T)`` rows with the number of customers sharing each."""

    def __init__(self, x, tx, T, w):
        (self.x, self.tx, self.T), self.w = distinct_rows(x, tx, T, weights=w)
        self.total = float(self.w.sum())


def check_horizon(t) -> float:
    """Return the horizon ``t`` as a float; ``ValueError`` unless finite and >= 0."""
    t = float(t)
    if not (np.isfinite(t) and t >= 0):
        raise ValueError("The horizon t must be a finite number >= 0.")
    return t


def check_counts(n) -> np.ndarray:
    """Return numbers of purchases as an array; ``ValueError`` unless whole numbers >= 0."""
    ns = np.atleast_1d(np.asarray(n))
    if not (
        np.issubdtype(ns.dtype, np.number)
        and np.isfinite(ns).all()
        and (ns == np.floor(ns)).all()
        and (ns >= 0).all()
    ):
        raise ValueError("n must be whole numbers >= 0.")
    return ns


class _OutOfTime(Exception):
    pass


@cache
def _controller() -> ThreadpoolController:
    """Return the thread-pool controller, made once (finding the libraries takes a millisecond)."""
    return threadpool_controller()  # one for the whole process (analysis.core.threads)


def _one_blas_thread():
    """Return a context that holds BLAS to one thread."""
    return _controller().limit(limits=1, user_api="blas")


def distinct_codes(*columns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(codes, distinct columns)``: each row's position among the distinct rows."""
    order = np.lexsort(columns[::-1])
    cols = [np.asarray(c, dtype=np.float64)[order] for c in columns]
    change = np.zeros(len(order), dtype=bool)
    if len(order):
        change[0] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    codes = np.empty(len(order), dtype=np.int64)
    codes[order] = np.cumsum(change) - 1
    starts = np.flatnonzero(change)
    return codes, [c[starts] for c in cols]


def minimise(
    fun, theta0: np.ndarray, bounds, max_iter: int, jac: bool, max_seconds: float | None = None
) -> optimize.OptimizeResult:
    """L-BFGS-B over log parameters; ``jac=False`` uses forward finite differences.

    Stops after ``max_iter`` iterations or ``max_seconds`` (then the best point seen is
    returned, ``success`` False and ``timed_out`` True). BLAS is held to one thread (tiny matrix
    products otherwise wait on worker threads).
    """
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    best = {"value": np.inf, "theta": np.asarray(theta0, dtype=np.float64).copy()}

    def tracked(theta):
        if deadline is not None and time.monotonic() > deadline:
            raise _OutOfTime
        out = fun(theta)
        value = out[0] if jac else out
        if value < best["value"]:
            best["value"], best["theta"] = float(value), np.array(theta, dtype=np.float64)
        return out

    with _one_blas_thread(), np.errstate(all="ignore"):
        try:
            result = optimize.minimize(
                tracked,
                theta0,
                jac=True if jac else None,
                method="L-BFGS-B",
                bounds=list(bounds),
                # Without a gradient: forward differences with a step of 1e-7 (the likelihood
                # is accurate to about 1e-10 where it needs quadrature, which a tinier step
                # would amplify) and a relative tolerance of 1e-11 on the likelihood (flat
                # ridges of degenerate data otherwise take hundreds of evaluations).
                options={"maxiter": max_iter, "gtol": 1e-9, "maxcor": 20}
                | ({"ftol": 1e-14} if jac else {"ftol": 1e-11, "eps": 1e-7}),
            )
        except _OutOfTime:
            return optimize.OptimizeResult(
                x=best["theta"],
                fun=best["value"],
                success=False,
                nit=-1,
                jac=None,
                timed_out=True,
            )
    grad = result.jac if result.jac is not None else np.zeros(len(theta0))
    result.success = bool(result.success or np.max(np.abs(grad)) < 1e-5)
    result.timed_out = False
    return result


FITS_KEPT = 32
"""Optimiser results remembered by :func:`fit_once` (the most recently used)."""
_FITS: OrderedDict = OrderedDict()
_FITS_LOCK = threading.Lock()


def fit_once(model, arrays: list[np.ndarray], run) -> optimize.OptimizeResult:
    """Return ``run()``, the fit of ``model`` on ``arrays``, or the same fit made before.

    The model comparison and the value report's check against held-back months fit the same
    model on the same calibration customers: the second asks here and gets the first's
    optimiser result, which is what it would have computed (the optimiser is deterministic
    and starts from the data). A fit is reused only when neither its iteration limit nor
    ``model.max_iter`` stopped it and it took no longer than ``model.max_seconds``; fits that a
    time limit stopped are not kept.
    Keyed by the model class, its ``penalizer`` and the bytes of ``arrays``.
    """
    digest = hashlib.blake2b(digest_size=20)
    for a in arrays:
        a = np.ascontiguousarray(a, dtype=np.float64)
        digest.update(repr(a.shape).encode())
        digest.update(a.tobytes())
    key = (type(model).__name__, float(getattr(model, "penalizer", 0.0)), digest.hexdigest())
    max_iter = int(model.max_iter)
    with _FITS_LOCK:
        entry = _FITS.get(key)
        if entry is not None:
            _FITS.move_to_end(key)
    budget = getattr(model, "max_seconds", None)
    if entry is not None:
        result, limit, seconds = entry
        if (result.nit < min(limit, max_iter) or limit == max_iter) and (
            budget is None or budget >= seconds
        ):
            return result
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    stopped = bool(getattr(result, "timed_out", False)) or "StopIteration" in str(
        result.get("message", "")
    )
    if not stopped:
        with _FITS_LOCK:
            _FITS[key] = (result, max_iter, seconds)
            while len(_FITS) > FITS_KEPT:
                _FITS.popitem(last=False)
    return result


def fit_log_params(
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

    with _one_blas_thread(), np.errstate(all="ignore"):
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


def check_whole_frequencies(summary: pd.DataFrame) -> None:
    """Refuse a ``frequency`` that is not a whole number for every customer."""
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


def log_covariance(grad, theta: np.ndarray, n: int) -> np.ndarray:
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


def params_at_edge(names, theta: np.ndarray, bounds) -> list[str]:
    """Return the names of the parameters at (within 1e-6 of) an end of their log box."""
    return [
        n
        for n, th, (lo, hi) in zip(names, theta, bounds, strict=True)
        if th <= lo + 1e-6 or th >= hi - 1e-6
    ]


class LogParamModel:
    """The shape of every model: parameters fitted on a log scale inside a box.

    Subclasses define ``_names`` and ``_bounds`` (log-parameter box), set ``params_`` and
    ``log_covariance_`` in ``fit`` and, for purchase models, ``_expectations``.
    """

    _names: tuple[str, ...] = ()
    _bounds: tuple[tuple[float, float], ...] = ()

    def __init__(self, *, max_iter: int = 1000, max_seconds: float | None = FIT_SECONDS) -> None:
        self.max_iter = max_iter
        self.max_seconds = max_seconds

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(summary).")

    def _p(self, params=None) -> list[float]:
        self._check_fitted()
        if params is None:
            params = [self.params_[n] for n in self._names]
        return [float(v) for v in params]

    def _set_fit(self, result, n: float, covariance: np.ndarray) -> np.ndarray:
        """Record the fitted parameters of an optimiser result on ``n`` customers.

        Sets ``params_``, ``log_likelihood_``, ``converged_``, ``log_covariance_`` and
        ``standard_errors_``; returns the estimate.
        """
        theta = result.x
        params = np.exp(theta)
        self.params_ = dict(zip(self._names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = float(-result.fun * n)
        self.converged_ = bool(result.success)
        self.log_covariance_ = covariance
        se = params * np.sqrt(np.diag(covariance))
        self.standard_errors_ = dict(zip(self._names, (float(v) for v in se), strict=True))
        return params

    def _not_converged(self, what: str, result: optimize.OptimizeResult) -> str:
        """Return the warning for a fit that stopped early (by time or by steps)."""
        stopped = "StopIteration" in str(result.message)
        why = (
            f", the time limit of {self.max_seconds:.0f} s"
            if stopped
            else (f", the limit of {self.max_iter} steps" if result.nit >= self.max_iter else "")
        )
        return _NOT_CONVERGED.format(what=what, n=int(result.nit), why=why)

    def parameter_table(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals (delta method from the log scale).

        Returns
        -------
        DataFrame
            ``parameter``, ``estimate``, ``standard_error``, ``lower_95``, ``upper_95`` (NaN
            when the covariance could not be computed).
        """
        self._check_fitted()
        est = np.array([self.params_[n] for n in self._names])
        log_se = np.sqrt(np.diag(self.log_covariance_))
        with np.errstate(over="ignore", invalid="ignore"):  # a flat likelihood: no bound
            return pd.DataFrame(
                {
                    "parameter": list(self._names),
                    "estimate": est,
                    "standard_error": est * log_se,
                    "lower_95": est * np.exp(-1.959964 * log_se),
                    "upper_95": est * np.exp(1.959964 * log_se),
                }
            )

    def sample_params(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Draw parameters from the asymptotic normal of their logarithms.

        Returns
        -------
        ndarray
            ``(n_draws, k)``, in the order of ``params_`` (all equal to the estimate when the
            covariance could not be computed).
        """
        self._check_fitted()
        theta = np.log([self.params_[n] for n in self._names])
        cov = self.log_covariance_
        if not np.isfinite(cov).all():
            return np.exp(np.tile(theta, (n_draws, 1)))
        draws = rng.multivariate_normal(theta, cov, size=n_draws, method="eigh")
        low, high = np.array(self._bounds).T
        return np.exp(np.clip(draws, low, high))

    def expectations(
        self, ts, x, tx, T, *, params=None, exact: bool = True, histories=None
    ) -> list[np.ndarray]:
        """Return the expected purchases of each customer at several horizons.

        Parameters
        ----------
        ts : sequence of float
            Horizons, in the fitted time unit.
        x, tx, T : ndarray
            Frequency, recency and age per customer.
        params : sequence, optional
            Parameters (in ``_names`` order) to use instead of the fitted ones (for draws).
        exact : bool
            False: where a closed form fails, NaN instead of a slower exact value (for the
            many parameter draws of an interval, which leave such a draw out).
        histories : optional
            A :meth:`distinct_histories` of ``(x, T)`` to reuse across calls.

        Returns
        -------
        list of ndarray
            One array per horizon, ``E[Y(t) | x, t_x, T]``.
        """
        return self._expectations(self._p(params), ts, x, tx, T, exact=exact, histories=histories)

    def distinct_histories(self, x, T):
        """Return the customers grouped by history for :meth:`expectations` (None: none)."""
        return None

    @property
    def n_params(self) -> int:
        """Number of free parameters."""
        return len(self._names)

    def bic(self) -> float:
        """Bayesian information criterion ``k ln(n) - 2 LL`` of the fit (lower is better)."""
        self._check_fitted()
        return float(self.n_params * np.log(max(self.n_customers_, 1)) - 2 * self.log_likelihood_)


class CountModel(LogParamModel):
    """Base of the count models: settings, the fit loop, checks, ``save`` and ``load``.

    Subclasses define ``_names``, ``_bounds``, ``_prepare(summary) -> data``,
    ``_start(data) -> theta0``, ``_negll(theta, data) -> (mean negll, grad or None)`` and
    ``_analytic_gradient``.
    """

    _analytic_gradient = True
    _data = WeightedHistories

    def __init__(
        self, *, penalizer: float = 0.0, max_iter: int = 1000, max_seconds: float | None = 60.0
    ) -> None:
        if not (np.isfinite(penalizer) and penalizer >= 0):
            raise ValueError("penalizer must be a finite number >= 0.")
        if int(max_iter) < 1:
            raise ValueError("max_iter must be at least 1.")
        if max_seconds is not None and not (max_seconds > 0):
            raise ValueError("max_seconds must be a positive number of seconds, or None.")
        self.penalizer = float(penalizer)
        self.max_iter = int(max_iter)
        self.max_seconds = None if max_seconds is None else float(max_seconds)

    # -- fitting -----------------------------------------------------------------------------

    def _fit_columns(self, columns, summary: pd.DataFrame, time_unit):
        """Fit on checked columns of ``summary`` (and its ``weights``); return ``self``."""
        w = summary_weights(summary)
        if len(columns[0]) == 0:
            raise NotEnoughData("There are no customers with a purchase to fit the model on.")
        data = self._data(*columns, w)
        self._fit_prepared(data, data.total, time_unit)
        return self

    def _objective(self, data):
        pen = self.penalizer

        def fun(theta):
            value, grad = self._negll(theta, data)
            if not np.isfinite(value):
                return (1e300, np.zeros(len(theta))) if self._analytic_gradient else 1e300
            if pen:
                params = np.exp(theta)
                value = value + pen * float(np.sum(params**2))
                if grad is not None:
                    grad = grad + 2.0 * pen * params**2
            return (value, grad) if self._analytic_gradient else value

        return fun

    def _fit_prepared(self, data, total_weight: float, time_unit) -> None:
        started = time.perf_counter()
        theta0 = self._start(data)
        result = fit_once(
            self,
            [getattr(data, name) for name in ("x", "tx", "T", "n", "w") if hasattr(data, name)],
            lambda: minimise(
                self._objective(data),
                theta0,
                self._bounds,
                self.max_iter,
                self._analytic_gradient,
                self.max_seconds,
            ),
        )
        theta = np.clip(result.x, *np.array(self._bounds).T)
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            mean_negll = float(self._negll(theta, data)[0])
        self.params_ = dict(zip(self._names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = -mean_negll * total_weight
        self.n_customers_ = int(round(total_weight))
        self.converged_ = bool(result.success)
        self.n_iterations_ = int(result.nit)
        self.time_unit_ = time_unit
        k = len(theta)
        if result.timed_out:
            self.log_covariance_ = np.full((k, k), np.nan)
        else:  # computed when first asked for (model comparisons never ask)
            self.__dict__.pop("_covariance", None)
            self._covariance_inputs = (theta, data, total_weight)
        self.fit_seconds_ = time.perf_counter() - started
        edge = params_at_edge(self._names, theta, self._bounds)
        self.warnings_ = []
        if edge:
            self.warnings_.append(
                f"The {self.display_name} reached the edge of its parameter range ("
                + ", ".join(edge)
                + "): the data cannot pin these down, so treat its forecasts as rough."
            )
        if result.timed_out:
            self.warnings_.append(
                f"The {self.display_name} was stopped after {self.max_seconds:.0f} seconds, "
                "before it had settled: treat its numbers as rough."
            )
        elif not self.converged_:
            self.warnings_.append(
                f"The {self.display_name} did not converge within {self.max_iter} iterations."
            )

    @property
    def log_covariance_(self) -> np.ndarray:
        """Covariance of the log parameters (:meth:`_log_covariance`, computed on first use)."""
        cov = self.__dict__.get("_covariance")
        if cov is None:
            pending = self.__dict__.get("_covariance_inputs")
            if pending is None:
                raise AttributeError("log_covariance_")
            cov = self._log_covariance(*pending)
            self._covariance = cov
            self.__dict__.pop("_covariance_inputs", None)
        return cov

    @log_covariance_.setter
    def log_covariance_(self, value: np.ndarray) -> None:
        self.__dict__.pop("_covariance_inputs", None)
        self._covariance = value

    @property
    def standard_errors_(self) -> dict[str, float]:
        """Standard errors of the parameters (delta method from the log scale)."""
        params = np.array([self.params_[n] for n in self._names])
        se = params * np.sqrt(np.diag(self.log_covariance_))
        return dict(zip(self._names, (float(v) for v in se), strict=True))

    def _log_covariance(self, theta: np.ndarray, data, total_weight: float) -> np.ndarray:
        """Return the covariance of the log parameters.

        The inverse Hessian of the total negative log-likelihood (unpenalised) at the estimate,
        by central differences (of the analytic gradient, or of the likelihood itself); NaN
        when it is not positive definite.
        """
        k = len(theta)
        hess = np.empty((k, k))
        with np.errstate(all="ignore"):
            if self._analytic_gradient:
                for j in range(k):
                    step = 1e-5 * max(1.0, abs(theta[j]))
                    up, down = theta.copy(), theta.copy()
                    up[j] += step
                    down[j] -= step
                    hess[:, j] = (self._negll(up, data)[1] - self._negll(down, data)[1]) / (
                        2 * step
                    )
            else:

                def f(shift):
                    return float(self._negll(theta + shift, data)[0])

                h = 1e-4 * np.maximum(1.0, np.abs(theta))
                f0 = f(np.zeros(k))
                for i in range(k):
                    ei = np.zeros(k)
                    ei[i] = h[i]
                    hess[i, i] = (f(ei) - 2 * f0 + f(-ei)) / h[i] ** 2
                    for j in range(i):
                        ej = np.zeros(k)
                        ej[j] = h[j]
                        hess[i, j] = hess[j, i] = (
                            f(ei + ej) - f(ei - ej) - f(ej - ei) + f(-ei - ej)
                        ) / (4 * h[i] * h[j])
        hess = (hess + hess.T) / 2 * total_weight
        nan = np.full((k, k), np.nan)
        if not np.isfinite(hess).all():
            return nan
        try:
            cov = np.linalg.inv(hess)
        except np.linalg.LinAlgError:
            return nan
        return cov if np.all(np.diag(cov) > 0) else nan

    # -- what forecast_totals, customer_lifetime_value and the tracking use -------------------

    def _expectations(self, params, ts, x, tx, T, *, exact: bool = True, histories=None):
        """Conditional expected purchases at several horizons ``ts`` (list of arrays)."""
        x, tx, T = (np.asarray(v, dtype=np.float64) for v in (x, tx, T))
        alive = self._p_alive(params, x, tx, T)
        with np.errstate(under="ignore"):
            return [self._given_alive(params, float(t), x, T) * alive for t in ts]

    def _conditional(self, params, t: float, x, tx, T) -> np.ndarray:
        """``P(alive) * _given_alive``: expected purchases in ``t`` given the history."""
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        given_alive = self._given_alive(params, t, x, T)
        alive = self._p_alive(params, x, tx, T)
        with np.errstate(under="ignore"):  # a tiny P(alive): the product is 0
            return given_alive * alive

    def conditional_expected_purchases(
        self, t: float, summary: pd.DataFrame, *, params=None
    ) -> pd.Series:
        """Return the expected purchases in the next ``t`` time units given each history.

        ``P(alive)`` times the expected purchases of a customer still alive (each model's
        ``_given_alive``, e.g. Fader & Hardie 2005, eq. 41 for the Pareto/NBD).

        Parameters
        ----------
        t : float
            Horizon, in the summary's time unit.
        summary : DataFrame
            ``frequency``, ``recency``, ``T``.
        params : sequence, optional
            The model's parameters (in ``_names`` order) to use instead of the fitted ones.

        Returns
        -------
        Series
            Indexed like ``summary``, name ``expected_purchases``.
        """
        p = self._p(params)
        x, tx, T = continuous_inputs(summary)
        return pd.Series(
            self._conditional(p, t, x, tx, T), index=summary.index, name="expected_purchases"
        )

    # -- fitted state --------------------------------------------------------------------------

    display_name = "model"

    def save(self, path: str | Path) -> None:
        """Write the fitted parameters, settings and time unit to a small JSON file."""
        save_model(self, path)

    @classmethod
    def load(cls, path: str | Path):
        """Read a model written by :meth:`save` (the file must hold this model class)."""
        model = load_model(path)
        if not isinstance(model, cls):
            raise ValueError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}.")
        return model


def _registry() -> dict[str, type]:
    from analysis.clv.beta_geo import BetaGeoModel
    from analysis.clv.beta_geo_beta_binom import BetaGeoBetaBinomModel
    from analysis.clv.modified_beta_geo import ModifiedBetaGeoModel
    from analysis.clv.pareto_nbd import ParetoNBDModel

    return {
        c.__name__: c
        for c in (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, BetaGeoBetaBinomModel)
    }


def save_model(model, path: str | Path) -> None:
    """Save a fitted count model (also ``BetaGeoModel``) as JSON.

    The file holds the model class, its parameters, settings (``penalizer``, ``max_iter``), time
    unit, log-likelihood and number of customers; no customer data.
    """
    if not hasattr(model, "params_"):
        raise NotFittedError(f"{type(model).__name__} is not fitted yet; nothing to save.")
    cov = getattr(model, "log_covariance_", None)
    payload = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": type(model).__name__,
        "params": {k: float(v) for k, v in model.params_.items()},
        "settings": {k: getattr(model, k) for k in ("penalizer", "max_iter") if hasattr(model, k)},
        "time_unit": getattr(model, "time_unit_", None),
        "log_likelihood": float(model.log_likelihood_),
        "n_customers": int(model.n_customers_),
        "converged": bool(getattr(model, "converged_", True)),
        "log_covariance": (
            None
            if cov is None or not np.isfinite(cov).all()
            else np.asarray(cov, dtype=float).tolist()
        ),
    }
    Path(path).write_text(json.dumps(payload, indent=2, allow_nan=False), encoding="utf-8")


def load_model(path: str | Path):
    """Load a model saved by :func:`save_model`; ready to predict (not to refit)."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"Cannot read a saved model from {path}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a saved Customer Focus model.")
    registry = _registry()
    cls = registry.get(payload.get("model"))
    if cls is None:
        raise ValueError(f"{path} holds an unknown model {payload.get('model')!r}.")
    names = cls._names
    params = payload.get("params", {})
    if set(params) != set(names) or not all(
        isinstance(params[n], int | float) and np.isfinite(params[n]) and params[n] > 0
        for n in names
    ):
        raise ValueError(f"{path}: the parameters must be {', '.join(names)}, finite and > 0.")
    settings = payload.get("settings", {})
    known = ("penalizer", "max_iter", "max_seconds")
    model = cls(**{k: v for k, v in settings.items() if k in known})
    model.params_ = {n: float(params[n]) for n in names}
    model.log_likelihood_ = float(payload.get("log_likelihood", np.nan))
    model.n_customers_ = int(payload.get("n_customers", 0))
    model.converged_ = bool(payload.get("converged", True))
    model.time_unit_ = payload.get("time_unit")
    model.warnings_ = []
    cov = payload.get("log_covariance")
    k = len(names)
    model.log_covariance_ = (
        np.array(cov, dtype=float) if cov is not None else np.full((k, k), np.nan)
    )
    if hasattr(cls, "_bounds") and cls.__name__ == "BetaGeoModel":
        se = np.array([model.params_[n] for n in names]) * np.sqrt(np.diag(model.log_covariance_))
        model.standard_errors_ = dict(zip(names, (float(v) for v in se), strict=True))
    return model


def start_values(data, *, last_is_time: bool = False) -> np.ndarray:
    """Return starting log parameters ``(1, 1 / rate, 1, 1)`` for a continuous-time model.

    ``rate = (mean frequency + 1) / (mean T + 1)`` over the weighted histories; with
    ``last_is_time`` the last parameter starts at the mean ``T`` (a time scale) instead of 1.
    """
    mean_t = float(np.average(data.T, weights=data.w))
    mean_x = float(np.average(data.x, weights=data.w))
    rate = (mean_x + 1.0) / (mean_t + 1.0)
    last = max(mean_t, 1e-3) if last_is_time else 1.0
    return np.log([1.0, 1.0 / max(rate, 1e-9), 1.0, last])


class ContinuousCountModel(CountModel):
    """A count model of purchase times (``frequency``, ``recency``, ``T``): MBG/NBD, Pareto/NBD."""

    def fit(self, summary: pd.DataFrame) -> ContinuousCountModel:
        """Fit by maximum likelihood on a summary with ``frequency``, ``recency``, ``T``.

        Parameters
        ----------
        summary : DataFrame
            One row per customer (or per distinct history, with a ``weights`` column counting
            the customers), times in any unit used consistently.

        Returns
        -------
        ContinuousCountModel
            ``self``, fitted.
        """
        return self._fit_columns(
            continuous_inputs(summary), summary, summary.attrs.get("time_unit")
        )

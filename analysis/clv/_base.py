"""Shared machinery of the count models (Pareto/NBD, MBG/NBD, BG/BB): checks, fitting, JSON.

Every model is fitted by maximum likelihood over the logarithms of its parameters with SciPy's
L-BFGS-B inside a box (bounded iterations), on the distinct customer histories with their counts
as weights (customers with the same history contribute the same likelihood). An optional
``penalizer`` adds ``penalizer * sum(params ** 2)`` to the mean negative log-likelihood per
customer, as lifetimes' ``penalizer_coef`` does (on the parameters themselves, in the fitted
time unit); ``log_likelihood_`` is always the unpenalised total.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize
from threadpoolctl import threadpool_limits

from analysis.core.errors import NotFittedError

__all__ = ["NotFittedError", "load_model", "save_model"]

FORMAT = "customer-focus/clv-model"
FORMAT_VERSION = 1


def check_integer(values: np.ndarray, name: str, index: pd.Index) -> None:
    """Refuse non-integer counts, naming the first offending customer."""
    bad = values != np.floor(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be whole numbers (counts of purchases), but customer "
            f"{index[first]!r} has {name} {values[first]!r}."
        )


def summary_weights(summary: pd.DataFrame) -> np.ndarray:
    """The optional ``weights`` column (customers sharing a row), else ones."""
    if "weights" not in summary:
        return np.ones(len(summary))
    w = summary["weights"].to_numpy(dtype=np.float64)
    if len(w) and not (np.isfinite(w).all() and (w > 0).all()):
        raise ValueError("weights must be finite and positive (customers sharing each row).")
    return w


def history_arrays(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``frequency``, ``recency``, ``T`` as float arrays; ``ValueError`` unless finite with
    frequency >= 0, 0 <= recency <= T, and recency 0 when frequency is 0."""
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
        raise ValueError(
            "The summary needs finite frequency >= 0 and 0 <= recency <= T, with recency 0 "
            "when frequency is 0."
        )
    return x, tx, T


def continuous_inputs(
    summary: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``frequency``, ``recency``, ``T`` as float arrays, checked.

    Raises ``ValueError`` for missing columns, non-finite values, a negative or non-integer
    frequency, a recency outside ``[0, T]``, or a recency above 0 with no repeat purchase.
    """
    missing = [c for c in ("frequency", "recency", "T") if c not in summary]
    if missing:
        raise ValueError(f"The summary needs the columns frequency, recency, T; missing {missing}.")
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


class _OutOfTime(Exception):
    pass


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

    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
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


class CountModel:
    """Base of the count models: settings, the fit loop, checks, ``save`` and ``load``.

    Subclasses define ``_names``, ``_bounds``, ``_prepare(summary) -> data``,
    ``_start(data) -> theta0``, ``_negll(theta, data) -> (mean negll, grad or None)`` and
    ``_analytic_gradient``.
    """

    _names: tuple[str, ...] = ()
    _bounds: tuple[tuple[float, float], ...] = ()
    _analytic_gradient = True

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
        result = minimise(
            self._objective(data),
            theta0,
            self._bounds,
            self.max_iter,
            self._analytic_gradient,
            self.max_seconds,
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
        self.log_covariance_ = (
            np.full((k, k), np.nan)
            if result.timed_out
            else self._log_covariance(theta, data, total_weight)
        )
        se = params * np.sqrt(np.diag(self.log_covariance_))
        self.standard_errors_ = dict(zip(self._names, (float(v) for v in se), strict=True))
        self.fit_seconds_ = time.perf_counter() - started
        edge = [
            n
            for n, th, (lo, hi) in zip(self._names, theta, self._bounds, strict=True)
            if th <= lo + 1e-6 or th >= hi - 1e-6
        ]
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

    def _log_covariance(self, theta: np.ndarray, data, total_weight: float) -> np.ndarray:
        """Covariance of the log parameters: the inverse Hessian of the total negative
        log-likelihood (unpenalised) at the estimate, by central differences (of the analytic
        gradient, or of the likelihood itself); NaN when it is not positive definite."""
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
        with np.errstate(over="ignore", invalid="ignore"):
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
        """Draws of the parameters from the asymptotic normal of their logarithms.

        Returns an ``(n_draws, k)`` array in the order of ``params_`` (all equal to the estimate
        when the covariance could not be computed), as ``BetaGeoModel.sample_params``.
        """
        self._check_fitted()
        theta = np.log([self.params_[n] for n in self._names])
        cov = self.log_covariance_
        if not np.isfinite(cov).all():
            return np.exp(np.tile(theta, (n_draws, 1)))
        draws = rng.multivariate_normal(theta, cov, size=n_draws, method="eigh")
        low, high = np.array(self._bounds).T
        return np.exp(np.clip(draws, low, high))

    # -- drop-in for BetaGeoModel in forecast_totals, customer_lifetime_value, the tracking ---

    @staticmethod
    def _distinct_histories(x, T):
        """No shared grouping: each model groups its own histories."""
        return None

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
        """Expected purchases in the next ``t`` time units given each customer's history.

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

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(summary).")

    def _p(self, params=None) -> list[float]:
        self._check_fitted()
        if params is None:
            params = [self.params_[n] for n in self._names]
        return [float(v) for v in params]

    @property
    def n_params(self) -> int:
        """Number of free parameters."""
        return len(self._names)

    def bic(self) -> float:
        """Bayesian information criterion ``k ln(n) - 2 LL`` of the fit (lower is better)."""
        self._check_fitted()
        return float(self.n_params * np.log(max(self.n_customers_, 1)) - 2 * self.log_likelihood_)

    # -- persistence ---------------------------------------------------------------------------

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
    from analysis.clv import BetaGeoModel
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

"""BG/NBD model of purchase counts (Fader, Hardie & Lee 2005).

While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after every
purchase they drop out for good with probability ``p ~ Beta(a, b)``. The likelihood is
vectorised over customers and evaluated in log space (``gammaln``, ``logaddexp``); the
conditional expectation uses the Euler transform of the Gauss hypergeometric function so that
large frequencies and long horizons neither overflow nor produce NaN, with a second closed
form and a bounded vectorised quadrature where SciPy's ``hyp2f1`` fails. The modified BG/NBD
(:mod:`analysis.clv.modified_beta_geo`) shares these closed forms.

References
----------
Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy.special import betainc, betaincc, betaln, digamma, gammaln, hyp2f1, polygamma

from analysis.clv._base import (
    LogParamModel,
    check_counts,
    check_horizon,
    check_whole_frequencies,
    fit_log_params,
    fit_once,
    history_arrays,
    log_covariance,
    params_at_edge,
)
from analysis.clv.summary import check_model_data

__all__ = ["BetaGeoModel"]


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
    """Return the expected purchases in ``t`` given alive, by quadrature (closed form failed).

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
    """Keep ``a - 1`` away from zero: the closed forms divide by it (the limit is smooth)."""
    if abs(a - 1.0) < 1e-6:
        return 1.0 + 1e-6 if a >= 1.0 else 1.0 - 1e-6
    return a


def _group_histories(x, T) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Return ``(codes, x_distinct, T_distinct)`` of the customers' histories.

    ``codes`` maps each customer to its distinct ``(x, T)`` (None when all are distinct, or too
    few to be worth it).
    """
    x = np.asarray(x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if len(x) > 64:
        codes, uniques = pd.factorize(x + 1j * T)
        uniques = np.asarray(uniques)
        if len(uniques) < len(x):
            return codes, uniques.real.copy(), uniques.imag.copy()
    return None, x, T


def _euler_form(params, a: float, hyp_a, c, t: float, x, T):
    """Return the expected purchases in ``t`` of a customer alive at ``T``, by the Euler form.

    ``c / (a-1) * [1 - (1-z)^(a-1) 2F1(hyp_a, a-1; c; z)]`` with ``z = t/(alpha+T+t)``: for
    BG/NBD ``c = a+b+x-1`` and ``hyp_a = a+b-1-r``; the modified BG/NBD has ``b + 1`` for
    ``b``. ``params`` are ``(r, alpha, a0, b)`` with ``a0`` before :func:`_nudge_away_from_one`.

    Returns
    -------
    tuple
        ``(given_alive, upper, bad, log_1mz, z)``: the values, their upper bound
        ``(r+x) t/(alpha+T)`` (and ``c/(a-1)`` when ``a0 > 1``), where they are outside their
        bounds or not finite, and ``log(1-z)``, ``z``.
    """
    r, alpha, a0, _ = params
    with np.errstate(all="ignore"):
        log_1mz = np.log(alpha + T) - np.log(alpha + T + t)
        z = t / (alpha + T + t)
        # Euler transform: ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)
        #   = (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z): bounded parameters, no overflow.
        hyp = _hyp2f1(hyp_a, a - 1, c, z)
        bracket = -np.expm1((a - 1) * log_1mz) - np.exp((a - 1) * log_1mz) * (hyp - 1.0)
        given_alive = c / (a - 1) * bracket
        # Bounds of I: 0 <= I <= (r+x) t / (alpha+T) (1 - (1+y)^-m <= m y), and
        # I <= E[1/p] = (a+b+x-1)/(a-1) when a > 1. SciPy's hyp2f1 returns NaN (rarely
        # garbage) for some large parameters near z = 1.
        upper = (r + x) * (t / (alpha + T))
        if a0 > 1:
            upper = np.minimum(upper, c / (a - 1))
        bad = ~(
            np.isfinite(given_alive)
            & (given_alive >= -1e-12)
            & (given_alive <= upper * (1 + 1e-8) + 1e-300)
        )
    return given_alive, upper, bad, log_1mz, z


def _second_closed_form(params, a: float, c, x, log_1mz, z, upper, given_alive, bad) -> None:
    """Fill in, where ``bad``, the untransformed closed form of BG/NBD (in place).

    ``(a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]``. Its series converges
    fast where the Euler form's has huge parameters (large a and b: a drop-out probability
    that hardly varies). Kept only within the bounds and where the bracket is not a
    cancellation (>= 1e-3); ``bad`` is cleared where it is kept.
    """
    r, _, _, b = params
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


class BetaGeoModel(LogParamModel):
    """BG/NBD model of purchase counts (Fader, Hardie & Lee 2005).

    While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; after every
    purchase they drop out for good with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    max_iter : int
        Maximum optimiser iterations.
    max_seconds : float or None
        Time budget of the fit (then the best point so far is kept, with a warning).

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
        check_whole_frequencies(summary)
        check_model_data(summary)
        mean_t = float(np.mean(T)) if np.mean(T) > 0 else 1.0
        rate = (np.mean(x) + 1.0) / (mean_t + 1.0)
        theta0 = np.log([1.0, 1.0 / max(rate, 1e-9), 1.0, 1.0])
        data = _BGData(x, tx, T)
        result = fit_once(
            self,
            [x, tx, T],
            lambda: fit_log_params(
                lambda th: _bgnbd_negll_grad(th, data),
                theta0,
                self.max_iter,
                list(self._bounds),
                self.max_seconds,
            ),
        )
        theta = result.x
        self._set_fit(
            result,
            len(x),
            log_covariance(lambda th: _bgnbd_negll_grad(th, data)[1], theta, len(x)),
        )
        self.n_customers_ = len(x)
        self.time_unit_ = summary.attrs.get("time_unit")
        self.warnings_ = []
        if not self.converged_:
            self.warnings_.append(self._not_converged("purchase (BG/NBD)", result))
        edge = params_at_edge(self._names, theta, self._bounds)
        if edge:
            self.warnings_.append(
                "The purchase model reached the edge of its parameter range ("
                + ", ".join(edge)
                + "): the data cannot tell how much customers differ from each other, so "
                "treat its forecasts as rough."
            )
        return self

    # -- predictions ---------------------------------------------------------------------

    @staticmethod
    def _log_odds_dead(params, x, tx, T) -> np.ndarray:
        """Return the log of ``a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x)``; -inf when ``x == 0``."""
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

    def distinct_histories(self, x, T):
        """Return ``(codes, x_distinct, T_distinct)`` of the customers, for reuse across calls.

        ``codes`` maps each customer to its distinct ``(x, T)``; it is None when all are
        distinct, or too few to be worth grouping.
        """
        return _group_histories(x, T)

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
        if distinct:
            codes, x, T = None, np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        else:
            codes, x, T = _group_histories(x, T)
        c = a + b + x - 1
        given_alive, upper, bad, log_1mz, z = _euler_form(params, a, a + b - 1 - r, c, t, x, T)
        if bad.any():
            given_alive = given_alive.copy()
            _second_closed_form(params, a, c, x, log_1mz, z, upper, given_alive, bad)
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
        """Return ``_conditional_expectation`` at several horizons.

        Histories are grouped and P(alive) computed once (the same numbers, less work).
        ``histories``: a reusable :meth:`distinct_histories` of ``(x, T)``.
        """
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        if histories is None:
            histories = _group_histories(x, T)
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
        """Return the expected number of purchases in the next ``t`` time units, per customer.

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
        """P(X(t) = n): the chance that a new customer makes exactly ``n`` repeat purchases.

        In the next ``t`` time units (Fader, Hardie & Lee 2005, eq. 8):

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
        t, ns = check_horizon(t), check_counts(n)
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

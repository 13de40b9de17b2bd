"""Pareto/NBD model of purchase counts (Schmittlein, Morrison & Colombo 1987).

While alive, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; their lifetime is
exponential with rate ``mu ~ Gamma(s, beta)``, independent of ``lambda``. Unlike BG/NBD, a
customer can leave at any moment, not only right after a purchase.

The likelihood (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model and related
expressions", eq. 18-20) is

``L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [(alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0]``

with ``A0 = G(t_x) - G(T)`` and ``G(t) = (r+s+x) * integral_t^inf (alpha+u)^-(r+x)
(beta+u)^-(s+1) du``, a Gauss hypergeometric function. Here ``G`` is evaluated after Euler's
transformation, ``2F1(1, b; r+s+x+1; z)`` with ``0 <= z < 1``, which is at least 1 and does not
overflow for large frequencies (SciPy, checked, with a quadrature of its one-peaked integral
where SciPy fails, summing the series first where it converges in a few terms); ``A0`` is
taken in log space with ``expm1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1

from analysis.clv._base import (
    ContinuousCountModel,
    WeightedHistories,
    check_counts,
    check_horizon,
    continuous_inputs,
    distinct_codes,
    start_values,
)

__all__ = ["ParetoNBDModel"]


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)
_NEAR_ONE = 0.9
_PMF_PANELS = 64
_SERIES_TERMS = 200  # terms of the series tried before the quadrature
_SERIES_BLOCK = 8  # terms of the series summed at once


def _log_f1_fallback(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log 2F1(1, b; c; z)`` by quadrature of its integral, for ``0 <= z < 1`` (vectorised).

    ``2F1(1, b; c; z) = (c-1) int_0^inf exp(phi(y)) dy`` with ``phi(y) = -(c-1) y - b log(1 - z
    + z e^-y)`` (``u = 1 - e^-y`` in Euler's integral). ``phi`` is concave: the integrand has
    one peak, found in closed form. From it the integral runs each way until the integrand has
    fallen by ``e^-60``, by composite 16-point Gauss-Legendre on panels that shrink
    geometrically towards the peak and towards the knee ``z e^-y = 1 - z``, scaled by the
    peak.
    """
    m = c - 1.0
    slope0 = -m + b * z  # phi'(0)
    interior = (slope0 > 0) & (z > 0)
    with np.errstate(all="ignore"):
        q = np.where(interior, m * (1 - z) / (z * (b - m)), 1.0)
    y_star = np.where(interior, -np.log(q), 0.0)

    def phi(y):
        return -m * y - b * np.log1p(z * np.expm1(-y))

    e = np.exp(-y_star)
    curvature = b * z * e * (1 - z) / (1 - z + z * e) ** 2
    top = phi(y_star)
    with np.errstate(all="ignore"):
        step0 = np.where(curvature > 0, 1 / np.sqrt(curvature), 1.0)
        step0 = np.where(~interior & (slope0 < 0), np.minimum(step0, -1 / slope0), step0)
    ends = []
    for side in (1.0, -1.0):
        step = step0.copy()
        active = np.ones(len(b), dtype=bool) if side > 0 else interior.copy()
        for _ in range(200):
            edge = np.maximum(y_star + side * step, 0.0)
            grow = active & (phi(edge) - top > -60) & (edge > 0) & (step < 1e12)
            if not grow.any():
                break
            step[grow] *= 2
        ends.append(np.where(active, np.maximum(y_star + side * step, 0.0), y_star))
    upper, lower = ends
    # Panels: geometric around the peak (sharp peaks) and around the knee where z e^-y = 1 - z
    # (a long plateau that ends in a cliff when z is near 1).
    scales = 2.0 ** -np.arange(8)
    with np.errstate(all="ignore"):
        knee = np.where(z > 0.5, np.log(z) - np.log1p(-z), y_star)
    points = [
        lower,
        upper,
        y_star,
        knee,
        *(y_star + (upper - y_star) * k for k in scales),
        *(y_star - (y_star - lower) * k for k in scales),
        *(knee + np.abs(upper - knee) * k for k in scales),
        *(knee - np.abs(knee - lower) * k for k in scales),
    ]
    grid = np.sort(np.clip(np.column_stack(points), lower[:, None], upper[:, None]), axis=1)
    left, width = grid[:, :-1], np.diff(grid, axis=1)
    y = left[:, :, None] + width[:, :, None] * (_GL_NODES + 1) / 2
    mm, bb, zz = (v[:, None, None] for v in (m, b, z))
    values = np.exp(-mm * y - bb * np.log1p(zz * np.expm1(-y)) - top[:, None, None])
    total = (width / 2 * (values * _GL_WEIGHTS).sum(axis=2)).sum(axis=1)
    return np.log(m) + top + np.log(np.maximum(total, 1e-300))


def _log_f1_series(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log 2F1(1, b; c; z)`` by summing its series, NaN where it needs over 200 terms.

    The terms ``prod_{j<k} (b+j)/(c+j) z`` are all positive (``b > 0``, ``c > 0``, ``0 <= z <
    1``): no cancellation, so the sum is exact to rounding. Their ratios move monotonically
    from ``b z / c`` towards ``z``, so after a term ``t`` whose ratio to the next is ``q``
    the rest is at most ``t q' / (1 - q')`` with ``q' = max(q, z)``; the sum stops when that
    is below ``1e-17`` of the sum. Near ``z = 1`` with ``c`` much larger than ``b`` (many
    purchases) this takes a few terms where SciPy's transformations fail.
    """
    # Blocks of terms at once: within a block the running product and sum are accumulated in
    # the same order as term by term (cumprod, cumsum), so the sum is the same to the last bit.
    out = np.full(len(z), np.nan)
    term = np.ones_like(z)
    total = np.ones_like(z)
    todo = np.arange(len(z))
    for first in range(0, _SERIES_TERMS, _SERIES_BLOCK):
        k = np.arange(first, min(first + _SERIES_BLOCK, _SERIES_TERMS), dtype=np.float64)
        bk, ck, zk = b[todo, None], c[todo, None], z[todo, None]
        ratio = (bk + k) / (ck + k) * zk
        terms = np.cumprod(np.column_stack([term[todo], ratio]), axis=1)[:, 1:]
        totals = np.cumsum(np.column_stack([total[todo], terms]), axis=1)[:, 1:]
        q = np.maximum((bk + k + 1) / (ck + k + 1) * zk, zk)
        done = terms * q < 1e-17 * (1 - q) * totals
        finished = done.any(axis=1)
        rows = np.flatnonzero(finished)
        out[todo[rows]] = np.log(totals[rows, done[rows].argmax(axis=1)])
        term[todo], total[todo] = terms[:, -1], totals[:, -1]
        todo = todo[~finished]
        if not len(todo):
            break
    return out


def _log_f1(b_x, c_x, z: np.ndarray, code: np.ndarray) -> np.ndarray:
    """``log 2F1(1, b; c; z)`` for ``0 <= z < 1``, ``c > 1`` (the value is at least 1).

    ``b`` and ``c`` depend on the frequency only: ``b_x``, ``c_x`` are their values per
    distinct frequency and ``code`` says which one each ``z`` has (the parts of the bounds that
    depend on ``b`` and ``c`` alone are computed once per frequency). SciPy's ``hyp2f1``,
    checked against bounds from the series; where it fails (large parameters near ``z = 1``)
    by :func:`_log_f1_fallback`.
    """
    b_x, c_x = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(b_x, c_x))
    b_arr, c = b_x[code], c_x[code]
    # Very near z = 1 SciPy's direct series is slow (up to milliseconds a value) and sometimes
    # wrong: there the Pfaff transform is tried, then the series, then the quadrature.
    near_one = z > _NEAR_ONE
    if near_one.any():
        value = np.full(z.shape, np.nan)
        value[~near_one] = hyp2f1(1.0, b_arr[~near_one], c[~near_one], z[~near_one])
        # Pfaff: 2F1(1, b; c; z) = 2F1(1, c-b; c; z/(z-1)) / (1-z); SciPy maps the large
        # negative argument back near 0, which is fast, and right often enough to try first.
        zn, cn = z[near_one], c[near_one]
        with np.errstate(all="ignore"):
            value[near_one] = hyp2f1(1.0, cn - b_arr[near_one], cn, -zn / (1 - zn)) / (1 - zn)
    else:
        value = hyp2f1(1.0, b_arr, c, z)
    # Bounds from the series: its term ratios (b+k)/(c+k) z lie between b z/c and z, and when
    # c > b + 1 the sum is at most its value at z = 1, (c-1)/(c-b-1).
    b_over_c = b_x / c_x
    ratio = np.minimum(b_over_c, 1.0)[code] * z
    log_lo = -np.log1p(-np.minimum(ratio, 1.0 - 1e-300))
    big = np.maximum(b_over_c, 1.0)[code] * z
    log_hi = np.where(big < 1, -np.log1p(-np.minimum(big, 1 - 1e-16)), np.inf)
    cap = np.log(c_x - 1) - np.log(np.maximum(c_x - b_x - 1, 1e-300))
    log_hi = np.where((c_x > b_x + 1)[code], np.minimum(log_hi, cap[code]), log_hi)
    with np.errstate(invalid="ignore"):
        out = np.log(np.maximum(value, 1.0))
    bad = ~(
        np.isfinite(value)
        & (value >= 1 - 1e-12)
        & (out >= log_lo - 1e-9 * (1 + log_lo))
        & (out <= log_hi + 1e-9 * (1 + log_hi))
    )
    if bad.any():
        # The series where it converges in a few terms (exact: positive terms), then the
        # quadrature for the rest.
        out = out.copy()
        out[bad] = _log_f1_series(b_arr[bad], c[bad], z[bad])
        bad &= np.isnan(out)
    if bad.any():
        with np.errstate(all="ignore"):
            out[bad] = _log_f1_fallback(b_arr[bad], c[bad], z[bad])
    return out


def _log_g(params, pairs: _Pairs) -> np.ndarray:
    """``log G(t)`` at the pairs' ``(x, t)``: ``(r+s+x) int_t^inf (alpha+u)^-(r+x) (beta+u)^-(s+1) du``.

    Fader & Hardie's ``(m+t)^-(r+s+x) 2F1(r+s+x, b; r+s+x+1; |alpha-beta|/(m+t))`` (``m`` the
    larger of alpha and beta) after Euler's transformation, ``2F1(1, .; r+s+x+1; .)``, which
    stays below ``(r+s+x)/s`` or grows only like a power near 1: no overflow.
    """
    r, alpha, s, beta = params
    x, t, ux, code = pairs.xs, pairs.ts, pairs.ux, pairs.pair_x
    c = r + s + ux + 1.0
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        return -(r + x) * np.log(alpha + t) - s * np.log(beta + t) + _log_f1(r + ux, c, z, code)
    z = (beta - alpha) / (beta + t)
    return (
        -(s + 1.0) * np.log(beta + t)
        - (r + x - 1.0) * np.log(alpha + t)
        + _log_f1(s + 1.0, c, z, code)
    )


def _log_terms(params, x, tx, T, pairs: _Pairs | None = None):
    """Log of the two parts of the likelihood (alive at ``T``; left between ``t_x`` and ``T``).

    Returns ``(log_const, alive, left)``: the log-likelihood is ``log_const + logaddexp(alive,
    left)`` and ``P(alive) = exp(alive - logaddexp(alive, left))``. ``pairs`` (a
    :class:`_Pairs` of these arrays) lets a fit evaluate ``G`` once per distinct ``(x, t)``.
    """
    r, alpha, s, beta = params
    if pairs is None:
        pairs = _Pairs(x, tx, T, distinct=False)
    ux, row_x = pairs.ux, pairs.row_x
    log_const = (gammaln(r + ux) - gammaln(r))[row_x] + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.full(np.shape(x), -np.inf)
    gap = pairs.gap
    if len(pairs.ts):
        # G at t_x and at T in one call (each value depends on its own x and t only).
        g = _log_g(params, pairs)
        if pairs.codes is not None:
            g = g[pairs.codes]
        g_tx, g_T = np.split(g, 2)
        diff = np.minimum(g_T - g_tx, 0.0)
        log_a0 = g_tx + np.log(-np.expm1(np.minimum(diff, -1e-300)))
        left[gap] = (np.log(s) - np.log(r + s + ux))[row_x[gap]] + log_a0
    return log_const, alive, left


class _Pairs:
    """Where the likelihood needs ``G``: the ``(x, t_x)`` then ``(x, T)`` pairs with ``T > t_x``.

    Attributes: ``gap`` (the customers with ``T > t_x``), ``xs``, ``ts`` (the pairs: with
    ``distinct``, the distinct ones, and ``codes`` maps the stacked pairs onto them; otherwise
    ``codes`` is None), ``ux`` (the distinct frequencies), ``row_x`` and ``pair_x`` (each
    customer's and each pair's position in ``ux``). A fit makes them once for every step.
    """

    def __init__(self, x, tx, T, *, distinct: bool = True) -> None:
        self.gap = T > tx
        xg = x[self.gap]
        xs, ts = np.concatenate([xg, xg]), np.concatenate([tx[self.gap], T[self.gap]])
        self.codes = None
        if distinct and len(xs):
            self.codes, (xs, ts) = distinct_codes(xs, ts)
        self.xs, self.ts = xs, ts
        self.ux, where = np.unique(np.concatenate([x, xs]), return_inverse=True)
        self.row_x, self.pair_x = where[: len(x)], where[len(x) :]


class _Histories(WeightedHistories):
    """Distinct histories with the distinct ``(x, t)`` pairs at which ``G`` is needed."""

    def __init__(self, x, tx, T, w):
        super().__init__(x, tx, T, w)
        self.pairs = _Pairs(self.x, self.tx, self.T)


def _expm1_ratio(k: float, log_ratio: np.ndarray) -> np.ndarray:
    """``(1 - exp(-k L)) / k`` for ``L >= 0``; ``L`` when ``k`` is 0 (its limit)."""
    if abs(k) < 1e-10:
        return log_ratio
    return -np.expm1(-k * log_ratio) / k


class _Grouped:
    """Customers grouped by history, with the :class:`_Pairs` of their distinct histories.

    :meth:`of` groups ``(x, t_x, T)`` once and returns the same grouping while called with the
    same customers.
    """

    def __init__(self) -> None:
        self.key = None

    def of(self, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> _Grouped:
        """Return this grouping, computed for ``(x, t_x, T)`` unless it already is."""
        key = self.key
        if key is None or not all(
            np.array_equal(a, b) for a, b in zip(key, (x, tx, T), strict=True)
        ):
            self.codes, (self.x, self.tx, self.T) = distinct_codes(x, tx, T)
            self.pairs = _Pairs(self.x, self.tx, self.T)
            self.key = (x.copy(), tx.copy(), T.copy())
        return self


class ParetoNBDModel(ContinuousCountModel):
    """Pareto/NBD model of purchase counts (Schmittlein, Morrison & Colombo 1987).

    Parameters
    ----------
    penalizer : float
        L2 penalty ``penalizer * sum(params ** 2)`` added to the mean negative log-likelihood
        per customer (lifetimes' ``penalizer_coef``); 0 for plain maximum likelihood.
    max_iter : int
        Maximum optimiser iterations.
    max_seconds : float or None
        Time budget of the fit (then the best point so far is kept, with a warning).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate: shape, scale in the summary's time unit), ``s``,
        ``beta`` (drop-out rate: shape, scale in the time unit).
    log_likelihood_ : float
        Total (unpenalised) log-likelihood at the optimum.
    n_customers_, converged_, n_iterations_, time_unit_, fit_seconds_, warnings_
        As their names say.

    Notes
    -----
    The gradient is by central finite differences (the derivatives of the hypergeometric
    function in its parameters have no convenient closed form); customers with the same
    history are evaluated once.
    """

    _names = ("r", "alpha", "s", "beta")
    _bounds = ((-15.0, np.log(1e4)), (-15.0, 25.0), (-15.0, np.log(1e4)), (-15.0, 25.0))
    _analytic_gradient = False
    _data = _Histories
    display_name = "Pareto/NBD model"

    def __init__(
        self, *, penalizer: float = 0.0, max_iter: int = 500, max_seconds: float | None = 60.0
    ) -> None:
        super().__init__(penalizer=penalizer, max_iter=max_iter, max_seconds=max_seconds)

    @staticmethod
    def _start(data) -> np.ndarray:
        return start_values(data, last_is_time=True)

    @staticmethod
    def _negll(theta: np.ndarray, data) -> tuple[float, None]:
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            log_const, alive, left = _log_terms(params, data.x, data.tx, data.T, data.pairs)
            ll = log_const + np.logaddexp(alive, left)
            total = float(np.multiply(data.w, ll).sum())
        return -total / data.total, None

    # -- predictions ---------------------------------------------------------------------------

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer's history under the fitted parameters."""
        params = self._p()
        x, tx, T = continuous_inputs(summary)
        with np.errstate(all="ignore"):
            log_const, alive, left = _log_terms(params, x, tx, T)
            ll = log_const + np.logaddexp(alive, left)
        return pd.Series(ll, index=summary.index, name="log_likelihood")

    def _p_alive(self, params, x, tx, T, grouped=None) -> np.ndarray:
        x, tx, T = (np.asarray(v, dtype=np.float64) for v in (x, tx, T))
        if grouped is None and x.ndim == 1 and len(x) > 64:  # once per distinct history
            grouped = _Grouped().of(x, tx, T)
        if grouped is not None and len(grouped.x) < len(x):
            with np.errstate(all="ignore"):
                _, alive, left = _log_terms(params, grouped.x, grouped.tx, grouped.T, grouped.pairs)
                return np.exp(alive - np.logaddexp(alive, left))[grouped.codes]
        with np.errstate(all="ignore"):
            _, alive, left = _log_terms(params, x, tx, T)
            return np.exp(alive - np.logaddexp(alive, left))

    def distinct_histories(self, x, T) -> _Grouped:
        """Return a reusable grouping of the customers by history (filled on first use)."""
        return _Grouped()

    def _expectations(self, params, ts, x, tx, T, *, exact: bool = True, histories=None):
        """Conditional expected purchases at several horizons ``ts`` (list of arrays).

        ``histories`` (from :meth:`distinct_histories`) keeps the customers' grouping by
        history across calls (the parameter draws of an interval).
        """
        x, tx, T = (np.asarray(v, dtype=np.float64) for v in (x, tx, T))
        grouped = histories.of(x, tx, T) if isinstance(histories, _Grouped) else None
        alive = self._p_alive(params, x, tx, T, grouped)
        with np.errstate(under="ignore"):
            return [self._given_alive(params, float(t), x, T) * alive for t in ts]

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation ``T``.

        ``P(alive) = (alpha+T)^-(r+x) (beta+T)^-s / [(alpha+T)^-(r+x) (beta+T)^-s
        + s/(r+s+x) A0]`` (Fader & Hardie 2005, eq. 37).

        Returns
        -------
        Series
            Indexed like ``summary``, name ``p_alive``.
        """
        params = self._p()
        x, tx, T = continuous_inputs(summary)
        return pd.Series(self._p_alive(params, x, tx, T), index=summary.index, name="p_alive")

    @staticmethod
    def _given_alive(params, t: float, x, T) -> np.ndarray:
        """Return the purchases expected in ``t`` if alive at ``T`` (FH 2005, eq. 41 / P(alive))."""
        r, alpha, s, beta = params
        t = check_horizon(t)
        with np.errstate(all="ignore"):
            log_ratio = np.log(beta + T + t) - np.log(beta + T)
            return (r + x) * (beta + T) / (alpha + T) * _expm1_ratio(s - 1.0, log_ratio)

    def expected_purchases(self, t, summary: pd.DataFrame | None = None, *, params=None):
        """Return the expected repeat purchases in ``t`` time units.

        Without ``summary``: of a customer just acquired, ``E[X(t)] = r beta / (alpha (s-1))
        [1 - (beta/(beta+t))^(s-1)]`` (float, or array for an array ``t``). With ``summary``:
        :meth:`conditional_expected_purchases` (the same call as ``BetaGeoModel``).
        """
        if summary is not None:
            return self.conditional_expected_purchases(t, summary, params=params)
        r, alpha, s, beta = self._p(params)
        ts = np.asarray(t, dtype=np.float64)
        if not (np.isfinite(ts).all() and (ts >= 0).all()):
            raise ValueError("The horizon t must be finite and >= 0.")
        with np.errstate(all="ignore"):
            out = r * beta / alpha * _expm1_ratio(s - 1.0, np.log1p(ts / beta))
        return float(out) if np.ndim(t) == 0 else out

    def expected_purchases_new(self, t):
        """Alias of ``expected_purchases(t)`` (a new customer), as on ``BetaGeoModel``."""
        return self.expected_purchases(t)

    def probability_of_n_purchases(self, t: float, n) -> np.ndarray | float:
        """Probability that a customer just acquired makes exactly ``n`` repeat purchases in ``t``.

        The lifetime ``tau`` is Lomax (``P(tau > u) = (beta/(beta+u))^s``) and, given it, the
        count is negative binomial ``NB(r, alpha/(alpha+min(t, tau)))``; so
        ``P(X(t)=n) = (beta/(beta+t))^s NB(n; t) + int_0^t s beta^s (beta+u)^-(s+1) NB(n; u) du``,
        the integral by Gauss-Legendre quadrature (equal to Fader, Hardie & Lee's closed form,
        "Deriving an expression for P(X(t) = x) under the Pareto/NBD model", 2006).

        Parameters
        ----------
        t : float
            Horizon, time unit of the fit.
        n : int or array of int
            Numbers of repeat purchases.

        Returns
        -------
        float or ndarray
        """
        r, alpha, s, beta = self._p()
        t, ns = check_horizon(t), check_counts(n)
        nf = ns.astype(np.float64)[:, None]

        def log_nb(u):
            return (
                gammaln(r + nf)
                - gammaln(r)
                - gammaln(nf + 1)
                + r * (np.log(alpha) - np.log(alpha + u))
                + nf * (np.log(u) - np.log(alpha + u))
            )

        with np.errstate(all="ignore"):
            alive = np.exp(s * (np.log(beta) - np.log(beta + t)) + log_nb(np.array([t])))[:, 0]
            # Over v = ln(1 + u/beta) the lifetime density is s e^(-s v): composite
            # Gauss-Legendre, 64 panels of 16 nodes on [0, ln(1 + t/beta)].
            edges = np.linspace(0.0, np.log1p(t / beta), _PMF_PANELS + 1)
            half = np.diff(edges)[:, None] / 2
            v = (edges[:-1, None] + half * (_GL_NODES + 1)).ravel()
            w = (half * _GL_WEIGHTS).ravel() * s * np.exp(-s * v)
            u = beta * np.expm1(v)
            dead = np.exp(log_nb(u[None, :])) @ w if t > 0 else np.zeros(len(ns))
            out = np.clip(np.nan_to_num(np.where(t > 0, alive, ns == 0) + dead), 0.0, 1.0)
        return float(out[0]) if np.ndim(n) == 0 else out

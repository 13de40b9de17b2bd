"""Modified BG/NBD model of purchase counts (Batislam, Denizel & Filiztekin 2007).

As BG/NBD, a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)`` while alive and drops
out with probability ``p ~ Beta(a, b)`` right after a purchase, but also right after the first
purchase (time 0): a customer with no repeat purchase may already be gone, which BG/NBD does not
allow. Per customer, the likelihood is

``Gamma(r+x) alpha^r / Gamma(r) * [B(a, b+x+1) (alpha+T)^-(r+x) + B(a+1, b+x) (alpha+t_x)^-(r+x)]
/ B(a, b)``,

evaluated in log space with ``logaddexp`` and an analytic gradient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln
from scipy.stats import nbinom

from analysis.clv._base import (
    ContinuousCountModel,
    check_counts,
    check_horizon,
    continuous_inputs,
    start_values,
)
from analysis.clv.beta_geo import (
    _euler_form,
    _given_alive_by_quadrature,
    _group_histories,
    _nudge_away_from_one,
)

__all__ = ["ModifiedBetaGeoModel"]


def _log_parts(params, x, tx, T):
    """``(log_const, alive, dead)`` with ``ll = log_const + logaddexp(alive, dead)``."""
    r, alpha, a, b = params
    log_const = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(b + x + 1)
        - gammaln(a + b + x + 1)
        + gammaln(a + b)
        - gammaln(b)
    )
    alive = -(r + x) * np.log(alpha + T)
    dead = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + tx)
    return log_const, alive, dead


def _negll_grad(theta: np.ndarray, d) -> tuple[float, np.ndarray]:
    params = np.exp(theta)
    r, alpha, a, b = params
    x, w = d.x, d.w
    with np.errstate(all="ignore"):
        log_const, alive, dead = _log_parts(params, x, d.tx, d.T)
        tail = np.logaddexp(alive, dead)
        total = float(np.multiply(w, log_const + tail).sum())
        if not np.isfinite(total):
            return np.inf, np.zeros(4)
        p_dead = np.exp(dead - tail)
        p_alive = 1.0 - p_dead
        log_T = np.log(alpha + d.T)
        log_tx = np.log(alpha + d.tx)
        dg = digamma(a + b + x + 1)
        d_r = digamma(r + x) - digamma(r) + np.log(alpha) - p_alive * log_T - p_dead * log_tx
        d_alpha = r / alpha - (r + x) * (p_alive / (alpha + d.T) + p_dead / (alpha + d.tx))
        d_a = digamma(a + b) - dg + p_dead / a
        d_b = digamma(b + x + 1) - dg + digamma(a + b) - digamma(b) - p_dead / (b + x)
        grad = np.array([np.multiply(w, g).sum() for g in (d_r, d_alpha, d_a, d_b)]) * params
    return -total / d.total, -grad / d.total


class ModifiedBetaGeoModel(ContinuousCountModel):
    """Modified BG/NBD model (Batislam, Denizel & Filiztekin 2007).

    Parameters
    ----------
    penalizer : float
        L2 penalty ``penalizer * sum(params ** 2)`` on the mean negative log-likelihood per
        customer (lifetimes' ``penalizer_coef``); 0 for plain maximum likelihood.
    max_iter : int
        Maximum optimiser iterations.
    max_seconds : float or None
        Time budget of the fit (then the best point so far is kept, with a warning).

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (purchase rate: shape, scale in the time unit), ``a``, ``b`` (drop-out
        probability after each purchase, including the first).
    log_likelihood_ : float
        Total (unpenalised) log-likelihood at the optimum.
    """

    _names = ("r", "alpha", "a", "b")
    _bounds = ((-15.0, np.log(1e4)), (-15.0, 25.0), (-15.0, np.log(1e4)), (-15.0, np.log(1e4)))
    display_name = "modified BG/NBD model"

    @staticmethod
    def _start(data) -> np.ndarray:
        return start_values(data)

    @staticmethod
    def _negll(theta, data):
        return _negll_grad(theta, data)

    # -- predictions ---------------------------------------------------------------------------

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log-likelihood of each customer's history under the fitted parameters."""
        params = self._p()
        x, tx, T = continuous_inputs(summary)
        with np.errstate(all="ignore"):
            log_const, alive, dead = _log_parts(params, x, tx, T)
            ll = log_const + np.logaddexp(alive, dead)
        return pd.Series(ll, index=summary.index, name="log_likelihood")

    @staticmethod
    def _p_alive(params, x, tx, T) -> np.ndarray:
        r, alpha, a, b = params
        with np.errstate(all="ignore"):
            log_odds = (
                np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            )
            return np.exp(-np.logaddexp(0.0, log_odds))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation ``T``.

        ``1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))``: below 1 even without a repeat
        purchase (the customer may have left right after the first).

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
        """Return the expected purchases in ``t`` given alive at ``T``.

        ``(a+b+x)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; z)]``,
        ``z = t/(alpha+T+t)``, via Euler's transformation as in BG/NBD (quadrature where SciPy
        fails).
        """
        r, alpha, a0, b = params
        a = _nudge_away_from_one(a0)
        t = check_horizon(t)
        x, T = np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64)
        if x.ndim == 1:  # once per distinct (x, T)
            codes, xu, Tu = _group_histories(x, T)
            if codes is not None:
                return ModifiedBetaGeoModel._given_alive(params, t, xu, Tu)[codes]
        # Given alive after x+1 survivals, p ~ Beta(a, b+x+1): the BG/NBD expression with
        # b + x replaced by b + x + 1, i.e. (1-z)^(a-1) 2F1(a+b-r, a-1; a+b+x; z).
        c = a + b + x
        given_alive, upper, bad, _, _ = _euler_form(params, a, a + b - r, c, t, x, T)
        if bad.any():
            given_alive = given_alive.copy()
            given_alive[bad] = _given_alive_by_quadrature(
                (r, alpha, a0, b + 1.0), t, x[bad], T[bad]
            )
        with np.errstate(all="ignore"):
            return np.clip(given_alive, 0.0, upper)

    def expected_purchases(self, t, summary: pd.DataFrame | None = None, *, params=None):
        """Return the expected repeat purchases in ``t`` time units.

        Without ``summary``: of a customer just acquired, ``b/(a-1) [1 - (alpha/(alpha+t))^r
        2F1(r, b+1; a+b; t/(alpha+t))]`` (float, or array for an array ``t``). With ``summary``:
        :meth:`conditional_expected_purchases` (the same call as ``BetaGeoModel``).
        """
        if summary is not None:
            return self.conditional_expected_purchases(t, summary, params=params)
        p = self._p(params)
        ts = np.atleast_1d(np.asarray(t, dtype=np.float64))
        zero = np.zeros(1)
        out = np.array([self._conditional(p, v, zero, zero, zero)[0] for v in ts])
        return float(out[0]) if np.ndim(t) == 0 else out

    def expected_purchases_new(self, t):
        """Alias of ``expected_purchases(t)`` (a new customer), as on ``BetaGeoModel``."""
        return self.expected_purchases(t)

    def probability_of_n_purchases(self, t: float, n) -> np.ndarray | float:
        """Probability that a customer just acquired makes exactly ``n`` repeat purchases in ``t``.

        Given ``(lambda, p)``: alive after the n-th purchase and no further one, or gone right
        after the n-th (at time 0 when ``n = 0``) having made at least ``n`` by ``t``. Mixed:
        ``B(a, b+n+1)/B(a, b) NB(n; t) + B(a+1, b+n)/B(a, b) P(NB(t) >= n)`` with ``NB(t)`` the
        negative binomial ``NB(r, alpha/(alpha+t))``.

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
        r, alpha, a, b = self._p()
        t, ns = check_horizon(t), check_counts(n)
        nf = ns.astype(np.float64)
        prob = alpha / (alpha + t)
        with np.errstate(all="ignore"):
            keep = np.exp(betaln(a, b + nf + 1) - betaln(a, b)) * nbinom.pmf(ns, r, prob)
            # P(NB >= n): 1 for n = 0.
            at_least = np.where(ns > 0, nbinom.sf(ns - 1, r, prob), 1.0)
            gone = np.exp(betaln(a + 1, b + nf) - betaln(a, b)) * at_least
            out = np.clip(keep + gone, 0.0, 1.0)
        return float(out[0]) if np.ndim(n) == 0 else out

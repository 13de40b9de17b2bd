"""Gamma-Gamma model of the mean value per purchase (Fader & Hardie 2013).

Each purchase's value is Gamma(p, nu) with ``nu ~ Gamma(q, v)`` across customers; a
customer's expected spend is a weighted mean of the population mean and their own observed
mean repeat spend.

References
----------
Fader & Hardie (2013), "The Gamma-Gamma model of monetary value".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from analysis.clv._base import (
    LogParamModel,
    check_whole_frequencies,
    fit_log_params,
    log_covariance,
)
from analysis.core.errors import NotEnoughData

__all__ = ["STRONG_CORRELATION", "GammaGammaModel"]

STRONG_CORRELATION = 0.3
"""A frequency-spend correlation at least this strong (in absolute value) gives a warning."""


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


class GammaGammaModel(LogParamModel):
    """Gamma-Gamma model of the mean value per purchase (Fader & Hardie 2013).

    Each purchase's value is Gamma(p, nu) with ``nu ~ Gamma(q, v)`` across customers. It assumes
    that spend per purchase does not depend on how often a customer buys: the fitted correlation
    between the two is reported and a warning is issued when it is strong (|rho| >= 0.3).

    Parameters
    ----------
    max_iter : int
        Maximum optimiser iterations.
    max_seconds : float or None
        Time budget of the fit (then the best point so far is kept, with a warning).

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
            raise NotEnoughData(
                "The spend model needs at least two customers who bought more than once."
            )
        mean_m = float(np.mean(m))
        theta0 = np.log([1.0, 2.0, mean_m])
        check_whole_frequencies(summary)
        result = fit_log_params(
            lambda th: _gg_negll_grad(th, x, m),
            theta0,
            self.max_iter,
            list(self._bounds),
            self.max_seconds,
        )
        self._set_fit(
            result, len(x), log_covariance(lambda th: _gg_negll_grad(th, x, m)[1], result.x, len(x))
        )
        self.n_customers_ = len(x)
        self.mean_observed_spend_ = mean_m
        corr = float(np.corrcoef(x, m)[0, 1]) if np.std(x) > 0 and np.std(m) > 0 else 0.0
        self.frequency_spend_correlation_ = corr
        self.warnings_ = []
        if not self.converged_:
            self.warnings_.append(self._not_converged("spend (Gamma-Gamma)", result))
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
        """Return the expected value of a future purchase, per customer (currency of the data).

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
        params = params if params is not None else [self.params_[n] for n in self._names]
        value = self.expected_spend_draws(summary, [params])[0]
        return pd.Series(value, index=summary.index, name="expected_spend")

    def expected_spend_draws(self, summary: pd.DataFrame, draws) -> np.ndarray:
        """Return :meth:`expected_spend` under each of several parameter draws, as one array.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` per customer.
        draws : sequence of ``(p, q, v)``
            E.g. :meth:`sample_params` output.

        Returns
        -------
        ndarray
            ``(len(draws), len(summary))``: row ``i`` is the expected spend under draw ``i``
            (the columns of ``summary`` are read once for all draws).
        """
        self._check_fitted()
        x = summary["frequency"].to_numpy(dtype=np.float64)
        m = np.where(x > 0, summary["monetary_value"].to_numpy(dtype=np.float64), 0.0)
        out = np.empty((len(draws), len(x)))
        for i, (p, q, v) in enumerate(draws):
            denom = p * x + q - 1
            ok = denom > 0
            value = np.full(len(x), self.mean_observed_spend_)
            value[ok] = p * (v + x[ok] * m[ok]) / denom[ok]
            out[i] = value
        return out

"""BG/BB model for discrete purchase opportunities (Fader, Hardie & Shang 2010).

Some businesses give customers a purchase opportunity once per period: an annual fund-raising
drive, a yearly conference, a weekly market day. A customer either buys at an opportunity or
not. BG/BB: while alive, a customer buys at each opportunity with probability ``p ~ Beta(alpha,
beta)``; before each opportunity they leave for good with probability ``theta ~ Beta(gamma,
delta)``.

Data: per customer, ``frequency`` ``x`` (opportunities with a purchase after the first
purchase), ``recency`` ``t_x`` (the opportunity of the last of them, 0 if none) and ``periods``
``n`` (opportunities after the first purchase). The likelihood (FHS 2010, eq. 5) is

``B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n)/B(gamma, delta)
+ sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta) * B(gamma+1, delta+t_x+i)/B(gamma, delta)``,

evaluated in log space (``logsumexp``) with an analytic gradient, once per distinct ``(x, t_x,
n)`` weighted by its count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln

from analysis.clv._base import CountModel, check_counts, check_integer, distinct_rows
from analysis.clv.summary import (
    customer_starts,
    day_number,
    first_in_period,
    purchase_days,
)
from analysis.core.errors import NotEnoughData
from analysis.core.orders import resolve_as_of

__all__ = ["PERIODS", "BetaGeoBetaBinomModel", "discrete_summary"]

PERIODS = {"W": "calendar weeks (Monday to Sunday)", "M": "months", "Q": "quarters", "Y": "years"}
_MAX_CELLS = 2_000_000  # grid cells evaluated at once (distinct histories x opportunities)


def period_numbers(days: np.ndarray, period: str) -> np.ndarray:
    """Calendar period of each day number (days since 1970-01-01): weeks start on Monday."""
    days = np.asarray(days, dtype=np.int64)
    if period == "W":
        return (days + 3) // 7  # 1970-01-01 was a Thursday; weeks run Monday to Sunday
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if period == "M":
        return months
    if period == "Q":
        return months // 3
    if period == "Y":
        return months // 12
    raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}.")


def discrete_summary(
    tx: pd.DataFrame, *, period: str = "Y", as_of=None, aggregate: bool = False
) -> pd.DataFrame:
    """Frequency, recency and opportunities per customer for data with discrete opportunities.

    A purchase is a customer's calendar day with a net value >= 0 (as in
    :func:`analysis.clv.clv_summary`); each calendar period is one purchase opportunity and a
    period with at least one purchase is one transaction.

    Parameters
    ----------
    tx : DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``).
    period : {"W", "M", "Q", "Y"}
        Calendar weeks (Monday to Sunday), months, quarters or years.
    as_of : date-like or None
        End of observation, exclusive (default the day after the last transaction); the period
        holding the last observed day is the last opportunity, so pick a period end.
    aggregate : bool
        Return one row per distinct ``(frequency, recency, periods)`` with a ``weights`` column
        (the customers sharing it), as in the published BG/BB tables.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (or a range when aggregated): ``frequency`` (periods with a
        purchase after the first purchase's period), ``recency`` (the last such period, counted
        from the first, 0 if none) and ``periods`` (opportunities after the first), all int64.
        ``attrs`` records ``period`` and ``as_of``.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}.")
    as_of_ts = resolve_as_of(tx, as_of)
    cutoff = day_number(as_of_ts)
    uniques, customer, day, _ = purchase_days(tx, cutoff)
    per = period_numbers(day, period)
    # Sorted by customer then day, so distinct (customer, period) pairs are runs.
    if len(per):
        new = first_in_period(customer, per)
        customer, per = customer[new], per[new]
    starts = customer_starts(customer)
    counts = np.diff(np.r_[starts, len(customer)])
    first = per[starts]
    last = per[starts + counts - 1] if len(starts) else first
    end = int(period_numbers(np.array([cutoff - 1]), period)[0])
    out = pd.DataFrame(
        {
            "frequency": (counts - 1).astype(np.int64),
            "recency": (last - first).astype(np.int64),
            "periods": (end - first).astype(np.int64),
        },
        index=pd.Index(uniques.take(customer[starts]), name="customer_id"),
    )
    if aggregate:
        out = (
            out.groupby(["frequency", "recency", "periods"], sort=True)
            .size()
            .rename("weights")
            .reset_index()
        )
    out.attrs = {"period": period, "as_of": as_of_ts, "time_unit": period}
    return out


def discrete_inputs(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``frequency``, ``recency``, ``periods`` as float arrays, checked.

    Whole numbers, ``0 <= frequency <= recency <= periods``, recency 0 when frequency is 0.
    """
    missing = [c for c in ("frequency", "recency", "periods") if c not in summary]
    if missing:
        raise NotEnoughData(
            f"The summary needs the columns frequency, recency, periods; missing {missing}."
        )
    x = summary["frequency"].to_numpy(dtype=np.float64)
    tx = summary["recency"].to_numpy(dtype=np.float64)
    n = summary["periods"].to_numpy(dtype=np.float64)
    if len(x) and not (np.isfinite(x).all() and np.isfinite(tx).all() and np.isfinite(n).all()):
        raise NotEnoughData("frequency, recency and periods must be finite.")
    check_integer(x, "frequency", summary.index)
    check_integer(tx, "recency", summary.index)
    check_integer(n, "periods", summary.index)
    if len(x) and (
        (x < 0).any()
        or (x > tx).any()
        or (tx > n).any()
        or ((x == 0) & (tx > 0)).any()
        or ((x > 0) & (tx == 0)).any()
    ):
        raise NotEnoughData(
            "The summary needs 0 <= frequency <= recency <= periods, recency 0 exactly when "
            "frequency is 0 (recency is the opportunity of the last repeat purchase)."
        )
    return x, tx, n


class _Data:
    """Distinct patterns with their weights, in chunks of at most ``_MAX_CELLS`` grid cells.

    Per pattern, column 0 of the grid is "alive through all n opportunities" (``m = n``, gamma
    part ``B(gamma, delta+n)``) and column ``1+i`` is "left just after opportunity t_x + i"
    (``m = t_x + i``, ``B(gamma+1, delta+m)``). Patterns are sorted by ``n - t_x`` (longest
    first) so each chunk's grid is only as wide as it needs.
    """

    def __init__(self, x, tx, n, w):
        (x, tx, n), w = distinct_rows(x, tx, n, weights=w)
        order = np.argsort(-(n - tx), kind="stable")
        self.x, self.tx, self.n, self.w = x[order], tx[order], n[order], w[order]
        self.total = float(self.w.sum())

    def grids(self):
        """Yield ``(slice, m, g, valid)`` per chunk."""
        gap = (self.n - self.tx).astype(np.int64)
        lo = 0
        while lo < len(gap):
            k = int(gap[lo])
            hi = min(len(gap), lo + max(1, _MAX_CELLS // (k + 1)))
            sl = slice(lo, hi)
            i = np.arange(k, dtype=np.float64)
            m = np.column_stack([self.n[sl], self.tx[sl, None] + i[None, :]])
            g = np.r_[0.0, np.ones(k)]
            valid = np.column_stack([np.ones(hi - lo, dtype=bool), i[None, :] < gap[sl, None]])
            yield sl, m, g, valid
            lo = hi


def _tables(fn, params, size: int) -> dict[str, np.ndarray]:
    """``fn`` (``gammaln`` or ``digamma``) of each shape plus 0, 1, ..., ``size - 1``.

    Counts are whole numbers, so every Gamma-function value the likelihood needs is a lookup
    in these short tables instead of one evaluation per cell of the grid.
    """
    a, b, c, d = params
    j = np.arange(size, dtype=np.float64)
    return {
        "a": fn(a + j),
        "b": fn(b + j),
        "ab": fn(a + b + j),
        "d": fn(d + j),
        "cd0": fn(c + d + j),
        "cd1": fn(c + d + 1 + j),
    }


def _indices(x, m):
    xi = x.astype(np.int64)[:, None]
    mi = m.astype(np.int64)
    return xi, mi, int(mi.max()) + 1 if mi.size else 1


def _log_terms(params, x, m, g, valid):
    """Return the log of each term of the likelihood, ``-inf`` outside ``valid``.

    ``ln B(alpha+x, beta+m-x) + ln B(gamma+g, delta+m) - ln B(alpha, beta) - ln B(gamma,
    delta)``.
    """
    a, b, c, d = params
    xi, mi, size = _indices(x, m)
    t = _tables(gammaln, params, size)
    gamma_part = (
        np.where(g > 0, gammaln(c + 1) - t["cd1"][mi], gammaln(c) - t["cd0"][mi]) + t["d"][mi]
    )
    terms = t["a"][xi] + t["b"][mi - xi] - t["ab"][mi] + gamma_part - betaln(a, b) - betaln(c, d)
    return np.where(valid, terms, -np.inf)


def _negll_grad(theta: np.ndarray, d: _Data) -> tuple[float, np.ndarray]:
    params = np.exp(theta)
    a, b, c, dd = params
    total = 0.0
    grad = np.zeros(4)
    with np.errstate(all="ignore"):
        for sl, m, g, valid in d.grids():
            x, w = d.x[sl], d.w[sl]
            terms = _log_terms(params, x, m, g, valid)
            top = terms.max(axis=1, keepdims=True)
            weights = np.exp(terms - top)
            norm = weights.sum(axis=1, keepdims=True)
            ll = top[:, 0] + np.log(norm[:, 0])
            total += float(np.multiply(w, ll).sum())
            share = np.where(valid, weights / norm * w[:, None], 0.0)
            xi, mi, size = _indices(x, m)
            p = _tables(digamma, params, size)
            dg_ab = p["ab"][mi]
            dg_cd = np.where(g > 0, p["cd1"][mi], p["cd0"][mi])
            d_a = p["a"][xi] - dg_ab
            d_b = p["b"][mi - xi] - dg_ab
            d_c = np.where(g > 0, digamma(c + 1), digamma(c)) - dg_cd
            d_d = p["d"][mi] - dg_cd
            grad += [float((share * v).sum()) for v in (d_a, d_b, d_c, d_d)]
        if not np.isfinite(total):
            return np.inf, np.zeros(4)
        n = d.total
        grad -= n * np.array(
            [
                digamma(a) - digamma(a + b),
                digamma(b) - digamma(a + b),
                digamma(c) - digamma(c + dd),
                digamma(dd) - digamma(c + dd),
            ]
        )
    return -total / n, -grad * params / n


def _future_alive_sum(c: float, d: float, start: np.ndarray, count: int) -> np.ndarray:
    """``sum_{k=1}^{count} B(gamma, delta+start+k) / B(gamma, delta)`` per ``start``."""
    if count == 0:
        return np.zeros(len(start))
    k = np.arange(1, count + 1, dtype=np.float64)
    cells = len(start) * count
    out = np.empty(len(start))
    step = max(1, _MAX_CELLS // count) if cells > _MAX_CELLS else max(len(start), 1)
    for lo in range(0, len(start), step):
        s = start[lo : lo + step, None]
        out[lo : lo + step] = np.exp(betaln(c, d + s + k) - betaln(c, d)).sum(axis=1)
    return out


class BetaGeoBetaBinomModel(CountModel):
    """BG/BB model of purchases at discrete opportunities (Fader, Hardie & Shang 2010).

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
        ``alpha``, ``beta`` (purchase probability per opportunity ``p ~ Beta(alpha, beta)``),
        ``gamma``, ``delta`` (drop-out probability per opportunity ``theta ~ Beta(gamma,
        delta)``).
    log_likelihood_ : float
        Total (unpenalised) log-likelihood: the log probability of the observed patterns.
    """

    _names = ("alpha", "beta", "gamma", "delta")
    _bounds = ((-15.0, np.log(1e4)),) * 4
    display_name = "BG/BB model"
    _data = _Data

    def fit(self, summary: pd.DataFrame) -> BetaGeoBetaBinomModel:
        """Fit by maximum likelihood on ``frequency``, ``recency``, ``periods`` (+ ``weights``).

        Parameters
        ----------
        summary : DataFrame
            One row per customer or per distinct pattern with a ``weights`` column (see
            :func:`discrete_summary`).

        Returns
        -------
        BetaGeoBetaBinomModel
            ``self``, fitted.
        """
        return self._fit_columns(discrete_inputs(summary), summary, summary.attrs.get("period"))

    @staticmethod
    def _start(data: _Data) -> np.ndarray:
        return np.zeros(4)

    @staticmethod
    def _negll(theta, data):
        return _negll_grad(theta, data)

    # -- predictions ---------------------------------------------------------------------------

    def log_likelihood(self, summary: pd.DataFrame) -> pd.Series:
        """Log probability of each customer's pattern under the fitted parameters."""
        params = self._p()
        x, tx, n = discrete_inputs(summary)
        return pd.Series(self._ll(params, x, tx, n), index=summary.index, name="log_likelihood")

    @staticmethod
    def _ll(params, x, tx, n) -> np.ndarray:
        d = _Data(x, tx, n, np.ones(len(x)))
        with np.errstate(all="ignore"):
            ll_rows = np.empty(len(d.x))
            for sl, m, g, valid in d.grids():
                terms = _log_terms(params, d.x[sl], m, g, valid)
                top = terms.max(axis=1, keepdims=True)
                ll_rows[sl] = top[:, 0] + np.log(np.exp(terms - top).sum(axis=1))
        keys = pd.MultiIndex.from_arrays([d.x, d.tx, d.n])
        return ll_rows[keys.get_indexer(pd.MultiIndex.from_arrays([x, tx, n]))]

    def probability_alive(self, summary: pd.DataFrame, *, ahead: int = 1) -> pd.Series:
        """Probability that each customer is alive at opportunity ``periods + ahead``.

        ``B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n+ahead)/B(gamma, delta) / L``
        (FHS 2010, eq. 11 for ``ahead = 1``: still there for the next opportunity).

        Returns
        -------
        Series
            Indexed like ``summary``, name ``p_alive``.
        """
        a, b, c, d = self._p()
        x, tx, n = discrete_inputs(summary)
        with np.errstate(all="ignore"):
            log_alive = (
                betaln(a + x, b + n - x) - betaln(a, b) + betaln(c, d + n + ahead) - betaln(c, d)
            )
            value = np.exp(log_alive - self._ll((a, b, c, d), x, tx, n))
        return pd.Series(np.clip(value, 0.0, 1.0), index=summary.index, name="p_alive")

    @staticmethod
    def _check_horizon(t) -> int:
        if not (np.isfinite(t) and float(t) >= 0 and float(t) == np.floor(float(t))):
            raise ValueError("The horizon must be a whole number of future opportunities >= 0.")
        return int(t)

    def conditional_expected_purchases(
        self, t: int, summary: pd.DataFrame, *, params=None
    ) -> pd.Series:
        """Return the expected purchases at the next ``t`` opportunities given each pattern.

        ``B(alpha+x+1, beta+n-x)/B(alpha, beta) / L * sum_{k=n+1}^{n+t} B(gamma, delta+k) /
        B(gamma, delta)`` (FHS 2010, eq. 13, written as the sum it telescopes from; no
        singularity at ``gamma = 1``).

        Returns
        -------
        Series
            Indexed like ``summary``, name ``expected_purchases``.
        """
        a, b, c, d = self._p(params)
        t = self._check_horizon(t)
        x, tx, n = discrete_inputs(summary)
        with np.errstate(all="ignore"):
            log_buy = betaln(a + x + 1, b + n - x) - betaln(a, b)
            value = np.exp(log_buy - self._ll((a, b, c, d), x, tx, n)) * _future_alive_sum(
                c, d, n, t
            )
        return pd.Series(value, index=summary.index, name="expected_purchases")

    def expected_purchases(self, t, summary: pd.DataFrame | None = None, *, params=None):
        """Return the expected purchases at ``t`` opportunities.

        Without ``summary``: of a customer just acquired, ``alpha/(alpha+beta) * sum_{k=1}^{t}
        B(gamma, delta+k)/B(gamma, delta)`` (FHS 2010, eq. 7); with ``summary``:
        :meth:`conditional_expected_purchases`.
        """
        if summary is not None:
            return self.conditional_expected_purchases(t, summary, params=params)
        a, b, c, d = self._p(params)
        ts = np.atleast_1d(np.asarray(t))
        out = np.array(
            [
                a / (a + b) * _future_alive_sum(c, d, np.zeros(1), self._check_horizon(v))[0]
                for v in ts
            ]
        )
        return float(out[0]) if np.ndim(t) == 0 else out

    def expected_purchases_new(self, t):
        """Alias of ``expected_purchases(t)`` (a new customer)."""
        return self.expected_purchases(t)

    def probability_of_n_purchases(self, t: int, n) -> np.ndarray | float:
        """Return the chance that a new customer buys at exactly ``n`` of the next ``t`` times.

        Opportunities, that is (FHS 2010, eq. 8):

        ``C(t, n) B(alpha+n, beta+t-n)/B(alpha, beta) B(gamma, delta+t)/B(gamma, delta)
        + sum_{i=n}^{t-1} C(i, n) B(alpha+n, beta+i-n)/B(alpha, beta) B(gamma+1, delta+i)/B(gamma,
        delta)``.

        Returns
        -------
        float or ndarray
            0 for ``n > t``.
        """
        a, b, c, d = self._p()
        t = self._check_horizon(t)
        ns = check_counts(n)
        nf = ns.astype(np.float64)[:, None]
        i = np.arange(t, dtype=np.float64)[None, :]

        def log_choose(top, k):
            return gammaln(top + 1) - gammaln(k + 1) - gammaln(top - k + 1)

        with np.errstate(all="ignore"):
            alive = np.exp(
                log_choose(t, nf[:, 0])
                + betaln(a + nf[:, 0], b + t - nf[:, 0])
                - betaln(a, b)
                + betaln(c, d + t)
                - betaln(c, d)
            )
            alive = np.where(nf[:, 0] <= t, alive, 0.0)
            left_terms = np.exp(
                log_choose(i, nf)
                + betaln(a + nf, b + i - nf)
                - betaln(a, b)
                + betaln(c + 1, d + i)
                - betaln(c, d)
            )
            left = np.where(i >= nf, left_terms, 0.0).sum(axis=1)
            out = np.clip(np.nan_to_num(alive + left), 0.0, 1.0)
        return float(out[0]) if np.ndim(n) == 0 else out

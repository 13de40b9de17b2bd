"""Forecasts from fitted models: customer lifetime value, totals with an interval, P(alive) grid.

Months are 365.25 / 12 days. The purchase model is any fitted model with ``expectations``
(BG/NBD, modified BG/NBD, Pareto/NBD); spend comes from Gamma-Gamma.

The interval's parameter draws are bounded by work, not by the clock: :func:`draw_plan` counts
what one draw evaluates on the customers' distinct histories, and the number of draws (then,
if need be, the customer sample) is chosen so that the total stays under
:data:`DRAW_WORK_BUDGET`. The same data and settings therefore always give the same figures,
however loaded the server is.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis.clv._base import distinct_rows, history_arrays
from analysis.clv.beta_geo import BetaGeoModel
from analysis.clv.gamma_gamma import GammaGammaModel
from analysis.clv.pareto_nbd import ParetoNBDModel
from analysis.clv.summary import DAYS_PER_MONTH, check_unit

__all__ = [
    "DRAW_WORK_BUDGET",
    "MIN_DRAWS",
    "customer_lifetime_value",
    "draw_cost",
    "draw_plan",
    "forecast_totals",
    "probability_alive_grid",
]

DRAW_WORK_BUDGET = 15_000_000
"""Work allowed for all the parameter draws of one interval, in units of :func:`draw_cost`.

A unit is about a microsecond of one CPU core on the development machine (2 shared cores) in the
slowest case: a Pareto/NBD hypergeometric value that needs the series and the quadrature costs
25 units, a BG/NBD closed form 4, each customer and horizon 1. Set so that every example and a
50,000-line upload keep all 100 draws (the most, the online shop under the Pareto/NBD, needs
13.5 million). The largest sample (5,000 customers, every history distinct) under the
Pareto/NBD gets 56 to 67 draws, measured at 5 s of CPU with the 50,000-line upload's fitted
parameters and 12 s with Online Retail's (near the slowest path: at most about 15 s)."""
MIN_DRAWS = 40
"""Fewest draws an interval rests on (when asked for at least this many): below it, the draws
are evaluated on a smaller random sample of customers instead (the 5th and 95th percentiles of
fewer draws would move with every seed)."""
_COST_PARETO_PAIR = 25
_COST_CLOSED_FORM = 4


def customer_lifetime_value(
    bg: BetaGeoModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    months: int = 12,
    monthly_discount_rate: float = 0.01,
    time_unit: str = "D",
) -> pd.Series:
    """Return each customer's expected discounted net value over the next ``months`` months.

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
    unit = check_unit(summary, time_unit)
    if months < 0:
        raise ValueError("months must not be negative.")
    spend = gg.expected_spend(summary).to_numpy()
    x, tx, T = history_arrays(summary)
    total = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    horizons = [i * DAYS_PER_MONTH / unit for i in range(1, int(months) + 1)]
    for i, current in enumerate(bg.expectations(horizons, x, tx, T), start=1):
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
    max_seconds: float | None = 120.0,
) -> pd.DataFrame:
    """Return the expected purchases and net revenue of the whole base, with an interval.

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
        Number of parameter draws asked for (fewer are made when they would cost more than
        :data:`DRAW_WORK_BUDGET`; see :func:`draw_plan`).
    level : float
        Coverage of the interval (0.9 = 5th to 95th percentile).
    max_customers : int
        Customers used for the draws.
    random_state : int
        Seed.
    max_seconds : float or None
        Last-resort safety valve of wall-clock seconds for the draws, far above what the work
        budget allows (at most about 15 s of CPU): it never triggers on the examples or tests
        and exists only for a machine that is stalled. When it does, the draws left undone are
        NaN and the interval rests on those made (none with fewer than half of the planned
        draws). None: no clock at all.

    Returns
    -------
    DataFrame
        One row per horizon: ``months``, ``expected_purchases``, ``purchases_low``,
        ``purchases_high``, ``expected_revenue``, ``revenue_low``, ``revenue_high``. ``attrs``:
        ``draws`` (draws made), ``n_draws`` (asked for), ``sampled_customers`` (customers the
        draws were evaluated on), ``customers`` and ``draw_work`` (the planned work, in units
        of :func:`draw_cost`).
    """
    unit = check_unit(summary, time_unit)
    rng = np.random.default_rng(random_state)
    x, tx, T = history_arrays(summary)
    n = len(x)
    spend = gg.expected_spend(summary).to_numpy()
    sample = np.arange(n) if n <= max_customers else rng.choice(n, max_customers, replace=False)
    sub = summary.iloc[sample]
    bg_draws = bg.sample_params(n_draws, rng)
    gg_draws = gg.sample_params(n_draws, rng)
    planned, sample, work = draw_plan(
        bg, (x, tx, T), sample, len(months), n_draws, np.random.default_rng([random_state, 1])
    )
    sub = summary.iloc[sample]
    spend_draws = gg.expected_spend_draws(sub, gg_draws[:planned])
    horizons = [mo * DAYS_PER_MONTH / unit for mo in months]
    point = _point_totals(bg.expectations(horizons, x, tx, T), spend, sample)
    draw_purchases, draw_revenue, made = _draw_totals(
        bg,
        bg_draws[:planned],
        spend_draws,
        horizons,
        (x[sample], tx[sample], T[sample]),
        point,
        max_seconds,
    )
    rows = _interval_rows(months, point, draw_purchases, draw_revenue, rng, level)
    out = pd.DataFrame(rows)
    out.attrs = {
        "draws": made,
        "n_draws": n_draws,
        "sampled_customers": len(sample),
        "customers": n,
        "draw_work": work,
    }
    return out


def draw_cost(model, x: np.ndarray, tx: np.ndarray, T: np.ndarray, n_horizons: int) -> int:
    """Return the work of one parameter draw on these customers, in budget units.

    The Pareto/NBD evaluates a hypergeometric function once per distinct ``(x, t)`` pair at
    ``t_x`` and at ``T`` of the histories with ``T > t_x`` (25 units each: the series and the
    quadrature, its slowest path); the BG/NBD family a closed form per distinct ``(x, T)`` and
    horizon (4 units each). Every customer adds a unit per horizon (the element-wise sums).

    Parameters
    ----------
    model : fitted purchase model
    x, tx, T : ndarray
        Frequency, recency and age of the customers the draws are evaluated on.
    n_horizons : int
        Number of horizons.

    Returns
    -------
    int
        Work units; the same for the same customers, whatever the parameters or the machine.
    """
    per_customer = len(x) * n_horizons
    if isinstance(model, ParetoNBDModel):
        gap = T > tx
        stacked = (np.concatenate([x[gap], x[gap]]), np.concatenate([tx[gap], T[gap]]))
        _, pairs = distinct_rows(*stacked, weights=np.ones(len(stacked[0])))
        return int(per_customer + _COST_PARETO_PAIR * len(pairs))
    _, histories = distinct_rows(x, T, weights=np.ones(len(x)))
    return int(per_customer + _COST_CLOSED_FORM * len(histories) * n_horizons)


def draw_plan(
    model,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
    sample: np.ndarray,
    n_horizons: int,
    n_draws: int,
    rng: np.random.Generator,
    budget: int | None = None,
) -> tuple[int, np.ndarray, int]:
    """Return ``(draws, sample, work)``: how many draws to make, on which customers.

    All ``n_draws`` when their work fits ``budget`` (default :data:`DRAW_WORK_BUDGET`); else as
    many as fit, down to :data:`MIN_DRAWS`; below that, :data:`MIN_DRAWS` draws on a random
    part of ``sample`` small enough to fit (never fewer than 50 customers). Depends only on the
    customers' histories, the settings and ``rng``: deterministic.

    Parameters
    ----------
    model : fitted purchase model
    arrays : tuple of ndarray
        ``(x, tx, T)`` of every customer.
    sample : ndarray
        Positions of the customers the draws would be evaluated on.
    n_horizons, n_draws : int
        Horizons, and draws asked for.
    rng : numpy Generator
        Chooses the smaller sample, when one is needed.
    budget : int, optional
        Work allowed, in :func:`draw_cost` units.

    Returns
    -------
    tuple
        ``(draws, sample, work)``: draws to make, customer positions, planned work.
    """
    budget = DRAW_WORK_BUDGET if budget is None else budget
    x, tx, T = arrays

    def cost(positions: np.ndarray) -> int:
        return draw_cost(model, x[positions], tx[positions], T[positions], n_horizons)

    per_draw = max(cost(sample), 1)
    draws = min(n_draws, budget // per_draw)
    floor = min(n_draws, MIN_DRAWS)
    if draws >= floor:
        return int(draws), sample, int(draws * per_draw)
    order = rng.permutation(len(sample))
    size = len(sample)
    while floor * per_draw > budget and size > 50:
        size = max(50, min(size - 1, int(size * budget / (floor * per_draw))))
        part = np.sort(sample[order[:size]])
        per_draw = max(cost(part), 1)
    sample = np.sort(sample[order[:size]])
    return int(floor), sample, int(floor * per_draw)


def _interval_rows(months, point, draw_purchases, draw_revenue, rng, level: float) -> list:
    """Return one forecast row per horizon: the point figures and the ``level`` interval."""
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    rows = []
    for h, mo in enumerate(months):
        noisy, dr = _with_purchase_noise(draw_purchases[h], draw_revenue[h], rng)
        rows.append(
            {
                "months": int(mo),
                "expected_purchases": point[h][0],
                "purchases_low": _quantile(noisy, lo_q),
                "purchases_high": _quantile(noisy, hi_q),
                "expected_revenue": point[h][1],
                "revenue_low": _quantile(dr, lo_q),
                "revenue_high": _quantile(dr, hi_q),
            }
        )
    return rows


def _point_totals(expectations, spend: np.ndarray, sample: np.ndarray) -> list[tuple]:
    """Return per horizon the base's purchases and revenue, and the sample's.

    Each draw moves the sample's totals by a ratio; applying that ratio to the full totals
    keeps the sample's own sampling error out of the interval.
    """
    return [
        (
            float(expected.sum()),
            float((expected * spend).sum()),
            expected[sample].sum(),
            (expected[sample] * spend[sample]).sum(),
        )
        for expected in expectations
    ]


def _draw_totals(bg, bg_draws, spend_draws, horizons, sample_arrays, point, max_seconds):
    """Return the whole base's purchases and revenue per horizon and draw, and the draws made.

    Each draw is evaluated on the sample; the ratio of the sample's totals under the draw and
    under the estimate scales the whole base's totals. Draws left undone by the safety valve
    (``max_seconds``, which ordinary work never reaches) stay NaN.
    """
    xs, txs, Ts = sample_arrays
    n_draws = len(bg_draws)
    draw_purchases = np.full((len(horizons), n_draws), np.nan)
    draw_revenue = np.full((len(horizons), n_draws), np.nan)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    made = 0
    done: dict[bytes, list[np.ndarray]] = {}
    sample_histories = bg.distinct_histories(xs, Ts)
    for d in range(n_draws):
        if deadline is not None and time.monotonic() > deadline:
            break
        key = bg_draws[d].tobytes()
        if key not in done:  # identical draws (no covariance) share their purchases
            done[key] = bg.expectations(
                horizons, xs, txs, Ts, params=bg_draws[d], exact=False, histories=sample_histories
            )
        for h, e in enumerate(done[key]):
            purchases, revenue, base_purchases, base_revenue = point[h]
            draw_purchases[h, d] = purchases * _ratio(e.sum(), base_purchases)
            draw_revenue[h, d] = revenue * _ratio((e * spend_draws[d]).sum(), base_revenue)
        made += 1
    return draw_purchases, draw_revenue, made


def _with_purchase_noise(dp: np.ndarray, dr: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Return purchase counts and revenue per draw with Poisson noise on the purchases.

    The noise is Poisson, by its normal limit for large totals (numpy's Poisson refuses huge
    means, which absurd draws on tiny data can produce). Draws where the closed form failed
    (or that the safety valve left undone) are left out; with fewer than half of them usable
    the interval would not be honest, so every draw is NaN.
    """
    n_draws = len(dp)
    lam = np.where(np.isfinite(dp), np.maximum(dp, 0.0), 0.0)
    small = lam < 1e6
    noisy = np.empty(n_draws)
    noisy[small] = rng.poisson(lam[small])
    noisy[~small] = np.maximum(rng.normal(lam[~small], np.sqrt(lam[~small])), 0.0)
    ratio = np.divide(noisy, lam, out=np.ones(n_draws), where=lam > 0)
    dr = dr * ratio
    valid = np.isfinite(dp) & np.isfinite(dr)
    if valid.sum() < n_draws / 2:
        valid[:] = False
    return np.where(valid, noisy, np.nan), np.where(valid, dr, np.nan)


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

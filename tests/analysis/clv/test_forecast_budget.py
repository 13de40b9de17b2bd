"""Tests of the work budget of forecast_totals' parameter draws (issue #14: no clock in the figures)."""

import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pandas.testing as pdt

import analysis.clv.forecast as forecast_module
from analysis.clv import ParetoNBDModel, forecast_totals
from analysis.clv.forecast import DRAW_WORK_BUDGET, MIN_DRAWS, draw_cost, draw_plan


def _slow_clock(step: float):
    """A monotonic clock that moves ``step`` seconds at every reading (a loaded server)."""
    now = [1000.0]

    def monotonic() -> float:
        now[0] += step
        return now[0]

    return SimpleNamespace(monotonic=monotonic)


def test_same_data_gives_the_same_ranges_however_slow_the_server(
    monkeypatch, cdnow_bg, cdnow_gg, cdnow_summary
):
    # The old 5 s time budget stopped after about ten draws on a clock moving 0.5 s a draw.
    figures = []
    for step in (0.0, 0.5):
        monkeypatch.setattr(forecast_module, "time", _slow_clock(step))
        figures.append(forecast_totals(cdnow_bg, cdnow_gg, cdnow_summary, time_unit="W"))
    fast, slow = figures
    assert fast.attrs["draws"] == slow.attrs["draws"] == 100
    assert fast.attrs == slow.attrs
    pdt.assert_frame_equal(fast, slow, check_exact=True)
    assert fast["revenue_low"].notna().all()


def test_the_safety_valve_still_stops_a_stalled_machine(cdnow_bg, cdnow_gg, cdnow_summary):
    fc = forecast_totals(cdnow_bg, cdnow_gg, cdnow_summary, time_unit="W", max_seconds=0.0)
    assert fc.attrs["draws"] == 0 and fc["revenue_low"].isna().all()
    assert np.isfinite(fc["expected_revenue"]).all()


def _pareto(n_customers: int = 1) -> ParetoNBDModel:
    """A Pareto/NBD with set parameters and covariance (as a loaded model has)."""
    model = ParetoNBDModel()
    model.params_ = {"r": 0.5, "alpha": 5.0, "s": 0.5, "beta": 8.0}
    model.log_covariance_ = np.diag([0.01] * 4)
    model.time_unit_ = "W"
    model.n_customers_ = n_customers
    model.log_likelihood_ = 0.0
    model.converged_ = True
    model.warnings_ = []
    return model


def _distinct_histories(n: int, seed: int) -> pd.DataFrame:
    """``n`` customers, every one with its own history (the most work per customer)."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(50, 100, n)
    return pd.DataFrame(
        {
            "frequency": rng.integers(1, 60, n).astype(float),
            "recency": T * rng.uniform(0.01, 0.99, n),
            "T": T,
            "monetary_value": rng.gamma(4.0, 10.0, n),
        }
    )


def test_draw_plan_keeps_every_draw_when_cheap_and_cuts_work_by_size():
    summary = _distinct_histories(20_000, seed=1)
    arrays = tuple(summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    model = _pareto()
    small = np.arange(500)
    assert draw_plan(model, arrays, small, 3, 100, np.random.default_rng(0))[0] == 100
    # One Pareto/NBD draw on 500 distinct histories: 1,000 hypergeometric values, 1,500 sums.
    assert draw_cost(model, *(a[small] for a in arrays), 3) == 1_000 * 25 + 1_500
    # A smaller budget: fewer draws, same customers.
    draws, sample, work = draw_plan(
        model, arrays, small, 3, 100, np.random.default_rng(0), 26_500 * 50
    )
    assert draws == 50 and sample is small and work == 50 * 26_500
    # 5,000 distinct histories: 265,000 units a draw, so 56 draws fit.
    assert draw_plan(model, arrays, np.arange(5_000), 3, 100, np.random.default_rng(0))[0] == 56
    # Too little even for MIN_DRAWS: MIN_DRAWS draws on fewer customers, the same ones each time.
    plans = [
        draw_plan(model, arrays, np.arange(20_000), 3, 100, np.random.default_rng([0, 1]))
        for _ in range(2)
    ]
    (draws, sample, work), (draws2, sample2, work2) = plans
    assert draws == draws2 == MIN_DRAWS
    assert 50 <= len(sample) < 20_000 and np.array_equal(sample, sample2)
    assert work == work2 <= DRAW_WORK_BUDGET


def test_a_huge_input_makes_fewer_draws_and_costs_about_a_normal_one(cdnow_gg):
    # Up to 20,000 customers in the draws: without the budget the huge input would cost 100 draws
    # on 20,000 distinct histories, about ten times the normal one.
    model = _pareto()
    normal = _distinct_histories(2_000, seed=2)
    huge = _distinct_histories(20_000, seed=3)

    def run(summary):
        start = time.process_time()
        fc = forecast_totals(model, cdnow_gg, summary, time_unit="W", max_customers=20_000)
        return fc, time.process_time() - start

    run(normal.iloc[:100])  # warm up
    fc_normal, t_normal = run(normal)
    fc_huge, t_huge = run(huge)
    assert fc_normal.attrs["draws"] == 100 and fc_normal.attrs["sampled_customers"] == 2_000
    assert fc_huge.attrs["draws"] == MIN_DRAWS < fc_huge.attrs["n_draws"]
    assert 2_000 < fc_huge.attrs["sampled_customers"] < 20_000
    assert fc_huge.attrs["draw_work"] <= DRAW_WORK_BUDGET
    assert fc_huge["revenue_low"].notna().all()
    assert t_huge <= 3.0 * t_normal
    again, _ = run(huge)
    pdt.assert_frame_equal(fc_huge, again, check_exact=True)

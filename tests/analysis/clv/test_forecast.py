"""Tests of analysis.clv.forecast: lifetime value, forecast totals with their interval, the P(alive) grid."""

import numpy as np
import pytest

from analysis.clv import (
    customer_lifetime_value,
    forecast_totals,
    probability_alive_grid,
)


def test_customer_lifetime_value(cdnow_bg, cdnow_gg, cdnow_summary):
    s = cdnow_summary.iloc[:50]
    spend = cdnow_gg.expected_spend(s)
    undiscounted = customer_lifetime_value(
        cdnow_bg, cdnow_gg, s, months=12, monthly_discount_rate=0.0, time_unit="W"
    )
    horizon = 12 * (365.25 / 12) / 7
    np.testing.assert_allclose(
        undiscounted, cdnow_bg.expected_purchases(horizon, s) * spend, rtol=1e-10
    )
    discounted = customer_lifetime_value(cdnow_bg, cdnow_gg, s, time_unit="W")
    assert (discounted < undiscounted).all() and (discounted > 0).all()
    # One month at 1%: exactly E[Y(1 month)] * spend / 1.01.
    one = customer_lifetime_value(cdnow_bg, cdnow_gg, s, months=1, time_unit="W")
    np.testing.assert_allclose(
        one, cdnow_bg.expected_purchases(365.25 / 12 / 7, s) * spend / 1.01, rtol=1e-10
    )
    assert (customer_lifetime_value(cdnow_bg, cdnow_gg, s, months=0, time_unit="W") == 0).all()
    with pytest.raises(ValueError, match="time unit"):
        customer_lifetime_value(cdnow_bg, cdnow_gg, s, time_unit="D")


def test_forecast_totals_interval_brackets_the_point(cdnow_bg, cdnow_gg, cdnow_summary):
    f = forecast_totals(cdnow_bg, cdnow_gg, cdnow_summary, time_unit="W", n_draws=60)
    assert list(f["months"]) == [3, 6, 12]
    assert (f["purchases_low"] < f["expected_purchases"]).all()
    assert (f["expected_purchases"] < f["purchases_high"]).all()
    assert (f["revenue_low"] < f["expected_revenue"]).all()
    assert (f["expected_revenue"] < f["revenue_high"]).all()
    assert f["expected_purchases"].is_monotonic_increasing
    total_12 = cdnow_bg.expected_purchases(365.25 / 7, cdnow_summary).sum()
    assert f["expected_purchases"].iloc[2] == pytest.approx(total_12)
    # Draws on a sample of 500 customers: same point, an interval of about the same width.
    sub = forecast_totals(
        cdnow_bg, cdnow_gg, cdnow_summary, time_unit="W", n_draws=60, max_customers=500
    )
    np.testing.assert_allclose(sub["expected_revenue"], f["expected_revenue"])
    width = f["revenue_high"] - f["revenue_low"]
    np.testing.assert_allclose(sub["revenue_high"] - sub["revenue_low"], width, rtol=0.35)
    assert (sub["revenue_low"] < sub["expected_revenue"]).all()
    assert (sub["expected_revenue"] < sub["revenue_high"]).all()


def test_probability_alive_grid(cdnow_bg, cdnow_summary):
    grid = probability_alive_grid(cdnow_bg, cdnow_summary, max_frequency=6, n_recency=10)
    assert set(grid.columns) == {"frequency", "recency", "T", "p_alive"}
    assert len(grid) == 1 + 6 * 11
    assert grid["p_alive"].between(0, 1).all()
    row = grid[grid["frequency"] == 3].sort_values("recency")
    assert row["p_alive"].is_monotonic_increasing

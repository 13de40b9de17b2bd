"""pushdown.value_report and pushdown.compare_models: the value models on inputs from the engine.

The engine builds the per-customer summaries and the holdout counts; the models are fitted in
memory by the same code as the in-memory path. The engine returns customers sorted by id, so
the reference is the in-memory function on the same lines sorted by customer (its sampled fits
and interval draws pick customers by position). Inputs must match to 1e-9 relative, model
outputs to 1e-6.

The café's models are not identified: BG/NBD's b and Gamma-Gamma's q and v run to the edge of
their ranges (any value fits), so Gamma-Gamma follows the last bit of its inputs, which the
engine adds up in another order, and the forecast ranges rest on a near-singular covariance
(they move with the BLAS threads' rounding, in memory too). There the spend model's figures are
compared to 1e-4 and the ranges and the spend model's convergence note are not compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import clv, pushdown  # noqa: E402
from analysis.pushdown import value as pushed_value  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402

MODEL_RTOL = 1e-6


def by_customer(tx: pd.DataFrame) -> pd.DataFrame:
    """The same lines in the order of their customer ids (the engine's order of customers)."""
    return tx.sort_values("customer_id", kind="stable", ignore_index=True)


def identified(report) -> bool:
    """False when a model ran to the edge of its parameters (the café): see the module's note."""
    edge = any("edge of its parameter range" in w for w in report.warnings)
    return not edge and (report.gg is None or report.gg.params_["q"] < 1e6)


def frames_equal(a, b, rtol=MODEL_RTOL, **kwargs):
    pd.testing.assert_frame_equal(a, b, rtol=rtol, check_index_type=False, **kwargs)


def check_value_report(tx: pd.DataFrame, table) -> None:
    expected = clv.value_report(by_customer(tx))
    got = pushdown.value_report(table)
    # The inputs: counts exact, money to 1e-9.
    frames_equal(expected.summary, got.summary, rtol=RTOL)
    assert got.summary.attrs == expected.summary.attrs
    assert got.settings == expected.settings
    frames_equal(expected.grid, got.grid)
    frames_equal(expected.bg_params, got.bg_params)
    exact = identified(expected)
    spend = ["expected_spend", "expected_revenue", "clv"]
    frames_equal(expected.customers.drop(columns=spend), got.customers.drop(columns=spend))
    frames_equal(
        expected.customers[spend], got.customers[spend], rtol=MODEL_RTOL if exact else 1e-4
    )
    ranges = [c for c in expected.forecast if c.endswith(("_low", "_high", "_params"))]
    keep = expected.forecast.columns if exact else expected.forecast.columns.drop(ranges)
    frames_equal(expected.forecast[keep], got.forecast[keep], rtol=MODEL_RTOL if exact else 1e-4)
    assert got.forecast.attrs == pytest.approx(expected.forecast.attrs, rel=MODEL_RTOL)
    if exact:
        frames_equal(expected.gg_params, got.gg_params)
        assert got.warnings == expected.warnings
    else:
        assert [w for w in got.warnings if "Gamma-Gamma" not in w] == [
            w for w in expected.warnings if "Gamma-Gamma" not in w
        ]
    a, b = expected.holdout, got.holdout
    assert (a is None) == (b is None)
    if a is not None:
        frames_equal(a.customers, b.customers)
        frames_equal(a.by_frequency, b.by_frequency)
        frames_equal(a.tracking, b.tracking)
        assert (b.actual_total, b.calibration_end, b.holdout_end) == (
            a.actual_total,
            a.calibration_end,
            a.holdout_end,
        )
        assert b.predicted_total == pytest.approx(a.predicted_total, rel=MODEL_RTOL)


def check_comparison(tx: pd.DataFrame, table, **settings) -> None:
    expected = clv.compare_models(by_customer(tx), **settings)
    got = pushdown.compare_models(table, **settings)
    frames_equal(expected.table.drop(columns="fit_seconds"), got.table.drop(columns="fit_seconds"))
    assert got.best == expected.best
    frames_equal(expected.customers, got.customers)
    frames_equal(expected.by_frequency, got.by_frequency)
    if expected.tracking is None:
        assert got.tracking is None
    else:
        frames_equal(expected.tracking, got.tracking)
    assert (got.calibration_end, got.holdout_end) == (
        expected.calibration_end,
        expected.holdout_end,
    )
    assert got.discrete_period == expected.discrete_period
    assert got.failures == expected.failures
    assert got.notes == expected.notes


@pytest.mark.slow  # every example: ~20 s on a loaded two-core machine
def test_value_report_equals_the_in_memory_report(engine_cases):
    for _, tx, table in engine_cases:
        check_value_report(tx, table)


@pytest.mark.slow  # every example: ~20 s on a loaded two-core machine
def test_compare_models_equals_the_in_memory_comparison(engine_cases):
    for _, tx, table in engine_cases:
        check_comparison(tx, table)


@pytest.mark.slow  # every example: ~20 s on a loaded two-core machine
def test_settings_days_and_an_end_date(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    expected = clv.value_report(
        by_customer(tx), as_of="2023-10-01", time_unit="D", months=6, model="pnbd"
    )
    got = pushdown.value_report(table, as_of="2023-10-01", time_unit="D", months=6, model="pnbd")
    frames_equal(expected.customers, got.customers)
    frames_equal(expected.forecast, got.forecast)
    assert got.settings == expected.settings
    check_comparison(
        tx, table, calibration_end="2023-07-01", holdout_end="2023-10-01", time_unit="D"
    )


def test_units_the_engine_does_not_compute_are_refused(parity_examples):
    table = duckdb_table(parity_examples["cafe"])
    with pytest.raises(ValueError, match="'D' \\(days\\) or 'W'"):
        pushdown.value_report(table, time_unit="CW")
    with pytest.raises(ValueError, match="'D' \\(days\\) or 'W'"):
        pushdown.compare_models(table, time_unit="M")
    with pytest.raises(ValueError):
        pushdown.value_report(table, model="nope")


def test_implausible_amounts_are_left_out_with_the_same_note(parity_examples):
    tx = parity_examples["cafe"].copy()
    tx.loc[0, "amount"] = 1e20
    tx.loc[1, "amount"] = np.inf
    expected = clv.value_report(by_customer(tx), holdout=False)
    got = pushdown.value_report(duckdb_table(tx), holdout=False)
    frames_equal(expected.summary, got.summary, rtol=RTOL)
    assert got.warnings[0] == expected.warnings[0]
    assert "left out of the value models" in got.warnings[0]
    everyone = tx.assign(amount=1e20)
    with pytest.raises(clv.UnsuitableDataError, match="leave nothing") as memory:
        clv.value_report(everyone)
    with pytest.raises(clv.UnsuitableDataError, match="leave nothing") as engine:
        pushdown.value_report(duckdb_table(everyone))
    assert str(engine.value) == str(memory.value)


def test_degenerate_data_is_refused_in_the_same_words():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_id": ["1", "2", "3"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "amount": [10.0, -5.0, 7.0],
        }
    )
    with pytest.raises(clv.UnsuitableDataError) as memory:
        clv.value_report(tx)
    with pytest.raises(clv.UnsuitableDataError) as engine:
        pushdown.value_report(duckdb_table(tx))
    assert str(engine.value) == str(memory.value)
    refunds = tx.assign(amount=-1.0)
    with pytest.raises(clv.UnsuitableDataError, match="No customer has a purchase") as memory:
        clv.value_report(refunds)
    with pytest.raises(clv.UnsuitableDataError, match="No customer has a purchase") as engine:
        pushdown.value_report(duckdb_table(refunds))
    assert str(engine.value) == str(memory.value)


def discrete_lines() -> pd.DataFrame:
    """Purchases on one market day a month (discrete opportunities), 60 customers, 2 years."""
    rng = np.random.default_rng(3)
    market_days = pd.date_range("2022-01-10", periods=24, freq="MS") + pd.Timedelta(days=9)
    rows = []
    for c in range(60):
        rate = rng.uniform(0.1, 0.9)
        for i, day in enumerate(market_days[rng.integers(0, 6) :]):
            if rng.random() < rate or i == 0:
                rows.append((f"c{c:02d}", f"o{c}-{i}", day, float(rng.integers(5, 50))))
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])


def test_bgbb_on_discrete_opportunities():
    tx = discrete_lines()
    table = duckdb_table(tx)
    expected = clv.compare_models(by_customer(tx))
    assert expected.discrete_period == "M" and "bgbb" in expected.models
    check_comparison(tx, table)


def test_discrete_summary_equals_the_in_memory_one(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    for period in ("W", "M", "Q", "Y"):
        expected = clv.discrete_summary(tx, period=period, as_of="2023-09-01").sort_index()
        got = pushed_value.discrete_summary(table, period=period, as_of="2023-09-01")
        frames_equal(expected, got)
        assert got.attrs == expected.attrs

"""pushdown.gamma_gamma_inputs: repeat buyers' frequency and mean spend, from the engine."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import clv, pushdown  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402


def expected_inputs(tx: pd.DataFrame, **kwargs) -> pd.DataFrame:
    summary = clv.clv_summary(tx, **kwargs)
    keep = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    return summary.loc[keep, ["frequency", "monetary_value"]].sort_index()


def test_inputs_equal_the_rows_the_model_fits_on(engine_cases):
    for _, tx, table in engine_cases:
        got = pushdown.gamma_gamma_inputs(table)
        pd.testing.assert_frame_equal(expected_inputs(tx), got, rtol=RTOL, check_index_type=False)


def test_as_of_and_the_fitted_model(parity_examples):
    tx = parity_examples["shop"]
    table = duckdb_table(tx)
    got = pushdown.gamma_gamma_inputs(table, as_of="2023-08-01")
    pd.testing.assert_frame_equal(
        expected_inputs(tx, as_of="2023-08-01"), got, rtol=RTOL, check_index_type=False
    )
    assert got.attrs["as_of"] == pd.Timestamp("2023-08-01")
    # The spend model fitted on the engine's rows is the one fitted on the whole summary.
    a = clv.GammaGammaModel().fit(clv.clv_summary(tx))
    b = clv.GammaGammaModel().fit(pushdown.gamma_gamma_inputs(table))
    assert a.n_customers_ == b.n_customers_
    assert b.params_ == pytest.approx(a.params_, rel=1e-6)


def test_a_free_repeat_day_is_not_an_input():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b"],
            "order_id": ["1", "2", "3", "4", "5"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-01", "2024-01-02", "2024-01-03"]
            ),
            "amount": [10.0, 0.0, 5.0, 4.0, 8.0],
        }
    )
    got = pushdown.gamma_gamma_inputs(duckdb_table(tx))
    assert got.index.tolist() == ["b"]
    assert got.loc["b"].tolist() == [2, 6.0]

"""pushdown.churn_features, churn_labels and churn_model: the churn model on engine inputs.

Features are compared with the in-memory ones cell by cell (money and shares to 1e-9
relative, counts and days exactly). The model's split of customers follows their order and
the engine returns them sorted by id, so the reference for the model is the in-memory model on
the same lines sorted by customer; its figures must match to 1e-6.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ibis")

from analysis import churn, pushdown  # noqa: E402
from analysis.core.errors import NotEnoughData  # noqa: E402
from tests.analysis.pushdown._engines import RTOL, duckdb_table  # noqa: E402

MODEL_RTOL = 1e-6


def by_customer(tx: pd.DataFrame) -> pd.DataFrame:
    """The same lines in the order of their customer ids (the engine's order of customers)."""
    return tx.sort_values("customer_id", kind="stable", ignore_index=True)


def frames_equal(a, b, rtol):
    pd.testing.assert_frame_equal(a, b, rtol=rtol, check_index_type=False)


def check_features(tx: pd.DataFrame, table, **settings) -> None:
    expected = churn.churn_features(tx, **settings).sort_index()
    got = pushdown.churn_features(table, **settings)
    frames_equal(expected, got, RTOL)


def check_model(tx: pd.DataFrame, table, **settings) -> None:
    expected = churn.churn_model(by_customer(tx), **settings)
    got = pushdown.churn_model(table, **settings)
    for name in ("scores", "evaluation", "calibration", "importance"):
        frames_equal(getattr(expected, name), getattr(got, name), MODEL_RTOL)
    assert got.verdict == expected.verdict
    assert got.drivers == expected.drivers
    assert (got.cutoff, got.as_of, got.n_train, got.n_test, got.settings) == (
        expected.cutoff,
        expected.as_of,
        expected.n_train,
        expected.n_test,
        expected.settings,
    )


def test_features_equal_the_in_memory_features(engine_cases):
    for _, tx, table in engine_cases:
        check_features(tx, table)
        check_features(tx, table, as_of="2023-06-01", recent_days=30)


def test_labels_equal_the_in_memory_labels(engine_cases):
    for _, tx, table in engine_cases:
        customers = pd.Index(sorted(tx["customer_id"].unique()), name="customer_id")
        for start, days in (("2023-06-01", 90), ("2023-09-15", 30)):
            expected = churn.churn_labels(tx, customers, start=start, horizon_days=days)
            got = pushdown.churn_labels(table, customers, start=start, horizon_days=days)
            pd.testing.assert_series_equal(expected, got)


@pytest.mark.slow  # every example: ~30 s on a loaded two-core machine
def test_model_equals_the_in_memory_model(engine_cases):
    for _, tx, table in engine_cases:
        check_model(tx, table)


@pytest.mark.slow
def test_model_with_a_horizon_and_an_end_date(parity_examples):
    tx = parity_examples["shop"]
    check_model(tx, duckdb_table(tx), horizon_days=60, as_of="2023-11-01")


def test_refusals_in_the_same_words(parity_examples):
    tx = parity_examples["cafe"]
    table = duckdb_table(tx)
    for settings in ({"horizon_days": 0}, {"horizon_days": 400}):
        with pytest.raises(ValueError) as memory:
            churn.churn_model(tx, **settings)
        with pytest.raises(ValueError) as engine:
            pushdown.churn_model(table, **settings)
        assert str(engine.value) == str(memory.value)
    everyone = tx.assign(amount=1e20)
    with pytest.raises(NotEnoughData) as memory:
        churn.churn_model(everyone)
    with pytest.raises(NotEnoughData) as engine:
        pushdown.churn_model(duckdb_table(everyone))
    assert str(engine.value) == str(memory.value)

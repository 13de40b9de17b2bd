"""Push-down parity: the aggregations run in an engine give the in-memory path's numbers.

Every example goes through DuckDB (embedded). The same checks run on a real PostgreSQL server
and on Spark in local mode when they are available: ``.ci/run`` starts PostgreSQL and sets
``CF_TEST_POSTGRES_URL``, sets ``CF_TEST_SPARK=1``, and sets ``CF_REQUIRE_ENGINES=1`` so that a
missing engine fails the run instead of skipping. Counts must match exactly, money to 1e-9
relative.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

ibis = pytest.importorskip("ibis")

from analysis import clv, cohorts, ingest, overview, pushdown, rfm  # noqa: E402
from tests.paths import SAMPLE_DATA  # noqa: E402

SAMPLE = SAMPLE_DATA
CANONICAL = ["customer_id", "order_id", "order_date", "amount"]
REQUIRE = os.environ.get("CF_REQUIRE_ENGINES") == "1"
RTOL = 1e-9


def _example(name: str) -> pd.DataFrame:
    return ingest.prepare_transactions(ingest.read_table(SAMPLE / name)).data[CANONICAL]


@pytest.fixture(scope="module")
def examples() -> dict[str, pd.DataFrame]:
    return {
        "shop": _example("online_shop_transactions.csv"),
        "cdnow": _example("CDNOW_master.txt"),
        "cafe": _example("cafe_sales.xlsx"),
    }


def _small(examples) -> pd.DataFrame:
    """A few hundred customers of the shop plus the café: quick on every engine."""
    shop = examples["shop"]
    keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:300])
    return pd.concat([shop[keep], examples["cafe"]], ignore_index=True)


def _duckdb(tx: pd.DataFrame):
    con = ibis.duckdb.connect()
    return con.create_table("tx", tx)


def check_rfm(tx: pd.DataFrame, table) -> None:
    expected = rfm.rfm_table(tx).sort_index()
    got = pushdown.rfm_table(table)
    pd.testing.assert_frame_equal(
        expected, got, rtol=RTOL, check_index_type=False, check_categorical=False
    )
    assert list(got["segment"].cat.categories) == list(expected["segment"].cat.categories)
    assert got.attrs["as_of"] == expected.attrs["as_of"]
    assert got.attrs["refund_only_customers"] == expected.attrs["refund_only_customers"]
    for measure, edges in expected.attrs["edges"].items():
        np.testing.assert_allclose(got.attrs["edges"][measure], edges, rtol=RTOL)


def check_clv(tx: pd.DataFrame, table) -> None:
    for unit in ("D", "W"):
        expected = clv.clv_summary(tx, time_unit=unit).sort_index()
        got = pushdown.clv_summary(table, time_unit=unit)
        pd.testing.assert_frame_equal(expected, got, rtol=RTOL, check_index_type=False)
        assert got.attrs == expected.attrs


def check_scorecard(tx: pd.DataFrame, table) -> None:
    expected = overview.scorecard(tx).to_dict()
    got = pushdown.scorecard(table).to_dict()
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            np.testing.assert_allclose(got[key], value, rtol=RTOL, err_msg=key)
        else:
            assert got[key] == value, key


def check_cohorts(tx: pd.DataFrame, table, periods: str = "WMQ") -> None:
    combos = [
        ("customers", "classic"),
        ("customers", "unbounded"),
        ("revenue", "classic"),
        ("revenue_per_customer", "classic"),
    ]
    for period in periods:
        for metric, kind in combos:
            expected = cohorts.retention_matrix(tx, period=period, metric=metric, kind=kind)
            got = pushdown.retention_matrix(table, period=period, metric=metric, kind=kind)
            pd.testing.assert_frame_equal(expected, got, rtol=RTOL)
            assert got.attrs == expected.attrs


@pytest.mark.parametrize("name", ["shop", "cdnow", "cafe"])
def test_duckdb_parity_on_every_example(examples, name):
    tx = examples[name]
    table = _duckdb(tx)
    check_scorecard(tx, table)
    check_rfm(tx, table)
    check_clv(tx, table)
    check_cohorts(tx, table)


@pytest.mark.slow
def test_duckdb_parity_on_online_retail():
    tx = _example("online_retail.csv.gz")
    table = _duckdb(tx)
    check_scorecard(tx, table)
    check_rfm(tx, table)
    check_clv(tx, table)
    check_cohorts(tx, table, periods="M")


def test_as_of_is_exclusive_and_explicit(examples):
    tx = examples["shop"]
    table = _duckdb(tx)
    as_of = "2023-06-15 17:30"
    expected = rfm.rfm_table(tx, as_of=as_of).sort_index()
    got = pushdown.rfm_table(table, as_of=as_of)
    pd.testing.assert_frame_equal(
        expected, got, rtol=RTOL, check_index_type=False, check_categorical=False
    )
    pd.testing.assert_frame_equal(
        clv.clv_summary(tx, as_of=as_of).sort_index(),
        pushdown.clv_summary(table, as_of=as_of),
        rtol=RTOL,
        check_index_type=False,
    )
    pd.testing.assert_frame_equal(
        cohorts.retention_matrix(tx, as_of=as_of),
        pushdown.retention_matrix(table, as_of=as_of),
        rtol=RTOL,
    )


def test_free_order_whose_lines_cancel_is_a_purchase():
    # 0.3 - 0.1 - 0.2 is -2.8e-17 in floating point: a free order, not a refund.
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b"],
            "order_id": ["1", "2", "2", "2", "3"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-02-01", "2024-02-01", "2024-01-05"]
            ),
            "amount": [10.0, 0.3, -0.1, -0.2, 5.0],
        }
    )
    got = pushdown.rfm_table(_duckdb(tx))
    assert got.loc["a", "frequency"] == 2
    assert got.loc["a", "recency"] == 1  # as_of is the day after 2024-02-01
    summary = pushdown.clv_summary(_duckdb(tx))
    assert summary.loc["a", "frequency"] == 1
    assert summary.loc["a", "recency"] == 31.0


def test_shuffled_rows_give_identical_results(examples):
    tx = examples["shop"]
    shuffled = tx.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a, b = _duckdb(tx), _duckdb(shuffled)
    pd.testing.assert_frame_equal(pushdown.rfm_table(a), pushdown.rfm_table(b), rtol=1e-12)
    pd.testing.assert_frame_equal(pushdown.clv_summary(a), pushdown.clv_summary(b), rtol=1e-12)
    pd.testing.assert_frame_equal(
        pushdown.retention_matrix(a, metric="revenue"),
        pushdown.retention_matrix(b, metric="revenue"),
        rtol=1e-12,
    )


def test_a_materialized_source_gives_the_same_numbers(examples):
    tx = examples["shop"]
    source = pushdown.materialize(_duckdb(tx))
    check_scorecard(tx, source)
    check_rfm(tx, source)
    check_clv(tx, source)
    check_cohorts(tx, source, periods="M")
    # An earlier end of observation is answered from the same line-days.
    as_of = "2023-06-15"
    pd.testing.assert_frame_equal(
        rfm.rfm_table(tx, as_of=as_of).sort_index(),
        pushdown.rfm_table(source, as_of=as_of),
        rtol=RTOL,
        check_index_type=False,
        check_categorical=False,
    )
    with pytest.raises(ValueError, match="needs the lines"):
        pushdown.clv_summary(source, as_of="2030-01-01")


def test_missing_canonical_column_is_a_clear_error():
    con = ibis.duckdb.connect()
    table = con.create_table("t", pd.DataFrame({"customer_id": ["a"], "amount": [1.0]}))
    with pytest.raises(ValueError, match="order_id"):
        pushdown.rfm_table(table, as_of="2024-01-01")


# ------------------------------------------------------------------------------ other engines


def _skip_or_fail(reason: str):
    if REQUIRE:
        pytest.fail(reason + " (CF_REQUIRE_ENGINES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def postgres_table(examples):
    url = os.environ.get("CF_TEST_POSTGRES_URL")
    if not url:
        _skip_or_fail("no PostgreSQL server: set CF_TEST_POSTGRES_URL (.ci/run starts one)")
    con = ibis.connect(url)
    tx = _small(examples)
    table = con.create_table("cf_parity_tx", tx, overwrite=True)
    yield tx, table
    con.drop_table("cf_parity_tx", force=True)


@pytest.fixture(scope="module")
def spark_table(examples, tmp_path_factory):
    if os.environ.get("CF_TEST_SPARK") != "1":
        _skip_or_fail("Spark not requested: set CF_TEST_SPARK=1 (needs pyspark and Java)")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    spark = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("customer-focus-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )
    con = ibis.pyspark.connect(spark)
    tx = _small(examples)
    # Spark keeps timestamps in microseconds.
    table = con.create_table(
        "cf_parity_tx",
        tx.assign(order_date=tx["order_date"].astype("datetime64[us]")),
        overwrite=True,
    )
    yield tx, table
    spark.stop()


@pytest.mark.slow
def test_postgres_parity(postgres_table):
    tx, table = postgres_table
    check_scorecard(tx, table)
    check_rfm(tx, table)
    check_clv(tx, table)
    check_cohorts(tx, table)


@pytest.mark.slow
def test_spark_parity(spark_table):
    tx, table = spark_table
    check_scorecard(tx, table)
    check_rfm(tx, table)
    check_clv(tx, table)
    check_cohorts(tx, table, periods="M")

"""Shared fixtures of the push-down parity tests: the examples, DuckDB, PostgreSQL and Spark.

Every example goes through DuckDB (embedded). The same checks run on a real PostgreSQL server
(``CF_TEST_POSTGRES_URL``, started by ``.ci/run`` or ``eval "$(.ci/start-postgres)"``) and on
Spark in local mode (``CF_TEST_SPARK=1``); with ``CF_REQUIRE_ENGINES=1`` a missing engine fails
instead of skipping. Counts must match exactly, money to 1e-9 relative (:data:`RTOL`).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from analysis import ingest
from tests.paths import SAMPLE_DATA

CANONICAL = ["customer_id", "order_id", "order_date", "amount"]
REQUIRE = os.environ.get("CF_REQUIRE_ENGINES") == "1"
RTOL = 1e-9
EXAMPLES = {
    "shop": "online_shop_transactions.csv",
    "cdnow": "CDNOW_master.txt",
    "cafe": "cafe_sales.xlsx",
}


def example(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Return the canonical lines of an example (plus ``columns`` when it has them)."""
    data = ingest.prepare_transactions(ingest.read_table(SAMPLE_DATA / EXAMPLES[name])).data
    extra = [c for c in (columns or []) if c in data.columns]
    return data[CANONICAL + extra].reset_index(drop=True)


def small(examples: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A few hundred customers of the shop plus the café: quick on every engine."""
    shop = examples["shop"]
    keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:300])
    return pd.concat([shop[keep], examples["cafe"]], ignore_index=True)


def skip_or_fail(reason: str):
    """Skip, or fail when ``CF_REQUIRE_ENGINES=1``."""
    if REQUIRE:
        pytest.fail(reason + " (CF_REQUIRE_ENGINES=1)")
    pytest.skip(reason)


def duckdb_table(tx: pd.DataFrame):
    """Return ``tx`` as a table of a fresh in-memory DuckDB."""
    import ibis

    return ibis.duckdb.connect().create_table("tx", tx)


def postgres_table(tx: pd.DataFrame, name: str):
    """Return ``tx`` as a PostgreSQL table (dropped by the caller), or skip."""
    import ibis

    url = os.environ.get("CF_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("no PostgreSQL server: set CF_TEST_POSTGRES_URL (.ci/run starts one)")
    con = ibis.connect(url)
    return con, con.create_table(name, tx, overwrite=True)


def spark_session(tmp_path_factory):
    """Return a local Spark session, or skip."""
    if os.environ.get("CF_TEST_SPARK") != "1":
        skip_or_fail("Spark not requested: set CF_TEST_SPARK=1 (needs pyspark and Java)")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    return (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("customer-focus-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .getOrCreate()
    )


def spark_table(spark, tx: pd.DataFrame, name: str):
    """Return ``tx`` as a Spark table (timestamps in microseconds, as Spark keeps them)."""
    import ibis

    con = ibis.pyspark.connect(spark)
    frame = tx.assign(order_date=tx["order_date"].astype("datetime64[us]"))
    # Spark would store a missing text cell (NaN) as the text "NaN": make it a null.
    for column in frame.columns.drop(CANONICAL, errors="ignore"):
        if not pd.api.types.is_numeric_dtype(frame[column]):
            values = frame[column].astype(object)
            frame[column] = values.where(frame[column].notna(), None)
    return con.create_table(name, frame, overwrite=True)

"""The engines every push-down parity test runs on: DuckDB always, PostgreSQL and Spark when set.

``engine_cases`` gives ``(label, tx, table)`` triples: the in-memory lines and the same lines
in the engine. DuckDB gets every example; PostgreSQL and Spark a small mix (quick in CI).
"""

from __future__ import annotations

import pytest

from tests.analysis.pushdown._engines import (
    EXAMPLES,
    duckdb_table,
    example,
    postgres_table,
    small,
    spark_session,
    spark_table,
)

#: Columns kept besides the canonical ones (the breakdowns, the basket items).
EXTRA = ["category", "channel", "country", "product"]


@pytest.fixture(scope="session")
def parity_examples():
    """Return the examples' canonical lines (with their breakdown columns)."""
    return {name: example(name, EXTRA) for name in EXAMPLES}


@pytest.fixture(
    scope="session",
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.slow),
        pytest.param("spark", marks=pytest.mark.slow),
    ],
)
def engine_cases(request, parity_examples, tmp_path_factory):
    """Return ``[(label, tx, table), ...]`` on the engine of the parameter."""
    if request.param == "duckdb":
        yield [(name, tx, duckdb_table(tx)) for name, tx in parity_examples.items()]
        return
    tx = small(parity_examples)
    if request.param == "postgres":
        con, table = postgres_table(tx, "cf_pushdown_parity")
        yield [("postgres", tx, table)]
        con.drop_table("cf_pushdown_parity", force=True)
        con.disconnect()
        return
    spark = spark_session(tmp_path_factory)
    yield [("spark", tx, spark_table(spark, tx, "cf_pushdown_parity"))]

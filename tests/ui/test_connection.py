"""Connected sources: the SQL guard, secrets parsing, a read-only DuckDB file, the engine-side
column mapping, and the "Connect your data" page on DuckDB and (when available) PostgreSQL.

The PostgreSQL checks run when ``CF_TEST_POSTGRES_URL`` is set (``.ci/run`` starts a server);
they are skipped otherwise, or fail when ``CF_REQUIRE_ENGINES=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ibis = pytest.importorskip("ibis")
duckdb = pytest.importorskip("duckdb")

from analysis import ingest, overview  # noqa: E402
from tests.analysis.pushdown._engines import postgres_table, skip_or_fail  # noqa: E402
from tests.apptest_utils import new_app, run_page, texts  # noqa: E402
from tests.paths import ROOT, SAMPLE_DATA  # noqa: E402
from ui import connection as conn  # noqa: E402

SAMPLE = SAMPLE_DATA
CANONICAL = ["customer_id", "order_id", "order_date", "amount"]


# ------------------------------------------------------------------------------------ SQL guard
HOSTILE = [
    "select 1; drop table x",
    "select 1; select 2",
    "insert into t values (1)",
    "update t set a = 1",
    "delete from t",
    "drop table t",
    "create table x as select 1",
    "copy t to '/tmp/x.csv'",
    "attach '/tmp/other.duckdb' as other",
    "pragma database_list",
    "set statement_timeout = 0",
    "call pg_sleep(1)",
    "select * into t2 from t",
    "with d as (delete from t returning *) select * from d",
    "select * from t for update",
    "select * from read_csv('/etc/passwd')",
    "select * from read_parquet('s3://bucket/x.parquet')",
    "select * from '/etc/passwd'",
    "select * from 'data.csv'",
    "select set_config('statement_timeout', '0', false)",
    "select pg_read_file('/etc/passwd')",
    "select nextval('s')",
    "select * from dblink('host=x', 'select 1') as t(a int)",
    "",
    "   ;  ",
    "selec 1 frm",
]


@pytest.mark.parametrize("sql", HOSTILE)
@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_guard_refuses_anything_but_one_select(sql, dialect):
    with pytest.raises(conn.UnsafeQuery):
        conn.check_select(sql, dialect)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1;", "select 1"),
        (
            "  SELECT a FROM t WHERE b = 'x; drop table t'  ",
            "SELECT a FROM t WHERE b = 'x; drop table t'",
        ),
        (
            "select a from t union all select a from u ;",
            "select a from t union all select a from u",
        ),
        ("with x as (select 1 as a) select a from x", "with x as (select 1 as a) select a from x"),
    ],
)
def test_guard_lets_one_select_through(sql, expected):
    assert conn.check_select(sql, "postgres") == expected


def test_guard_messages_say_why():
    with pytest.raises(conn.UnsafeQuery, match="exactly one SELECT"):
        conn.check_select("select 1; drop table x")
    with pytest.raises(conn.UnsafeQuery, match="INSERT"):
        conn.check_select("insert into t values (1)")
    with pytest.raises(conn.UnsafeQuery, match="table function"):
        conn.check_select("select * from read_csv('x')", "duckdb")


# ------------------------------------------------------------------------------------- secrets
def test_configured_connections_reads_only_ibis_sections():
    secrets = {
        "access": {"password": "x"},
        "connections": {
            "warehouse": {"url": "postgres://u:p@h/db"},
            "files": {"backend": "duckdb", "database": "x.duckdb"},
            "explicit": {"type": "ui.connection.IbisConnection", "backend": "duckdb"},
            "streamlit_sql": {"type": "sql", "url": "sqlite:///x.db"},
            "empty": {"note": "no url"},
        },
    }
    assert conn.configured_connections(secrets) == ["explicit", "files", "warehouse"]
    assert conn.configured_connections({}) == []
    assert conn.connection_config("files", secrets) == {"backend": "duckdb", "database": "x.duckdb"}
    with pytest.raises(KeyError, match="nope"):
        conn.connection_config("nope", secrets)


def test_config_digest_changes_with_any_setting_and_hides_it():
    a = conn.config_digest({"url": "postgres://u:secret@h/db"})
    b = conn.config_digest({"url": "postgres://u:other@h/db"})
    assert a != b and "secret" not in a and len(a) == 64


# ------------------------------------------------------------------------ a DuckDB file source
@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    path = SAMPLE / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path)).data[CANONICAL]


@pytest.fixture(scope="module")
def shop_db(shop, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "shop.duckdb"
    raw = duckdb.connect(str(path))
    raw.register("frame", shop)
    raw.execute("CREATE TABLE transactions AS SELECT * FROM frame")
    # The same lines under a shop's own column names.
    raw.execute(
        "CREATE VIEW sales AS SELECT customer_id AS client, order_date AS sold_on, "
        "amount AS total, order_id AS invoice FROM transactions"
    )
    raw.close()
    return path


def test_duckdb_file_is_read_only_bounded_and_cannot_reach_files(shop_db):
    con = conn.open_backend({"backend": "duckdb", "database": str(shop_db), "read_only": False})
    assert "transactions" in con.list_tables()
    with pytest.raises(Exception, match="(?i)read.only"):
        con.raw_sql("CREATE TABLE x AS SELECT 1")
    with pytest.raises(Exception, match="(?i)disabled|permission"):
        con.sql("SELECT * FROM read_csv('/etc/hostname')").execute()
    with pytest.raises(Exception, match="(?i)cannot enable external access"):
        con.raw_sql("SET enable_external_access = true")
    limit = con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.endswith("GiB") and float(limit.split()[0]) < 2.1


def test_duckdb_url_form_and_parquet_views(shop, tmp_path):
    parquet = tmp_path / "lines.parquet"
    shop.head(100).to_parquet(parquet)
    con = conn.open_backend(
        {"url": "duckdb://", "parquet": {"lines": str(parquet)}, "memory_limit": "500MB"}
    )
    assert con.list_tables() == ["lines"]
    assert con.table("lines").count().execute() == 100
    with pytest.raises(Exception, match="(?i)disabled|permission"):
        con.sql("SELECT * FROM read_csv('/etc/hostname')").execute()


def test_canonical_mapping_in_the_engine_matches_hand_counts():
    frame = pd.DataFrame(
        {
            "who": ["a", "a", " b ", None, "c", ""],
            "when": [
                pd.Timestamp("2024-01-01 10:00"),
                pd.Timestamp("2024-01-01 10:00"),
                pd.Timestamp("2024-02-01"),
                pd.Timestamp("2024-02-02"),
                pd.NaT,
                pd.Timestamp("2024-03-01"),
            ],
            "qty": [2.0, 1.0, 3.0, 1.0, 1.0, 1.0],
            "price": [1.5, -1.5, 2.0, 9.0, 9.0, 9.0],
        }
    )
    con = ibis.duckdb.connect()
    table = con.create_table("lines", frame)
    mapping = {"customer_id": "who", "order_date": "when", "quantity": "qty", "unit_price": "price"}
    assert conn.check_mapping(table, mapping) == []
    canon = conn.canonical_table(table, mapping).execute().sort_values("amount")
    # No customer (None, "") or no date: 3 of 6 lines set aside; b's id trimmed.
    assert sorted(canon["customer_id"]) == ["a", "a", "b"]
    assert sorted(canon["amount"]) == [-1.5, 3.0, 6.0]
    # Without an order column, one order per customer per timestamp: a's two lines are one order.
    assert canon["order_id"].nunique() == 2
    figures = conn.health(table, conn.canonical_table(table, mapping))
    assert figures["rows"] == 6
    assert figures["rows_used"] == 3
    assert figures["rows_set_aside"] == 3
    assert figures["customers"] == 2
    assert figures["orders"] == 2
    assert figures["refund_lines"] == 1


def test_check_mapping_names_the_problem():
    con = ibis.duckdb.connect()
    table = con.create_table(
        "t", pd.DataFrame({"c": ["a"], "d": ["x"], "m": ["12,50"], "n": [pd.Timestamp(0)]})
    )
    problems = conn.check_mapping(table, {"customer_id": "c", "order_date": "n", "amount": "m"})
    assert any("'m'" in p and "not a number" in p for p in problems)
    assert conn.check_mapping(table, {"customer_id": "c"})[0].startswith("Pick the column")


def test_detection_on_a_sample_finds_the_shops_own_names(shop_db):
    con = conn.open_backend({"backend": "duckdb", "database": str(shop_db)})
    sample = conn.detection_sample(con.table("sales"), n=500)
    assert len(sample) == 500
    detected = ingest.detect_columns(sample, "transactions")
    assert detected["customer_id"] == "client"
    assert detected["order_date"] == "sold_on"
    assert detected["amount"] == "total"
    assert detected["order_id"] == "invoice"


# ------------------------------------------------------------------------------------ the page
def _page(connections: dict):
    # Not run_page(at=...): a fresh AppTest has no elements, so it is falsy there.
    at = new_app()
    at.secrets["connections"] = connections
    at.run()
    at.switch_page("app_pages/connect.py")
    return at.run()


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _expected(shop: pd.DataFrame) -> overview.Scorecard:
    return overview.scorecard(shop)


@pytest.mark.slow
def test_page_without_connections_explains_how_to_add_one():
    at = run_page("app_pages/connect.py")
    assert not at.exception
    assert at.title[0].value == "Connect your data"
    assert "secrets.toml" in texts(at)
    assert "[connections.warehouse]" in at.code[0].value


def _check_page_figures(at, shop: pd.DataFrame) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    card = _expected(shop)
    assert _metric(at, "Rows in the source") == f"{len(shop):,}"
    assert _metric(at, "Rows set aside") == "0"
    assert _metric(at, "Customers") == f"{card.customers:,}"
    assert _metric(at, "Orders") == f"{card.orders + card.refund_orders:,}"
    assert _metric(at, "Refund orders") == f"{card.refund_orders:,}"
    assert _metric(at, "Net revenue") == overview.format_figure(card, "net_revenue")
    segments = next(df.value for df in at.dataframe if "segment" in df.value.columns)
    assert segments["customers"].sum() == card.customers
    assert "Cohort retention" in texts(at)


@pytest.mark.slow
def test_page_on_a_duckdb_file_gives_the_in_memory_numbers(shop, shop_db):
    at = _page({"shopdb": {"backend": "duckdb", "database": str(shop_db)}})
    assert at.selectbox(key="connect_name").value == "shopdb"
    at.selectbox(key="connect_table").set_value("sales").run()
    # Detected like a file: the shop's own column names map to the roles.
    roles = {s.label: s.value for s in at.selectbox}
    assert roles["Customer *"] == "client"
    assert roles["Order date *"] == "sold_on"
    assert roles["Amount (line or order total)"] == "total"
    assert roles["Order / invoice number"] == "invoice"
    _check_page_figures(at, shop)


@pytest.mark.slow
def test_page_keeps_per_customer_tables_in_the_engine_when_they_are_too_big(shop_db, monkeypatch):
    monkeypatch.setattr(conn, "MAX_CUSTOMERS_BACK", 100)
    at = _page({"shopdb": {"backend": "duckdb", "database": str(shop_db)}})
    assert not at.exception
    assert _metric(at, "Customers") == "5,000"  # the scorecard still comes from the engine
    assert any("more than 100 customers" in i.value for i in at.info)
    assert "RFM segments" not in [s.value for s in at.subheader]


@pytest.mark.slow
def test_page_typed_sql_is_guarded_and_runs(shop, shop_db):
    at = _page({"shopdb": {"backend": "duckdb", "database": str(shop_db)}})
    at.radio(key="connect_mode").set_value("A SELECT query").run()
    at.text_area(key="connect_sql").set_value("select 1; drop table transactions").run()
    assert not at.exception
    assert any("exactly one SELECT" in e.value for e in at.error)
    at.text_area(key="connect_sql").set_value("SELECT * FROM transactions").run()
    _check_page_figures(at, shop)


@pytest.mark.slow
def test_page_names_an_unreachable_connection_without_its_password():
    at = _page({"broken": {"url": "postgres://someone:hunter2secret@127.0.0.1:1/nowhere"}})
    assert not at.exception
    assert at.error and "broken" in at.error[0].value
    assert "hunter2secret" not in texts(at)


# ---------------------------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="module")
def postgres_shop(shop):
    keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:400])
    small = shop[keep].reset_index(drop=True)
    con, _ = postgres_table(small, "cf_connect_tx")
    yield os.environ["CF_TEST_POSTGRES_URL"], small
    con.drop_table("cf_connect_tx", force=True)
    con.disconnect()


@pytest.mark.slow
def test_page_on_postgres_gives_the_in_memory_numbers(postgres_shop):
    url, small = postgres_shop
    at = _page({"pg": {"url": url, "timeout_seconds": 30}})
    at.selectbox(key="connect_table").set_value("cf_connect_tx").run()
    _check_page_figures(at, small)
    at.radio(key="connect_mode").set_value("A SELECT query").run()
    at.text_area(key="connect_sql").set_value("SELECT * FROM cf_connect_tx; DROP TABLE x").run()
    assert any("exactly one SELECT" in e.value for e in at.error)
    at.text_area(key="connect_sql").set_value("SELECT * FROM cf_connect_tx WHERE amount > -1e12")
    at.run()
    _check_page_figures(at, small)


def test_postgres_sessions_get_a_statement_timeout(postgres_shop):
    url, _ = postgres_shop
    con = conn.open_backend({"url": url, "timeout_seconds": 7})
    with con.raw_sql("SHOW statement_timeout") as cursor:
        assert cursor.fetchone()[0] == "7s"
    con.disconnect()


def test_postgres_statement_timeout_stops_a_long_query(postgres_shop):
    url, _ = postgres_shop
    con = conn.open_backend({"url": url, "timeout_seconds": 0.5})
    with pytest.raises(Exception, match="(?i)statement timeout|canceling"):
        con.sql("SELECT 1 AS s FROM pg_sleep(5)").execute()
    con.disconnect()


def test_duckdb_queries_are_interrupted_after_the_timeout(shop_db):
    at = {"backend": "duckdb", "database": str(shop_db), "timeout_seconds": 0.3}
    connection = conn.IbisConnection.__new__(conn.IbisConnection)
    connection._raw_instance = conn.open_backend(at)
    connection._config = at
    slow = connection.backend.sql("SELECT sum(hash(i)) AS s FROM range(100000000000) t(i)")
    with pytest.raises(Exception, match="(?i)interrupt"):
        connection.run(slow.execute)
    # The connection still works afterwards.
    assert connection.run(connection.backend.table("transactions").count().execute) > 0


def test_readme_and_example_secrets_are_valid_and_listed():
    import re
    import tomllib

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## From a spreadsheet to a warehouse", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    secrets = tomllib.loads(block)
    assert conn.configured_connections(secrets) == [
        "bigquery",
        "databricks",
        "files",
        "local_db",
        "snowflake",
        "spark",
        "warehouse",
    ]
    example = ROOT / ".streamlit/secrets.example-connections.toml"
    uncommented = re.sub(r"(?m)^# ?(?=\[|[a-z_]+ =)", "", example.read_text())
    assert len(conn.configured_connections(tomllib.loads(uncommented))) == 7


def test_parquet_globs_are_the_only_files_duckdb_may_read(shop, tmp_path):
    (tmp_path / "part").mkdir()
    shop.head(10).to_parquet(tmp_path / "part" / "a.parquet")
    shop.iloc[10:30].to_parquet(tmp_path / "part" / "b.parquet")
    (tmp_path / "secret.csv").write_text("x\n1\n")
    con = conn.open_backend(
        {"backend": "duckdb", "parquet": {"lines": f"{tmp_path}/part/*.parquet"}}
    )
    assert con.table("lines").count().execute() == 30
    with pytest.raises(Exception, match="(?i)disabled|permission"):
        con.sql(f"SELECT * FROM read_csv('{tmp_path}/secret.csv')").execute()


# ------------------------------------------------------- every page on a connected source
def _every_page_on(connections: dict, table: str, expected_label: str) -> None:
    from ui.navigation import available_pages

    at = _page(connections)
    at.selectbox(key="connect_table").set_value(table).run()
    at.button(key="connect_use").click().run()
    assert not at.exception
    assert at.button(key="connect_stop"), "the page says the source is in use"
    for spec in available_pages():
        if spec.path == "app_pages/connect.py":
            continue
        at.switch_page(spec.path)
        at.run()
        assert not at.exception, (spec.path, at.exception)
        if spec.path != "app_pages/feedback.py":  # the survey page needs responses: it says so
            assert expected_label in texts(at), spec.path
    at.switch_page("app_pages/connect.py")
    at.run()
    at.button(key="connect_stop").click().run()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert expected_label not in texts(at)


@pytest.mark.slow
def test_every_page_renders_on_a_connected_duckdb_sample(shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", 1000)
    _every_page_on(
        {"shopdb": {"backend": "duckdb", "database": str(shop_db)}},
        "transactions",
        "shopdb: transactions (a sample: 1,000 of 5,000 customers, 20.0%)",
    )


@pytest.mark.slow
def test_every_page_renders_on_a_connected_postgres_table(postgres_shop):
    url, small = postgres_shop
    _every_page_on({"pg": {"url": url}}, "cf_connect_tx", "pg: cf_connect_tx (all customers)")


def test_customer_sample_keeps_every_line_of_the_customers_it_picks(shop, shop_db):
    con = conn.open_backend({"backend": "duckdb", "database": str(shop_db)})
    canon = conn.canonical_table(con.table("transactions"), {c: c for c in CANONICAL})
    lines, total = conn.customer_sample(canon, 300)
    assert total == shop["customer_id"].nunique()
    assert lines["customer_id"].nunique() == 300
    expected = shop[shop["customer_id"].isin(set(lines["customer_id"]))]
    assert len(lines) == len(expected)
    assert lines["amount"].sum() == pytest.approx(expected["amount"].sum(), rel=1e-12)
    again, _ = conn.customer_sample(canon, 300)
    pd.testing.assert_frame_equal(lines, again)  # the same customers every time
    assert str(lines["order_date"].dtype) == "datetime64[ns]"


def test_redact_blanks_settings_and_url_passwords():
    config = {"url": "postgres://u:s3cret-pw@db/x", "token": "dapi123456", "port": 5432}
    text = "failed for postgres://u:s3cret-pw@db/x; password s3cret-pw; token dapi123456\nmore"
    out = conn.redact(text, config)
    assert "s3cret-pw" not in out and "dapi123456" not in out and "more" not in out
    assert out.startswith("failed for ***")


@pytest.mark.slow
def test_spark_section_opens_a_session_and_counts_in_it(shop, tmp_path):
    if os.environ.get("CF_TEST_SPARK") != "1":
        skip_or_fail("Spark not requested: set CF_TEST_SPARK=1 (needs pyspark and Java)")
    pytest.importorskip("pyspark")
    con = conn.open_backend(
        {
            "backend": "pyspark",
            "master": "local[1]",
            "conf": {
                "spark.sql.session.timeZone": "UTC",
                "spark.ui.enabled": "false",
                "spark.sql.shuffle.partitions": "2",
                "spark.sql.warehouse.dir": str(tmp_path / "warehouse"),
            },
        }
    )
    try:
        keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:50])
        small = shop[keep].reset_index(drop=True)
        table = con.create_table(
            "cf_connect_spark",
            small.assign(order_date=small["order_date"].astype("datetime64[us]")),
            overwrite=True,
        )
        lines, total = conn.customer_sample(
            conn.canonical_table(table, {c: c for c in CANONICAL}), 20
        )
        assert total == 50 and lines["customer_id"].nunique() == 20
        expected = small[small["customer_id"].isin(set(lines["customer_id"]))]
        assert len(lines) == len(expected)
    finally:
        con._session.stop()

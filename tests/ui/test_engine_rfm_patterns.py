"""ui.engine on the RFM and Purchase patterns pages: migration, clusters and rules of the whole table.

On a connected source the pages get a customer sample; the segment migration, the k-means groups
and the "bought together" rules must instead equal the in-memory figures of ALL the source's
lines, on DuckDB and, when ``CF_TEST_POSTGRES_URL`` is set, on PostgreSQL. What stays on the
sample says so with the sample's fraction.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

duckdb = pytest.importorskip("duckdb")
ibis = pytest.importorskip("ibis")

from analysis import ingest, pushdown, rfm  # noqa: E402
from analysis import patterns as P  # noqa: E402
from tests.analysis.pushdown._engines import postgres_table  # noqa: E402
from tests.apptest_utils import new_app, texts  # noqa: E402
from tests.paths import SAMPLE_DATA  # noqa: E402
from ui import connection as conn  # noqa: E402
from ui import engine  # noqa: E402

CANONICAL = ["customer_id", "order_id", "order_date", "amount"]
ATTRIBUTES = ["product", "category", "channel", "country"]
SAMPLE = 400  # customers in the pages' sample: far fewer than the shop's 5,000


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    path = SAMPLE_DATA / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path)).data[CANONICAL + ATTRIBUTES]


@pytest.fixture(scope="module")
def shop_db(shop, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engine_rfm_patterns") / "shop.duckdb"
    raw = duckdb.connect(str(path))
    raw.register("frame", shop)
    raw.execute("CREATE TABLE lines AS SELECT * FROM frame")
    raw.close()
    return path


def test_the_new_twins_are_wired():
    for func in (rfm.segment_migration, rfm.rfm_clusters, P.association_rules):
        function = engine._PUSHED[engine._name(func)]
        assert callable(getattr(pushdown, function))
    assert {"segment_migration", "rfm_clusters"} <= engine._PER_CUSTOMER


def _use(connections: dict, table: str):
    at = new_app()
    at.secrets["connections"] = connections
    at.run()
    at.switch_page("app_pages/connect.py")
    at.run()
    at.selectbox(key="connect_table").set_value(table).run()
    at.button(key="connect_use").click().run()
    assert not at.exception, at.exception
    return at


def _open(at, page: str):
    at.switch_page(page)
    at.run()
    _ok(at, page)
    return at


def _ok(at, where: str = "") -> None:
    assert not at.exception, (where, at.exception)
    assert not at.error, [e.value for e in at.error]
    assert not at.warning or not any("could not compute" in w.value for w in at.warning)


def _record(monkeypatch, name: str) -> list:
    """Keep what the push-down twin ``name`` returned to the page."""
    returned = []
    original = getattr(pushdown, name)

    def recorded(*args, **kwargs):
        returned.append(original(*args, **kwargs))
        return returned[-1]

    monkeypatch.setattr(pushdown, name, recorded)
    return returned


def _centres(at) -> pd.DataFrame:
    """The k-means groups' table (the segments' table has a description too)."""
    return next(df.value for df in at.dataframe if {"name", "share"} <= set(df.value.columns))


def _check_rfm(at, tx: pd.DataFrame, engine_name: str, migrations: list) -> None:
    at = _open(at, "app_pages/rfm.py")
    first, as_of = rfm.date_bounds(tx)
    compare = min(max(as_of - pd.Timedelta(days=90), first), as_of - pd.Timedelta(days=1))
    expected = rfm.segment_migration(tx, as_of=as_of, previous_as_of=compare)
    assert migrations, "the migration did not come from the engine"
    pd.testing.assert_frame_equal(migrations[-1], expected)
    shown = texts(at)
    for sentence in rfm.migration_sentences(expected):
        assert sentence in shown
    where = f"computed in {engine_name} on all {len(tx):,} lines"
    assert f"The segments at both dates are {where}" in shown

    at.toggle(key="rfm_kmeans").set_value(True).run()
    _ok(at, "k-means")
    clusters = rfm.rfm_clusters(tx, as_of=as_of)
    centres = _centres(at)
    assert centres["customers"].tolist() == clusters.centres["customers"].tolist()
    assert int(centres["customers"].sum()) == len(rfm.rfm_table(tx)) > SAMPLE
    pd.testing.assert_series_equal(
        centres["revenue"].reset_index(drop=True),
        clusters.centres["revenue"].reset_index(drop=True),
        rtol=1e-9,
    )
    assert centres["name"].tolist() == clusters.centres["name"].tolist()
    assert f"The R, F and M values grouped here are {where}" in texts(at)


def _check_patterns(at, tx: pd.DataFrame, engine_name: str, rules_back: list) -> None:
    at = _open(at, "app_pages/patterns.py")
    expected = P.association_rules(tx, "product")
    assert rules_back, "the rules did not come from the engine"
    pd.testing.assert_frame_equal(rules_back[-1], expected, rtol=1e-12)
    shown = next(df.value for df in at.dataframe if "antecedent" in df.value.columns)
    listed = P.filter_rules(expected, min_lift=1.0)
    assert shown["antecedent"].tolist() == listed["antecedent"].tolist()
    assert shown["consequent"].tolist() == listed["consequent"].tolist()
    assert shown["orders"].tolist() == listed["orders"].tolist()
    pd.testing.assert_series_equal(
        shown["lift"].reset_index(drop=True), listed["lift"], rtol=1e-9, check_names=False
    )
    page = texts(at)
    for sentence in P.describe_rules(expected):
        assert sentence in page
    total = tx["customer_id"].nunique()
    assert f"computed in {engine_name} on all {len(tx):,} lines" in page
    assert (
        f"computed on a sample of the source: every line of {SAMPLE:,} of its {total:,} "
        f"customers ({SAMPLE / total:.1%})" in page
    )


@pytest.mark.slow
def test_migration_clusters_and_rules_are_the_whole_duckdb_tables(shop, shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    migrations = _record(monkeypatch, "segment_migration")
    rules_back = _record(monkeypatch, "association_rules")
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "lines")
    _check_rfm(at, shop, "DuckDB", migrations)
    _check_patterns(at, shop, "DuckDB", rules_back)


@pytest.mark.slow
def test_too_many_customers_keeps_migration_and_clusters_on_the_sample(shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    monkeypatch.setattr(conn, "MAX_CUSTOMERS_BACK", 1000)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "lines")
    at = _open(at, "app_pages/rfm.py")
    at.toggle(key="rfm_kmeans").set_value(True).run()
    _ok(at, "k-means")
    centres = _centres(at)
    assert int(centres["customers"].sum()) == SAMPLE
    assert "computed in DuckDB" not in texts(at)
    at = _open(at, "app_pages/patterns.py")  # the rules bring back no row per customer
    assert "These rules' order counts are computed in DuckDB" in texts(at)


@pytest.fixture(scope="module")
def postgres_shop(shop):
    keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:600])
    small = shop[keep].reset_index(drop=True)
    con, _ = postgres_table(small, "cf_engine_rfm_patterns")
    yield os.environ["CF_TEST_POSTGRES_URL"], small
    con.drop_table("cf_engine_rfm_patterns", force=True)
    con.disconnect()


@pytest.mark.slow
def test_migration_clusters_and_rules_are_the_whole_postgres_tables(postgres_shop, monkeypatch):
    url, small = postgres_shop
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    migrations = _record(monkeypatch, "segment_migration")
    rules_back = _record(monkeypatch, "association_rules")
    at = _use({"pg": {"url": url, "timeout_seconds": 60}}, "cf_engine_rfm_patterns")
    _check_rfm(at, small, "PostgreSQL", migrations)
    _check_patterns(at, small, "PostgreSQL", rules_back)


@pytest.mark.slow
def test_the_report_of_a_connected_source_says_it_is_made_from_the_sample(shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "lines")
    at = _open(at, "app_pages/report.py")
    said = "The report's figures are computed on a sample of the source: every line of 400 of"
    assert said not in texts(at)  # nothing is made before the click
    next(b for b in at.button if b.label == "Prepare report").click().run()
    _ok(at, "report")
    assert said in texts(at)

"""ui.engine: on a connected source the Overview, RFM, Cohorts and value figures are the whole table's.

The pages get a customer sample of a connected source; the figures that have a push-down twin
must instead equal the in-memory figures of ALL the source's lines (not the sample's), on DuckDB
and, when ``CF_TEST_POSTGRES_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest

duckdb = pytest.importorskip("duckdb")
ibis = pytest.importorskip("ibis")

from analysis import churn, clv, cohorts, ingest, overview, rfm  # noqa: E402
from analysis.core import defaults  # noqa: E402
from tests.analysis.pushdown._engines import postgres_table  # noqa: E402
from tests.apptest_utils import new_app, texts  # noqa: E402
from tests.paths import SAMPLE_DATA  # noqa: E402
from ui import connection as conn  # noqa: E402
from ui import engine  # noqa: E402
from ui.model_choice import best_purchase_model, comparison_table  # noqa: E402

CANONICAL = ["customer_id", "order_id", "order_date", "amount"]
SAMPLE = 400  # customers in the pages' sample: far fewer than the shop's 5,000


@pytest.fixture(scope="module")
def shop() -> pd.DataFrame:
    path = SAMPLE_DATA / "online_shop_transactions.csv"
    return ingest.prepare_transactions(ingest.read_table(path)).data[CANONICAL]


@pytest.fixture(scope="module")
def shop_db(shop, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "shop.duckdb"
    raw = duckdb.connect(str(path))
    raw.register("frame", shop)
    raw.execute("CREATE TABLE transactions AS SELECT * FROM frame")
    raw.register("lines", _with_attributes())
    raw.execute("CREATE TABLE lines AS SELECT * FROM lines")
    raw.close()
    return path


def _with_attributes() -> pd.DataFrame:
    path = SAMPLE_DATA / "online_shop_transactions.csv"
    data = ingest.prepare_transactions(ingest.read_table(path)).data
    return data[CANONICAL + ["product", "category", "channel", "country"]]


def test_the_session_key_is_the_connections():
    assert engine._SESSION_KEY == conn.SESSION_KEY


def test_every_pushed_function_has_its_twin():
    from analysis import pushdown

    for function in engine._PUSHED.values():
        assert callable(getattr(pushdown, function))


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
    assert not at.exception, (page, at.exception)
    assert not at.error, [e.value for e in at.error]
    assert not at.warning or not any("could not compute" in w.value for w in at.warning)
    return at


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _check_pages(at, tx: pd.DataFrame, engine_name: str, sample_label: str) -> None:
    shown = texts(at)
    assert sample_label in shown  # the pages still name the sample they work on elsewhere

    at = _open(at, "app_pages/overview.py")
    card = overview.scorecard(tx)
    for key in ("customers", "orders", "net_revenue", "average_order_value", "refund_rate"):
        assert _metric(at, overview.LABELS[key]) == overview.format_figure(card, key), key
    assert _metric(at, overview.LABELS["active_last_90"]) == f"{card.active_last_90:,}"
    assert f"computed in {engine_name} on all {len(tx):,} lines" in texts(at)

    at = _open(at, "app_pages/rfm.py")
    table = rfm.rfm_table(tx)
    summary = rfm.segment_summary(table)
    assert _metric(at, "Customers scored") == f"{len(table):,}"
    shown = next(df.value for df in at.dataframe if {"segment", "revenue"} <= set(df.value.columns))
    expected = summary.set_index("segment")
    got = shown.set_index("segment")
    assert got["customers"].to_dict() == expected["customers"].to_dict()
    pd.testing.assert_series_equal(got["revenue"], expected["revenue"], rtol=1e-9)
    assert f"computed in {engine_name} on all {len(tx):,} lines" in texts(at)

    at = _open(at, "app_pages/cohorts.py")
    report = cohorts.cohort_report(tx)
    assert _metric(at, "Customers in these cohorts") == f"{report.n_customers:,}"
    assert _metric(at, "Cohorts") == f"{report.n_cohorts:,}"
    overall = report.summary.overall
    assert _metric(at, "Bought again 1 month later") == (
        "n/a" if math.isnan(overall) else f"{overall:.0%}"
    )
    for sentence in report.sentences:
        assert sentence in texts(at)
    assert f"computed in {engine_name} on all {len(tx):,} lines" in texts(at)


@pytest.mark.slow
def test_pages_show_the_whole_duckdb_table_not_the_sample(shop, shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "transactions")
    at = _open(at, "app_pages/overview.py")
    _check_pages(at, shop, "DuckDB", f"a sample: {SAMPLE:,} of 5,000 customers")


@pytest.mark.slow
def test_a_period_of_the_overview_is_the_whole_tables(shop, shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "transactions")
    at = _open(at, "app_pages/overview.py")
    at.segmented_control(key="overview_period").set_value("90d").run()
    assert not at.exception, at.exception
    card = overview.scorecard(shop)
    bounds = overview.period_bounds("90d", card.as_of, compare="previous", first=card.first_date)
    window = overview.compare_scorecards(shop, *bounds)
    for key in ("customers", "orders", "net_revenue"):
        assert _metric(at, overview.LABELS[key]) == overview.format_figure(window.current, key)
    expected = overview.change_text(window, "customers", "x").replace(" vs x", "")
    shown = next(m for m in at.metric if m.label == overview.LABELS["customers"])
    assert expected in str(shown.proto.delta)


@pytest.mark.slow
def test_breakdowns_of_a_source_with_attributes_are_the_whole_tables(shop_db, monkeypatch):
    from analysis import pushdown

    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    shown = {}

    def recorded(table, column, **kwargs):
        shown[column] = pushdown.breakdowns.top_breakdown(table, column, **kwargs)
        return shown[column]

    monkeypatch.setattr(pushdown, "top_breakdown", recorded)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "lines")
    roles = {s.label: s.value for s in at.selectbox}
    assert (roles["Channel"], roles["Country"], roles["Product"]) == (
        "channel",
        "country",
        "product",
    )
    at = _open(at, "app_pages/overview.py")
    assert [t.label for t in at.tabs][:3] == ["Country", "Channel", "Category"]
    full = _with_attributes()
    assert {"country", "channel", "category"} <= set(shown)
    for column, got in shown.items():  # what the page drew: the whole table's breakdown
        pd.testing.assert_frame_equal(got, overview.top_breakdown(full, column, n=10), rtol=1e-9)


@pytest.mark.slow
def test_stopping_the_source_goes_back_to_in_memory(shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "transactions")
    at.button(key="connect_stop").click().run()
    at = _open(at, "app_pages/overview.py")
    assert "computed in DuckDB" not in texts(at)


@pytest.mark.slow
def test_too_many_customers_for_rfm_rows_says_the_sample_is_used(shop, shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    monkeypatch.setattr(conn, "MAX_CUSTOMERS_BACK", 1000)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "transactions")
    at = _open(at, "app_pages/rfm.py")
    assert _metric(at, "Customers scored") == f"{SAMPLE:,}"
    assert any("more than the 1,000" in i.value for i in at.info)
    assert "computed in DuckDB" not in texts(at)
    at = _open(at, "app_pages/overview.py")  # the scorecard has no row per customer
    assert _metric(at, "Customers") == f"{overview.scorecard(shop).customers:,}"
    assert "computed in DuckDB" in texts(at)


@pytest.fixture(scope="module")
def postgres_shop(shop):
    keep = shop["customer_id"].isin(shop["customer_id"].drop_duplicates().iloc[:600])
    small = shop[keep].reset_index(drop=True)
    con, _ = postgres_table(small, "cf_engine_tx")
    yield os.environ["CF_TEST_POSTGRES_URL"], small
    con.drop_table("cf_engine_tx", force=True)
    con.disconnect()


@pytest.mark.slow
def test_pages_show_the_whole_postgres_table_not_the_sample(postgres_shop, monkeypatch):
    url, small = postgres_shop
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"pg": {"url": url, "timeout_seconds": 60}}, "cf_engine_tx")
    at = _open(at, "app_pages/overview.py")
    _check_pages(at, small, "PostgreSQL", f"a sample: {SAMPLE:,} of 600 customers")


# --- Customer value and What to do now: the models fitted on the whole table's summaries -------


def _number(text: str) -> float:
    return float("".join(ch for ch in text if ch.isdigit() or ch in ".-"))


def test_the_value_models_are_wired():
    from analysis import pushdown

    for func in (clv.value_report, clv.compare_models, churn.churn_model):
        function = engine._PUSHED[engine._name(func)]
        assert callable(getattr(pushdown, function))
        assert function in engine._PER_CUSTOMER


def _check_value_pages(at, tx: pd.DataFrame, engine_name: str) -> None:
    """The value page's figures are the in-memory ones of ALL lines (sorted by customer)."""
    whole = tx.sort_values("customer_id", kind="stable", ignore_index=True)
    comparison = clv.compare_models(whole)
    best = best_purchase_model(comparison)
    report = clv.value_report(whole, **defaults.VALUE_SETTINGS, model=best)
    risk = churn.churn_model(whole, horizon_days=defaults.CHURN_DAYS)

    at = _open(at, "app_pages/value.py")
    for row in report.forecast.itertuples():
        shown = _metric(at, f"Next {row.months} months: net revenue")
        assert _number(shown) == float(f"{row.expected_revenue:.0f}"), row.months
    assert _metric(at, "Predicted repeat purchases") == f"{report.holdout.predicted_total:,.0f}"
    assert _metric(at, "Actual repeat purchases") == f"{report.holdout.actual_total:,.0f}"
    assert _metric(at, "Average error per customer") == f"{report.holdout.mae:.2f}"
    table = next(df.value for df in at.dataframe if "Fit time (s)" in df.value.columns)
    expected = comparison_table(comparison, used=best)
    pd.testing.assert_frame_equal(
        table.drop(columns="Fit time (s)").reset_index(drop=True),
        expected.drop(columns="Fit time (s)").reset_index(drop=True),
        rtol=1e-6,
    )
    shown = texts(at)
    assert f"The churn model, checked on {risk.n_test:,} held-back customers" in shown
    assert f"computed in {engine_name} on all {len(tx):,} lines" in shown

    at = _open(at, "app_pages/actions.py")
    shown = texts(at)
    assert f"churn risks behind the first list are computed in {engine_name}" in shown
    assert "The lists are computed on a sample of the source" in shown


@pytest.mark.slow
def test_customer_value_shows_the_whole_duckdb_table_not_the_sample(shop, shop_db, monkeypatch):
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"shopdb": {"backend": "duckdb", "database": str(shop_db)}}, "transactions")
    _check_value_pages(at, shop, "DuckDB")


@pytest.mark.slow
def test_customer_value_shows_the_whole_postgres_table_not_the_sample(postgres_shop, monkeypatch):
    url, small = postgres_shop
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"pg": {"url": url, "timeout_seconds": 120}}, "cf_engine_tx")
    _check_value_pages(at, small, "PostgreSQL")


@pytest.mark.slow
def test_what_the_whole_table_cannot_support_is_said_as_for_a_file(shop, tmp_path, monkeypatch):
    # 120 days: enough to compare the purchase models, too short for a 90-day churn model.
    recent = shop[shop["order_date"] >= shop["order_date"].max() - pd.Timedelta(days=119)]
    path = tmp_path / "recent.duckdb"
    raw = duckdb.connect(str(path))
    raw.register("frame", recent.reset_index(drop=True))
    raw.execute("CREATE TABLE recent AS SELECT * FROM frame")
    raw.close()
    monkeypatch.setattr(conn, "SAMPLE_CUSTOMERS", SAMPLE)
    at = _use({"recentdb": {"backend": "duckdb", "database": str(path)}}, "recent")
    at = _open(at, "app_pages/value.py")  # no "could not compute" warning
    with pytest.raises(ValueError) as why:
        churn.churn_model(recent, horizon_days=defaults.CHURN_DAYS)
    assert f"No churn model for this data: {why.value}" in texts(at)

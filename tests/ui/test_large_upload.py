"""A large upload goes through DuckDB on disk, for its session only, with the same figures."""

from __future__ import annotations

import gc

import pandas as pd
import pytest

from analysis.ingest import large
from tests.apptest_utils import frame_with, run_page, texts
from tests.paths import SAMPLE_DATA
from ui import large_upload

_SHOP = (SAMPLE_DATA / "online_shop_transactions.csv").read_bytes()[:90_000]
# The example shop's first lines, and two sales without a customer, one line set aside.
FILE = (
    _SHOP[: _SHOP.rfind(b"\n") + 1]
    + b"900001,2022-02-03 10:00,,,Mug,Gifts,9.00,1,9.00,Shop,France,\n"
    + b"900002,2022-02-04 11:00,Walk-in,,Mug,Gifts,9.00,2,18.00,Shop,France,\n"
    + b"900003,not a date,C00003,,Mug,Gifts,9.00,1,9.00,Shop,France,\n"
)
UPLOAD = ("shop.csv", FILE, "text/csv")


def _figures(at) -> tuple[dict, list]:
    metrics = {m.label: m.value for m in at.metric}
    tables = [df.value.reset_index(drop=True) for df in at.dataframe]
    return metrics, tables


def _same_page(page: str, monkeypatch) -> tuple:
    normal = run_page(page, upload=UPLOAD)
    assert not normal.exception
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    big = run_page(page, upload=UPLOAD)
    assert not big.exception
    return normal, big


@pytest.mark.slow
def test_a_large_upload_shows_the_overview_s_figures_of_the_normal_path(monkeypatch):
    normal, big = _same_page("app_pages/overview.py", monkeypatch)
    assert _figures(big)[0] == _figures(normal)[0]
    assert "of which without a customer" in _figures(big)[0]  # the two sales without one
    said = texts(big)
    assert len(big.session_state["_large_uploads"]) == 1  # the file went through DuckDB
    assert "This file is large: its figures are computed by DuckDB on all" in said
    assert "computed in DuckDB on all" in said  # ui.engine pushed the scorecard down


@pytest.mark.slow
def test_a_large_upload_shows_the_rfm_page_of_the_normal_path(monkeypatch):
    normal, big = _same_page("app_pages/rfm.py", monkeypatch)
    assert _figures(big)[0] == _figures(normal)[0]
    want = frame_with(normal, "customer_share")
    got = frame_with(big, "customer_share")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    assert "This file is large" in texts(big)


@pytest.mark.slow
def test_your_data_lists_the_set_aside_rows_of_a_large_file(monkeypatch):
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    at = run_page("app_pages/data.py", upload=UPLOAD)
    assert not at.exception
    said = texts(at)
    assert "This file is large" in said
    shown = frame_with(at, "reason")
    assert "unparseable date" in shown["reason"].tolist()
    result = next(
        v.result for v in at.session_state["_large_uploads"].values() if hasattr(v, "result")
    )
    every = large_upload.set_aside_table(result)  # what the download holds
    assert every["reason"].tolist() == ["unparseable date"]
    assert {m.label: m.value for m in at.metric}["Rows set aside"] == "1"


@pytest.mark.slow
def test_columns_chosen_on_your_data_read_the_large_file_again(monkeypatch):
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    at = run_page("app_pages/data.py", upload=UPLOAD)
    assert {m.label: m.value for m in at.metric}["Customers"] != "1"
    # the e-mail address as the customer: still one per customer here, read again in DuckDB
    at.selectbox(key="data_map_transactions_customer_id").set_value("customer_email")
    at.selectbox(key="data_map_transactions_channel").set_value("(not used)")
    at.button[0].click()
    at.run()
    assert not at.exception
    assert len(at.session_state["_large_uploads"]) == 2  # a second database, new settings
    loaded = list(at.session_state["_large_uploads"].values())[-1]
    assert loaded.result.prepared.mapping["customer_id"] == "customer_email"
    assert "channel" not in loaded.result.prepared.mapping
    # the e-mail is empty on the three added lines: the first two are sales without a
    # customer, the third (no date either) is set aside
    said = texts(at)
    assert "This file is large" in said
    assert {m.label: m.value for m in at.metric}["Rows set aside"] == "1"
    preview = at.dataframe[-1].value
    assert "channel" not in preview.columns


@pytest.mark.slow
def test_the_database_belongs_to_its_session_and_goes_with_it(monkeypatch):
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    one = run_page("app_pages/overview.py", upload=UPLOAD)
    two = run_page("app_pages/overview.py", upload=UPLOAD)
    assert not one.exception and not two.exception
    dir_one = one.session_state["_large_upload_files"].path
    dir_two = two.session_state["_large_upload_files"].path
    assert dir_one != dir_two and dir_one.exists() and dir_two.exists()
    (db_one,) = [v.database for v in one.session_state["_large_uploads"].values()]
    (db_two,) = [v.database for v in two.session_state["_large_uploads"].values()]
    assert db_one.is_relative_to(dir_one) and db_two.is_relative_to(dir_two)
    # each session reaches only its own database, by the same name (same bytes, same key)
    name = one.session_state["connected_source"]["name"]
    assert name == two.session_state["connected_source"]["name"]
    src_one = one.session_state["_session_sources"][name]
    src_two = two.session_state["_session_sources"][name]
    assert src_one.backend is not src_two.backend
    # the directory goes when the session's state goes
    files = one.session_state["_large_upload_files"]
    files.close()
    assert not dir_one.exists() and dir_two.exists()
    files = two.session_state["_large_upload_files"]
    del two, files
    gc.collect()
    assert not dir_two.exists()


def test_session_files_are_removed_when_dropped():
    files = large_upload._SessionFiles()
    path = files.path
    (path / "data.duckdb").write_bytes(b"x")
    del files
    gc.collect()
    assert not path.exists()

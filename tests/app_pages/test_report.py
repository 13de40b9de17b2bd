"""AppTest of the Report & export page: prepare, the three downloads, data that lacks parts."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd

from analysis import clv
from analysis import report as rp
from tests.apptest_utils import run_page, texts

PAGE = "app_pages/report.py"


def labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def by_suffix(captured: dict[str, bytes], suffix: str) -> bytes:
    (name,) = [n for n in captured if n.startswith("customer_") and n.endswith(suffix)]
    return captured[name]


def shop_csv(n_customers: int = 60, *, seed: int = 3) -> bytes:
    """A small shop without products (and no survey): customer, order, date, amount."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_customers):
        first = int(rng.integers(0, 300))
        for k in range(int(rng.integers(1, 5))):
            rows.append(
                {
                    "Customer": f"K{i:02d}",
                    "Invoice": f"{i}-{k}",
                    "Date": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=first + 30 * k))
                    .date()
                    .isoformat(),
                    "Total": round(float(rng.uniform(5, 60)), 2),
                }
            )
    return pd.DataFrame(rows).to_csv(index=False).encode()


def test_report_page_prepares_and_offers_the_three_downloads(downloads):
    at = run_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Report & export"
    page = texts(at)
    assert "**The report**" in page and "**The workbook**" in page
    assert labels(at) == []  # nothing is computed before the button

    at.button(key="report_prepare").click().run()
    assert not at.exception
    expected = ["Download report (HTML)", "Download workbook (Excel)"]
    if rp.chromium_path() is not None:
        expected.insert(1, "Download report (PDF)")
    assert labels(at) == expected

    document = by_suffix(downloads, ".html").decode("utf-8")
    assert document.startswith("<!DOCTYPE html>")
    assert document.count("<svg") == 10
    assert "Online shop (generated)" in document
    wb = openpyxl.load_workbook(io.BytesIO(by_suffix(downloads, ".xlsx")), read_only=True)
    for name in ("About", "Segments", "RFM", "Cohorts", "NPS by plan", "Value and risk"):
        assert name in wb.sheetnames
    if rp.chromium_path() is not None:
        assert by_suffix(downloads, ".pdf").startswith(b"%PDF")

    page = texts(at)
    assert "**In this report:** Overview, Best-selling products, RFM segments" in page
    assert "Left out" not in page
    assert "Workbook sheets: About, Overview, Segments, RFM" in page

    # A rerun (the preview toggle) keeps the prepared files without computing them again.
    at.toggle(key="report_preview").set_value(True).run()
    assert not at.exception
    assert len(labels(at)) == len(expected)


def test_report_page_with_data_lacking_parts(monkeypatch, downloads):
    def too_short(*args, **kwargs):
        raise ValueError("The history is too short to fit the value models.")

    monkeypatch.setattr(clv, "value_report", too_short)
    monkeypatch.setattr(rp, "chromium_path", lambda: None)
    at = run_page(PAGE, upload=("small_shop.csv", shop_csv(), "text/csv"))
    assert not at.exception
    at.button(key="report_prepare").click().run()
    assert not at.exception
    assert labels(at) == ["Download report (HTML)", "Download workbook (Excel)"]
    page = texts(at)
    assert "No PDF on this server: it has no Chromium browser" in page
    assert "- Best-selling products: Left out: The data has no product column." in page
    assert "- Customer feedback: Left out: no survey responses were loaded." in page
    assert "- Customer value: Left out: The history is too short" in page
    document = by_suffix(downloads, ".html").decode("utf-8")
    assert "small_shop.csv" in document and "<script" not in document


def test_report_page_too_little_data(monkeypatch):
    csv = b"Customer,Invoice,Date,Total\nK1,1,2024-01-02,10\nK1,2,2024-02-02,12\n"
    at = run_page(PAGE, upload=("one_customer.csv", csv, "text/csv"))
    assert not at.exception
    at.button(key="report_prepare").click().run()
    assert not at.exception
    assert labels(at) == []
    assert "purchases from only one customer" in texts(at)


def test_report_is_built_on_the_click_only_and_each_file_once(monkeypatch, downloads):
    import functools

    import streamlit as st

    import analysis.report.build

    calls: list[str] = []

    def counted(func, name):
        @functools.wraps(func)  # same dotted name: ui.cache finds and keys it as before
        def wrapper(*args, **kwargs):
            calls.append(name)
            return func(*args, **kwargs)

        return wrapper

    build = counted(rp.build_report, "report")
    monkeypatch.setattr(analysis.report.build, "build_report", build)
    monkeypatch.setattr(rp, "build_report", build)
    monkeypatch.setattr(rp, "report_workbook", counted(rp.report_workbook, "workbook"))
    monkeypatch.setattr(rp, "report_html", counted(rp.report_html, "html"))
    st.cache_data.clear()

    at = run_page(PAGE)
    at.run()  # a rerun before the click
    assert not at.exception and calls == []  # the first visit and its reruns build nothing

    at.button(key="report_prepare").click().run()
    assert not at.exception and calls == ["report"]  # the sections, no file yet
    page = texts(at)
    assert "customer value and churn models (" in page

    def click(suffix: str) -> bytes:  # what a click on the button runs
        (name,) = [
            n for n in downloads.deferred if n.startswith("customer_") and n.endswith(suffix)
        ]
        return dict.__getitem__(downloads, name)()

    first = click(".xlsx")
    assert click(".xlsx") == first and calls == ["report", "workbook"]  # the second: no cost
    click(".html")
    click(".html")
    assert calls == ["report", "workbook", "html"]

    at.toggle(key="report_preview").set_value(True).run()  # a rerun after the click
    assert not at.exception
    click(".xlsx")
    assert calls == ["report", "workbook", "html"]  # nothing computed or drawn again
    st.cache_data.clear()

"""This session's new flows in a real browser: a large CSV upload and Report & export.

- A CSV just above :data:`analysis.ingest.large.LARGE_FILE_BYTES` (there is no setting that
  lowers the threshold, so the file really is that large: marked slow) is read into the
  session's DuckDB database; Overview says its figures are computed by DuckDB on all its lines
  and counts its customers, and "Your data" lists the rows it set aside.
- Report & export builds nothing on the first visit (the Prepare button, no download button);
  after the click the status completes and the HTML download gives an HTML document.

Set ``NEWFLOWS_SHOTS=<folder>`` to keep 1280x800 screenshots of each step there.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from analysis.ingest.large import LARGE_FILE_BYTES
from tests.e2e.test_browser import assert_no_exception, open_page, wait_for_app

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("NEWFLOWS_SHOTS")
CUSTOMERS = 1_500
BAD_DATES = 7  # lines whose date no parser reads: set aside with a reason
HEADER = "customer_id,order_id,order_date,amount\n"


# The script has run to its end and no progress bar or spinner is left on the page (Overview's
# sentences are worked out under a progress bar after the figures are drawn).
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const shown = e => e.getClientRects().length > 0;
  return ![...document.querySelectorAll(
    '[data-testid="stProgress"], [data-testid="stSpinner"], [data-testid="stSkeleton"]'
  )].some(shown);
}"""


def settle(page) -> None:
    wait_for_app(page)
    page.wait_for_function(SETTLED, timeout=120_000)


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.mouse.move(1, 1)  # no tooltip of the last button clicked over the page
        page.wait_for_timeout(500)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def write_large_csv(path: Path) -> int:
    """Write a transactions CSV just above LARGE_FILE_BYTES; return its number of data lines.

    Every one of CUSTOMERS customers buys; two lines per order; ISO dates over two years;
    BAD_DATES lines (spread through the file) have the date "not a date".
    """
    rng = np.random.default_rng(7)
    n = LARGE_FILE_BYTES // 30  # lines of about 31 bytes: just past the threshold
    customer = np.concatenate([np.arange(CUSTOMERS), rng.integers(0, CUSTOMERS, n - CUSTOMERS)])
    order = np.arange(n) // 2 + 100_000
    customer = customer[order - 100_000]  # both lines of an order belong to one customer
    days = np.datetime64("2023-01-01") + rng.integers(0, 730, n).astype("timedelta64[D]")
    cents = rng.integers(100, 20_000, n)
    dates = np.datetime_as_string(days).astype(object)
    bad = np.linspace(1_000, n - 1_000, BAD_DATES).astype(int)
    dates[bad] = "not a date"
    lines = (
        np.char.add("C", np.char.zfill(customer.astype(str), 5)).astype(object)
        + ","
        + order.astype(str).astype(object)
        + ","
        + dates
        + ","
        + (cents // 100).astype(str).astype(object)
        + "."
        + np.char.zfill((cents % 100).astype(str), 2).astype(object)
    )
    text = HEADER + "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > LARGE_FILE_BYTES
    assert len(np.unique(customer)) == CUSTOMERS
    return n


@pytest.mark.slow
def test_large_csv_upload_is_computed_by_duckdb(page, app_url, tmp_path):
    csv = tmp_path / "big_shop.csv"
    lines = write_large_csv(csv)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.get_by_text("Use your own data").click()
    page.locator('input[type="file"]').first.set_input_files(str(csv))
    page.wait_for_selector("text=Showing your uploaded data", timeout=300_000)
    wait_for_app(page)

    used = lines - BAD_DATES
    note = f"This file is large: its figures are computed by DuckDB on all {used:,} lines."
    expect(page.get_by_text(note)).to_be_visible(timeout=120_000)
    customers = page.locator('[data-testid="stMetric"]').filter(has_text="Customers").first
    expect(customers.locator('[data-testid="stMetricValue"]')).to_have_text(
        f"{CUSTOMERS:,}", timeout=120_000
    )
    settle(page)
    assert_no_exception(page)
    _shot(page, "overview_large")

    open_page(page, app_url, "Your data")
    heading = page.get_by_role("heading", name="Rows set aside")
    heading.wait_for(timeout=90_000)
    settle(page)
    _shot(page, "your_data_large_top")
    heading.scroll_into_view_if_needed()
    _shot(page, "your_data_large")
    expect(page.get_by_text(note)).to_be_visible()
    assert page.get_by_text("Every row was used.").count() == 0
    # under the heading: the reasons with their counts, then the rows themselves
    # (a grid fills its cells after it is drawn: wait for the text rather than read it once)
    frames = page.locator('[data-testid="stDataFrame"]')
    expect(frames.nth(1)).to_be_visible()
    expect(frames.first).to_contain_text(f"{BAD_DATES}", timeout=60_000)
    expect(frames.nth(1)).to_contain_text("not a date", timeout=60_000)
    assert_no_exception(page)


def test_report_builds_only_on_the_click_and_downloads_html(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{app_url}/overview?dataset=cafe")
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    open_page(page, app_url, "Report & export")
    prepare = page.get_by_role("button", name="Prepare report")
    expect(prepare).to_be_visible()
    expect(page.get_by_text("Press the button to compute the report")).to_be_visible()
    assert page.locator('[data-testid="stDownloadButton"]').count() == 0
    assert page.locator('[data-testid="stExpander"] summary:has-text("Report ready")').count() == 0
    assert_no_exception(page)
    _shot(page, "report_before")

    prepare.click()
    ready = page.get_by_text("Report ready:")
    expect(ready).to_be_visible(timeout=180_000)
    settle(page)
    html_button = page.get_by_role("button", name="Download report (HTML)")
    expect(html_button).to_be_visible()
    expect(page.get_by_role("button", name="Download workbook (Excel)")).to_be_visible()
    assert page.get_by_text("Press the button to compute the report").count() == 0
    assert_no_exception(page)
    _shot(page, "report_after")
    if SHOTS:
        page.get_by_text("Report ready:").click()  # open the status: what each step took
        _shot(page, "report_after_status")
        page.get_by_text("Workbook sheets:").scroll_into_view_if_needed()
        _shot(page, "report_after_bottom")

    with page.expect_download(timeout=120_000) as info:
        html_button.click()
    download = info.value
    assert download.suggested_filename.endswith(".html")
    head = Path(download.path()).read_bytes()[:200].lstrip().lower()
    assert head.startswith((b"<!doctype html", b"<html")), head

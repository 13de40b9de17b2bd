"""A live server survives a hostile upload: the far-cell workbook that used to abort the process.

One browser session uploads a 5 kB .xlsx with one cell at XFD1048576 (the spreadsheet reader
would allocate 17 billion cells and abort the whole server); it must get a plain message, while
a second session keeps working and the health check stays up.
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.analysis.ingest.test_hostile import far_cell_xlsx
from tests.e2e.harness import serve_app
from tests.e2e.test_browser import assert_no_exception, wait_for_app

pytestmark = pytest.mark.e2e


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as r:
        return r.status == 200


def _open_app(page, url: str) -> None:
    """The default page, run to the end, showing its figures (whichever page is first)."""
    page.goto(url)
    page.wait_for_selector("h1", timeout=90_000)
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)


def test_far_cell_workbook_upload_leaves_the_server_serving(browser, tmp_path):
    bomb = tmp_path / "far_cell.xlsx"
    bomb.write_bytes(far_cell_xlsx(1_048_575, 16_383))
    with serve_app() as (url, proc, _log):
        other = browser.new_context(viewport={"width": 1400, "height": 1000})
        visitor = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            b = other.new_page()
            b.set_default_timeout(60_000)
            _open_app(b, url)

            a = visitor.new_page()
            a.set_default_timeout(60_000)
            _open_app(a, url)
            a.get_by_text("Use your own data").click()
            a.locator('input[type="file"]').first.set_input_files(str(bomb))
            a.get_by_text("reaches cell XFD1048576").first.wait_for(timeout=90_000)
            assert_no_exception(a)

            assert proc.poll() is None, "the server process died"
            assert _healthy(url)

            # the other visitor's session still works: a fresh run renders the figures
            b.reload()
            wait_for_app(b)
            b.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
            assert_no_exception(b)
            assert proc.poll() is None and _healthy(url)
        finally:
            visitor.close()
            other.close()

"""In a real browser, a file whose names are links, images and HTML makes no request leave.

The file's products, channels, countries, customer ids and an extra column are
``![](http://tracker.example/p.png)``, ``[click](http://evil.example)``, ``<img src=...>`` and
the like (see ``tests/analysis/core/test_inert_text.py``). Every request the browser makes is
recorded while the visitor opens Purchase patterns, the customer profile and the feedback page:
none may go anywhere but the app's own server, and no link or image from the data may be in the
page.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.analysis.core.test_inert_text import (
    FILE_NAME,
    hostile_responses,
    hostile_transactions,
)
from tests.e2e.test_browser import assert_no_exception, open_page, wait_for_app

pytestmark = pytest.mark.e2e


def test_hostile_file_sends_no_request_and_shows_no_link(page, app_url, tmp_path):
    host = urlparse(app_url).netloc
    outside: list[str] = []

    def record(route) -> None:
        url = route.request.url
        if urlparse(url).netloc != host and not url.startswith(("data:", "blob:")):
            outside.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", record)
    tx = tmp_path / FILE_NAME.replace("/", "_")
    tx.write_bytes(hostile_transactions())
    responses = tmp_path / "survey.csv"
    responses.write_bytes(hostile_responses())

    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)  # the app is up (its default page)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.get_by_text("Use your own data").click()
    page.locator('input[type="file"]').nth(0).set_input_files(str(tx))
    page.wait_for_selector("text=Showing your uploaded data", timeout=90_000)
    wait_for_app(page)
    page.locator('input[type="file"]').nth(1).set_input_files(str(responses))
    page.wait_for_selector("text=survey.csv", timeout=90_000)
    wait_for_app(page)

    for title in ("Purchase patterns", "Customer profile", "Customer feedback", "Your data"):
        open_page(page, app_url, title)
        page.wait_for_timeout(1500)  # let charts and images settle
        assert_no_exception(page)
        images = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
        assert not [s for s in images if "tracker" in s or s.endswith("/x")], (title, images)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        # links lead to the app itself only, and none carries a value from the file (a heading
        # anchor made from a customer id would)
        assert not [h for h in links if urlparse(h).netloc != host], (title, links)
        assert not [h for h in links if "tracker" in h or "evil" in h], (title, links)
    # the hostile names were really on screen, as text
    assert page.get_by_text("tracker.example").count() > 0 or page.content().count("tracker") > 0
    # not one request left the app's server: not for the file's names, nor for icons or fonts
    assert not outside, outside

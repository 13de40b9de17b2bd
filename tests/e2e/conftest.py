"""End-to-end fixtures: the real app served by ``streamlit run``, driven in headless Chromium.

Chromium is Debian's package at /usr/bin/chromium (``apt-get install chromium``), driven by
Playwright without downloading a browser of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, serve_app


@pytest.fixture(scope="session")
def app_url():
    """The app on a free loopback port for the whole test session."""
    with serve_app() as (url, _proc, log_path):
        yield url
        server_log = Path(log_path).read_text()
        if "Traceback" in server_log:
            print("---- streamlit server log ----\n" + server_log[-5000:])


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()

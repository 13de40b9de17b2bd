"""Re-make docs/screenshot.png: the overview page on the default example, in headless Chromium.

Usage: ``python docs/screenshot.py`` (needs Debian's chromium and the dev requirements).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, serve_app  # noqa: E402


def main() -> None:
    """Serve the app on a loopback port and save the overview's screenshot."""
    with serve_app() as (url, _proc, _log), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(url)
        page.wait_for_selector("h1", timeout=90_000)  # the default page
        page.get_by_role("link", name="Overview").first.click()
        page.wait_for_selector(".vega-embed", timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
        browser.close()


if __name__ == "__main__":
    main()

"""The app in a real browser: pages render with their charts, an upload works, no exception box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import serve_app
from ui.navigation import available_pages

pytestmark = pytest.mark.e2e

EXCEPTION = '[data-testid="stException"]'


def wait_for_app(page) -> None:
    """Wait until the script has finished running (no 'running' indicator, main block present)."""
    page.wait_for_selector('[data-testid="stMain"]')
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def open_page(page, url: str, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector(f'h1:has-text("{title}")', timeout=90_000)
    wait_for_app(page)


def assert_no_exception(page) -> None:
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    assert page.get_by_text("Traceback").count() == 0


def test_overview_renders_with_charts(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)  # the app is up (its default page)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    page.wait_for_selector(".vega-embed", timeout=60_000)
    assert page.locator('[data-testid="stMetric"]').count() >= 8
    assert_no_exception(page)


def test_csv_upload_changes_the_figures(page, app_url, tmp_path):
    csv = tmp_path / "my_shop.csv"
    csv.write_text(
        "Customer;Date;Total\n"
        "anna@example.com;03/01/2024;12,50\n"
        "anna@example.com;15/02/2024;7,00\n"
        "ben@example.com;20/02/2024;30,00\n"
        "carla@example.com;21/02/2024;-5,00\n"
        "carla@example.com;22/02/2024;9,99\n",
        encoding="utf-8",
    )
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)  # the app is up (its default page)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.get_by_text("Use your own data").click()
    page.locator('input[type="file"]').first.set_input_files(str(csv))
    page.wait_for_selector("text=my_shop.csv", timeout=60_000)
    page.wait_for_selector("text=Showing your uploaded data", timeout=60_000)
    wait_for_app(page)
    customers = page.locator('[data-testid="stMetric"]').filter(has_text="Customers").first
    expect(customers.locator('[data-testid="stMetricValue"]')).to_have_text("3", timeout=60_000)
    expect(page.get_by_text("Data: my_shop.csv")).to_be_visible()
    assert_no_exception(page)
    open_page(page, app_url, "Your data")
    page.wait_for_selector("text=Data health")
    assert_no_exception(page)


# Every page of the app (the table app.py registers), opened from the sidebar on the default data.
PAGES = [p.title for p in available_pages() if p.path != "app_pages/overview.py"]


@pytest.mark.parametrize("title", PAGES)
def test_each_page_opens(page, app_url, title):
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)  # the app is up (its default page)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.get_by_role("link", name=title).first.click()
    page.wait_for_function(
        "t => !document.querySelector('h1') || !document.querySelector('h1').innerText.includes(t)",
        arg="Overview",
        timeout=90_000,
    )
    wait_for_app(page)
    # Each page shows figures, a chart, a table or (the report page) its action button.
    page.locator(
        '[data-testid="stMetric"], .vega-embed, [data-testid="stDataFrame"], '
        '[data-testid="stButton"]'
    ).locator("visible=true").first.wait_for(timeout=90_000)
    assert_no_exception(page)


def test_a_page_url_on_a_fresh_server_cannot_skip_the_sign_in(browser, tmp_path):
    """The very first request of a fresh server, for /rfm, still goes through app.py and its
    sign-in (the pages live in app_pages/, so Streamlit's legacy pages-folder mode, which ran a
    page file on its own, never starts)."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[access]\npassword = "open sesame"\n')
    with serve_app("--secrets.files", str(secrets)) as (url, _proc, _log):
        page = browser.new_page()
        page.goto(f"{url}/rfm")
        page.wait_for_selector('h1:has-text("Customer Focus")', timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('input[type="password"]').count() == 1
        page.locator('input[type="password"]').fill("open sesame")
        page.get_by_role("button", name="Continue").click()
        # Signed in, the visitor gets the page the link named.
        page.wait_for_selector('h1:has-text("RFM")', timeout=90_000)
        page.close()


def test_a_deep_link_as_the_first_request_of_a_fresh_server_opens_that_view(browser):
    """A shared link is often the first thing a freshly started server is asked for; it must
    open its own page with its settings, not the default page."""
    with serve_app() as (url, _proc, _log):
        page = browser.new_page()
        page.goto(f"{url}/overview?dataset=cafe")
        page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
        expect(page.get_by_text("Data: Corner café (small spreadsheet)")).to_be_visible(
            timeout=60_000
        )
        assert_no_exception(page)
        page.close()


def test_share_link_reopens_the_same_view(browser, app_url):
    page = browser.new_page()
    page.goto(app_url)
    page.wait_for_selector("h1", timeout=90_000)  # the app is up (its default page)
    page.get_by_role("link", name="Overview").first.click()
    page.wait_for_selector('h1:has-text("Overview")', timeout=90_000)
    wait_for_app(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="Corner café (small spreadsheet)").click()
    expect(page.get_by_text("Data: Corner café (small spreadsheet)")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    assert "dataset=" in page.url
    page.get_by_text("Share this view").click()
    link = page.locator('[data-testid="stPopoverBody"] code, [data-testid="stCode"] code').first
    expect(link).to_contain_text("dataset=", timeout=30_000)
    shared = link.inner_text().strip()
    page.close()
    other = browser.new_page()  # a colleague opening the link
    other.goto(shared)
    expect(other.get_by_text("Data: Corner café (small spreadsheet)")).to_be_visible(timeout=90_000)
    assert_no_exception(other)
    other.close()

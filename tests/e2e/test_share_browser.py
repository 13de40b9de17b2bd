"""Shared links in a real browser: an upload link asks for the file, unknown values are named,
the example's short key and the overview's period travel in the address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import assert_no_exception, wait_for_app

pytestmark = pytest.mark.e2e


def test_a_link_made_from_an_upload_shows_no_example_figures(page, app_url):
    page.goto(f"{app_url}/overview?data=upload&overview_period=Last+90+days")
    expect(
        page.get_by_role("heading", name="Upload your copy of the file to see this view")
    ).to_be_visible(timeout=90_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert_no_exception(page)


def test_an_unknown_dataset_is_named(page, app_url):
    page.goto(f"{app_url}/overview?dataset=retail-typo&overview_period=Last+9+days")
    expect(page.get_by_text(re.compile(r"dataset = “retail-typo”"))).to_be_visible(timeout=90_000)
    expect(page.get_by_text(re.compile(r"overview_period = “Last 9 days”"))).to_be_visible()
    expect(page.get_by_text("Data: Online shop (generated)")).to_be_visible(timeout=90_000)
    assert_no_exception(page)


def test_short_dataset_key_and_period_open_the_same_view(page, app_url):
    page.goto(f"{app_url}/overview?dataset=cafe&overview_period=Last+30+days")
    expect(page.get_by_text("Data: Corner café (small spreadsheet)")).to_be_visible(timeout=90_000)
    wait_for_app(page)
    expect(page.get_by_text(re.compile(r"previous 30 days")).first).to_be_visible(timeout=30_000)
    assert "dataset=cafe" in page.url and "overview_period=" in page.url
    assert_no_exception(page)

"""The home page in a real browser: it loads and reaches every page in one click."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_idle
from ui.navigation import PAGES

pytestmark = pytest.mark.e2e


def test_home_links_to_every_page(page, app_url):
    page.goto(app_url)
    wait_for_idle(page)
    main = page.locator("[data-testid='stMain']")
    for info in PAGES:
        expect(main.get_by_role("link", name=info.title).first).to_be_visible()
    screenshot(page, "home")

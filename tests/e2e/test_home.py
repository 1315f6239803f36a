"""The home page in a real browser: it loads and reaches every page in one click."""

import pytest

from tests.e2e.conftest import screenshot, wait_for_idle
from ui.navigation import PAGES

pytestmark = pytest.mark.e2e


def test_home_links_to_every_page(page, app_url):
    page.goto(app_url)
    wait_for_idle(page)
    main = page.locator("[data-testid='stMain']")
    for info in PAGES:
        assert main.get_by_role("link", name=info.title).count() >= 1
    screenshot(page, "home")

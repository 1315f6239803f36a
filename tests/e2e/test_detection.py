"""Detection Basics in a real Chromium: drag a box and see IoU change; drag a prediction and see AP change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from explorer.detection import Box, iou
from tests.e2e.conftest import SCREENSHOTS, wait_for_idle

pytestmark = pytest.mark.e2e


@pytest.fixture
def small_page(browser):
    """A laptop-sized window (1280 x 720): the chart must be usable there too."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def plot_area(page, chart_key: str) -> dict:
    """The chart's plotting area on screen (it spans the 100 x 100 image exactly), scrolled into view."""
    area = page.locator(f".st-key-{chart_key} .nsewdrag").first
    area.scroll_into_view_if_needed()
    expect(area).to_be_visible()
    return area.bounding_box()


def at(area: dict, x: float, y: float) -> tuple[float, float]:
    """Screen pixels of image coordinates (x right, y down, both 0..100)."""
    return area["x"] + x / 100 * area["width"], area["y"] + y / 100 * area["height"]


def drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
    page.mouse.up()


def window_screenshot(page, chart_key: str, name: str) -> None:
    """The window as the student sees it, with the chart in the middle (under artifacts/screenshots)."""
    page.locator(f".st-key-{chart_key}").evaluate("e => e.scrollIntoView({block: 'center'})")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def metric(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label).locator("[data-testid='stMetricValue']")


def slider_values(page, key: str) -> tuple[int, int]:
    thumbs = page.locator(f".st-key-{key}").get_by_role("slider")
    return int(thumbs.nth(0).get_attribute("aria-valuetext")), int(thumbs.nth(1).get_attribute("aria-valuetext"))


def test_drag_box_b_and_the_iou_follows(small_page, app_url):
    page = small_page
    page.goto(f"{app_url}/detection_basics")
    wait_for_idle(page)
    expect(metric(page, "IoU").first).to_have_text("0.562", timeout=60_000)
    area = plot_area(page, "detect-iou_chart")

    # Grab box B in its middle (B is drawn over A there) and move it 25 to the right.
    drag(page, at(area, 45, 50), at(area, 70, 50))
    expect(metric(page, "IoU").first).not_to_have_text("0.562", timeout=30_000)
    wait_for_idle(page)

    # The sliders followed the drag, and the IoU shown is the IoU of the boxes they now hold.
    bx, by = slider_values(page, "detect-b_x"), slider_values(page, "detect-b_y")
    assert bx[1] - bx[0] == 50 and by == (25, 75)  # moved whole: its size kept
    assert bx[0] > 30
    expected = iou(Box(10, 20, 60, 70), Box(bx[0], by[0], bx[1], by[1])).iou
    expect(metric(page, "IoU").first).to_have_text(f"{expected:.3f}", timeout=30_000)
    titles = page.locator(".st-key-detect-iou_chart .gtitle")  # the old title may stand a moment beside it
    expect(titles.filter(has_text=f"{expected:.3f}").first).to_be_attached(timeout=30_000)
    expect(titles).to_have_count(1)
    window_screenshot(page, "detect-iou_chart", "detection_dragged_box")

    # A key press on a slider: the playground reruns on its own (a fragment), and still writes its
    # boxes into the link; the address opens the same boxes in a new tab, and the page keeps them
    # when the user comes back.
    page.locator(".st-key-detect-b_y").get_by_role("slider").nth(1).press("ArrowRight")
    expect(page.locator(".st-key-detect-b_y").get_by_role("slider").nth(1)).to_have_attribute("aria-valuetext", "76")
    expected = iou(Box(10, 20, 60, 70), Box(bx[0], 25, bx[1], 76)).iou
    expect(metric(page, "IoU").first).to_have_text(f"{expected:.3f}", timeout=30_000)
    expect(page).to_have_url(re.compile(rf"[?&]b_x={bx[0]}-{bx[1]}&b_y=25-76(&|$)"), timeout=30_000)
    other = page.context.new_page()
    other.goto(page.url)
    wait_for_idle(other)
    expect(metric(other, "IoU").first).to_have_text(f"{expected:.3f}", timeout=60_000)
    other.close()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Glossary").click()
    wait_for_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Detection Basics").click()
    wait_for_idle(page)
    expect(metric(page, "IoU").first).to_have_text(f"{expected:.3f}", timeout=60_000)


def test_drag_a_prediction_and_the_ap_follows(small_page, app_url):
    page = small_page
    page.goto(f"{app_url}/detection_basics")
    wait_for_idle(page)
    ap_75 = metric(page, "AP at IoU 0.75")
    expect(ap_75).to_have_text("0.467", timeout=60_000)
    area = plot_area(page, "detect-scene")

    # P1 (62, 20, 98, 50) sits loosely on GT1 (60, 15, 95, 45): nudge it up and left onto it.
    drag(page, at(area, 80, 35), at(area, 78, 30))
    expect(ap_75).not_to_have_text("0.467", timeout=30_000)
    wait_for_idle(page)
    expect(metric(page, "AP at IoU 0.5")).to_have_text("0.867", timeout=30_000)
    assert float(ap_75.text_content()) > 0.467
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    window_screenshot(page, "detect-scene", "detection_dragged_prediction")
    expect(page).to_have_url(re.compile(r"[?&]preds="), timeout=30_000)  # written by the section's own rerun

    # Put them back: the worked example's AP again.
    page.locator(".st-key-detect-reset button").click()
    wait_for_idle(page)
    expect(ap_75).to_have_text("0.467", timeout=30_000)
    expect(page.get_by_text(re.compile("Drag a prediction"))).to_be_visible()

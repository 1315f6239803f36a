"""The Freeze Lab in a real Chromium: the lecture's VGG16 walk-through, with the mouse."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import choose, screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def expect_metric(page, label: str, value: str) -> None:
    """Wait (Streamlit reruns after each click) until the metric shows the value."""
    box = page.locator("[data-testid='stMetric']").filter(has_text=re.compile(f"^{label}"))
    expect(box.first.locator("[data-testid='stMetricValue']")).to_have_text(value, timeout=60_000)


def test_vgg16_walkthrough_with_the_mouse(page, app_url):
    page.goto(f"{app_url}/freeze_lab")
    wait_for_idle(page)
    # The lecture's opening numbers: VGG16 + Flatten(1024) + sigmoid, everything frozen.
    expect_metric(page, "Total", "40,406,849")
    expect_metric(page, "Trainable", "25,692,161")
    screenshot(page, "freeze_lab_vgg16_flatten")

    page.locator("[data-testid='stRadio']").get_by_text("Global average pooling").click()
    expect_metric(page, "Total", "15,241,025")

    choose(page, "Trainable plan for the backbone", "Train the last N layers")
    expect_metric(page, "Trainable", f"{526_337 + 3 * 2_359_808:,}")
    wait_for_idle(page)
    screenshot(page, "freeze_lab_vgg16_gap_last4")

    # A per-layer toggle: click the trainable checkbox of block1_conv1 (row 1) in the grid.
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The grid is a canvas: rows are ~39 px at the theme's 18 px font, the checkbox sits in
    # the middle of the last column (~195 px wide).
    row_height = 39
    checkbox = (box["x"] + box["width"] - 97, box["y"] + row_height * 2.5)
    page.mouse.click(*checkbox)
    expect_metric(page, "Trainable", f"{526_337 + 3 * 2_359_808 + 1_792:,}")
    wait_for_idle(page)
    screenshot(page, "freeze_lab_toggle")
    # The counts and the table rerun on their own (a fragment): the arrow still shows the click, and
    # the link still carries the toggled layer (index 1).
    trainable = page.locator("[data-testid='stMetric']").filter(has_text=re.compile("^Trainable"))
    expect(trainable.locator("[data-testid='stMetricDelta']")).to_contain_text("+1,792")
    expect(page).to_have_url(re.compile(r"[?&]layers=1(&|$)"))
    page.mouse.click(*checkbox)  # and off again
    expect_metric(page, "Trainable", f"{526_337 + 3 * 2_359_808:,}")
    expect(trainable.locator("[data-testid='stMetricDelta']")).to_contain_text("1,792")
    expect(page).not_to_have_url(re.compile(r"[?&]layers="))

    # The Keras code is written when its tab is opened, and follows the page.
    page.get_by_role("tab", name="Show the Keras code").click()
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_contain_text("base.layers[:-4]", timeout=60_000)
    expect(code).to_contain_text("GlobalAveragePooling2D")


def test_resnet50_stays_usable(page, app_url):
    page.goto(f"{app_url}/freeze_lab")
    wait_for_idle(page)
    choose(page, "Backbone", "ResNet50")
    expect_metric(page, "Total", "23,589,761")
    choose(page, "Trainable plan for the backbone", "Train all but BatchNormalization")
    expect_metric(page, "Trainable", "23,483,521")
    wait_for_idle(page)
    screenshot(page, "freeze_lab_resnet50")


def test_download_button_reads_whole_on_a_projector(page, app_url):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{app_url}/freeze_lab")
    wait_for_idle(page)
    expect_metric(page, "Total", "40,406,849")
    button = page.get_by_role("button", name="Download weights")
    if button.count() == 0:
        pytest.skip("VGG16's ImageNet weights are in this machine's Keras cache: the page offers no download")
    # Streamlit cuts a label too wide for its column with an ellipsis ("Download ..." in a sixth of the row).
    label = button.locator("[data-testid='stMarkdownContainer']")
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), "the button's label is cut"

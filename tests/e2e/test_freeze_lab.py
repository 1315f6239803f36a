"""The Freeze Lab in a real Chromium: the lecture's VGG16 walk-through, with the mouse."""

import re

import pytest

from tests.e2e.conftest import screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=re.compile(f"^{label}"))
    return box.first.locator("[data-testid='stMetricValue']").inner_text()


def choose(page, label: str, option: str) -> None:
    page.get_by_label(label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_idle(page)


def test_vgg16_walkthrough_with_the_mouse(page, app_url):
    page.goto(f"{app_url}/freeze_lab")
    wait_for_idle(page)
    # The lecture's opening numbers: VGG16 + Flatten(1024) + sigmoid, everything frozen.
    assert metric(page, "Total") == "40,406,849"
    assert metric(page, "Trainable") == "25,692,161"
    screenshot(page, "freeze_lab_vgg16_flatten")

    page.get_by_text("Global average pooling").click()
    wait_for_idle(page)
    assert metric(page, "Total") == "15,241,025"

    choose(page, "Trainable plan for the backbone", "Train the last N layers")
    assert metric(page, "Trainable") == f"{526_337 + 3 * 2_359_808:,}"
    screenshot(page, "freeze_lab_vgg16_gap_last4")

    # A per-layer toggle: click the trainable checkbox of block1_conv1 (row 1) in the grid.
    grid = page.locator("[data-testid='stDataFrame']").first
    page.get_by_role("tab", name="Layers: toggle trainable").click()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    row_height, header = 35, 35
    page.mouse.click(box["x"] + box["width"] - 40, box["y"] + header + row_height * 1.5)
    wait_for_idle(page)
    assert metric(page, "Trainable") == f"{526_337 + 3 * 2_359_808 + 1_792:,}"
    screenshot(page, "freeze_lab_toggle")


def test_resnet50_stays_usable(page, app_url):
    page.goto(f"{app_url}/freeze_lab")
    wait_for_idle(page)
    choose(page, "Backbone", "ResNet50")
    choose(page, "Trainable plan for the backbone", "Train all but BatchNormalization")
    assert metric(page, "Total") == "23,589,761"
    assert metric(page, "Trainable") == "23,483,521"
    screenshot(page, "freeze_lab_resnet50")

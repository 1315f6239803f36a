"""Freeze X-ray in Chromium: a feature-extraction run and a two-stage run side by side on one colour scale,
read at projector sizes (1280x720 and 1024x768)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, choose, wait_for_idle

pytestmark = pytest.mark.e2e


def slide(page, label: str, *keys: str) -> None:
    """Move a slider with the keyboard (Home: its minimum, then ArrowRight steps)."""
    wait_for_idle(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text=label).first.get_by_role("slider")
    slider.focus()
    for key in keys:
        slider.press(key)
    wait_for_idle(page)


def train(page, strategy_label: str) -> None:
    expect(page.get_by_role("button", name="Train")).to_be_enabled(timeout=60_000)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text(f"Last run: {strategy_label}", exact=False)).to_be_visible(timeout=540_000)  # a loaded classroom laptop is slow
    wait_for_idle(page)


@pytest.mark.timeout(1800)  # two real runs; on a busy machine stage 2 alone takes minutes
def test_two_runs_side_by_side_in_the_freeze_xray(page, app_url):
    page.goto(f"{app_url}/finetune_lab")
    wait_for_idle(page, timeout_ms=180_000)
    choose(page, "Backbone", "Simple CNN (CIFAR-10 size)")  # small: the test's time goes to behaviour
    slide(page, "Images per class", "Home")
    slide(page, "Input size", "Home")
    slide(page, "Epochs", "Home", "ArrowRight")  # 2 epochs
    train(page, "feature-extraction")

    choose(page, "Strategy", "Two-stage training")
    slide(page, "Stage-2 epochs", "Home", "ArrowRight")  # 2 + 1 epochs
    train(page, "two-stage")

    heading = page.get_by_text("Freeze X-ray: which weights moved")
    heading.scroll_into_view_if_needed()
    chosen = page.locator("[data-testid='stMultiSelect']").filter(has_text="Runs side by side")
    expect(chosen).to_contain_text("1. feature-extraction")
    expect(chosen).to_contain_text("2. two-stage")
    chart = page.locator("[data-testid='stPlotlyChart']").filter(has_text="exactly 0")
    expect(chart).to_have_count(1)
    expect(chart).to_contain_text("1. feature-extraction")  # the panel titles: both runs, side by side
    expect(chart).to_contain_text("2. two-stage")
    expect(chart).to_contain_text("stage 2")  # the dotted line of the two-stage run
    expect(chart.locator(".colorbar")).to_have_count(1)  # one colour scale for both
    expect(page.get_by_text("Blue means exactly zero", exact=False)).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    for width, height in ((1280, 720), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        wait_for_idle(page)
        chart.scroll_into_view_if_needed()
        expect(chart.locator(".main-svg").first).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chart.screenshot(path=str(SCREENSHOTS / f"freeze_xray_{width}x{height}.png"))  # the chart as projected
        page.screenshot(path=str(SCREENSHOTS / f"freeze_xray_{width}x{height}_window.png"))  # what the room sees

"""The Fine-tune Lab in Chromium: a run survives clicks elsewhere, Stop ends it, runs overlay."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def choose(page, label: str, option: str) -> None:
    wait_for_idle(page)
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_idle(page)


def slide_to_end(page, label: str, key: str = "Home") -> None:
    """Move a slider to its minimum (Home) or maximum (End) with the keyboard."""
    wait_for_idle(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text=label).first.get_by_role("slider")
    slider.focus()
    slider.press(key)
    wait_for_idle(page)


def test_run_survives_a_click_elsewhere_and_stops(page, app_url):
    page.goto(f"{app_url}/finetune_lab")
    wait_for_idle(page, timeout_ms=180_000)
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Trainable").first).to_be_visible()
    # Small and quick, so that the test spends its time on behaviour, not on arithmetic.
    slide_to_end(page, "Images per class")
    slide_to_end(page, "Input size")
    choose(page, "Strategy", "Fine-tune the last N layers")
    slide_to_end(page, "Epochs", "End")  # long enough that Stop, not the last epoch, ends it
    page.get_by_role("button", name="Train").click()
    progress = page.locator("[data-testid='stProgress']")
    # The fragment polls once a second and one-batch epochs are quick: any epoch after the first.
    expect(progress).to_contain_text(re.compile(r"epoch ([2-9]|\d\d)/"), timeout=180_000)
    screenshot(page, "finetune_lab_live")

    # A click elsewhere reruns the page; the run goes on in its thread.
    page.locator("[data-testid='stRadio']").get_by_text("Flatten").click()
    expect(progress).to_contain_text("epoch", timeout=30_000)
    expect(page.get_by_role("button", name="Train")).to_be_disabled()

    page.get_by_role("button", name="Stop").click()
    expect(page.get_by_text("stopped", exact=False).first).to_be_visible(timeout=120_000)
    expect(page.get_by_text("acc:", exact=False).first).to_be_visible()
    expect(progress).to_have_count(0)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    # The page stays usable: a quick feature-extraction run, then both runs on one chart.
    page.locator("[data-testid='stRadio']").get_by_text("GAP").click()
    choose(page, "Strategy", "Feature extraction (train the head on stored features)")
    expect(page.get_by_role("button", name="Train")).to_be_enabled(timeout=30_000)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Last run: feature-extraction", exact=False)).to_be_visible(timeout=180_000)
    wait_for_idle(page)
    # Both runs are on the comparison chart, the new one included without a click.
    runs = page.locator("[data-testid='stMultiSelect']").filter(has_text="1. fine-tune")  # not the data sizes
    expect(runs).to_contain_text("1. fine-tune")
    expect(runs).to_contain_text("2. feature-extraction")
    page.get_by_text("Compare runs").scroll_into_view_if_needed()
    screenshot(page, "finetune_lab_compare")

"""Case Studies, Strategy Advisor and Detection Basics in a real Chromium, with the mouse and keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def open_page(page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_idle(page, timeout_ms=300_000)


def metric(page, label: str):
    box = page.locator("[data-testid='stMetric']").filter(has_text=re.compile(f"^{label}"))
    return box.first.locator("[data-testid='stMetricValue']")


def test_case_studies_chart_key_ideas_and_memory(page, app_url):
    open_page(page, app_url, "case_studies")
    expect(page.get_by_role("heading", name="Case studies")).to_be_visible()
    bubbles = page.locator("[data-testid='stPlotlyChart']").first
    expect(bubbles.get_by_text("Inception-ResNet v2")).to_be_visible()  # a bubble label drawn by Plotly
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
    screenshot(page, "case_studies")

    page.locator("[data-testid='stButtonGroup'] button").filter(has_text="GoogLeNet").first.click()
    wait_for_idle(page)
    expect(page.get_by_text("128.05 M mult-adds")).to_be_visible()
    expect(page.get_by_text("303.46 M mult-adds")).to_be_visible()
    expect(page.locator("[data-testid='stGraphVizChart'] svg")).to_have_count(2, timeout=30_000)
    page.get_by_role("heading", name=re.compile("^GoogLeNet")).scroll_into_view_if_needed()
    screenshot(page, "case_studies_googlenet")

    expect(metric(page, "Activations per image")).to_have_text("61.0 MB")
    expect(metric(page, "Parameters")).to_have_text("553.4 MB")
    page.get_by_role("heading", name=re.compile("^VGG16: memory")).scroll_into_view_if_needed()
    screenshot(page, "case_studies_vgg16_memory")


def test_advisor_hands_its_plan_to_the_freeze_lab(page, app_url):
    open_page(page, app_url, "strategy_advisor")
    expect(page.get_by_role("heading", name="Different data, little of it")).to_be_visible()
    expect(page.get_by_text("block4_pool").first).to_be_visible()
    screenshot(page, "strategy_advisor")

    # Each change is confirmed by the address bar (the page writes its state there) before the next;
    # first the page settles its own address (the language is written into it).
    expect(page).to_have_url(re.compile("lang=en"))
    wait_for_idle(page)
    page.locator("[data-testid='stButtonGroup'] button").filter(has_text="similar").first.click()
    expect(page).to_have_url(re.compile("similarity=similar"))
    wait_for_idle(page)
    for label, value, query in (("Labelled images", "50000", "images=50000"), ("Classes", "10", "classes=10")):
        field = page.locator("[data-testid='stNumberInput']").filter(has_text=label).locator("input")
        field.fill(value)
        field.press("Enter")
        expect(page).to_have_url(re.compile(query))
        wait_for_idle(page)
    expect(page.get_by_role("heading", name="Similar data, a lot of it")).to_be_visible()
    expect(metric(page, "Trainable")).to_have_text("7,213,322")  # block 5 + GAP -> Dense(256) -> Dense(10)

    page.get_by_role("button", name=re.compile("Open in the Freeze Lab")).click()
    page.wait_for_url(re.compile("freeze_lab"), timeout=60_000)
    wait_for_idle(page, timeout_ms=300_000)
    expect(page.get_by_role("heading", name="Freeze Lab")).to_be_visible()
    expect(metric(page, "Trainable")).to_have_text("7,213,322", timeout=120_000)
    plan = page.get_by_role("combobox", name="Trainable plan for the backbone")
    expect(plan).to_have_value("Train the last N layers")
    expect(page.locator("[data-testid='stNumberInput']").filter(has_text="N (of 19 layers)").locator("input")).to_have_value("4")
    screenshot(page, "advisor_handoff_freeze_lab")

    page.get_by_role("link", name="Strategy Advisor").click()  # the sidebar keeps the advisor's inputs
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="Similar data, a lot of it")).to_be_visible()
    page.get_by_role("button", name=re.compile("Train it in the Fine-tune Lab")).click()
    page.wait_for_url(re.compile("finetune_lab"), timeout=60_000)
    wait_for_idle(page, timeout_ms=300_000)
    expect(page.get_by_role("combobox", name="Strategy")).to_have_value("Fine-tune the last N layers")
    expect(page.locator("[data-testid='stNumberInput']").filter(has_text="N (last layers to train)")
           .locator("input")).to_have_value("4")
    screenshot(page, "advisor_handoff_finetune_lab")


def test_detection_iou_playground_and_ap(page, app_url):
    open_page(page, app_url, "detection_basics")
    expect(metric(page, "IoU")).to_have_text("0.562")
    expect(metric(page, "AP at IoU 0.5")).to_have_text("0.867")
    expect(metric(page, "AP at IoU 0.75")).to_have_text("0.467")
    screenshot(page, "detection_basics")

    # Box B's x1 from 20 to 30 with the keyboard: overlap 30 x 45 = 1350, union 2500 + 2000 - 1350.
    thumb = page.get_by_role("slider").nth(4)
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")
    wait_for_idle(page)
    expect(metric(page, "Intersection")).to_have_text("1350", timeout=30_000)
    expect(metric(page, "IoU")).to_have_text(f"{1350 / 3150:.3f}")
    screenshot(page, "detection_basics_moved")

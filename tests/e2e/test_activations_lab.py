"""The Activations Lab in a real Chromium: upload a photo, the feature-map grid appears; a bad file is refused."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, screenshot, wait_for_idle

pytestmark = pytest.mark.e2e

GRID_TITLE = re.compile(r"\d+ most active of \d+ channels")


def open_lab(page, app_url: str) -> None:
    page.goto(f"{app_url}/activations_lab")  # a deep link, as a bookmark would open it
    wait_for_idle(page, timeout_ms=180_000)


def upload(page, path) -> None:
    wait_for_idle(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    # The upload starts a rerun: wait until the uploader lists the file, then for the run to end.
    expect(page.get_by_test_id("stFileChipName").filter(has_text=path.name)).to_be_visible()
    wait_for_idle(page, timeout_ms=180_000)


def test_upload_a_photo_and_see_its_feature_maps(page, app_url, tmp_path):
    open_lab(page, app_url)
    grid = page.locator("[data-testid='stPlotlyChart']").first
    expect(grid).to_be_visible()
    expect(page.get_by_text(GRID_TITLE).first).to_be_visible()
    screenshot(page, "activations_lab_cat")

    photo = tmp_path / "my_espresso.jpg"
    Image.open(ROOT / "assets" / "samples" / "coffee.png").convert("RGB").save(photo, quality=90)
    upload(page, photo)
    expect(page.get_by_text("my_espresso.jpg", exact=False).first).to_be_visible()
    expect(page.get_by_text(GRID_TITLE).first).to_be_visible()
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(0)
    # The grid is a picture of the maps: an <image> inside the chart, not an empty plot.
    expect(grid.locator("image").first).to_be_attached()
    screenshot(page, "activations_lab_upload")

    page.get_by_role("tab", name="Predictions & Grad-CAM").click()
    wait_for_idle(page, timeout_ms=180_000)
    expect(page.get_by_text(re.compile(r"^espresso \(967\)$")).first).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("Grad-CAM for")).first).to_be_visible()
    screenshot(page, "activations_lab_predictions")


def test_a_text_file_named_png_is_refused_and_the_page_keeps_working(page, app_url, tmp_path):
    open_lab(page, app_url)
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not a photo\n")
    upload(page, fake)
    error = page.locator("[data-testid='stAlertContentError']")
    expect(error).to_contain_text("none of those (whatever its name says)")
    expect(error).to_contain_text("Showing the sample photo instead")
    expect(page.get_by_text(GRID_TITLE).first).to_be_visible()
    screenshot(page, "activations_lab_bad_upload")


def test_a_new_stage_and_channel_redraw_the_maps_and_keep_the_link(page, app_url):
    """The feature maps rerun on their own (a fragment): the stage, layer and channel still reset one
    another, go into the address, and the address opens the same maps."""
    open_lab(page, app_url)
    layer_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first
    facts = page.get_by_text(re.compile(r"outputs .*maps of")).first
    expect(facts).to_be_visible()
    first_layer = layer_box.locator("input").input_value() or layer_box.inner_text()
    before = facts.inner_text()

    stage_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Stage (resolution)").first
    stage_box.locator("input").click()
    page.get_by_role("option").nth(2).click()  # the third stage: a lower resolution, other layers
    expect(facts).not_to_have_text(before, timeout=60_000)
    wait_for_idle(page)
    assert (layer_box.locator("input").input_value() or layer_box.inner_text()) != first_layer
    expect(page).to_have_url(re.compile(r"[?&]stage=\d+.*&layer=[\w.-]+"), timeout=30_000)

    channel_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Channel to enlarge").first
    channel_box.locator("input").click()
    page.get_by_role("option", name="#2 most active", exact=True).click()
    # While Plotly redraws, the old title can stand beside the new one for a moment: wait for the new
    # one, then for the old one to go (a single chart is what the student sees).
    overlay_titles = page.locator(".st-key-act-channel_chart .gtitle")
    expect(overlay_titles.filter(has_text="(#2,").first).to_be_attached(timeout=60_000)
    expect(overlay_titles).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]rank=1(&|$)"), timeout=30_000)
    shown = facts.inner_text()

    other = page.context.new_page()
    other.goto(page.url)
    wait_for_idle(other, timeout_ms=180_000)
    expect(other.get_by_text(re.compile(r"outputs .*maps of")).first).to_have_text(shown, timeout=60_000)
    expect(other.locator(".st-key-act-channel_chart .gtitle").filter(has_text="(#2,").first).to_be_attached(
        timeout=60_000)
    other.close()

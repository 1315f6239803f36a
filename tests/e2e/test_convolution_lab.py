"""The Convolution Lab in a real Chromium: play the animation, move the sliders, read the formula."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def figure_title(page):
    """The animated figure's title: "Step i of n: output[r, c]" and the products."""
    return page.locator("[data-testid='stPlotlyChart'] .gtitle").first


def expect_latex(page, tex: str) -> None:
    """Wait until KaTeX has drawn a formula containing this TeX (kept in MathML annotations).

    The script can be idle a moment before KaTeX redraws, so this polls rather than reads once.
    """
    expect(page.locator("annotation").filter(has_text=tex).first).to_be_attached(timeout=30_000)


STEADY_JS = """(selector) => {
  const text = document.querySelector(selector)?.textContent ?? "";
  const now = performance.now();
  if (window.__steady?.text !== text) window.__steady = {text, since: now};
  return now - window.__steady.since >= 1500;
}"""


def play_button(page, key: str = "conv-step"):
    return page.locator(f".st-key-{key}-play button")


def drawn_step(page) -> int:
    """The step (1-based) that the figure's title shows."""
    return int(re.search(r"Step (\d+) of", figure_title(page).text_content()).group(1))


def test_play_the_steps_and_step_through(page, app_url):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    title = figure_title(page)
    expect(title).to_contain_text("Step 1 of 25", timeout=60_000)
    expect(page.get_by_text(re.compile("Output size.*5 × 5"))).to_be_visible()
    expect_latex(page, r"\frac{7 + 2\cdot 0 - 3}{1}\right\rfloor + 1 = 5")
    screenshot(page, "convolution_lab_start")

    # A 16 x 16 input (from a link): 196 steps, so Play is still going when Pause comes, even on a slow machine.
    page.goto(f"{app_url}/convolution_lab?size=16")
    wait_for_idle(page)
    expect(title).to_contain_text("Step 1 of 196", timeout=60_000)

    # Play: the server moves the step on, and redraws the picture, the sum and the formula together.
    expect(play_button(page)).to_contain_text("Play")
    play_button(page).click()
    expect(title).to_contain_text(re.compile(r"Step ([3-9]|\d\d+) of 196"), timeout=60_000)
    expect(play_button(page)).to_contain_text("Pause", timeout=30_000)
    # While playing, a progress bar stands in for the slider (Pause brings the slider back).
    expect(page.locator("[data-testid='stProgress']")).to_contain_text(re.compile(r"Step \d+ of 196"), timeout=30_000)
    screenshot(page, "convolution_lab_playing")
    play_button(page).click()
    expect(play_button(page)).to_contain_text("Play", timeout=30_000)  # a busy machine answers late
    wait_for_idle(page)
    # Paused: the step in the title stops changing (polled until it has held for 1.5 s) ...
    page.wait_for_function(STEADY_JS, arg=".gtitle", timeout=30_000)
    # ... and the slider and the written sum explain that very step.
    step = drawn_step(page)
    assert step >= 3
    row, col = divmod(step - 1, 14)
    expect(page.get_by_role("slider", name="Step to explain")).to_have_attribute("aria-valuetext", str(step),
                                                                                  timeout=30_000)
    expect_latex(page, rf"\text{{output}}[{row},{col}]")
    screenshot(page, "convolution_lab_paused")

    # The step slider sits beside Play, not under it: both can be clicked.
    play_box = play_button(page).bounding_box()
    slider_box = page.locator(".st-key-conv-step [data-testid='stSlider']").bounding_box()
    assert play_box["x"] + play_box["width"] <= slider_box["x"]

    # The slider moves the same step: the picture follows it and the arithmetic is written out.
    thumb = page.get_by_role("slider", name="Step to explain")
    thumb.focus()
    thumb.press("ArrowRight")
    chosen = step + 1
    expect(thumb).to_have_attribute("aria-valuetext", str(chosen), timeout=30_000)
    wait_for_idle(page)
    expect(title).to_contain_text(f"Step {chosen} of 196", timeout=30_000)
    row, col = divmod(chosen - 1, 14)
    expect_latex(page, rf"\text{{output}}[{row},{col}]")
    screenshot(page, "convolution_lab_stepped")


def test_the_signal_tab_plays_too(page, app_url):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    page.get_by_role("tab", name="1D signal").click()
    wait_for_idle(page)
    expect(page.get_by_text("Step 1 of 22")).to_be_visible(timeout=60_000)
    play_button(page, "conv-1d-step").click()
    expect(page.get_by_text(re.compile(r"Step ([3-9]|1\d|2[0-2]) of 22")).first).to_be_visible(timeout=30_000)
    play_button(page, "conv-1d-step").click()
    expect(play_button(page, "conv-1d-step")).to_contain_text("Play", timeout=30_000)
    wait_for_idle(page)


def test_stride_and_padding_change_the_formula(page, app_url):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    page.locator(".st-key-conv-stride").get_by_role("radio", name="2", exact=True).click()
    wait_for_idle(page)
    expect(page.get_by_text(re.compile("Output size.*3 × 3"))).to_be_visible()
    page.locator(".st-key-conv-padding [data-testid='stSelectbox']").click()
    page.get_by_role("option", name="1 zero each side").click()
    wait_for_idle(page)
    expect(page.get_by_text(re.compile("Output size.*4 × 4"))).to_be_visible()
    expect_latex(page, r"\frac{7 + 2\cdot 1 - 3}{2}\right\rfloor + 1 = 4")
    expect(figure_title(page)).to_contain_text("Step 1 of 16")
    screenshot(page, "convolution_lab_stride2_pad1")


@pytest.mark.parametrize(("tab", "name"), [
    ("On a photo", "photo"), ("1D signal", "signal"), ("Pooling", "pooling"), ("Receptive field", "receptive_field"),
    ("Small vs big kernels", "small_vs_big"),
])
def test_every_tab_renders(page, app_url, tab, name):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    page.get_by_role("tab", name=tab).click()
    wait_for_idle(page)
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible(timeout=60_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    expect(page.locator("[data-testid='stPlotlyChart'] .main-svg").first).to_be_visible()
    screenshot(page, f"convolution_lab_{name}")


def test_a_bad_upload_is_an_error_message_not_a_traceback(page, app_url):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    page.get_by_role("tab", name="On a photo").click()
    wait_for_idle(page)
    page.locator(".st-key-conv-photo-source").get_by_text("upload").click()
    wait_for_idle(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "holiday.png", "mimeType": "image/png", "buffer": b"\x89PNG but not really an image"}])
    expect(page.locator("[data-testid='stAlertContentError']")).to_contain_text(
        "Photos must be PNG, JPEG, WebP, BMP or GIF images", timeout=30_000)
    expect(page.locator("[data-testid='stAlertContentError']")).to_contain_text("holiday.png")
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "convolution_lab_bad_upload")

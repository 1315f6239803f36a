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


def test_play_the_animation_and_step_through(page, app_url):
    page.goto(f"{app_url}/convolution_lab")
    wait_for_idle(page)
    title = figure_title(page)
    expect(title).to_contain_text("Step 1 of 25", timeout=60_000)
    expect(page.get_by_text(re.compile("Output size.*5 × 5"))).to_be_visible()
    expect_latex(page, r"\frac{7 + 2\cdot 0 - 3}{1}\right\rfloor + 1 = 5")
    screenshot(page, "convolution_lab_start")

    # Play in the browser: the frames advance without a rerun of the script.
    page.locator(".updatemenu-button").filter(has_text="Play").click()
    expect(title).to_contain_text(re.compile(r"Step ([3-9]|1\d|2[0-5]) of 25"), timeout=15_000)
    page.locator(".updatemenu-button").filter(has_text="Pause").click()
    # Paused: the step in the title stops changing (polled until it has held for 1.5 s).
    page.wait_for_function(STEADY_JS, arg=".gtitle", timeout=15_000)
    screenshot(page, "convolution_lab_paused")

    # The figure's own step slider: a click near the end of the rail jumps to a late step.
    rail = page.locator("[data-testid='stPlotlyChart'] .slider-rail-rect").first
    box = rail.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] / 2)
    expect(title).to_contain_text(re.compile(r"Step 2[45] of 25"))

    # The page's step slider reruns the script and writes that step's arithmetic out.
    thumb = page.get_by_role("slider", name="Step to explain")
    thumb.focus()
    for _ in range(6):
        thumb.press("ArrowRight")
    wait_for_idle(page)
    expect(title).to_contain_text("Step 7 of 25")
    expect_latex(page, r"\text{output}[1,1]")
    screenshot(page, "convolution_lab_step7")


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
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible()
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

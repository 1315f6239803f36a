"""The Fine-tune Lab in Chromium: a run survives clicks elsewhere, Stop ends it, runs overlay; fresh loads
always show the Train button, an idle page never reruns, one click compares three strategies."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS, choose, screenshot, wait_for_idle

pytestmark = pytest.mark.e2e


def slide_to_end(page, label: str, key: str = "Home") -> None:
    """Move a slider to its minimum (Home) or maximum (End) with the keyboard."""
    wait_for_idle(page)
    slider = page.locator("[data-testid='stSlider']").filter(has_text=label).first.get_by_role("slider")
    slider.focus()
    slider.press(key)
    wait_for_idle(page)


def test_run_survives_a_click_elsewhere_and_stops(page, app_url, tmp_path):
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
    choose(page, "Strategy", "Feature extraction")
    expect(page.get_by_role("button", name="Train")).to_be_enabled(timeout=30_000)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Last run: feature-extraction", exact=False)).to_be_visible(timeout=180_000)
    wait_for_idle(page)
    # Both runs are on the comparison chart, the new one included without a click.
    runs = compare_picker(page)
    expect(runs).to_contain_text("1. fine-tune")
    expect(runs).to_contain_text("2. feature-extraction")
    page.get_by_text("Compare runs").scroll_into_view_if_needed()
    screenshot(page, "finetune_lab_compare")

    # The best model downloads (read from the run's folder when clicked) and plain Keras opens it.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the best model (.keras)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    import keras

    model = keras.saving.load_model(saved)
    assert saved.name == "best.keras" and model.input_shape[1:] == (32, 32, 3), model.input_shape

    # Last (a new size re-lays the page out under a click): on a 1024x768 projector every class is
    # named under its column of the confusion matrix (Plotly hid the last name, turned out of the figure).
    page.set_viewport_size({"width": 1024, "height": 768})
    matrix = page.locator(".js-plotly-plot").filter(has=page.locator(".xtitle", has_text="predicted"))
    for name in ("circle", "square", "triangle"):
        expect(matrix.locator(".xtick text", has_text=name)).to_be_visible()


# Counts the script runs (full or fragment) that start after it is installed: the app's
# data-test-script-state turns "running" at the start of each.
COUNT_RUNS_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__runs = 0;
  window.__since = performance.now();
  new MutationObserver(() => { if (app.dataset.testScriptState === "running") window.__runs += 1; })
    .observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""


def test_fresh_loads_always_show_train_and_an_idle_page_does_not_rerun(page, app_url):
    train = page.get_by_role("button", name="Train")
    for _ in range(10):  # a fresh session each time: never stuck grey, the Train button always there
        page.goto(f"{app_url}/finetune_lab")
        expect(train).to_be_enabled(timeout=180_000)
        wait_for_idle(page)
        expect(page.locator("[data-testid='stMetric']").filter(has_text="Trainable").first).to_be_visible()
    page.evaluate(COUNT_RUNS_JS)
    # Watch for four seconds (a condition on the page's own clock): nothing trains, so nothing may rerun.
    page.wait_for_function("() => performance.now() - window.__since > 4000", polling=250, timeout=15_000)
    assert page.evaluate("() => window.__runs") == 0
    expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning")
    expect(train).to_be_enabled()


@pytest.mark.timeout(1800)  # three runs at the page's defaults: about 3 minutes alone, far more on a busy machine
def test_one_click_compares_transfer_scratch_and_two_stage(page, app_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/finetune_lab")
    wait_for_idle(page, timeout_ms=180_000)
    page.get_by_role("button", name="Compare three strategies").click()
    expect(page.locator("[data-testid='stProgress']")).to_contain_text("run 1 of 3", timeout=120_000)
    chosen = compare_picker(page)
    expect(chosen).to_contain_text("3. two-stage", timeout=1_700_000)  # the defaults, three runs
    wait_for_idle(page)
    chart = page.locator(".st-key-finetune-compare_chart").first  # Streamlit's class for the key finetune.compare_chart
    for name in ("1. feature-extraction", "2. scratch", "3. two-stage"):
        expect(chart.locator(".legend")).to_contain_text(name)
    chart.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(screenshot_path("finetune_lab_three_way")))  # the viewport: 1280 x 720
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    # The runs are over: the live panel's timer is gone with it, so the page is idle again.
    page.evaluate(COUNT_RUNS_JS)
    page.wait_for_function("() => performance.now() - window.__since > 4000", polling=250, timeout=15_000)
    assert page.evaluate("() => window.__runs") == 0


def compare_picker(page):
    """The "Compare runs" multiselect (key finetune.compare.<n>), not the X-ray's "Runs side by side"."""
    return page.locator("[class*='st-key-finetune-compare-']")


def screenshot_path(name: str):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"

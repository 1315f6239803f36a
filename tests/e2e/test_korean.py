"""Every page in Korean in a real Chromium: Hangul in the title, a widget label and a chart; back to English.

Screenshots of every page in Korean at 1280x720 (a projector) go to artifacts/screenshots/ko_*.png:
look at them for boxes instead of Hangul and for cut-off text.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, wait_for_idle
from ui.navigation import HOME, PAGES

pytestmark = pytest.mark.e2e

HANGUL = re.compile(r"[\uac00-\ud7a3]")
PROJECTOR = {"width": 1280, "height": 720}
# Pages that draw a chart as they open (the Fine-tune Lab draws its curves once a run starts).
WITH_CHART = {"freeze_lab", "convolution_lab", "activations_lab", "case_studies", "strategy_advisor",
              "detection_basics"}
# Pages with a widget of their own in the main area or the page's sidebar section.
WITHOUT_WIDGET = {"home"}

# The language switch's own label reads "Language · 언어" on every page: it does not count.
HAS_HANGUL_JS = """([selector, pattern]) => {
  const re = new RegExp(pattern);
  return Array.from(document.querySelectorAll(selector))
    .some(e => re.test(e.textContent || "") && !(e.textContent || "").includes("Language"));
}"""


# Tables and charts draw after the script has finished: a screenshot waits for their canvas and SVG.
DRAWN_JS = """() => Array.from(document.querySelectorAll("[data-testid='stDataFrame']")).every(e => e.querySelector("canvas"))
  && Array.from(document.querySelectorAll("[data-testid='stPlotlyChart']")).every(e => e.querySelector(".main-svg"))"""


def _wait_drawn(page) -> None:
    wait_for_idle(page)
    page.wait_for_function(DRAWN_JS, timeout=60_000, polling=100)


def _slug(path: str) -> str:
    return Path(path).stem


def _url(app_url: str, path: str, query: str) -> str:
    slug = _slug(path)
    return f"{app_url}/{'' if path == HOME.path else slug}?{query}"


def _expect_hangul(page, selector: str, what: str, timeout_ms: int = 60_000) -> None:
    """Wait until an element matching the selector shows Hangul (charts draw after the script ends)."""
    try:
        page.wait_for_function(HAS_HANGUL_JS, arg=[selector, HANGUL.pattern], timeout=timeout_ms, polling=200)
    except Exception as exc:  # a clearer failure than a timeout
        texts = page.locator(selector).all_text_contents()[:10]
        raise AssertionError(f"no Hangul in {what} ({selector}): {texts}") from exc


@pytest.mark.parametrize("info", (HOME, *PAGES), ids=lambda p: _slug(p.path))
def test_every_page_reads_in_korean(browser, app_url, info):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        page.goto(_url(app_url, info.path, "lang=ko"))
        wait_for_idle(page)
        slug = _slug(info.path)
        main = page.locator("[data-testid='stMain']")
        expect(main.locator("h1").first).to_have_text(HANGUL)
        expect(page).to_have_title(HANGUL)
        if slug not in WITHOUT_WIDGET:
            _expect_hangul(page, "[data-testid='stMain'] [data-testid='stWidgetLabel'], "
                                 "[data-testid='stSidebarUserContent'] [data-testid='stWidgetLabel']", "a widget label")
        if slug in WITH_CHART:
            _expect_hangul(page, ".js-plotly-plot svg text", "a chart's titles, axes or legend")
        # The menu and the page links are Korean too.
        expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text(HANGUL)
        _wait_drawn(page)
        screenshot(page, f"ko_{slug}")
        # The page scrolls inside the app, so a full-page screenshot is the first screen: one more per chart.
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(min(charts.count(), 4)):
            charts.nth(i).scroll_into_view_if_needed()
            _wait_drawn(page)
            screenshot(page, f"ko_{slug}_chart{i + 1}")
    finally:
        context.close()


def test_the_browser_language_decides_when_the_link_does_not(browser, app_url):
    context = browser.new_context(viewport=PROJECTOR, locale="ko-KR")
    page = context.new_page()
    try:
        page.goto(app_url)
        wait_for_idle(page)
        expect(page.locator("[data-testid='stMain'] h1").first).to_have_text("CNN과 전이 학습 탐색기")
        expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("동결 실습")
        expect(page).to_have_url(re.compile(r"lang=ko"))
    finally:
        context.close()


def test_switching_back_to_english_keeps_the_page_state(page, app_url):
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{app_url}/detection_basics?lang=ko")
    wait_for_idle(page)
    sliders = page.locator("[data-testid='stSlider']")
    first = sliders.first
    before = first.locator("[data-testid='stSliderThumbValue']").first.text_content()
    first.locator("input[type='range']").first.focus()
    page.keyboard.press("ArrowRight")  # one change (quick successive edits have their own test in test_detection)
    thumb = first.locator("[data-testid='stSliderThumbValue']").first
    expect(thumb).not_to_have_text(before)
    moved = thumb.text_content()
    expect(page).to_have_url(re.compile(rf"a_x={moved}-"))  # the server has it: the page wrote its link
    wait_for_idle(page)
    metrics = page.locator("[data-testid='stMain'] [data-testid='stMetricValue']")
    numbers_ko = metrics.all_text_contents()
    korean_title = page.locator("[data-testid='stMain'] h1").first.text_content()
    assert HANGUL.search(korean_title)

    page.locator("[data-testid='stSidebar'] [data-testid='stRadio']").get_by_text("English").click()
    wait_for_idle(page)
    expect(page.locator("[data-testid='stMain'] h1").first).not_to_have_text(HANGUL)
    expect(page).to_have_url(re.compile(r"lang=en"))
    expect(first.locator("[data-testid='stSliderThumbValue']").first).to_have_text(moved)
    expect(metrics).to_have_text(numbers_ko)  # the same numbers: the page kept its state
    screenshot(page, "ko_switched_to_english")


LINES_JS = ("e => { const r = document.createRange(); r.selectNodeContents(e); "
            "return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }")
"""How many lines an element's text is set on."""


def test_korean_lines_break_between_words_not_inside_them(browser, app_url):
    """Korean is set with breaks between words: at 1024x768 the row names of the detectors' table
    (방법, 강점, 약점) each stay on one line instead of one syllable a line."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/detection_basics?lang=ko")
        wait_for_idle(page)
        for word in ("방법", "강점", "약점"):
            cell = page.locator("[data-testid='stMarkdownContainer'] td", has_text=re.compile(f"^{word}$"))
            cell.scroll_into_view_if_needed()
            # The page at rest, not while it is still being laid out: the app's style sheet (an st.html
            # element) can reach the page after the table on a busy machine. Without the rule it stays 2.
            with contextlib.suppress(PlaywrightTimeoutError):
                page.wait_for_function(f"e => ({LINES_JS})(e) === 1", arg=cell.element_handle(), timeout=15_000)
            lines = cell.evaluate(LINES_JS)
            assert lines == 1, f"{word} is set on {lines} lines"
    finally:
        context.close()

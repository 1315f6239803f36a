"""Links, Back, notices, the lesson player, Share's QR code and the presenter view, in a real Chromium."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from explorer.lessons import load_lessons
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_for_idle

pytestmark = pytest.mark.e2e

LECTURE = "/freeze_lab?backbone=vgg16&size=224&head=flatten&hidden=1024&outputs=1&plan=none"
PAGES = ("", "freeze_lab", "convolution_lab", "activations_lab", "case_studies", "strategy_advisor",
         "detection_basics", "finetune_lab", "lessons", "glossary")
SCREENS = {"1280x720": {"width": 1280, "height": 720}, "1024x768": {"width": 1024, "height": 768}}


def metric(page, label: str):
    box = page.locator("[data-testid='stMetric']").filter(has_text=re.compile(f"^{label}"))
    return box.first.locator("[data-testid='stMetricValue']")


def query(page) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(page.url).query).items()}


def no_exception(page) -> None:
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_the_lecture_link_opens_exactly_then_follows_the_widgets_and_back(browser, app_url):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})  # a fresh context: no session
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url + LECTURE)
    wait_for_idle(page)
    expect(metric(page, "Total")).to_have_text("40,406,849", timeout=120_000)
    expect(metric(page, "Trainable")).to_have_text("25,692,161")
    no_exception(page)

    page.locator("[data-testid='stRadio']").get_by_text("Global average pooling").click()
    expect(metric(page, "Total")).to_have_text("15,241,025")
    expect(page).to_have_url(re.compile(r"head=gap"))
    wait_for_idle(page)
    assert query(page)["head"] == "gap" and query(page)["backbone"] == "vgg16"

    page.go_back()
    expect(page).to_have_url(re.compile(r"head=flatten"))
    expect(metric(page, "Total")).to_have_text("40,406,849")
    wait_for_idle(page)
    assert page.locator("[data-testid='stRadio'] label").filter(has_text="Flatten").locator(
        "input").first.is_checked()

    page.go_forward()
    expect(page).to_have_url(re.compile(r"head=gap"))
    expect(metric(page, "Total")).to_have_text("15,241,025")
    no_exception(page)
    context.close()


def test_a_garbage_link_shows_one_notice_and_no_exception(page, app_url):
    page.goto(f"{app_url}/freeze_lab?backbone=alexnet9&size=banana&plan=last:many&zzz=%3Cscript%3E&hidden=1024")
    wait_for_idle(page)
    notice = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="Ignored in the link")
    expect(notice).to_have_count(1, timeout=120_000)
    for name in ("backbone", "size", "n", "zzz"):
        expect(notice).to_contain_text(name)
    expect(metric(page, "Total")).to_have_text("40,406,849", timeout=120_000)
    no_exception(page)
    screenshot(page, "links_garbage_notice")
    assert "zzz" not in query(page) and query(page)["backbone"] == "vgg16"


def test_step_through_a_whole_lesson_with_next(page, app_url):
    lesson = next(lesson for lesson in load_lessons()[0] if lesson.id == "freezing_vgg16")
    page.goto(f"{app_url}/lessons")
    wait_for_idle(page)
    start = page.locator("[class*='st-key-lessons'][class*='freezing_vgg16'] button")
    expect(start).to_have_count(1)
    wait_for_idle(page)
    start.click()
    for number, step in enumerate(lesson.steps, start=1):
        banner = page.locator(".st-key-lesson_banner")
        expect(banner).to_contain_text(f"step {number} of {len(lesson.steps)}", timeout=120_000)
        expect(page).to_have_url(re.compile(f"/{step.page}\\?.*step={number}"))
        wait_for_idle(page)
        no_exception(page)
        if number == 2:
            banner.locator("input[type=number]").fill("25000000")
            banner.locator("input[type=number]").press("Enter")
            wait_for_idle(page)
            banner.get_by_role("button", name=re.compile("Reveal")).click()
            expect(banner).to_contain_text("25,692,161")
            expect(banner).to_contain_text("within 3% (too low)")
            page.set_viewport_size({"width": 1280, "height": 720})
            wait_for_idle(page)
            page.screenshot(path=str(SCREENSHOTS / "lesson_step_1280x720.png"))
            page.set_viewport_size({"width": 1600, "height": 1000})
        if number < len(lesson.steps):
            banner.get_by_role("button", name=re.compile("Next")).click()
    expect(page.locator(".st-key-lesson_banner").get_by_role("button", name=re.compile("Next"))).to_be_disabled()


def test_share_shows_the_link_and_a_qr_code_that_decodes_to_it(page, app_url):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    page.goto(f"{app_url}/detection_basics?a_x=5-40&present=1")
    wait_for_idle(page)
    page.get_by_role("button", name=re.compile("Share")).click()
    dialog = page.get_by_role("dialog")
    image = dialog.locator("img[data-testid='share-qr']")
    expect(image).to_be_visible()
    wait_for_idle(page)
    link = page.url
    expect(dialog).to_contain_text(link)
    box = image.bounding_box()
    assert box["width"] >= 400  # readable from the back of a hall once projected
    path = SCREENSHOTS / "share_qr.png"
    image.screenshot(path=str(path))
    screenshot(page, "share_dialog")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(path))]
    assert decoded == [link]


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_presenter_view_fits_a_projector(browser, app_url, screen):
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(120_000)
    for slug in PAGES:
        page.goto(f"{app_url}/{slug}?present=1")
        wait_for_idle(page, 300_000)
        expect(page.locator("h1").first).to_be_visible(timeout=300_000)  # the page's own run has drawn
        wait_for_idle(page, 300_000)
        charts = page.locator("[data-testid='stPlotlyChart']")
        for i in range(charts.count()):  # drawn, not just placed: the screenshot shows the key figure
            expect(charts.nth(i).locator(".main-svg").first).to_be_attached(timeout=60_000)
        no_exception(page)
        expect(page.locator("[data-testid='stSidebar']")).to_have_attribute("data-collapsed", "true")
        # Nothing cut: no metric, table or formula is wider than the box that shows it (KaTeX's
        # tall brackets stick out a pixel or two of a formula's box: not a cut).
        cut = page.evaluate("""() => [...document.querySelectorAll(
              "[data-testid='stMetricValue'] > div, [data-testid='stMarkdownContainer'] table, .katex-display")]
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 4)
            .map(e => e.textContent.slice(0, 40))""")
        assert cut == [], (slug, cut)
        page.screenshot(path=str(SCREENSHOTS / f"present_{slug or 'home'}_{screen}.png"))
    context.close()

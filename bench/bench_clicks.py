"""Clicks against the floor: each interaction the issue names, timed in one headless Chromium, as a
ratio to the same click on a one-widget page (bench/floor_app.py) served by the same Streamlit.

A click is timed from the moment the mouse or key goes down until the text it changes (a metric, a
chart's title) shows its new value and the browser has painted twice since. Before each click the
page is idle (script finished, nothing stale). Run: .venv/bin/python -m bench.bench_clicks [--repeat N]

Where the time goes, per interaction (medians): from the mouse or key going down to the page's first
message to the server ("to send": a widget's own delay, such as the 150 ms by which Streamlit's tables
debounce an edit or a selection), from that message to the server's last answer ("server"), and the
rest (the browser drawing, and this bench's own polling).

Prints figures and ratios measured in this one run; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import CHROMIUM_FLAGS, ROOT, serve_app
from tests.e2e.conftest import IDLE_JS  # the suite's own test of a page at rest

# The text of the first element matching a selector (and containing a text, where given).
TEXT_JS = """([css, has]) => {
  const e = Array.from(document.querySelectorAll(css)).find(e => !has || e.textContent.includes(has));
  return e ? e.textContent : null;
}"""
CHANGED_JS = f"""([css, has, before]) => {{
  const now = ({TEXT_JS})([css, has]);
  return now !== null && now !== before;
}}"""
TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
SHOTS = ROOT / "artifacts" / "bench"
# Logs (wall-clock ms) the input events and the websocket's messages each way, for the split above.
WIRE_JS = """
window.__wire = [];
for (const kind of ["pointerdown", "keydown"]) {
  addEventListener(kind, () => window.__wire.push(["input", Date.now()]), true);
}
const Socket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Socket(...args);
  const send = socket.send.bind(socket);
  socket.send = (data) => { window.__wire.push(["send", Date.now()]); return send(data); };
  socket.addEventListener("message", () => window.__wire.push(["receive", Date.now()]));
  return socket;
};
window.WebSocket.prototype = Socket.prototype;
Object.assign(window.WebSocket, Socket);
"""
FLOOR = "floor (one number input, one metric)"
SPLITS: dict[str, list[tuple[float, float]]] = {}
"""Per interaction: (input to first message sent, first message sent to last message received), in s."""


def idle(page) -> None:
    page.wait_for_function(IDLE_JS, timeout=300_000, polling=50)


def timed(page, action: Callable[[], None], css: str, has: str = "", split: str = "") -> float:
    """Seconds from `action` (one click or key) until the text of the watched element changed and
    two frames were painted after it; with `split`, where the time went is kept in SPLITS[split]."""
    idle(page)
    page.wait_for_function(f"a => ({TEXT_JS})(a) !== null", arg=[css, has], timeout=300_000)
    before = page.evaluate(TEXT_JS, [css, has])
    page.evaluate("() => { window.__wire = []; }")
    start = time.perf_counter()
    action()
    page.wait_for_function(CHANGED_JS, arg=[css, has, before], timeout=120_000, polling="raf")
    page.evaluate(TWO_FRAMES_JS)
    took = time.perf_counter() - start
    wire = page.evaluate("() => window.__wire || []")
    inputs, sent, received = ([t for kind, t in wire if kind == want] for want in ("input", "send", "receive"))
    if split and inputs and sent and received:
        SPLITS.setdefault(split, []).append(((sent[0] - inputs[-1]) / 1e3, (received[-1] - sent[0]) / 1e3))
    return took


def click_at(page, locator) -> Callable[[], None]:
    """A mouse click on the middle of the element, found now: timing it leaves out Playwright's own
    checks before a click (visible, stable for two frames, not covered)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return lambda: page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def metric(label: str) -> tuple[str, str]:
    return "[data-testid='stMetric']", label


def open_box(page, label: str, option: str):
    """Open the selectbox with this label and type the option; return the key press that picks it."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.locator("input")
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.wait_for(state="visible")
    return lambda: page.keyboard.press("Enter")


def floor(page, url: str, repeat: int) -> list[float]:
    page.goto(url)
    idle(page)
    step = page.locator("[data-testid='stNumberInputStepUp']").first
    return [timed(page, click_at(page, step), *metric("Twice"), split=FLOOR) for _ in range(repeat)]


def freeze_lab(page, url: str, repeat: int, results: dict[str, list[float]]) -> None:
    page.goto(f"{url}/freeze_lab")
    idle(page)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=300_000)
    for name in ("head switch", "plan change", "layer toggle in the table", "backbone switch (warm)"):
        results[f"Freeze Lab: {name}"] = []
    radio = page.locator("[data-testid='stRadio']").filter(has_text="Global average pooling")
    for i in range(repeat):
        head = "Global average pooling" if i % 2 == 0 else "Flatten"
        idle(page)
        results["Freeze Lab: head switch"].append(
            timed(page, click_at(page, radio.get_by_text(head, exact=True)), *metric("Total"),
                  split="Freeze Lab: head switch"))
    for i in range(repeat):  # the page starts on "Freeze all"
        idle(page)
        pick = open_box(page, "Trainable plan", "Train all" if i % 2 == 0 else "Freeze all")
        results["Freeze Lab: plan change"].append(timed(page, pick, *metric("Trainable"),
                                                        split="Freeze Lab: plan change"))
    if repeat % 2:
        timed(page, open_box(page, "Trainable plan", "Freeze all"), *metric("Trainable"))
    grid = page.locator("[data-testid='stDataFrame']").first
    for i in range(repeat):  # block1_conv1 and block1_conv2, each ticked then unticked
        idle(page)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()  # the layout shifts once a delta appears
        # The grid is a canvas: rows are 39 px, and the checkbox sits in the middle of the last
        # column, which takes 18.6 % of the grid's width at any window size.
        x, y = box["x"] + box["width"] * (1 - 0.093), box["y"] + 39 * (1 + i % 2 + 1.5)
        results["Freeze Lab: layer toggle in the table"].append(
            timed(page, lambda: page.mouse.click(x, y), *metric("Trainable"),
                  split="Freeze Lab: layer toggle in the table"))
    page.evaluate("() => window.scrollTo(0, 0)")
    for name in ("ResNet50", "VGG16"):  # each built once: the timed switches below are warm
        idle(page)
        timed(page, open_box(page, "Backbone", name), *metric("Total"))
    for i in range(repeat):
        idle(page)
        pick = open_box(page, "Backbone", "ResNet50" if i % 2 == 0 else "VGG16")
        results["Freeze Lab: backbone switch (warm)"].append(timed(page, pick, *metric("Total"),
                                                                  split="Freeze Lab: backbone switch (warm)"))


def activations_lab(page, url: str, repeat: int, results: dict[str, list[float]]) -> None:
    page.goto(f"{url}/activations_lab")
    idle(page)
    title = ".st-key-act-grid_chart"  # its channel labels and colour bar change with the layer
    page.wait_for_selector(title, timeout=300_000)
    layers = page.locator("[data-testid='stSelectbox']").filter(has_text="Layer").first
    times = results["Activations Lab: layer switch"] = []
    for i in range(repeat):
        idle(page)
        layers.locator("input").click()
        options = page.get_by_role("option")
        options.first.wait_for(state="visible")
        choice = options.nth((i % max(1, options.count() - 1)) + 1 if i % 2 == 0 else 0)
        times.append(timed(page, click_at(page, choice), title, split="Activations Lab: layer switch"))


def convolution_lab(page, url: str, repeat: int, results: dict[str, list[float]]) -> None:
    page.goto(f"{url}/convolution_lab")
    idle(page)
    thumb = page.get_by_role("slider", name="Step to explain")
    thumb.wait_for(timeout=300_000)
    title = "[data-testid='stPlotlyChart'] .gtitle"
    times = results["Convolution Lab: step"] = []
    for i in range(repeat):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        idle(page)
        thumb.focus()
        times.append(timed(page, lambda: page.keyboard.press(key), title, split="Convolution Lab: step"))


def detection(page, url: str, repeat: int, results: dict[str, list[float]]) -> None:
    page.goto(f"{url}/detection_basics")
    idle(page)
    thumb = page.locator(".st-key-detect-b_x").get_by_role("slider").first
    thumb.wait_for(timeout=300_000)
    times = results["Detection: box move"] = []
    for i in range(repeat):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        idle(page)
        thumb.focus()
        times.append(timed(page, lambda: page.keyboard.press(key), *metric("IoU"), split="Detection: box move"))


LABS = {lab.__name__: lab for lab in (freeze_lab, activations_lab, convolution_lab, detection)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=8, help="clicks per interaction (default 8)")
    parser.add_argument("--labs", nargs="*", choices=list(LABS), default=list(LABS), help="which pages (default all)")
    parser.add_argument("--viewport", default="1280x720", help="window size (default 1280x720, a projector)")
    args = parser.parse_args()
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        print("skipped: no chromium (apt-get install chromium)")
        return
    width, height = map(int, args.viewport.split("x"))
    with (serve_app(script=str(Path("bench") / "floor_app.py")) as (_, floor_url), serve_app() as (_, url),
          sync_playwright() as p):
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.add_init_script(WIRE_JS)
        page.set_default_timeout(120_000)
        base = floor(page, floor_url, args.repeat)
        results: dict[str, list[float]] = {}
        for lab in (LABS[name] for name in args.labs):
            try:
                lab(page, url, args.repeat, results)
            except Exception as exc:  # one lab's failure still prints the others, with a screenshot
                SHOTS.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(SHOTS / f"FAILED-{lab.__name__}.png"))
                print(f"{lab.__name__}: failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})")
        browser.close()
    floor_ms = statistics.median(base) * 1e3
    print(f"Chromium {width}x{height}, {args.repeat} clicks each; milliseconds from the click to the new value painted")
    print(f"{'interaction':40}{'median':>8}{'min':>7}{'max':>7}{'x floor':>9}{'to send':>9}{'server':>8}{'rest':>6}")
    for name, times in {FLOOR: base, **results}.items():
        if not times:
            continue
        med = statistics.median(times) * 1e3
        split = SPLITS.get(name)
        where = ""
        if split:
            to_send, server = (statistics.median(part) * 1e3 for part in zip(*split))
            where = f"{to_send:>9.0f}{server:>8.0f}{med - to_send - server:>6.0f}"
        print(f"{name:40}{med:>8.0f}{min(times) * 1e3:>7.0f}{max(times) * 1e3:>7.0f}{med / floor_ms:>9.2f}{where}")


if __name__ == "__main__":
    main()

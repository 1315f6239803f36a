"""First paint and time to numbers on a fresh server, with and without the warm-up (ui.cache.warm_up).

A class's first visitor opens the home page; ten seconds later she opens each page in turn. For each
page: the time from the request to its title (first paint) and to its key number or figure (time to
numbers). The server starts its default local workers (TensorFlow loads there, never in the web
process). Once on a fresh server with EXPLORER_WARM_UP=0 (TensorFlow and the default backbone load
when a page first needs them) and once with the warm-up on (they load in the background from the
first visit). Each of these two servers starts on a machine that never ran the app (an empty
EXPLORER_CACHE_DIR); a third one, warm-up on, restarts on the second one's cache (the networks the Case
Studies page counts are kept on disk). Ratios are against the first server, measured in this same
run. First, the floor: how long a one-widget Streamlit page takes to paint here. Prints figures;
asserts nothing. Run: .venv/bin/python -m bench.bench_first_paint
"""

from __future__ import annotations

import shutil
import tempfile
import time

from bench.harness import CHROMIUM_FLAGS, app_in_chromium, serve_app

# page -> a selector that appears when its key number or figure is drawn
PAGES = {
    "freeze_lab": "[data-testid='stMetricValue']",
    "activations_lab": ".js-plotly-plot",
    "finetune_lab": "[data-testid='stMetricValue']",
    "convolution_lab": ".js-plotly-plot",
    "case_studies": ".js-plotly-plot",
}
HOME_TITLE = "h1"
FLOOR_READY = "[data-testid='stMetricValue']"
GAP_S = 10.0


def visit(page, url: str, path: str, ready: str, title: str = HOME_TITLE) -> tuple[float, float]:
    start = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.wait_for_selector(title, timeout=180_000)
    title = time.perf_counter() - start
    page.wait_for_selector(ready, timeout=180_000)
    return title, time.perf_counter() - start


def fresh_server(warm: bool, cache: str) -> dict[str, tuple[float, float]]:
    times: dict[str, tuple[float, float]] = {}
    env = {"EXPLORER_WARM_UP": "1" if warm else "0", "EXPLORER_CACHE_DIR": cache}  # the default local workers
    with app_in_chromium(env=env) as opened:
        if opened is None:
            return times
        _browser, page, url = opened
        page.set_viewport_size({"width": 1280, "height": 720})
        times["home"] = visit(page, url, "", HOME_TITLE)
        time.sleep(GAP_S)  # the visitor reads the home page
        for path, ready in PAGES.items():
            times[path] = visit(page, url, path, ready)
    return times


def floor() -> tuple[float, float] | None:
    """The floor's first paint (bench/floor_app.py, one number input and one metric, the same
    Streamlit): in a browser that never loaded Streamlit (as the home page's visit), then again in
    the same tab (as every later page, Streamlit's scripts cached). Medians of three each."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from playwright.sync_api import sync_playwright

    cold, cached = [], []
    with serve_app(script="bench/floor_app.py") as (_, url), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for _round in range(3):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            page = context.new_page()
            cold.append(visit(page, url, "", FLOOR_READY, FLOOR_READY)[0])
            cached.append(visit(page, url, "", FLOOR_READY, FLOOR_READY)[0])
            context.close()
        browser.close()
    return sorted(cold)[1], sorted(cached)[1]


def main() -> None:
    base = floor()
    if base is not None:
        print(f"floor (a one-widget Streamlit page): first paint {base[0]:.2f} s in a browser that never loaded "
              f"Streamlit, {base[1]:.2f} s once its scripts are cached (medians of 3)\n")
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        runs = {"off": fresh_server(False, first), "on": fresh_server(True, second),
                "on, restart": fresh_server(True, second)}
    if not runs["off"]:
        return
    print(f"fresh server, home page first, then each page {GAP_S:.0f} s later (1280x720, Chromium); seconds to the "
          "title / to the numbers, and the numbers' ratio to 'off'")
    print(f"{'page':16}" + "".join(f"{kind + ' (title, numbers, x)':>34}" for kind in runs))
    for name, (_t0, n0) in runs["off"].items():
        print(f"{name:16}" + "".join(f"{t:>16.2f}{n:>9.2f}{n / n0:>9.2f}" for t, n in (r[name] for r in runs.values())))


if __name__ == "__main__":
    main()

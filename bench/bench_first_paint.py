"""First paint and time to numbers on a fresh server, with and without the warm-up (ui.cache.warm_up).

A class's first visitor opens the home page; ten seconds later she opens each page in turn. For each
page: the time from the request to its title (first paint) and to its key number or figure (time to
numbers). Once on a fresh server with EXPLORER_WARM_UP=0 (TensorFlow and the default backbone load
when a page first needs them) and once with the warm-up on (they load in the background from the
first visit). Ratios are warm-up on / off, measured in this same run. Prints figures; asserts nothing.
Run: .venv/bin/python -m bench.bench_first_paint
"""

from __future__ import annotations

import time

from bench.harness import app_in_chromium

# page -> a selector that appears when its key number or figure is drawn
PAGES = {
    "freeze_lab": "[data-testid='stMetricValue']",
    "activations_lab": ".js-plotly-plot",
    "finetune_lab": "[data-testid='stMetricValue']",
    "convolution_lab": ".js-plotly-plot",
    "case_studies": ".js-plotly-plot",
}
HOME_TITLE = "h1"
GAP_S = 10.0


def visit(page, url: str, path: str, ready: str) -> tuple[float, float]:
    start = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.wait_for_selector("h1", timeout=180_000)
    title = time.perf_counter() - start
    page.wait_for_selector(ready, timeout=180_000)
    return title, time.perf_counter() - start


def fresh_server(warm: bool) -> dict[str, tuple[float, float]]:
    times: dict[str, tuple[float, float]] = {}
    with app_in_chromium(env={"EXPLORER_WARM_UP": "1" if warm else "0", "EXPLORER_WORKERS": "off"}) as opened:
        if opened is None:
            return times
        _browser, page, url = opened
        page.set_viewport_size({"width": 1280, "height": 720})
        times["home"] = visit(page, url, "", HOME_TITLE)
        time.sleep(GAP_S)  # the visitor reads the home page
        for path, ready in PAGES.items():
            times[path] = visit(page, url, path, ready)
    return times


def main() -> None:
    off, on = fresh_server(False), fresh_server(True)
    if not off:
        return
    print(f"fresh server, home page first, then each page {GAP_S:.0f} s later (1280x720, Chromium); seconds")
    print(f"{'page':16} {'title off':>9} {'numbers off':>11} {'title on':>9} {'numbers on':>10} {'numbers on/off':>14}")
    for name in off:
        (t0, n0), (t1, n1) = off[name], on[name]
        print(f"{name:16} {t0:9.2f} {n0:11.2f} {t1:9.2f} {n1:10.2f} {n1 / n0:14.2f}")


if __name__ == "__main__":
    main()

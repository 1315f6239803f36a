"""Freeze Lab speed: recount after a toggle vs rebuilding the model and asking Keras, and the
warm page rerun after a toggle. Prints figures and ratios measured in this one run.

Run: .venv/bin/python -m bench.bench_freeze
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]

from bench.harness import IDLE, app_in_chromium
from explorer.models.backbones import build_backbone
from explorer.models.heads import HeadConfig, build_model
from explorer.models.params import (
    TrainablePlan,
    apply_flags,
    build_param_table,
    count_parameters,
    plan_flags,
)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def keras_rebuild_and_count(backbone: str, flags: tuple[bool, ...], head: HeadConfig) -> int:
    base = build_backbone(backbone, weights="random")
    apply_flags(base, flags)
    model = build_model(base, head)
    return sum(int(w.numpy().size) for w in model.trainable_weights)


def bench_recount(backbone: str) -> None:
    head = HeadConfig("flatten" if backbone == "vgg16" else "gap", 1024, 0.0, 1)
    table = build_param_table(backbone)
    flags = list(plan_flags(table, TrainablePlan("none")))
    flags[-2] = True  # one toggle
    flags = tuple(flags)
    recount = median_time(lambda: count_parameters(table, flags, head), 2000)
    rebuild = median_time(lambda: keras_rebuild_and_count(backbone, flags, head), 3)
    assert count_parameters(table, flags, head).trainable == keras_rebuild_and_count(backbone, flags, head)
    print(
        f"{backbone:<10} recount {recount * 1e6:8.1f} us   rebuild+count {rebuild * 1e3:8.1f} ms   "
        f"recount is {rebuild / recount:,.0f}x faster"
    )


def bench_page_rerun() -> None:
    """AppTest reruns: the script's own work plus AppTest's polling (an upper bound)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / "freeze_lab.py"), default_timeout=300)
    at.run()
    key = "freeze.layers.vgg16.224.none"
    reruns = []
    for i in range(1, 8):
        at.session_state[key] = {"edited_rows": {i: {"trainable": True}}, "added_rows": [], "deleted_rows": []}
        start = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - start)
    assert not at.exception, at.exception
    print(
        f"page rerun after a toggle (AppTest, VGG16): median {statistics.median(reruns) * 1e3:.0f} ms "
        f"(min {min(reruns) * 1e3:.0f}, max {max(reruns) * 1e3:.0f}); includes AppTest's polling"
    )


def bench_browser_toggle() -> None:
    """Click a trainable checkbox in Chromium and time until the new count is on screen."""
    from playwright.sync_api import expect

    with app_in_chromium() as session:
        if session is None:
            return
        _, page, url = session
        start = time.perf_counter()
        page.goto(f"{url}/freeze_lab")
        value = page.locator("[data-testid='stMetric']").filter(has_text="Trainable").first.locator(
            "[data-testid='stMetricValue']")
        expect(value).to_have_text("25,692,161", timeout=120_000)
        first = time.perf_counter() - start
        grid = page.locator("[data-testid='stDataFrame']").first
        expected, times = 25_692_161, []
        for row, params in enumerate([1_792, 36_928, 0, 73_856, 147_584], start=1):
            expected += params
            page.wait_for_selector(IDLE)
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()  # the layout shifts once a delta appears
            start = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] - 97, box["y"] + 39 * (row + 1.5))
            if params:
                expect(value).to_have_text(f"{expected:,}", timeout=30_000)
                times.append(time.perf_counter() - start)
    print(
        f"browser (Chromium, VGG16): first paint of the counts {first:.2f} s on a fresh server "
        f"(TensorFlow import + one build); click-to-new-count after a toggle median "
        f"{statistics.median(times) * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f})"
    )


if __name__ == "__main__":
    for name in ("vgg16", "resnet50"):
        bench_recount(name)
    bench_page_rerun()
    bench_browser_toggle()

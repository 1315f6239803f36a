"""Activations Lab speed and memory: from choosing a layer to the grid being ready, first and warm,
with the forward pass and the rendering (figure building + JSON) timed apart; the page's own rerun
after a layer switch (AppTest); and the memory held with three backbones cached.

Run: .venv/bin/python -m bench.bench_activations
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]

import plotly.io

from bench.harness import IDLE, app_in_chromium

from explorer.figures.activations import channel_overlay_figure, feature_grid_figure
from explorer.activations import build_extractor
from explorer.io.images import load_sample, square_crop

SIZE = 224
PHOTO_SIDE = 448
GRID_CHANNELS = 16


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def render(acts, layer, photo) -> tuple[float, float, int]:
    """(figure building s, to_json s, JSON bytes) of the grid and the enlarged channel, as the page draws them."""
    output, ranking = acts.output(layer.name), acts.ranking(layer.name)
    start = time.perf_counter()
    grid = feature_grid_figure(output, ranking, GRID_CHANNELS, True, layer)
    overlay = channel_overlay_figure(photo, output[:, :, int(ranking[0])], 0.6, "ch")
    built = time.perf_counter()
    payload = plotly.io.to_json(grid, validate=False) + plotly.io.to_json(overlay, validate=False)
    return built - start, time.perf_counter() - built, len(payload)


def bench_backbone(backbone: str) -> None:
    cat, coffee = load_sample("cat"), load_sample("coffee")
    photo = square_crop(cat.pixels, PHOTO_SIDE)
    extractor, build_s = timed(lambda: build_extractor(backbone, SIZE))
    pixels = square_crop(cat.pixels, SIZE)
    acts, first_forward = timed(lambda: extractor.run(pixels))  # includes tracing the tf.function
    first_layer = extractor.layers[0]
    first_build, first_json, _ = render(acts, first_layer, photo)
    forwards = [timed(lambda p=p: extractor.run(p))[1]
                for p in (square_crop(coffee.pixels, SIZE), pixels, square_crop(coffee.pixels, SIZE))]
    # Warm layer switches: the activations are cached per (backbone, photo); only rendering runs.
    builds, jsons, sizes = [], [], []
    for layer in extractor.layers[:: max(1, len(extractor.layers) // 25)]:
        b, j, n = render(acts, layer, photo)
        builds.append(b)
        jsons.append(j)
        sizes.append(n)
    warm = [b + j for b, j in zip(builds, jsons)]
    print(
        f"{backbone} at {SIZE}x{SIZE} ({'pretrained' if extractor.pretrained else 'random weights'}, "
        f"{len(extractor.layers)} layers shown, {acts.nbytes / 2**20:.0f} MiB of feature maps per photo)\n"
        f"  build the extractor (once per server)          {build_s:6.2f} s\n"
        f"  first layer choice on a new server: forward    {first_forward:6.2f} s (incl. tracing)"
        f" + figures {first_build * 1e3:.0f} ms + JSON {first_json * 1e3:.0f} ms"
        f" = {first_forward + first_build + first_json:.2f} s\n"
        f"  a new photo, warm model: forward pass          {statistics.median(forwards) * 1e3:6.0f} ms (median of 3)\n"
        f"  warm layer switch, {len(warm)} layers: figures median {statistics.median(builds) * 1e3:.0f} ms"
        f" + JSON {statistics.median(jsons) * 1e3:.0f} ms = {statistics.median(warm) * 1e3:.0f} ms"
        f" (max {max(warm) * 1e3:.0f} ms); {statistics.median(sizes) / 1e3:.0f} kB sent (median)"
    )


def bench_page_layer_switch() -> None:
    """AppTest reruns after a layer change: the whole script (cache hits) plus AppTest's own overhead."""
    from streamlit.testing.v1 import AppTest

    from ui import activations as keys

    # AppTest's own cost per rerun, measured on a one-line page, is subtracted to estimate the script's.
    trivial = AppTest.from_string("import streamlit as st\nst.write('x')")
    trivial.run()
    baseline = statistics.median(timed(trivial.run)[1] for _ in range(8))
    at = AppTest.from_file(str(ROOT / "app_pages" / "activations_lab.py"), default_timeout=300)
    _, cold = timed(at.run)
    stage = at.selectbox(key=keys.STAGE)
    times = []
    for index in [2, 3, 4, 5, 1, 3, 5, 2]:
        stage.set_value(index)
        _, elapsed = timed(at.run)
        times.append(elapsed)
        stage = at.selectbox(key=keys.STAGE)
    assert not at.exception, at.exception
    print(
        f"page (AppTest, efficientnet_lite0): first run {cold:.1f} s on a fresh process; rerun after a layer "
        f"switch median {statistics.median(times) * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, max "
        f"{max(times) * 1e3:.0f}); AppTest alone costs {baseline * 1e3:.0f} ms a rerun, so the script itself "
        f"takes about {(statistics.median(times) - baseline) * 1e3:.0f} ms"
    )


def bench_browser_layer_switch() -> None:
    """Chromium at 1600x1000: choose another stage (its layer) and time until the page shows that layer."""
    from playwright.sync_api import expect

    stages = {1: "stem_activation", 2: "block3a_expand_activation", 3: "block4a_expand_activation",
              4: "block6a_expand_activation", 5: "top_activation"}
    with app_in_chromium() as session:
        if session is None:
            return
        _, page, url = session
        start = time.perf_counter()
        page.goto(f"{url}/activations_lab")
        expect(page.get_by_text("most active of 32 channels")).to_be_visible(timeout=180_000)
        first = time.perf_counter() - start
        times = []
        for index in [2, 3, 4, 5, 1, 3, 5, 2, 4, 1]:
            page.wait_for_selector(IDLE)
            page.wait_for_timeout(300)
            page.locator("[data-testid='stSelectbox']").filter(has_text="Stage (resolution)").click()
            option = page.get_by_role("option", name=f"Stage {index} ·")
            start = time.perf_counter()
            option.click()
            facts = page.locator("[data-testid='stMarkdown']").filter(has_text="zeros after ReLU")
            expect(facts).to_contain_text(stages[index], timeout=60_000)
            page.wait_for_selector(IDLE)
            times.append(time.perf_counter() - start)
    print(
        f"browser (Chromium 1600x1000, efficientnet_lite0): first grid on a fresh server {first:.1f} s "
        f"(TensorFlow import, build, first forward pass); click on a stage to its layer drawn and the script "
        f"idle: median {statistics.median(times) * 1e3:.0f} ms (min {min(times) * 1e3:.0f}, "
        f"max {max(times) * 1e3:.0f})"
    )


def bench_memory() -> None:
    """RSS with three backbones built and one photo's activations each (what the page caches)."""
    gc.collect()
    base = rss_mb()
    print(f"memory (fresh process): RSS after importing TensorFlow {base:.0f} MiB")
    held = []
    cat = load_sample("cat").pixels
    for backbone in ("efficientnet_lite0", "mobilenet_v2", "resnet50"):
        extractor = build_extractor(backbone, SIZE)
        acts = extractor.run(square_crop(cat, SIZE))
        held.append((extractor, acts))
        gc.collect()
        print(f"  + {backbone:<18} RSS {rss_mb():7.0f} MiB  (its feature maps: {acts.nbytes / 2**20:.0f} MiB)")
    print(
        f"  memory with three backbones cached (lite0, mobilenet_v2, resnet50, one photo each): RSS {rss_mb():.0f} MiB "
        f"now, peak {peak_rss_mb():.0f} MiB (process before them: {base:.0f} MiB, TensorFlow imported)"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--memory"]:
        import tensorflow  # noqa: F401  import first, so the baseline includes it

        bench_memory()
        sys.exit(0)
    for name in ("efficientnet_lite0", "mobilenet_v2"):
        bench_backbone(name)
    # Memory in a fresh process, so that nothing built above is counted.
    import subprocess

    subprocess.run([sys.executable, __file__, "--memory"], check=True)
    bench_page_layer_switch()
    bench_browser_layer_switch()

"""A class on one server: N students doing a lecture's worth of clicks at the same moment.

Each simulated student presses Train on the Fine-tune Lab's defaults, then, while the runs train or
wait in line, opens the Freeze Lab in a second tab and switches its head to Flatten (a click), then opens the Activations Lab and uploads a photo of
its own (a different picture per student, so no cache helps), and finally waits for its run to end.

Two kinds of student:
- by default, `bench.protocol.Student`: Streamlit's websocket protocol without a browser, two
  sessions per student (two tabs). A figure is the server's and its workers' share of an
  interaction (message sent to the script's end, every element received, nothing drawn). This is
  how N=10 and N=20 fit on a 2-core machine.
- with `--chromium`, a browser context of one headless Chromium per student: what a person sees,
  rendering included; the browsers share the machine's cores with the server (on 2 cores Chromium
  takes most of the CPU from N=5 on: see the CPU seconds printed).

Per N (1, 5, 10, 20 by default, one server for all, started first with the app's own local
workers and warm-up), it prints each interaction's median / 90th percentile / max, the runs'
times from the click to "Last run:", the peak memory of the server and of its workers (sampled
every 0.5 s), and the run folders left behind once every tab has closed. Prints figures; asserts
nothing. Run: .venv/bin/python -m bench.bench_load [--chromium] [N ...]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from bench.harness import CHROMIUM_FLAGS, serve_app
from bench.protocol import Student
from tests.e2e.conftest import IDLE_JS

TIMEOUT_MS = int(os.environ.get("BENCH_LOAD_TIMEOUT_MS", "900000"))
KINDS = ("open Freeze Lab", "Freeze Lab click", "open Activations Lab", "photo upload", "run (click to result)")


def _photos(folder: Path, count: int) -> list[Path]:
    """A different 640x480 JPEG per student: smooth colour fields with noise (no two alike)."""
    paths = []
    for i in range(count):
        rng = np.random.default_rng(i)
        y, x = np.mgrid[0:480, 0:640]
        base = np.stack([(x * rng.uniform(0.2, 0.5)) % 256, (y * rng.uniform(0.2, 0.5)) % 256,
                         ((x + y) * rng.uniform(0.1, 0.3)) % 256], axis=-1)
        pixels = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
        path = folder / f"student{i}.jpg"
        Image.fromarray(pixels).save(path, quality=90)
        paths.append(path)
    return paths


async def _idle(page) -> None:
    await page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS, polling=50)


async def _wire_student(url: str, photo: Path, times: dict[str, list[float]]) -> None:
    """The same student as `_student`, on Streamlit's protocol: one session per tab."""
    timeout = TIMEOUT_MS / 1000
    runs, page = Student(url), Student(url)
    try:
        await runs.connect()
        await runs.open("finetune_lab", timeout)
        await runs.click("finetune.train", timeout)
        started = time.perf_counter()

        await page.connect()
        began = time.perf_counter()
        await page.open("freeze_lab", timeout)
        await page.wait_for(lambda p: p.has("metric"), timeout)
        times["open Freeze Lab"].append(time.perf_counter() - began)
        times["Freeze Lab click"].append(await page.set("freeze.head", "string_value", "Global average pooling",
                                                        timeout))
        times["open Activations Lab"].append(await page.open("activations_lab", timeout))
        times["photo upload"].append(await page.upload("act.upload", photo.name, photo.read_bytes(), timeout))
        if not any(photo.name in text for text in page.texts()):
            raise AssertionError(f"the Activations Lab does not show {photo.name} after its upload")

        await runs.wait_for(lambda r: any("Last run:" in t for t in r.texts()), timeout)
        times["run (click to result)"].append(time.perf_counter() - started)
    finally:
        await page.close()
        await runs.close()


async def _student(browser, url: str, photo: Path, times: dict[str, list[float]]) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        runs = await context.new_page()
        await runs.goto(f"{url}/finetune_lab")
        await _idle(runs)
        await runs.get_by_role("button", name="Train").click()
        started = time.perf_counter()

        page = await context.new_page()
        began = time.perf_counter()
        await page.goto(f"{url}/freeze_lab")
        await _idle(page)
        await page.locator("[data-testid='stMetric']").first.wait_for(timeout=TIMEOUT_MS)
        times["open Freeze Lab"].append(time.perf_counter() - began)
        began = time.perf_counter()
        await page.locator("[data-testid='stRadio']").get_by_text("Flatten").click()
        await _idle(page)
        times["Freeze Lab click"].append(time.perf_counter() - began)

        began = time.perf_counter()
        await page.goto(f"{url}/activations_lab")
        await _idle(page)
        times["open Activations Lab"].append(time.perf_counter() - began)
        began = time.perf_counter()
        await page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(photo))
        await page.get_by_test_id("stFileChipName").filter(has_text=photo.name).wait_for(timeout=TIMEOUT_MS)
        await _idle(page)
        times["photo upload"].append(time.perf_counter() - began)

        await runs.get_by_text("Last run:", exact=False).first.wait_for(timeout=TIMEOUT_MS)
        times["run (click to result)"].append(time.perf_counter() - started)
    except Exception:
        shots = Path("artifacts/screenshots")
        shots.mkdir(parents=True, exist_ok=True)
        for i, tab in enumerate(context.pages):
            await tab.screenshot(path=str(shots / f"bench-load-{photo.stem}-tab{i}.png"))
        raise
    finally:
        await context.close()


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _cpu(server: psutil.Process) -> dict[str, float]:
    """CPU seconds so far of the web server, of its workers (its children) and of this process (the
    protocol students, or Playwright's side of the browsers)."""
    return {"server": _cpu_seconds([server]), "workers": _cpu_seconds(server.children(recursive=True)),
            "clients": _cpu_seconds([psutil.Process()])}


def _chromium_cpu() -> float:
    """CPU seconds of every Chromium process (the bench's own: one browser per N, closed after it)."""
    return _cpu_seconds([p for p in psutil.process_iter(["name"]) if "chrom" in (p.info["name"] or "")])


class _Memory:
    """Peak resident memory of the server and, together, of its children (Dask's workers)."""

    def __init__(self, pid: int) -> None:
        self.server = psutil.Process(pid)
        self.peak_server = self.peak_workers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.peak_server = max(self.peak_server, self.server.memory_info().rss)
                workers = 0
                for child in self.server.children(recursive=True):
                    try:
                        workers += child.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak_workers = max(self.peak_workers, workers)
            except psutil.Error:
                return

    def __enter__(self) -> _Memory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"  {name:24s} median {statistics.median(ordered):7.2f} s   p90 {p90:7.2f} s   max {ordered[-1]:7.2f} s"


async def _class(url: str, count: int, photos: list[Path], chromium: str | None) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    if chromium is None:
        results = await asyncio.gather(*(_wire_student(url, photos[i], times) for i in range(count)),
                                       return_exceptions=True)
    else:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            results = await asyncio.gather(*(_student(browser, url, photos[i], times) for i in range(count)),
                                           return_exceptions=True)
            times["chromium CPU"] = [_chromium_cpu()]
            await browser.close()
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        print(f"  {len(failed)} of {count} students did not finish: {type(failed[0]).__name__}: {str(failed[0])[:200]}")
    return times


def main(sizes: list[int], browser: bool = False) -> None:
    chromium = shutil.which("chromium") if browser else None
    if browser and not chromium:
        print("skipped: no chromium (apt-get install chromium)")
        return
    runs_dir = Path(tempfile.mkdtemp(prefix="bench-load-runs-"))
    env = {"EXPLORER_WORKERS": "local", "EXPLORER_RUNS_DIR": str(runs_dir), "TF_CPP_MIN_LOG_LEVEL": "2"}
    print(f"bench_load: {os.cpu_count()} cores; one server with its local workers for every N; students "
          + ("in headless Chromium" if browser else "on Streamlit's protocol, without a browser"))
    with tempfile.TemporaryDirectory() as folder, serve_app(env) as (server, url):
        photos = _photos(Path(folder), max(sizes))
        for count in sizes:
            began = time.perf_counter()
            with _Memory(server.pid) as memory:
                cpu_before = _cpu(memory.server)
                times = asyncio.run(_class(url, count, photos, chromium))
                cpu = {k: v - cpu_before[k] for k, v in _cpu(memory.server).items()}
                if browser:
                    cpu["chromium"] = times.pop("chromium CPU")[0]
            print(f"N={count}: {time.perf_counter() - began:.0f} s in all; peak memory: server "
                  f"{memory.peak_server / 2**30:.2f} GiB, workers {memory.peak_workers / 2**30:.2f} GiB; "
                  f"run folders left: {sum(1 for _ in runs_dir.iterdir())}; CPU seconds: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items()))
            for name, values in times.items():
                if values:
                    print(_row(name, values))
    shutil.rmtree(runs_dir, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    main([int(a) for a in args if a != "--chromium"] or [1, 5, 10, 20], browser="--chromium" in args)

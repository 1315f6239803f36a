"""Where a Fine-tune run trains: a thread of the web server, or a worker process (explorer.engine).

The page's default run (shapes, 40 per class, EfficientNet-Lite0 at 48 px, feature extraction,
6 epochs), timed in one process that plays the web server:

(a) in this process with nothing else going on: the baseline (what `python -m explorer finetune` does);
(b) in a thread of this process while it does what Streamlit does after every script run, once a
    second as the live panel refreshes: keras.backend.clear_session() and gc.collect(2)
    (streamlit/runtime/scriptrunner/script_runner.py, _clean_problem_modules and postScriptGC),
    with the other backbones a class has opened held in memory;
(c) on a local worker process (explorer.engine), the same clean-up going on here: first the
    cluster's start and the worker's TensorFlow import, then a warm run.

Each timed run's ratio is against (a) measured in this same run. Prints figures; asserts
nothing. Run: .venv/bin/python -m bench.bench_engine

(d) with --browser: the same default run started with the mouse in Chromium, on a fresh server
    with EXPLORER_WORKERS=off (a thread of the server) and then =local (a worker process).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from bench.bench_training import PAGE_DEFAULT
from explorer import engine
from explorer.io.datasets import make_shapes, split_dataset
from explorer.models.backbones import build_backbone
from explorer.training import run_training

PER_CLASS = 40


class StreamlitCleanUp:
    """Once a second, what Streamlit's script runner does after each run while keras is imported."""

    def __init__(self, period_s: float = 1.0) -> None:
        self.period_s, self.seconds, self.calls = period_s, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.period_s):
            start = time.perf_counter()
            keras.backend.clear_session()
            gc.collect(2)
            self.seconds += time.perf_counter() - start
            self.calls += 1

    def __enter__(self) -> StreamlitCleanUp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _timed(what, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = what(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    split = split_dataset(make_shapes(PER_CLASS, PAGE_DEFAULT.image_size, seed=0), 0.2, PAGE_DEFAULT.seed)
    held = [build_backbone(b, 224, weights="random") for b in ("vgg16", "resnet50", "mobilenet_v2")]
    print(f"page-default run: {PAGE_DEFAULT.label}, {len(split.train_images)} training images; "
          f"{len(held)} other backbones held in memory; {os.cpu_count()} CPUs; "
          f"local workers x threads: {engine.worker_layout()}")
    rows: list[tuple[str, float, str]] = []
    with TemporaryDirectory() as tmp:
        run_training(split, PAGE_DEFAULT, workdir=tmp)  # warm this process: the backbone's first build
        base, result = _timed(run_training, split, PAGE_DEFAULT, workdir=tmp)
        rows.append(("(a) in process, quiet (baseline)", base, result.accuracy_line))

        def in_thread() -> object:
            out: list = []
            worker = threading.Thread(target=lambda: out.append(run_training(split, PAGE_DEFAULT, workdir=tmp)))
            worker.start()
            worker.join()
            return out[0]

        with StreamlitCleanUp() as cleanup:
            seconds, result = _timed(in_thread)
        rows.append(("(b) web-server thread + clean-up each second", seconds,
                     f"{result.accuracy_line}; clean-up {cleanup.calls} x {cleanup.seconds / max(1, cleanup.calls):.2f} s"))

        local = engine.Placement("local")
        for label in ("(c) local worker, first (cluster start + import)", "(c) local worker, warm"):
            with StreamlitCleanUp() as cleanup:
                seconds, result = _timed(engine.train, split, PAGE_DEFAULT, Path(tmp) / "w", local,
                                         on_progress=lambda p: None, on_wait=lambda n: None, stop=threading.Event())
            rows.append((label, seconds, f"{result.accuracy_line}; clean-up {cleanup.calls} x "
                                         f"{cleanup.seconds / max(1, cleanup.calls):.2f} s"))
    engine.shutdown()
    print(f"{'where it trains':52} {'seconds':>8} {'x base':>7}")
    for label, seconds, note in rows:
        print(f"{label:52} {seconds:8.1f} {seconds / base:7.2f}  {note}")


if __name__ == "__main__" and "--browser" not in sys.argv:
    main()


def browser_default_run(placement: str) -> float | None:
    """Seconds from a click on Train (the Fine-tune Lab at its defaults) to the result on the page,
    in Debian's chromium against a fresh server whose EXPLORER_WORKERS is `placement`."""
    from bench.harness import app_in_chromium

    with app_in_chromium(env={"EXPLORER_WORKERS": placement}) as opened:
        if opened is None:
            return None
        _browser, page, url = opened
        page.goto(f"{url}/finetune_lab")
        train = page.get_by_role("button", name="Train", exact=True)
        train.wait_for()
        page.wait_for_function("() => !document.querySelector(\"[data-stale='true']\")")
        time.sleep(15)  # let the workers' warm-up (TensorFlow's import) finish, as a class would
        start = time.perf_counter()
        train.click()
        page.get_by_text("Last run:", exact=False).first.wait_for(timeout=600_000)
        return time.perf_counter() - start


if __name__ == "__main__" and "--browser" in sys.argv:
    base = None
    for placement in ("off", "local"):
        seconds = browser_default_run(placement)
        if seconds is None:
            break
        base = base or seconds
        print(f"(d) browser, Train to result, EXPLORER_WORKERS={placement:5}  {seconds:6.1f} s  {seconds / base:5.2f} x 'off'")

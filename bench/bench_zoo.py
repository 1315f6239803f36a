"""Case Studies speed: the first open of the page (TensorFlow import + eleven Keras builds) against
later opens served from the cache. Prints figures measured in this one run.

Run: .venv/bin/python -m bench.bench_zoo
"""

from __future__ import annotations

import logging
import os
import runpy
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]

from bench.harness import IDLE, VIEWPORT, app_in_chromium


def bench_builds() -> None:
    """Each network built and counted once (what the cache saves), in a fresh process."""
    code = (
        "import time, os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '2'\n"
        "t = time.perf_counter(); import keras; print(f'import {time.perf_counter() - t:.2f}')\n"
        "from explorer.case_studies.zoo import ZOO, build_zoo_model\n"
        "for s in ZOO:\n"
        "    t = time.perf_counter(); m = build_zoo_model(s.id); print(f'{s.name}|{time.perf_counter() - t:.2f}')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = out.split()
    rows = [line.rsplit("|", 1) for line in out.splitlines()[1:]]
    total = sum(float(t) for _, t in rows)
    print(f"TensorFlow/Keras import {lines[1]} s; build + count of the eleven networks {total:.1f} s:")
    print("  " + ", ".join(f"{name} {float(t):.1f} s" for name, t in rows))


def bench_apptest() -> None:
    """The page script itself: the first run fills the cache, later sessions read it."""
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare runs warn about the missing context

    page = str(ROOT / "app_pages" / "case_studies.py")
    start = time.perf_counter()
    at = AppTest.from_file(page, default_timeout=600).run()
    cold = time.perf_counter() - start
    assert not at.exception, at.exception
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        again = AppTest.from_file(page, default_timeout=60).run()  # a new session, same process
        warm.append(time.perf_counter() - start)
        assert not again.exception
    print(f"page script (AppTest, same process as the imports above): first run {cold:.1f} s, "
          f"a new session afterwards median {statistics.median(warm) * 1e3:.0f} ms "
          f"(min {min(warm) * 1e3:.0f}, max {max(warm) * 1e3:.0f}; includes AppTest's polling)")
    # The script's own work, warm, without AppTest's start-up scan and polling: run the file bare.
    own = []
    for _ in range(10):
        start = time.perf_counter()
        runpy.run_path(page, run_name="__main__")
        own.append(time.perf_counter() - start)
    print(f"  the page script itself, warm (run bare with runpy): median {statistics.median(own) * 1e3:.0f} ms "
          f"(min {min(own) * 1e3:.0f}, max {max(own) * 1e3:.0f})")


def bench_browser() -> None:
    """Chromium against a fresh server: first open, then opens from the sidebar and fresh tabs."""
    from playwright.sync_api import expect

    with app_in_chromium(timeout_ms=600_000) as session:
        if session is None:
            return
        browser, page, url = session
        page.goto(url)
        page.wait_for_selector(IDLE)

        def open_case_studies() -> float:
            start = time.perf_counter()
            page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Case Studies").click()
            expect(page.get_by_text("61.0 MB", exact=True)).to_be_visible(timeout=600_000)
            page.wait_for_selector(IDLE)
            return time.perf_counter() - start

        cold = open_case_studies()
        warm = []
        for _ in range(8):
            page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Home").click()
            page.wait_for_timeout(300)
            page.wait_for_selector(IDLE)
            warm.append(open_case_studies())

        def new_session(link: str, text: str) -> float:
            tab = browser.new_page(viewport=VIEWPORT)
            start = time.perf_counter()
            tab.goto(url)
            tab.wait_for_selector(IDLE)
            tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link).click()
            expect(tab.get_by_text(text, exact=True).first).to_be_visible(timeout=60_000)
            tab.wait_for_selector(IDLE)
            elapsed = time.perf_counter() - start
            tab.close()
            return elapsed

        tabs = [new_session("Case Studies", "61.0 MB") for _ in range(3)]
        shell = [new_session("Detection Basics", "0.867") for _ in range(3)]
    print(f"browser (Chromium, fresh server): first open {cold:.1f} s (TensorFlow import + eleven builds); "
          f"open again from the sidebar median {statistics.median(warm) * 1e3:.0f} ms "
          f"(min {min(warm) * 1e3:.0f}, max {max(warm) * 1e3:.0f}); a new browser session (load the app, then "
          f"the page) median {statistics.median(tabs) * 1e3:.0f} ms, against "
          f"{statistics.median(shell) * 1e3:.0f} ms for the same with the light Detection Basics page")


if __name__ == "__main__":
    bench_builds()
    bench_apptest()
    bench_browser()

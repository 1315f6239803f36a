"""Shared by the benches: the app on a loopback port and a headless Debian Chromium at projector size."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1600, "height": 1000}


@contextmanager
def app_in_chromium(timeout_ms: int = 180_000, env: Mapping[str, str] | None = None,
                    ) -> Iterator[tuple[object, object, str] | None]:
    """Start `streamlit run app.py` (with `env` added to its environment) and Chromium; yield
    (browser, page, url), or None without chromium."""
    chromium = shutil.which("chromium")
    if not chromium:
        print("browser: skipped (apt-get install chromium)")
        yield None
        return
    from playwright.sync_api import sync_playwright

    with serve_app(env) as (_, url), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(timeout_ms)
        yield browser, page, url
        browser.close()


@contextmanager
def serve_app(env: Mapping[str, str] | None = None, script: str = "app.py",
              ) -> Iterator[tuple[subprocess.Popen, str]]:
    """Start `streamlit run` of the app (or another script, relative to the repository) on a free
    loopback port (with `env` added to its environment), wait for its health check and yield (the
    server process, its address)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield server, url
    finally:
        server.terminate()
        server.wait(timeout=30)

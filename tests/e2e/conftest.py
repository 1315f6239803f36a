"""A real browser against a real server: Debian's chromium driven by Playwright's Python package."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TRIPWIRE = ROOT / "artifacts" / "tf-imports"
"""Where each process of the browser tests' server writes its first TensorFlow import (tests/e2e/tripwire)."""
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# expect() retries its condition for up to 30 s (5 s by default): a rerun on a busy 2-core machine
# can take longer than 5 s, and waiting on a condition longer costs nothing when it holds sooner.
expect.set_options(timeout=30_000)

# A projector-sized window: the pages must read well at this size.
VIEWPORT = {"width": 1600, "height": 1000}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Debian's chromium is not installed: .ci/run must install it")
    pytest.skip("chromium not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server() -> Iterator[subprocess.Popen]:
    """Start `streamlit run app.py` on a free loopback port (with its own local workers, the app's
    default) and wait for its health check; the process has the address as `url`."""
    port = _free_port()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    shutil.rmtree(TRIPWIRE, ignore_errors=True)
    TRIPWIRE.mkdir(parents=True)
    log = open(ROOT / "artifacts" / "e2e-server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "EXPLORER_WORKERS": "local", "EXPLORER_TF_TRIPWIRE": str(TRIPWIRE),
             "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent / "tripwire"),
                                                         os.environ.get("PYTHONPATH")]))},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            # Between polls, wait on the server process itself: a server that died fails at once.
            try:
                code = server.wait(timeout=0.3)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"streamlit exited with status {code} before answering /_stcore/health")
    else:
        server.terminate()
        pytest.fail("streamlit did not answer /_stcore/health within 90 s")
    server.url = url
    yield server
    server.terminate()
    server.wait(timeout=30)
    log.close()


@pytest.fixture(scope="session")
def app_url(app_server) -> str:
    """The address of the app under test."""
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


IDLE_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning"
    && document.querySelectorAll("[data-stale='true']").length === 0;
}"""


def wait_for_idle(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit is connected, has finished the script and shows no stale element.

    A condition, never a fixed sleep: assertions after it still use expect(), which retries.
    """
    page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)


def choose(page, label: str, option: str) -> None:
    """Pick an option of the selectbox with this label, with the mouse.

    The click goes to the box's input; right after another selectbox was used, a click can
    leave the list closed (seen in this suite, never by hand), so a list that does not open
    within 10 s gets up to two more clicks.
    """
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.locator("input")
    choice = page.get_by_role("option", name=option, exact=True)
    for attempt in range(3):
        wait_for_idle(page)  # a rerun in flight would close the dropdown under the mouse
        box.click()
        try:
            choice.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:  # the list did not open (or closed again): click once more
            if attempt == 2:
                raise
    choice.click()
    wait_for_idle(page)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots (git-ignored) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test leaves a screenshot of the page as it was: artifacts/screenshots/FAILED-<test>.png."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        try:
            screenshot(page, f"FAILED-{item.name}"[:120])
        except Exception:  # the page may be gone; the failure itself is what matters
            pass

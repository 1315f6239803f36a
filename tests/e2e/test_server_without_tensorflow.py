"""The web server never loads TensorFlow: every page opened, a photo explained and a run finished in
Chromium, and the server process has not mapped a TensorFlow library; its workers did the work."""

import sys
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TRIPWIRE, wait_for_idle
from ui.navigation import PAGES

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/maps")]


def _loaded_tensorflow(process: psutil.Process) -> bool:
    """Whether the process has TensorFlow's native library mapped (what `import tensorflow` loads)."""
    try:
        return any("tensorflow" in m.path for m in process.memory_maps(grouped=True))
    except psutil.Error:  # a worker that has just ended
        return False


def test_every_page_and_a_whole_run_leave_tensorflow_to_the_workers(page, app_server):
    url = app_server.url
    for info in PAGES:
        page.goto(f"{url}/{Path(info.path).stem}")
        wait_for_idle(page, timeout_ms=240_000)
        expect(page.locator("[data-testid='stException']")).to_have_count(0)

    page.goto(f"{url}/activations_lab")
    wait_for_idle(page, timeout_ms=240_000)
    page.get_by_role("tab", name="Predictions & Grad-CAM").click()
    wait_for_idle(page, timeout_ms=240_000)
    expect(page.locator("[data-testid='stPlotlyChart']").first).to_be_visible()

    page.goto(f"{url}/finetune_lab")
    wait_for_idle(page, timeout_ms=240_000)
    page.get_by_role("button", name="Train").click()
    expect(page.get_by_text("Last run:", exact=False)).to_be_visible(timeout=600_000)
    expect(page.locator("[data-testid='stException']")).to_have_count(0)

    server = psutil.Process(app_server.pid)
    imported = TRIPWIRE / f"{app_server.pid}.txt"  # where the import came from (tests/e2e/tripwire)
    assert not imported.exists(), imported.read_text(encoding="utf-8")[-3000:]
    assert not _loaded_tensorflow(server), "the web server loaded TensorFlow"
    assert any(_loaded_tensorflow(child) for child in server.children(recursive=True)), \
        "no worker process loaded TensorFlow: the work was not done there"

"""The web process gives freed memory back to the system (ui/memory.py)."""

from __future__ import annotations

import logging
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ui.memory as memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.fixture
def fresh(monkeypatch):
    """A process where trimming never started; whatever a test starts is stopped after it."""
    monkeypatch.setattr(memory, "_started", threading.Event())
    stop = threading.Event()
    monkeypatch.setattr(memory, "_stop", stop)
    yield
    stop.set()


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_trimming_returns_the_pages_a_fragmented_heap_no_longer_uses() -> None:
    # In a process of its own: 2,000 arrays of 100 KB (under glibc's mmap threshold, so on the heap),
    # nine in ten freed, every tenth kept so that the heap cannot shrink from its top.
    script = """
import numpy as np, psutil
from ui.memory import malloc_trim
arrays = [np.ones(100_000 // 8) for _ in range(2_000)]
kept = arrays[::10]
del arrays
rss = psutil.Process().memory_info().rss
malloc_trim()(0)
print(rss - psutil.Process().memory_info().rss)
"""
    freed = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               cwd=Path(memory.__file__).resolve().parents[1]).stdout)
    assert freed > 100 * 2**20  # of the ~180 MB freed, most goes back


def test_start_trimming_starts_one_thread_that_trims_on_its_schedule(fresh) -> None:
    calls, before = threading.Semaphore(0), set(threading.enumerate())
    assert memory.start_trimming(0.01, trim=lambda pad: calls.release() or 0)
    for _ in range(3):
        assert calls.acquire(timeout=10)
    # every script run calls it again: no second thread
    assert memory.start_trimming(0.01, trim=lambda pad: 0) is False
    assert [t.name for t in set(threading.enumerate()) - before] == ["explorer-malloc-trim"]


def test_a_failing_trim_is_logged_once_and_the_server_goes_on(fresh, caplog) -> None:
    def broken(pad: int) -> int:
        raise OSError("no")

    before = set(threading.enumerate())
    with caplog.at_level(logging.ERROR, logger="ui.memory"):
        assert memory.start_trimming(0.01, trim=broken)
        deadline = time.monotonic() + 10
        while set(threading.enumerate()) - before and time.monotonic() < deadline:  # the thread ends
            time.sleep(0.01)
    assert not set(threading.enumerate()) - before
    assert [r.message for r in caplog.records] == ["malloc_trim failed; no more trimming"]


def test_where_the_c_library_has_no_malloc_trim_nothing_starts(fresh, monkeypatch) -> None:
    class NoTrim:  # macOS' libc: the symbol is not there
        def __init__(self, name) -> None:
            pass

    monkeypatch.setattr(memory.ctypes, "CDLL", NoTrim)
    assert memory.malloc_trim() is None
    assert memory.start_trimming(0.01) is False

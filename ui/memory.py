"""Give the memory a class's sessions freed back to the system, in the web process (Linux only).

glibc keeps what Python and NumPy free in its arenas for the next allocation; a server that has
decoded 50 photos and received 20 runs' results holds tens of MB that nothing uses any more.
`malloc_trim(0)` returns the free pages of every arena (not only the top of the heap, which is all
that MALLOC_TRIM_THRESHOLD_ governs). bench/bench_memory.py (50 photos, 20 runs, 5 students): the
server's memory 130 s after every tab closed was 1.40-1.46x its first round's without the trim and
1.31-1.34x with it (every 10 s), about 30 MB given back; Python's own arenas and the caches' bounds
are the rest (the caches fill between the first round and the fourth).

macOS and Windows have no malloc_trim (their allocators return memory on their own): there this
does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable

TRIM_EVERY_S = 10.0
"""How often the trim runs: it takes about a millisecond and holds no Python lock while it runs."""

_log = logging.getLogger(__name__)
_started = threading.Event()
_stop = threading.Event()
"""Set to end the thread (the tests do; the server's thread lives as long as the server)."""


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (macOS, Windows, musl)."""
    try:  # the process's own symbols: libc where it is glibc (find_library would run ldconfig: 0.4 s)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # TypeError: Windows' CDLL takes no None
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def start_trimming(every_s: float = TRIM_EVERY_S, trim: Callable[[int], int] | None = None) -> bool:
    """Start, once per process, a background thread that trims every `every_s` seconds.

    Returns:
        True if a thread was started by this call (False: already running, or no malloc_trim here).
    """
    if _started.is_set():  # every script run calls this: after the first, it returns at once
        return False
    _started.set()
    trim = trim or malloc_trim()
    if trim is None:
        return False

    def run() -> None:
        while not _stop.wait(every_s):
            try:
                trim(0)
            except Exception:  # never takes the server down; the memory is then only not returned
                _log.exception("malloc_trim failed; no more trimming")
                return

    threading.Thread(target=run, name="explorer-malloc-trim", daemon=True).start()
    return True

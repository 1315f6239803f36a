"""Where downloaded weights live (the Keras cache) and how a download is kept from hanging.

No Keras import here: finding out whether a weights file is on this machine must not cost
a TensorFlow import.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["DOWNLOAD_TIMEOUT_S", "cached_model_file", "keras_cache_dir", "network_timeout"]

DOWNLOAD_TIMEOUT_S = 15.0
_download_lock = threading.Lock()


def keras_cache_dir() -> Path:
    """Where keras.utils.get_file keeps downloads: $KERAS_HOME, else ~/.keras, else /tmp/.keras.

    Mirrors keras.src.backend.config and file_utils (a home that is not writable falls
    back to /tmp) without importing Keras.

    Returns:
        The cache folder (it may not exist yet).
    """
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"])
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def cached_model_file(file_name: str) -> Path | None:
    """The path of a weights file in the Keras cache's models folder, or None when it is not there.

    Args:
        file_name: the file name Keras caches the weights under.

    Returns:
        The path when the file exists, else None.
    """
    path = keras_cache_dir() / "models" / file_name
    return path if path.is_file() else None


@contextmanager
def network_timeout(timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Iterator[None]:
    """Bound every socket opened inside the block, one download at a time.

    keras.utils.get_file has no timeout of its own; the process-wide default socket
    timeout is the only handle, so downloads take turns and the old value is restored.

    Args:
        timeout_s: give up on a silent network after this many seconds.
    """
    with _download_lock:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout_s)
        try:
            yield
        finally:
            socket.setdefaulttimeout(previous)

"""A run's record on disk, so that a run cut short by a server restart is noticed, not forgotten.

A run started by the app gets its own folder with a small run.json: who runs it (the server
process id and a token for this server's lifetime), what it is, the last epoch reached, and its
state (running, done, dismissed). A record still "running" whose server is gone was interrupted by
a restart: the page says so and offers the best checkpoint if the run wrote one (best.keras).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "RECORD_FILE",
    "SERVER_TOKEN",
    "RunRecord",
    "dismiss_record",
    "finish_record",
    "interrupted_runs",
    "prune",
    "runs_cap_bytes",
    "runs_root",
    "start_record",
    "update_record",
]

RECORD_FILE = "run.json"
SERVER_TOKEN = uuid.uuid4().hex
"""Different in every server process, even one that got the same process id after a restart."""
_MAX_RECORDS = 200


@dataclass(frozen=True)
class RunRecord:
    """What a run's run.json says."""

    folder: Path
    label: str
    started: float
    """Seconds since the epoch (time.time()) when the run started."""
    epoch: int
    epochs: int
    state: str
    pid: int
    server: str

    @property
    def checkpoint(self) -> Path | None:
        """The newest best checkpoint in the folder (a run's own, or in run-<n>/ for each of several runs)."""
        paths = [p for p in (self.folder / "best.keras", *self.folder.glob("run-*/best.keras")) if p.is_file()]
        return max(paths, key=lambda p: p.stat().st_mtime) if paths else None


def runs_root() -> Path:
    """Where run folders go: $EXPLORER_RUNS_DIR, or cnn-explorer-runs in the system's temporary folder."""
    return Path(os.environ.get("EXPLORER_RUNS_DIR") or Path(tempfile.gettempdir()) / "cnn-explorer-runs")


def _write(folder: Path, data: dict) -> None:
    tmp = folder / f".{RECORD_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(folder / RECORD_FILE)  # atomic: a reader never sees half a record


def _read(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def runs_cap_bytes() -> int:
    """How much the run folders may hold in all: $EXPLORER_RUNS_MAX_MB megabytes, 2,048 by default."""
    try:
        return max(0, int(float(os.environ.get("EXPLORER_RUNS_MAX_MB", "2048")) * 2**20))
    except ValueError:
        return 2048 * 2**20


def prune(root: Path | None = None, cap_bytes: int | None = None, max_age_s: float = 86_400.0) -> list[Path]:
    """Delete the run folders no page needs any more, oldest first; returns the folders deleted.

    A class's server would otherwise fill its disk (each run keeps a best.keras of up to ~100 MB).
    Never deleted: a run that is training (on this server, or another one alive). Deleted: any other folder older than max_age_s;
    then, while the folders hold more than cap_bytes in all, the oldest finished, dismissed or
    interrupted ones (a page that still shows such a run says its file is gone).
    """
    base = root or runs_root()
    cap = runs_cap_bytes() if cap_bytes is None else cap_bytes
    if not base.is_dir():
        return []
    now = time.time()
    folders = []  # (started, folder, size, may go)
    for folder in base.iterdir():
        if not folder.is_dir() or folder.is_symlink():
            continue
        data = _read(folder) or {}
        pid = data.get("pid") if isinstance(data.get("pid"), int) else -1
        training = data.get("state") == "running" and (
            data.get("server") == SERVER_TOKEN if pid == os.getpid() else pid > 0 and _alive(pid))
        started = data.get("started") if isinstance(data.get("started"), (int, float)) else folder.stat().st_mtime
        folders.append((float(started), folder, _size(folder), not training))
    folders.sort(key=lambda f: f[0])
    total = sum(size for _s, _f, size, _g in folders)
    deleted = []
    for started, folder, size, may_go in folders:
        if may_go and (now - started > max_age_s or total > cap):
            shutil.rmtree(folder, ignore_errors=True)
            total -= size
            deleted.append(folder)
    return deleted


def start_record(label: str, epochs: int, root: Path | None = None) -> Path:
    """Make a new run folder with a "running" record (after pruning old ones); returns the folder (the run's workdir)."""
    base = root or runs_root()
    base.mkdir(parents=True, exist_ok=True)
    prune(base)
    folder = Path(tempfile.mkdtemp(prefix=time.strftime("run-%Y%m%d-%H%M%S-"), dir=base))
    _write(folder, {"label": label, "started": time.time(), "epoch": 0, "epochs": int(epochs), "state": "running",
                    "pid": os.getpid(), "server": SERVER_TOKEN})
    return folder


def _set(folder: Path, **changes: object) -> None:
    data = _read(folder)
    if data is not None:
        _write(folder, {**data, **changes})


_noted: dict[Path, tuple[int, int]] = {}


def update_record(folder: Path, epoch: int, epochs: int) -> None:
    """Note the last epoch a run reached (called after every batch; writes only when the epoch changes)."""
    if _noted.get(folder) != (int(epoch), int(epochs)):
        _noted[folder] = (int(epoch), int(epochs))
        _set(folder, epoch=int(epoch), epochs=int(epochs))


def finish_record(folder: Path) -> None:
    """Mark a run done (finished, stopped or failed: anything but interrupted)."""
    _noted.pop(folder, None)
    _set(folder, state="done")


def dismiss_record(folder: Path) -> None:
    """Mark an interrupted run as seen: it is not reported again."""
    _set(folder, state="dismissed")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # a process we may not signal: alive
    return True


def interrupted_runs(root: Path | None = None) -> list[RunRecord]:
    """Runs still marked running whose server process is gone (or is a new server with the same id), newest first."""
    base = root or runs_root()
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(base.iterdir(), reverse=True)[:_MAX_RECORDS]:
        data = _read(folder) if folder.is_dir() else None
        if not data or data.get("state") != "running":
            continue
        try:
            record = RunRecord(folder, str(data["label"]), float(data["started"]), int(data["epoch"]),
                               int(data["epochs"]), "running", int(data["pid"]), str(data["server"]))
        except (KeyError, TypeError, ValueError):
            continue
        ours = record.pid == os.getpid() and record.server == SERVER_TOKEN
        if not ours and (record.pid == os.getpid() or not _alive(record.pid)):
            found.append(record)
    return found

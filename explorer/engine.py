"""Worker processes for the TensorFlow work (training runs, and every page's builds and forward
passes), on Dask distributed.

The web server must stay quick for a whole class: Streamlit clears Keras' session and runs the
garbage collector after every script run (every click, and every second while a live panel
refreshes), which starves a run training in a thread of the server. So runs train in worker
processes of a Dask cluster and send back plain data: progress reports while they train (a
Dask Variable per run, the latest report), then the RunResult and the best checkpoint's bytes.

Where the workers are (EXPLORER_WORKERS, `cnn-explorer --workers ADDRESS`, or ``workers`` in
.streamlit/secrets.toml):

- unset or ``local``: the app starts its own local workers, sized from the CPU count, each
  with TensorFlow's thread pools cut to its share of the cores (runs never oversubscribe them);
- ``tcp://host:8786``: the jobs go to that cluster's scheduler (`dask scheduler` there, and
  `dask worker tcp://host:8786` on each machine that trains, such as a department's GPU box);
- ``off``: runs train in a thread of the web process, as before (no worker processes).

At most K runs train at once, K being the workers' ``train`` resources (local workers have one
each; a remote worker started with ``--resources train=1``), or their threads where none is
declared. The others wait in the order they were started, and a waiting run knows its place in
the line. A worker's other thread answers the pages (`compute`: explorer.jobs) while it trains.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from explorer.errors import ExplorerInputError, WorkersLostError

if TYPE_CHECKING:  # the web process imports TensorFlow only through what it calls itself
    from distributed import Client

    from explorer.io.datasets import DataSplit
    from explorer.training import Progress, RunResult, TrainConfig

__all__ = [
    "ADDRESS_ENV",
    "Placement",
    "compute",
    "configured_placement",
    "get_client",
    "prepare_worker",
    "shutdown",
    "train",
    "warm_up",
    "worker_layout",
]

ADDRESS_ENV = "EXPLORER_WORKERS"
T = TypeVar("T")
_log = logging.getLogger(__name__)
MEMORY_ENV = "EXPLORER_WORKER_MEMORY"
"""A local worker's memory limit ("6GiB"): Dask restarts a worker that passes it."""
TRAIN_RESOURCE = "train"
_POLL_S = 0.25
"""How often the waiting side looks for progress, and a worker for Stop."""


@dataclass(frozen=True)
class Placement:
    """Where runs train: 'local' (the app's own workers), 'remote' (a scheduler's), or 'thread'."""

    kind: str
    address: str | None = None


def configured_placement(setting: str | None = None) -> Placement:
    """Where runs train, from a setting (secrets.toml's ``workers``) or else $EXPLORER_WORKERS.

    Raises:
        ValueError: a setting that is neither local, off, nor a tcp:// or tls:// address.
    """
    value = (setting if setting not in (None, "") else os.environ.get(ADDRESS_ENV, "")).strip()
    if value in ("", "local"):
        return Placement("local")
    if value in ("off", "thread"):
        return Placement("thread")
    if value.startswith(("tcp://", "tls://")) and len(value) > 6:
        return Placement("remote", value)
    raise ValueError(f"{ADDRESS_ENV} must be 'local', 'off' or a scheduler address such as "
                     f"tcp://host:8786. Received: {value[:80]!r}")


def worker_layout(cpus: int | None = None) -> tuple[int, int]:
    """(workers, threads per worker) for local workers: one worker per 4 cores (at least one),
    TensorFlow's threads split evenly so that all workers together use every core once."""
    cpus = max(1, cpus or os.cpu_count() or 1)
    workers = max(1, cpus // 4)
    return workers, max(1, cpus // workers)


_lock = threading.Lock()
"""Guards the line and the warm-up set (held for moments only)."""
_clients_lock = threading.Lock()
"""Guards the clients (held while local workers start: seconds)."""
_clients: dict[Placement, Client] = {}
_warming: set[Placement] = set()
_line: dict[str, bool] = {}
"""This process's runs for the workers, oldest first: job -> sent to a worker (False while it waits)."""


def get_client(placement: Placement) -> Client:
    """The Dask client for a placement: started once per process (local workers are spawned here)."""
    from distributed import Client, LocalCluster

    with _clients_lock:
        client = _clients.get(placement)
        if client is not None and client.status == "running":
            return client
        if placement.kind == "remote":
            client = Client(placement.address, timeout="10s", set_as_default=False)
        else:
            workers, threads = worker_layout()
            env = {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "2",
                   "OMP_NUM_THREADS": str(threads), "TF_CPP_MIN_LOG_LEVEL": "2"}
            # Two threads each: one trains (the `train` resource), the other answers the pages.
            cluster = LocalCluster(n_workers=workers, threads_per_worker=2, processes=True,
                                   resources={TRAIN_RESOURCE: 1}, dashboard_address=None, host="127.0.0.1",
                                   memory_limit=os.environ.get(MEMORY_ENV) or "auto", env=env)
            client = Client(cluster, set_as_default=False)
        _clients[placement] = client
        return client


def compute(job: Callable[..., T], *args: Any, placement: Placement | None = None) -> T:
    """Run job(*args) where the placement says and return its result (a job of explorer.jobs: plain
    data back). Waits for it; the job's own errors (ExplorerInputError...) are raised here as they
    were raised there.

    Args:
        placement: where; configured_placement() when None. 'thread' runs it here, in this thread.

    Raises:
        ExplorerInputError: remote workers that cannot be reached.
    """
    placement = placement or configured_placement()
    if placement.kind == "thread":
        return job(*args)
    client = _client_or_none(placement)
    if client is None:
        return job(*args)
    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    try:
        return client.submit(job, *args, pure=False).result()
    except (KilledWorker, CommClosedError) as exc:  # a worker that ran out of memory is restarted by Dask
        raise WorkersLostError(f"The worker process stopped before this was done; try again in a moment. "
                               f"Received: {type(exc).__name__}: {str(exc)[:160]}") from None


def _client_or_none(placement: Placement) -> Client | None:
    """The client, or None where local workers cannot start (a laptop that forbids it: the work is
    then done in the web process, as with EXPLORER_WORKERS=off)."""
    try:
        return get_client(placement)
    except Exception as exc:
        if placement.kind != "local":
            raise WorkersLostError(f"The workers at {placement.address} cannot be reached. "
                                     f"Received: {type(exc).__name__}: {str(exc)[:160]}") from None
        _log.warning("local workers did not start (%s); working in the web process", exc)
        return None


_slots: dict[int, tuple[float, tuple[int, dict[str, float] | None]]] = {}
"""Per client: when its workers were last counted, and the count (see _train_slots)."""


def _train_slots(client: Client) -> tuple[int, dict[str, float] | None]:
    """(runs that may train at once, the resources a run asks for): the workers' `train` resources
    where they declare any, else their threads (and a run asks for nothing). Counted at most every
    5 s: every waiting run asks four times a second, and the local scheduler shares the web
    server's process."""
    now = time.monotonic()
    counted = _slots.get(id(client))
    if counted is not None and now - counted[0] < 5.0:
        return counted[1]
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    declared = sum(int(w.get("resources", {}).get(TRAIN_RESOURCE, 0)) for w in workers)
    found = (declared, {TRAIN_RESOURCE: 1}) if declared else (max(1, sum(client.nthreads().values())), None)
    _slots[id(client)] = (now, found)
    return found


def prepare_worker() -> None:
    """Import TensorFlow and Keras (seconds, once per worker), then move every object alive now
    (TensorFlow's and Keras' modules: ~360,000) out of the garbage collector's sight: they live as
    long as the process, and each full collection walked them all (0.22-0.25 s, one every second
    run or so, measured in a training run of 2 s; 0.02-0.04 s after gc.freeze)."""
    import gc

    import explorer.training.run  # noqa: F401  (the package alone loads its modules lazily: no TensorFlow)

    gc.freeze()


def warm_up(placement: Placement) -> None:
    """Start the workers and have them import TensorFlow, in the background, once per process and
    placement: the first Train click then waits for the run only. Never raises (a failure shows
    when a run is started)."""
    if placement.kind == "thread":
        return
    with _lock:
        if placement in _warming:
            return
        _warming.add(placement)

    def work() -> None:
        try:
            get_client(placement).run(prepare_worker)
        except Exception:  # noqa: BLE001 - the run itself will report it
            with _lock:
                _warming.discard(placement)

    threading.Thread(target=work, name="explorer-engine-warm-up", daemon=True).start()


def shutdown() -> None:
    """Close every client (and the local workers this process started)."""
    with _clients_lock:
        for client in _clients.values():
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
        _clients.clear()
        _slots.clear()


class _StopFlag:
    """A worker's view of the page's Stop button: a Dask Event, asked at most every _POLL_S."""

    def __init__(self, name: str) -> None:
        from distributed import Event

        self._event, self._asked, self._set = Event(name), 0.0, False

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self._set and now - self._asked >= _POLL_S:
            self._asked, self._set = now, self._event.is_set()
        return self._set


def _train_in_worker(split: DataSplit, config: TrainConfig, job: str, shared: str | None = None
                     ) -> tuple[RunResult, bytes | None]:
    """Runs in a worker: train, report progress, and send back the result with the checkpoint's bytes.

    With `shared` (the run's folder, for a worker on the web server's own machine) the checkpoint is
    written there, the best so far during the run too (explorer.training.callbacks.BestCheckpoint):
    a run cut short by a restart still leaves one.
    """
    import shutil
    import tempfile

    from distributed import Variable

    from explorer.training import run_training

    progress = Variable(f"explorer-progress-{job}")
    last = [0.0]

    def report(p: Progress) -> None:  # after every batch: sent at most every _POLL_S, and at each epoch's end
        now = time.monotonic()
        if now - last[0] >= _POLL_S or p.batch == p.batches:
            last[0] = now
            progress.set(p)

    folder = shared or tempfile.mkdtemp(prefix="explorer-worker-run-")
    try:
        result = run_training(split, config, progress=report, stop=_StopFlag(f"explorer-stop-{job}"),
                              workdir=folder)
        return result, None if shared else Path(result.checkpoint).read_bytes()
    finally:
        if not shared:
            shutil.rmtree(folder, ignore_errors=True)


def _waiting() -> list[str]:
    """The jobs not yet sent to a worker, first in line first (call it holding _lock)."""
    return [j for j, sent in _line.items() if not sent]


def _place_in_line(job: str) -> int:
    """1 for the next run to start, 2 for the one after it... (0: it has a worker)."""
    with _lock:
        waiting = _waiting()
    return waiting.index(job) + 1 if job in waiting else 0


def _take_slot(job: str, client: Client) -> bool:
    """Send the job to the workers when it is first in line and a worker thread is free.

    The line is kept here, not by Dask's scheduler: it hands a lone task to a busy worker at once
    (only large groups of tasks wait in its queue), so a run could wait behind another run on one
    worker while the next worker frees up. One server's runs therefore start in the order they
    were started; servers that share one cluster each keep their own line.
    """
    slots = _train_slots(client)[0]
    with _lock:
        waiting = _waiting()
        if waiting and waiting[0] == job and sum(_line.values()) < slots:
            _line[job] = True
            return True
    return False


def train(split: DataSplit, config: TrainConfig, folder: Path, placement: Placement, *,
          on_progress: Callable[[Progress], None], on_wait: Callable[[int], None],
          stop: threading.Event) -> RunResult:
    """Train one run where the placement says and wait for it (call it from a thread of its own).

    Args:
        split, config: the run.
        folder: where its best checkpoint goes on this machine (folder/best.keras): local workers write it
            there, the best so far during the run too; others send it when the run ends.
        on_progress: each progress report, as run_training would send it.
        on_wait: the run's place in the line (1 = next) while it waits for a worker.
        stop: set it to end the run cleanly (after its current batch; the best checkpoint stays).

    Returns:
        The RunResult, its checkpoint in `folder`.

    Raises:
        ExplorerInputError: the run's own (bad settings), or Stop while it waited for a worker.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if placement.kind == "thread":
        from explorer.training import run_training

        return run_training(split, config, progress=on_progress, stop=stop, workdir=folder)
    from distributed import Event, Variable
    from distributed import TimeoutError as DaskTimeout

    client = _client_or_none(placement)
    if client is None:  # a laptop where worker processes cannot start still trains: here, in this thread
        return train(split, config, folder, Placement("thread"), on_progress=on_progress, on_wait=on_wait, stop=stop)
    job = uuid.uuid4().hex
    future = progress = None
    with _lock:
        _line[job] = False
    try:
        while not _take_slot(job, client):
            if stop.is_set():
                raise ExplorerInputError("Stopped before a worker was free: nothing was trained.")
            on_wait(_place_in_line(job))
            stop.wait(_POLL_S)
        stop_event = Event(f"explorer-stop-{job}", client=client)
        progress = Variable(f"explorer-progress-{job}", client=client)
        progress.set(None)  # a value from the start: asking an empty Variable logs an error on the scheduler
        shared = str(folder) if placement.kind == "local" else None  # local workers share this disk
        future = client.submit(_train_in_worker, split, config, job, shared, pure=False, key=f"train-{job}",
                               resources=_train_slots(client)[1])
        seen: tuple | None = None
        while not future.done():
            if stop.is_set():
                stop_event.set()
            # Wait a moment, waking at once on Stop (once it is set, stop.wait would not wait at all).
            (time.sleep if stop.is_set() else stop.wait)(_POLL_S)
            try:
                latest = progress.get(timeout=0.05)
            except (DaskTimeout, TimeoutError):
                continue
            if latest is None:  # no report yet
                continue
            key = (latest.stage, latest.epoch, latest.batch)
            if key != seen:
                seen = key
                on_progress(latest)
        result, blob = future.result()
    finally:
        with _lock:
            _line.pop(job, None)
        if future is not None and not future.done():
            future.cancel()
        if progress is not None:
            progress.delete()
    if blob is None:
        return result  # written in `folder` by the worker
    path = folder / "best.keras"
    path.write_bytes(blob)
    return replace(result, checkpoint=str(path))

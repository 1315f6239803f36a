"""Runs on worker processes: where they go, a cluster of separate processes, the line, Stop.

The cluster test starts what a department would: `dask scheduler` in one process and two
`dask worker` processes pointing at it, then sends runs there as the app does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from explorer import engine
from explorer.errors import ExplorerInputError
from explorer.io.datasets import make_shapes, split_dataset
from explorer.training import TrainConfig, load_classifier

ROOT = Path(__file__).resolve().parents[2]
SPLIT = split_dataset(make_shapes(8, 32, seed=1), 0.25)  # 18 train, 6 val, 3 classes


def _cnn(**changes) -> TrainConfig:
    base = dict(backbone="simple_cnn", image_size=32, epochs=2, batch_size=8, strategy="fine-tune", fine_tune_layers=2)
    return TrainConfig(**{**base, **changes})


@pytest.mark.parametrize("setting, env, expected", [
    (None, None, engine.Placement("local")),
    ("", "local", engine.Placement("local")),
    (None, "off", engine.Placement("thread")),
    (None, "tcp://gpu-box:8786", engine.Placement("remote", "tcp://gpu-box:8786")),
    ("tcp://10.0.0.5:8786", "off", engine.Placement("remote", "tcp://10.0.0.5:8786")),  # secrets.toml wins
])
def test_where_runs_train_comes_from_the_setting_then_the_environment(monkeypatch, setting, env, expected) -> None:
    monkeypatch.delenv(engine.ADDRESS_ENV, raising=False)
    if env is not None:
        monkeypatch.setenv(engine.ADDRESS_ENV, env)
    assert engine.configured_placement(setting) == expected


@pytest.mark.parametrize("value", ["gpu-box:8786", "http://x", "tcp://", "yes"])
def test_a_bad_workers_setting_names_the_rule(value) -> None:
    with pytest.raises(ValueError, match="tcp://host:8786") as caught:
        engine.configured_placement(value)
    assert repr(value)[:20] in str(caught.value)


@pytest.mark.parametrize("cpus, layout", [(1, (1, 1)), (2, (1, 2)), (4, (1, 4)), (16, (4, 4)), (6, (1, 6))])
def test_local_workers_share_the_cores_without_oversubscribing(cpus, layout) -> None:
    workers, threads = engine.worker_layout(cpus)
    assert (workers, threads) == layout and workers * threads <= cpus


def test_a_thread_placement_trains_in_this_process(tmp_path) -> None:
    seen: list = []
    result = engine.train(SPLIT, _cnn(), tmp_path / "run", engine.Placement("thread"), on_progress=seen.append,
                          on_wait=lambda n: None, stop=threading.Event())
    assert Path(result.checkpoint).parent == tmp_path / "run" and seen and result.epochs_run == 2


def _until(condition, seconds: float = 300, state=lambda: "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"condition not met in time {state()}"
        time.sleep(0.05)


def test_a_cluster_that_cannot_be_reached_is_one_clear_message(tmp_path) -> None:
    with pytest.raises(ExplorerInputError, match="cannot be reached"):
        engine.train(SPLIT, _cnn(), tmp_path / "run", engine.Placement("remote", f"tcp://127.0.0.1:{_port()}"),
                     on_progress=lambda p: None, on_wait=lambda n: None, stop=threading.Event())


def test_where_local_workers_cannot_start_the_run_trains_in_this_process(monkeypatch, tmp_path) -> None:
    def cannot(placement):
        raise OSError("no processes here")

    monkeypatch.setattr(engine, "get_client", cannot)
    result = engine.train(SPLIT, _cnn(), tmp_path / "run", engine.Placement("local"), on_progress=lambda p: None,
                          on_wait=lambda n: None, stop=threading.Event())
    assert result.epochs_run == 2 and Path(result.checkpoint).parent == tmp_path / "run"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and two single-thread worker processes, each started on its own like on a real cluster."""
    port = _port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "OMP_NUM_THREADS": "1",
           "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                 "--name", f"w{i}", "--no-dashboard", "--memory-limit", "4GiB"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for i in range(2)]
    placement = engine.Placement("remote", address)
    try:
        deadline = time.monotonic() + 120
        while True:  # wait for the condition: both workers registered
            try:
                client = engine.get_client(placement)
                client.wait_for_workers(2, timeout=5)
                break
            except Exception:
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise
        yield placement
    finally:
        engine.shutdown()
        for process in (*workers, scheduler):
            process.terminate()
        for process in (*workers, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _prepared() -> bool:
    import gc

    return "tensorflow" in sys.modules and "explorer.training.run" in sys.modules and gc.get_freeze_count() > 100_000


def test_warm_up_has_every_worker_import_tensorflow_and_set_its_objects_aside_before_the_first_run(cluster) -> None:
    client = engine.get_client(cluster)
    engine.warm_up(cluster)
    engine.warm_up(cluster)  # once per process: the second call does nothing
    _until(lambda: all(client.run(_prepared).values()), seconds=120)


def test_a_run_on_a_separate_cluster_reports_progress_and_brings_its_checkpoint_back(cluster, tmp_path) -> None:
    seen: list = []
    result = engine.train(SPLIT, _cnn(epochs=3), tmp_path / "run", cluster, on_progress=seen.append,
                          on_wait=lambda n: None, stop=threading.Event())
    # The latest report wins (a page shows the latest): epochs only go forward, and the last has the whole history.
    assert [p.epoch for p in seen] == sorted(p.epoch for p in seen) and seen[-1].epoch == 3
    assert len(seen[-1].history["loss"]) >= 2
    assert result.epochs_run == 3 and len(result.history["val_loss"]) == 3
    assert Path(result.checkpoint) == tmp_path / "run" / "best.keras"  # here, not on the worker
    classifier = load_classifier(Path(result.checkpoint).read_bytes())
    assert classifier.class_names == SPLIT.class_names
    reloaded = keras.models.load_model(result.checkpoint)
    probs = reloaded.predict(SPLIT.val_images.astype(np.float32), verbose=0)
    assert probs.shape == (6, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_more_runs_than_workers_wait_their_turn_in_order_and_all_finish(cluster, tmp_path) -> None:
    places: dict[int, list[int]] = {i: [] for i in range(4)}
    started: dict[int, float] = {}
    results: dict[int, object] = {}
    stops = [threading.Event() for _ in range(4)]

    def one(i: int, epochs: int) -> None:
        def progress(p):
            started.setdefault(i, time.monotonic())
        results[i] = engine.train(SPLIT, _cnn(epochs=epochs, seed=i), tmp_path / f"run{i}", cluster,
                                  on_progress=progress, on_wait=places[i].append, stop=stops[i])

    threads = [threading.Thread(target=one, args=(i, 200 if i < 2 else 2)) for i in range(4)]
    # Four students press Train one after the other: two long runs train, then two more arrive and wait.
    threads[0].start(), threads[1].start()
    _until(lambda: 0 in started and 1 in started)
    threads[2].start()
    _until(lambda: bool(places[2]))
    threads[3].start()
    _until(lambda: bool(places[3]))
    stops[0].set()  # a worker is free: the first in line gets it
    _until(lambda: 2 in started)
    stops[1].set()
    for t in threads:
        t.join(timeout=600)
    assert sorted(results) == [0, 1, 2, 3] and results[0].stopped and results[1].stopped
    # 2 waits first in line; 3 second, then it moves up (it may get the other worker first).
    assert set(places[2]) == {1} and places[3][0] == 2 and places[3] == sorted(places[3], reverse=True)
    assert started[2] < started[3]  # first in, first out


def test_stop_ends_a_run_on_a_worker_cleanly_with_its_best_checkpoint(cluster, tmp_path) -> None:
    stop = threading.Event()

    def progress(p):
        if p.epoch >= 2:
            stop.set()

    result = engine.train(SPLIT, _cnn(epochs=30), tmp_path / "run", cluster, on_progress=progress,
                          on_wait=lambda n: None, stop=stop)
    assert result.stopped and 2 <= result.epochs_run < 30
    assert Path(result.checkpoint).is_file()


def test_a_bad_run_on_a_worker_comes_back_as_its_clear_message(cluster, tmp_path) -> None:
    wrong = split_dataset(make_shapes(8, 40, seed=1), 0.25)  # 40 px images for a 32 px run
    with pytest.raises(ExplorerInputError, match="input size 32"):
        engine.train(wrong, _cnn(), tmp_path / "run", cluster, on_progress=lambda p: None,
                     on_wait=lambda n: None, stop=threading.Event())


def test_local_workers_write_the_best_checkpoint_into_the_run_folder_as_the_run_goes(tmp_path, monkeypatch) -> None:
    """A run on the server's own workers leaves its best checkpoint so far in its folder, so a run cut short
    by a restart still offers one (a remote worker sends it when the run ends)."""
    engine.shutdown()  # fresh local workers, started with the setting below
    monkeypatch.setenv("EXPLORER_CHECKPOINT_EVERY_S", "0")  # every new best (30 s apart by default)
    folder = tmp_path / "run"
    during: list[bool] = []
    stop = threading.Event()

    def progress(p) -> None:
        if p.epoch >= 3 and not during:
            during.append((folder / "best.keras").is_file())
            stop.set()

    try:
        result = engine.train(SPLIT, _cnn(epochs=30), folder, engine.Placement("local"), on_progress=progress,
                              on_wait=lambda n: None, stop=stop)
    finally:
        engine.shutdown()
    assert during == [True]
    assert result.stopped and Path(result.checkpoint) == folder / "best.keras"
    assert load_classifier((folder / "best.keras").read_bytes()).class_names == SPLIT.class_names


def test_a_prediction_on_a_separate_cluster_is_the_one_made_here(cluster) -> None:
    """The pages' work (explorer.jobs) runs on the cluster's workers and comes back as plain data."""
    from explorer import jobs
    from explorer.activations import build_extractor
    from explorer.io.images import load_sample, square_crop

    cat = square_crop(load_sample("cat").pixels, 224)
    there = engine.compute(jobs.activations, "efficientnet_lite0", cat, ("top_activation",), placement=cluster)
    here = build_extractor("efficientnet_lite0").run(cat)
    np.testing.assert_allclose(there.probabilities, here.probabilities, rtol=1e-4, atol=1e-6)
    assert there.predictions(1)[0].index == here.predictions(1)[0].index
    table = engine.compute(jobs.param_table, "vgg16", 224, placement=cluster)
    assert table.total == 14_714_688
    with pytest.raises(ExplorerInputError, match="Received"):  # the job's own error, raised here
        engine.compute(jobs.param_table, "no_such_net", 224, placement=cluster)


def test_local_workers_answer_the_pages_while_a_run_trains(tmp_path) -> None:
    """A local worker trains on one thread (the `train` resource) and computes for the pages on the other."""
    from explorer import jobs

    engine.shutdown()
    local = engine.Placement("local")
    stop, training = threading.Event(), threading.Event()
    done: list = []
    config = _cnn(epochs=200)
    thread = threading.Thread(target=lambda: done.append(engine.train(
        SPLIT, config, tmp_path / "run", local, on_progress=lambda p: training.set(),
        on_wait=lambda n: None, stop=stop)))
    try:
        thread.start()
        _until(training.is_set)
        table = engine.compute(jobs.param_table, "simple_cnn", 32, placement=local)
        assert not done  # answered while the run still trains
        assert table.backbone == "simple_cnn" and table.total > 0
    finally:
        stop.set()
        thread.join(timeout=300)
        engine.shutdown()
    assert done and done[0].stopped


def _die() -> None:
    os._exit(1)  # what a worker killed for its memory looks like from the web server


def test_a_worker_lost_in_the_middle_of_a_job_is_one_clear_message() -> None:
    import dask

    engine.shutdown()
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # no retry on a fresh worker
        try:
            with pytest.raises(ExplorerInputError, match="worker process stopped before this was done"):
                engine.compute(_die, placement=engine.Placement("local"))
        finally:
            engine.shutdown()  # inside the setting: the cluster's last callbacks still read it


def test_a_long_lived_worker_names_layers_as_a_fresh_session_would() -> None:
    """The Freeze Lab's table lists 'input_layer', as the generated code gives a student, however
    many networks the worker built before (four builds: at least two on one of its two threads)."""
    from explorer import jobs

    local = engine.Placement("local")
    try:
        names = [engine.compute(jobs.param_table, "simple_cnn", 32, placement=local).layers[0].name
                 for _ in range(4)]
    finally:
        engine.shutdown()
    assert names == ["input_layer"] * 4

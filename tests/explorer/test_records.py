"""A run cut short by a server restart is found from its record; finished and dismissed runs are not."""

from __future__ import annotations

import json
import subprocess
import sys

from explorer.training import records


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_running_record_of_a_gone_server_is_interrupted(tmp_path):
    folder = records.start_record("EfficientNet-Lite0 · fine-tune", 10, root=tmp_path)
    records.update_record(folder, 3, 10)
    assert records.interrupted_runs(tmp_path) == []  # this server runs it
    data = json.loads((folder / records.RECORD_FILE).read_text())
    (folder / records.RECORD_FILE).write_text(json.dumps({**data, "pid": _dead_pid()}))
    (found,) = records.interrupted_runs(tmp_path)
    assert (found.label, found.epoch, found.epochs, found.checkpoint) == ("EfficientNet-Lite0 · fine-tune", 3, 10, None)
    (folder / "best.keras").write_bytes(b"x")
    assert records.interrupted_runs(tmp_path)[0].checkpoint == folder / "best.keras"
    records.dismiss_record(folder)
    assert records.interrupted_runs(tmp_path) == []


def test_a_new_server_with_the_same_process_id_sees_the_old_run_as_interrupted(tmp_path, monkeypatch):
    folder = records.start_record("run", 5, root=tmp_path)
    monkeypatch.setattr(records, "SERVER_TOKEN", "another-server")
    assert [r.folder for r in records.interrupted_runs(tmp_path)] == [folder]


def test_finished_runs_and_stray_files_are_not_reported(tmp_path):
    folder = records.start_record("run", 5, root=tmp_path)
    records.finish_record(folder)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / records.RECORD_FILE).write_text("{not json")
    (tmp_path / "file.txt").write_text("x")
    assert records.interrupted_runs(tmp_path) == []
    assert records.interrupted_runs(tmp_path / "missing") == []


def _run(root, state: str, megabytes: int, started: float, pid: int | None = None):
    folder = records.start_record("run", 5, root=root)
    data = json.loads((folder / records.RECORD_FILE).read_text())
    (folder / records.RECORD_FILE).write_text(json.dumps({**data, "state": state, "started": started,
                                                          **({"pid": pid} if pid is not None else {})}))
    (folder / "best.keras").write_bytes(b"\0" * (megabytes * 2**20))
    return folder


def test_prune_keeps_the_folders_under_the_cap_oldest_first_and_never_a_training_run(tmp_path):
    import time

    now = time.time()
    training = _run(tmp_path, "running", 3, now - 300)  # this server is training it
    other_server = _run(tmp_path, "running", 3, now - 290, pid=1)  # pid 1 is alive: another server's run
    old_done = _run(tmp_path, "done", 3, now - 200)
    interrupted = _run(tmp_path, "running", 3, now - 150, pid=_dead_pid())
    dismissed = _run(tmp_path, "dismissed", 3, now - 100)
    newest = _run(tmp_path, "done", 3, now - 10)
    assert records.prune(tmp_path, cap_bytes=14 * 2**20) == [old_done, interrupted]  # 18 MB -> 12 MB
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (training, other_server, dismissed, newest))
    assert records.prune(tmp_path, cap_bytes=0) == [dismissed, newest]  # never the two training runs
    assert {p.name for p in tmp_path.iterdir()} == {training.name, other_server.name}


def test_prune_deletes_what_no_page_needs_after_a_day_and_each_new_run_prunes(tmp_path, monkeypatch):
    import time

    stale = _run(tmp_path, "done", 0, time.time() - 2 * 86_400)
    (tmp_path / "not-a-run").mkdir()  # no record: its age is its folder's
    assert records.prune(tmp_path, cap_bytes=2**40) == [stale]
    monkeypatch.setenv("EXPLORER_RUNS_MAX_MB", "1")
    big = _run(tmp_path, "done", 2, time.time() - 60)
    new = records.start_record("next", 5, root=tmp_path)  # over 1 MB: the finished run goes
    assert not big.exists() and new.exists()

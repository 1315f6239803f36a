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

"""What users upload is shown as text: names never render as Markdown, messages never show a server path,
out-of-range numbers are clamped visibly, and a run cut short by a restart is reported."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from explorer.io.text import literal, plain
from explorer.models.heads import MAX_HIDDEN_UNITS, MAX_OUTPUTS
from explorer.training import records
from ui.state import finetune, freeze

ROOT = Path(__file__).resolve().parents[2]
FINETUNE = str(ROOT / "app_pages" / "finetune_lab.py")
FREEZE = str(ROOT / "app_pages" / "freeze_lab.py")

NASTY_CLASSES = (
    "![img](mdimg.png)[link](mdlink.html)",
    "$x^2$ **bold** <b>html :red[red] <img src=mdimg2.png>",
    "abc\u202edef",
    "L" * 10_000,
)
SKIPPED = "cats/![x](http://127.0.0.1:9/_stcore/health?mdimg=1).txt"
SERVER_PATHS = re.compile(r"/tmp/|/root|site-packages|/home/|/usr/|" + re.escape(str(ROOT)))


def nasty_zip() -> bytes:
    """Two tiny PNGs in each class folder with a hostile name, and a hostile skipped file."""
    png = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(png, "PNG")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for c in NASTY_CLASSES:
            for i in range(2):
                z.writestr(f"{c}/{i}.png", png.getvalue())
        z.writestr(NASTY_CLASSES[0] + "/" + SKIPPED.split("/", 1)[1], b"text")
    return buf.getvalue()


def _zip_page(data: bytes, name: str = "data.zip") -> AppTest:
    at = AppTest.from_file(FINETUNE, default_timeout=300)
    at.session_state[finetune.DATA] = "zip"
    at.session_state[finetune.SIZE] = 32
    at.run()
    at.file_uploader(key=finetune.ZIP).set_value((name, data, "application/zip"))
    return at.run()


def test_zip_names_are_shown_literally_never_as_markdown():
    at = _zip_page(nasty_zip())
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(m.value for m in at.markdown)
    for name in NASTY_CLASSES:
        assert literal(name) in shown
    assert "\u202e" not in shown and "L" * 100 not in shown  # bidi made visible, long names shortened
    skipped = "\n".join(t.value for t in at.text)
    assert plain(NASTY_CLASSES[0] + "/" + SKIPPED.split("/", 1)[1], 120) in skipped


def _keras_error(data: bytes) -> list[str]:
    at = AppTest.from_file(FINETUNE, default_timeout=300)
    at.session_state[finetune.PER_CLASS] = 4  # the built-in shapes, small: the saved-model check is below the data
    at.session_state[finetune.SIZE] = 32
    at.run()
    at.file_uploader(key=finetune.MODEL_FILE).set_value(("model.keras", data, "application/octet-stream"))
    png = io.BytesIO()
    Image.new("RGB", (16, 16)).save(png, "PNG")
    at.file_uploader(key=finetune.PHOTO).set_value(("cat.png", png.getvalue(), "image/png"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def _zip_error(data: bytes, name: str = "data.zip") -> list[str]:
    at = _zip_page(data, name)
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def test_no_error_message_shows_a_server_path():
    messages = []
    messages += _keras_error(os.urandom(4096))  # random bytes as a .keras
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("config.json", "{}")
    messages += _keras_error(zipped.getvalue())  # a ZIP that is no Keras model
    messages += _zip_error(os.urandom(4096))  # random bytes as a ZIP
    messages += _zip_error(nasty_zip()[:-200], "![x](/tmp/evil).zip")  # truncated ZIP
    assert len(messages) >= 4, messages
    for message in messages:
        assert not SERVER_PATHS.search(message.replace("\\", "")), message


def test_the_zip_size_message_shows_the_real_size():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"a/{i}.bmp", b"\0" * (175 * 2**20))
    (message,) = _zip_error(buf.getvalue())
    text = message.replace("\\", "")
    assert "at most 500 MB" in text and "Received: 525.0 MB (550,502,400 bytes)" in text


@pytest.mark.parametrize(("page", "key", "typed", "used"), [
    (FREEZE, freeze.OUTPUTS, MAX_OUTPUTS + 1, MAX_OUTPUTS),
    (FREEZE, freeze.HIDDEN, MAX_HIDDEN_UNITS + 1, MAX_HIDDEN_UNITS),
    (FINETUNE, finetune.HIDDEN, MAX_HIDDEN_UNITS + 1, MAX_HIDDEN_UNITS),
], ids=["freeze-outputs", "freeze-hidden", "finetune-hidden"])
def test_an_out_of_range_number_is_clamped_visibly(page, key, typed, used):
    at = AppTest.from_file(page, default_timeout=300)
    if page == FINETUNE:
        at.session_state[finetune.DATA] = "zip"  # no data: the sidebar alone
    at.run()
    at.number_input(key=key).set_value(typed).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=key).value == used
    assert any(f"{used:,} is used" in t.value and f"Received: {typed:,}" in t.value for t in at.toast)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_cut_short_by_a_restart_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_RUNS_DIR", str(tmp_path))
    folder = records.start_record("EfficientNet-Lite0 · fine-tune", 10)
    records.update_record(folder, 4, 10)
    data = json.loads((folder / records.RECORD_FILE).read_text())
    (folder / records.RECORD_FILE).write_text(json.dumps({**data, "pid": _dead_pid()}))
    (folder / "best.keras").write_bytes(b"saved on the way")  # a long run saves its best so far
    classmate = AppTest.from_file(FINETUNE, default_timeout=300).run()  # another browser on the same server
    assert not [w for w in classmate.warning if "server restart" in w.value]
    at = AppTest.from_file(FINETUNE, default_timeout=300)
    at.query_params["run"] = folder.name  # the address of the page that started the run, reconnecting
    at.session_state[finetune.DATA] = "zip"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (warning,) = [w.value for w in at.warning if "server restart" in w.value]
    assert "after epoch 4 of 10" in warning
    assert at.get("download_button")[0].proto.label == "Download its best checkpoint (.keras)"
    at.button(key=f"finetune.restart.dismiss.{folder.name}").click().run()
    assert not [w for w in at.warning if "server restart" in w.value]
    assert "run" not in at.query_params


def test_a_run_names_itself_in_the_address_while_it_trains(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("EXPLORER_WORKERS", "off")
    at = AppTest.from_file(FINETUNE, default_timeout=300)
    at.query_params["run"] = "run-nothing-here"  # a stale one: dropped without a word
    at.run()
    assert "run" not in at.query_params and not [w for w in at.warning if "restart" in w.value]
    at.slider(key=finetune.EPOCHS).set_value(1).run()
    at.button(key=finetune.TRAIN).click().run()
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert at.query_params["run"] == folder.name
    deadline = time.monotonic() + 300
    while "run" in at.query_params and time.monotonic() < deadline:  # the run ends: the address forgets it
        time.sleep(1)
        at.run()
    assert "run" not in at.query_params
    assert not at.exception, [e.value for e in at.exception]

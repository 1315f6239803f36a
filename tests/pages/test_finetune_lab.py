"""The Fine-tune Lab under AppTest: a short feature-extraction run shows its curves and accuracy."""

from __future__ import annotations

import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui import training as runs
from ui.state import finetune as keys

ROOT = Path(__file__).resolve().parents[2]

PAGE = str(ROOT / "app_pages" / "finetune_lab.py")


def _tiny(at: AppTest) -> AppTest:
    at.run()
    at.slider(key=keys.PER_CLASS).set_value(6)
    at.select_slider(key=keys.SIZE).set_value(32)
    at.slider(key=keys.EPOCHS).set_value(2)
    at.select_slider(key=keys.BATCH).set_value(8)
    return at.run()


def _wait_for_result(at: AppTest, seconds: float = 240) -> AppTest:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        if any("acc:" in m.value for m in at.markdown):
            return at
        time.sleep(1.0)
    raise AssertionError("the run did not finish")


def test_counts_are_shown_before_training() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Total", "Trainable", "Non-trainable"]
    trainable = int(at.metric[1].value.replace(",", ""))
    assert trainable == 1281 * 3  # GAP over 1280 Lite0 channels -> Dense(3): the head alone trains


def test_a_feature_extraction_run_shows_curves_and_accuracy() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.button(key=keys.TRAIN).click().run()
    assert not at.exception
    at = _wait_for_result(at)
    assert not at.exception
    line = next(m.value for m in at.markdown if "acc:" in m.value)
    assert re.search(r"acc: \d{1,3}\.\d\d%", line)
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert len(charts) >= 3  # curves, confusion matrix, comparison
    assert at.button(key=keys.TRAIN).disabled is False
    assert at.get("download_button")


def test_choosing_zip_asks_for_an_upload() -> None:
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.radio(key=keys.DATA).set_value("zip").run()
    assert not at.exception
    assert any("Upload a ZIP" in i.value for i in at.info)


def test_how_much_data_repeats_the_run_at_each_size_and_plots_it() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.slider(key=keys.EPOCHS).set_value(1)
    at.multiselect(key=keys.SIZES).set_value([2, 4, 64])  # 64 > the 5 there are: capped, not repeated
    at.button(key=keys.SIZES_RUN).click().run()
    assert not at.exception
    deadline = time.monotonic() + 240
    while runs.DATA_SIZE not in at.session_state and time.monotonic() < deadline:
        time.sleep(1.0)
        at.run()
    assert not at.exception
    label, points = at.session_state[runs.DATA_SIZE]
    assert [n for n, _ in points] == [2, 4, 5]  # 6 per class -> 5 train, 1 validation
    assert all(0.0 <= acc <= 1.0 for _, acc in points)
    assert any("How much data" in s.value for s in at.subheader)
    assert at.button(key=keys.TRAIN).disabled is False


def test_the_photo_set_says_at_once_that_this_machine_is_offline(monkeypatch, tmp_path) -> None:
    import socket

    def unreachable(*args, **kwargs):
        raise OSError("Network is unreachable")

    # No real request ever leaves the test: the network is simulated away, the cache is empty.
    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.radio(key=keys.DATA).set_value("photos").run()
    assert not at.exception
    assert any("Download the cats-vs-dogs photos" in b.label for b in at.button)
    at.button(key=keys.FETCH).click().run()
    assert not at.exception
    assert any("offline" in e.value for e in at.error)
    at.radio(key=keys.DATA).set_value("shapes").run()  # and the built-in data still works
    assert not at.exception and not at.error
    assert at.button(key=keys.TRAIN).disabled is False

"""The Fine-tune Lab under AppTest: a short feature-extraction run shows its curves and accuracy."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
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


def _wait_for_result(at: AppTest, seconds: float = 600) -> AppTest:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        if any("acc:" in m.value for m in at.markdown):
            return at
        time.sleep(2.0)  # each at.run() redraws the whole page: polling less leaves the CPU to the run
    raise AssertionError("the run did not finish")


def test_counts_are_shown_before_training() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels == ["Total", "Trainable", "Non-trainable"]
    trainable = int(at.metric[1].value.replace(",", ""))
    assert trainable == 1281 * 3  # GAP over 1280 Lite0 channels -> Dense(3): the head alone trains


def test_each_strategy_is_a_short_name_with_what_it_does_written_under_it() -> None:
    """A 1024-px projector's sidebar shows about 30 characters of a choice: the name is short, and
    the line under it says what the chosen strategy trains."""
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    box = at.selectbox(key=keys.STRATEGY)
    assert box.options == ["Feature extraction", "Fine-tune the last N layers", "Two-stage training", "From scratch"]
    notes = {}
    for strategy in ("feature-extraction", "fine-tune", "two-stage", "scratch"):
        at.selectbox(key=keys.STRATEGY).set_value(strategy).run()
        notes[strategy] = [c.value for c in at.sidebar.caption]
    assert any("only the head trains" in c for c in notes["feature-extraction"])
    assert any("The last N layers" in c for c in notes["fine-tune"])
    assert any("lower rate" in c for c in notes["two-stage"])
    assert any("random weights" in c for c in notes["scratch"])
    assert not any("lower rate" in c for c in notes["scratch"])


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


def test_how_much_data_says_why_a_size_is_skipped_and_plots_it() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.slider(key=keys.PER_CLASS).set_value(34)  # 7 validation images per class: 21 in all
    at.slider(key=keys.EPOCHS).set_value(1)
    at.multiselect(key=keys.SIZES).set_value([2, 32, 64])  # the split has 27 per class: 32 runs as 27, 64 repeats it
    at.run()
    at.button(key=keys.SIZES_RUN).click().run()
    assert not at.exception
    _wait_until(at, lambda: runs.DATA_SIZE in at.session_state)
    _config, points, plan = at.session_state[runs.DATA_SIZE]
    assert [n for n, _ in points] == [2, 27] and plan.val_images == 21
    assert all(0.0 <= acc <= 1.0 for _, acc in points)
    assert any("How much data" in s.value for s in at.subheader)
    notes = " ".join(c.value for c in at.caption)
    assert "64 per class skipped: the training split has only 27 images per class" in notes
    assert "32 per class runs with 27" in notes and "21 validation images" in notes
    assert at.button(key=keys.TRAIN).disabled is False


def test_how_much_data_refuses_a_validation_set_too_small_to_separate_the_points() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))  # 6 per class: 3 validation images
    at.multiselect(key=keys.SIZES).set_value([2, 4])
    at.run()
    at.button(key=keys.SIZES_RUN).click().run()
    assert not at.exception
    assert any("validation set is too small" in e.value and "Received: 3 validation images" in e.value
               for e in at.error)
    assert runs.ACTIVE not in at.session_state and at.button(key=keys.TRAIN).disabled is False


@pytest.mark.timeout(1800)  # three (tiny) runs, one of them the whole network from scratch
def test_one_click_compares_transfer_scratch_and_two_stage_on_one_chart() -> None:
    import json

    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.selectbox(key=keys.STRATEGY).set_value("two-stage").run()  # shows the stage-2 settings the comparison takes
    at.slider(key=keys.EPOCHS).set_value(1)
    at.slider(key=keys.STAGE2).set_value(1)
    at.run()
    at.button(key=keys.COMPARE_RUN).click().run()
    assert not at.exception
    assert any("run 1 of 3" in p.proto.text for p in at.get("progress"))
    _wait_until(at, lambda: runs.ACTIVE not in at.session_state, seconds=900)
    assert not at.error
    results = [r for r, _ in at.session_state[runs.RUNS]]
    assert [r.config.strategy for r in results] == ["feature-extraction", "scratch", "two-stage"]
    assert len({r.train_images for r in results}) == 1 and len({r.config.seed for r in results}) == 1
    assert (results[2].config.stage2_epochs, results[2].config.stage2_learning_rate) == (1, 1e-4)
    compare = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "finetune.compare_chart" in c.proto.id)
    assert [t["name"].split(". ", 1)[1].split(" ·")[0] for t in compare["data"]] == \
        ["feature-extraction", "scratch", "two-stage"]
    assert compare["layout"]["showlegend"] is True


def test_the_page_reruns_by_itself_only_while_a_run_is_live(monkeypatch) -> None:
    calls: list[int] = []
    original = runs._live_fragment
    monkeypatch.setattr(runs, "_live_fragment", lambda: (calls.append(1), original()))
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    assert not at.exception and calls == []  # idle: no fragment, so no run_every timer
    at.button(key=keys.TRAIN).click().run()
    assert calls  # live: the fragment (run_every=1 s) draws progress and Stop
    at = _wait_for_result(at)
    calls.clear()
    at.run()
    assert calls == [] and not at.exception  # finished: idle again


@pytest.mark.timeout(1800)  # three runs at the defaults: about a minute and a half alone, more on a busy machine
def test_the_defaults_teach_two_stage_at_least_feature_extraction_above_scratch() -> None:
    """SEEDS section 4 on the page's defaults: the built-in data, the fixed seed, the one-click comparison's runs."""
    from explorer.io.datasets import make_shapes, split_dataset
    from explorer.training import TrainConfig, run_training

    d = keys.STATE.defaults()
    assert (d["data"], d["backbone"], d["strategy"]) == ("shapes", "efficientnet_lite0", "feature-extraction")
    base = TrainConfig(d["backbone"], d["size"], d["strategy"], d["head"], d["hidden"], 0.0, d["epochs"], d["stage2"],
                       d["n"], d["lr_feature-extraction"], d["lr2"], d["batch"], d["patience"], d["factor"],
                       d["min_lr"], None)
    split = split_dataset(make_shapes(d["per_class"], d["size"], seed=0), 0.2, base.seed)  # as the page makes it
    accuracy = {c.strategy: run_training(split, c).val_accuracy for c in runs.comparison_configs(base, d)}
    print(accuracy)
    assert accuracy["two-stage"] >= accuracy["feature-extraction"] > accuracy["scratch"]


def _wait_until(at: AppTest, done, seconds: float = 300) -> AppTest:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(2.0)
        at.run()
    assert not at.exception
    assert done(), "the run did not finish"
    return at


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


# --------------------------------------------------------------------------- Freeze X-ray


def _heatmaps(at: AppTest) -> list[dict]:
    """The Plotly figures on the page that hold a heatmap with a head row (the Freeze X-ray)."""
    import json

    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return [f for f in figures if any(t.get("type") == "heatmap" and any(str(y).startswith("head/") for y in t["y"])
                                      for t in f["data"])]


def test_a_two_stage_run_shows_the_freeze_xray_heatmap_with_the_stage_switch() -> None:
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.selectbox(key=keys.BACKBONE).set_value("simple_cnn").run()  # a small model: stage 2 traces in seconds
    at = _tiny(at)
    at.selectbox(key=keys.STRATEGY).set_value("two-stage").run()
    at.slider(key=keys.EPOCHS).set_value(1)
    at.slider(key=keys.STAGE2).set_value(1)
    at.button(key=keys.TRAIN).click().run()
    at = _wait_for_result(at)
    assert not at.exception
    assert any("Freeze X-ray" in s.value for s in at.subheader)
    (figure,) = _heatmaps(at)
    moving, zeros = figure["data"][0], figure["data"][1]
    assert moving["x"] == [1, 2] and moving["y"][-1].startswith("head/")
    assert moving["y"] == ["conv1", "conv2", "conv3", "head/output"]  # network order, the head on top
    assert all(row == [1, None] for row in zeros["z"][:3])  # frozen in stage 1 (exactly 0), moving in stage 2
    assert zeros["z"][3] == [None, None]  # the head moves in both stages
    assert any(t.get("name") == "stage 2 starts" for t in figure["data"])  # the dotted line's legend entry
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [1.5]
    assert any("Blue means exactly zero" in c.value for c in at.caption)


@pytest.mark.timeout(1500)  # two two-stage runs of a BatchNormalization network
def test_the_batchnorm_experiment_compares_inference_and_training_mode() -> None:
    from ui import xray

    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.slider(key=keys.EPOCHS).set_value(1)
    at.button(key=xray.BN_RUN).click().run()
    assert not at.exception
    deadline = time.monotonic() + 1200  # two two-stage runs of EfficientNet-Lite0 (it has BatchNormalization)
    while xray.BN_PAIR not in at.session_state and time.monotonic() < deadline:
        time.sleep(1.0)
        at.run()
    assert not at.exception
    inference, training = at.session_state[xray.BN_PAIR]
    assert (inference.config.bn_training, training.config.bn_training) == (False, True)
    assert inference.config.seed == training.config.seed and inference.train_images == training.train_images
    assert all(v == 0.0 for row in inference.movement.bn_drift for v in row)
    assert training.movement.bn_total_drift()[-1] > 0.0
    assert any("BatchNormalization experiment" in s.value for s in at.subheader)
    assert len(at.session_state[runs.RUNS]) == 2  # both runs join the comparison
    assert len(_heatmaps(at)) == 1  # the two runs side by side in the X-ray


def test_a_run_whose_tab_was_closed_stops_and_leaves_no_files(monkeypatch) -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.slider(key=keys.EPOCHS).set_value(50)
    # The tab is closed from the start and a gone session counts at once: a head epoch takes milliseconds,
    # so a grace period of any length could let all 50 epochs finish first.
    monkeypatch.setattr(runs, "ABANDON_S", 0.0)
    monkeypatch.setattr(runs, "_session_alive", lambda session: False)
    at.button(key=keys.TRAIN).click().run()
    handle = at.session_state[runs.ACTIVE]
    handle.thread.join(timeout=300)
    assert not handle.running and handle.abandoned
    assert handle.result is not None and handle.result.stopped and handle.result.epochs_run < 50
    assert handle.folder is not None and not handle.folder.exists()


def test_a_finished_run_whose_files_were_pruned_says_so_instead_of_offering_a_download() -> None:
    at = _tiny(AppTest.from_file(PAGE, default_timeout=300))
    at.button(key=keys.TRAIN).click().run()
    at = _wait_for_result(at)
    assert at.get("download_button")
    (result, pics), = at.session_state[runs.RUNS]
    # The session keeps the wrong guesses' pictures (copies), never a reference to the whole data set.
    assert len(pics) == min(12, len(result.misclassified))
    assert all(isinstance(p, np.ndarray) and p.base is None and p.ndim == 3 and "→" in c for p, c in pics)
    Path(result.checkpoint).unlink()  # what explorer.training.records.prune does to old run folders
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [b for b in at.get("download_button") if b.proto.label == "Download the best model (.keras)"]
    assert any("model file is gone" in c.value for c in at.caption)

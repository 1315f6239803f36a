"""python -m explorer finetune: a tiny run prints its result as JSON; bad data or strategy is one error line."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.training import TrainConfig, load_classifier

ROOT = Path(__file__).resolve().parents[2]
# TensorFlow's own start-up lines on stderr (see test_cli.py); not ours.
_TF_NOISE_PREFIXES = ("WARNING: All log messages", "I0000", "W0000", "E0000")
TINY = ("--backbone", "simple_cnn", "--input-size", "32", "--per-class", "4", "--batch-size", "8")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def our_stderr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(_TF_NOISE_PREFIXES)]


@pytest.fixture(scope="module")
def two_stage(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    out = tmp_path_factory.mktemp("cli") / "runs" / "two-stage"  # a folder that does not exist yet
    proc = run_cli("finetune", "--data", "shapes", *TINY, "--strategy", "two-stage", "--epochs", "1",
                   "--stage2-epochs", "1", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr, out


def test_json_has_the_run_and_its_curves(two_stage: tuple[dict, str, Path]) -> None:
    result, _, _ = two_stage
    assert {"strategy", "backbone", "input_size", "epochs_run", "val_accuracy", "history", "events",
            "checkpoint"} <= set(result)
    assert (result["strategy"], result["backbone"], result["input_size"]) == ("two-stage", "simple_cnn", 32)
    assert result["epochs_run"] == 2
    assert 0.0 <= result["val_accuracy"] <= 1.0
    assert set(result["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 2 for v in result["history"].values())
    assert result["history"]["lr"] == pytest.approx([1e-3, 1e-5])  # stage 2 recompiled at the lower rate
    assert any(e["kind"] == "stage2" for e in result["events"])
    assert result["classes"] == ["circle", "square", "triangle"]


def test_progress_goes_to_stderr_and_the_best_model_to_out(two_stage: tuple[dict, str, Path]) -> None:
    result, stderr, out = two_stage
    lines = our_stderr_lines(stderr)
    assert any(line.startswith("epoch 1/2:") for line in lines)
    assert any(line.startswith("epoch 2/2 (stage 2):") for line in lines)
    assert Path(result["checkpoint"]) == (out / "best.keras").resolve()
    classifier = load_classifier(out / "best.keras")
    assert (classifier.image_size, classifier.class_names) == (32, ("circle", "square", "triangle"))


def test_text_output_prints_the_accuracy_line_from_a_folder(tmp_path: Path) -> None:
    from PIL import Image

    from explorer.io.datasets import make_shapes

    shapes = make_shapes(4, 32, seed=2)
    for i, (image, label) in enumerate(zip(shapes.images, shapes.labels)):
        folder = tmp_path / shapes.class_names[label]
        folder.mkdir(exist_ok=True)
        Image.fromarray(image).save(folder / f"{i}.png")
    model = tmp_path / "model.keras"  # the older --out FILE.keras form: just the model, there
    proc = run_cli("finetune", "--data", str(tmp_path), *TINY, "--epochs", "1", "--out", str(model))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("acc: ")
    assert "best checkpoint: " in proc.stdout and "circle: 3" in proc.stdout
    assert f"best checkpoint: {model.resolve()}" in proc.stdout
    assert load_classifier(model).class_names == ("circle", "square", "triangle")


def test_out_dir_holds_the_model_history_class_names_and_config(two_stage: tuple[dict, str, Path]) -> None:
    result, _, out = two_stage
    assert sorted(p.name for p in out.iterdir()) == ["best.keras", "class_names.json", "config.json", "history.csv"]
    assert result["files"] == {"model": str((out / "best.keras").resolve()),
                               "history": str((out / "history.csv").resolve()),
                               "class_names": str((out / "class_names.json").resolve()),
                               "config": str((out / "config.json").resolve())}
    with (out / "history.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2"] and [r["stage"] for r in rows] == ["1", "2"]
    assert list(rows[0]) == ["epoch", "stage", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert [float(r["lr"]) for r in rows] == pytest.approx([1e-3, 1e-5])
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(result["history"]["val_loss"])
    assert json.loads((out / "class_names.json").read_text()) == ["circle", "square", "triangle"]
    config = json.loads((out / "config.json").read_text())
    assert {k: config[k] for k in ("backbone", "image_size", "strategy", "epochs", "stage2_epochs", "batch_size")} \
        == {"backbone": "simple_cnn", "image_size": 32, "strategy": "two-stage", "epochs": 1, "stage2_epochs": 1,
            "batch_size": 8}
    assert (config["data"], config["per_class"], config["learning_rate"]) == ("shapes", 4, 1e-3)
    assert TrainConfig(**{k: v for k, v in config.items() if k in TrainConfig.__dataclass_fields__})


def test_out_that_is_a_file_or_cannot_be_created_is_one_error_line(tmp_path: Path) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    for out, words in ((taken, "not an existing file"), (taken / "run", "a folder that can be created")):
        proc = run_cli("finetune", "--data", "shapes", *TINY, "--out", str(out))
        lines = our_stderr_lines(proc.stderr)
        assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
        assert words in lines[0] and proc.stdout == ""
    assert taken.read_text() == "mine"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--data", "/no/such/folder"), "No folder"),
        (("--data", "/no/such/data.zip"), "No ZIP file"),
        (("--data", "shapes", "--strategy", "transfer"), "invalid choice"),
        (("--data", "shapes", "--out", "model.h5"), ".keras"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(args: tuple[str, ...], words: str) -> None:
    proc = run_cli("finetune", *TINY, *args)
    assert proc.returncode == 2
    lines = our_stderr_lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], proc.stderr
    assert proc.stdout == ""


# --------------------------------------------------------------------------- Freeze X-ray in the JSON


def test_layer_change_is_zero_for_the_frozen_backbone_in_stage_one_and_not_in_stage_two(two_stage) -> None:
    result, _, _ = two_stage
    stage1, stage2 = result["layer_change"]
    backbone = {"conv1", "conv2", "conv3"}
    head = {name for name in stage1 if name.startswith("head/")}
    assert set(stage1) == backbone | head and head
    assert all(stage1[name] == 0.0 for name in backbone) and all(stage1[name] > 0.0 for name in head)
    assert all(stage2[name] > 0.0 for name in backbone | head)
    assert result["bn_drift"] == [{}, {}]  # the simple CNN has no BatchNormalization


def test_layer_change_of_a_fine_tune_last_n_run_moves_exactly_the_last_layers_with_weights() -> None:
    proc = run_cli("finetune", "--data", "shapes", *TINY, "--strategy", "fine-tune", "--fine-tune-layers", "3",
                   "--epochs", "1", "--lr", "0.01", "--json")
    assert proc.returncode == 0, proc.stderr
    (change,) = json.loads(proc.stdout)["layer_change"]
    # simple_cnn: input, conv1, pool1, conv2, pool2, conv3 -> the last three hold conv2 and conv3
    assert change["conv1"] == 0.0 and change["conv2"] > 0.0 and change["conv3"] > 0.0


@pytest.mark.parametrize("bn_training", [False, True])
def test_bn_drift_stays_zero_in_inference_mode_and_moves_with_bn_training(bn_training: bool) -> None:
    proc = run_cli("finetune", "--data", "shapes", "--backbone", "efficientnet_lite0", "--input-size", "32",
                   "--per-class", "4", "--batch-size", "8", "--strategy", "two-stage", "--epochs", "1",
                   "--stage2-epochs", "1", "--json", *(["--bn-training"] if bn_training else []))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    stage1, stage2 = result["bn_drift"]
    assert stage1 and set(stage1) == set(stage2) and "stem_bn" in stage1
    assert all(v == 0.0 for v in stage1.values())
    if bn_training:
        assert all(v > 0.0 for v in stage2.values())
    else:
        assert all(v == 0.0 for v in stage2.values())
    assert all(v > 0.0 for name, v in result["layer_change"][1].items() if name.startswith("head/"))

"""python -m explorer finetune: a tiny run prints its result as JSON; bad data or strategy is one error line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.training import load_classifier  # registers ExplorerInput for loading

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
    out = tmp_path_factory.mktemp("cli") / "best.keras"
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
    assert Path(result["checkpoint"]) == out.resolve() and out.is_file()
    classifier = load_classifier(out)
    assert (classifier.image_size, classifier.class_names) == (32, ("circle", "square", "triangle"))


def test_text_output_prints_the_accuracy_line_from_a_folder(tmp_path: Path) -> None:
    from PIL import Image

    from explorer.io.datasets import make_shapes

    shapes = make_shapes(4, 32, seed=2)
    for i, (image, label) in enumerate(zip(shapes.images, shapes.labels)):
        folder = tmp_path / shapes.class_names[label]
        folder.mkdir(exist_ok=True)
        Image.fromarray(image).save(folder / f"{i}.png")
    proc = run_cli("finetune", "--data", str(tmp_path), *TINY, "--epochs", "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("acc: ")
    assert "best checkpoint: " in proc.stdout and "circle: 3" in proc.stdout


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

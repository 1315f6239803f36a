"""The command line: python -m explorer params / backbones, as scripts and lecturers use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.models.backbones import list_backbones

ROOT = Path(__file__).resolve().parents[2]

# TensorFlow's C++ logger writes to stderr on import, before any Python setting can
# silence it (TF_CPP_MIN_LOG_LEVEL does not cover the absl pre-init banner): lines
# "WARNING: All log messages before absl::InitializeLog() is called are written to
# STDERR" and glog-style lines starting with I0000 / W0000 / E0000. They are not ours,
# so they are filtered before checking that the CLI printed exactly one error line.
_TF_NOISE_PREFIXES = ("WARNING: All log messages", "I0000", "W0000", "E0000")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def our_stderr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(_TF_NOISE_PREFIXES)]


@pytest.fixture(scope="module")
def vgg16_flatten_json() -> dict:
    proc = run_cli(
        "params", "--backbone", "vgg16", "--input-size", "224", "--head", "flatten",
        "--hidden", "1024", "--outputs", "1", "--trainable", "none", "--json",
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_params_json_reports_the_notes_vgg16_counts(vgg16_flatten_json):
    result = vgg16_flatten_json
    assert result["total"] == 40406849
    assert result["trainable"] == 25692161
    assert result["non_trainable"] == result["total"] - result["trainable"] == 14714688
    assert result["backbone"] == "vgg16"
    assert result["input_size"] == 224


def test_params_json_lists_every_layer_with_name_type_params_trainable(vgg16_flatten_json):
    from explorer.models.params import build_param_table

    layers = vgg16_flatten_json["layers"]
    table = build_param_table("vgg16", 224)
    assert all({"name", "type", "params", "trainable"} <= set(row) for row in layers)
    assert sum(row["params"] for row in layers) == vgg16_flatten_json["total"]
    assert sum(row["params"] for row in layers if row["trainable"]) == vgg16_flatten_json["trainable"]
    backbone_rows, head_rows = layers[: len(table.layers)], layers[len(table.layers):]
    assert [(r["name"], r["type"], r["params"]) for r in backbone_rows][1:] == [
        (l.name, l.type, l.params) for l in table.layers
    ][1:]  # row 0 is the InputLayer, whose auto-generated name differs between processes
    assert not any(r["trainable"] for r in backbone_rows)
    assert [(r["name"], r["type"], r["params"], r["trainable"]) for r in head_rows] == [
        ("head_flatten", "Flatten", 0, True),
        ("fc1", "Dense", 25691136, True),
        ("output", "Dense", 1025, True),
    ]


def test_params_prints_a_readable_table_without_json():
    proc = run_cli("params", "--backbone", "simple_cnn", "--head", "flatten", "--hidden", "64",
                   "--outputs", "10", "--trainable", "all")
    assert proc.returncode == 0, proc.stderr
    assert "122,570" in proc.stdout
    assert "conv1" in proc.stdout and "fc1" in proc.stdout
    assert "non-trainable" in proc.stdout


@pytest.fixture(scope="module")
def simple_cnn_defaults_json() -> dict:
    proc = run_cli("params", "--backbone", "simple_cnn", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_params_defaults_to_default_size_gap_no_hidden_one_output_all_frozen(simple_cnn_defaults_json):
    result = simple_cnn_defaults_json
    assert result["input_size"] == 32
    assert result["trainable_plan"] == "none"
    assert result["trainable"] == 64 + 1  # GAP on 64 channels -> Dense(1), the backbone frozen
    assert [r["name"] for r in result["layers"][-2:]] == ["head_gap", "output"]


def test_params_json_reports_the_head_configuration(simple_cnn_defaults_json):
    assert simple_cnn_defaults_json["head"] == {"kind": "gap", "hidden": 0, "dropout": 0.0, "outputs": 1}


def test_backbones_json_lists_every_registry_id():
    proc = run_cli("backbones", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [row["id"] for row in rows] == [spec.id for spec in list_backbones()]
    for row, spec in zip(rows, list_backbones()):
        assert (row["label"], row["default_size"], row["min_size"], row["weights_source"]) == (
            spec.label, spec.default_size, spec.min_size, spec.weights_source
        )


@pytest.mark.parametrize(
    "args, mentions",
    [
        (["params", "--backbone", "vgg17"], "vgg17"),
        (["params", "--backbone", "vgg16", "--input-size", "10"], "input_size=10"),
        (["params", "--backbone", "vgg16", "--trainable", "last:999"], "last:999"),
        (["params", "--backbone", "vgg16", "--trainable", "bogus"], "bogus"),
        (["params", "--backbone", "vgg16", "--input-size", "abc"], "abc"),
        (["params", "--backbone", "vgg16", "--input-size", "2000"], "input_size=2000"),
        (["params", "--backbone", "vgg16", "--trainable", "from:-1"], "from:-1"),
        (["params", "--backbone", "vgg16", "--outputs", "0"], "outputs=0"),
        (["params", "--backbone", "vgg16", "--head", "max"], "max"),
        (["params", "--backbone", "vgg16", "--dropout", "1.5"], "dropout"),
        (["params"], "--backbone"),
        (["nope"], "nope"),
    ],
    ids=["unknown-backbone", "size-10", "last-999", "bogus-plan", "size-abc", "size-2000",
         "from-minus-1", "outputs-0", "bad-head", "dropout",
         "no-backbone", "unknown-command"],
)
def test_bad_arguments_print_one_error_line_and_exit_2(args, mentions):
    proc = run_cli(*args)

    lines = our_stderr_lines(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    assert mentions in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_the_command_line_stays_english_in_a_korean_locale():
    """Scripts parse the CLI: its words do not follow the machine's language (the app's do)."""
    korean = {"LANG": "ko_KR.UTF-8", "LC_ALL": "ko_KR.UTF-8", "LANGUAGE": "ko"}
    table = run_cli("params", "--backbone", "simple_cnn", env=korean)
    lessons = run_cli("lessons", env=korean)
    error = run_cli("params", "--backbone", "nope", env=korean)
    assert table.returncode == 0 and lessons.returncode == 0 and error.returncode == 2
    assert "non-trainable" in table.stdout and "Freezing VGG16" in lessons.stdout
    assert our_stderr_lines(error.stderr)[0].startswith("error: ")
    for text in (table.stdout, lessons.stdout, error.stderr):
        assert not [c for c in text if "\uac00" <= c <= "\ud7a3"], text[:300]

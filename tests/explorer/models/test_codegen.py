"""The exported Keras code rebuilds the configuration and prints the counts the page shows.

The generated script is executed with weights=None (random weights, no download) in a
fresh namespace; its printed counts and its ``model`` must equal count_parameters().
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path


from explorer.models.backbones import get_backbone
from explorer.models.codegen import generate_keras_code
from explorer.models.heads import HeadConfig
from explorer.models.params import (
    ParamTable,
    TrainablePlan,
    build_param_table,
    count_parameters,
    parse_plan,
    plan_flags,
)

ROOT = Path(__file__).resolve().parents[3]
_TABLES: dict[tuple[str, int | None], ParamTable] = {}


def table_for(backbone: str, size: int | None = None) -> ParamTable:
    """One table per (backbone, size) for the module: a build costs seconds."""
    if (backbone, size) not in _TABLES:
        _TABLES[(backbone, size)] = build_param_table(backbone, size)
    return _TABLES[(backbone, size)]


def _size(weights) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


def run_code(code: str) -> tuple[dict[str, int], dict]:
    """Execute generated code in a fresh namespace; return the printed counts and the namespace."""
    namespace: dict = {"__name__": "__generated__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<generated>", "exec"), namespace)
    return parse_printed(out.getvalue()), namespace


def parse_printed(text: str) -> dict[str, int]:
    found = dict(re.findall(r"^(Total|Trainable|Non-trainable) params: ([\d,]+)$", text, re.M))
    assert set(found) == {"Total", "Trainable", "Non-trainable"}, text
    return {k: int(v.replace(",", "")) for k, v in found.items()}


def assert_code_reproduces(table: ParamTable, head: HeadConfig, plan: TrainablePlan, flags=None):
    expected_flags = plan_flags(table, plan) if flags is None else flags
    counts = count_parameters(table, expected_flags, head)
    code = generate_keras_code(table, head, plan, flags, weights=None)

    printed, namespace = run_code(code)

    assert printed == {
        "Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable
    }
    model = namespace["model"]
    assert model.count_params() == counts.total
    assert _size(model.trainable_weights) == counts.trainable
    assert _size(model.non_trainable_weights) == counts.non_trainable
    base_flags = tuple(layer.trainable for layer in namespace["base"].layers)
    assert base_flags == tuple(expected_flags)
    return code, namespace


def test_vgg16_flatten_all_frozen_code_prints_the_notes_counts():
    table = table_for("vgg16")
    head = HeadConfig("flatten", 1024, 0.0, 1)

    code, namespace = assert_code_reproduces(table, head, parse_plan("none"))

    assert "keras.applications.VGG16(" in code
    assert "weights=None" in code
    assert namespace["model"].optimizer is not None  # compiled, ready to fit


def test_resnet50_gap_all_but_bn_with_per_layer_overrides():
    table = table_for("resnet50")
    plan = parse_plan("all-but-bn")
    flags = list(plan_flags(table, plan))
    names = [layer.name for layer in table.layers]
    flags[names.index("conv1_conv")] = False  # freeze a layer the plan trains
    flags[names.index("conv5_block3_3_bn")] = True  # train a BN layer the plan freezes
    flags[names.index("conv4_block1_0_bn")] = True

    code, _ = assert_code_reproduces(table, HeadConfig("gap", 256, 0.2, 5), plan, tuple(flags))

    assert "keras.applications.ResNet50(" in code
    assert "'conv1_conv'" in code and "'conv5_block3_3_bn'" in code


def test_mobilenet_v2_last_4_code_matches():
    code, _ = assert_code_reproduces(
        table_for("mobilenet_v2"), HeadConfig("gap", 50, 0.0, 1), parse_plan("last:4")
    )
    assert "base.layers[:-4]" in code


def test_simple_cnn_code_matches_122_570():
    head = HeadConfig("flatten", 64, 0.0, 10)
    table = table_for("simple_cnn")

    code, namespace = assert_code_reproduces(table, head, parse_plan("all"))

    assert namespace["model"].count_params() == 122_570
    assert "sparse_categorical_crossentropy" in code


def test_efficientnet_lite0_from_half_code_matches():
    table = table_for("efficientnet_lite0")
    plan = TrainablePlan("from", len(table.layers) // 2)

    code, _ = assert_code_reproduces(table, HeadConfig("gap", 0, 0.0, 3), plan)

    assert "build_efficientnet_lite0(" in code


def test_inception_v3_from_200_code_matches():
    code, _ = assert_code_reproduces(
        table_for("inception_v3"), HeadConfig("gap", 1024, 0.0, 1), parse_plan("from:200")
    )
    assert "keras.applications.InceptionV3(" in code
    assert "index >= 200" in code


def test_last_0_freezes_everything_instead_of_the_layers_minus_0_trap():
    table = table_for("vgg16")
    head = HeadConfig("flatten", 1024, 0.0, 1)
    plan = TrainablePlan("last", 0)

    code, namespace = assert_code_reproduces(table, head, plan)

    assert "[:-0]" not in code
    assert not any(layer.trainable for layer in namespace["base"].layers)


def test_last_n_equal_to_the_layer_count_trains_everything():
    table = table_for("vgg16")
    plan = TrainablePlan("last", len(table.layers))

    _, namespace = assert_code_reproduces(table, HeadConfig("gap", 0, 0.0, 1), plan)

    assert all(layer.trainable for layer in namespace["base"].layers)


def test_code_compiles_with_the_loss_that_fits_the_outputs():
    table = table_for("simple_cnn")
    binary = generate_keras_code(table, HeadConfig("gap", 0, 0.0, 1), parse_plan("all"), weights=None)
    multi = generate_keras_code(table, HeadConfig("gap", 0, 0.0, 4), parse_plan("all"), weights=None)
    assert 'activation="sigmoid"' in binary and "binary_crossentropy" in binary
    assert 'activation="softmax"' in multi and "sparse_categorical_crossentropy" in multi


def test_code_defaults_to_imagenet_weights_for_keras_backbones():
    code = generate_keras_code(table_for("vgg16"), HeadConfig(), parse_plan("none"))
    assert "weights='imagenet'" in code
    compile(code, "<generated>", "exec")


def test_per_layer_overrides_on_auto_named_layers_run_in_a_fresh_interpreter(tmp_path):
    import keras

    # A long-running app process has built other models before this table.
    keras.Input(shape=(8, 8, 3))
    keras.layers.Conv2D(1, 1)
    keras.layers.BatchNormalization()
    table = build_param_table("inception_v3")
    plan = parse_plan("from:200")
    flags = list(plan_flags(table, plan))
    flags[0] = True  # the InputLayer row of the data editor
    flags[1] = True  # InceptionV3's first convolution (auto-named conv2d...)
    flags[2] = True
    counts = count_parameters(table, tuple(flags), HeadConfig())
    script = tmp_path / "freeze_inception_v3.py"
    script.write_text(generate_keras_code(table, HeadConfig(), plan, tuple(flags), weights=None))

    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert parse_printed(proc.stdout) == {
        "Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable
    }


def test_generated_code_runs_in_a_fresh_interpreter(tmp_path):
    """The student's notebook: a new process, only keras and this project on the path."""
    table = table_for("simple_cnn")
    head = HeadConfig("flatten", 64, 0.5, 10)
    plan = parse_plan("last:2")
    counts = count_parameters(table, plan_flags(table, plan), head)
    script = tmp_path / "freeze_simple_cnn.py"
    script.write_text(generate_keras_code(table, head, plan, weights=None))

    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )

    assert proc.returncode == 0, proc.stderr[-2000:]
    assert parse_printed(proc.stdout) == {
        "Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable
    }
    first_line = get_backbone("simple_cnn").keras_code.splitlines()[0].format(size=32)
    assert first_line in script.read_text()

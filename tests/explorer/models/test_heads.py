"""The head is described once; its parameter rows, Keras layers and exported code all agree.

Every head the Freeze Lab can make (Flatten or GAP, with or without a hidden layer, with or
without dropout, one sigmoid output or several softmax ones) is built three ways from
describe_head on real backbones: by arithmetic (head_layers, count_parameters), as Keras
layers (build_model), and as the exported code run in a fresh interpreter (one subprocess
for all of them, each script in its own namespace).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from explorer import training
from explorer.models.backbones import build_backbone
from explorer.models.codegen import generate_keras_code
from explorer.models.heads import HeadConfig, LayerSpec, build_model, describe_head, head_code, head_layers
from explorer.models.params import (
    ParamTable,
    apply_flags,
    compute_param_table,
    count_parameters,
    parse_plan,
    plan_flags,
)

ROOT = Path(__file__).resolve().parents[3]
HEADS = [
    HeadConfig(kind, hidden, dropout, outputs)
    for kind in ("flatten", "gap")
    for hidden in (0, 24)
    for dropout in (0.0, 0.25)
    for outputs in (1, 5)
]
HEAD_IDS = [f"{h.kind}-h{h.hidden}-d{h.dropout}-o{h.outputs}" for h in HEADS]
# (backbone, input size, plan): a plain CNN, and a network with BatchNormalization whose
# moving statistics never train (so the non-trainable count is not zero).
BACKBONES = [("simple_cnn", 32, "last:2"), ("efficientnet_lite0", 64, "all-but-bn")]
BACKBONE_IDS = [b for b, _, _ in BACKBONES]

_BUILT: dict[str, tuple[keras.Model, ParamTable]] = {}


def built(backbone: str, size: int) -> tuple[keras.Model, ParamTable]:
    """One random-weights backbone per module; heads are put on it, never rebuilt."""
    if backbone not in _BUILT:
        base = build_backbone(backbone, size, weights="random")
        _BUILT[backbone] = (base, compute_param_table(base, backbone, size))
    return _BUILT[backbone]


def _size(weights) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


DRIVER = """
import contextlib, io, json, re, sys
for key, code in json.load(sys.stdin):
    namespace = {"__name__": "__generated__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, key, "exec"), namespace)
    printed = dict(re.findall(r"^(Total|Trainable|Non-trainable) params: ([0-9,]+)$", out.getvalue(), re.M))
    model, base = namespace["model"], namespace["base"]
    head = [[l.name, type(l).__name__, l.count_params()] for l in model.layers[len(base.layers):]]
    print(json.dumps({"key": key, "head": head,
                      "counts": {k: int(v.replace(",", "")) for k, v in printed.items()}}))
"""


@pytest.fixture(scope="module")
def fresh_interpreter() -> dict[str, dict]:
    """Every configuration's exported code, run in one new Python process (no state shared with pytest)."""
    scripts = []
    for backbone, size, plan in BACKBONES:
        _, table = built(backbone, size)
        for head, head_id in zip(HEADS, HEAD_IDS):
            code = generate_keras_code(table, head, parse_plan(plan), weights=None)
            scripts.append([f"{backbone}/{head_id}", code])
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER], input=json.dumps(scripts), capture_output=True, text=True,
        cwd=ROOT, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {result["key"]: result for result in results}


def test_the_configurations_are_every_head_the_freeze_lab_can_make():
    assert len(set(HEADS)) == 16
    assert {h.kind for h in HEADS} == {"flatten", "gap"}
    assert {(h.hidden > 0, h.dropout > 0, h.outputs > 1) for h in HEADS} == {
        (a, b, c) for a in (False, True) for b in (False, True) for c in (False, True)
    }


@pytest.mark.parametrize("head", HEADS, ids=HEAD_IDS)
@pytest.mark.parametrize("backbone,size,plan", BACKBONES, ids=BACKBONE_IDS)
def test_rows_keras_layers_and_exported_code_count_the_same(backbone, size, plan, head, fresh_interpreter):
    base, table = built(backbone, size)
    flags = plan_flags(table, parse_plan(plan))

    rows = head_layers(table.feature_shape, head, len(table.layers))
    counts = count_parameters(table, flags, head)
    apply_flags(base, flags)
    model = build_model(base, head)
    ran = fresh_interpreter[f"{backbone}/{HEAD_IDS[HEADS.index(head)]}"]

    expected_rows = [[r.name, r.type, r.params] for r in rows]
    keras_rows = [[layer.name, type(layer).__name__, layer.count_params()] for layer in model.layers[len(table.layers):]]
    assert keras_rows == expected_rows
    assert ran["head"] == expected_rows
    assert [r.index for r in rows] == list(range(len(table.layers), len(model.layers)))
    assert [r.output_shape for r in rows] == [tuple(layer.output.shape) for layer in model.layers[len(table.layers):]]
    assert counts.head_params == sum(r.params for r in rows)
    keras_counts = {"Total": model.count_params(), "Trainable": _size(model.trainable_weights),
                    "Non-trainable": _size(model.non_trainable_weights)}
    assert keras_counts == {"Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable}
    assert ran["counts"] == keras_counts


@pytest.mark.parametrize("head", HEADS, ids=HEAD_IDS)
def test_the_code_text_and_the_keras_layers_come_from_the_same_description(head):
    layers = describe_head(head)
    code = head_code(head)

    assert len(code) == len(layers) and code[-1].startswith("outputs = ")
    for spec, line in zip(layers, code):
        assert spec.code() in line
        built_layer = spec.build()
        config = built_layer.get_config()
        assert (type(built_layer).__name__, built_layer.name) == (spec.class_name, spec.name)
        for key, value in spec.kwargs:
            assert config[key] == value


def test_the_description_names_the_layers_as_the_notes_do():
    head = HeadConfig("flatten", 1024, 0.5, 1)
    assert describe_head(head) == (
        LayerSpec("Flatten", "head_flatten"),
        LayerSpec("Dense", "fc1", (1024,), (("activation", "relu"),)),
        LayerSpec("Dropout", "head_dropout", (0.5,)),
        LayerSpec("Dense", "output", (1,), (("activation", "sigmoid"),)),
    )
    assert head_code(HeadConfig("gap", 0, 0.0, 3), "features.output", module="keras.layers") == [
        'x = keras.layers.GlobalAveragePooling2D(name="head_gap")(features.output)',
        'outputs = keras.layers.Dense(3, activation="softmax", name="output")(x)',
    ]


def test_the_fine_tune_labs_head_is_the_described_head():
    config = training.TrainConfig(backbone="simple_cnn", image_size=32, head_kind="flatten", hidden=16, dropout=0.2)
    class_names = ("a", "b", "c")

    built = training._build(config, class_names)

    rows = head_layers(built.table.feature_shape, config.head(len(class_names)))
    assert [[l.name, type(l).__name__, l.count_params()] for l in built.head.layers[1:]] == [
        [r.name, r.type, r.params] for r in rows
    ]
    # A head epoch on stored (pooled) features trains these very layers, after the pooling.
    assert built.on_features.layers[1:] == built.head.layers[2:]


def test_a_layer_without_parameter_arithmetic_is_a_bug_not_a_silent_zero():
    with pytest.raises(ValueError, match="Received: class_name='Conv2D'"):
        LayerSpec("Conv2D", "conv").output_and_params((4, 4, 3))

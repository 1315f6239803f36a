"""Parameter accounting: the re-summed table agrees with Keras on the assembled model.

Every backbone in the registry is built once per module (random weights, default input
size); tests flip trainable flags on it and compare count_parameters() with what Keras
itself reports: model.count_params() and the sizes of trainable_weights and
non_trainable_weights. The SEEDS.md figures are the spec and are typed in as such.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

import pytest

from explorer.models.backbones import (
    MAX_INPUT_SIZE,
    build_backbone,
    check_input_size,
    get_backbone,
    list_backbones,
)
from explorer.errors import ExplorerInputError, InputSizeError, UnknownBackboneError
from explorer.models.heads import MAX_HIDDEN_UNITS, MAX_OUTPUTS, HeadConfig, build_model, head_layers
from explorer.models.params import (
    ParamCounts,
    ParamTable,
    TrainablePlan,
    apply_flags,
    build_param_table,
    compute_param_table,
    count_parameters,
    parse_plan,
    plan_flags,
)
from explorer.models.presets import FREEZE_PRESETS

BACKBONE_IDS = [spec.id for spec in list_backbones()]
HEADS = {
    "flatten-32-dropout-3": HeadConfig("flatten", 32, 0.5, 3),
    "gap-0-1": HeadConfig("gap", 0, 0.0, 1),
}
# "from:half" stands for from:N with N = half the backbone's layers (resolved per backbone).
PLANS = ["none", "all", "last:4", "from:half", "all-but-bn"]


@dataclass
class Built:
    """One backbone build shared by a module: the model, its table, and heads put on it."""

    base: object
    table: ParamTable
    models: dict

    def model(self, head: HeadConfig):
        if head not in self.models:
            self.models[head] = build_model(self.base, head)
        return self.models[head]


_BUILDS: dict[tuple[str, int], Built] = {}


def built(backbone: str, input_size: int | None = None) -> Built:
    """Build a backbone once per (id, size) for the whole module; flags are flipped, not rebuilt."""
    size = get_backbone(backbone).default_size if input_size is None else input_size
    if (backbone, size) not in _BUILDS:
        base = build_backbone(backbone, size, weights="random")
        # The table is read off the untouched build, as build_param_table does.
        table = compute_param_table(base, backbone, size)
        _BUILDS[(backbone, size)] = Built(base, table, {})
    return _BUILDS[(backbone, size)]


def resolve_plan(text: str, table: ParamTable) -> TrainablePlan:
    if text == "from:half":
        return TrainablePlan("from", len(table.layers) // 2)
    return parse_plan(text)


def _size(weights) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


def keras_counts(b: Built, flags: tuple[bool, ...], head: HeadConfig) -> tuple[int, int, int]:
    """(total, trainable, non-trainable) as Keras reports them on the assembled model."""
    apply_flags(b.base, flags)
    model = b.model(head)
    return model.count_params(), _size(model.trainable_weights), _size(model.non_trainable_weights)


def explorer_counts(counts: ParamCounts) -> tuple[int, int, int]:
    return counts.total, counts.trainable, counts.non_trainable


# --------------------------------------------------------------------------- #
# Every registry entry, every plan, both heads
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("head_id", list(HEADS))
@pytest.mark.parametrize("plan_text", PLANS)
@pytest.mark.parametrize("backbone", BACKBONE_IDS)
def test_count_matches_keras_for_every_backbone_plan_and_head(backbone, plan_text, head_id):
    b = built(backbone)
    head = HEADS[head_id]
    flags = plan_flags(b.table, resolve_plan(plan_text, b.table))

    counts = count_parameters(b.table, flags, head)

    assert explorer_counts(counts) == keras_counts(b, flags, head)
    assert counts.total == counts.trainable + counts.non_trainable


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("plan_text", ["none", "all-but-bn"])
@pytest.mark.parametrize("backbone", BACKBONE_IDS)
def test_random_per_layer_toggles_on_top_of_a_plan_match_keras(backbone, plan_text, seed):
    b = built(backbone)
    rng = random.Random(f"{backbone}-{plan_text}-{seed}")
    planned = plan_flags(b.table, resolve_plan(plan_text, b.table))
    flags = tuple(not on if rng.random() < 0.3 else on for on in planned)
    assert flags != planned
    head = HEADS["flatten-32-dropout-3"] if seed else HEADS["gap-0-1"]

    assert explorer_counts(count_parameters(b.table, flags, head)) == keras_counts(b, flags, head)


@pytest.mark.parametrize("backbone", BACKBONE_IDS)
def test_table_total_is_the_backbone_count_params(backbone):
    b = built(backbone)
    apply_flags(b.base, (True,) * len(b.table.layers))

    assert b.table.total == b.base.count_params()
    assert [layer.name for layer in b.table.layers] == [layer.name for layer in b.base.layers]
    assert b.table.feature_shape == tuple(b.base.output.shape[1:])


@pytest.mark.parametrize("backbone", BACKBONE_IDS)
def test_head_layers_match_the_keras_head(backbone):
    b = built(backbone)
    head = HEADS["flatten-32-dropout-3"]
    model = b.model(head)
    rows = head_layers(b.table.feature_shape, head, len(b.table.layers))

    keras_head = model.layers[len(b.table.layers):]
    assert [(r.name, r.type, r.params) for r in rows] == [
        (layer.name, type(layer).__name__, layer.count_params()) for layer in keras_head
    ]
    assert [r.index for r in rows] == list(range(len(b.table.layers), len(model.layers)))


# --------------------------------------------------------------------------- #
# BatchNormalization: moving statistics never train
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "backbone", [i for i in BACKBONE_IDS if i not in ("vgg16", "vgg19", "simple_cnn")]
)
def test_batch_norm_moving_stats_stay_non_trainable_under_plan_all(backbone):
    b = built(backbone)
    flags = plan_flags(b.table, parse_plan("all"))
    head = HEADS["gap-0-1"]

    counts = count_parameters(b.table, flags, head)

    apply_flags(b.base, flags)
    moving_stats = sum(
        _size(layer.non_trainable_weights)
        for layer in b.base.layers
        if type(layer).__name__ == "BatchNormalization"
    )
    assert moving_stats > 0
    assert counts.non_trainable >= moving_stats
    assert explorer_counts(counts) == keras_counts(b, flags, head)
    assert all(row.fixed_params > 0 for row in b.table.layers if row.is_batch_norm)


def test_all_but_bn_trains_less_than_all_and_freezes_exactly_the_bn_layers():
    b = built("resnet50")
    head = HEADS["gap-0-1"]
    all_counts = count_parameters(b.table, plan_flags(b.table, parse_plan("all")), head)
    flags = plan_flags(b.table, parse_plan("all-but-bn"))

    counts = count_parameters(b.table, flags, head)

    bn_trainable = sum(r.trainable_params for r in b.table.layers if r.is_batch_norm)
    assert all_counts.trainable - counts.trainable == bn_trainable > 0
    assert [not on for on in flags] == [r.is_batch_norm for r in b.table.layers]


# --------------------------------------------------------------------------- #
# SEEDS.md figures (the spec)
# --------------------------------------------------------------------------- #


def test_vgg16_at_224_has_14_714_688_parameters():
    b = built("vgg16", 224)
    assert b.table.total == 14_714_688
    assert b.base.count_params() == 14_714_688


def test_vgg16_flatten_1024_1_all_frozen_trains_only_the_head():
    b = built("vgg16", 224)
    head = HeadConfig("flatten", 1024, 0.0, 1)
    flags = plan_flags(b.table, parse_plan("none"))

    counts = count_parameters(b.table, flags, head)

    assert (counts.total, counts.trainable) == (40_406_849, 25_692_161)
    assert counts.non_trainable == 14_714_688
    assert counts.head_params == counts.trainable and counts.backbone_trainable == 0
    rows = {r.name: r.params for r in head_layers(b.table.feature_shape, head)}
    assert (rows["fc1"], rows["output"]) == (25_691_136, 1_025)
    model = b.model(head)
    assert keras_counts(b, flags, head) == (40_406_849, 25_692_161, 14_714_688)
    assert model.get_layer("fc1").count_params() == 25_691_136
    assert model.get_layer("output").count_params() == 1_025


def test_vgg16_last_4_trains_more_than_all_frozen():
    b = built("vgg16", 224)
    head = HeadConfig("flatten", 1024, 0.0, 1)
    frozen = count_parameters(b.table, plan_flags(b.table, parse_plan("none")), head)
    flags = plan_flags(b.table, parse_plan("last:4"))

    counts = count_parameters(b.table, flags, head)

    assert counts.trainable > frozen.trainable
    assert counts.total == frozen.total
    # vgg_conv.layers[:-4] frozen, the last 4 train (as the notes write it).
    assert flags == tuple([False] * (len(b.table.layers) - 4) + [True] * 4)
    assert explorer_counts(counts) == keras_counts(b, flags, head)


def test_simple_cnn_with_flatten_64_10_matches_the_lecture_table():
    b = built("simple_cnn", 32)
    head = HeadConfig("flatten", 64, 0.0, 10)
    flags = plan_flags(b.table, parse_plan("all"))

    counts = count_parameters(b.table, flags, head)

    assert (counts.total, counts.trainable, counts.non_trainable) == (122_570, 122_570, 0)
    rows = [r for r in b.table.layers if r.type != "InputLayer"]
    rows += list(head_layers(b.table.feature_shape, head))
    assert [tuple(r.output_shape[1:]) for r in rows] == [
        (30, 30, 32), (15, 15, 32), (13, 13, 64), (6, 6, 64), (4, 4, 64), (1024,), (64,), (10,)
    ]
    assert [r.params for r in rows] == [896, 0, 18_496, 0, 36_928, 0, 65_600, 650]
    # Keras agrees layer by layer on the assembled model.
    model = b.model(head)
    keras_rows = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert [tuple(layer.output.shape[1:]) for layer in keras_rows] == [
        tuple(r.output_shape[1:]) for r in rows
    ]
    assert [layer.count_params() for layer in keras_rows] == [r.params for r in rows]
    assert keras_counts(b, flags, head) == (122_570, 122_570, 0)


def test_build_param_table_builds_its_own_table_equal_to_the_read_off_one():
    table = build_param_table("simple_cnn")
    reference = built("simple_cnn").table

    def strip(t: ParamTable) -> list:
        return [(r.type, r.output_shape, r.trainable_params, r.fixed_params) for r in t.layers]

    assert (table.backbone, table.input_size) == ("simple_cnn", 32)
    assert strip(table) == strip(reference)


# --------------------------------------------------------------------------- #
# Presets from the notes
# --------------------------------------------------------------------------- #


def _preset_counts(preset):
    b = built(preset.backbone, preset.input_size)
    flags = plan_flags(b.table, preset.plan)
    return b, flags, count_parameters(b.table, flags, preset.head)


@pytest.mark.parametrize("preset", FREEZE_PRESETS, ids=[p.label for p in FREEZE_PRESETS])
def test_every_preset_matches_keras_and_the_numbers_in_its_note(preset):
    b, flags, counts = _preset_counts(preset)

    assert explorer_counts(counts) == keras_counts(b, flags, preset.head)
    # Every exact figure a note quotes (n,nnn or more) is one of the counts shown.
    quoted = [int(n.replace(",", "")) for n in re.findall(r"\d{1,3}(?:,\d{3})+", preset.note)]
    for number in quoted:
        assert number in (counts.total, counts.trainable, counts.non_trainable), (number, counts)


def _preset(backbone: str, plan: str, head_kind: str | None = None):
    for p in FREEZE_PRESETS:
        if p.backbone == backbone and str(p.plan) == plan and head_kind in (None, p.head.kind):
            return p
    raise AssertionError(f"no preset for {backbone} {plan} {head_kind}")


def test_vgg16_presets_give_the_notes_numbers():
    frozen = _preset_counts(_preset("vgg16", "none", "flatten"))[2]
    assert (frozen.total, frozen.trainable) == (40_406_849, 25_692_161)

    last4 = _preset_counts(_preset("vgg16", "last:4", "flatten"))[2]
    assert last4.trainable > frozen.trainable

    gap = _preset("vgg16", "none", "gap")
    b = built("vgg16", 224)
    flatten_fc1 = {r.name: r.params for r in head_layers(b.table.feature_shape, HeadConfig("flatten", 1024))}["fc1"]
    gap_fc1 = {r.name: r.params for r in head_layers(b.table.feature_shape, gap.head)}["fc1"]
    # "the first dense layer shrinks from 25.7M to 0.5M"
    assert round(flatten_fc1 / 1e6, 1) == 25.7
    assert round(gap_fc1 / 1e6, 1) == 0.5


def test_simple_cnn_preset_has_122_570_parameters_all_trainable():
    counts = _preset_counts(_preset("simple_cnn", "all"))[2]
    assert (counts.total, counts.trainable, counts.non_trainable) == (122_570, 122_570, 0)


def test_inception_preset_freezes_layers_below_index_200():
    _, flags, _ = _preset_counts(_preset("inception_v3", "from:200"))
    assert flags == tuple(i >= 200 for i in range(len(flags)))


def test_mobilenet_two_stage_presets_train_head_then_all_but_batch_norm():
    b, _, stage1 = _preset_counts(_preset("mobilenet_v2", "none"))
    _, flags2, stage2 = _preset_counts(_preset("mobilenet_v2", "all-but-bn"))
    assert stage1.backbone_trainable == 0 and stage1.trainable == stage1.head_params
    assert [r.name for r in head_layers(b.table.feature_shape, _preset("mobilenet_v2", "none").head)] == [
        "head_gap", "fc1", "output"
    ]
    assert [not on for on in flags2] == [r.is_batch_norm for r in b.table.layers]
    assert stage2.trainable > stage1.trainable


# --------------------------------------------------------------------------- #
# Bad input
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "text", ["", "bogus", "last", "last:", "last:-1", "from:x", "from:1.5", "ALL", "last:4:5", "none:3"]
)
def test_parse_plan_rejects_anything_but_the_five_plans(text):
    with pytest.raises(ExplorerInputError, match=r"Received: trainable="):
        parse_plan(text)


@pytest.mark.parametrize(
    "text, plan",
    [
        ("none", TrainablePlan("none")),
        ("all", TrainablePlan("all")),
        ("all-but-bn", TrainablePlan("all-but-bn")),
        ("last:4", TrainablePlan("last", 4)),
        ("from:200", TrainablePlan("from", 200)),
        (" last:0 ", TrainablePlan("last", 0)),
    ],
)
def test_parse_plan_accepts_the_five_plans_and_round_trips(text, plan):
    assert parse_plan(text) == plan
    assert parse_plan(str(plan)) == plan


@pytest.mark.parametrize("kind", ["last", "from"])
def test_plan_flags_rejects_n_beyond_the_layer_count(kind):
    table = built("vgg16").table
    count = len(table.layers)
    assert len(plan_flags(table, TrainablePlan(kind, count))) == count  # the edge is allowed
    with pytest.raises(ExplorerInputError, match=rf"{count} layers"):
        plan_flags(table, TrainablePlan(kind, count + 1))


def test_plan_flags_edges_last_0_freezes_all_and_from_0_trains_all():
    table = built("vgg16").table
    count = len(table.layers)
    assert plan_flags(table, TrainablePlan("last", 0)) == (False,) * count
    assert plan_flags(table, TrainablePlan("from", 0)) == (True,) * count
    assert plan_flags(table, TrainablePlan("last", count)) == (True,) * count
    assert plan_flags(table, TrainablePlan("from", count)) == (False,) * count


@pytest.mark.parametrize("delta", [-1, 1])
def test_count_parameters_rejects_the_wrong_number_of_flags(delta):
    table = built("simple_cnn").table
    flags = (True,) * (len(table.layers) + delta)
    with pytest.raises(ExplorerInputError, match="one trainable flag per backbone layer"):
        count_parameters(table, flags, HeadConfig())


def test_apply_flags_rejects_the_wrong_number_of_flags():
    b = built("simple_cnn")
    with pytest.raises(ValueError):
        apply_flags(b.base, (True,) * (len(b.table.layers) - 1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "max"},
        {"kind": "Flatten"},
        {"hidden": -1},
        {"hidden": MAX_HIDDEN_UNITS + 1},
        {"dropout": 1.0},
        {"dropout": -0.1},
        {"outputs": 0},
        {"outputs": MAX_OUTPUTS + 1},
        {"hidden": 2.5},
        {"outputs": 1.5},
        {"hidden": True},
    ],
    ids=lambda kwargs: ",".join(f"{k}={v}" for k, v in kwargs.items()),
)
def test_head_config_rejects_bad_values(kwargs):
    with pytest.raises(ExplorerInputError, match="Received:"):
        HeadConfig(**kwargs)


def test_head_config_picks_activation_and_loss_from_outputs():
    assert (HeadConfig(outputs=1).activation, HeadConfig(outputs=1).loss) == ("sigmoid", "binary_crossentropy")
    assert (HeadConfig(outputs=3).activation, HeadConfig(outputs=3).loss) == (
        "softmax", "sparse_categorical_crossentropy"
    )


def test_check_input_size_enforces_the_backbone_minimum():
    spec = get_backbone("inception_v3")
    assert check_input_size(spec, 75) == 75
    with pytest.raises(InputSizeError, match=r"at least 75x75. Received: input_size=74"):
        check_input_size(spec, 74)


@pytest.mark.parametrize("backbone", BACKBONE_IDS)
def test_check_input_size_rejects_sizes_above_the_maximum(backbone):
    spec = get_backbone(backbone)
    assert check_input_size(spec, MAX_INPUT_SIZE) == MAX_INPUT_SIZE
    with pytest.raises(InputSizeError, match=f"at most {MAX_INPUT_SIZE}"):
        check_input_size(spec, MAX_INPUT_SIZE + 1)
    with pytest.raises(InputSizeError):
        check_input_size(spec, spec.min_size - 1)


@pytest.mark.parametrize("size", [224.0, "224", True, None])
def test_check_input_size_rejects_non_integers(size):
    with pytest.raises(InputSizeError, match="whole number"):
        check_input_size(get_backbone("vgg16"), size)


def test_build_param_table_rejects_a_too_small_input_before_building():
    with pytest.raises(InputSizeError):
        build_param_table("inception_v3", 74)


@pytest.mark.parametrize("name", ["vgg17", "VGG16", "", "resnet"])
def test_unknown_backbone_raises_and_lists_the_known_ids(name):
    with pytest.raises(UnknownBackboneError, match="vgg16") as info:
        get_backbone(name)
    assert isinstance(info.value, ExplorerInputError)
    with pytest.raises(UnknownBackboneError):
        build_param_table(name)


def test_trainable_plan_rejects_an_unknown_kind():
    with pytest.raises(ExplorerInputError):
        TrainablePlan("frozen")  # type: ignore[arg-type]

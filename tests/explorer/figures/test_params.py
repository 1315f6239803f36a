"""The parameters chart: bars add up to the table, split by the flags, grouped for deep nets."""

from __future__ import annotations

import random

import pytest

from explorer.figures.params import MAX_BARS, param_bars, parameters_figure
from explorer.figures.style import FROZEN, HEAD, TRAINABLE
from explorer.models.backbones import list_backbones
from explorer.models.blocks import layer_blocks
from explorer.models.heads import HeadConfig, head_layers
from explorer.models.params import ParamTable, build_param_table, count_parameters, parse_plan, plan_flags

IDS = [spec.id for spec in list_backbones()]
_TABLES: dict[str, ParamTable] = {}


def table_for(backbone: str) -> ParamTable:
    """One build per backbone for the module."""
    if backbone not in _TABLES:
        _TABLES[backbone] = build_param_table(backbone)
    return _TABLES[backbone]


def random_flags(table: ParamTable, seed: str) -> tuple[bool, ...]:
    rng = random.Random(seed)
    return tuple(rng.random() < 0.5 for _ in table.layers)


def weighted(table: ParamTable) -> list:
    return [layer for layer in table.layers if layer.params]


@pytest.mark.parametrize("backbone", IDS)
def test_bars_add_up_to_the_table_and_split_by_the_flags(backbone):
    table = table_for(backbone)
    flags = random_flags(table, backbone)
    counts = count_parameters(table, flags, HeadConfig())

    bars = param_bars(table, flags)

    assert sum(bar.trainable + bar.frozen for bar in bars) == table.total
    assert sum(bar.trainable for bar in bars) == counts.backbone_trainable
    assert sum(bar.frozen for bar in bars) == table.total - counts.backbone_trainable
    assert sum(bar.layers for bar in bars) == len(weighted(table))
    assert all(bar.layers >= 1 and bar.trainable >= 0 and bar.frozen >= 0 for bar in bars)
    assert len({bar.label for bar in bars}) == len(bars)


@pytest.mark.parametrize("backbone", IDS)
def test_all_frozen_has_no_trainable_bar_and_all_trainable_keeps_only_bn_stats_frozen(backbone):
    table = table_for(backbone)
    count = len(table.layers)

    frozen = param_bars(table, (False,) * count)
    trains = param_bars(table, (True,) * count)

    assert all(bar.trainable == 0 for bar in frozen)
    assert sum(bar.frozen for bar in trains) == sum(layer.fixed_params for layer in table.layers)


@pytest.mark.parametrize("backbone", IDS)
def test_one_bar_per_weighted_layer_up_to_max_bars_else_blocks(backbone):
    table = table_for(backbone)
    bars = param_bars(table, (False,) * len(table.layers))
    layers = weighted(table)

    if len(layers) <= MAX_BARS:
        assert [bar.label for bar in bars] == [layer.name for layer in layers]
        assert [bar.frozen for bar in bars] == [layer.params for layer in layers]
    else:
        assert len(bars) < len(layers)


def test_vgg16_stays_per_layer():
    table = table_for("vgg16")
    bars = param_bars(table, plan_flags(table, parse_plan("last:4")))
    assert [bar.label for bar in bars] == [layer.name for layer in weighted(table)]
    assert all(bar.layers == 1 for bar in bars)
    # Under last:4 the last three convolutions (block5) train, the rest are frozen.
    assert [bar.trainable > 0 for bar in bars] == [name.startswith("block5") for name in (b.label for b in bars)]


@pytest.mark.parametrize("backbone", ["resnet50", "densenet121", "inception_v3"])
def test_deep_nets_are_grouped_into_blocks(backbone):
    table = table_for(backbone)
    bars = param_bars(table, (True,) * len(table.layers))
    assert len(weighted(table)) > MAX_BARS
    assert len(bars) < len(weighted(table))
    assert any(bar.layers > 1 for bar in bars)


def test_resnet50_bars_are_the_keras_stage_and_block_names():
    table = table_for("resnet50")
    labels = [bar.label for bar in param_bars(table, (True,) * len(table.layers))]
    # The stem is a bar of its own, then one bar per residual block.
    assert [label for label in labels if label.startswith("conv")] == ["conv1"] + [
        f"conv{stage}_block{block}"
        for stage, blocks_in_stage in ((2, 3), (3, 4), (4, 6), (5, 3))
        for block in range(1, blocks_in_stage + 1)
    ]


def test_grouped_bar_splits_follow_flags_within_a_block():
    table = table_for("resnet50")
    blocks = layer_blocks(table)
    target = "conv3_block2"
    flags = tuple(block == target for block in blocks)

    bars = {bar.label: bar for bar in param_bars(table, flags)}

    expected = sum(l.trainable_params for l, b in zip(table.layers, blocks) if b == target)
    assert bars[target].trainable == expected > 0
    assert all(bar.trainable == 0 for label, bar in bars.items() if label != target)


@pytest.mark.parametrize("backbone", ["vgg16", "resnet50", "simple_cnn"])
@pytest.mark.parametrize("head", [HeadConfig("flatten", 1024, 0.5, 1), HeadConfig("gap", 0, 0.0, 10)])
def test_parameters_figure_has_three_stacked_traces_that_sum_to_the_counts(backbone, head):
    table = table_for(backbone)
    flags = random_flags(table, f"figure-{backbone}")
    counts = count_parameters(table, flags, head)
    rows = head_layers(table.feature_shape, head, len(table.layers))

    fig = parameters_figure(table, flags, rows)

    assert [trace.name for trace in fig.data] == ["frozen", "trainable", "new head (trainable)"]
    assert [trace.marker.color for trace in fig.data] == [FROZEN, TRAINABLE, HEAD]
    frozen, trainable, new_head = (sum(trace.y) for trace in fig.data)
    assert frozen == counts.non_trainable
    assert trainable == counts.backbone_trainable
    assert new_head == counts.head_params
    assert frozen + trainable + new_head == counts.total
    assert len({len(trace.x) for trace in fig.data} | {len(trace.y) for trace in fig.data}) == 1
    assert list(fig.data[0].x[-sum(1 for r in rows if r.params):]) == [
        f"head: {r.name}" for r in rows if r.params
    ]
    assert fig.layout.barmode == "stack"


def test_figure_title_says_block_when_grouped_and_layer_otherwise():
    for backbone, word in (("vgg16", "layer"), ("resnet50", "block")):
        table = table_for(backbone)
        flags = (False,) * len(table.layers)
        fig = parameters_figure(table, flags, head_layers(table.feature_shape, HeadConfig()))
        assert fig.layout.title.text == f"Parameters per {word}"

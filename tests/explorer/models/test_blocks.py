"""Layers grouped into blocks by their Keras names: every layer has one, and blocks do not interleave."""

from __future__ import annotations

import pytest

from explorer.models.backbones import list_backbones
from explorer.models.blocks import layer_blocks
from explorer.models.params import LayerParams, ParamTable, build_param_table

IDS = [spec.id for spec in list_backbones()]


def table_of(*names: str) -> ParamTable:
    return ParamTable("test", 32, tuple(LayerParams(i, n, "Conv2D", (None, 1, 1, 1), 1, 0) for i, n in enumerate(names)))


def test_unnamed_layers_join_the_next_block_and_the_tail_is_the_top():
    table = table_of("input_1", "conv2d", "mixed0", "conv2d_1", "mixed1", "avg_pool", "predictions")
    assert layer_blocks(table) == ("mixed0", "mixed0", "mixed0", "mixed1", "mixed1", "top", "top")


def test_keras_block_names_are_read():
    table = table_of("block1_conv1", "block1_pool", "conv4_block2_1_conv", "block_6_expand", "block3a_dwconv",
                     "expanded_conv_project", "stem_conv", "pool1", "conv1_conv")
    assert layer_blocks(table) == ("block1", "block1", "conv4_block2", "block_6", "block3a", "expanded_conv",
                                   "stem", "pool1", "conv1")


def test_resnet50_blocks_follow_the_keras_stage_and_block_names():
    table = build_param_table("resnet50")
    by_name = dict(zip((layer.name for layer in table.layers), layer_blocks(table)))
    assert by_name["conv1_conv"] == "conv1"
    assert by_name["conv2_block1_1_conv"] == "conv2_block1"
    assert by_name["conv5_block3_out"] == "conv5_block3"


@pytest.mark.parametrize("backbone", IDS)
def test_layer_blocks_give_every_layer_a_contiguous_block(backbone):
    table = build_param_table(backbone)
    blocks = layer_blocks(table)
    assert len(blocks) == len(table.layers)
    assert all(blocks)
    runs = [label for i, label in enumerate(blocks) if i == 0 or blocks[i - 1] != label]
    assert len(runs) == len(set(runs)), "a block label comes back after another block"

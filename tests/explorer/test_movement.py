"""Freeze X-ray: frozen layers do not move, the head does, and BatchNormalization drifts only in training mode."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.io.datasets import make_shapes, split_dataset
from explorer.models.backbones import build_backbone
from explorer.training import TrainConfig, run_training, stage_plans
from explorer.training.movement import HEAD_PREFIX, LayerMovement, block_of, group_labels, relative_change

SPLIT = split_dataset(make_shapes(6, 32, seed=1), 0.25)


def _cnn(**changes) -> TrainConfig:
    base = dict(backbone="simple_cnn", image_size=32, epochs=2, batch_size=8, learning_rate=1e-2)
    return TrainConfig(**{**base, **changes})


def _backbone_and_head(movement: LayerMovement) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per layer, its change in each epoch, the backbone's and the head's apart."""
    columns = {name: [row[i] for row in movement.change] for i, name in enumerate(movement.layers)}
    head = {k: v for k, v in columns.items() if k.startswith(HEAD_PREFIX)}
    return {k: v for k, v in columns.items() if k not in head}, head


# --------------------------------------------------------------------------- the arithmetic


def test_relative_change_is_exactly_zero_for_unchanged_weights() -> None:
    w = [np.random.default_rng(0).normal(size=(3, 3, 4, 8)).astype(np.float32), np.zeros(8, np.float32)]
    assert relative_change([a.copy() for a in w], w) == 0.0


def test_relative_change_takes_all_weights_as_one_vector() -> None:
    kernel, bias = np.array([3.0, 0.0]), np.array([4.0])  # ||W_0|| = 5
    assert relative_change([kernel + [0.0, 1.0], bias], [kernel, bias]) == pytest.approx(0.2)
    assert relative_change([np.array([0.0, 2.0])], [np.zeros(2)]) == pytest.approx(2.0)  # nothing to be relative to


def test_relative_change_rejects_different_shapes() -> None:
    with pytest.raises(ValueError, match="same shapes"):
        relative_change([np.zeros(3)], [np.zeros(4)])


def test_small_networks_keep_one_row_per_layer_and_deep_ones_group_by_block() -> None:
    assert group_labels(["conv1", "conv2"]) == ("conv1", "conv2")
    names = [layer.name for layer in build_backbone("efficientnet_lite0", 32, weights="random").layers if layer.weights]
    labels = group_labels(names)
    assert labels[0] == "stem" and labels[-1] == "top" and "block2a" in labels
    assert len(set(labels)) < 24 and list(dict.fromkeys(labels)) == sorted(set(labels), key=labels.index)
    assert (block_of("conv3_block1_1_conv"), block_of("block_4_expand"), block_of("Conv1")) == ("conv3_block1", "block_4", None)


def test_grouped_rows_sum_their_layers_exactly() -> None:
    movement = LayerMovement(("a", "b", "head/out"), ("blk", "blk", "head/out"), (3.0, 4.0, 1.0),
                             ((0.0, 0.0, 0.5), (3.0, 4.0, 1.0)), ((0.0,) * 3,) * 2, (), (), ((), ()))
    labels, rows = movement.grouped()
    assert labels == ("blk", "head/out")
    assert rows == ((0.0, pytest.approx(1.0)), (0.5, 1.0))
    assert movement.layer_change()[1] == {"a": 1.0, "b": 1.0, "head/out": 1.0}


# --------------------------------------------------------------------------- runs


def test_feature_extraction_leaves_every_backbone_layer_at_exactly_zero() -> None:
    movement = run_training(SPLIT, _cnn(strategy="feature-extraction")).movement
    backbone, head = _backbone_and_head(movement)
    assert set(backbone) == {"conv1", "conv2", "conv3"}
    assert all(v == 0.0 for values in backbone.values() for v in values)
    assert head and all(v > 0.0 for values in head.values() for v in values)
    assert movement.epochs == 2 and movement.stage_starts == (0,)
    steps = dict(zip(movement.layers, movement.last_step[-1]))
    assert steps["conv1"] == 0.0 and all(steps[k] > 0.0 for k in head)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_fine_tune_last_n_moves_exactly_the_layers_with_weights_among_the_last_n(n: int) -> None:
    config = _cnn(strategy="fine-tune", fine_tune_layers=n)
    layers = build_backbone("simple_cnn", 32, weights="random").layers
    expected = {layer.name for layer in layers[len(layers) - n:] if layer.weights}
    movement = run_training(SPLIT, config).movement
    backbone, head = _backbone_and_head(movement)
    assert {name for name, values in backbone.items() if values[-1] > 0.0} == expected
    assert all(values == [0.0, 0.0] for name, values in backbone.items() if name not in expected)
    assert all(v > 0.0 for values in head.values() for v in values)


@pytest.fixture(scope="module")
def bn_runs() -> dict[bool, LayerMovement]:
    """Two-stage on EfficientNet-Lite0 (it has BatchNormalization), stage 2 in inference and in training mode."""
    split = split_dataset(make_shapes(4, 32, seed=3), 0.25)
    runs = {}
    for bn_training in (False, True):
        config = TrainConfig("efficientnet_lite0", 32, "two-stage", epochs=1, stage2_epochs=2, batch_size=8,
                             stage2_learning_rate=1e-3, bn_training=bn_training)
        runs[bn_training] = run_training(split, config).movement
    return runs


def test_stage_two_in_inference_mode_leaves_the_batchnorm_statistics_where_they_were(bn_runs) -> None:
    movement = bn_runs[False]
    assert movement.bn_layers and movement.stage2_epoch == 1
    assert all(v == 0.0 for row in movement.bn_drift for v in row)
    backbone, head = _backbone_and_head(movement)
    assert all(values[0] == 0.0 for values in backbone.values())  # stage 1: only the head
    assert any(values[-1] > 0.0 for values in backbone.values())  # stage 2: the backbone moves
    bn_names = set(movement.bn_layers)
    assert all(values[-1] == 0.0 for name, values in backbone.items() if name in bn_names)  # all-but-bn


def test_stage_two_in_training_mode_moves_the_batchnorm_statistics(bn_runs) -> None:
    movement = bn_runs[True]
    assert all(v == 0.0 for v in movement.bn_drift[0])  # stage 1 trains the head on stored features
    assert all(v > 0.0 for v in movement.bn_drift[-1])
    assert movement.bn_total_drift()[-1] > movement.bn_total_drift()[-2] > 0.0


def test_bn_training_trains_batchnorm_in_stage_two() -> None:
    plans = stage_plans(TrainConfig("efficientnet_lite0", 32, "two-stage", bn_training=True))
    assert [str(p) for p in plans] == ["none", "all"]

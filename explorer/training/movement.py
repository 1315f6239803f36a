"""Freeze X-ray: how far each layer's weights move while a run trains.

After every epoch, for every layer with weights (the backbone's, in network order, then the
head's), the recorder measures the relative change of the weights that train when the layer
is trainable, since the start of the run:

    change = ||W_t - W_0|| / ||W_0||      (all of the layer's trainable weights as one vector)

A frozen layer comes out exactly 0: its weights are not in the model being fit, so they
cannot change, and the recorder does not even read them (reading the whole backbone after
every head epoch would cost more than the epoch). In feature extraction the backbone is not
in the fitted model at all (the head trains on stored features): it is reported, exactly 0.

Instead of the gradient, which would need an extra backward pass, the recorder keeps a
cheaper proxy, named as such everywhere: the size of the epoch's *last optimizer step*,
||W_after - W_before|| / ||W_0|| for the last batch. With Adam it says whether and how hard a
layer is being pushed, not the raw gradient's size.

BatchNormalization layers also report how far their moving mean and variance moved
(``bn_drift``, the same formula over the two statistics). With the backbone called in
inference mode (training=False, the Keras transfer-learning guide's advice) they stay put;
in training mode a trainable BatchNormalization layer re-estimates them from every batch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "HEAD_PREFIX",
    "LAST_STEP_NAME",
    "LayerMovement",
    "block_of",
    "group_labels",
    "relative_change",
]

HEAD_PREFIX = "head/"
"""Head layers are named "head/<layer>" so that they never clash with a backbone layer."""
LAST_STEP_NAME = "last-step update (a cheap proxy for the gradient: the epoch's last optimizer step)"
"""What ``last_step`` measures, in words: say this wherever it is shown."""
MAX_ROWS = 24
"""Networks with more layers with weights than this are shown block by block."""

_BLOCK = re.compile(r"^(.*?block_?\d+[a-z]?)(?:_|$)")


def relative_change(current: Sequence[np.ndarray], initial: Sequence[np.ndarray]) -> float:
    """||W_t - W_0|| / ||W_0|| over several arrays taken as one vector.

    Exactly 0.0 when every array is unchanged. When W_0 is all zeros the absolute change is
    returned (there is nothing to be relative to).

    Raises:
        ValueError: if the two lists do not hold arrays of the same shapes.
    """
    if len(current) != len(initial) or any(np.shape(a) != np.shape(b) for a, b in zip(current, initial)):
        raise ValueError("relative_change needs arrays of the same shapes. Received: "
                         f"{[np.shape(a) for a in current]} and {[np.shape(b) for b in initial]}")
    delta = _norm([np.asarray(a, np.float64) - np.asarray(b, np.float64) for a, b in zip(current, initial)])
    return _ratio(delta, _norm(initial))


def _norm(arrays: Sequence[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.sum(np.square(np.asarray(a, np.float64)))) for a in arrays))


def _ratio(delta: float, base: float) -> float:
    if delta == 0.0:
        return 0.0
    return delta / base if base > 0.0 else delta


def block_of(name: str) -> str | None:
    """The block a Keras layer name belongs to: "block2a_dwconv" -> "block2a",
    "conv3_block1_1_conv" -> "conv3_block1", "block_4_expand" -> "block_4"; None outside blocks."""
    match = _BLOCK.match(name)
    return match.group(1) if match else None


def group_labels(names: Sequence[str], max_rows: int = MAX_ROWS) -> tuple[str, ...]:
    """A row label for each backbone layer: the layer itself for small networks, its block for deep ones.

    Layers before the first block go to "stem", after the last to "top". A network whose names
    have no blocks is cut into consecutive runs of layers ("layers 1-8").
    """
    names = list(names)
    if len(names) <= max_rows:
        return tuple(names)
    blocks = [block_of(n) for n in names]
    found = [i for i, b in enumerate(blocks) if b is not None]
    if not found:
        size = math.ceil(len(names) / 16)
        return tuple(f"layers {s + 1}-{min(s + size, len(names))}" for i in range(len(names)) for s in [i - i % size])
    labels: list[str] = []
    for i, block in enumerate(blocks):
        if block is not None:
            labels.append(block)
        elif i < found[0]:
            labels.append("stem")
        elif i > found[-1]:
            labels.append("top")
        else:
            labels.append(labels[-1])
    if len(dict.fromkeys(labels)) > 2 * max_rows:  # DenseNet: 58 blocks -> its 4 stages
        labels = [label.split("_block")[0] for label in labels]
    return tuple(labels)


@dataclass(frozen=True)
class LayerMovement:
    """A run's per-layer movement so far: one row per epoch, one column per layer with weights.

    Absolute norms are kept (``delta``, ``step``, ``bn_delta``) with the norms at the start
    (``base``, ``bn_base``), so that blocks can be summed exactly; the relative figures are
    properties.
    """

    layers: tuple[str, ...]
    """Layers with weights in network order: the backbone's, then the head's ("head/<name>")."""
    groups: tuple[str, ...]
    """Each layer's row in a figure: itself, or its block for deep networks (head layers: themselves)."""
    base: tuple[float, ...]
    """||W_0|| of each layer's trainable weights."""
    delta: tuple[tuple[float, ...], ...]
    """delta[epoch][layer] = ||W_t - W_0||."""
    step: tuple[tuple[float, ...], ...]
    """step[epoch][layer] = ||W_t - W_before the epoch's last step|| (0 for layers that did not train)."""
    bn_layers: tuple[str, ...]
    bn_base: tuple[float, ...]
    """||(moving mean, moving variance)|| of each BatchNormalization layer at the start."""
    bn_delta: tuple[tuple[float, ...], ...]
    """bn_delta[epoch][bn layer] = how far the moving statistics moved since the start."""
    stage_starts: tuple[int, ...] = (0,)
    """Epochs recorded before each stage began: (0,) or (0, epochs of stage 1)."""
    seconds: float = 0.0
    """Time spent recording (reading and comparing weights)."""

    @property
    def epochs(self) -> int:
        """Epochs recorded."""
        return len(self.delta)

    @property
    def stage2_epoch(self) -> int | None:
        """The number of epochs before stage 2 began, for a two-stage run that reached it."""
        return self.stage_starts[1] if len(self.stage_starts) > 1 else None

    @property
    def change(self) -> tuple[tuple[float, ...], ...]:
        """change[epoch][layer] = ||W_t - W_0|| / ||W_0||: exactly 0 for frozen layers."""
        return tuple(tuple(_ratio(d, b) for d, b in zip(row, self.base)) for row in self.delta)

    @property
    def last_step(self) -> tuple[tuple[float, ...], ...]:
        """last_step[epoch][layer]: the epoch's last optimizer step relative to ||W_0|| (see LAST_STEP_NAME)."""
        return tuple(tuple(_ratio(d, b) for d, b in zip(row, self.base)) for row in self.step)

    @property
    def bn_drift(self) -> tuple[tuple[float, ...], ...]:
        """bn_drift[epoch][bn layer]: relative change of the moving mean and variance since the start."""
        return tuple(tuple(_ratio(d, b) for d, b in zip(row, self.bn_base)) for row in self.bn_delta)

    def layer_change(self) -> list[dict[str, float]]:
        """One mapping per epoch: layer name -> relative change (the CLI's ``layer_change``)."""
        return [dict(zip(self.layers, row)) for row in self.change]

    def bn_drift_maps(self) -> list[dict[str, float]]:
        """One mapping per epoch: BatchNormalization layer name -> drift of its moving statistics."""
        return [dict(zip(self.bn_layers, row)) for row in self.bn_drift]

    def grouped(self) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
        """(row labels in network order, rows[label][epoch] = relative change of the row's weights as one vector)."""
        labels = tuple(dict.fromkeys(self.groups))
        index = {label: i for i, label in enumerate(labels)}
        base = [0.0] * len(labels)
        for group, b in zip(self.groups, self.base):
            base[index[group]] += b * b
        rows = []
        for label_i in range(len(labels)):
            members = [j for j, g in enumerate(self.groups) if index[g] == label_i]
            rows.append(tuple(_ratio(math.sqrt(sum(row[j] ** 2 for j in members)), math.sqrt(base[label_i]))
                              for row in self.delta))
        return labels, tuple(rows)

    def bn_total_drift(self) -> tuple[float, ...]:
        """Per epoch: the drift of every BatchNormalization layer's statistics taken as one vector."""
        base = math.sqrt(sum(b * b for b in self.bn_base))
        return tuple(_ratio(math.sqrt(sum(d * d for d in row)), base) for row in self.bn_delta)

"""Freeze X-ray's recorder: a Keras callback that measures each layer's weight change per epoch.

Kept apart from explorer.training.movement (the plain LayerMovement it reports), which the web
process reads without importing Keras.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from explorer.training.movement import HEAD_PREFIX, LayerMovement, _norm, group_labels

__all__ = ["MovementRecorder"]


def _values(variables: Sequence[Any]) -> list[np.ndarray]:
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def _learnable(layer: keras.layers.Layer) -> list[Any]:
    """The weights that train when the layer is trainable (its flag restored)."""
    was = layer.trainable
    layer.trainable = True
    found = list(layer.trainable_weights)
    layer.trainable = was
    return found


class MovementRecorder(keras.callbacks.Callback):
    """Records LayerMovement after every epoch; one instance follows a run through all its stages.

    Add it to every stage's callbacks, before whatever reports progress after an epoch. Only
    the layers whose weights are trainable in the model being fit are read: a frozen layer
    cannot move, so its change stays what it was (0 if it never trained).
    """

    def __init__(self, backbone: keras.Model, head: keras.Model) -> None:
        super().__init__()
        start = time.perf_counter()
        self._vars: list[list[Any]] = []
        names: list[str] = []
        parts: list[bool] = []  # True for the head
        for model, is_head in ((backbone, False), (head, True)):
            for layer in model.layers:
                learnable = _learnable(layer)
                if learnable:
                    names.append(HEAD_PREFIX + layer.name if is_head else layer.name)
                    parts.append(is_head)
                    self._vars.append(learnable)
        backbone_names = [n for n, h in zip(names, parts) if not h]
        groups = iter(group_labels(backbone_names))
        self._layers = tuple(names)
        self._groups = tuple(n if h else next(groups) for n, h in zip(names, parts))
        self._w0 = [_values(v) for v in self._vars]
        self._base = tuple(_norm(w) for w in self._w0)
        bns = [layer for layer in backbone.layers if isinstance(layer, keras.layers.BatchNormalization)]
        self._bn_layers = tuple(layer.name for layer in bns)
        self._bn_vars = [[layer.moving_mean, layer.moving_variance] for layer in bns]
        self._bn0 = [_values(v) for v in self._bn_vars]
        self._bn_base = tuple(_norm(s) for s in self._bn0)
        self._delta_now = [0.0] * len(names)
        self._bn_now = [0.0] * len(bns)
        self._delta: list[tuple[float, ...]] = []
        self._step: list[tuple[float, ...]] = []
        self._bn_delta: list[tuple[float, ...]] = []
        self._stage_starts: list[int] = []
        self._live: list[int] = []
        self._live_bn: list[int] = []
        self._before: dict[int, list[np.ndarray]] = {}
        self._last_batch: int | None = None
        self._snapshot: LayerMovement | None = None
        self._seconds = time.perf_counter() - start

    def on_train_begin(self, logs: Any = None) -> None:
        start = time.perf_counter()
        trainable = {id(v) for v in self.model.trainable_variables}
        every = {id(v) for v in self.model.weights}
        self._live = [i for i, vs in enumerate(self._vars) if any(id(v) in trainable for v in vs)]
        self._live_bn = [i for i, vs in enumerate(self._bn_vars) if id(vs[0]) in every]
        steps = (self.params or {}).get("steps")
        self._last_batch = int(steps) - 1 if steps else None
        self._stage_starts.append(len(self._delta))
        self._snapshot = None
        self._seconds += time.perf_counter() - start

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        if batch == self._last_batch:
            start = time.perf_counter()
            self._before = {i: _values(self._vars[i]) for i in self._live}
            self._seconds += time.perf_counter() - start

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        start = time.perf_counter()
        step = [0.0] * len(self._vars)
        for i in self._live:
            now = _values(self._vars[i])
            self._delta_now[i] = _norm([a - b for a, b in zip(now, self._w0[i])])
            if i in self._before:
                step[i] = _norm([a - b for a, b in zip(now, self._before[i])])
        for i in self._live_bn:
            now = _values(self._bn_vars[i])
            self._bn_now[i] = _norm([a - b for a, b in zip(now, self._bn0[i])])
        self._before = {}
        self._delta.append(tuple(self._delta_now))
        self._step.append(tuple(step))
        self._bn_delta.append(tuple(self._bn_now))
        self._snapshot = None
        self._seconds += time.perf_counter() - start

    def movement(self) -> LayerMovement:
        """What has been recorded so far (cached between epochs, so cheap to ask after every batch)."""
        if self._snapshot is None:
            self._snapshot = LayerMovement(
                self._layers, self._groups, self._base, tuple(self._delta), tuple(self._step),
                self._bn_layers, self._bn_base, tuple(self._bn_delta), tuple(self._stage_starts) or (0,),
                self._seconds,
            )
        return self._snapshot

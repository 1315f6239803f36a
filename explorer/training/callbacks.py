"""The run's callbacks: the best checkpoint, per-epoch history with progress and stop, and the notes' set."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from explorer.training.config import TrainConfig
from explorer.training.recorder import MovementRecorder
from explorer.training.results import Progress, ProgressCallback, RunEvent

__all__ = ["BestCheckpoint", "Recorder", "RunState", "stage_callbacks"]


@dataclass
class RunState:
    """What a run accumulates across stages: its history, its events, and where reports go."""

    config: TrainConfig
    progress: ProgressCallback | None
    stop: threading.Event | None
    history: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")}
    )
    events: list[RunEvent] = field(default_factory=list)
    movement: MovementRecorder | None = None

    def report(self, stage: str, epoch: int, batch: int, batches: int, logs: Mapping[str, Any]) -> None:
        """Send one Progress to the callback, if any."""
        if self.progress is not None:
            clean = {k: float(v) for k, v in logs.items() if np.ndim(v) == 0}
            self.progress(Progress(stage, epoch, self.config.total_epochs, batch, batches, clean,
                                   {k: tuple(v) for k, v in self.history.items()}, tuple(self.events),
                                   self.movement.movement() if self.movement is not None else None))

    @property
    def stopped(self) -> bool:
        """Whether the user asked the run to stop."""
        return self.stop is not None and self.stop.is_set()


def interim_save_seconds() -> float:
    """How often at most a run saves its best model so far before it ends: $EXPLORER_CHECKPOINT_EVERY_S,
    30 s by default (a run cut short by a server restart then loses at most that)."""
    try:
        return max(0.0, float(os.environ.get("EXPLORER_CHECKPOINT_EVERY_S", "30")))
    except ValueError:
        return 30.0


class BestCheckpoint(keras.callbacks.Callback):
    """The whole model's weights at its lowest val_loss so far, recording each new best.

    The best weights are kept in memory and written as .keras by write() when the run ends
    (stopped or not): a whole-model save costs ~0.5 s, more than a head epoch on stored
    features, and would make feature extraction no faster than plain fit. A new best is also
    saved on the way, at most every interim_s seconds (none in a short run), so that a run
    cut short by a restart leaves its best so far. The model being fit may be the head alone
    (on stored features), so the whole one is held here; a new best copies the weights of the
    model being fit only (a few Dense weights on stored features, not the whole backbone's
    3.4 M), and a later stage that fits more of the model adds the values its other weights had
    then: they did not change since the best.
    """

    def __init__(self, path: str, whole: keras.Model, events: list[RunEvent], interim_s: float | None = None) -> None:
        super().__init__()
        self.filepath, self._whole, self._events = path, whole, events
        self.best = math.inf
        self._best_weights: dict[int, tuple[Any, np.ndarray]] = {}
        """id(variable) -> (variable, its value at the best epoch), for every variable that moved since."""
        self._interim_s = interim_save_seconds() if interim_s is None else interim_s
        self._saved_at = time.monotonic()

    def on_train_begin(self, logs: Any = None) -> None:
        if self._best_weights:  # a later stage: its other weights are still at their best values
            for v in self.model.weights:
                self._best_weights.setdefault(id(v), (v, keras.ops.convert_to_numpy(v)))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        current = (logs or {}).get("val_loss")
        if current is not None and math.isfinite(float(current)) and float(current) < self.best:
            self.best = float(current)
            self._best_weights.update({id(v): (v, keras.ops.convert_to_numpy(v)) for v in self.model.weights})
            self._events.append(RunEvent(epoch + 1, "checkpoint", f"val_loss {self.best:.4f}"))
            if time.monotonic() - self._saved_at >= self._interim_s:
                self._save()  # the model holds the best weights right now

    def _save(self) -> None:
        tmp = f"{self.filepath}.partial.keras"  # then renamed: a reader never finds half a file
        self._whole.save(tmp)
        os.replace(tmp, self.filepath)
        self._saved_at = time.monotonic()

    def write(self) -> None:
        """Put the best weights back (the last ones if no epoch had a finite val_loss) and save."""
        for variable, value in self._best_weights.values():
            variable.assign(value)
        self._save()


class Recorder(keras.callbacks.Callback):
    """Per-epoch history with the learning rate, LR drops, progress reports and the stop flag."""

    def __init__(self, run: RunState, stage: str, batches: int) -> None:
        super().__init__()
        self.run, self.stage, self.batches = run, stage, batches
        self.lr_before = 0.0
        self.epoch = 0

    def _lr(self) -> float:
        return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch, self.lr_before = epoch + 1, self._lr()
        self.run.report(self.stage, self.epoch, 0, self.batches, {})  # batch 0: the epoch starts (timing)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.run.stopped:
            self.model.stop_training = True
        self.run.report(self.stage, self.epoch, batch + 1, self.batches, logs or {})

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = dict(logs or {})
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            self.run.history[key].append(float(logs.get(key, math.nan)))
        self.run.history["lr"].append(self.lr_before)
        after = self._lr()
        if after < self.lr_before:
            self.run.events.append(RunEvent(epoch + 1, "lr_drop", f"{self.lr_before:.2g} -> {after:.2g}"))
        self.run.report(self.stage, epoch + 1, self.batches, self.batches, logs)


def stage_callbacks(run: RunState, checkpoint: BestCheckpoint, stage: str, batches: int) -> list[keras.callbacks.Callback]:
    """The notes' callbacks for one stage: best checkpoint, ReduceLROnPlateau, EarlyStopping if asked, recorder."""
    c = run.config
    found: list[keras.callbacks.Callback] = [
        checkpoint,
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=c.reduce_lr_patience,
                                          factor=c.reduce_lr_factor, min_lr=c.min_lr, verbose=0),
    ]
    if c.early_stopping_patience is not None:
        found.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=c.early_stopping_patience))
    if run.movement is not None:
        found.append(run.movement)  # before Recorder: an epoch's report includes its movement
    return [*found, Recorder(run, stage, batches)]  # last: it reads the rate after ReduceLROnPlateau

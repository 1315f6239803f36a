"""run_training: build, train in one or two stages with the notes' callbacks, evaluate the best checkpoint.

Feature extraction (and stage 1 of two-stage) runs the frozen backbone once over the data and
trains the head on the stored features: a head epoch then costs milliseconds.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np

from explorer.errors import ExplorerInputError
from explorer.io.datasets import DataSplit
from explorer.models.backbones import BUILD_LOCK
from explorer.models.params import apply_flags, count_parameters, plan_flags
from explorer.training.callbacks import BestCheckpoint, RunState, stage_callbacks
from explorer.training.config import TrainConfig, stage_plans
from explorer.training.headfit import fit_head
from explorer.training.recorder import MovementRecorder
from explorer.training.model import as_labels, build_model, compile_model, extract_features, infer, kept_extractor
from explorer.training.results import Misclassified, ProgressCallback, RunEvent, RunResult

__all__ = ["run_training"]


def run_training(
    split: DataSplit,
    config: TrainConfig,
    *,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    workdir: str | Path | None = None,
    distribute: Any = None,
) -> RunResult:
    """Train a model on a split and evaluate its best checkpoint.

    Args:
        split: train and validation images (raw 0-255 RGB) at config.image_size.
        config: the run's settings.
        progress: called after every batch and epoch (from the training thread).
        stop: set it to end the run cleanly after the current batch; the best checkpoint stays.
        workdir: where the checkpoint goes (a new temporary folder by default).
        distribute: a tf.distribute strategy (MirroredStrategy) to build and train under.

    Returns:
        The RunResult; its checkpoint is the best model by val_loss, saved as .keras.

    Raises:
        ExplorerInputError: images of the wrong size, or a plan the backbone cannot take.
    """
    if split.image_size != config.image_size:
        raise ExplorerInputError(
            f"The images must be at the run's input size {config.image_size}. Received: {split.image_size}px images"
        )
    start = time.perf_counter()
    n_classes = len(split.class_names)
    head = config.head(n_classes)
    run = RunState(config, progress, stop)
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="explorer-run-"))
    path = str(folder / "best.keras")
    kept = kept_extractor(config) if distribute is None else None  # before the seed (see kept_extractor)
    with BUILD_LOCK:
        keras.utils.set_random_seed(config.seed)
        with _scope(distribute):
            built = build_model(config, split.class_names)
    whole, backbone, table = built.whole, built.backbone, built.table
    run.movement = MovementRecorder(backbone, built.head)
    plans = stage_plans(config)
    flags = [plan_flags(table, p) for p in plans]
    counts = count_parameters(table, flags[-1], head)
    checkpoint = BestCheckpoint(path, whole, run.events)
    y_train, y_val = as_labels(split.train_labels, n_classes), as_labels(split.val_labels, n_classes)
    x_train, x_val = split.train_images.astype(np.float32), split.val_images.astype(np.float32)
    batches = math.ceil(len(x_train) / config.batch_size)
    feature_seconds = 0.0
    epochs_run = 0
    f_val = None  # the validation images' stored features while the backbone is as it was when they were taken

    if config.strategy in ("feature-extraction", "two-stage"):
        apply_flags(backbone, flags[0])
        t0 = time.perf_counter()
        run.report("features", 0, 0, 1, {})
        if kept is not None:
            f_train, f_val = kept.features(split.train_images), kept.features(split.val_images)
        else:
            f_train, f_val = extract_features(built.extractor, x_train), extract_features(built.extractor, x_val)
        feature_seconds = time.perf_counter() - t0
        with _scope(distribute):
            compile_model(built.on_features, config.learning_rate, head)
        callbacks = stage_callbacks(run, checkpoint, "train", batches)
        if distribute is None:  # whole epochs in one compiled call (explorer.training.headfit)
            fit_head(built.on_features, f_train, y_train, f_val, y_val, epochs=config.epochs,
                     batch_size=config.batch_size, callbacks=callbacks, seed=config.seed)
        else:
            built.on_features.fit(f_train, y_train, validation_data=(f_val, y_val), epochs=config.epochs,
                                  batch_size=config.batch_size, shuffle=True, verbose=0, callbacks=callbacks)
        epochs_run = len(run.history["loss"])
        stopped_early = built.on_features.stop_training
        if config.strategy == "two-stage" and config.stage2_epochs and not run.stopped and not stopped_early:
            apply_flags(backbone, flags[1])
            f_val = None  # stage 2 trains the backbone: its features change
            run.events.append(RunEvent(epochs_run, "stage2", ("all, BatchNormalization in training mode" if config.bn_training
                                                             else "all but BatchNormalization") + f" at {config.stage2_learning_rate:g}"))
            with _scope(distribute):
                compile_model(whole, config.stage2_learning_rate, head)  # recompile: new flags, lower rate
            whole.fit(x_train, y_train, validation_data=(x_val, y_val), initial_epoch=epochs_run,
                      epochs=epochs_run + config.stage2_epochs, batch_size=config.batch_size, shuffle=True,
                      verbose=0, callbacks=stage_callbacks(run, checkpoint, "stage 2", batches))
    else:
        apply_flags(backbone, flags[0])
        with _scope(distribute):
            compile_model(whole, config.learning_rate, head)
        whole.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=config.epochs,
                  batch_size=config.batch_size, shuffle=True, verbose=0,
                  callbacks=stage_callbacks(run, checkpoint, "train", batches))
    epochs_run = len(run.history["loss"])
    stopped = run.stopped
    if stopped:
        run.events.append(RunEvent(epochs_run, "stopped", "stopped by the user"))
    elif epochs_run < config.total_epochs:
        run.events.append(RunEvent(epochs_run, "early_stop", "EarlyStopping: val_loss stopped improving"))
    checkpoint.write()
    # The whole model on the images, or its head on the stored features: the same numbers, no second backbone pass.
    probs = infer(whole, x_val) if f_val is None else infer(built.on_features, f_val)
    predicted = (probs[:, 0] > 0.5).astype(int) if n_classes == 2 else probs.argmax(axis=1)
    confidence = np.where(predicted == 1, probs[:, 0], 1 - probs[:, 0]) if n_classes == 2 else probs.max(axis=1)
    truth = split.val_labels
    confusion = np.zeros((n_classes, n_classes), int)
    np.add.at(confusion, (truth, predicted), 1)
    wrong = tuple(
        Misclassified(int(i), split.class_names[truth[i]], split.class_names[predicted[i]], float(confidence[i]))
        for i in np.flatnonzero(predicted != truth)
    )
    return RunResult(
        config=config, class_names=split.class_names,
        history={k: tuple(v) for k, v in run.history.items()}, events=tuple(run.events),
        epochs_run=epochs_run, stopped=stopped, seconds=time.perf_counter() - start, checkpoint=path,
        val_accuracy=float(np.mean(predicted == truth)), confusion=tuple(map(tuple, confusion.tolist())),
        misclassified=wrong, counts=counts, train_images=len(x_train), feature_seconds=feature_seconds,
        movement=run.movement.movement(),
    )


def _scope(distribute: Any) -> Any:
    """A fresh strategy scope each time (a scope cannot be entered twice)."""
    return distribute.scope() if distribute is not None else contextlib.nullcontext()

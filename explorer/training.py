"""Short transfer-learning runs: four strategies, the notes' callbacks, progress and a clean stop.

A run takes raw 0-255 images (a DataSplit) and a TrainConfig. The model it trains is
``image -> ExplorerInput (the backbone's preprocessing, and the class names) -> backbone ->
head``, so a saved .keras file classifies a photo on its own. The backbone is called with
training=False as in the Keras transfer-learning guide: BatchNormalization stays in inference
mode even when its layer's weights train (from scratch it learns its statistics as usual).

Feature extraction (and stage 1 of two-stage) runs the frozen backbone once over the data and
trains the head on the stored features: a head epoch then costs milliseconds. The head is
one sub-model shared by both paths, so the checkpoint is always the whole model.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError
from explorer.io.datasets import DataSplit
from explorer.models.backbones import BUILD_LOCK, build_backbone, check_input_size, get_backbone
from explorer.models.heads import HeadConfig, apply_head
from explorer.models.params import ParamCounts, TrainablePlan, apply_flags, compute_param_table, count_parameters, plan_flags

__all__ = [
    "STRATEGIES",
    "STRATEGY_LABELS",
    "Classifier",
    "ExplorerInput",
    "Misclassified",
    "Progress",
    "RunEvent",
    "RunResult",
    "TrainConfig",
    "classify",
    "format_accuracy",
    "load_classifier",
    "run_training",
    "stage_plans",
]

Strategy = Literal["feature-extraction", "fine-tune", "two-stage", "scratch"]
STRATEGIES: tuple[Strategy, ...] = ("feature-extraction", "fine-tune", "two-stage", "scratch")
STRATEGY_LABELS: dict[str, str] = {
    "feature-extraction": "Feature extraction (train the head on stored features)",
    "fine-tune": "Fine-tune the last N layers",
    "two-stage": "Two-stage (head, then all but BatchNormalization at a lower rate)",
    "scratch": "From scratch (same network, random weights)",
}
MAX_EPOCHS = 200


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run; two equal configs on the same data train the same way."""

    backbone: str = "efficientnet_lite0"
    image_size: int = 96
    strategy: Strategy = "feature-extraction"
    head_kind: Literal["flatten", "gap"] = "gap"
    hidden: int = 0
    dropout: float = 0.0
    epochs: int = 10
    stage2_epochs: int = 5
    fine_tune_layers: int = 20
    learning_rate: float = 1e-3
    stage2_learning_rate: float = 1e-5
    batch_size: int = 32
    reduce_lr_patience: int = 3
    reduce_lr_factor: float = 0.5
    min_lr: float = 1e-6
    early_stopping_patience: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ExplorerInputError(f"A strategy is one of {', '.join(STRATEGIES)}. Received: strategy={self.strategy!r}")
        check_input_size(get_backbone(self.backbone), self.image_size)
        for name, low, high in (("epochs", 1, MAX_EPOCHS), ("stage2_epochs", 0, MAX_EPOCHS),
                                ("batch_size", 1, 4096), ("fine_tune_layers", 0, 100_000),
                                ("reduce_lr_patience", 0, 1000)):
            object.__setattr__(self, name, check_whole_number(getattr(self, name), name, low, high))
        for name in ("learning_rate", "stage2_learning_rate"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ExplorerInputError(f"A learning rate must be in (0, 1]. Received: {name}={getattr(self, name)}")
        if not 0.0 < self.reduce_lr_factor < 1.0:
            raise ExplorerInputError(
                f"ReduceLROnPlateau does not support a factor >= 1.0 or <= 0. Received: factor={self.reduce_lr_factor}"
            )
        if self.min_lr < 0:
            raise ExplorerInputError(f"min_lr must be >= 0. Received: min_lr={self.min_lr}")
        if self.early_stopping_patience is not None:
            object.__setattr__(self, "early_stopping_patience",
                               check_whole_number(self.early_stopping_patience, "early_stopping_patience", 0))
        self.head(2)  # validates kind, hidden and dropout

    def head(self, n_classes: int) -> HeadConfig:
        """The head for n classes: one sigmoid unit for two, softmax for more (as in the notes)."""
        return HeadConfig(self.head_kind, self.hidden, self.dropout, 1 if n_classes == 2 else n_classes)

    @property
    def total_epochs(self) -> int:
        """Epochs planned, both stages together."""
        return self.epochs + (self.stage2_epochs if self.strategy == "two-stage" else 0)

    @property
    def label(self) -> str:
        """A short name for legends: strategy, backbone, size."""
        extra = f" last {self.fine_tune_layers}" if self.strategy == "fine-tune" else ""
        return f"{self.strategy}{extra} · {self.backbone} · {self.image_size}px"


def stage_plans(config: TrainConfig) -> tuple[TrainablePlan, ...]:
    """The backbone's trainable plan in each stage of a run."""
    return {
        "feature-extraction": (TrainablePlan("none"),),
        "fine-tune": (TrainablePlan("last", config.fine_tune_layers),),
        "two-stage": (TrainablePlan("none"), TrainablePlan("all-but-bn")),
        "scratch": (TrainablePlan("all"),),
    }[config.strategy]


@dataclass(frozen=True)
class RunEvent:
    """Something worth a marker on the curves: 'lr_drop', 'checkpoint', 'stage2', 'early_stop', 'stopped'."""

    epoch: int
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    """One report from a running run; epochs and batches count from 1."""

    stage: str
    """'features' (the backbone runs once over the data), 'train', or 'stage 2'."""
    epoch: int
    epochs: int
    batch: int
    batches: int
    logs: Mapping[str, float]
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    events: tuple[RunEvent, ...] = ()

    @property
    def fraction(self) -> float:
        """How much of the planned work is done, 0 to 1."""
        if self.stage == "features":
            return 0.0
        done = (self.epoch - 1) * self.batches + self.batch
        return min(1.0, done / max(1, self.epochs * self.batches))


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Misclassified:
    """A validation image the best model got wrong."""

    index: int
    true: str
    predicted: str
    confidence: float


@dataclass(frozen=True, eq=False)
class RunResult:
    """What a run leaves behind: curves, events, the best checkpoint and its evaluation."""

    config: TrainConfig
    class_names: tuple[str, ...]
    history: Mapping[str, tuple[float, ...]]
    """Per epoch: loss, accuracy, val_loss, val_accuracy, lr (the rate the epoch trained at)."""
    events: tuple[RunEvent, ...]
    epochs_run: int
    stopped: bool
    seconds: float
    checkpoint: str
    val_accuracy: float
    """Accuracy of the best checkpoint (lowest val_loss) on the validation images."""
    confusion: tuple[tuple[int, ...], ...]
    """confusion[true][predicted]."""
    misclassified: tuple[Misclassified, ...]
    counts: ParamCounts
    """Parameters of the final stage, as Keras counts them."""
    train_images: int
    feature_seconds: float = 0.0
    """Time spent computing stored features (feature extraction and stage 1)."""

    @property
    def accuracy_line(self) -> str:
        """The notes' print: 'acc: 93.25%'."""
        return format_accuracy(self.val_accuracy)


def format_accuracy(accuracy: float) -> str:
    """Print an accuracy as the notes do: 'acc: 93.25%'."""
    return f"acc: {accuracy * 100:.2f}%"


@keras.saving.register_keras_serializable(package="explorer")
class ExplorerInput(keras.layers.Layer):
    """Raw 0-255 RGB in, the backbone's preprocessing out; carries the class names in the file."""

    def __init__(self, backbone: str, class_names: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backbone = backbone
        self.class_names = list(class_names)

    def call(self, inputs: Any) -> Any:
        return get_backbone(self.backbone).preprocess.apply(keras.ops.cast(inputs, "float32"))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "backbone": self.backbone, "class_names": self.class_names}


class _BestCheckpoint(keras.callbacks.Callback):
    """The whole model's weights at its lowest val_loss so far, recording each new best.

    The best weights are kept in memory and written as .keras once, by write(), when the
    run ends (stopped or not): a whole-model save costs ~0.5 s, more than a head epoch on
    stored features, and would make feature extraction no faster than plain fit. The model
    being fit may be the head alone (on stored features), so the whole one is held here.
    """

    def __init__(self, path: str, whole: keras.Model, events: list[RunEvent]) -> None:
        super().__init__()
        self.filepath, self._whole, self._events = path, whole, events
        self.best = math.inf
        self._best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        current = (logs or {}).get("val_loss")
        if current is not None and math.isfinite(float(current)) and float(current) < self.best:
            self.best = float(current)
            self._best_weights = self._whole.get_weights()
            self._events.append(RunEvent(epoch + 1, "checkpoint", f"val_loss {self.best:.4f}"))

    def write(self) -> None:
        """Put the best weights back (the last ones if no epoch had a finite val_loss) and save."""
        if self._best_weights is not None:
            self._whole.set_weights(self._best_weights)
        self._whole.save(self.filepath)


class _Recorder(keras.callbacks.Callback):
    """Per-epoch history with the learning rate, LR drops, progress reports and the stop flag."""

    def __init__(self, run: _Run, stage: str, batches: int) -> None:
        super().__init__()
        self.run, self.stage, self.batches = run, stage, batches
        self.lr_before = 0.0
        self.epoch = 0

    def _lr(self) -> float:
        return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch, self.lr_before = epoch + 1, self._lr()

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        if self.run.stop is not None and self.run.stop.is_set():
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


@dataclass
class _Run:
    config: TrainConfig
    progress: ProgressCallback | None
    stop: threading.Event | None
    history: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")}
    )
    events: list[RunEvent] = field(default_factory=list)

    def report(self, stage: str, epoch: int, batch: int, batches: int, logs: Mapping[str, Any]) -> None:
        if self.progress is not None:
            clean = {k: float(v) for k, v in logs.items() if np.ndim(v) == 0}
            self.progress(Progress(stage, epoch, self.config.total_epochs, batch, batches, clean,
                                   {k: tuple(v) for k, v in self.history.items()}, tuple(self.events)))


def _extract_features(extractor: keras.Model, images: np.ndarray, batch_size: int) -> np.ndarray:
    """Run the frozen backbone once over the images (the only backbone pass of a head run)."""
    return extractor.predict(images.astype(np.float32), batch_size=batch_size, verbose=0)


def _labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    return labels.astype(np.float32)[:, None] if n_classes == 2 else labels.astype(np.int64)


def _build(config: TrainConfig, class_names: tuple[str, ...]) -> tuple[keras.Model, ...]:
    """(whole model, backbone, head sub-model, feature extractor, parameter table)."""
    weights = "random" if config.strategy == "scratch" else "auto"
    backbone = build_backbone(config.backbone, config.image_size, weights=weights)
    table = compute_param_table(backbone, config.backbone, config.image_size)
    head = config.head(len(class_names))
    features = keras.Input(table.feature_shape, name="features")
    head_model = keras.Model(features, apply_head(features, head), name="head")
    image = keras.Input((config.image_size, config.image_size, 3), name="image")
    x = ExplorerInput(config.backbone, list(class_names), name="preprocess")(image)
    # Inference-mode BatchNormalization for pretrained backbones (Keras transfer-learning guide).
    x = backbone(x, training=None if config.strategy == "scratch" else False)
    whole = keras.Model(image, head_model(x), name=f"{config.backbone}_{config.strategy.replace('-', '_')}")
    return whole, backbone, head_model, keras.Model(image, x, name="extractor"), table


def _compile(model: keras.Model, rate: float, head: HeadConfig) -> None:
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=head.loss, metrics=["accuracy"])


def _callbacks(run: _Run, checkpoint: _BestCheckpoint, stage: str, batches: int) -> list[keras.callbacks.Callback]:
    c = run.config
    found: list[keras.callbacks.Callback] = [
        checkpoint,
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=c.reduce_lr_patience,
                                          factor=c.reduce_lr_factor, min_lr=c.min_lr, verbose=0),
    ]
    if c.early_stopping_patience is not None:
        found.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=c.early_stopping_patience))
    return [*found, _Recorder(run, stage, batches)]  # last: it reads the rate after ReduceLROnPlateau


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
    run = _Run(config, progress, stop)
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="explorer-run-"))
    path = str(folder / "best.keras")
    with BUILD_LOCK:
        keras.utils.set_random_seed(config.seed)
        with _scope(distribute):
            whole, backbone, head_model, extractor, table = _build(config, split.class_names)
    plans = stage_plans(config)
    flags = [plan_flags(table, p) for p in plans]
    counts = count_parameters(table, flags[-1], head)
    checkpoint = _BestCheckpoint(path, whole, run.events)
    y_train, y_val = _labels(split.train_labels, n_classes), _labels(split.val_labels, n_classes)
    x_train, x_val = split.train_images.astype(np.float32), split.val_images.astype(np.float32)
    batches = math.ceil(len(x_train) / config.batch_size)
    feature_seconds = 0.0
    epochs_run = 0

    if config.strategy in ("feature-extraction", "two-stage"):
        apply_flags(backbone, flags[0])
        t0 = time.perf_counter()
        run.report("features", 0, 0, 1, {})
        f_train = _extract_features(extractor, x_train, config.batch_size)
        f_val = _extract_features(extractor, x_val, config.batch_size)
        feature_seconds = time.perf_counter() - t0
        with _scope(distribute):
            _compile(head_model, config.learning_rate, head)
        head_model.fit(f_train, y_train, validation_data=(f_val, y_val), epochs=config.epochs,
                       batch_size=config.batch_size, shuffle=True, verbose=0,
                       callbacks=_callbacks(run, checkpoint, "train", batches))
        epochs_run = len(run.history["loss"])
        stopped_early = head_model.stop_training
        if config.strategy == "two-stage" and config.stage2_epochs and not _stopped(stop) and not stopped_early:
            apply_flags(backbone, flags[1])
            run.events.append(RunEvent(epochs_run, "stage2", f"all but BatchNormalization at {config.stage2_learning_rate:g}"))
            with _scope(distribute):
                _compile(whole, config.stage2_learning_rate, head)  # recompile: new flags, lower rate
            whole.fit(x_train, y_train, validation_data=(x_val, y_val), initial_epoch=epochs_run,
                      epochs=epochs_run + config.stage2_epochs, batch_size=config.batch_size, shuffle=True,
                      verbose=0, callbacks=_callbacks(run, checkpoint, "stage 2", batches))
    else:
        apply_flags(backbone, flags[0])
        with _scope(distribute):
            _compile(whole, config.learning_rate, head)
        whole.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=config.epochs,
                  batch_size=config.batch_size, shuffle=True, verbose=0,
                  callbacks=_callbacks(run, checkpoint, "train", batches))
    epochs_run = len(run.history["loss"])
    stopped = _stopped(stop)
    if stopped:
        run.events.append(RunEvent(epochs_run, "stopped", "stopped by the user"))
    elif epochs_run < config.total_epochs:
        run.events.append(RunEvent(epochs_run, "early_stop", "EarlyStopping: val_loss stopped improving"))
    checkpoint.write()
    probs = whole.predict(x_val, batch_size=config.batch_size, verbose=0)
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
    )


def _scope(distribute: Any) -> Any:
    """A fresh strategy scope each time (a scope cannot be entered twice)."""
    return distribute.scope() if distribute is not None else contextlib.nullcontext()


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


@dataclass(frozen=True, eq=False)
class Classifier:
    """A saved model with what it needs to classify a photo."""

    model: keras.Model
    class_names: tuple[str, ...]
    image_size: int


def load_classifier(source: bytes | str | Path) -> Classifier:
    """Load a .keras model saved by this app (safe_mode on: no arbitrary code runs).

    Raises:
        ExplorerInputError: not a .keras file, or not one this app saved.
    """
    try:
        if isinstance(source, bytes):
            with tempfile.TemporaryDirectory(prefix="explorer-load-") as folder:
                path = Path(folder) / "model.keras"
                path.write_bytes(source)
                model = keras.saving.load_model(path, safe_mode=True)
        else:
            model = keras.saving.load_model(source, safe_mode=True)
    except Exception as exc:  # Keras raises many types on a bad file
        raise ExplorerInputError(
            f"This is not a Keras model file the app can load safely. Received: {str(exc).splitlines()[0][:160]!r}"
        ) from None
    layer = next((l for l in model.layers if isinstance(l, ExplorerInput)), None)
    if layer is None:
        raise ExplorerInputError("Only models saved by the Fine-tune Lab can be loaded here. Received: no class names")
    return Classifier(model, tuple(layer.class_names), int(model.input_shape[1]))


def classify(classifier: Classifier, pixels: np.ndarray) -> list[tuple[str, float]]:
    """Class probabilities of one photo ((H, W, 3) uint8), most likely first."""
    from explorer.io.images import square_crop

    x = square_crop(pixels, classifier.image_size)[None].astype(np.float32)
    probs = np.asarray(classifier.model.predict(x, verbose=0))[0]
    if len(classifier.class_names) == 2:
        probs = np.array([1 - probs[0], probs[0]])
    order = np.argsort(probs)[::-1]
    return [(classifier.class_names[i], float(probs[i])) for i in order]


"""What a run reports while it runs (Progress, RunEvent) and leaves behind (RunResult)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from explorer.models.params import ParamCounts
from explorer.training.config import TrainConfig
from explorer.training.movement import LayerMovement

__all__ = ["Misclassified", "Progress", "ProgressCallback", "RunEvent", "RunResult", "format_accuracy"]


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
    movement: LayerMovement | None = None
    """Per-layer weight movement so far (Freeze X-ray), updated after every epoch."""

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
    movement: LayerMovement | None = None
    """How far each layer's weights moved, epoch by epoch (Freeze X-ray)."""

    @property
    def accuracy_line(self) -> str:
        """The notes' print: 'acc: 93.25%'."""
        return format_accuracy(self.val_accuracy)


def format_accuracy(accuracy: float) -> str:
    """Print an accuracy as the notes do: 'acc: 93.25%'."""
    return f"acc: {accuracy * 100:.2f}%"

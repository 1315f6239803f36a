"""What defines a run: the strategies, TrainConfig (validated) and each stage's trainable plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError
from explorer.i18n import N_
from explorer.models.backbones import check_input_size, get_backbone
from explorer.models.heads import HeadConfig
from explorer.models.params import TrainablePlan

__all__ = ["MAX_EPOCHS", "STRATEGIES", "STRATEGY_LABELS", "STRATEGY_NAMES", "STRATEGY_NOTES", "Strategy", "TrainConfig",
           "stage_plans"]

Strategy = Literal["feature-extraction", "fine-tune", "two-stage", "scratch"]
STRATEGIES: tuple[Strategy, ...] = ("feature-extraction", "fine-tune", "two-stage", "scratch")
STRATEGY_LABELS: dict[str, str] = {  # in English (the CLI's words); a page shows them with _()
    "feature-extraction": N_("Feature extraction"),  # short: a 1024-px projector's sidebar shows ~30 characters
    "fine-tune": N_("Fine-tune the last N layers"),
    "two-stage": N_("Two-stage training"),
    "scratch": N_("From scratch"),
}
STRATEGY_NOTES: dict[str, str] = {  # what each does, in a line under the choice
    "feature-extraction": N_("The backbone stays frozen: its features are computed once and stored, and only the "
                             "head trains on them."),
    "fine-tune": N_("The last N layers of the backbone train with the head; the rest stays frozen."),
    "two-stage": N_("The head trains first on the frozen backbone, then all but BatchNormalization at a lower rate."),
    "scratch": N_("The same network with random weights: nothing from ImageNet."),
}
STRATEGY_NAMES: dict[str, str] = {  # short, for a run's label
    "feature-extraction": N_("feature-extraction"),
    "fine-tune": N_("fine-tune"),
    "two-stage": N_("two-stage"),
    "scratch": N_("scratch"),
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
    bn_training: bool = False
    """Stage 2 (and fine-tune) with the backbone in training mode and BatchNormalization trainable:
    the mistake the Keras guide warns about, for the BatchNormalization experiment. In Keras 3 a
    frozen BatchNormalization layer always runs in inference mode, so training mode alone changes nothing."""

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
        """A short name for records and the CLI: strategy, backbone, size, in English."""
        return self.describe(lambda message: message)

    def describe(self, translate: Callable[[str], str]) -> str:
        """The label in a page's language (`translate` is its gettext)."""
        extra = " " + translate(N_("last {n}")).format(n=self.fine_tune_layers) if self.strategy == "fine-tune" else ""
        bn = " · " + translate(N_("BN training mode")) if self.bn_training else ""
        return f"{translate(STRATEGY_NAMES[self.strategy])}{extra} · {self.backbone} · {self.image_size}px{bn}"


def stage_plans(config: TrainConfig) -> tuple[TrainablePlan, ...]:
    """The backbone's trainable plan in each stage of a run."""
    return {
        "feature-extraction": (TrainablePlan("none"),),
        "fine-tune": (TrainablePlan("last", config.fine_tune_layers),),
        "two-stage": (TrainablePlan("none"), TrainablePlan("all" if config.bn_training else "all-but-bn")),
        "scratch": (TrainablePlan("all"),),
    }[config.strategy]

"""Parameter accounting: a per-layer table built once, then re-summed for any trainable plan.

Keras counts a weight as trainable when its layer is trainable and the weight itself is
(BatchNormalization's moving mean and variance never are). The table stores, per layer,
the weights that become trainable when the layer trains and the ones that never do, so a
click on a toggle is a sum over a tuple, not a model rebuild.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError
from explorer.i18n import N_
from explorer.models.backbones import check_input_size, get_backbone
from explorer.models.heads import HeadConfig, head_layers
from explorer.models.layer_params import LayerParams

if TYPE_CHECKING:  # pragma: no cover
    import keras

PlanKind = Literal["none", "all", "last", "from", "all-but-bn"]
PLAN_KINDS: tuple[PlanKind, ...] = ("none", "all", "last", "from", "all-but-bn")
PLAN_LABELS: dict[PlanKind, str] = {
    "none": N_("Freeze all (train the head only)"),
    "all": N_("Train all"),
    "last": N_("Train the last N layers"),
    "from": N_("Train layers from index N on"),
    "all-but-bn": N_("Train all but BatchNormalization"),
}
"""In English (the CLI's words too); a page shows them with _()."""


@dataclass(frozen=True)
class ParamTable:
    """Per-layer accounting of one backbone at one input size."""

    backbone: str
    input_size: int
    layers: tuple[LayerParams, ...]

    @property
    def feature_shape(self) -> tuple[int, ...]:
        """The backbone's output shape without the batch axis."""
        return tuple(int(d) for d in self.layers[-1].output_shape[1:])  # type: ignore[arg-type]

    @property
    def total(self) -> int:
        """All backbone parameters."""
        return sum(layer.params for layer in self.layers)


@dataclass(frozen=True)
class TrainablePlan:
    """A rule that says which backbone layers train; ``n`` is used by "last" and "from"."""

    kind: PlanKind
    n: int = 0

    def __post_init__(self) -> None:
        if self.kind not in PLAN_KINDS:
            raise ExplorerInputError(
                f"A trainable plan is one of {', '.join(PLAN_KINDS)}. Received: kind={self.kind!r}"
            )
        object.__setattr__(self, "n", check_whole_number(self.n, "n", 0))

    def __str__(self) -> str:
        return f"{self.kind}:{self.n}" if self.kind in ("last", "from") else self.kind


@dataclass(frozen=True)
class ParamCounts:
    """Totals exactly as Keras reports them on the assembled model."""

    total: int
    trainable: int
    non_trainable: int
    head_params: int
    backbone_trainable: int


def compute_param_table(model: keras.Model, backbone: str, input_size: int) -> ParamTable:
    """Read the per-layer accounting off a built backbone.

    Args:
        model: a functional backbone as built by build_backbone (flags untouched).
        backbone: the registry id it was built from.
        input_size: the square input size it was built at.

    Returns:
        The table; computing it is the only step that needs the model.
    """
    rows = []
    for index, layer in enumerate(model.layers):
        # Ask the layer itself which weights train when it is trainable; restore its flag.
        was_trainable = layer.trainable
        layer.trainable = True
        trainable = sum(_size(w) for w in layer.trainable_weights)
        layer.trainable = was_trainable
        rows.append(
            LayerParams(
                index=index,
                name=layer.name,
                type=type(layer).__name__,
                output_shape=tuple(layer.output.shape),
                trainable_params=trainable,
                fixed_params=sum(_size(w) for w in layer.weights) - trainable,
            )
        )
    return ParamTable(backbone=backbone, input_size=input_size, layers=tuple(rows))


def _size(weight: object) -> int:
    size = 1
    for dim in weight.shape:  # type: ignore[attr-defined]
        size *= int(dim)
    return size


def build_param_table(backbone: str, input_size: int | None = None) -> ParamTable:
    """Build the backbone once with random weights and return its per-layer accounting.

    Raises:
        UnknownBackboneError, InputSizeError: for a bad id or size.
    """
    from explorer.models.backbones import build_backbone

    spec = get_backbone(backbone)
    size = check_input_size(spec, spec.default_size if input_size is None else input_size)
    return compute_param_table(build_backbone(backbone, size, weights="random"), backbone, size)


def parse_plan(text: str) -> TrainablePlan:
    """Parse "none", "all", "last:N", "from:N" or "all-but-bn".

    Raises:
        ExplorerInputError: for anything else.
    """
    match = re.fullmatch(r"(none|all|all-but-bn)|(last|from):(\d+)", text.strip())
    if not match:
        raise ExplorerInputError(
            "A trainable plan is none, all, last:N, from:N or all-but-bn. "
            f"Received: trainable={text!r}"
        )
    if match.group(1):
        return TrainablePlan(match.group(1))  # type: ignore[arg-type]
    return TrainablePlan(match.group(2), int(match.group(3)))  # type: ignore[arg-type]


def plan_flags(table: ParamTable, plan: TrainablePlan) -> tuple[bool, ...]:
    """The trainable flag of every backbone layer under a plan.

    Raises:
        ExplorerInputError: if N is outside 0..number of layers.
    """
    count = len(table.layers)
    if plan.kind in ("last", "from") and not 0 <= plan.n <= count:
        raise ExplorerInputError(
            f"N must be between 0 and the backbone's {count} layers. Received: trainable={plan}"
        )
    if plan.kind == "none":
        return (False,) * count
    if plan.kind == "all":
        return (True,) * count
    if plan.kind == "last":
        return tuple(i >= count - plan.n for i in range(count))
    if plan.kind == "from":
        return tuple(i >= plan.n for i in range(count))
    return tuple(not layer.is_batch_norm for layer in table.layers)


def count_parameters(table: ParamTable, flags: tuple[bool, ...], head: HeadConfig) -> ParamCounts:
    """Re-sum the table for a set of flags plus a (always trainable) head.

    Raises:
        ExplorerInputError: if there is not one flag per layer, or the head does not fit.
    """
    if len(flags) != len(table.layers):
        raise ExplorerInputError(
            f"Give one trainable flag per backbone layer ({len(table.layers)}). Received: {len(flags)} flags"
        )
    head_params = sum(layer.params for layer in head_layers(table.feature_shape, head))
    backbone_trainable = sum(layer.trainable_params for layer, on in zip(table.layers, flags) if on)
    total = table.total + head_params
    trainable = backbone_trainable + head_params
    return ParamCounts(total, trainable, total - trainable, head_params, backbone_trainable)


def apply_flags(model: keras.Model, flags: tuple[bool, ...]) -> None:
    """Set every layer's trainable flag on a (session-owned, never cached) backbone."""
    for layer, on in zip(model.layers, flags, strict=True):
        layer.trainable = on

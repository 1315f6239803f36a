"""Classifier heads put on a backbone: Flatten or global average pooling, then Dense layers."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import TYPE_CHECKING, Literal

from explorer.errors import ExplorerInputError

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from explorer.models.params import LayerParams

HeadKind = Literal["flatten", "gap"]
MAX_HIDDEN_UNITS = 16384
MAX_OUTPUTS = 100000
POOL_LAYER_NAME: dict[HeadKind, str] = {"flatten": "head_flatten", "gap": "head_gap"}


@dataclass(frozen=True)
class HeadConfig:
    """A classifier head; outputs == 1 means a sigmoid unit, more means softmax."""

    kind: HeadKind = "gap"
    hidden: int = 0
    dropout: float = 0.0
    outputs: int = 1

    def __post_init__(self) -> None:
        if self.kind not in POOL_LAYER_NAME:
            raise ExplorerInputError(f"A head is 'flatten' or 'gap'. Received: head={self.kind!r}")
        for field in ("hidden", "outputs"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ExplorerInputError(f"{field.capitalize()} must be a whole number. Received: {field}={value!r}")
        if not 0 <= self.hidden <= MAX_HIDDEN_UNITS:
            raise ExplorerInputError(
                f"Hidden units must be between 0 (none) and {MAX_HIDDEN_UNITS}. Received: hidden={self.hidden}"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ExplorerInputError(f"Dropout must be in [0, 1). Received: dropout={self.dropout}")
        if not 1 <= self.outputs <= MAX_OUTPUTS:
            raise ExplorerInputError(
                f"Outputs must be between 1 and {MAX_OUTPUTS}. Received: outputs={self.outputs}"
            )

    @property
    def activation(self) -> str:
        """The output activation: sigmoid for one unit, softmax for several."""
        return "sigmoid" if self.outputs == 1 else "softmax"

    @property
    def loss(self) -> str:
        """The loss that fits the output activation (integer labels for softmax)."""
        return "binary_crossentropy" if self.outputs == 1 else "sparse_categorical_crossentropy"


def head_layers(feature_shape: tuple[int, ...], head: HeadConfig, first_index: int = 0) -> tuple[LayerParams, ...]:
    """The head's layers and their parameter counts, by arithmetic on the feature shape.

    Args:
        feature_shape: the backbone's output shape without the batch axis, e.g. (7, 7, 512).
        head: the head configuration.
        first_index: index of the head's first layer in the assembled model.

    Returns:
        One LayerParams per head layer; all of them train.
    """
    from explorer.models.params import LayerParams

    width = prod(feature_shape) if head.kind == "flatten" else feature_shape[-1]
    pool_type = "Flatten" if head.kind == "flatten" else "GlobalAveragePooling2D"
    specs: list[tuple[str, str, int, int]] = [(POOL_LAYER_NAME[head.kind], pool_type, width, 0)]
    if head.hidden:
        specs.append(("fc1", "Dense", head.hidden, (width + 1) * head.hidden))
        width = head.hidden
    if head.dropout:
        specs.append(("head_dropout", "Dropout", width, 0))
    specs.append(("output", "Dense", head.outputs, (width + 1) * head.outputs))
    return tuple(
        LayerParams(first_index + i, name, kind, (None, units), params, 0)
        for i, (name, kind, units, params) in enumerate(specs)
    )


def build_model(base: keras.Model, head: HeadConfig) -> keras.Model:
    """Put the head on a backbone's output (functional, so model.layers is flat as in the notes).

    Args:
        base: a backbone built by build_backbone.
        head: the head configuration.

    Returns:
        The assembled, uncompiled model.
    """
    import keras
    from keras import layers

    pool = layers.Flatten if head.kind == "flatten" else layers.GlobalAveragePooling2D
    x = pool(name=POOL_LAYER_NAME[head.kind])(base.output)
    if head.hidden:
        x = layers.Dense(head.hidden, activation="relu", name="fc1")(x)
    if head.dropout:
        x = layers.Dropout(head.dropout, name="head_dropout")(x)
    outputs = layers.Dense(head.outputs, activation=head.activation, name="output")(x)
    return keras.Model(base.input, outputs, name=f"{base.name}_transfer")

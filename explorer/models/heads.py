"""Classifier heads put on a backbone: Flatten or global average pooling, then Dense layers.

A head is described once, by describe_head: a tuple of LayerSpec, each a Keras layer
class, its name and its constructor arguments. Everything else is derived from that
description: the parameter rows (head_layers, by arithmetic on the feature shape), the
Keras layers (apply_head, build_model; the Fine-tune Lab trains these) and the exported
code text (head_code).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from math import prod
from typing import TYPE_CHECKING, Any, Literal

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError
from explorer.models.layer_params import LayerParams

if TYPE_CHECKING:  # pragma: no cover
    import keras

HeadKind = Literal["flatten", "gap"]
MAX_HIDDEN_UNITS = 16384
MAX_OUTPUTS = 100000
POOL_LAYER_NAME: dict[HeadKind, str] = {"flatten": "head_flatten", "gap": "head_gap"}
_POOL_CLASS: dict[HeadKind, str] = {"flatten": "Flatten", "gap": "GlobalAveragePooling2D"}


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
        object.__setattr__(self, "hidden", check_whole_number(self.hidden, "hidden", 0, MAX_HIDDEN_UNITS))
        if not 0.0 <= self.dropout < 1.0:
            raise ExplorerInputError(f"Dropout must be in [0, 1). Received: dropout={self.dropout}")
        object.__setattr__(self, "outputs", check_whole_number(self.outputs, "outputs", 1, MAX_OUTPUTS))

    @property
    def activation(self) -> str:
        """The output activation: sigmoid for one unit, softmax for several."""
        return "sigmoid" if self.outputs == 1 else "softmax"

    @property
    def loss(self) -> str:
        """The loss that fits the output activation (integer labels for softmax)."""
        return "binary_crossentropy" if self.outputs == 1 else "sparse_categorical_crossentropy"


@dataclass(frozen=True)
class LayerSpec:
    """One layer as Keras builds it: ``keras.layers.<class_name>(*args, **kwargs, name=name)``."""

    class_name: str
    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def build(self) -> keras.layers.Layer:
        """A new Keras layer with these arguments."""
        import keras

        return getattr(keras.layers, self.class_name)(*self.args, **dict(self.kwargs), name=self.name)

    def code(self, module: str = "layers") -> str:
        """The constructor call as Python source: 'layers.Dense(64, activation="relu", name="fc1")'."""
        parts = [_literal(a) for a in self.args]
        parts += [f"{key}={_literal(value)}" for key, value in (*self.kwargs, ("name", self.name))]
        return f"{module}.{self.class_name}({', '.join(parts)})"

    def output_and_params(self, input_shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
        """The output shape (no batch axis) and the number of weights, by arithmetic.

        Raises:
            ValueError: for a layer class the arithmetic does not know (a bug in describe_head).
        """
        try:
            rule = _SHAPE_RULES[self.class_name]
        except KeyError:
            raise ValueError(f"No parameter arithmetic for this layer. Received: class_name={self.class_name!r}") from None
        return rule(self, input_shape)


def _literal(value: object) -> str:
    """Python source for a constructor argument; strings in double quotes, as Keras' docs write them."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _dense(layer: LayerSpec, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    units = int(layer.args[0])
    bias = dict(layer.kwargs).get("use_bias", True)
    return (*shape[:-1], units), (shape[-1] + bias) * units


_SHAPE_RULES: dict[str, Callable[[LayerSpec, tuple[int, ...]], tuple[tuple[int, ...], int]]] = {
    "Flatten": lambda layer, shape: ((prod(shape),), 0),
    "GlobalAveragePooling2D": lambda layer, shape: ((shape[-1],), 0),
    "Dropout": lambda layer, shape: (shape, 0),
    "Dense": _dense,
}


def describe_head(head: HeadConfig) -> tuple[LayerSpec, ...]:
    """The head's layers in order: pooling, the optional hidden Dense and Dropout, the output Dense.

    Args:
        head: the head configuration.

    Returns:
        One LayerSpec per Keras layer of the head.
    """
    layers = [LayerSpec(_POOL_CLASS[head.kind], POOL_LAYER_NAME[head.kind])]
    if head.hidden:
        layers.append(LayerSpec("Dense", "fc1", (head.hidden,), (("activation", "relu"),)))
    if head.dropout:
        layers.append(LayerSpec("Dropout", "head_dropout", (head.dropout,)))
    layers.append(LayerSpec("Dense", "output", (head.outputs,), (("activation", head.activation),)))
    return tuple(layers)


def head_layers(feature_shape: tuple[int, ...], head: HeadConfig, first_index: int = 0) -> tuple[LayerParams, ...]:
    """The head's layers and their parameter counts, by arithmetic on the feature shape.

    Args:
        feature_shape: the backbone's output shape without the batch axis, e.g. (7, 7, 512).
        head: the head configuration.
        first_index: index of the head's first layer in the assembled model.

    Returns:
        One LayerParams per head layer; all of them train.
    """
    rows, shape = [], tuple(int(d) for d in feature_shape)
    for i, layer in enumerate(describe_head(head)):
        shape, params = layer.output_and_params(shape)
        rows.append(LayerParams(first_index + i, layer.name, layer.class_name, (None, *shape), params, 0))
    return tuple(rows)


def apply_head(features: Any, head: HeadConfig) -> Any:
    """Call the head's Keras layers, new ones, on a feature map tensor.

    Args:
        features: a symbolic (H, W, C) feature map, e.g. base.output or a keras.Input.
        head: the head configuration.

    Returns:
        The head's output tensor.
    """
    x = features
    for layer in describe_head(head):
        x = layer.build()(x)
    return x


def build_model(base: keras.Model, head: HeadConfig) -> keras.Model:
    """Put the head on a backbone's output (functional, so model.layers is flat as in the notes).

    Args:
        base: a backbone built by build_backbone.
        head: the head configuration.

    Returns:
        The assembled, uncompiled model.
    """
    import keras

    return keras.Model(base.input, apply_head(base.output, head), name=f"{base.name}_transfer")


def head_code(head: HeadConfig, features: str = "base.output", module: str = "layers") -> list[str]:
    """The head as lines of Keras code that end by binding ``outputs``.

    Args:
        head: the head configuration.
        features: the expression of the feature map the head is put on.
        module: how the code refers to keras.layers ("layers" or "keras.layers").

    Returns:
        One assignment per layer: x = ... for all but the last, outputs = ... for the last.
    """
    layers = describe_head(head)
    lines, source = [], features
    for i, layer in enumerate(layers):
        target = "outputs" if i == len(layers) - 1 else "x"
        lines.append(f"{target} = {layer.code(module)}({source})")
        source = "x"
    return lines


def linear_head(head: HeadConfig) -> HeadConfig:
    """The linear classifier with the same outputs: global average pooling, no hidden layer, no dropout.

    Args:
        head: gives the number of outputs (and so the activation).

    Returns:
        A HeadConfig("gap", 0, 0.0, head.outputs).
    """
    return replace(head, kind="gap", hidden=0, dropout=0.0)

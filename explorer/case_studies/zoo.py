"""The architecture zoo: classic CNNs side by side, counted layer by layer from Keras models.

What is counted, for one image at the network's native input size (224x224, or 227 for
AlexNet and 299 for the Inception v3 family, the sizes their accuracy was measured at):

- parameters: every weight of every layer (biases, BatchNormalization statistics and
  all), the same number as ``model.count_params()``;
- multiply-adds: one per weight use in Conv2D, DepthwiseConv2D, SeparableConv2D and
  Dense layers (biases, batch norm, activations, pooling, residual adds and the
  squeeze-excite multiply are not counted; they are a few percent at most);
- depth: the most weight layers (the same four kinds) on any path from input to
  output, the papers' own convention ("22 layers deep when counting only layers with
  parameters", GoogLeNet);
- activations: the values each layer outputs, the input image included.

Years and ImageNet top-1 accuracies are published facts, stored with their source: in the
backbone registry for the networks that are backbones here, below for the others.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib.metadata import version
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.errors import ExplorerInputError
from explorer.models.backbones import BUILD_LOCK, KERAS_TABLE_PROTOCOL, KERAS_TABLE_SOURCE, NOT_PUBLISHED, get_backbone

if TYPE_CHECKING:  # pragma: no cover
    import keras

WEIGHT_LAYER_TYPES = frozenset({"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense"})
KERAS_TABLE = f"{KERAS_TABLE_SOURCE}: {KERAS_TABLE_PROTOCOL}"
"""The source of the published figures of the networks that are not backbones here (Inception-ResNet v2)."""


@dataclass(frozen=True)
class ZooSpec:
    """One network of the zoo: published facts and how we build it."""

    id: str
    name: str
    year: int
    top1: float | None
    """ImageNet (ILSVRC-2012 validation) top-1 accuracy in percent, as published; None: not published."""
    top1_source: str
    paper: str
    input_size: int
    keras_code: str
    """The call that builds it (random weights), shown on the page."""
    builder: tuple[str, str, tuple[tuple[str, object], ...]]
    """(module, function, keyword arguments): a picklable recipe for the build."""
    idea: str
    """The network's key idea in one line."""

    @property
    def top1_text(self) -> str:
        """"71.3" or "not published"."""
        return NOT_PUBLISHED if self.top1 is None else f"{self.top1:.1f}"

    @property
    def accuracy_note(self) -> str:
        """The accuracy's source and protocol with the input size it was measured at."""
        return f"{self.top1_source}; {self.input_size}x{self.input_size} input"

    @property
    def top1_cite(self) -> str:
        """The source in short: the part of top1_source before ": "."""
        return self.top1_source.split(": ")[0]

    def build(self) -> keras.Model:
        """Build the network with random weights (one Keras build at a time, under BUILD_LOCK)."""
        module, function, kwargs = self.builder
        with BUILD_LOCK:
            return getattr(importlib.import_module(module), function)(**dict(kwargs))


@dataclass(frozen=True)
class ZooLayer:
    """One Keras layer with what it costs."""

    name: str
    type: str
    label: str
    """Short description for diagrams: "3x3 conv, 64", "max pool 3x3/2", "add"."""
    output_shape: tuple[int, ...]
    """Without the batch axis."""
    params: int
    madds: int
    inbound: tuple[str, ...]

    @property
    def is_weight_layer(self) -> bool:
        """Whether the layer counts towards depth and multiply-adds."""
        return self.type in WEIGHT_LAYER_TYPES

    @property
    def activations(self) -> int:
        """Values in the layer's output for one image."""
        return prod(self.output_shape)


@dataclass(frozen=True)
class ZooModel:
    """A built and counted network (the model itself is not kept)."""

    spec: ZooSpec
    layers: tuple[ZooLayer, ...]
    keras_params: int
    """``model.count_params()`` as Keras reports it, kept to check the per-layer sum."""
    depth: int
    keras_extras: tuple[int, int] = (0, 0)
    """(biases of convolutions that feed a BatchNormalization, BatchNormalization moving means and
    variances): what Keras counts and torchvision and the papers leave out (see keras_only_params)."""

    @property
    def params(self) -> int:
        """All parameters: the sum over the layers."""
        return sum(layer.params for layer in self.layers)

    @property
    def madds(self) -> int:
        """Multiply-adds for one image at the native input size."""
        return sum(layer.madds for layer in self.layers)

    def summary(self) -> dict[str, object]:
        """The table row: what the CLI prints with --json."""
        s = self.spec
        return {"id": s.id, "name": s.name, "year": s.year, "params": self.params, "depth": self.depth,
                "madds": self.madds, "top1": s.top1, "input_size": s.input_size, "top1_source": s.top1_source}

    def layer(self, name: str) -> ZooLayer:
        """The layer with this name.

        Raises:
            ExplorerInputError: if there is none.
        """
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ExplorerInputError(f"{self.spec.name} has no layer of that name. Received: name={name!r}")

    def block(self, prefix: str) -> tuple[ZooLayer, ...]:
        """The layers whose names start with a prefix (a block of the Keras model)."""
        return tuple(layer for layer in self.layers if layer.name.startswith(prefix))


def _application(cls: str) -> tuple[str, str, tuple[tuple[str, object], ...]]:
    return "keras.applications", cls, (("weights", None),)


def _ours(module: str, func: str, **kwargs: object) -> tuple[str, str, tuple[tuple[str, object], ...]]:
    return module, func, tuple(kwargs.items())


def _registered(network_id: str) -> ZooSpec:
    """The zoo entry of a network in the backbone registry: its facts and classifier come from there."""
    spec = get_backbone(network_id)
    facts = spec.facts
    if facts.accuracy.top1 is None or spec.classifier_code is None:
        raise ValueError(f"A zoo network needs a published top-1 and a classifier. Received: network={network_id!r}")
    return ZooSpec(
        spec.id, facts.name, facts.year, facts.accuracy.top1, facts.accuracy.citation, facts.paper or "",
        spec.default_size, spec.classifier_code.format(weights=None),
        _ours("explorer.models.backbones", "build_classifier", backbone_id=spec.id, weights="random"), facts.idea,
    )


ZOO: tuple[ZooSpec, ...] = (
    ZooSpec(
        "alexnet", "AlexNet", 2012, 59.3,
        "Krizhevsky, Sutskever & Hinton (2012), Table 2: one CNN, 40.7% top-1 error on ILSVRC-2012 val, "
        "ten patches averaged (the paper's test protocol)",
        "Krizhevsky, Sutskever & Hinton, ImageNet Classification with Deep Convolutional Neural Networks (NIPS 2012)",
        227, "explorer.models.classic_nets.build_alexnet()", _ours("explorer.models.classic_nets", "build_alexnet"),
        "Conv-pool-norm blocks with 11x11 and 5x5 filters, ReLU, dropout; trained on two GPUs.",
    ),
    ZooSpec(
        "zfnet", "ZFNet", 2013, None,
        "not published: no primary source found for one model's top-1 (secondary sources disagree: 14.8% or "
        "about 11.2-11.7% top-5 error, the latter the Clarifai competition entry)",
        "Zeiler & Fergus, Visualizing and Understanding Convolutional Networks (ECCV 2014)",
        224, "explorer.models.classic_nets.build_zfnet()", _ours("explorer.models.classic_nets", "build_zfnet"),
        "A better-tuned AlexNet: 7x7 stride-2 first layer, found by visualising what each layer learns.",
    ),
    _registered("vgg16"),
    _registered("vgg19"),
    ZooSpec(
        "googlenet", "GoogLeNet (Inception v1)", 2014, 71.0,
        "Szegedy et al. (2015), Rethinking the Inception Architecture, Table 3: GoogLeNet 29% top-1 error, "
        "single crop (the GoogLeNet paper reports top-5 only)",
        "Szegedy et al., Going Deeper with Convolutions (2014)",
        224, "explorer.models.classic_nets.build_googlenet()", _ours("explorer.models.classic_nets", "build_googlenet"),
        "Inception modules: 1x1, 3x3, 5x5 and pooling in parallel, with 1x1 bottlenecks; no big FC layer.",
    ),
    _registered("resnet50"),
    _registered("inception_v3"),
    ZooSpec(
        "inception_resnet_v2", "Inception-ResNet v2", 2016, 80.3, KERAS_TABLE,
        "Szegedy, Ioffe, Vanhoucke & Alemi, Inception-v4, Inception-ResNet and the Impact of Residual "
        "Connections on Learning (2016)",
        299, "keras.applications.InceptionResNetV2(weights=None)", _application("InceptionResNetV2"),
        "Inception modules inside residual connections (scaled down before the add).",
    ),
    _registered("mobilenet_v2"),
    _registered("efficientnet_b0"),
    _registered("efficientnet_lite0"),
)
_BY_ID = {spec.id: spec for spec in ZOO}


@dataclass(frozen=True)
class PublishedParams:
    """A network's parameter count as published, with its source ("not published" when none was found)."""

    text: str
    source: str


_KERAS_PARAMS = "Keras Applications table, with the 1000-class top"
TORCHVISION_RESNET50_PARAMS = 25_557_032
"""torchvision's ResNet50 (weights metadata): no convolution biases, moving statistics kept as buffers."""
PUBLISHED_PARAMS: dict[str, PublishedParams] = {
    "alexnet": PublishedParams("about 60 M", "Krizhevsky et al. (2012), the paper"),
    "zfnet": PublishedParams(NOT_PUBLISHED, "no primary source found"),
    "vgg16": PublishedParams("138,357,544", f"{_KERAS_PARAMS}; torchvision the same"),
    "vgg19": PublishedParams("143,667,240", _KERAS_PARAMS),
    "googlenet": PublishedParams("6,624,904", "torchvision (its GoogLeNet has BatchNormalization); the paper: "
                                               "12x fewer than AlexNet"),
    "resnet50": PublishedParams("25,636,712", f"{_KERAS_PARAMS}; torchvision {TORCHVISION_RESNET50_PARAMS:,}"),
    "inception_v3": PublishedParams("23,851,784", f"{_KERAS_PARAMS}; the paper: less than 25 M"),
    "inception_resnet_v2": PublishedParams("55,873,736", _KERAS_PARAMS),
    "mobilenet_v2": PublishedParams("3,538,984", f"{_KERAS_PARAMS}; torchvision 3,504,872"),
    "efficientnet_b0": PublishedParams("5,330,571", f"{_KERAS_PARAMS}; torchvision 5,288,548"),
    "efficientnet_lite0": PublishedParams("about 4.7 M", "TensorFlow TPU repository, efficientnet/lite/README.md"),
}


def get_zoo_spec(network_id: str) -> ZooSpec:
    """The zoo entry for an id.

    Raises:
        ExplorerInputError: if the id is not in the zoo.
    """
    try:
        return _BY_ID[network_id]
    except KeyError:
        raise ExplorerInputError(
            f"Unknown network; choose one of {', '.join(_BY_ID)}. Received: network={network_id!r}"
        ) from None


def layer_madds(layer: keras.layers.Layer) -> int:
    """Multiply-adds of one layer for one image (0 for layers that are not counted).

    Conv2D: output positions x output channels x (kh x kw x input channels / groups).
    DepthwiseConv2D: output values x kh x kw. SeparableConv2D: its depthwise part plus
    a 1x1 convolution. Dense: output values x input features.
    """
    kind = type(layer).__name__
    if kind not in WEIGHT_LAYER_TYPES:
        return 0
    out = tuple(int(d) for d in layer.output.shape[1:])
    c_in = int(layer.input.shape[-1])
    if kind == "Dense":
        return prod(out) * c_in
    kh, kw = layer.kernel_size
    if kind == "Conv2D":
        return prod(out) * kh * kw * c_in // layer.groups
    positions = prod(out[:-1])
    depthwise = positions * c_in * layer.depth_multiplier * kh * kw
    if kind == "DepthwiseConv2D":
        return depthwise
    return depthwise + positions * c_in * layer.depth_multiplier * out[-1]


def layer_label(layer: keras.layers.Layer) -> str:
    """A short human description: "3x3 conv/2, 64", "max pool 3x3/2", "dense 4096", "add"."""
    kind = type(layer).__name__
    stride = ""
    if hasattr(layer, "strides") and tuple(layer.strides) != (1, 1):
        stride = "/" + "x".join(str(s) for s in dict.fromkeys(layer.strides))
    size = "x".join(str(k) for k in getattr(layer, "kernel_size", getattr(layer, "pool_size", ())))
    if kind == "Conv2D":
        groups = f", {layer.groups} groups" if layer.groups > 1 else ""
        return f"{size} conv{stride}, {layer.filters}{groups}"
    if kind == "DepthwiseConv2D":
        return f"{size} depthwise{stride}"
    if kind == "SeparableConv2D":
        return f"{size} separable{stride}, {layer.filters}"
    if kind == "Dense":
        return f"dense {layer.units}"
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return f"{'max' if kind.startswith('Max') else 'avg'} pool {size}{stride}"
    names = {"Concatenate": "concatenate", "Add": "add", "Multiply": "multiply",
             "GlobalAveragePooling2D": "global avg pool", "InputLayer": "input",
             "BatchNormalization": "batch norm", "Flatten": "flatten", "ZeroPadding2D": "zero padding"}
    if kind == "Activation":
        return getattr(layer.activation, "__name__", "activation")
    if kind == "ReLU" and layer.max_value:
        return f"ReLU{layer.max_value:g}"
    if kind == "CustomScaleLayer":  # Inception-ResNet's residual add: x + scale * r
        return f"add x + {layer.scale:g} r"
    if kind == "LocalResponseNormalization":
        return "local response norm"
    return names.get(kind, kind)


def layer_inbound(layer: keras.layers.Layer) -> tuple[str, ...]:
    """Names of the layers whose outputs this layer reads (its first call)."""
    # Keras 3 keeps the graph on the layer's inbound nodes (one per call; ours are called once).
    nodes = layer._inbound_nodes  # noqa: SLF001 - no public accessor for a layer's parents
    return tuple(parent.operation.name for parent in nodes[0].parent_nodes) if nodes else ()


def compute_zoo_model(spec: ZooSpec, model: keras.Model) -> ZooModel:
    """Count a built network layer by layer.

    Args:
        spec: the zoo entry the model was built from.
        model: a functional keras.Model.

    Returns:
        The per-layer table, Keras' own parameter count and the depth.
    """
    rows = []
    for layer in model.layers:
        rows.append(ZooLayer(
            name=layer.name, type=type(layer).__name__, label=layer_label(layer),
            output_shape=tuple(int(d) for d in layer.output.shape[1:]),
            params=sum(prod(int(d) for d in w.shape) for w in layer.weights),
            madds=layer_madds(layer), inbound=layer_inbound(layer),
        ))
    return ZooModel(spec, tuple(rows), int(model.count_params()), weight_depth(rows), keras_only_params(model))


def keras_only_params(model: keras.Model) -> tuple[int, int]:
    """What Keras counts that torchvision and the papers do not: (convolution biases, moving statistics).

    A convolution followed by BatchNormalization needs no bias (BatchNormalization's beta shifts the
    same channel), so torchvision's models have none; Keras' ResNet (v1) convolutions keep theirs.
    BatchNormalization's moving mean and variance are non-trainable weights: Keras counts them as
    parameters, torchvision keeps them as buffers. ResNet50: 26,560 + 2 x 26,560 = 79,680.
    """
    biases = stats = 0
    for layer in model.layers:
        if isinstance(layer, _batch_norm_class()):
            stats += int(prod(layer.moving_mean.shape)) + int(prod(layer.moving_variance.shape))
            for parent in layer_inbound(layer):
                conv = model.get_layer(parent)
                if type(conv).__name__ in ("Conv2D", "DepthwiseConv2D") and getattr(conv, "use_bias", False):
                    biases += int(prod(conv.bias.shape))
    return biases, stats


def _batch_norm_class() -> type:
    import keras

    return keras.layers.BatchNormalization


def weight_depth(layers: tuple[ZooLayer, ...] | list[ZooLayer]) -> int:
    """The most weight layers on any path through the graph (layers in any order)."""
    by_name = {layer.name: layer for layer in layers}
    depth: dict[str, int] = {}

    def visit(name: str) -> int:
        if name not in depth:
            layer = by_name[name]
            # An iterative walk would be safer for very deep graphs; ours are < 1,000 layers.
            depth[name] = max((visit(p) for p in layer.inbound if p in by_name), default=0) + layer.is_weight_layer
        return depth[name]

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * len(by_name) + 100))
    try:
        return max((visit(name) for name in by_name), default=0)
    finally:
        sys.setrecursionlimit(limit)


def build_zoo_model(network_id: str) -> ZooModel:
    """Build one network (random weights), count it and let the model go.

    Raises:
        ExplorerInputError: for an unknown id.
    """
    spec = get_zoo_spec(network_id)
    return compute_zoo_model(spec, spec.build())


_COUNTS_FORMAT = 1
"""The on-disk form of a counted network; a new form (or Keras version) is a new file name."""


def counts_cache_dir() -> Path:
    """Where counted networks are kept between server starts: $EXPLORER_CACHE_DIR, else the user's cache
    folder (~/.cache/cnn-explorer; %LOCALAPPDATA%/cnn-explorer on Windows)."""
    configured = os.environ.get("EXPLORER_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "cnn-explorer" if base else Path.home() / ".cache" / "cnn-explorer"


def counted_zoo_model(network_id: str) -> ZooModel:
    """build_zoo_model, kept on disk per network and Keras version: the Case Studies page counts eight
    networks (~20 s of building) once per machine, not once per server start. A cache file that
    cannot be read, or that another Keras version wrote, is ignored; one that cannot be written is
    skipped (the count is simply not kept).

    Raises:
        ExplorerInputError: for an unknown id.
    """
    spec = get_zoo_spec(network_id)
    path = counts_cache_dir() / f"zoo-{spec.id}-keras{version('keras')}-v{_COUNTS_FORMAT}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ZooModel(spec, tuple(ZooLayer(**{**row, "output_shape": tuple(row["output_shape"]),
                                                "inbound": tuple(row["inbound"])}) for row in data["layers"]),
                        int(data["keras_params"]), int(data["depth"]), tuple(data["keras_extras"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    counted = build_zoo_model(network_id)
    data = {"layers": [asdict(layer) for layer in counted.layers], "keras_params": counted.keras_params,
            "depth": counted.depth, "keras_extras": list(counted.keras_extras)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)  # atomic: another server never reads half a file
    except OSError:
        pass
    return counted


def iter_zoo() -> Iterator[ZooModel]:
    """Build and count every network in turn (slow: about half a minute for all eleven)."""
    for spec in ZOO:
        yield build_zoo_model(spec.id)


# --------------------------------------------------------------------------- #
# The arithmetic behind the key ideas (checked against Keras layers in the tests)
# --------------------------------------------------------------------------- #


def conv_madds(height: int, width: int, kernel: int | tuple[int, int], c_in: int, c_out: int) -> int:
    """Multiply-adds of a stride-1 'same' convolution producing height x width x c_out."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    return height * width * kh * kw * c_in * c_out


def stacked_receptive_field(layers: int, kernel: int = 3) -> int:
    """The receptive field of n stacked stride-1 k x k convolutions: n(k-1) + 1."""
    return layers * (kernel - 1) + 1


def stacked_conv_weights(layers: int, kernel: int, channels: int) -> int:
    """Weights (no biases) of n stacked k x k convolutions with C channels in and out: n k^2 C^2."""
    return layers * kernel * kernel * channels * channels


def naive_inception_madds(height: int, width: int, c_in: int, b1: int, b3: int, b5: int) -> int:
    """Multiply-adds of an Inception module without its 1x1 reductions (the pool branch is free)."""
    return sum(conv_madds(height, width, k, c_in, c) for k, c in ((1, b1), (3, b3), (5, b5)))


def separable_madds(height: int, width: int, kernel: int, c_in: int, c_out: int) -> int:
    """Multiply-adds of a depthwise k x k convolution followed by a 1x1 convolution."""
    return height * width * c_in * (kernel * kernel + c_out)


# --------------------------------------------------------------------------- #
# Memory per layer for one image
# --------------------------------------------------------------------------- #

BYTES_PER_VALUE = 4
"""float32."""
_NO_NEW_VALUES = frozenset({"Flatten", "Reshape", "Dropout"})
"""Layers whose output is a view of their input at inference."""


@dataclass(frozen=True)
class MemoryRow:
    """Values one layer outputs and weights it holds, for one image."""

    name: str
    type: str
    activations: int
    params: int


@dataclass(frozen=True)
class MemoryReport:
    """Activation and parameter memory per layer, with the counting conventions spelled out."""

    network: str
    rows: tuple[MemoryRow, ...]
    relu_copies: int
    """Extra values if every convolution's pre-ReLU output were kept as a separate tensor."""

    @property
    def activations(self) -> int:
        """Values output by all layers, the input image included, each counted once."""
        return sum(row.activations for row in self.rows)

    @property
    def params(self) -> int:
        return sum(row.params for row in self.rows)

    def megabytes(self, values: int) -> float:
        """Values -> MB of float32 (1 MB = 10^6 bytes)."""
        return values * BYTES_PER_VALUE / 1e6


def memory_per_layer(model: ZooModel) -> MemoryReport:
    """Activations and parameters layer by layer for one image at the native input size.

    Each Keras layer's output is counted once, the input image included; a Conv2D with
    activation="relu" is one tensor (Keras fuses the ReLU). Flatten, Reshape and Dropout
    add no values at inference and are left out.
    """
    rows = tuple(MemoryRow(layer.name, layer.type, layer.activations, layer.params)
                 for layer in model.layers if layer.type not in _NO_NEW_VALUES)
    relu = sum(layer.activations for layer in model.layers if layer.type == "Conv2D")
    return MemoryReport(model.spec.id, rows, relu)

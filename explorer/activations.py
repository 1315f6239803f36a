"""What each layer sees: feature maps, per-layer facts, first-layer filters, predictions, Grad-CAM.

An ActivationExtractor wraps one backbone at one input size. It builds, once, a
multi-output keras.Model over every layer worth showing, so that one forward pass gives
every feature map of an image; the page caches the extractor (read-only, shared by all
sessions) and the Activations of each image. TensorFlow is imported lazily.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError, WeightsUnavailableError
from explorer.i18n import _, ngettext
from explorer.io.imagenet import Prediction, decode_predictions
from explorer.models.backbones import (
    BackboneSpec,
    WeightsChoice,
    build_backbone,
    build_classifier,
    check_input_size,
    get_backbone,
)

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = [
    "ActivationExtractor",
    "Activations",
    "FilterBank",
    "GradCam",
    "LayerFacts",
    "LayerInfo",
    "NetworkView",
    "StageInfo",
    "StripMap",
    "UnknownLayerError",
    "build_extractor",
    "channel_ranking",
    "first_layer_filters",
    "grad_cam",
    "imagenet_classifier_available",
    "layer_facts",
    "list_layers",
    "network_strip",
    "short_label",
]

# Layers whose output says nothing new about the image (padding, identity at inference,
# input scaling) are left out of the picker.
_SKIPPED_TYPES = frozenset(
    {"InputLayer", "ZeroPadding2D", "Dropout", "SpatialDropout2D", "GaussianNoise",
     "GaussianDropout", "Rescaling", "Normalization", "Reshape", "Cropping2D"}
)
_ACTIVATION_TYPES = frozenset({"ReLU", "Activation", "LeakyReLU", "ELU", "PReLU", "Softmax"})

class UnknownLayerError(ExplorerInputError):
    """A layer name that the chosen backbone does not have (or that has no feature map)."""


@dataclass(frozen=True)
class LayerInfo:
    """A layer whose output is a feature map worth showing."""

    name: str
    type: str
    output_shape: tuple[int, int, int]
    """(height, width, channels) for one image."""
    stage: int
    """1-based: the rank of the layer's resolution, largest first."""
    nonlinear: bool
    """True when the output has been through a non-linearity (ReLU, an activation)."""

    @property
    def channels(self) -> int:
        """Number of feature maps (channels) the layer outputs."""
        return self.output_shape[2]

    @property
    def shape_text(self) -> str:
        """"56×56×24"."""
        return "×".join(str(d) for d in self.output_shape)


@dataclass(frozen=True)
class StageInfo:
    """Consecutive resolution levels of a network: every layer with the same output height x width."""

    index: int
    height: int
    width: int
    layers: tuple[str, ...]
    representative: str
    """The layer shown for this stage in the strip: its last output after a non-linearity
    (the first one for stage 1, so that the strip starts at the first convolution)."""

    @property
    def label(self) -> str:
        """"Stage 2 · 56×56 (12 layers)"."""
        count = len(self.layers)
        return ngettext("Stage {n} · {h}×{w} ({count} layer)", "Stage {n} · {h}×{w} ({count} layers)", count).format(
            n=self.index, h=self.height, w=self.width, count=count)


@dataclass(frozen=True)
class LayerFacts:
    """What one layer's output looks like for one image."""

    name: str
    output_shape: tuple[int, int, int]
    channels: int
    mean_activation: float
    max_activation: float
    zero_fraction: float
    """Share of values a ReLU outputs as zero (values <= 0): the units that do not fire."""


@dataclass(frozen=True)
class StripMap:
    """One stage's representative feature map: its most active channel."""

    stage: StageInfo
    layer: LayerInfo
    channel: int
    values: np.ndarray
    """(height, width) float32."""


@dataclass(frozen=True)
class FilterBank:
    """The first convolution's kernels, as small RGB pictures."""

    layer: str
    kernel_shape: tuple[int, int, int, int]
    """(kh, kw, 3, filters), as Keras stores it."""
    images: np.ndarray
    """(filters, kh, kw, 3) float32 in [0, 1], RGB order, each filter min-max normalised."""


@dataclass(frozen=True)
class GradCam:
    """Where in the picture the evidence for a class comes from."""

    heatmap: np.ndarray
    """(height, width) float32 in [0, 1] at the resolution of the layer, 1 = strongest."""
    class_index: int
    probability: float
    layer: str


def short_label(label: str) -> str:
    """The first name of an ImageNet class ("tabby, tabby cat" -> "tabby")."""
    return label.split(",")[0].strip()


# --------------------------------------------------------------------------- layers


def _output_shape(layer: Any) -> tuple[int, ...] | None:
    """The single output's shape without the batch axis, or None for several outputs."""
    output = layer.output
    if isinstance(output, (list, tuple)):
        return None
    return tuple(int(d) if d is not None else -1 for d in output.shape[1:])


def _is_nonlinear(layer: Any) -> bool:
    if type(layer).__name__ in _ACTIVATION_TYPES:
        return True
    activation = getattr(layer, "activation", None)
    return activation is not None and getattr(activation, "__name__", "linear") != "linear"


def list_layers(model: keras.Model) -> tuple[tuple[LayerInfo, ...], tuple[StageInfo, ...]]:
    """The layers of a model worth showing as feature maps, grouped into stages by resolution.

    A layer is shown when its output is one (H, W, C) feature map and it is not padding,
    dropout, input scaling or a reshape; 1x1 maps (squeeze-and-excitation branches) are
    left out unless the network's last feature map is itself 1x1.

    Returns:
        (layers in model order, stages from the largest resolution to the smallest).
    """
    candidates = []
    for layer in model.layers:
        shape = _output_shape(layer)
        if shape is None or len(shape) != 3 or type(layer).__name__ in _SKIPPED_TYPES:
            continue
        if min(shape) < 1 or isinstance(getattr(layer, "layers", None), list):
            continue  # unknown sizes, or a nested model: list its own layers instead
        candidates.append((layer, shape))
    if not candidates:
        raise ExplorerInputError(
            f"The model must have at least one layer with an (H, W, C) output. Received: model={model.name!r}"
        )
    last_hw = candidates[-1][1][:2]
    if last_hw != (1, 1):
        candidates = [(layer, shape) for layer, shape in candidates if shape[:2] != (1, 1)]
    resolutions = sorted({shape[:2] for _, shape in candidates}, key=lambda hw: (-hw[0] * hw[1], -hw[0]))
    stage_of = {hw: i + 1 for i, hw in enumerate(resolutions)}
    layers = tuple(
        LayerInfo(layer.name, type(layer).__name__, shape, stage_of[shape[:2]], _is_nonlinear(layer))
        for layer, shape in candidates
    )
    stages = []
    for hw, index in stage_of.items():
        members = [info for info in layers if info.stage == index]
        shown = [info for info in members if info.nonlinear] or members
        # The strip starts at the first convolution's output (edges) and ends at the last layer.
        representative = shown[0] if index == 1 else shown[-1]
        stages.append(StageInfo(index, hw[0], hw[1], tuple(m.name for m in members), representative.name))
    return layers, tuple(stages)


# --------------------------------------------------------------------------- facts


def layer_facts(name: str, output: np.ndarray) -> LayerFacts:
    """Shape, channels, mean, max and the share of zeros after ReLU of one (H, W, C) output."""
    values = np.asarray(output)
    if values.ndim != 3:
        raise ExplorerInputError(f"A feature map must be (H, W, C). Received: shape={values.shape}")
    return LayerFacts(
        name=name,
        output_shape=tuple(int(d) for d in values.shape),  # type: ignore[arg-type]
        channels=int(values.shape[2]),
        mean_activation=float(values.mean(dtype=np.float64)),
        max_activation=float(values.max()),
        zero_fraction=float(np.count_nonzero(values <= 0) / values.size),
    )


def channel_ranking(output: np.ndarray) -> np.ndarray:
    """Channel indices of an (H, W, C) output, most active (highest mean) first; ties by index."""
    means = np.asarray(output, dtype=np.float64).mean(axis=(0, 1))
    return np.argsort(-means, kind="stable")


class Activations:
    """Every shown layer's output for one image (one forward pass); read-only, shareable."""

    def __init__(
        self,
        layers: Sequence[LayerInfo],
        stages: Sequence[StageInfo],
        outputs: Mapping[str, np.ndarray],
        probabilities: np.ndarray | None,
    ) -> None:
        self.layers = tuple(layers)
        self.stages = tuple(stages)
        self._outputs = dict(outputs)
        for value in self._outputs.values():
            value.flags.writeable = False
        self.facts: dict[str, LayerFacts] = {n: layer_facts(n, v) for n, v in self._outputs.items()}
        self._rankings = {n: channel_ranking(v) for n, v in self._outputs.items()}
        for value in self._rankings.values():
            value.flags.writeable = False
        self.probabilities = probabilities

    def only(self, names: Iterable[str]) -> Activations:
        """The same facts, rankings and probabilities with the outputs of these layers only: what a
        page needs for one view, light enough to send from a worker process.

        Raises:
            UnknownLayerError: for a name without a feature map.
        """
        light = copy.copy(self)
        light._outputs = {name: self.output(name) for name in dict.fromkeys(names)}
        return light

    @property
    def nbytes(self) -> int:
        """Memory held by the feature maps."""
        return sum(v.nbytes for v in self._outputs.values())

    def output(self, name: str) -> np.ndarray:
        """The (H, W, C) float32 output of a layer (read-only)."""
        if name not in self._outputs:
            raise UnknownLayerError(
                f"No feature map was computed for this layer. Received: layer={name!r}"
            )
        return self._outputs[name]

    def ranking(self, name: str) -> np.ndarray:
        """The layer's channel indices, most active first (kept for every layer, its map or not)."""
        if name not in self._rankings:
            self.output(name)  # the same error as for a map
        return self._rankings[name]

    def predictions(self, top: int = 5) -> list[Prediction]:
        """The top ImageNet classes, when the model has an ImageNet head."""
        if self.probabilities is None:
            raise WeightsUnavailableError(
                "Predictions need a backbone with its pretrained ImageNet classifier. "
                "Received: a model without one"
            )
        return decode_predictions(self.probabilities, top)


def network_strip(activations: Activations) -> tuple[StripMap, ...]:
    """One map per stage, first to last: the representative layer's most active channel."""
    by_name = {info.name: info for info in activations.layers}
    strip = []
    for stage in activations.stages:
        output = activations.output(stage.representative)
        channel = int(activations.ranking(stage.representative)[0])
        strip.append(StripMap(stage, by_name[stage.representative], channel, output[:, :, channel]))
    return tuple(strip)


# --------------------------------------------------------------------------- filters


def first_layer_filters(model: keras.Model, bgr: bool = False) -> FilterBank | None:
    """The kernels of the first convolution that looks at the RGB image, as RGB pictures.

    Args:
        model: a backbone or classifier.
        bgr: the network's input channels are BGR; the pictures are flipped back to RGB.

    Returns:
        A FilterBank, or None when no Conv2D takes 3 input channels.
    """
    import keras

    for layer in model.layers:
        if type(layer) is keras.layers.Conv2D and int(layer.kernel.shape[2]) == 3:
            kernel = np.asarray(layer.kernel.numpy(), np.float32)
            images = np.transpose(kernel, (3, 0, 1, 2))
            if bgr:
                images = images[..., ::-1]
            low = images.min(axis=(1, 2, 3), keepdims=True)
            span = images.max(axis=(1, 2, 3), keepdims=True) - low
            normalised = np.where(span > 0, (images - low) / np.where(span > 0, span, 1), 0.5)
            return FilterBank(layer.name, tuple(int(d) for d in kernel.shape), normalised.astype(np.float32))  # type: ignore[arg-type]
    return None


# --------------------------------------------------------------------------- Grad-CAM


@dataclass(frozen=True)
class _CamPlan:
    """How to get (feature map, class scores) out of a model in one differentiable pass."""

    pre: Any
    """Model from the input to the backbone's input (layers before a nested backbone), or None."""
    features: Any
    """Model giving [target feature map, the tensor the head starts from]."""
    head: Any
    """Model from the backbone's output to the scores' input, or None."""
    dense: Any
    """The final Dense layer whose activation is bypassed to get logits, or None."""
    layer: str


def _history(tensor: Any) -> tuple[Any, Any]:
    """(operation, node) that produced a symbolic tensor (Keras 3 functional graph)."""
    history = tensor._keras_history  # Keras 3 has no public API for a tensor's producer
    return history.operation, history.operation._inbound_nodes[history.node_index]


def _graph(model: Any) -> Any:
    """The functional graph of a model (a Sequential keeps one once built)."""
    import keras

    if isinstance(model, keras.Sequential):
        if getattr(model, "_functional", None) is None:
            raise ExplorerInputError(
                f"Grad-CAM needs a built model (call it once or give it an input shape). Received: model={model.name!r}"
            )
        return model._functional
    return model


def _find_call(outputs: Iterable[Any], target: Any) -> Any:
    """The node of the graph where `target` (a nested model) is called."""
    stack, seen = list(outputs), set()
    while stack:
        tensor = stack.pop()
        operation, node = _history(tensor)
        if operation is target:
            return node
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node.input_tensors)
    raise ExplorerInputError(f"The backbone is not connected to the model's output. Received: layer={target.name!r}")


def _last_feature_layer(model: Any) -> Any:
    """The last layer with a 4-D output (descending into a nested backbone)."""
    for layer in reversed(model.layers):
        shape = _output_shape(layer)
        if shape is not None and len(shape) == 3:
            if isinstance(getattr(layer, "layers", None), list):
                return _last_feature_layer(layer)
            return layer
    raise ExplorerInputError(
        f"Grad-CAM needs a convolutional layer with an (H, W, C) output. Received: model={model.name!r}"
    )


def _owner_of(model: Any, layer: Any) -> Any | None:
    """None when `layer` is `model`'s own; else the backbone nested in `model` that holds it."""
    if any(inner is layer for inner in model.layers):
        return None
    for inner in model.layers:
        if isinstance(getattr(inner, "layers", None), list) and any(l is layer for l in inner.layers):
            return inner
    raise ExplorerInputError(
        "Grad-CAM finds its layer in the model or in a backbone one level inside it. "
        f"Received: layer={layer.name!r}"
    )


def _find_layer(model: Any, name: str) -> Any:
    for layer in model.layers:
        if layer.name == name:
            return layer
        if isinstance(getattr(layer, "layers", None), list):
            try:
                return _find_layer(layer, name)
            except UnknownLayerError:
                pass
    raise UnknownLayerError(f"This model has no layer of that name. Received: layer={name!r}")


def _cam_plan(model: Any, layer_name: str | None) -> _CamPlan:
    """Split a classifier into (pre, features, head) around the Grad-CAM layer."""
    import keras

    graph = _graph(model)
    if len(graph.outputs) != 1 or len(graph.outputs[0].shape) != 2:
        raise ExplorerInputError(
            "Grad-CAM needs a classifier: a model whose one output is (batch, classes). "
            f"Received: outputs={[tuple(o.shape) for o in graph.outputs]}"
        )
    target = _last_feature_layer(model) if layer_name is None else _find_layer(model, layer_name)
    shape = _output_shape(target)
    if shape is None or len(shape) != 3:
        raise UnknownLayerError(f"Grad-CAM needs a layer with an (H, W, C) output. Received: layer={target.name!r}")

    # Scores: logits when the last layer is a Dense with a squashing activation (softmax
    # saturates, so its gradient vanishes for a confident class), else the output itself.
    final, final_node = _history(graph.outputs[0])
    dense = final if isinstance(final, keras.layers.Dense) and _is_nonlinear(final) else None
    scores_from = final_node.input_tensors[0] if dense is not None else graph.outputs[0]

    owner = _owner_of(graph, target)
    if owner is None:  # a flat model: the layer's tensor lives in the model's own graph
        features = keras.Model(graph.inputs, [target.output, scores_from])
        return _CamPlan(None, features, None, dense, target.name)
    node = _find_call(graph.outputs, owner)
    inner_in, inner_out = node.input_tensors[0], node.output_tensors[0]
    pre = None if inner_in is graph.inputs[0] else keras.Model(graph.inputs, inner_in)
    features = keras.Model(owner.inputs, [target.output, owner.outputs[0]])
    head = None if scores_from is inner_out else keras.Model(inner_out, scores_from)
    return _CamPlan(pre, features, head, dense, target.name)


def grad_cam(
    model: keras.Model, inputs: np.ndarray, class_index: int | None = None, layer: str | None = None,
    plan: Any = None,
) -> GradCam:
    """Grad-CAM (Selvaraju et al., 2017) with a GradientTape: a class's evidence over the picture.

    Works on a plain classifier and on a transfer model that holds the backbone as one
    layer (keras.Sequential([backbone, GAP, Dense]) or a functional model around it).

    Args:
        model: a classifier whose output is (batch, classes).
        inputs: one preprocessed image, (H, W, 3) or (1, H, W, 3).
        class_index: the class to explain; the top-scoring class when None.
        layer: the convolutional layer to explain; the last (H, W, C) layer when None.
        plan: internal: a plan from a previous call on the same model and layer.

    Returns:
        A GradCam whose heatmap is ReLU(sum_c alpha_c A_c) normalised to [0, 1], where
        alpha_c is the spatial mean of d score / d A_c.

    Raises:
        ExplorerInputError: the model is not a classifier, the class is out of range, or
            the layer has no (H, W, C) output (UnknownLayerError when it does not exist).
    """
    import tensorflow as tf

    plan = plan or _cam_plan(model, layer)
    batch = np.asarray(inputs, np.float32)
    if batch.ndim == 3:
        batch = batch[None]
    if batch.ndim != 4 or batch.shape[0] != 1:
        raise ExplorerInputError(f"Grad-CAM explains one image (H, W, 3). Received: shape={np.shape(inputs)}")
    x = tf.convert_to_tensor(batch)
    with tf.GradientTape() as tape:
        tape.watch(x)  # frozen weights are not watched: record from the input instead
        h = plan.pre(x, training=False) if plan.pre is not None else x
        feature_map, top = plan.features(h, training=False)
        scores = plan.head(top, training=False) if plan.head is not None else top
        if plan.dense is not None:
            logits = tf.matmul(scores, plan.dense.kernel)
            scores = logits + plan.dense.bias if plan.dense.use_bias else logits
        classes = int(scores.shape[-1])
        if class_index is None:
            chosen = int(tf.argmax(scores[0]))
        else:
            chosen = check_whole_number(class_index, "class_index", 0, classes - 1)
        score = scores[:, chosen]
    grads = tape.gradient(score, feature_map)
    alpha = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(alpha * feature_map, axis=-1))[0].numpy().astype(np.float32)
    peak = float(cam.max())
    heatmap = cam / peak if peak > 0 else np.zeros_like(cam)
    if plan.dense is not None:
        probs = plan.dense.activation(scores).numpy()[0]
    else:
        probs = scores.numpy()[0]
    return GradCam(heatmap, chosen, float(probs[chosen]), plan.layer)


# --------------------------------------------------------------------------- the extractor


@dataclass(frozen=True)
class NetworkView:
    """What a page shows of an extractor's network, as plain data: it crosses from a worker
    process (explorer.jobs) to the web server, which never imports TensorFlow."""

    backbone: str
    input_size: int
    pretrained: bool
    has_imagenet_head: bool
    layers: tuple[LayerInfo, ...]
    stages: tuple[StageInfo, ...]
    filters: FilterBank | None

    @property
    def spec(self) -> BackboneSpec:
        """The backbone's registry entry."""
        return get_backbone(self.backbone)

    @property
    def label(self) -> str:
        """The backbone's label with how its weights came (for the page)."""
        label = _(self.spec.label)
        return label if self.pretrained else _("{label} (random weights)").format(label=label)

    @cached_property
    def _by_name(self) -> dict[str, LayerInfo]:
        return {info.name: info for info in self.layers}

    def layer(self, name: str) -> LayerInfo:
        """The LayerInfo of a shown layer.

        Raises:
            UnknownLayerError: the backbone has no such layer, or it has no feature map to show.
        """
        if name in self._by_name:
            return self._by_name[name]
        examples = ", ".join(info.name for info in self.layers[:3])
        raise UnknownLayerError(
            f"{self.spec.label} has no layer of that name with a feature map "
            f"(list them with: python -m explorer layers --backbone {self.backbone}; e.g. {examples}). "
            f"Received: layer={name!r}"
        )

    def first_layer_filters(self) -> FilterBank | None:
        """The first convolution's kernels as RGB pictures."""
        return self.filters




def imagenet_classifier_available(backbone_id: str) -> bool:
    """Whether the backbone's pretrained ImageNet classifier (its top included) is on this machine.

    Raises:
        UnknownBackboneError: for a bad id.
    """
    return get_backbone(backbone_id).classifier_available


class ActivationExtractor:
    """One backbone at one input size, ready to show what each layer sees. Read-only after
    construction, so one instance can serve every session."""

    def __init__(self, spec: BackboneSpec, input_size: int, model: keras.Model, pretrained: bool,
                 has_imagenet_head: bool) -> None:
        import keras
        import tensorflow as tf

        self.spec = spec
        self.input_size = input_size
        self.model = model
        self.pretrained = pretrained
        self.has_imagenet_head = has_imagenet_head
        self.layers, self.stages = list_layers(model)
        outputs = [model.get_layer(info.name).output for info in self.layers]
        if has_imagenet_head:
            outputs.append(model.outputs[0])
        self._multi = keras.Model(model.inputs, outputs, name=f"{model.name}_activations")
        signature = [tf.TensorSpec((1, input_size, input_size, 3), tf.float32)]
        self._forward = tf.function(lambda x: self._multi(x, training=False), input_signature=signature)
        self._lock = threading.Lock()
        self._cam_plan: _CamPlan | None = None
        self.bgr = spec.preprocess.bgr
        self.view = NetworkView(spec.id, input_size, pretrained, has_imagenet_head, tuple(self.layers),
                                tuple(self.stages), first_layer_filters(model, bgr=self.bgr))

    @property
    def label(self) -> str:
        """The backbone's label with how its weights came (for the page)."""
        return self.view.label

    def layer(self, name: str) -> LayerInfo:
        """The LayerInfo of a shown layer (raises UnknownLayerError for any other name)."""
        return self.view.layer(name)

    def _check(self, pixels: np.ndarray) -> np.ndarray:
        array = np.asarray(pixels)
        expected = (self.input_size, self.input_size, 3)
        if array.shape != expected:
            raise ExplorerInputError(
                f"{self.spec.label} takes a {expected[0]}x{expected[1]} RGB image here (square_crop the photo). "
                f"Received: shape={array.shape}"
            )
        return array

    def preprocess(self, pixels: np.ndarray) -> np.ndarray:
        """(S, S, 3) RGB 0-255 -> the (1, S, S, 3) float32 batch the network expects."""
        array = self._check(pixels).astype(np.float32)[None]
        return np.asarray(self.spec.preprocess(array), np.float32)

    def _run(self, pixels: np.ndarray) -> list[np.ndarray]:
        outputs = self._forward(self.preprocess(pixels))
        return [o.numpy() for o in outputs]

    def extract(self, pixels: np.ndarray, layers: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Outputs of the chosen layers (all shown layers when None) from one forward pass.

        Args:
            pixels: (S, S, 3) RGB in 0-255, S the extractor's input size.
            layers: layer names.

        Returns:
            name -> (H, W, C) float32 output for the one image.

        Raises:
            UnknownLayerError: for a name that is not a shown layer.
        """
        names = [info.name for info in self.layers] if layers is None else list(layers)
        for name in names:
            self.layer(name)
        outputs = self._run(pixels)
        index = {info.name: i for i, info in enumerate(self.layers)}
        return {name: outputs[index[name]][0] for name in names}

    def run(self, pixels: np.ndarray) -> Activations:
        """Every shown layer's output, its facts and channel ranking, and the ImageNet
        probabilities when there is a head: one forward pass."""
        outputs = self._run(pixels)
        maps = {info.name: out[0] for info, out in zip(self.layers, outputs)}
        probabilities = outputs[-1][0].astype(np.float64) if self.has_imagenet_head else None
        return Activations(self.layers, self.stages, maps, probabilities)

    def predict(self, pixels: np.ndarray, top: int = 5) -> list[Prediction]:
        """Top ImageNet classes for an image.

        Raises:
            WeightsUnavailableError: the backbone's ImageNet classifier is not on this machine.
        """
        if not self.has_imagenet_head:
            raise WeightsUnavailableError(
                f"Predictions need {self.spec.label}'s pretrained ImageNet classifier, which is not on "
                f"this machine (efficientnet_lite0 always has one). Received: backbone={self.spec.id!r}"
            )
        return decode_predictions(self._run(pixels)[-1][0], top)

    def first_layer_filters(self) -> FilterBank | None:
        """The first convolution's kernels as RGB pictures."""
        return self.view.filters

    def grad_cam(self, pixels: np.ndarray, class_index: int | None = None) -> GradCam:
        """Grad-CAM on the last feature map for the top (or a chosen) ImageNet class.

        Raises:
            WeightsUnavailableError: no ImageNet classifier for this backbone here.
        """
        if not self.has_imagenet_head:
            raise WeightsUnavailableError(
                f"Grad-CAM needs {self.spec.label}'s pretrained ImageNet classifier. Received: backbone={self.spec.id!r}"
            )
        with self._lock:
            if self._cam_plan is None:
                self._cam_plan = _cam_plan(self.model, None)
        return grad_cam(self.model, self.preprocess(pixels), class_index, plan=self._cam_plan)


def build_extractor(
    backbone_id: str, input_size: int | None = None, weights: WeightsChoice = "auto"
) -> ActivationExtractor:
    """Build a backbone (with its ImageNet classifier when that is on this machine) for activations.

    Args:
        backbone_id: a registry id.
        input_size: square input side; the entry's default when None. The ImageNet
            classifier is used only at the default size (its top needs it).
        weights: "auto" (pretrained when here), "imagenet" (required) or "random".

    Raises:
        UnknownBackboneError, InputSizeError: for a bad id or size.
        WeightsUnavailableError: weights="imagenet" and they are not on this machine.
    """
    spec = get_backbone(backbone_id)
    size = check_input_size(spec, spec.default_size if input_size is None else input_size)
    if weights != "random" and size == spec.default_size and spec.classifier_available:
        return ActivationExtractor(spec, size, build_classifier(backbone_id, "imagenet"), True, True)
    model = build_backbone(backbone_id, size, weights)
    pretrained = weights == "imagenet" or (weights == "auto" and spec.pretrained_available)
    return ActivationExtractor(spec, size, model, pretrained, False)

"""The model a run trains: image -> preprocessing -> backbone -> head, and how it is compiled.

Only Keras' own layers: the preprocessing is the registry's map as Rescaling or a frozen
Dense(3), and the class names ride in the model's name (explorer.training.names), so a saved
.keras opens with plain ``keras.models.load_model`` where this project is not installed.

The backbone is called with training=False as in the Keras transfer-learning guide:
BatchNormalization stays in inference mode even when its layer's weights train (from scratch it
learns its statistics as usual). The stored-features path trains the head's own layers (shared,
not copied), so the checkpoint is always the whole model.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from functools import lru_cache
from typing import Any, NamedTuple

import keras
import numpy as np

from explorer.models.backbones import build_backbone, get_backbone
from explorer.models.heads import HeadConfig, describe_head
from explorer.models.params import ParamTable, compute_param_table
from explorer.training.config import TrainConfig
from explorer.training.names import model_name

__all__ = ["Built", "KeptExtractor", "as_labels", "build_model", "compile_model", "extract_features", "infer",
           "kept_extractor"]


class Built(NamedTuple):
    """The models of one run; they share their layers (and so their weights)."""

    whole: Any
    """image -> preprocessing -> backbone -> head: the model the checkpoint saves."""
    backbone: Any
    head: Any
    """The head as one sub-model of whole, on the backbone's feature map."""
    extractor: Any
    """image -> backbone -> the head's pooling (GAP or Flatten): the stored features."""
    on_features: Any
    """The head's layers after its pooling, on the stored features: what a head epoch trains."""
    table: ParamTable


def build_model(config: TrainConfig, class_names: tuple[str, ...]) -> Built:
    """Build a run's models.

    The head's first layer (GlobalAveragePooling2D or Flatten) has no weights, so the stored
    features are taken after it: a head epoch then reads 1,280 numbers an image, not the whole
    map (7x7x1280 at 224 px), and does not pool again every epoch. on_features holds the same
    Dense (and Dropout) layers as head, so training one trains the other.
    """
    weights = "random" if config.strategy == "scratch" else "auto"
    backbone = build_backbone(config.backbone, config.image_size, weights=weights)
    table: ParamTable = compute_param_table(backbone, config.backbone, config.image_size)
    specs = describe_head(config.head(len(class_names)))
    pool, *rest = (spec.build() for spec in specs)  # pooling first (describe_head)
    features = keras.Input(table.feature_shape, name="features")
    head_model = keras.Model(features, _chain(rest, pool(features)), name="head")
    pooled = keras.Input(pool.compute_output_shape((None, *table.feature_shape))[1:], name="pooled_features")
    on_features = keras.Model(pooled, _chain(rest, pooled), name="head_on_features")
    # Inference-mode BatchNormalization for pretrained backbones (Keras transfer-learning guide).
    training = None if config.strategy == "scratch" or config.bn_training else False
    image, x = _on_images(backbone, config.backbone, config.image_size, training)
    whole = keras.Model(image, head_model(x), name=model_name(config.backbone, config.strategy, class_names))
    extractor = keras.Model(image, specs[0].build()(x), name="extractor")  # its own pooling: whole's stays whole's
    return Built(whole, backbone, head_model, extractor, on_features, table)


def kept_extractor(config: TrainConfig) -> KeptExtractor | None:
    """The feature extractor this process keeps for the run's backbone, size and head, when the
    backbone's weights are the pretrained ones (so the same in every build: the same features as
    the run's own extractor, to the bit); None where they are random (each run's own).

    Kept, its forward pass is traced once, not once a run (~0.5 s of a run on EfficientNet-Lite0),
    and the features of the last image sets are kept with it.
    Call it before the run seeds its random numbers: a first build here draws none of the run's.
    """
    if config.strategy not in ("feature-extraction", "two-stage"):
        return None
    if not get_backbone(config.backbone).pretrained_available:
        return None
    return _kept_extractor(config.backbone, config.image_size, config.head_kind)


class KeptExtractor:
    """A pretrained backbone's frozen extractor (image -> backbone -> the head's pooling) and the
    features it took of the last image sets, up to FEATURES_KEPT_BYTES: a run again on the same
    images (another rate, head size or number of epochs, as a class tries them) skips the backbone's
    pass, the longest part of a run at 224 px."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self._features: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def features(self, images: np.ndarray) -> np.ndarray:
        """The stored features of these images (0-255 RGB at the extractor's size)."""
        key = hashlib.sha256(np.ascontiguousarray(images)).hexdigest()
        with self._lock:
            if key in self._features:
                self._features.move_to_end(key)
                return self._features[key]
        found = extract_features(self.model, images)
        found.setflags(write=False)  # shared by the runs that find it
        with self._lock:
            self._features[key] = found
            while sum(f.nbytes for f in self._features.values()) > FEATURES_KEPT_BYTES:
                self._features.popitem(last=False)
        return found


FEATURES_KEPT_BYTES = 64 << 20
"""At most 64 MB of stored features per kept extractor (1,000 images' GAP features are 5 MB)."""


@lru_cache(maxsize=2)
def _kept_extractor(backbone_id: str, size: int, head_kind: str) -> KeptExtractor:
    backbone = build_backbone(backbone_id, size, weights="imagenet")
    backbone.trainable = False
    image, x = _on_images(backbone, backbone_id, size, False)
    pool = describe_head(HeadConfig(head_kind))[0].build()
    return KeptExtractor(keras.Model(image, pool(x), name="kept_extractor"))


def _on_images(backbone: keras.Model, backbone_id: str, size: int, training: bool | None) -> tuple[Any, Any]:
    """(image input, the backbone's feature map): the registry's preprocessing, then the backbone."""
    image = keras.Input((size, size, 3), name="image")
    x = image
    for layer in get_backbone(backbone_id).preprocess.keras_layers("preprocess"):
        x = layer(x)  # plain Keras layers (Rescaling or a frozen Dense(3)): the file loads anywhere
    return image, backbone(x, training=training)


def _chain(layers: list[Any], x: Any) -> Any:
    for layer in layers:
        x = layer(x)
    return x


def compile_model(model: keras.Model, rate: float, head: HeadConfig) -> None:
    """Adam at the given rate, the head's loss, accuracy."""
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=head.loss, metrics=["accuracy"])


_CHUNK_PIXELS = 1 << 20
"""Input pixels per call of infer (about 1 M: 227 images of 48 px, 20 of 224 px)."""

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""model -> its forward pass as one tf.function over any batch size (traced once per model)."""
logging.getLogger("tensorflow").addFilter(lambda record: "triggered tf.function retracing" not in record.getMessage())
"""Each run's new model traces its own forward pass, as it must; TensorFlow would call that a retracing loop."""


def infer(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The model's outputs in inference mode: one compiled forward pass, called in chunks.

    The same numbers as model.predict, without its predict function (tracing it cost about
    1.5 s on EfficientNet-Lite0, more than the pass over a few hundred images). Called eagerly,
    the first pass at each new batch size cost 3.9 s for 480 images of 48 px and 0.4 s for 120
    (TensorFlow's kernels prepared op by op); one tf.function with an open batch dimension
    costs 0.9 s for the first 480 (trace included) and 0.08 s for the 120 after it.
    """
    import tensorflow as tf

    x = images.astype(np.float32)
    forward = _COMPILED.get(model)
    if forward is None:
        held = weakref.ref(model)  # the function must not keep its model alive: the entry goes with the model
        forward = tf.function(lambda batch: held()(batch, training=False),
                              input_signature=[tf.TensorSpec((None, *x.shape[1:]), tf.float32)])
        _COMPILED[model] = forward
    per = max(1, _CHUNK_PIXELS // max(1, int(np.prod(x.shape[1:3]))))
    return np.concatenate([keras.ops.convert_to_numpy(forward(x[i:i + per])) for i in range(0, len(x), per)])


def extract_features(extractor: keras.Model, images: np.ndarray) -> np.ndarray:
    """Run the frozen backbone and the head's pooling over the images (a head run's only backbone pass)."""
    return infer(extractor, images)


def as_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels as the head's loss wants them: a float column for two classes, integers for more."""
    return labels.astype(np.float32)[:, None] if n_classes == 2 else labels.astype(np.int64)

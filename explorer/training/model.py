"""The model a run trains: image -> preprocessing -> backbone -> head, and how it is compiled.

Only Keras' own layers: the preprocessing is the registry's map as Rescaling or a frozen
Dense(3), and the class names ride in the model's name (explorer.training.names), so a saved
.keras opens with plain ``keras.models.load_model`` where this project is not installed.

The backbone is called with training=False as in the Keras transfer-learning guide:
BatchNormalization stays in inference mode even when its layer's weights train (from scratch it
learns its statistics as usual). The head is one sub-model shared by the stored-features path
and the whole model, so the checkpoint is always the whole model.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import keras
import numpy as np

from explorer.models.backbones import build_backbone, get_backbone
from explorer.models.heads import HeadConfig, apply_head
from explorer.models.params import ParamTable, compute_param_table
from explorer.training.config import TrainConfig
from explorer.training.names import model_name

__all__ = ["as_labels", "build_model", "compile_model", "extract_features", "infer"]


def build_model(config: TrainConfig, class_names: tuple[str, ...]) -> tuple[Any, ...]:
    """(whole model, backbone, head sub-model, feature extractor, parameter table)."""
    weights = "random" if config.strategy == "scratch" else "auto"
    backbone = build_backbone(config.backbone, config.image_size, weights=weights)
    table: ParamTable = compute_param_table(backbone, config.backbone, config.image_size)
    head = config.head(len(class_names))
    features = keras.Input(table.feature_shape, name="features")
    head_model = keras.Model(features, apply_head(features, head), name="head")
    image = keras.Input((config.image_size, config.image_size, 3), name="image")
    x = image
    for layer in get_backbone(config.backbone).preprocess.keras_layers("preprocess"):
        x = layer(x)  # plain Keras layers (Rescaling or a frozen Dense(3)): the file loads anywhere
    # Inference-mode BatchNormalization for pretrained backbones (Keras transfer-learning guide).
    x = backbone(x, training=None if config.strategy == "scratch" or config.bn_training else False)
    whole = keras.Model(image, head_model(x), name=model_name(config.backbone, config.strategy, class_names))
    return whole, backbone, head_model, keras.Model(image, x, name="extractor"), table


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
    """Run the frozen backbone once over the images (the only backbone pass of a head run)."""
    return infer(extractor, images)


def as_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels as the head's loss wants them: a float column for two classes, integers for more."""
    return labels.astype(np.float32)[:, None] if n_classes == 2 else labels.astype(np.int64)

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

from typing import Any

import keras
import numpy as np

from explorer.models.backbones import build_backbone, get_backbone
from explorer.models.heads import HeadConfig, apply_head
from explorer.models.params import ParamTable, compute_param_table
from explorer.training.config import TrainConfig
from explorer.training.names import model_name

__all__ = ["as_labels", "build_model", "compile_model", "extract_features"]


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


def extract_features(extractor: keras.Model, images: np.ndarray, batch_size: int) -> np.ndarray:
    """Run the frozen backbone once over the images (the only backbone pass of a head run)."""
    return extractor.predict(images.astype(np.float32), batch_size=batch_size, verbose=0)


def as_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels as the head's loss wants them: a float column for two classes, integers for more."""
    return labels.astype(np.float32)[:, None] if n_classes == 2 else labels.astype(np.int64)

"""The custom input layer of checkpoints saved before models used only Keras' own layers.

Kept so that the app can still open those older files (it registers ``explorer>ExplorerInput``
for Keras' safe loader); new models never contain it.
"""

from __future__ import annotations

from typing import Any

import keras

from explorer.models.backbones import get_backbone

__all__ = ["ExplorerInput"]


@keras.saving.register_keras_serializable(package="explorer")
class ExplorerInput(keras.layers.Layer):
    """Raw 0-255 RGB in, the backbone's preprocessing out; carries the class names (older files)."""

    def __init__(self, backbone: str, class_names: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backbone = backbone
        self.class_names = list(class_names)

    def call(self, inputs: Any) -> Any:
        return get_backbone(self.backbone).preprocess.apply(keras.ops.cast(inputs, "float32"))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "backbone": self.backbone, "class_names": self.class_names}

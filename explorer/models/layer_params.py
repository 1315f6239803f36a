"""One layer's share of the parameters: the row type of the backbone table and of the head."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LayerParams"]


@dataclass(frozen=True)
class LayerParams:
    """One layer's share of the parameters."""

    index: int
    name: str
    type: str
    output_shape: tuple[int | None, ...]
    trainable_params: int
    """Weights that train when the layer is trainable."""
    fixed_params: int
    """Weights that never train (BatchNormalization moving statistics)."""

    @property
    def params(self) -> int:
        """All weights of the layer."""
        return self.trainable_params + self.fixed_params

    @property
    def is_batch_norm(self) -> bool:
        """Whether the layer is a BatchNormalization layer."""
        return self.type == "BatchNormalization"

"""Input preprocessing as data: a per-channel affine map of raw RGB pixels, maybe flipped to BGR.

Every backbone here is fed ``out[..., c] = in[..., source(c)] * scale[c] + offset[c]``
of its 0-255 RGB image, where ``source`` is the identity (RGB) or reverses the channels
(BGR, the caffe-trained VGG and ResNet). Stated once as data, the map gives a NumPy
function, the same arithmetic on backend tensors, and plain Keras layers that a saved
model can hold without any custom layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import keras

__all__ = ["ChannelOrder", "Preprocessing", "from_mean_std"]

ChannelOrder = Literal["rgb", "bgr"]
Triple = tuple[float, float, float]


@dataclass(frozen=True)
class Preprocessing:
    """A per-channel affine map of raw 0-255 RGB pixels; call it on a NumPy array."""

    name: str
    """A short name for the convention: "caffe", "tf", "torch", ..."""
    channel_order: ChannelOrder = "rgb"
    """The network's channel order: "bgr" reverses the RGB input before the affine map."""
    scale: Triple = (1.0, 1.0, 1.0)
    """Multiplier per output channel (in the network's channel order)."""
    offset: Triple = (0.0, 0.0, 0.0)
    """Added per output channel after scaling (in the network's channel order)."""

    def __post_init__(self) -> None:
        if self.channel_order not in ("rgb", "bgr") or len(self.scale) != 3 or len(self.offset) != 3:
            raise ValueError(  # a registry bug, not a user error
                "A preprocessing is 'rgb' or 'bgr' with three scales and three offsets. "
                f"Received: channel_order={self.channel_order!r}, scale={self.scale}, offset={self.offset}"
            )

    @property
    def bgr(self) -> bool:
        """Whether the network sees the channels as BGR."""
        return self.channel_order == "bgr"

    @property
    def is_uniform(self) -> bool:
        """Whether every channel gets the same scale and offset and the order is kept."""
        return not self.bgr and len(set(self.scale)) == 1 and len(set(self.offset)) == 1

    @property
    def is_identity(self) -> bool:
        """Whether the map changes nothing (the network normalises inside)."""
        return self.is_uniform and self.scale[0] == 1.0 and self.offset[0] == 0.0

    def apply(self, x: Any) -> Any:
        """The map on a float NumPy array or a backend tensor (the last axis is the channels).

        Args:
            x: float32 pixels in 0-255, RGB on the last axis.

        Returns:
            The network's input, same shape and type family as x.
        """
        if self.bgr:
            x = x[..., ::-1]
        if self.is_identity:
            return x
        if self.is_uniform:  # scalars: any shape broadcasts
            return x * np.float32(self.scale[0]) + np.float32(self.offset[0])
        return x * np.asarray(self.scale, np.float32) + np.asarray(self.offset, np.float32)

    def __call__(self, x: Any) -> np.ndarray:
        """The map as a NumPy function: any array-like of 0-255 RGB in, float32 out (never in place).

        Args:
            x: pixels, RGB on the last axis ((H, W, 3), (N, H, W, 3), ...).

        Returns:
            A new float32 array of the same shape.
        """
        return np.array(self.apply(np.asarray(x, np.float32)), np.float32)

    def kernel(self) -> tuple[np.ndarray, np.ndarray]:
        """The map as a Dense(3) layer's (kernel, bias): out = in @ kernel + bias.

        Returns:
            A (3, 3) float32 kernel (the channel permutation times the scales) and the (3,) offsets.
        """
        kernel = np.zeros((3, 3), np.float32)
        for channel, scale in enumerate(self.scale):
            source = 2 - channel if self.bgr else channel
            kernel[source, channel] = scale
        return kernel, np.asarray(self.offset, np.float32)

    def keras_layers(self, name: str = "preprocess") -> tuple[keras.layers.Layer, ...]:
        """Plain Keras layers that apply the map (no custom layer: a saved model loads anywhere).

        A uniform map is one Rescaling layer; any other is a non-trainable Dense(3) on
        the channel axis holding the permutation times the scales, and the offsets.

        Args:
            name: the layer's name.

        Returns:
            The layers to apply in order (none for the identity).
        """
        import keras

        if self.is_identity:
            return ()
        if self.is_uniform:
            return (keras.layers.Rescaling(self.scale[0], self.offset[0], name=name),)
        dense = keras.layers.Dense(3, trainable=False, name=name)
        dense.build((None, 3))
        dense.set_weights(list(self.kernel()))
        return (dense,)


def from_mean_std(name: str, mean: Triple, std: Triple, channel_order: ChannelOrder = "rgb") -> Preprocessing:
    """The map (x - mean) / std, with mean and std given per channel in the network's order.

    Args:
        name: the convention's short name.
        mean: subtracted per channel (0-255 units).
        std: divides per channel after the subtraction.
        channel_order: "bgr" when the network takes the channels reversed.

    Returns:
        The same map as scale = 1 / std and offset = -mean / std.
    """
    scale = tuple(1.0 / s for s in std)
    offset = tuple(-m / s for m, s in zip(mean, std, strict=True))
    return Preprocessing(name, channel_order, scale, offset)  # type: ignore[arg-type]

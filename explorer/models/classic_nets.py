"""AlexNet, ZFNet and GoogLeNet built in Keras from their papers (keras.applications has none).

These exist to be counted (parameters, depth, multiply-adds) and drawn, not trained: no
pretrained weights are published for Keras, so every build has random weights. Layer
names follow the papers' Caffe reference models so that blocks can be found by name.

- AlexNet: Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep
  Convolutional Neural Networks" (NIPS 2012), section 3 and Figure 2: 227x227 input,
  the two-GPU split kept as grouped convolutions (groups=2) in conv2, conv4 and conv5.
- ZFNet: Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks"
  (2013), Figure 3: 7x7 stride-2 first layer, stride-2 conv2, 384/384/256 maps in
  conv3-5, one GPU (no groups).
- GoogLeNet: Szegedy et al., "Going Deeper with Convolutions" (2014), Table 1 and
  Figure 3, with its two auxiliary classifiers (section 5) when asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import keras

CLASSES = 1000

# GoogLeNet's Table 1: (name, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj).
GOOGLENET_INCEPTION: tuple[tuple[str, int, int, int, int, int, int], ...] = (
    ("3a", 64, 96, 128, 16, 32, 32),
    ("3b", 128, 128, 192, 32, 96, 64),
    ("4a", 192, 96, 208, 16, 48, 64),
    ("4b", 160, 112, 224, 24, 64, 64),
    ("4c", 128, 128, 256, 24, 64, 64),
    ("4d", 112, 144, 288, 32, 64, 64),
    ("4e", 256, 160, 320, 32, 128, 128),
    ("5a", 256, 160, 320, 32, 128, 128),
    ("5b", 384, 192, 384, 48, 128, 128),
)
AUX_AFTER = ("4a", "4d")
"""GoogLeNet's auxiliary classifiers sit on the outputs of inception 4a and 4d."""
AUX_LOSS_WEIGHT = 0.3
"""The weight of each auxiliary loss in the total training loss (GoogLeNet, section 5)."""


def _lrn_class() -> type:
    """LocalResponseNormalization, defined on first use so that importing this module is cheap."""
    global _LRN
    if _LRN is not None:
        return _LRN
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="explorer")
    class LocalResponseNormalization(keras.layers.Layer):
        """Across-channel LRN of AlexNet (section 3.3): x / (k + alpha * sum of x^2 over n maps)^beta."""

        def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                     beta: float = 0.75, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.depth_radius, self.bias, self.alpha, self.beta = depth_radius, bias, alpha, beta

        def call(self, x):  # noqa: ANN001, ANN201 - Keras signature
            channels = x.shape[-1]
            r = self.depth_radius
            padded = ops.pad(ops.square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
            window = sum(padded[..., i:i + channels] for i in range(2 * r + 1))
            return x / ops.power(self.bias + self.alpha * window, self.beta)

        def compute_output_shape(self, input_shape):  # noqa: ANN001, ANN201
            return input_shape

        def get_config(self) -> dict[str, object]:
            return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                    "alpha": self.alpha, "beta": self.beta}

    _LRN = LocalResponseNormalization
    return _LRN


_LRN: type | None = None


def _classifier(x: keras.KerasTensor, prefix: str = "fc") -> keras.KerasTensor:
    """AlexNet/ZFNet's top: Flatten, two Dense(4096) with dropout 0.5, Dense(1000) softmax."""
    from keras import layers

    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name=f"{prefix}6")(x)
    x = layers.Dropout(0.5, name="drop6")(x)
    x = layers.Dense(4096, activation="relu", name=f"{prefix}7")(x)
    x = layers.Dropout(0.5, name="drop7")(x)
    return layers.Dense(CLASSES, activation="softmax", name=f"{prefix}8")(x)


def build_alexnet() -> keras.Model:
    """AlexNet (2012) at its 227x227 input, random weights.

    Returns:
        A functional keras.Model with 60,965,224 parameters.
    """
    import keras
    from keras import layers

    lrn = _lrn_class()
    inputs = keras.Input((227, 227, 3), name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = lrn(name="norm1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", groups=2, activation="relu", name="conv2")(x)
    x = lrn(name="norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", groups=2, activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", groups=2, activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    return keras.Model(inputs, _classifier(x), name="alexnet")


def build_zfnet() -> keras.Model:
    """ZFNet (2013) at 224x224, random weights: the feature maps of the paper's Figure 3
    (110, 55, 26, 13, 13, 13, 6) come from one pixel of zero padding and 'same' pooling."""
    import keras
    from keras import layers

    lrn = _lrn_class()
    inputs = keras.Input((224, 224, 3), name="image")
    x = layers.ZeroPadding2D(1, name="pad1")(inputs)
    x = layers.Conv2D(96, 7, strides=2, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = lrn(name="norm1")(x)
    x = layers.Conv2D(256, 5, strides=2, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    x = lrn(name="norm2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    return keras.Model(inputs, _classifier(x), name="zfnet")


def _inception(x: keras.KerasTensor, name: str, b1: int, r3: int, b3: int, r5: int, b5: int,
               pool_proj: int) -> keras.KerasTensor:
    """One Inception module (Figure 3b): 1x1, 1x1->3x3, 1x1->5x5 and 3x3 pool->1x1 in parallel."""
    from keras import layers

    def conv(t: keras.KerasTensor, filters: int, size: int, suffix: str) -> keras.KerasTensor:
        return layers.Conv2D(filters, size, padding="same", activation="relu",
                             name=f"inception_{name}_{suffix}")(t)

    branch1 = conv(x, b1, 1, "1x1")
    branch3 = conv(conv(x, r3, 1, "3x3_reduce"), b3, 3, "3x3")
    branch5 = conv(conv(x, r5, 1, "5x5_reduce"), b5, 5, "5x5")
    pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"inception_{name}_pool")(x)
    branch_pool = conv(pool, pool_proj, 1, "pool_proj")
    return layers.Concatenate(name=f"inception_{name}_output")([branch1, branch3, branch5, branch_pool])


def _auxiliary(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    """An auxiliary classifier (section 5): 5x5/3 average pool, 1x1 conv 128, FC 1024, dropout 0.7, FC 1000."""
    from keras import layers

    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_ave_pool")(x)
    x = layers.Conv2D(128, 1, activation="relu", name=f"{name}_conv")(x)
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_drop_fc")(x)
    return layers.Dense(CLASSES, activation="softmax", name=f"{name}_classifier")(x)


def build_googlenet(auxiliary_classifiers: bool = False) -> keras.Model:
    """GoogLeNet / Inception v1 (2014) at 224x224, random weights.

    Args:
        auxiliary_classifiers: also return the two auxiliary softmax outputs used in
            training (on inception 4a and 4d); inference uses the main output only.

    Returns:
        A functional keras.Model; with auxiliary classifiers its outputs are
        [main, aux1, aux2] (train with loss weights 1, 0.3, 0.3).
    """
    import keras
    from keras import layers

    lrn = _lrn_class()
    inputs = keras.Input((224, 224, 3), name="image")
    x = layers.Conv2D(64, 7, strides=2, padding="same", activation="relu", name="conv1_7x7_s2")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1_3x3_s2")(x)
    x = lrn(name="pool1_norm1")(x)
    x = layers.Conv2D(64, 1, activation="relu", name="conv2_3x3_reduce")(x)
    x = layers.Conv2D(192, 3, padding="same", activation="relu", name="conv2_3x3")(x)
    x = lrn(name="conv2_norm2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2_3x3_s2")(x)
    aux_outputs = []
    for name, *widths in GOOGLENET_INCEPTION:
        if name in ("4a", "5a"):  # grid reduction between stages
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{int(name[0]) - 1}_3x3_s2")(x)
        x = _inception(x, name, *widths)
        if auxiliary_classifiers and name in AUX_AFTER:
            aux_outputs.append(_auxiliary(x, f"loss{AUX_AFTER.index(name) + 1}"))
    x = layers.GlobalAveragePooling2D(name="pool5_7x7_s1")(x)
    x = layers.Dropout(0.4, name="pool5_drop_7x7_s1")(x)
    outputs = layers.Dense(CLASSES, activation="softmax", name="loss3_classifier")(x)
    return keras.Model(inputs, [outputs, *aux_outputs] if aux_outputs else outputs, name="googlenet")


def auxiliary_classifier_params(in_channels: int, grid: int = 14) -> int:
    """Parameters of one GoogLeNet auxiliary classifier, by arithmetic.

    Args:
        in_channels: channels of the inception output it sits on (512 for 4a, 528 for 4d).
        grid: side of that output (14 at a 224x224 input).

    Returns:
        1x1 conv to 128 + FC to 1024 on the pooled grid + FC to 1000, biases included.
    """
    pooled = (grid - 5) // 3 + 1
    return (in_channels + 1) * 128 + (pooled * pooled * 128 + 1) * 1024 + (1024 + 1) * CLASSES

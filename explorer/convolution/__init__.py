"""Convolution, pooling, receptive fields and parameter counts, in NumPy alone.

Convolution here is what deep-learning frameworks compute: cross-correlation (the
kernel is not flipped), with TensorFlow's rules for stride, dilation and padding.
"same" padding follows TensorFlow exactly, including the asymmetric split: when the
total padding is odd the extra row or column goes after (bottom, right). Every step of
the sliding window can be inspected (window cells, input patch, products, sum), and the
whole feature map is computed at once with a strided view, never a loop over pixels.

One module per idea: validation (what is accepted), geometry (where the window goes),
ops (conv1d, conv2d), steps (one window position explained), pooling, stacks (receptive
fields, small kernels against big ones), presets (named kernels, grids, signals; typed
numbers) and inputs (random grids, .npy files, photos). This package re-exports their
public names, so ``from explorer import convolution as cv; cv.conv2d(...)`` is the way in.

Nothing here imports TensorFlow or Streamlit: the Convolution Lab page and the CLI must
start fast.
"""

from explorer.convolution.geometry import (
    AxisGeometry,
    ConvGeometry,
    conv1d_geometry,
    conv_geometry,
    output_size,
    pad2d,
    same_padding,
)
from explorer.convolution.inputs import MAX_NPY_BYTES, load_array, load_grayscale, random_grid, synthetic_image
from explorer.convolution.ops import conv1d, conv2d
from explorer.convolution.pooling import PoolStep, pool2d, pool2d_step, pool_geometry
from explorer.convolution.presets import (
    INPUT_PRESETS,
    KERNEL_1D_PRESETS,
    KERNEL_PRESETS,
    MAX_PRESET_SIDE,
    SIGNAL_PRESETS,
    input_preset,
    kernel_1d_preset,
    kernel_preset,
    parse_numbers,
    signal_preset,
)
from explorer.convolution.stacks import (
    LayerSpec,
    ReceptiveFieldRow,
    StackComparison,
    StackOption,
    compare_stacks,
    conv_params,
    receptive_field,
)
from explorer.convolution.steps import ConvStep, conv1d_step, conv2d_step, format_number, products_text
from explorer.convolution.validation import (
    MAX_KERNEL,
    MAX_PADDING,
    MAX_SIDE,
    ConvolutionInputError,
    Padding,
    PoolMode,
)

__all__ = [
    "INPUT_PRESETS",
    "KERNEL_1D_PRESETS",
    "KERNEL_PRESETS",
    "MAX_KERNEL",
    "MAX_NPY_BYTES",
    "MAX_PADDING",
    "MAX_PRESET_SIDE",
    "MAX_SIDE",
    "SIGNAL_PRESETS",
    "AxisGeometry",
    "ConvGeometry",
    "ConvStep",
    "ConvolutionInputError",
    "LayerSpec",
    "Padding",
    "PoolMode",
    "PoolStep",
    "ReceptiveFieldRow",
    "StackComparison",
    "StackOption",
    "compare_stacks",
    "conv1d",
    "conv1d_geometry",
    "conv1d_step",
    "conv2d",
    "conv2d_step",
    "conv_geometry",
    "conv_params",
    "format_number",
    "input_preset",
    "kernel_1d_preset",
    "kernel_preset",
    "load_array",
    "load_grayscale",
    "output_size",
    "pad2d",
    "parse_numbers",
    "pool2d",
    "pool2d_step",
    "pool_geometry",
    "products_text",
    "random_grid",
    "receptive_field",
    "same_padding",
    "signal_preset",
    "synthetic_image",
]

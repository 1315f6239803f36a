"""The Convolution Lab's state: each tab's input, kernel, stride, padding, dilation and step (no TensorFlow)."""

from __future__ import annotations

from explorer import convolution as cv
from ui.state import PageState, choice, text, whole

TAB = "conv.tab"
INPUT = "conv.input"
SIZE = "conv.size"
KERNEL = "conv.kernel"
KERNEL_SIZE = "conv.kernel_size"
STRIDE = "conv.stride"
PADDING = "conv.padding"
DILATION = "conv.dilation"
STEP = "conv.step"
PHOTO = "conv.photo.source"
UPLOAD = "conv.photo.upload"
"""The photo uploader (an upload is never kept in a link)."""
RESOLUTION = "conv.photo.resolution"
PHOTO_KERNEL = "conv.photo.kernel"
PHOTO_STRIDE = "conv.photo.stride"
SIGNAL = "conv.1d.signal"
LENGTH = "conv.1d.length"
KERNEL_1D = "conv.1d.kernel"
CUSTOM_1D = "conv.1d.custom"
STRIDE_1D = "conv.1d.stride"
PADDING_1D = "conv.1d.padding"
DILATION_1D = "conv.1d.dilation"
STEP_1D = "conv.1d.step"
POOL_INPUT = "conv.pool.input"
POOL_SIZE = "conv.pool.size"
POOL_MODE = "conv.pool.mode"
POOL_WINDOW = "conv.pool.window"
POOL_STRIDE = "conv.pool.stride"
POOL_PADDING = "conv.pool.padding"
POOL_STEP = "conv.pool.step"
LAYERS = "conv.rf.layers"
RF_KERNEL = "conv.rf.kernel"
RF_STRIDE = "conv.rf.stride"
RF_DILATION = "conv.rf.dilation"
CHANNELS = "conv.stack.channels"
FACTOR_N = "conv.stack.n"

TABS = ("2D convolution", "On a photo", "1D signal", "Pooling", "Receptive field", "Small vs big kernels")
KERNELS = (*cv.KERNEL_PRESETS, "custom")
PADDINGS = ("valid", "same", 1, 2, 3)
MAX_STEP = 100_000
"""Steps are also at most the number of window positions: the step slider clamps them."""

STATE = PageState("convolution", "app_pages/convolution_lab.py", (
    choice("tab", TAB, TABS),
    choice("input", INPUT, cv.INPUT_PRESETS),
    whole("size", SIZE, 5, 16, 7),
    choice("kernel", KERNEL, KERNELS, KERNELS[4]),
    whole("ksize", KERNEL_SIZE, 1, 7, 3),
    choice("stride", STRIDE, (1, 2, 3)),
    choice("padding", PADDING, PADDINGS),
    choice("dilation", DILATION, (1, 2, 3)),
    whole("step", STEP, 1, MAX_STEP, 1),
    choice("photo", PHOTO, ("cat", "coffee", "upload")),
    whole("side", RESOLUTION, 32, 256, 128),
    choice("photo_kernel", PHOTO_KERNEL, tuple(cv.KERNEL_PRESETS), KERNELS[4]),
    choice("photo_stride", PHOTO_STRIDE, (1, 2, 4)),
    choice("signal", SIGNAL, cv.SIGNAL_PRESETS),
    whole("length", LENGTH, 8, 48, 24),
    choice("kernel1d", KERNEL_1D, (*cv.KERNEL_1D_PRESETS, "custom")),
    text("custom1d", CUSTOM_1D, "1, 0, -1"),  # the page reads the numbers and says what is wrong
    choice("stride1d", STRIDE_1D, (1, 2, 3)),
    choice("padding1d", PADDING_1D, PADDINGS),
    choice("dilation1d", DILATION_1D, (1, 2, 3)),
    whole("step1d", STEP_1D, 1, MAX_STEP, 1),
    choice("pool_input", POOL_INPUT, cv.INPUT_PRESETS, cv.INPUT_PRESETS[5]),
    whole("pool_size", POOL_SIZE, 4, 16, 8),
    choice("pool", POOL_MODE, ("max", "avg")),
    choice("window", POOL_WINDOW, (2, 3, 4)),
    choice("pool_stride", POOL_STRIDE, (1, 2, 3), 2),
    choice("pool_padding", POOL_PADDING, ("valid", "same")),
    whole("pool_step", POOL_STEP, 1, MAX_STEP, 1),
    whole("layers", LAYERS, 1, 8, 3),
    choice("rf_kernel", RF_KERNEL, (1, 3, 5, 7), 3),
    choice("rf_stride", RF_STRIDE, (1, 2, 3)),
    choice("rf_dilation", RF_DILATION, (1, 2, 4)),
    whole("channels", CHANNELS, 1, 2048, 64),
    whole("n", FACTOR_N, 3, 9, 7),
))

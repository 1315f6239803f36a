"""The Convolution Lab's state: each tab's input, kernel, stride, padding, dilation and step (no TensorFlow)."""

from __future__ import annotations

from explorer import links
from ui.state import PageState

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

TABS = links.CONV_TABS
KERNELS = links.CONV_KERNELS
PADDINGS = links.CONV_PADDINGS
MAX_STEP = links.CONV_MAX_STEP
"""Steps are also at most the number of window positions: the step slider clamps them."""

# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.CONVOLUTION, "app_pages/convolution_lab.py")

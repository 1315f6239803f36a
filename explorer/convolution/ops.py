"""Convolution as deep-learning frameworks compute it: cross-correlation (the kernel is not flipped).

The whole feature map is computed at once from a strided view of every window, never a
loop over pixels; tests compare it with tf.nn.conv1d and tf.nn.conv2d.
"""

from __future__ import annotations

import numpy as np

from explorer.convolution.geometry import conv_geometry, pad2d, window_view
from explorer.convolution.validation import ConvolutionInputError, Padding, check_array, check_padding

__all__ = ["conv1d", "conv2d"]


def conv2d(
    x: object,
    kernel: object,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """2D convolution (cross-correlation) as tf.nn.conv2d computes it, without the batch axis.

    Args:
        x: (H, W) grid, or (H, W, C_in) with a (kh, kw, C_in, C_out) kernel.
        kernel: (kh, kw) for a 2D grid, or (kh, kw, C_in, C_out).
        stride: int or (rows, cols), >= 1.
        padding: "valid", "same" (TensorFlow's rule) or zero rows/columns per side.
        dilation: int or (rows, cols), >= 1.

    Returns:
        (out_h, out_w) or (out_h, out_w, C_out), float64.

    Raises:
        ConvolutionInputError: bad shapes, non-finite values, zero stride or dilation, a
            kernel that does not fit inside the padded input.
    """
    x = check_array(x, "input", (2, 3))
    k = check_array(kernel, "kernel", (2,) if x.ndim == 2 else (4,))
    if x.ndim == 3 and k.shape[2] != x.shape[2]:
        raise ConvolutionInputError(
            "The kernel's input channels must match the input's channels. Received: input shape "
            f"{x.shape}, kernel shape {k.shape}"
        )
    g = conv_geometry(x.shape, k.shape, stride, padding, dilation)
    win = window_view(pad2d(x, g), g)
    if x.ndim == 2:
        return np.einsum("ijkl,kl->ij", win, k)
    return np.einsum("ijckl,klco->ijo", win, k, optimize=True)


def conv1d(
    x: object, kernel: object, stride: int = 1, padding: str | int = "valid", dilation: int = 1
) -> np.ndarray:
    """1D convolution (cross-correlation) as tf.nn.conv1d computes it, without the batch axis.

    Args:
        x: (N,) signal, or (N, C_in) with a (k, C_in, C_out) kernel.
        kernel: (k,) or (k, C_in, C_out).
        stride, padding, dilation: as conv2d, for one axis.

    Returns:
        (out_n,) or (out_n, C_out), float64.

    Raises:
        ConvolutionInputError: as conv2d.
    """
    x = check_array(x, "signal", (1, 2))
    k = check_array(kernel, "kernel", (1,) if x.ndim == 1 else (3,))
    if isinstance(stride, (tuple, list)) or isinstance(dilation, (tuple, list)) or isinstance(padding, (tuple, list)):
        raise ConvolutionInputError(
            f"1D convolution takes one stride, padding and dilation. Received: stride={stride!r}, "
            f"padding={padding!r}, dilation={dilation!r}"
        )
    pad = check_padding(padding)
    # A 1D convolution is a 2D one on a single row: "same" pads each axis on its own.
    pad2 = pad if isinstance(pad, str) else (0, pad[0])
    out = conv2d(x[None], k[None], (1, stride), pad2, (1, dilation))
    return out[0]

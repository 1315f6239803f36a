"""Max and average pooling as TensorFlow computes them, and one pooling step explained."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.convolution.geometry import ConvGeometry, conv_geometry, pad2d, window_view
from explorer.convolution.steps import format_number
from explorer.convolution.validation import ConvolutionInputError, PoolMode, check_array, check_pair

__all__ = ["PoolStep", "pool2d", "pool2d_step", "pool_geometry"]


def _pool_padding(padding: object) -> str:
    if isinstance(padding, str) and padding.strip().lower() in ("valid", "same"):
        return padding.strip().lower()
    raise ConvolutionInputError(f'Pooling padding must be "valid" or "same". Received: padding={padding!r}')


def _pool_mode(mode: object) -> PoolMode:
    if mode in ("max", "avg"):
        return mode  # type: ignore[return-value]
    raise ConvolutionInputError(f'Pooling mode must be "max" or "avg". Received: mode={mode!r}')


def pool_geometry(
    input_shape: Sequence[int],
    window: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    padding: str = "valid",
) -> ConvGeometry:
    """Geometry of a pooling window; the stride defaults to the window size (as in Keras).

    Raises:
        ConvolutionInputError: as conv_geometry, or padding other than "valid"/"same".
    """
    wh, ww = check_pair(window, "window")
    return conv_geometry(input_shape, (wh, ww), (wh, ww) if stride is None else stride, _pool_padding(padding))


def pool2d(
    x: object,
    window: int | tuple[int, int],
    stride: int | tuple[int, int] | None = None,
    mode: PoolMode = "max",
    padding: str = "valid",
) -> np.ndarray:
    """Max or average pooling as tf.nn.max_pool2d / tf.nn.avg_pool2d compute it.

    With "same" padding, max pooling pads with -inf (padding never wins) and average
    pooling leaves the padding out of the average (divides by the real cells only).

    Args:
        x: (H, W) grid or (H, W, C) (each channel pooled on its own).
        window: int or (rows, cols).
        stride: int or (rows, cols); defaults to the window.
        mode: "max" or "avg".
        padding: "valid" or "same".

    Returns:
        (out_h, out_w[, C]) float64.

    Raises:
        ConvolutionInputError: bad shapes or values, zero window or stride, a window
            larger than the input, an unknown mode or padding.
    """
    mode = _pool_mode(mode)
    x = check_array(x, "input", (2, 3))
    g = pool_geometry(x.shape, window, stride, padding)
    if mode == "max":
        return window_view(pad2d(x, g, -np.inf), g).max(axis=(-2, -1))
    sums = window_view(pad2d(x, g), g).sum(axis=(-2, -1))
    counts = window_view(pad2d(np.ones(x.shape[:2]), g), g).sum(axis=(-2, -1))
    return sums / (counts if x.ndim == 2 else counts[..., None])


@dataclass(frozen=True)
class PoolStep:
    """One position of the pooling window: the cells it reads and the result."""

    index: int
    out_row: int
    out_col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    patch: tuple[tuple[float, ...], ...]
    """Values under the window; padding cells are NaN (they never count)."""
    mode: PoolMode
    result: float

    def arithmetic(self) -> str:
        """E.g. "max(1, 3, 2, 0) = 3" or "(1 + 3 + 2 + 0)/4 = 1.5" (padding left out)."""
        values = [v for row in self.patch for v in row if not math.isnan(v)]
        shown = [format_number(v) for v in values]
        if self.mode == "max":
            return f"max({', '.join(shown)}) = {format_number(self.result)}"
        return f"({' + '.join(shown)})/{len(values)} = {format_number(self.result)}"


def pool2d_step(
    x: object,
    window: int | tuple[int, int],
    index: int,
    stride: int | tuple[int, int] | None = None,
    mode: PoolMode = "max",
    padding: str = "valid",
) -> PoolStep:
    """One step of 2D pooling on a single-channel grid.

    Raises:
        ConvolutionInputError: as pool2d, or a step outside 0 .. steps - 1.
    """
    mode = _pool_mode(mode)
    x = check_array(x, "input", (2,))
    g = pool_geometry(x.shape, window, stride, padding)
    r, c = g.position(index)
    rows, cols = g.window_cells(index)
    patch = pad2d(x, g, np.nan)[np.ix_(rows, cols)]
    result = float(np.nanmax(patch) if mode == "max" else np.nanmean(patch))
    return PoolStep(
        int(index), r, c, rows, cols, tuple(tuple(float(v) for v in row) for row in patch), mode, result
    )

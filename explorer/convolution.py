"""Convolution, pooling, receptive fields and parameter counts, in NumPy alone.

Convolution here is what deep-learning frameworks compute: cross-correlation (the
kernel is not flipped), with TensorFlow's rules for stride, dilation and padding.
"same" padding follows TensorFlow exactly, including the asymmetric split: when the
total padding is odd the extra row or column goes after (bottom, right). Every step of
the sliding window can be inspected (window cells, input patch, products, sum), and the
whole feature map is computed at once with a strided view, never a loop over pixels.

This module never imports TensorFlow or Streamlit: the Convolution Lab page and the CLI
must start fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from explorer.errors import ExplorerInputError

__all__ = [
    "ConvolutionInputError",
    "AxisGeometry",
    "ConvGeometry",
    "ConvStep",
    "PoolStep",
    "LayerSpec",
    "ReceptiveFieldRow",
    "StackOption",
    "StackComparison",
    "KERNEL_PRESETS",
    "INPUT_PRESETS",
    "SIGNAL_PRESETS",
    "KERNEL_1D_PRESETS",
    "same_padding",
    "output_size",
    "conv_geometry",
    "pad2d",
    "conv2d",
    "conv1d",
    "conv2d_step",
    "conv1d_geometry",
    "conv1d_step",
    "pool2d",
    "pool_geometry",
    "pool2d_step",
    "receptive_field",
    "conv_params",
    "compare_stacks",
    "kernel_preset",
    "input_preset",
    "signal_preset",
    "kernel_1d_preset",
    "parse_numbers",
    "format_number",
    "products_text",
    "load_grayscale",
    "load_array",
    "random_grid",
    "synthetic_image",
]

PoolMode = Literal["max", "avg"]
Padding = str | int | tuple[int, int]

# Bounds that keep one request from eating the machine's memory; far above any lesson.
MAX_SIDE = 4096
MAX_KERNEL = 64
MAX_PADDING = 64


class ConvolutionInputError(ExplorerInputError):
    """A grid, kernel, stride, padding or dilation that the convolution cannot take."""


# --------------------------------------------------------------------------- validation


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ConvolutionInputError(f"{name.capitalize()} must be an integer. Received: {name}={value!r}")
    if value < minimum:
        rule = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ConvolutionInputError(f"{name.capitalize()} must be {rule}. Received: {name}={value}")
    return int(value)


def _pair(value: object, name: str, minimum: int = 1) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvolutionInputError(
                f"{name.capitalize()} must be one integer or a pair (rows, cols). Received: {name}={value!r}"
            )
        return _check_int(value[0], name, minimum), _check_int(value[1], name, minimum)
    v = _check_int(value, name, minimum)
    return v, v


def _as_array(values: object, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    """A finite float64 array with one of the allowed numbers of dimensions."""
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # ragged nested lists
        raise ConvolutionInputError(f"The {name} must be a rectangular grid of numbers. Received: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ConvolutionInputError(
            f"The {name} must hold real numbers. Received: {name} of dtype {arr.dtype}"
        )
    if arr.ndim not in ndims:
        want = " or ".join(f"{d}D" for d in ndims)
        raise ConvolutionInputError(f"The {name} must be {want}. Received: {name} with shape {arr.shape}")
    if arr.size == 0:
        raise ConvolutionInputError(f"The {name} must not be empty. Received: {name} with shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ConvolutionInputError(
            f"The {name} must hold finite numbers (no NaN or infinity). Received: {name} containing "
            f"{'NaN' if np.isnan(arr).any() else 'infinity'}"
        )
    return arr


def _padding(padding: object) -> str | tuple[int, int]:
    if isinstance(padding, str):
        mode = padding.strip().lower()
        if mode in ("valid", "same"):
            return mode
        try:
            padding = int(mode)
        except ValueError:
            raise ConvolutionInputError(
                f'Padding must be "valid", "same" or a number of zero rows/columns >= 0. '
                f"Received: padding={padding!r}"
            ) from None
    pads = _pair(padding, "padding", minimum=0)
    if max(pads) > MAX_PADDING:
        raise ConvolutionInputError(f"Padding must be at most {MAX_PADDING}. Received: padding={padding!r}")
    return pads


# --------------------------------------------------------------------------- geometry


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding along one axis.

    Args:
        size: input length along the axis.
        kernel: kernel length along the axis.
        stride: step of the window.
        dilation: spacing between kernel taps.

    Returns:
        (before, after): the output has ceil(size / stride) positions; the total padding
        is max((ceil(size/stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0),
        and the odd one out goes after.
    """
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class AxisGeometry:
    """How a window slides along one axis (rows or columns)."""

    size: int
    kernel: int
    stride: int
    dilation: int
    pad_before: int
    pad_after: int

    @property
    def effective_kernel(self) -> int:
        """Span of the dilated kernel: (k - 1) * d + 1."""
        return (self.kernel - 1) * self.dilation + 1

    @property
    def padded(self) -> int:
        """Length of the padded input."""
        return self.size + self.pad_before + self.pad_after

    @property
    def output(self) -> int:
        """Number of window positions: floor((n + pads - k_eff) / s) + 1."""
        return (self.padded - self.effective_kernel) // self.stride + 1

    def formula(self) -> str:
        """The output-size formula with this axis' numbers substituted."""
        if self.pad_before == self.pad_after:
            pads = f"2*{self.pad_before}"
        else:
            pads = f"{self.pad_before} + {self.pad_after}"
        return f"floor(({self.size} + {pads} - {self.effective_kernel})/{self.stride}) + 1 = {self.output}"

    def formula_latex(self, symbols: bool = False) -> str:
        """The substituted formula as LaTeX, with floor brackets and a fraction; with
        symbols=True it starts with the formula in letters (n, p, k, s)."""
        symmetric = self.pad_before == self.pad_after
        pads = rf"2\cdot {self.pad_before}" if symmetric else f"{self.pad_before} + {self.pad_after}"
        numbers = (
            rf"\left\lfloor \frac{{{self.size} + {pads} - {self.effective_kernel}}}{{{self.stride}}}"
            rf"\right\rfloor + 1 = {self.output}"
        )
        if not symbols:
            return numbers
        letters = "n + 2p - k" if symmetric else "n + p_1 + p_2 - k"
        return (
            rf"\begin{{aligned}}&\left\lfloor \frac{{{letters}}}{{s}}\right\rfloor + 1\\ "
            rf"=\;&{numbers}\end{{aligned}}"
        )

    def effective_kernel_formula(self) -> str:
        """How the dilated kernel's span is computed, e.g. "(3 - 1)*2 + 1 = 5"."""
        return f"({self.kernel} - 1)*{self.dilation} + 1 = {self.effective_kernel}"

    def same_padding_formula(self) -> str:
        """TensorFlow's "same" padding total with the numbers substituted."""
        total = self.pad_before + self.pad_after
        return (
            f"max((ceil({self.size}/{self.stride}) - 1)*{self.stride} + {self.effective_kernel} - {self.size}, 0)"
            f" = {total} -> {self.pad_before} before, {self.pad_after} after"
        )


@dataclass(frozen=True)
class ConvGeometry:
    """Where the window goes on a 2D grid: both axes, the padding, the output shape."""

    rows: AxisGeometry
    cols: AxisGeometry
    padding: str | tuple[int, int]

    @property
    def output_shape(self) -> tuple[int, int]:
        """(rows, cols) of the output."""
        return self.rows.output, self.cols.output

    @property
    def padded_shape(self) -> tuple[int, int]:
        """(rows, cols) of the padded input."""
        return self.rows.padded, self.cols.padded

    @property
    def pads(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((top, bottom), (left, right)) zero rows and columns."""
        return (self.rows.pad_before, self.rows.pad_after), (self.cols.pad_before, self.cols.pad_after)

    @property
    def steps(self) -> int:
        """Number of window positions (output cells)."""
        return self.rows.output * self.cols.output

    def position(self, index: int) -> tuple[int, int]:
        """Output (row, col) of step `index`, in row-major order."""
        index = _check_int(index, "step", 0)
        if index >= self.steps:
            raise ConvolutionInputError(
                f"Step must be below the number of window positions ({self.steps}). Received: step={index}"
            )
        return divmod(index, self.cols.output)

    def window_cells(self, index: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Rows and columns (in padded coordinates) that the window reads at step `index`."""
        r, c = self.position(index)
        rows = tuple(r * self.rows.stride + a * self.rows.dilation for a in range(self.rows.kernel))
        cols = tuple(c * self.cols.stride + b * self.cols.dilation for b in range(self.cols.kernel))
        return rows, cols

    def formulas(self) -> tuple[str, str]:
        """Output-size formula for rows and for columns."""
        return self.rows.formula(), self.cols.formula()

    def explain(self) -> tuple[str, ...]:
        """The output-size arithmetic as lines of text: the formula (per axis when they
        differ), then the notes."""
        rows, cols = self.formulas()
        return ((rows,) if rows == cols else (f"rows: {rows}", f"columns: {cols}")) + self.notes()

    def notes(self) -> tuple[str, ...]:
        """How the dilated kernel spans and how "same" padding was split, when they apply."""
        same_axes = self.rows.formula() == self.cols.formula()
        lines = []
        for name, axis in (("", self.rows),) if same_axes else (("rows: ", self.rows), ("columns: ", self.cols)):
            if axis.dilation > 1:
                lines.append(f"{name}dilated kernel k = {axis.effective_kernel_formula()}")
            if self.padding == "same":
                lines.append(f"{name}same padding = {axis.same_padding_formula()}")
        return tuple(lines)


def _axis(size: int, kernel: int, stride: int, dilation: int, padding: str | int, name: str) -> AxisGeometry:
    if padding == "valid":
        before = after = 0
    elif padding == "same":
        before, after = same_padding(size, kernel, stride, dilation)
    else:
        before = after = int(padding)
    axis = AxisGeometry(size, kernel, stride, dilation, before, after)
    if axis.effective_kernel > axis.padded:
        raise ConvolutionInputError(
            f"The (dilated) kernel must fit inside the padded input along the {name}. Received: "
            f"kernel {kernel} with dilation {dilation} spans {axis.effective_kernel}, padded input has "
            f"{axis.padded} {name} ({size} + {before} + {after})"
        )
    return axis


def conv_geometry(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
    dilation: int | tuple[int, int] = 1,
) -> ConvGeometry:
    """Validate the settings and work out where the window goes.

    Args:
        input_shape: (rows, cols) of the input (extra trailing dims are ignored).
        kernel_shape: (rows, cols) of the kernel (or window).
        stride: int or (rows, cols).
        padding: "valid", "same" (TensorFlow's rule) or zero rows/columns per side.
        dilation: int or (rows, cols).

    Returns:
        The geometry of both axes.

    Raises:
        ConvolutionInputError: zero stride or dilation, negative padding, an input or
            kernel too large, or a kernel that does not fit inside the padded input.
    """
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pad = _padding(padding)
    h, w = (int(v) for v in input_shape[:2])
    kh, kw = (int(v) for v in kernel_shape[:2])
    if max(h, w) > MAX_SIDE:
        raise ConvolutionInputError(
            f"The input must be at most {MAX_SIDE} cells on a side. Received: input shape {h}x{w}"
        )
    if max(kh, kw) > MAX_KERNEL:
        raise ConvolutionInputError(
            f"The kernel must be at most {MAX_KERNEL} cells on a side. Received: kernel shape {kh}x{kw}"
        )
    ph, pw = (pad, pad) if isinstance(pad, str) else pad
    rows = _axis(h, kh, sh, dh, ph, "rows")
    cols = _axis(w, kw, sw, dw, pw, "columns")
    return ConvGeometry(rows, cols, pad)


def output_size(size: int, kernel: int, stride: int = 1, padding: Padding = "valid", dilation: int = 1) -> int:
    """Output length along one axis: floor((n + pads - ((k - 1) * d + 1)) / s) + 1.

    Raises:
        ConvolutionInputError: as conv_geometry.
    """
    size = _check_int(size, "size", 1)
    kernel = _check_int(kernel, "kernel", 1)
    if isinstance(padding, (tuple, list)):
        raise ConvolutionInputError(f"Padding of one axis must be one value. Received: padding={padding!r}")
    return conv_geometry((size, 1), (kernel, 1), (stride, 1), padding, (dilation, 1)).rows.output


def pad2d(x: np.ndarray, geometry: ConvGeometry, value: float = 0.0) -> np.ndarray:
    """The input with the geometry's padding rows/columns filled with `value`."""
    widths = geometry.pads + ((0, 0),) * (np.ndim(x) - 2)
    return np.pad(np.asarray(x, dtype=np.float64), widths, constant_values=value)


def _windows(xp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Strided view (out_rows, out_cols, [channels,] k_rows, k_cols) of every window; no copy."""
    view = sliding_window_view(xp, (g.rows.effective_kernel, g.cols.effective_kernel), axis=(0, 1))
    return view[:: g.rows.stride, :: g.cols.stride, ..., :: g.rows.dilation, :: g.cols.dilation]


# --------------------------------------------------------------------------- convolution


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
    x = _as_array(x, "input", (2, 3))
    k = _as_array(kernel, "kernel", (2,) if x.ndim == 2 else (4,))
    if x.ndim == 3 and k.shape[2] != x.shape[2]:
        raise ConvolutionInputError(
            "The kernel's input channels must match the input's channels. Received: input shape "
            f"{x.shape}, kernel shape {k.shape}"
        )
    g = conv_geometry(x.shape, k.shape, stride, padding, dilation)
    win = _windows(pad2d(x, g), g)
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
    x = _as_array(x, "signal", (1, 2))
    k = _as_array(kernel, "kernel", (1,) if x.ndim == 1 else (3,))
    if isinstance(stride, (tuple, list)) or isinstance(dilation, (tuple, list)) or isinstance(padding, (tuple, list)):
        raise ConvolutionInputError(
            f"1D convolution takes one stride, padding and dilation. Received: stride={stride!r}, "
            f"padding={padding!r}, dilation={dilation!r}"
        )
    pad = _padding(padding)
    # A 1D convolution is a 2D one on a single row: "same" pads each axis on its own.
    pad2 = pad if isinstance(pad, str) else (0, pad[0])
    out = conv2d(x[None], k[None], (1, stride), pad2, (1, dilation))
    return out[0]


def format_number(value: float) -> str:
    """Short, readable form: whole numbers without decimals, others to 4 significant digits."""
    v = float(value)
    if v == 0:
        return "0"
    if abs(v - round(v)) < 1e-9 and abs(v) < 1e12:
        return str(int(round(v)))
    return f"{v:.4g}"


def _factor(value: float) -> str:
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def products_text(patch: np.ndarray, kernel: np.ndarray, total: float) -> str:
    """ "a×k + b×l + ... = total" for a window's values and the kernel (negatives in brackets)."""
    terms = [f"{_factor(p)}×{_factor(k)}" for p, k in zip(np.ravel(patch), np.ravel(kernel))]
    return " + ".join(terms) + f" = {format_number(total)}"


@dataclass(frozen=True)
class ConvStep:
    """One position of the sliding window: what it reads, multiplies and adds up."""

    index: int
    out_row: int
    out_col: int
    rows: tuple[int, ...]
    """Padded-input rows the window reads (spaced by the dilation)."""
    cols: tuple[int, ...]
    patch: tuple[tuple[float, ...], ...]
    kernel: tuple[tuple[float, ...], ...]
    products: tuple[tuple[float, ...], ...]
    total: float

    def arithmetic(self) -> str:
        """The products and their sum on one line, e.g. "1×0 + 2×(-1) + ... = 7"."""
        return products_text(np.array(self.patch), np.array(self.kernel), self.total)

    def arithmetic_latex(self) -> str:
        """The products one kernel row per line, as a LaTeX aligned block."""
        lines = []
        for i, (prow, krow) in enumerate(zip(self.patch, self.kernel)):
            terms = " + ".join(rf"{_factor(p)}\cdot{_factor(k)}" for p, k in zip(prow, krow))
            lines.append(("&" if i == 0 else "+\\;&") + terms)
        lines.append(rf"=\;& \mathbf{{{format_number(self.total)}}}")
        return r"\begin{aligned}" + r"\\ ".join(lines) + r"\end{aligned}"


def conv2d_step(
    x: object,
    kernel: object,
    index: int,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
    dilation: int | tuple[int, int] = 1,
) -> ConvStep:
    """One step of a single-channel 2D convolution: the window, the patch, the products, the sum.

    Args:
        x: (H, W) grid.
        kernel: (kh, kw).
        index: step number, 0 .. steps - 1 in row-major order of the output.
        stride, padding, dilation: as conv2d.

    Raises:
        ConvolutionInputError: as conv2d, or a step outside 0 .. steps - 1.
    """
    x = _as_array(x, "input", (2,))
    k = _as_array(kernel, "kernel", (2,))
    g = conv_geometry(x.shape, k.shape, stride, padding, dilation)
    r, c = g.position(index)
    rows, cols = g.window_cells(index)
    patch = pad2d(x, g)[np.ix_(rows, cols)]
    products = patch * k

    def tup(a: np.ndarray) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in row) for row in a)

    return ConvStep(int(index), r, c, rows, cols, tup(patch), tup(k), tup(products), float(products.sum()))


def conv1d_geometry(
    length: int, kernel_size: int, stride: int = 1, padding: str | int = "valid", dilation: int = 1
) -> ConvGeometry:
    """Geometry of a 1D convolution, as a single row: use .cols for the formula.

    Raises:
        ConvolutionInputError: as conv_geometry.
    """
    pad = _padding(padding)
    return conv_geometry((1, length), (1, kernel_size), (1, stride), pad if isinstance(pad, str) else (0, pad[0]),
                         (1, dilation))


def conv1d_step(
    x: object, kernel: object, index: int, stride: int = 1, padding: str | int = "valid", dilation: int = 1
) -> ConvStep:
    """One step of a 1D convolution of a signal (the patch and kernel are single rows).

    Raises:
        ConvolutionInputError: as conv1d, or a step outside 0 .. steps - 1.
    """
    x = _as_array(x, "signal", (1,))
    k = _as_array(kernel, "kernel", (1,))
    g = conv1d_geometry(x.size, k.size, stride, padding, dilation)
    return conv2d_step(x[None], k[None], index, (1, stride), g.padding, (1, dilation))


# --------------------------------------------------------------------------- pooling


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
    wh, ww = _pair(window, "window")
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
    x = _as_array(x, "input", (2, 3))
    g = pool_geometry(x.shape, window, stride, padding)
    if mode == "max":
        return _windows(pad2d(x, g, -np.inf), g).max(axis=(-2, -1))
    sums = _windows(pad2d(x, g), g).sum(axis=(-2, -1))
    counts = _windows(pad2d(np.ones(x.shape[:2]), g), g).sum(axis=(-2, -1))
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
    x = _as_array(x, "input", (2,))
    g = pool_geometry(x.shape, window, stride, padding)
    r, c = g.position(index)
    rows, cols = g.window_cells(index)
    patch = pad2d(x, g, np.nan)[np.ix_(rows, cols)]
    result = float(np.nanmax(patch) if mode == "max" else np.nanmean(patch))
    return PoolStep(
        int(index), r, c, rows, cols, tuple(tuple(float(v) for v in row) for row in patch), mode, result
    )


# --------------------------------------------------------------------------- receptive field, parameters


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as far as the receptive field is concerned."""

    kernel: int
    stride: int = 1
    dilation: int = 1


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """The receptive field after one more layer of the stack."""

    layer: int
    """1-based layer number."""
    kernel: int
    stride: int
    dilation: int
    jump: int
    """Distance in input pixels between neighbouring outputs of this layer (product of strides)."""
    receptive_field: int
    """Side in input pixels of the patch that one output of this layer sees."""


def receptive_field(layers: Sequence[LayerSpec]) -> tuple[ReceptiveFieldRow, ...]:
    """Receptive field of each layer of a stack: r += (k - 1) * d * jump; jump *= s.

    Raises:
        ConvolutionInputError: a kernel, stride or dilation below 1, or an empty stack.
    """
    if len(layers) == 0:
        raise ConvolutionInputError("A stack needs at least one layer. Received: layers=[]")
    rows, rf, jump = [], 1, 1
    for i, layer in enumerate(layers, start=1):
        k = _check_int(layer.kernel, "kernel", 1)
        s = _check_int(layer.stride, "stride", 1)
        d = _check_int(layer.dilation, "dilation", 1)
        rf += (k - 1) * d * jump
        jump *= s
        rows.append(ReceptiveFieldRow(i, k, s, d, jump, rf))
    return tuple(rows)


def conv_params(
    kernel_rows: int, kernel_cols: int, in_channels: int, out_channels: int, bias: bool = True
) -> int:
    """Weights of a Conv2D layer: kh * kw * C_in * C_out (+ C_out biases).

    Raises:
        ConvolutionInputError: a size or channel count below 1.
    """
    kh = _check_int(kernel_rows, "kernel_rows", 1)
    kw = _check_int(kernel_cols, "kernel_cols", 1)
    cin = _check_int(in_channels, "in_channels", 1)
    cout = _check_int(out_channels, "out_channels", 1)
    return kh * kw * cin * cout + (cout if bias else 0)


@dataclass(frozen=True)
class StackOption:
    """A stack of C -> C convolutions, its receptive field and its weights."""

    label: str
    kernels: tuple[tuple[int, int], ...]
    receptive_field: tuple[int, int]
    weights: int
    """Weights without biases, e.g. 27 C^2 for three 3x3 layers."""
    biases: int
    coefficient: int
    """Weights / C^2."""


@dataclass(frozen=True)
class StackComparison:
    """Two ways to see the same patch: a stack of small kernels against one big one."""

    title: str
    stacked: StackOption
    single: StackOption

    @property
    def saving(self) -> float:
        """Fraction of the single layer's weights that the stack saves."""
        return 1 - self.stacked.weights / self.single.weights


def _option(label: str, kernels: Sequence[tuple[int, int]], channels: int) -> StackOption:
    rf_rows = receptive_field([LayerSpec(kh) for kh, _ in kernels])[-1].receptive_field
    rf_cols = receptive_field([LayerSpec(kw) for _, kw in kernels])[-1].receptive_field
    weights = sum(conv_params(kh, kw, channels, channels, bias=False) for kh, kw in kernels)
    return StackOption(
        label, tuple(kernels), (rf_rows, rf_cols), weights, channels * len(kernels), weights // channels**2
    )


def compare_stacks(channels: int, n: int = 7) -> tuple[StackComparison, ...]:
    """VGG's and Inception's factorisations for C -> C layers with C channels.

    Three 3x3 layers against one 7x7 (27 C^2 vs 49 C^2), two 3x3 against one 5x5
    (18 C^2 vs 25 C^2), and a 1xn then an nx1 against one nxn (2n C^2 vs n^2 C^2).

    Raises:
        ConvolutionInputError: channels or n below 1 (n below 2 for the factorisation).
    """
    c = _check_int(channels, "channels", 1)
    n = _check_int(n, "n", 2)
    return (
        StackComparison(
            "Three 3×3 vs one 7×7",
            _option("three 3×3", [(3, 3)] * 3, c),
            _option("one 7×7", [(7, 7)], c),
        ),
        StackComparison(
            "Two 3×3 vs one 5×5",
            _option("two 3×3", [(3, 3)] * 2, c),
            _option("one 5×5", [(5, 5)], c),
        ),
        StackComparison(
            f"1×{n} + {n}×1 vs one {n}×{n}",
            _option(f"1×{n} then {n}×1", [(1, n), (n, 1)], c),
            _option(f"one {n}×{n}", [(n, n)], c),
        ),
    )


# --------------------------------------------------------------------------- presets

KERNEL_PRESETS: dict[str, tuple[tuple[float, ...], ...]] = {
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
    "box blur": tuple((1 / 9,) * 3 for _ in range(3)),
    "Gaussian": ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "Sobel x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    "Sobel y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
    "Laplacian": ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
    "edge": ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
}

# A 5x7 bitmap of the digit 7 and of a 3, scaled to the grid by nearest neighbour.
_DIGIT = (
    "#####",
    "....#",
    "...#.",
    "..#..",
    ".#...",
    ".#...",
    ".#...",
)

INPUT_PRESETS: tuple[str, ...] = ("digit", "edge", "checkerboard", "square", "gradient", "random")
SIGNAL_PRESETS: tuple[str, ...] = ("step", "spike", "noisy sine", "square wave")
KERNEL_1D_PRESETS: dict[str, tuple[float, ...]] = {
    "moving average (3)": (1 / 3, 1 / 3, 1 / 3),
    "moving average (5)": (0.2, 0.2, 0.2, 0.2, 0.2),
    "difference": (-1, 1),
    "central difference": (-1, 0, 1),
    "Gaussian (5)": (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16),
    "identity": (1,),
}


def kernel_preset(name: str) -> np.ndarray:
    """A named 3x3 kernel (identity, box blur, Gaussian, sharpen, Sobel x/y, Laplacian, edge).

    Raises:
        ConvolutionInputError: an unknown name.
    """
    if name not in KERNEL_PRESETS:
        raise ConvolutionInputError(
            f"Kernel preset must be one of {', '.join(KERNEL_PRESETS)}. Received: kernel={name!r}"
        )
    return np.array(KERNEL_PRESETS[name], dtype=np.float64)


def input_preset(name: str, size: int, seed: int = 0) -> np.ndarray:
    """A small square grid of integers 0..9 to convolve by hand.

    Raises:
        ConvolutionInputError: an unknown name or a size outside 3..64.
    """
    size = _check_int(size, "size", 3)
    if size > 64:
        raise ConvolutionInputError(f"Preset grids are at most 64 cells on a side. Received: size={size}")
    i, j = np.indices((size, size))
    if name == "digit":
        bitmap = np.array([[ch == "#" for ch in row] for row in _DIGIT], dtype=np.float64)
        margin = max(1, size // 7)
        inner = size - 2 * margin
        grid = np.zeros((size, size))
        rr = np.minimum((np.arange(inner) * 7) // inner, 6)
        cc = np.minimum((np.arange(inner) * 5) // inner, 4)
        grid[margin : margin + inner, margin : margin + inner] = 9 * bitmap[np.ix_(rr, cc)]
        return grid
    if name == "edge":
        return np.where(j >= size // 2, 9.0, 0.0)
    if name == "checkerboard":
        return np.where((i + j) % 2 == 0, 9.0, 0.0)
    if name == "square":
        q = size // 4
        return np.where((i >= q) & (i < size - q) & (j >= q) & (j < size - q), 9.0, 0.0)
    if name == "gradient":
        return np.floor((i + j) * 9 / (2 * (size - 1)))
    if name == "random":
        return np.random.default_rng(seed).integers(0, 10, (size, size)).astype(np.float64)
    raise ConvolutionInputError(f"Input preset must be one of {', '.join(INPUT_PRESETS)}. Received: input={name!r}")


def signal_preset(name: str, length: int, seed: int = 0) -> np.ndarray:
    """A 1D signal to convolve: step, spike, noisy sine or square wave.

    Raises:
        ConvolutionInputError: an unknown name or a length outside 4..4096.
    """
    n = _check_int(length, "length", 4)
    if n > MAX_SIDE:
        raise ConvolutionInputError(f"Signals are at most {MAX_SIDE} samples long. Received: length={n}")
    t = np.arange(n)
    if name == "step":
        return np.where(t >= n // 2, 1.0, 0.0)
    if name == "spike":
        return np.where(t == n // 2, 1.0, 0.0)
    if name == "noisy sine":
        noise = np.random.default_rng(seed).normal(0, 0.25, n)
        return np.round(np.sin(2 * np.pi * t / max(n / 2, 4)) + noise, 2)
    if name == "square wave":
        return np.where((t // max(n // 6, 1)) % 2 == 0, 1.0, -1.0)
    raise ConvolutionInputError(
        f"Signal preset must be one of {', '.join(SIGNAL_PRESETS)}. Received: signal={name!r}"
    )


def kernel_1d_preset(name: str) -> np.ndarray:
    """A named 1D kernel.

    Raises:
        ConvolutionInputError: an unknown name.
    """
    if name not in KERNEL_1D_PRESETS:
        raise ConvolutionInputError(
            f"1D kernel preset must be one of {', '.join(KERNEL_1D_PRESETS)}. Received: kernel={name!r}"
        )
    return np.array(KERNEL_1D_PRESETS[name], dtype=np.float64)


def parse_numbers(text: str, max_count: int = 64) -> np.ndarray:
    """Numbers typed as "1, 2, 1" or "1 2 1" (fractions such as 1/3 allowed).

    Raises:
        ConvolutionInputError: nothing to read, a word that is not a number, too many.
    """
    words = text.replace(",", " ").replace(";", " ").split()
    if not words:
        raise ConvolutionInputError(f"Type at least one number. Received: {text!r}")
    if len(words) > max_count:
        raise ConvolutionInputError(f"Type at most {max_count} numbers. Received: {len(words)} numbers")
    values = []
    for word in words:
        try:
            num, _, den = word.partition("/")
            value = float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            raise ConvolutionInputError(
                f"Each entry must be a number such as 2, -0.5 or 1/3. Received: {word!r}"
            ) from None
        if not math.isfinite(value):
            raise ConvolutionInputError(f"Each entry must be a finite number. Received: {word!r}")
        values.append(value)
    return np.array(values)


# --------------------------------------------------------------------------- files and random grids

MAX_NPY_BYTES = 64 * 1024 * 1024


def random_grid(
    size: int, low: int, high: int, seed: int = 0, name: str = "size", max_side: int = MAX_SIDE
) -> np.ndarray:
    """A size x size grid of random integers low..high (as floats), reproducible from the seed.

    Raises:
        ConvolutionInputError: a size below 1 or above max_side.
    """
    size = _check_int(size, name, 1)
    if size > max_side:
        raise ConvolutionInputError(f"{name.capitalize()} must be at most {max_side}. Received: {name}={size}")
    return np.random.default_rng(seed).integers(low, high + 1, (size, size)).astype(np.float64)


def load_array(path: str | Path, name: str = "input") -> np.ndarray:
    """A numeric array from a .npy file (never unpickles; refuses files over 64 MB).

    Raises:
        ConvolutionInputError: a missing, unreadable, oversized or non-numeric file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NPY_BYTES:
            raise ConvolutionInputError(
                f"The {name} file must be at most {MAX_NPY_BYTES // 2**20} MB. Received: {path} ({size / 2**20:.0f} MB)"
            )
        arr = np.load(path, allow_pickle=False)
    except ConvolutionInputError:
        raise
    except (OSError, ValueError, EOFError) as exc:
        raise ConvolutionInputError(
            f"The {name} must be a readable .npy file of numbers. Received: {path} ({type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(arr, np.ndarray):  # an .npz archive
        raise ConvolutionInputError(f"The {name} must be a .npy file holding one array. Received: {path}")
    return arr


# --------------------------------------------------------------------------- images


def load_grayscale(source: bytes | str | Path, max_side: int = 128, name: str | None = None) -> np.ndarray:
    """Open an image safely (explorer.io.images), shrink it to fit max_side and turn it grayscale.

    Args:
        source: the file's bytes (an upload) or a path.
        max_side: longest side after shrinking, 8..1024.
        name: the file name to put in error messages.

    Returns:
        (H, W) float64 in [0, 1].

    Raises:
        ExplorerInputError: not an image, a damaged file, a file too large or with too
            many pixels (a decompression bomb): see explorer.io.images.load_image.
    """
    from PIL import Image

    from explorer.io.images import load_image

    max_side = _check_int(max_side, "max_side", 8)
    if max_side > 1024:
        raise ConvolutionInputError(f"Images are shrunk to at most 1024 pixels. Received: max_side={max_side}")
    img = Image.fromarray(load_image(source, name=name).pixels).convert("L")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float64) / 255.0


def synthetic_image(size: int = 128) -> np.ndarray:
    """A grayscale test picture (disc, bars, gradient) for when no photo is at hand."""
    size = _check_int(size, "size", 8)
    i, j = np.indices((size, size)) / size
    img = 0.25 + 0.5 * j
    img = np.where((i - 0.35) ** 2 + (j - 0.35) ** 2 < 0.04, 1.0, img)
    img = np.where((i > 0.6) & (i < 0.9) & ((j * 10).astype(int) % 2 == 0), 0.0, img)
    return img

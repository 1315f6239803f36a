"""Where the window goes: output sizes, TensorFlow's "same" padding, and the formulas with numbers in.

Convolution here follows TensorFlow's rules for stride, dilation and padding. "same"
padding is TensorFlow's exactly, including the asymmetric split: when the total padding is
odd, the extra row or column goes after (bottom, right).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from explorer.i18n import _
from explorer.convolution.validation import (
    MAX_KERNEL,
    MAX_SIDE,
    ConvolutionInputError,
    Padding,
    check_padding,
    check_pair,
    whole_number,
)

__all__ = [
    "AxisGeometry",
    "ConvGeometry",
    "conv1d_geometry",
    "conv_geometry",
    "output_size",
    "pad2d",
    "same_padding",
    "window_view",
]


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
        index = whole_number(index, "step", 0)
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
        for name, axis in (("", self.rows),) if same_axes else ((_("rows: "), self.rows), (_("columns: "), self.cols)):
            if axis.dilation > 1:
                lines.append(name + _("dilated kernel k = {formula}").format(formula=axis.effective_kernel_formula()))
            if self.padding == "same":
                lines.append(name + _("same padding = {formula}").format(formula=axis.same_padding_formula()))
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
    sh, sw = check_pair(stride, "stride")
    dh, dw = check_pair(dilation, "dilation")
    pad = check_padding(padding)
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
    size = whole_number(size, "size", 1)
    kernel = whole_number(kernel, "kernel", 1)
    if isinstance(padding, (tuple, list)):
        raise ConvolutionInputError(f"Padding of one axis must be one value. Received: padding={padding!r}")
    return conv_geometry((size, 1), (kernel, 1), (stride, 1), padding, (dilation, 1)).rows.output


def pad2d(x: np.ndarray, geometry: ConvGeometry, value: float = 0.0) -> np.ndarray:
    """The input with the geometry's padding rows/columns filled with `value`."""
    widths = geometry.pads + ((0, 0),) * (np.ndim(x) - 2)
    return np.pad(np.asarray(x, dtype=np.float64), widths, constant_values=value)


def window_view(xp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Strided view (out_rows, out_cols, [channels,] k_rows, k_cols) of every window; no copy."""
    view = sliding_window_view(xp, (g.rows.effective_kernel, g.cols.effective_kernel), axis=(0, 1))
    return view[:: g.rows.stride, :: g.cols.stride, ..., :: g.rows.dilation, :: g.cols.dilation]


def conv1d_geometry(
    length: int, kernel_size: int, stride: int = 1, padding: str | int = "valid", dilation: int = 1
) -> ConvGeometry:
    """Geometry of a 1D convolution, as a single row: use .cols for the formula.

    Raises:
        ConvolutionInputError: as conv_geometry.
    """
    pad = check_padding(padding)
    return conv_geometry((1, length), (1, kernel_size), (1, stride), pad if isinstance(pad, str) else (0, pad[0]),
                         (1, dilation))

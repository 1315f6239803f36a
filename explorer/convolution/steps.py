"""One step of the sliding window, explained: the cells it reads, the products, the sum, as text and LaTeX."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.convolution.geometry import conv1d_geometry, conv_geometry, pad2d
from explorer.convolution.validation import Padding, check_array

__all__ = ["ConvStep", "conv1d_step", "conv2d_step", "format_number", "products_text"]


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
    x = check_array(x, "input", (2,))
    k = check_array(kernel, "kernel", (2,))
    g = conv_geometry(x.shape, k.shape, stride, padding, dilation)
    r, c = g.position(index)
    rows, cols = g.window_cells(index)
    patch = pad2d(x, g)[np.ix_(rows, cols)]
    products = patch * k

    def tup(a: np.ndarray) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in row) for row in a)

    return ConvStep(int(index), r, c, rows, cols, tup(patch), tup(k), tup(products), float(products.sum()))


def conv1d_step(
    x: object, kernel: object, index: int, stride: int = 1, padding: str | int = "valid", dilation: int = 1
) -> ConvStep:
    """One step of a 1D convolution of a signal (the patch and kernel are single rows).

    Raises:
        ConvolutionInputError: as conv1d, or a step outside 0 .. steps - 1.
    """
    x = check_array(x, "signal", (1,))
    k = check_array(kernel, "kernel", (1,))
    g = conv1d_geometry(x.size, k.size, stride, padding, dilation)
    return conv2d_step(x[None], k[None], index, (1, stride), g.padding, (1, dilation))

"""Named kernels, input grids and signals for the lessons, and numbers as a person types them."""

from __future__ import annotations

import math

import numpy as np

from explorer.i18n import N_, _
from explorer.convolution.validation import MAX_SIDE, ConvolutionInputError, whole_number

__all__ = [
    "INPUT_PRESETS",
    "KERNEL_1D_PRESETS",
    "KERNEL_PRESETS",
    "MAX_PRESET_SIDE",
    "SIGNAL_PRESETS",
    "input_preset",
    "kernel_1d_preset",
    "kernel_preset",
    "parse_numbers",
    "signal_preset",
]

MAX_PRESET_SIDE = 64
"""Preset grids are small enough to read every number: 3 to 64 cells on a side."""

KERNEL_PRESETS: dict[str, tuple[tuple[float, ...], ...]] = {
    N_("identity"): ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
    N_("box blur"): tuple((1 / 9,) * 3 for _ in range(3)),
    N_("Gaussian"): ((1 / 16, 2 / 16, 1 / 16), (2 / 16, 4 / 16, 2 / 16), (1 / 16, 2 / 16, 1 / 16)),
    N_("sharpen"): ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    N_("Sobel x"): ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)),
    N_("Sobel y"): ((-1, -2, -1), (0, 0, 0), (1, 2, 1)),
    N_("Laplacian"): ((0, 1, 0), (1, -4, 1), (0, 1, 0)),
    N_("edge"): ((-1, -1, -1), (-1, 8, -1), (-1, -1, -1)),
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

INPUT_PRESETS: tuple[str, ...] = (N_("digit"), N_("edge"), N_("checkerboard"), N_("square"), N_("gradient"), N_("random"))
SIGNAL_PRESETS: tuple[str, ...] = (N_("step"), N_("spike"), N_("noisy sine"), N_("square wave"))
KERNEL_1D_PRESETS: dict[str, tuple[float, ...]] = {
    N_("moving average (3)"): (1 / 3, 1 / 3, 1 / 3),
    N_("moving average (5)"): (0.2, 0.2, 0.2, 0.2, 0.2),
    N_("difference"): (-1, 1),
    N_("central difference"): (-1, 0, 1),
    N_("Gaussian (5)"): (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16),
    N_("identity"): (1,),
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
    size = whole_number(size, "size", 3, MAX_PRESET_SIDE)
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
    n = whole_number(length, "length", 4, MAX_SIDE)
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
        raise ConvolutionInputError(_("Type at least one number.") + f" Received: {text!r}")
    if len(words) > max_count:
        raise ConvolutionInputError(_("Type at most {n} numbers.").format(n=max_count) + f" Received: {len(words)} numbers")
    values = []
    for word in words:
        try:
            num, _slash, den = word.partition("/")
            value = float(num) / float(den) if den else float(num)
        except (ValueError, ZeroDivisionError):
            raise ConvolutionInputError(
                _("Each entry must be a number such as 2, -0.5 or 1/3.") + f" Received: {word!r}"
            ) from None
        if not math.isfinite(value):
            raise ConvolutionInputError(_("Each entry must be a finite number.") + f" Received: {word!r}")
        values.append(value)
    return np.array(values)

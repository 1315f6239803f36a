"""What the convolution functions accept: the error they raise, size bounds, and the checks.

Every check raises ConvolutionInputError with the rule, then the value ("stride must be a
positive whole number. Received: stride=0").
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError

__all__ = [
    "MAX_KERNEL",
    "MAX_PADDING",
    "MAX_SIDE",
    "ConvolutionInputError",
    "Padding",
    "PoolMode",
    "check_array",
    "check_padding",
    "check_pair",
    "whole_number",
]

PoolMode = Literal["max", "avg"]
Padding = str | int | tuple[int, int]

# Bounds that keep one request from eating the machine's memory; far above any lesson.
MAX_SIDE = 4096
MAX_KERNEL = 64
MAX_PADDING = 64


class ConvolutionInputError(ExplorerInputError):
    """A grid, kernel, stride, padding or dilation that the convolution cannot take."""


def whole_number(value: object, name: str, low: int | None = None, high: int | None = None) -> int:
    """explorer.checks.check_whole_number, raising ConvolutionInputError."""
    return check_whole_number(value, name, low, high, error=ConvolutionInputError)


def check_pair(value: object, name: str, low: int = 1, high: int | None = None) -> tuple[int, int]:
    """One whole number for both axes, or a (rows, cols) pair, each within [low, high]."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvolutionInputError(
                f"{name} must be one whole number or a pair (rows, cols). Received: {name}={value!r}"
            )
        return whole_number(value[0], name, low, high), whole_number(value[1], name, low, high)
    v = whole_number(value, name, low, high)
    return v, v


def check_array(values: object, name: str, ndims: tuple[int, ...]) -> np.ndarray:
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


def check_padding(padding: object) -> str | tuple[int, int]:
    """Padding as "valid", "same", or zero rows/columns per side (one number or a pair, 0..MAX_PADDING)."""
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
    return check_pair(padding, "padding", 0, MAX_PADDING)


"""Grids to convolve from elsewhere: random integers, .npy files, photos, a synthetic picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.convolution.validation import MAX_SIDE, ConvolutionInputError, whole_number

__all__ = ["MAX_NPY_BYTES", "load_array", "load_grayscale", "random_grid", "synthetic_image"]

MAX_NPY_BYTES = 64 * 1024 * 1024


def random_grid(
    size: int, low: int, high: int, seed: int = 0, name: str = "size", max_side: int = MAX_SIDE
) -> np.ndarray:
    """A size x size grid of random integers low..high (as floats), reproducible from the seed.

    Raises:
        ConvolutionInputError: a size below 1 or above max_side.
    """
    size = whole_number(size, name, 1, max_side)
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

    max_side = whole_number(max_side, "max_side", 8, 1024)
    img = Image.fromarray(load_image(source, name=name).pixels).convert("L")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float64) / 255.0


def synthetic_image(size: int = 128) -> np.ndarray:
    """A grayscale test picture (disc, bars, gradient) for when no photo is at hand."""
    size = whole_number(size, "size", 8)
    i, j = np.indices((size, size)) / size
    img = 0.25 + 0.5 * j
    img = np.where((i - 0.35) ** 2 + (j - 0.35) ** 2 < 0.04, 1.0, img)
    img = np.where((i > 0.6) & (i < 0.9) & ((j * 10).astype(int) % 2 == 0), 0.0, img)
    return img

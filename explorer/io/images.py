"""Safe image input: decode a user's photo (or a bundled sample) into 8-bit RGB pixels.

Only PNG, JPEG, WebP, BMP and GIF are decoded (Pillow is told so, so no other plugin ever
sees the bytes). Every size is checked before decoding: the file's bytes against the upload
limit, the header's pixel count against a decompression-bomb limit. Whatever Pillow makes of
the file (grayscale, palette, transparency, CMYK, 16-bit) comes out as an (H, W, 3) uint8
array the right way up.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from explorer.io.assets import SAMPLES_DIR
from explorer.errors import ExplorerInputError
from explorer.i18n import _

__all__ = [
    "ALLOWED_FORMATS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_UPLOAD_MB",
    "MAX_WORKING_SIDE",
    "SAMPLE_IMAGES",
    "ImageInputError",
    "LoadedImage",
    "decoded_pixels",
    "image_header",
    "load_image",
    "load_sample",
    "square_crop",
]

MAX_UPLOAD_MB = 50
"""Largest file accepted, in MiB; the same number is server.maxUploadSize in .streamlit/config.toml."""
MAX_IMAGE_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
"""Largest width x height decoded (a 40 MP photo); checked on the header, before decoding."""
MAX_WORKING_SIDE = 2048
"""Decoded images are reduced to this longer side: the networks see 224-299 pixels."""
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
_SAMPLES_DIR = SAMPLES_DIR
SAMPLE_IMAGES: dict[str, str] = {"cat": "cat.png", "coffee": "coffee.png"}
"""Bundled sample photos (assets/samples, licences in assets/LICENSES.md): id -> file name."""
_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I")


class ImageInputError(ExplorerInputError):
    """A file that cannot be used as a photo: not an image, corrupt, too big, or an unknown sample."""


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded photo: upright 8-bit RGB pixels and where they came from."""

    pixels: np.ndarray
    """(H, W, 3) uint8, read-only; at most MAX_WORKING_SIDE on the longer side."""
    digest: str
    """sha256 of the file's bytes (hex): a cheap cache key for everything computed from it."""
    name: str
    format: str
    """Pillow's format name: PNG, JPEG, WEBP, BMP or GIF."""
    mode: str
    """Pillow's mode of the file before conversion (L, P, RGBA, CMYK, I;16, ...)."""
    original_size: tuple[int, int]
    """(width, height) of the file, after EXIF rotation."""

    @property
    def height(self) -> int:
        """Rows of the decoded pixels."""
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        """Columns of the decoded pixels."""
        return int(self.pixels.shape[1])


def _read_source(source: bytes | str | os.PathLike[str] | BinaryIO) -> tuple[bytes, str]:
    """Return (bytes, name) from bytes, a path or a binary file, never reading past the limit."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return data, "image"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ImageInputError(f"No image file at this path. Received: path={str(path)!r}")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise ImageInputError(_too_big_message(size))
        return path.read_bytes(), path.name
    data = source.read(MAX_IMAGE_BYTES + 1)
    return data, str(getattr(source, "name", "image"))


def _too_big_message(size: int) -> str:
    return (
        _("Images must be at most {mb} MB.").format(mb=MAX_UPLOAD_MB)
        + f" Received: {size / (1024 * 1024):.1f} MB ({size:,} bytes)"
    )


def _bomb_message(width: int, height: int) -> str:
    return (
        _("Images must have at most {n} megapixels (a small file can decode to a huge image).").format(
            n=f"{MAX_IMAGE_PIXELS / 1e6:.0f}")
        + f" Received: {width}x{height} = {width * height / 1e6:,.0f} megapixels"
    )


def image_header(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from a file's header without decoding it; None when Pillow cannot read it.

    The bytes may be only the start of the file: a header is near the start (a JPEG's may follow
    its EXIF block, so a short prefix can give None where the whole file would not).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as image:
                return str(image.format), int(image.size[0]), int(image.size[1])
    except Exception:  # any header Pillow cannot parse: the caller reads the whole file or skips it
        return None


def decoded_pixels(fmt: str, width: int, height: int, min_side: int) -> int:
    """How many pixels load_image(..., min_side=min_side) decodes for an image of this header.

    A JPEG is decoded at 1/2, 1/4 or 1/8 of its size (its DCT scaling, Pillow's draft) while the
    shorter side stays at least min_side; other formats are decoded whole, then reduced.
    """
    ratio = min(width // max(min_side, 1), height // max(min_side, 1))
    scale = next((s for s in (8, 4, 2) if ratio >= s), 1) if fmt == "JPEG" else 1
    return -(-width // scale) * -(-height // scale)


def _shrink_while_decoding(image: Image.Image, min_side: int) -> Image.Image:
    """Decode at the smallest size whose shorter side is still >= min_side (JPEG draft, then reduce)."""
    if image.format == "JPEG":
        image.draft(None, (min_side, min_side))
    image.load()
    factor = min(image.size) // min_side
    if factor >= 2:
        try:
            image = image.reduce(factor)  # a box filter: fast, and it keeps the crop sharp enough
        except ValueError:  # a mode reduce does not take (palette, 1-bit, 16-bit): converted whole
            pass
    return image


def load_image(source: bytes | str | os.PathLike[str] | BinaryIO, name: str | None = None,
               min_side: int | None = None) -> LoadedImage:
    """Decode a photo into upright 8-bit RGB pixels, refusing anything unsafe.

    Args:
        source: the file's bytes, a path, or a binary file object (an upload).
        name: the name to report (defaults to the file's name).
        min_side: decode only as large as needed for a crop of this side (a data set's images):
            JPEGs at a reduced scale, others reduced right after decoding, before any conversion,
            so an image costs memory in proportion to this size, not to the photo's.

    Returns:
        A LoadedImage. Transparency is composited on white, grayscale, palette, CMYK and
        16-bit images are converted to 8-bit RGB, EXIF orientation is applied, a GIF gives
        its first frame, and images longer than MAX_WORKING_SIDE are reduced.

    Raises:
        ImageInputError: the file is over MAX_UPLOAD_MB, is not a PNG/JPEG/WebP/BMP/GIF
            image (whatever its name), is truncated or corrupt, or has more than
            MAX_IMAGE_PIXELS pixels.
    """
    data, default_name = _read_source(source)
    name = name or default_name
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageInputError(_too_big_message(len(data)))
    if not data:
        raise ImageInputError(_("The file is empty.") + f" Received: name={name!r}, 0 bytes")
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own limit and raises above twice that; both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(
            _("Images must have at most {n} megapixels (a small file can decode to a huge image).").format(
                n=f"{MAX_IMAGE_PIXELS / 1e6:.0f}")
            + f" Received: {name!r} ({exc})"
        ) from None
    except UnidentifiedImageError:
        raise ImageInputError(
            _("Photos must be PNG, JPEG, WebP, BMP or GIF images; this file is none of those "
              "(whatever its name says) or its header is damaged.")
            + f" Received: name={name!r}"
        ) from None
    except Exception as exc:  # Pillow's header parsers raise many types on bad bytes
        raise _corrupt(name, exc) from None
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageInputError(_bomb_message(width, height))
    if width < 1 or height < 1:
        raise ImageInputError(_("Images must have at least one pixel.") + f" Received: {width}x{height}")
    fmt, mode = str(image.format), image.mode
    try:
        image.seek(0)  # a GIF (or animated WebP/PNG) shows its first frame
        if min_side:
            image = _shrink_while_decoding(image, int(min_side))
        else:
            image.load()
        before = image.size
        image = ImageOps.exif_transpose(image)
        pixels = _to_rgb(image)
    except ImageInputError:
        raise
    except Exception as exc:  # truncated or corrupt data surfaces only while decoding
        raise _corrupt(name, exc) from None
    turned = image.size != before  # EXIF rotated it a quarter turn
    original_size = (height, width) if turned else (width, height)
    pixels = _reduce(pixels)
    pixels.flags.writeable = False
    return LoadedImage(pixels, digest, name, fmt, mode, original_size)


def _corrupt(name: str, exc: Exception) -> ImageInputError:
    detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return ImageInputError(
        _("The image could not be decoded: the file is truncated or corrupt.")
        + f" Received: name={name!r} ({detail})"
    )


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Any Pillow mode -> (H, W, 3) uint8 RGB; transparency composited on white."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # Pillow's own "I;16" -> "L" clips at 255 instead of scaling: scale 0..65535 to 0..255.
        wide = np.asarray(image).astype(np.float64)
        gray = np.clip(np.rint(wide / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if image.mode == "F":
        gray = np.clip(np.rint(np.asarray(image, dtype=np.float64)), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or image.has_transparency_data:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.array(image.convert("RGB"), dtype=np.uint8)


def _reduce(pixels: np.ndarray) -> np.ndarray:
    """Shrink so the longer side is at most MAX_WORKING_SIDE (keeps the aspect ratio)."""
    height, width = pixels.shape[:2]
    if max(height, width) <= MAX_WORKING_SIDE:
        return pixels
    image = Image.fromarray(pixels)
    image.thumbnail((MAX_WORKING_SIDE, MAX_WORKING_SIDE), Image.Resampling.LANCZOS)
    return np.array(image, dtype=np.uint8)


def load_sample(sample: str) -> LoadedImage:
    """Load one of the bundled sample photos by id ("cat", "coffee").

    Raises:
        ImageInputError: for an id that is not a bundled sample.
    """
    if sample not in SAMPLE_IMAGES:
        raise ImageInputError(
            f"Sample photos are {', '.join(SAMPLE_IMAGES)}. Received: sample={sample!r}"
        )
    return load_image(_SAMPLES_DIR / SAMPLE_IMAGES[sample], name=sample)


def square_crop(pixels: np.ndarray, size: int) -> np.ndarray:
    """The centre square of a photo resized to size x size: what the network is shown.

    Args:
        pixels: (H, W, 3) uint8 RGB.
        size: output side in pixels (at least 1).

    Returns:
        A new (size, size, 3) uint8 array (bicubic resampling, as ImageNet evaluation
        crops the centre of the shorter side).
    """
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ImageInputError(f"The crop size must be a positive number of pixels. Received: size={size!r}")
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    crop = Image.fromarray(np.ascontiguousarray(pixels[top : top + side, left : left + side]))
    if side != size:
        crop = crop.resize((int(size), int(size)), Image.Resampling.BICUBIC)
    return np.array(crop, dtype=np.uint8)

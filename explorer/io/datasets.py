"""Data sets for short transfer-learning runs: built in (offline, seeded) or the user's own.

Built in: coloured shapes drawn on varied backgrounds, and scikit-learn's bundled 8x8
handwritten digits scaled up to the backbone's input. The user's own: a ZIP (or, in the
CLI, a folder) of class sub-folders, the layout of keras.utils.image_dataset_from_directory.
A ZIP is read from memory, never extracted, and refused when it could fill memory or
reach outside its folder. Every image comes out as raw 0-255 RGB at one square size; the
backbone's preprocessing happens inside the model.
"""

from __future__ import annotations

import os
import socket
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from explorer.errors import ExplorerInputError
from explorer.i18n import _
from explorer.io.images import MAX_IMAGE_PIXELS, ImageInputError, decoded_pixels, image_header, load_image, square_crop
from explorer.io.text import plain
from explorer.io.zips import ZipLimits, open_zip, safe_parts

__all__ = [
    "BUILTIN_DATASETS",
    "MAX_COMPRESSION_RATIO",
    "MAX_DATASET_PIXELS",
    "MAX_ZIP_BYTES",
    "MAX_ZIP_FILES",
    "SHAPE_CLASSES",
    "DataSplit",
    "DatasetError",
    "DatasetUnavailableError",
    "ImageDataset",
    "fetch_photo_set",
    "load_dataset",
    "load_digits",
    "make_shapes",
    "read_folder",
    "read_zip",
    "sample_grid",
    "split_dataset",
]

MAX_ZIP_FILES = 5000
"""Most entries a ZIP may hold."""
MAX_ZIP_BYTES = 500 * 1024 * 1024
"""Most bytes a ZIP may unpack to, in total."""
MAX_COMPRESSION_RATIO = 200
"""Largest uncompressed/compressed ratio of one entry; beyond it the ZIP is a bomb."""
MAX_IMAGES_PER_CLASS = 2000
MAX_DATASET_PIXELS = 250_000_000
"""Most pixels a data set's images may decode to, all together, checked on their headers before any
decoding: six 40-megapixel PNGs, or over a thousand 12-megapixel phone JPEGs (a JPEG is decoded at
the reduced scale that the training size allows, up to 8 times smaller on each side). Images are
shrunk while decoding, so the memory a data set keeps is its training size, not its photos' size;
the budget bounds the time (a PNG must be decoded whole: about 0.1-0.3 s per 10 megapixels)."""
_HEADER_BYTES = 64 * 1024
"""How much of a file is read to find its size (a JPEG with a longer EXIF block is read whole)."""
_READ_ERRORS = (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zlib.error)
SHAPE_CLASSES = ("circle", "square", "triangle", "star", "cross")
BUILTIN_DATASETS = ("shapes", "digits")
PHOTO_SET_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
_IGNORED_PARTS = ("__MACOSX",)


class DatasetError(ExplorerInputError):
    """A data set that cannot be used: a bad ZIP or folder, too few classes or images."""


class DatasetUnavailableError(DatasetError):
    """A data set that needs a network this machine does not have."""


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Labelled images: raw 0-255 RGB, one square size, classes in alphabetical order."""

    name: str
    images: np.ndarray
    """(N, S, S, 3) uint8."""
    labels: np.ndarray
    """(N,) int64 indices into class_names."""
    class_names: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    """Files that were not used, each 'path: why'."""

    @property
    def image_size(self) -> int:
        """Side of the square images in pixels."""
        return int(self.images.shape[1])

    @property
    def class_counts(self) -> dict[str, int]:
        """Images per class."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}


@dataclass(frozen=True, eq=False)
class DataSplit:
    """A deterministic, stratified train/validation split of one data set."""

    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    class_names: tuple[str, ...]

    @property
    def image_size(self) -> int:
        """Side of the square images in pixels."""
        return int(self.train_images.shape[1])

    def per_class(self, n: int, seed: int = 0) -> DataSplit:
        """The same split with at most n training images per class (validation unchanged)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise DatasetError(f"Images per class must be a whole number >= 1. Received: n={n!r}")
        rng = np.random.default_rng(seed)
        keep = np.concatenate(
            [rng.permutation(np.flatnonzero(self.train_labels == c))[:n] for c in range(len(self.class_names))]
        )
        keep.sort()
        return DataSplit(self.train_images[keep], self.train_labels[keep], self.val_images, self.val_labels,
                         self.class_names)


def _check_count(value: int, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise DatasetError(f"{name} must be a whole number from {low} to {high}. Received: {name}={value!r}")


def _validate(name: str, images: np.ndarray, labels: np.ndarray, classes: tuple[str, ...],
              skipped: tuple[str, ...]) -> ImageDataset:
    if len(classes) < 2:
        raise DatasetError(
            _("A data set needs at least 2 classes (one sub-folder per class).")
            + f" Received: {len(classes)} class(es) {[plain(c) for c in classes]}"
        )
    counts = np.bincount(labels, minlength=len(classes)) if len(labels) else np.zeros(len(classes), int)
    small = [f"{plain(c)}={int(n)}" for c, n in zip(classes, counts) if n < 2]
    if small:
        raise DatasetError(
            _("Every class needs at least 2 usable images (one to train, one to validate).")
            + f" Received: {', '.join(small)}"
        )
    return ImageDataset(name, images, labels.astype(np.int64), classes, skipped)


# --- built in -------------------------------------------------------------------------------


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if kind == "square":
        points = [(np.pi / 4 + k * np.pi / 2, r) for k in range(4)]
    elif kind == "triangle":
        points = [(-np.pi / 2 + k * 2 * np.pi / 3, r) for k in range(3)]
    elif kind == "star":
        points = [(-np.pi / 2 + k * np.pi / 5, r if k % 2 == 0 else r * 0.45) for k in range(10)]
    else:  # cross: a plus sign of width r/2.5
        w = r / 2.5
        xy = [(w, r), (w, w), (r, w), (r, -w), (w, -w), (w, -r), (-w, -r), (-w, -w), (-r, -w), (-r, w), (-w, w),
              (-w, r)]
        return [(cx + x * np.cos(angle) - y * np.sin(angle), cy + x * np.sin(angle) + y * np.cos(angle))
                for x, y in xy]
    return [(cx + d * np.cos(a + angle), cy + d * np.sin(a + angle)) for a, d in points]


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth two-colour gradient plus a little noise: no two backgrounds alike."""
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    t = np.linspace(0.0, 1.0, size)
    theta = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(theta) * t[None, :] + np.sin(theta) * t[:, None]) / 2 + 0.5
    bg = a * (1 - ramp[..., None]) + b * ramp[..., None] + rng.normal(0, 8, (size, size, 3))
    return np.clip(bg, 0, 255).astype(np.uint8)


def make_shapes(samples_per_class: int = 60, image_size: int = 64, classes: int = 3, seed: int = 0) -> ImageDataset:
    """Coloured shapes (circle, square, triangle, star, cross) of varied size, place and colour.

    Args:
        samples_per_class: images per class (2 to MAX_IMAGES_PER_CLASS).
        image_size: square side in pixels (16 to 512).
        classes: how many of SHAPE_CLASSES to use (2 to 5).
        seed: the same seed draws the same images.

    Raises:
        DatasetError: for a count or size out of range.
    """
    _check_count(samples_per_class, "samples_per_class", 2, MAX_IMAGES_PER_CLASS)
    _check_count(image_size, "image_size", 16, 512)
    _check_count(classes, "classes", 2, len(SHAPE_CLASSES))
    rng = np.random.default_rng(seed)
    names = SHAPE_CLASSES[:classes]
    # Drawn at 4x and reduced: smooth edges at any size.
    big = image_size * 4
    images = np.empty((classes * samples_per_class, image_size, image_size, 3), np.uint8)
    labels = np.repeat(np.arange(classes), samples_per_class)
    for i, label in enumerate(labels):
        canvas = Image.fromarray(_background(rng, big))
        draw = ImageDraw.Draw(canvas)
        r = rng.uniform(0.18, 0.38) * big
        cx, cy = rng.uniform(r, big - r, 2)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if names[label] == "circle":
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
        else:
            draw.polygon(_polygon(names[label], cx, cy, r, rng.uniform(0, 2 * np.pi)), fill=colour)
        images[i] = np.asarray(canvas.resize((image_size, image_size), Image.Resampling.BOX))
    return ImageDataset("shapes", images, labels.astype(np.int64), names)


def load_digits(image_size: int = 32, samples_per_class: int | None = None, seed: int = 0) -> ImageDataset:
    """scikit-learn's bundled 8x8 handwritten digits (1,797 images), grey to RGB, scaled up.

    Args:
        image_size: square side in pixels (8 to 512).
        samples_per_class: at most this many per digit (a seeded choice); all when None.
        seed: which images a cap keeps.

    Raises:
        DatasetError: for a size or count out of range, or scikit-learn missing.
    """
    _check_count(image_size, "image_size", 8, 512)
    if samples_per_class is not None:
        _check_count(samples_per_class, "samples_per_class", 2, MAX_IMAGES_PER_CLASS)
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:  # pragma: no cover - a pinned requirement
        raise DatasetError("The digits need scikit-learn (pip install scikit-learn). Received: import failed") from None
    digits = sk_load_digits()
    images, labels = digits.images, digits.target
    if samples_per_class is not None:
        rng = np.random.default_rng(seed)
        keep = np.sort(np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:samples_per_class]
                                       for c in range(10)]))
        images, labels = images[keep], labels[keep]
    grey = (255 - images * (255 / 16)).astype(np.uint8)  # dark ink on white paper, like a scan
    out = np.empty((len(grey), image_size, image_size, 3), np.uint8)
    for i, g in enumerate(grey):
        big = np.asarray(Image.fromarray(g).resize((image_size, image_size), Image.Resampling.BILINEAR))
        out[i] = big[..., None]
    return ImageDataset("digits", out, labels.astype(np.int64), tuple(str(d) for d in range(10)))


# --- the user's own -------------------------------------------------------------------------


def _class_of(parts: tuple[str, ...], root: str | None) -> str | None:
    """The class folder of an entry's path parts, after an optional single wrapping folder."""
    if root is not None:
        parts = parts[1:]
    return parts[0] if len(parts) >= 2 else None


Reader = Callable[[int | None], bytes]
"""Reads one file: its first n bytes, or (None) all of it, never more than it declares."""


def _assemble(name: str, entries: list[tuple[str, tuple[str, ...], Reader]], image_size: int,
              skipped: list[str], detect_root: bool = True) -> ImageDataset:
    """Decode (path, parts, reader) entries laid out as [root/]class/.../file into a data set.

    Two passes: the headers first (the sizes, against MAX_DATASET_PIXELS, before anything is
    decoded), then one image at a time, read, shrunk while decoding and cropped; no file's bytes
    are kept once it is decoded.
    """
    tops = {parts[0] for _, parts, _ in entries}
    # A ZIP made by zipping the folder itself has one top folder holding the class folders.
    wrapped = detect_root and len(tops) == 1 and all(len(p) >= 3 for _, p, _ in entries)
    root = next(iter(tops)) if wrapped else None
    planned: list[tuple[str, str, Reader]] = []
    per_class: dict[str, int] = {}
    total = 0
    for path, parts, read in entries:
        shown = plain(path, 120)  # a name from the user: shortened, bidi and control characters made visible
        cls = _class_of(parts, root)
        if cls is None:
            skipped.append(f"{shown}: " + _("not inside a class folder"))
            continue
        try:
            header = image_header(read(_HEADER_BYTES)) or image_header(read(None))
        except _READ_ERRORS as exc:
            skipped.append(f"{shown}: unreadable in the ZIP ({type(exc).__name__})")
            continue
        if per_class.get(cls, 0) >= MAX_IMAGES_PER_CLASS:
            skipped.append(f"{shown}: " + _("over {n} images in class {name}").format(n=MAX_IMAGES_PER_CLASS, name=repr(plain(cls))))
            continue
        if header is not None and header[1] * header[2] <= MAX_IMAGE_PIXELS:
            total += decoded_pixels(header[0], header[1], header[2], image_size)
        per_class[cls] = per_class.get(cls, 0) + 1  # a file that is no image is refused (and skipped) below
        planned.append((path, cls, read))
    if total > MAX_DATASET_PIXELS:
        raise DatasetError(
            _("A data set may decode to at most {n} megapixels in all (JPEG photos count at the reduced size they "
              "are read at, up to 8 times smaller on each side); use fewer or smaller images.").format(
                n=f"{MAX_DATASET_PIXELS / 1e6:,.0f}")
            + f" Received: {total / 1e6:,.1f} megapixels in {len(planned):,} files"
        )
    by_class: dict[str, list[np.ndarray]] = {}
    for path, cls, read in planned:
        shown = plain(path, 120)
        try:
            pixels = load_image(read(None), name=shown, min_side=image_size).pixels
        except _READ_ERRORS as exc:
            skipped.append(f"{shown}: unreadable in the ZIP ({type(exc).__name__})")
            continue
        except ImageInputError as exc:
            skipped.append(f"{shown}: {str(exc).split('. Received')[0]}")
            continue
        by_class.setdefault(cls, []).append(square_crop(pixels, image_size))
    classes = tuple(sorted(by_class))
    images = [img for c in classes for img in by_class[c]]
    labels = np.array([i for i, c in enumerate(classes) for _ in by_class[c]], np.int64)
    stack = np.stack(images) if images else np.zeros((0, image_size, image_size, 3), np.uint8)
    return _validate(name, stack, labels, classes, tuple(skipped))


def read_zip(data: bytes, image_size: int = 64, name: str = "upload", subfolder: str | None = None) -> ImageDataset:
    """Read a ZIP of class sub-folders from memory (nothing is extracted to disk).

    Args:
        data: the ZIP's bytes.
        image_size: square side every image is cropped and resized to.
        name: the data set's name.
        subfolder: read only the class folders inside the first folder of this name
            (the photo set keeps them in train/ and validation/).

    Returns:
        The data set; unreadable and non-image files are listed in ``skipped``.

    Raises:
        DatasetError: not a ZIP; more than MAX_ZIP_FILES entries; more than MAX_ZIP_BYTES
            uncompressed; an entry compressed more than MAX_COMPRESSION_RATIO times (a bomb);
            an absolute path, .. or a link; fewer than 2 classes or a class with fewer than 2 images.
    """
    _check_count(image_size, "image_size", 8, 1024)
    archive, infos = open_zip(data, ZipLimits(MAX_ZIP_FILES, MAX_ZIP_BYTES, MAX_COMPRESSION_RATIO), DatasetError)
    with archive:
        entries: list[tuple[str, tuple[str, ...], Reader]] = []
        skipped: list[str] = []
        for info in infos:
            parts = safe_parts(info.filename, DatasetError)
            if any(p in _IGNORED_PARTS or p.startswith(".") for p in parts):
                continue
            if subfolder is not None:
                if subfolder not in parts[:-1]:
                    continue
                parts = parts[parts.index(subfolder) + 1 :]
            entries.append((info.filename, parts, _zip_reader(archive, info)))
        return _assemble(name, entries, image_size, skipped)  # inside: the readers read the open archive


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Reader:
    def read(limit: int | None) -> bytes:
        with archive.open(info) as handle:
            if limit is not None:
                return handle.read(min(limit, info.file_size))
            # Never trust the declared size: read at most one byte more than it.
            blob = handle.read(info.file_size + 1)
        if len(blob) > info.file_size:
            raise DatasetError(_("A ZIP entry is larger than it declares.") + f" Received: {plain(info.filename)!r}")
        return blob
    return read


def _file_reader(path: Path) -> Reader:
    def read(limit: int | None) -> bytes:
        with path.open("rb") as handle:
            return handle.read(limit) if limit is not None else handle.read()
    return read


def read_folder(path: str | os.PathLike[str], image_size: int = 64) -> ImageDataset:
    """Read a folder of class sub-folders with the same rules as read_zip (links are not followed).

    Raises:
        DatasetError: no such folder, too many or too large files, too few classes or images.
    """
    _check_count(image_size, "image_size", 8, 1024)
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"No folder at this path. Received: path={str(root)!r}")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    if len(files) > MAX_ZIP_FILES:
        raise DatasetError(f"A folder may hold at most {MAX_ZIP_FILES:,} files. Received: {len(files):,} files")
    total = sum(p.stat().st_size for p in files)
    if total > MAX_ZIP_BYTES:
        raise DatasetError(f"A folder may hold at most {MAX_ZIP_BYTES // 2**20} MB. Received: {total / 2**20:,.1f} MB ({total:,} bytes)")
    entries = []
    for p in files:
        parts = p.relative_to(root).parts
        if any(part.startswith(".") or part in _IGNORED_PARTS for part in parts):
            continue
        entries.append((str(p.relative_to(root)), parts, _file_reader(p)))
    return _assemble(root.name or "folder", entries, image_size, [], detect_root=False)


def load_dataset(source: str, image_size: int = 64, samples_per_class: int = 60, seed: int = 0) -> ImageDataset:
    """A built-in data set by name ('shapes', 'digits') or a folder path (the CLI's --dataset).

    Raises:
        DatasetError: for a bad folder or count.
    """
    if source == "shapes":
        return make_shapes(samples_per_class, image_size, seed=seed)
    if source == "digits":
        return load_digits(image_size, samples_per_class, seed)
    return read_folder(source, image_size)


def split_dataset(dataset: ImageDataset, val_fraction: float = 0.2, seed: int = 0) -> DataSplit:
    """A stratified split: the same seed gives the same split; each class keeps >= 1 on each side.

    Raises:
        DatasetError: if val_fraction is not in (0, 1).
    """
    if not 0.0 < val_fraction < 1.0:
        raise DatasetError(f"The validation fraction must be between 0 and 1. Received: val_fraction={val_fraction}")
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(len(dataset.class_names)):
        idx = rng.permutation(np.flatnonzero(dataset.labels == c))
        n_val = min(max(1, round(len(idx) * val_fraction)), len(idx) - 1)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    tr, va = np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
    return DataSplit(dataset.images[tr], dataset.labels[tr], dataset.images[va], dataset.labels[va],
                     dataset.class_names)


def sample_grid(dataset: ImageDataset, per_class: int = 4) -> list[tuple[str, list[np.ndarray]]]:
    """The first per_class images of every class, for a grid of samples."""
    return [(name, [dataset.images[i] for i in np.flatnonzero(dataset.labels == c)[:per_class]])
            for c, name in enumerate(dataset.class_names)]


# --- optional, with a network -----------------------------------------------------------------


def fetch_photo_set(cache_dir: str | os.PathLike[str] | None = None, timeout_s: float = 5.0,
                    url: str = PHOTO_SET_URL) -> Path:
    """Download the TensorFlow tutorials' cats-vs-dogs subset (about 65 MB) once, on request.

    Returns:
        The path of the cached ZIP (read it with read_zip(data, subfolder="train")).

    Raises:
        DatasetUnavailableError: at once when the host cannot be reached (offline).
    """
    from explorer.io.weights import keras_cache_dir

    folder = Path(cache_dir) if cache_dir else keras_cache_dir() / "datasets"
    target = folder / url.rsplit("/", 1)[-1]
    if target.is_file():
        return target
    host = url.split("/")[2]
    try:
        socket.create_connection((host, 443), timeout=timeout_s).close()
    except OSError as exc:
        raise DatasetUnavailableError(
            _("The photo set needs a network and this machine is offline; use the built-in data.") + f" Received: {exc}"
        ) from None
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, open(partial, "wb") as out:
            out.write(response.read(MAX_ZIP_BYTES))
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise DatasetUnavailableError(_("The photo set could not be downloaded.") + f" Received: {exc}") from None
    return target

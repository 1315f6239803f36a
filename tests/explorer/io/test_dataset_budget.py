"""A data set costs memory in proportion to its training size: a pixel budget on the headers, shrinking while decoding."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from explorer.io import datasets
from explorer.io.datasets import MAX_DATASET_PIXELS, DatasetError, read_zip
from explorer.io.images import decoded_pixels, image_header, load_image


def _png(width: int, height: int, colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_large_pngs_within_the_upload_cap_is_refused_before_decoding(monkeypatch):
    big = _png(8000, 5000)  # 40 megapixels, a few hundred kB
    files = {f"{c}/{i}.png": big for c in ("a", "b") for i in range(6)}  # 12 x 40 MP = 480 MP
    data = _zip(files)
    assert len(data) < 50 * 2**20

    def never(*args, **kwargs):
        raise AssertionError("decoded although the headers were over the budget")

    monkeypatch.setattr(datasets, "load_image", never)
    with pytest.raises(DatasetError) as info:
        read_zip(data, 32)
    message = str(info.value)
    assert f"{MAX_DATASET_PIXELS / 1e6:,.0f} megapixels" in message
    assert "Received: 480.0 megapixels in 12 files" in message


def test_images_within_the_budget_are_shrunk_while_decoding():
    png = load_image(_png(3000, 2000), min_side=64)
    assert min(png.pixels.shape[:2]) >= 64 and max(png.pixels.shape[:2]) <= 200
    assert png.original_size == (3000, 2000)
    jpeg = load_image(_jpeg(2000, 1600), min_side=64)
    assert 64 <= min(jpeg.pixels.shape[:2]) and max(jpeg.pixels.shape[:2]) < 128  # 1/8 (its DCT scale), then reduced
    assert jpeg.original_size == (2000, 1600)


def test_jpegs_count_at_the_scale_they_are_decoded_at():
    assert decoded_pixels("JPEG", 4000, 3000, 224) == 500 * 375  # 1/8
    assert decoded_pixels("JPEG", 4000, 3000, 1024) == 2000 * 1500  # 1/2
    assert decoded_pixels("PNG", 4000, 3000, 224) == 4000 * 3000  # decoded whole, then reduced
    assert image_header(_png(30, 20)) == ("PNG", 30, 20)
    assert image_header(b"not an image") is None


def test_a_budgeted_zip_reads_to_the_training_size(monkeypatch):
    monkeypatch.setattr(datasets, "MAX_DATASET_PIXELS", 10_000_000)
    files = {f"{c}/{i}.png": _png(1500, 1000, (i * 40, 100, 200)) for c in ("cats", "dogs") for i in range(3)}
    files["cats/big.jpg"] = _jpeg(2400, 1800)
    dataset = read_zip(_zip(files), 48)
    assert dataset.images.shape == (7, 48, 48, 3) and dataset.class_names == ("cats", "dogs")
    files["dogs/too_many.png"] = _png(2000, 2000)  # 6 x 1.5 + 0.3 + 4 MP > 10 MP
    with pytest.raises(DatasetError, match="at most 10 megapixels"):
        read_zip(_zip(files), 48)


def test_names_in_skipped_entries_are_shortened_and_made_visible():
    long = "n" * 10_000
    files = {f"a/{i}.png": _png(20, 20) for i in range(2)} | {f"b/{i}.png": _png(20, 20) for i in range(2)}
    files[f"a/{long}\u202e.txt"] = b"text"
    dataset = read_zip(_zip(files), 16)
    (skip,) = dataset.skipped
    assert len(skip) < 400 and "…" in skip and "\u202e" not in skip

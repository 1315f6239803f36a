"""Data sets: built-in ones are deterministic; every bad ZIP is refused with a clear message."""

from __future__ import annotations

import io
import socket
import zipfile

import numpy as np
import pytest
from PIL import Image

from explorer.io import datasets
from explorer.io.datasets import (
    DatasetError,
    DatasetUnavailableError,
    fetch_photo_set,
    load_dataset,
    load_digits,
    make_shapes,
    read_folder,
    read_zip,
    sample_grid,
    split_dataset,
)


def _png(colour: tuple[int, int, int] = (200, 30, 30), size: int = 12) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buf, format="PNG")
    return buf.getvalue()


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buf.getvalue()


GOOD = {"cats/a.png": _png((250, 0, 0)), "cats/b.png": _png((240, 10, 0)),
        "dogs/a.png": _png((0, 0, 250)), "dogs/b.png": _png((0, 10, 240)), "dogs/c.png": _png((0, 20, 230))}


def test_shapes_are_deterministic_by_seed() -> None:
    a, b = make_shapes(5, 32, seed=3), make_shapes(5, 32, seed=3)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.images, make_shapes(5, 32, seed=4).images)
    assert a.images.shape == (15, 32, 32, 3) and a.images.dtype == np.uint8
    assert a.class_names == ("circle", "square", "triangle")
    assert a.class_counts == {"circle": 5, "square": 5, "triangle": 5}


def test_shapes_count_and_classes_adjustable() -> None:
    ds = make_shapes(3, 24, classes=5)
    assert len(ds.class_names) == 5 and ds.images.shape == (15, 24, 24, 3)
    with pytest.raises(DatasetError, match="Received: samples_per_class=1"):
        make_shapes(1)


def test_digits_are_grey_rgb_at_the_requested_size() -> None:
    ds = load_digits(32, samples_per_class=4)
    assert ds.images.shape == (40, 32, 32, 3)
    assert np.array_equal(ds.images[..., 0], ds.images[..., 2])
    assert ds.class_names == tuple("0123456789")
    assert np.array_equal(ds.images, load_digits(32, samples_per_class=4).images)


def test_split_is_deterministic_stratified_and_disjoint() -> None:
    ds = make_shapes(10, 16)
    s1, s2 = split_dataset(ds, 0.2, seed=1), split_dataset(ds, 0.2, seed=1)
    assert np.array_equal(s1.val_images, s2.val_images)
    assert np.bincount(s1.val_labels).tolist() == [2, 2, 2]
    assert len(s1.train_labels) + len(s1.val_labels) == 30
    smaller = s1.per_class(3)
    assert np.bincount(smaller.train_labels).tolist() == [3, 3, 3]
    assert np.array_equal(smaller.val_labels, s1.val_labels)


def test_split_keeps_one_image_each_side_for_tiny_classes() -> None:
    split = split_dataset(read_zip(_zip(GOOD), 16), 0.5)
    assert np.bincount(split.val_labels).tolist() == [1, 2]
    assert set(split.train_labels.tolist()) == {0, 1}


def test_good_zip_reads_classes_in_alphabetical_order() -> None:
    ds = read_zip(_zip(GOOD), 16)
    assert ds.class_names == ("cats", "dogs") and ds.class_counts == {"cats": 2, "dogs": 3}
    assert ds.images.shape == (5, 16, 16, 3)
    assert ds.images[0, 0, 0, 0] > 200  # a cat is red


def test_zip_with_one_wrapping_folder_is_read_through_it() -> None:
    ds = read_zip(_zip({f"photos/{k}": v for k, v in GOOD.items()}), 16)
    assert ds.class_names == ("cats", "dogs")


def test_corrupt_and_non_image_entries_are_skipped_and_listed() -> None:
    entries = {**GOOD, "cats/notes.txt": b"hello", "dogs/broken.png": _png()[:30], "readme.md": b"x",
               "__MACOSX/cats/._a.png": b"junk"}
    ds = read_zip(_zip(entries), 16)
    assert ds.class_counts == {"cats": 2, "dogs": 3}
    listed = "\n".join(ds.skipped)
    assert "cats/notes.txt" in listed and "dogs/broken.png" in listed and "readme.md" in listed
    assert "__MACOSX" not in listed


@pytest.mark.parametrize("bad", ["../evil/a.png", "cats/../../a.png", "/etc/cats/a.png", "C:/cats/a.png"])
def test_paths_that_escape_the_folder_are_refused(bad: str) -> None:
    with pytest.raises(DatasetError, match="relative paths|'\\.\\.'"):
        read_zip(_zip({**GOOD, bad: _png()}), 16)


def test_zip_bomb_by_compression_ratio_is_refused() -> None:
    bomb = _zip({**GOOD, "cats/bomb.png": b"\0" * 5_000_000}, zipfile.ZIP_DEFLATED)
    with pytest.raises(DatasetError, match="zip bomb"):
        read_zip(bomb, 16)


def test_too_many_files_and_too_many_bytes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "MAX_ZIP_FILES", 4)
    with pytest.raises(DatasetError, match="at most 4 files. Received: 5 files"):
        read_zip(_zip(GOOD), 16)
    monkeypatch.setattr(datasets, "MAX_ZIP_FILES", 100)
    monkeypatch.setattr(datasets, "MAX_ZIP_BYTES", 100)
    with pytest.raises(DatasetError, match="unpack to at most"):
        read_zip(_zip(GOOD), 16)


def test_one_class_is_refused() -> None:
    with pytest.raises(DatasetError, match="at least 2 classes"):
        read_zip(_zip({"cats/a.png": _png(), "cats/b.png": _png()}), 16)


def test_class_with_one_image_is_refused_by_name() -> None:
    with pytest.raises(DatasetError, match="at least 2 usable images.*Received: dogs=1"):
        read_zip(_zip({"cats/a.png": _png(), "cats/b.png": _png(), "dogs/a.png": _png(),
                       "dogs/bad.png": b"not an image"}), 16)


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(DatasetError, match="not a readable ZIP"):
        read_zip(b"PK but not really", 16)


def test_folder_reads_like_a_zip(tmp_path) -> None:
    for name, data in GOOD.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "cats" / "x.txt").write_text("no")
    ds = read_folder(tmp_path, 16)
    assert ds.class_counts == {"cats": 2, "dogs": 3} and any("x.txt" in s for s in ds.skipped)
    assert load_dataset(str(tmp_path), 16).class_names == ("cats", "dogs")
    with pytest.raises(DatasetError, match="No folder"):
        read_folder(tmp_path / "missing")


def test_sample_grid_has_every_class() -> None:
    grid = sample_grid(make_shapes(6, 16), per_class=4)
    assert [name for name, _ in grid] == ["circle", "square", "triangle"]
    assert all(len(images) == 4 for _, images in grid)


def test_photo_set_says_offline_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr("urllib.request.urlopen", no_network)
    with pytest.raises(DatasetUnavailableError, match="offline"):
        fetch_photo_set(tmp_path)
    assert not any(tmp_path.iterdir())

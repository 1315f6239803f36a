"""The Fine-tune Lab's data sets, shared by every session, are kept up to a byte budget, not a count."""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict

import pytest
from PIL import Image

import ui.training as runs


@pytest.fixture
def builds(monkeypatch) -> list[tuple]:
    """The data sets actually built (a cache hit builds none), on empty caches."""
    made: list[tuple] = []
    real_shapes, real_zip = runs.make_shapes, runs.read_zip

    def shapes(per_class, image_size, seed):
        made.append(("shapes", per_class, image_size))
        return real_shapes(per_class, image_size, seed=seed)

    def read_zip(data, image_size, **kwargs):
        made.append(("zip", image_size))
        return real_zip(data, image_size, **kwargs)

    monkeypatch.setattr(runs, "make_shapes", shapes)
    monkeypatch.setattr(runs, "read_zip", read_zip)
    monkeypatch.setattr(runs, "_kept", OrderedDict())
    runs._builtin_data.clear()
    runs._zip_data.clear()
    yield made
    runs._builtin_data.clear()
    runs._zip_data.clear()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, colour in (("cats/a.png", (250, 0, 0)), ("cats/b.png", (240, 10, 0)), ("dogs/a.png", (0, 0, 250)),
                             ("dogs/b.png", (0, 10, 240))):
            png = io.BytesIO()
            Image.new("RGB", (12, 12), colour).save(png, format="PNG")
            zf.writestr(name, png.getvalue())
    return buf.getvalue()


def test_the_data_used_longest_ago_goes_first_once_the_budget_is_passed(builds, monkeypatch) -> None:
    one = runs.builtin_data("shapes", 32, 4, 0).images.nbytes  # 12 images of 32x32x3
    monkeypatch.setattr(runs, "DATA_KEPT_BYTES", int(2.5 * one))
    runs.builtin_data("shapes", 32, 5, 0)  # 15 images: the two together fit
    runs.builtin_data("shapes", 32, 4, 0)  # used again: now the newest
    assert builds == [("shapes", 4, 32), ("shapes", 5, 32)]
    runs.builtin_data("shapes", 32, 3, 0)  # passes the budget: the one used longest ago (5 a class) goes
    runs.builtin_data("shapes", 32, 4, 0)
    runs.builtin_data("shapes", 32, 5, 0)
    assert builds == [("shapes", 4, 32), ("shapes", 5, 32), ("shapes", 3, 32), ("shapes", 5, 32)]


def test_the_newest_data_set_stays_even_when_alone_it_passes_the_budget(builds, monkeypatch) -> None:
    monkeypatch.setattr(runs, "DATA_KEPT_BYTES", 1)
    first = runs.builtin_data("shapes", 32, 4, 0)
    assert runs.builtin_data("shapes", 32, 4, 0) is first and builds == [("shapes", 4, 32)]
    runs.builtin_data("shapes", 32, 5, 0)
    runs.builtin_data("shapes", 32, 4, 0)
    assert len(builds) == 3


def test_a_zip_is_forgotten_like_the_rest_and_its_bytes_are_never_held(builds, monkeypatch) -> None:
    data = _zip()
    dataset = runs.zip_data(data, 16)
    assert dataset.class_names == ("cats", "dogs") and runs.zip_data(data, 16) is dataset
    assert not [part for key in runs._kept for part in key[1] if isinstance(part, bytes)]
    monkeypatch.setattr(runs, "DATA_KEPT_BYTES", 1)
    runs.builtin_data("shapes", 32, 4, 0)  # the ZIP's data set goes
    assert runs.zip_data(data, 16) is not dataset and builds == [("zip", 16), ("shapes", 4, 32), ("zip", 16)]

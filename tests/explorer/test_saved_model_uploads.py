"""Crafted .keras uploads: each gets one clear message naming the rule, never a traceback.

The files are built here: models on the app's own naming scheme with a wrong input or output,
and archives that Keras must never open (bombs, many members, paths that escape, links).
"""

from __future__ import annotations

import io
import stat
import zipfile

import keras
import numpy as np
import pytest

from explorer.errors import ExplorerInputError
from explorer.training import classify, load_classifier, model_name
from explorer.training.saved import KERAS_FILE_LIMITS

NAMES = ("circle", "square", "triangle")


def _saved(model: keras.Model, tmp_path) -> bytes:
    path = tmp_path / "m.keras"
    model.save(path)
    return path.read_bytes()


def _classifier(inputs: keras.KerasTensor, outputs: int, names=NAMES) -> keras.Model:
    x = inputs
    if len(inputs.shape) == 4:
        x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(outputs, activation="softmax")(x),
                       name=model_name("simple_cnn", "fine-tune", names))


def test_a_well_formed_upload_still_classifies(tmp_path) -> None:
    classifier = load_classifier(_saved(_classifier(keras.Input((32, 32, 3)), 3), tmp_path))
    ranked = classify(classifier, np.zeros((40, 50, 3), np.uint8))
    assert sorted(name for name, _ in ranked) == sorted(NAMES)
    assert sum(p for _, p in ranked) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("inputs, rule", [
    (keras.Input((10,)), "square RGB image"),  # not an image
    (keras.Input((None, None, 3)), "known size"),  # no height or width
    (keras.Input((32, 32, 1)), "RGB"),  # one channel
    (keras.Input((32, 48, 3)), "square"),
], ids=["vector", "no-size", "grey", "not-square"])
def test_a_model_that_does_not_take_an_image_is_refused(tmp_path, inputs, rule) -> None:
    data = _saved(_classifier(inputs, 3), tmp_path)
    with pytest.raises(ExplorerInputError, match=rule) as caught:
        load_classifier(data)
    assert "Received: inputs" in str(caught.value)


@pytest.mark.parametrize("outputs, names", [(5, NAMES), (3, ("a", "b", "c", "d", "e"))], ids=["more", "fewer"])
def test_outputs_that_do_not_match_the_class_names_are_refused(tmp_path, outputs, names) -> None:
    data = _saved(_classifier(keras.Input((32, 32, 3)), outputs, names), tmp_path)
    with pytest.raises(ExplorerInputError, match="one value per class"):
        load_classifier(data)


def test_a_model_without_class_names_is_refused(tmp_path) -> None:
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(3)], name="someone_elses_model")
    with pytest.raises(ExplorerInputError, match="without class names"):
        load_classifier(_saved(model, tmp_path))


def _zip(members: dict[str, bytes], *, link: str | None = None, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize("archive, rule", [
    (lambda: _zip({"config.json": b" " * (300 * 2**20)}), "unpack to at most"),
    (lambda: _zip({"config.json": b"{}", **{f"assets/{i}": b"\0" * (100 * 2**20) for i in range(3)}}),
     "unpack to at most"),
    (lambda: _zip({"config.json": b"{" + b" " * (20 * 2**20) + b"}"}), "zip bomb"),
    (lambda: _zip({f"m{i}": b"" for i in range(KERAS_FILE_LIMITS.files + 1)}, method=zipfile.ZIP_STORED),
     "at most 64 files"),
    (lambda: _zip({"../config.json": b"{}"}), r"must not contain '\.\.'"),
    (lambda: _zip({"/etc/config.json": b"{}"}), "relative paths"),
    (lambda: _zip({"config.json": b"{}"}, link="assets/link"), "must not be links"),
], ids=["huge-config", "three-huge-assets", "bomb", "many-members", "dotdot", "absolute", "link"])
def test_archives_keras_must_not_open_are_refused_before_it_does(monkeypatch, archive, rule) -> None:
    def never(*args, **kwargs):
        raise AssertionError("keras.saving.load_model was called")

    monkeypatch.setattr(keras.saving, "load_model", never)
    data = archive()
    assert len(data) < 50 * 2**20  # under the upload cap: only the archive check stands in the way
    with pytest.raises(ExplorerInputError, match=rule):
        load_classifier(data)


def test_a_text_file_named_keras_is_refused() -> None:
    with pytest.raises(ExplorerInputError, match="ZIP archive"):
        load_classifier(b"this is not a model\n" * 10)

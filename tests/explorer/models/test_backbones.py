"""The backbone registry: complete metadata, builds, weights offline, preprocessing."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading

import numpy as np
import pytest

from explorer.io import weights as weights_io
from explorer.io.weights import keras_cache_dir
from explorer.models import backbones
from explorer.models.backbones import (
    BUILD_LOCK,
    MAX_INPUT_SIZE,
    NOT_PUBLISHED,
    RANDOM_WEIGHTS_NOTE,
    BackboneSpec,
    build_backbone,
    build_classifier,
    download_weights,
    get_backbone,
    list_backbones,
    preprocessing_for,
    register_backbone,
)
from explorer.models.preprocessing import Preprocessing
from explorer.errors import (
    ExplorerInputError,
    InputSizeError,
    UnknownBackboneError,
    WeightsUnavailableError,
)

SPECS = list_backbones()
IDS = [spec.id for spec in SPECS]
KERAS_CACHE_IDS = [spec.id for spec in SPECS if spec.weights_source == "keras-cache"]
REQUIRED = {
    "vgg16", "vgg19", "mobilenet_v2", "resnet50", "inception_v3", "densenet121",
    "efficientnet_b0", "efficientnet_lite0", "simple_cnn",
}


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A Keras cache with no weights in it.

    Keras reads $KERAS_HOME once, at import, for keras.utils.get_file; explorer reads it
    on every call. Point both at the empty folder so a machine whose real cache holds
    weights behaves like an empty one, and nothing is written to the real cache.
    """
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def no_network(monkeypatch):
    """Every way out to the network fails at once, as on an offline machine."""

    def refuse(*args, **kwargs):
        raise OSError("Network is unreachable (simulated by the test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_registry_has_the_backbones_the_issue_asks_for():
    assert REQUIRED <= set(IDS)
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_entry_has_complete_metadata(spec: BackboneSpec):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.id)
    assert spec.label.strip() and spec.label != spec.id
    assert isinstance(spec.year, int) and 1989 <= spec.year <= 2030
    assert len(spec.description.strip()) > 20
    assert 0 < spec.min_size <= spec.default_size <= MAX_INPUT_SIZE
    assert spec.weights_source in ("keras-cache", "bundled", "none")
    code = spec.keras_code.format(size=spec.default_size, weights=None)
    assert "base = " in code
    compile("import keras\nfrom keras import layers\n" + code, spec.id, "exec")
    assert isinstance(spec.weights_note, str) and spec.weights_note
    assert callable(spec.builder) and callable(spec.preprocess)
    assert isinstance(spec.preprocess, Preprocessing)
    kind, hidden, outputs = spec.suggested_head
    assert kind in ("flatten", "gap") and hidden >= 0 and outputs >= 1


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_entry_states_its_case_study_facts_with_a_source(spec: BackboneSpec):
    facts = spec.facts
    assert facts.name.strip() and facts.year == spec.year and len(facts.idea) > 20
    accuracy = facts.accuracy
    assert accuracy.source.strip() and accuracy.protocol.strip()
    assert accuracy.citation.startswith(accuracy.source)
    for value in (accuracy.top1, accuracy.top5):
        assert value is None or 50 < value < 100
    if accuracy.top1 is not None and accuracy.top5 is not None:
        assert accuracy.top1 < accuracy.top5
    assert accuracy.text.count(" / ") == 1
    if spec.weights.source != "none":  # a pretrained network was published, with a top-1
        assert facts.paper and accuracy.top1 is not None


def test_missing_figures_read_not_published():
    assert get_backbone("efficientnet_lite0").facts.accuracy.text == f"75.1 / {NOT_PUBLISHED}"
    assert get_backbone("vgg16").facts.accuracy.text == "71.3 / 90.1"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_an_entry_with_pretrained_weights_also_builds_its_imagenet_classifier(spec: BackboneSpec):
    assert (spec.weights.source != "none") == (spec.classifier_builder is not None)
    if spec.classifier_builder is not None:
        assert callable(spec.classifier_builder)
        code = spec.classifier_code.format(weights=None)
        compile(f"import keras\nimport explorer.models.efficientnet_lite\nmodel = {code}", spec.id, "exec")


@pytest.mark.parametrize("backbone", KERAS_CACHE_IDS)
def test_keras_cache_entries_name_a_keras_application_and_its_weights_file(backbone):
    import keras

    spec = get_backbone(backbone)
    match = re.search(r"keras\.applications\.(\w+)\(", spec.keras_code)
    assert match, spec.keras_code
    assert hasattr(keras.applications, match.group(1))
    notop, top = spec.weights.notop_file, spec.weights.top_file
    assert notop.endswith(".h5") and "notop" in notop.replace("_", "")
    assert top.endswith(".h5") and "notop" not in top.replace("_", "") and top != notop
    assert f"keras.applications.{match.group(1)}(" in spec.classifier_code


def test_get_backbone_returns_the_registered_entry():
    for spec in SPECS:
        assert get_backbone(spec.id) is spec


def test_register_backbone_rejects_a_taken_id():
    with pytest.raises(ValueError, match="unique"):
        register_backbone(SPECS[0])
    assert list_backbones() == SPECS


@pytest.mark.parametrize("name", ["vgg17", "ResNet50", ""])
def test_unknown_backbone_raises_unknown_backbone_error(name):
    with pytest.raises(UnknownBackboneError, match=r"Received: backbone="):
        build_backbone(name)
    with pytest.raises(UnknownBackboneError):
        preprocessing_for(name)
    with pytest.raises(UnknownBackboneError):
        download_weights(name)


@pytest.mark.parametrize("backbone", IDS)
def test_random_build_at_the_default_size_maps_an_image_to_a_feature_map(backbone):
    spec = get_backbone(backbone)

    model = build_backbone(backbone, weights="random")

    assert tuple(model.input.shape) == (None, spec.default_size, spec.default_size, 3)
    shape = tuple(model.output.shape)
    assert len(shape) == 4 and shape[0] is None and all(d >= 1 for d in shape[1:])
    # A feature extractor without its classifier top: spatial map no bigger than the input.
    assert shape[1] <= spec.default_size and shape[2] <= spec.default_size
    assert not any(type(layer).__name__ == "Dense" for layer in model.layers) or backbone == "simple_cnn"


@pytest.mark.parametrize("backbone", IDS)
def test_the_declared_minimum_input_size_builds(backbone):
    spec = get_backbone(backbone)

    model = build_backbone(backbone, spec.min_size, weights="random")

    assert tuple(model.input.shape[1:]) == (spec.min_size, spec.min_size, 3)
    assert all(d >= 1 for d in model.output.shape[1:])
    with pytest.raises(InputSizeError):
        build_backbone(backbone, spec.min_size - 1, weights="random")


def test_simple_cnn_random_build_ends_in_a_4x4x64_map():
    assert tuple(build_backbone("simple_cnn", weights="random").output.shape) == (None, 4, 4, 64)


@pytest.mark.parametrize("backbone", KERAS_CACHE_IDS)
def test_imagenet_weights_without_a_cache_raise_weights_unavailable(backbone, empty_keras_home):
    spec = get_backbone(backbone)
    assert keras_cache_dir() == empty_keras_home
    assert spec.pretrained_available is False

    with pytest.raises(WeightsUnavailableError, match="no ImageNet weights on this machine") as info:
        build_backbone(backbone, weights="imagenet")
    assert isinstance(info.value, ExplorerInputError)


@pytest.mark.parametrize("backbone", KERAS_CACHE_IDS)
def test_weights_note_says_plainly_when_weights_are_missing(backbone, empty_keras_home):
    note = get_backbone(backbone).weights_note
    assert note == RANDOM_WEIGHTS_NOTE
    assert "ImageNet weights not on this machine" in note
    assert "counts are exact" in note


@pytest.mark.parametrize("backbone", KERAS_CACHE_IDS)
def test_a_cached_weights_file_makes_pretrained_available(backbone, empty_keras_home):
    spec = get_backbone(backbone)
    models = empty_keras_home / "models"
    models.mkdir()
    (models / spec.weights.notop_file).write_bytes(b"not really weights")

    assert spec.pretrained_available is True
    assert "Keras cache" in spec.weights_note
    assert "not on this machine" not in spec.weights_note


def test_auto_weights_build_randomly_when_the_cache_is_empty(empty_keras_home):
    model = build_backbone("vgg16", 32, weights="auto")
    assert tuple(model.output.shape) == (None, 1, 1, 512)


def test_simple_cnn_has_no_pretrained_weights(empty_keras_home):
    spec = get_backbone("simple_cnn")
    assert spec.pretrained_available is False
    assert "Built from scratch" in spec.weights_note


def test_efficientnet_lite0_weights_are_bundled_and_available_offline(empty_keras_home):
    spec = get_backbone("efficientnet_lite0")
    assert spec.weights_source == "bundled"
    assert spec.pretrained_available is True
    assert "bundled" in spec.weights_note


@pytest.mark.timeout(120)
def test_download_fails_fast_with_a_clear_message_when_offline(empty_keras_home, no_network):
    previous_timeout = socket.getdefaulttimeout()

    with pytest.raises(WeightsUnavailableError) as info:
        download_weights("mobilenet_v2", timeout_s=5)

    message = str(info.value)
    assert "Could not download the ImageNet weights for MobileNetV2" in message
    assert "offline" in message
    # It failed on the (simulated) network, not on something else.
    assert "simulated by the test" in str(info.value.__cause__)
    assert "\n" not in message
    assert socket.getdefaulttimeout() == previous_timeout
    assert not weights_io._download_lock.locked()
    assert get_backbone("mobilenet_v2").pretrained_available is False


@pytest.mark.parametrize("backbone", ["simple_cnn", "efficientnet_lite0"])
def test_download_is_refused_for_entries_without_keras_weights(backbone, no_network):
    with pytest.raises(WeightsUnavailableError, match="Only keras.applications backbones"):
        download_weights(backbone)


@pytest.mark.parametrize("backbone", IDS)
def test_preprocessing_for_returns_a_shape_preserving_callable(backbone):
    preprocess = preprocessing_for(backbone)
    assert callable(preprocess)
    image = np.random.default_rng(0).uniform(0, 255, size=(2, 8, 8, 3)).astype("float32")

    out = np.asarray(preprocess(image.copy()))

    assert out.shape == image.shape
    assert np.isfinite(out).all()


def test_simple_cnn_preprocessing_scales_pixels_to_unit_range():
    out = preprocessing_for("simple_cnn")(np.array([0.0, 127.5, 255.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("backbone", KERAS_CACHE_IDS)
def test_imagenet_classifier_without_its_top_file_raises_weights_unavailable(backbone, empty_keras_home):
    spec = get_backbone(backbone)
    assert spec.classifier_available is False

    with pytest.raises(WeightsUnavailableError, match="no ImageNet classifier weights on this machine"):
        build_classifier(backbone, weights="imagenet")


def test_a_network_without_an_imagenet_top_has_no_classifier_to_build():
    with pytest.raises(ExplorerInputError, match="Received: backbone='simple_cnn'"):
        build_classifier("simple_cnn", weights="random")


def test_efficientnet_lite0_classifier_is_bundled_with_its_top(empty_keras_home):
    spec = get_backbone("efficientnet_lite0")
    assert spec.classifier_available

    model = build_classifier("efficientnet_lite0", weights="random")

    assert tuple(model.output.shape) == (None, 1000)
    assert tuple(model.input.shape) == (None, spec.default_size, spec.default_size, 3)


def _other_thread_can_take(lock) -> bool:
    taken: list[bool] = []

    def attempt() -> None:
        taken.append(lock.acquire(blocking=False))
        if taken[0]:
            lock.release()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return taken[0]


def test_builds_take_the_build_lock_themselves_and_may_nest(monkeypatch):
    held: list[bool] = []

    def probe(shape, pretrained):
        held.append(not _other_thread_can_take(BUILD_LOCK))
        return (shape, pretrained)

    spec = dataclasses.replace(get_backbone("vgg16"), id="probe", builder=probe, classifier_builder=probe)
    monkeypatch.setitem(backbones._REGISTRY, "probe", spec)

    assert build_backbone("probe", 40, weights="random") == ((40, 40, 3), False)
    assert build_classifier("probe", weights="random") == ((224, 224, 3), False)
    with BUILD_LOCK:  # re-entrant: a caller that holds it can still build
        build_backbone("probe", weights="random")
    assert held == [True, True, True]
    assert _other_thread_can_take(BUILD_LOCK)

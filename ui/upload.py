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
from explorer.io.text import escape_markdown, plain, scrub_paths
from ui.i18n import _

__all__ = [
    "PHOTO_HELP", "PHOTO_TYPES", "checked_bytes", "digest_of", "error_text", "file_uploader", "photo_help",
    "photo_uploader", "read_photo", "sample_photo", "show_error",
]

PHOTO_TYPES: tuple[str, ...] = tuple(dict.fromkeys([f.lower() for f in ALLOWED_FORMATS] + ["jpg"]))
"""File extensions offered for a photo; the decoder trusts the bytes, never the name."""
PHOTO_HELP = f"PNG, JPEG, WebP, BMP or GIF, up to {MAX_UPLOAD_MB} MB."
"""In English; a page shows photo_help() (the session's language)."""


def photo_help() -> str:
    """The photo uploader's help in the session's language."""
    return _("PNG, JPEG, WebP, BMP or GIF, up to {mb} MB.").format(mb=MAX_UPLOAD_MB)


def photo_uploader(label: str, key: str, *, help: str | None = None, where: Any = None) -> Any:
    """A photo uploader (st.file_uploader with the photo types and the size limit).

    Args:
        where: the container to draw it in (st or st.sidebar, a column...); st by default.

    Returns:
        The uploaded file, or None.
    """
    return file_uploader(label, key, PHOTO_TYPES, help=help or photo_help(), where=where)


def file_uploader(label: str, key: str, types: tuple[str, ...] | list[str], *, help: str | None = None,
                  where: Any = None) -> Any:
    """An uploader for one file of the given types, with the app's size limit."""
    return (where or st).file_uploader(label, type=list(types), key=key, max_upload_size=MAX_UPLOAD_MB,
                                       help=help or _("Up to {mb} MB.").format(mb=MAX_UPLOAD_MB))


def checked_bytes(uploaded: Any) -> bytes:
    """An uploaded file's bytes, refused before any hashing or decoding when empty or too large.

    Raises:
        ExplorerInputError: the file is empty or over MAX_UPLOAD_MB.
    """
    data = uploaded.getvalue()
    name = plain(getattr(uploaded, "name", "upload"))
    if not data:
        raise ExplorerInputError(_("The file is empty.") + f" Received: name={name!r}, 0 bytes")
    if len(data) > MAX_IMAGE_BYTES:
        raise ExplorerInputError(_("Files must be at most {mb} MB.").format(mb=MAX_UPLOAD_MB)
                                 + f" Received: name={name!r}, {len(data) / 2**20:.1f} MB ({len(data):,} bytes)")
    return data


def error_text(error: BaseException | str) -> str:
    """A message for st.error: no server path in it, and the names it quotes shown as typed (never as Markdown)."""
    return escape_markdown(scrub_paths(str(error)))


def show_error(error: BaseException | str, where: Any = None, **kwargs: Any) -> None:
    """st.error with error_text: what every page shows for an ExplorerInputError."""
    (where or st).error(error_text(error), **kwargs)


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
    return _decoded(digest_of(data), plain(getattr(uploaded, "name", "upload")), data)


@st.cache_resource(max_entries=4, show_spinner=False)
def sample_photo(name: str) -> LoadedImage:
    """A bundled sample photo ("cat", "coffee"), decoded once for every session (read-only)."""
    return load_sample(name)

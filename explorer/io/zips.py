"""ZIP archives from users (data sets, .keras models), checked before anything reads a member.

One check for every archive the app opens: at most so many members, so many bytes unpacked
(in total and per member), no member compressed beyond a ratio (a bomb), and no member that
could reach outside its folder (an absolute path, a drive letter, ``..``, a symbolic link).
Only the central directory is read; nothing is extracted.
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from explorer.errors import ExplorerInputError
from explorer.i18n import _
from explorer.io.text import plain

__all__ = ["KERAS_FILE_LIMITS", "ZipLimits", "check_keras_file", "open_zip", "safe_parts"]


@dataclass(frozen=True)
class ZipLimits:
    """What an archive may hold."""

    files: int
    """Most members (folders not counted)."""
    total_bytes: int
    """Most bytes all members may unpack to."""
    ratio: int = 200
    """Largest uncompressed/compressed ratio of one member over 1 KiB."""
    member_bytes: int | None = None
    """Most bytes one member may unpack to (None: only the total counts)."""


def safe_parts(path: str, error: type[ExplorerInputError] = ExplorerInputError) -> tuple[str, ...]:
    """Split an archive path, refusing absolute paths and .. (a ZIP must not escape its folder)."""
    posix = path.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise error(_("ZIP entries must have relative paths.") + f" Received: {plain(path)!r}")
    parts = PurePosixPath(posix).parts
    if ".." in parts:
        raise error(_("ZIP entries must not contain '..'.") + f" Received: {plain(path)!r}")
    return tuple(p for p in parts if p not in ("", "."))


def open_zip(data: bytes, limits: ZipLimits, error: type[ExplorerInputError] = ExplorerInputError,
             ) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open an archive held in memory and check its members against the limits.

    Returns:
        The open archive (the caller closes it) and its members, folders left out.

    Raises:
        error: not a ZIP, or a member or the whole beyond a limit; the message names the rule
            and what was received.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise error(_("The upload is not a readable ZIP file.") + f" Received: {len(data):,} bytes") from None
    try:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > limits.files:
            raise error(_("A ZIP may hold at most {n} files.").format(n=f"{limits.files:,}")
                        + f" Received: {len(infos):,} files")
        total = sum(i.file_size for i in infos)
        if total > limits.total_bytes:
            raise error(_("A ZIP may unpack to at most {mb} MB.").format(mb=limits.total_bytes // 2**20)
                        + f" Received: {total / 2**20:,.1f} MB ({total:,} bytes)")
        for info in infos:
            safe_parts(info.filename, error)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise error(_("ZIP entries must not be links.") + f" Received: {plain(info.filename)!r}")
            if limits.member_bytes is not None and info.file_size > limits.member_bytes:
                raise error(_("A file inside the ZIP may unpack to at most {mb} MB.").format(
                    mb=limits.member_bytes // 2**20)
                    + f" Received: {plain(info.filename)!r}, {info.file_size:,} bytes")
            if info.file_size > 1024 and info.file_size > limits.ratio * max(info.compress_size, 1):
                raise error(
                    _("ZIP entries may be compressed at most {ratio}:1 (this looks like a zip bomb).").format(
                        ratio=limits.ratio)
                    + f" Received: {plain(info.filename)!r} {info.compress_size:,} -> {info.file_size:,} bytes"
                )
    except BaseException:
        archive.close()
        raise
    return archive, infos


KERAS_FILE_LIMITS = ZipLimits(files=64, total_bytes=256 * 2**20, ratio=200)
"""What a .keras upload may hold: a model saved here is 3-4 members (config.json, metadata.json,
model.weights.h5) that unpack to about their size (weights barely compress)."""


def check_keras_file(data: bytes) -> None:
    """Check a .keras upload as a ZIP archive (KERAS_FILE_LIMITS) before Keras reads a byte of it.

    Raises:
        ExplorerInputError: not a ZIP archive, or one that breaks a limit (with the rule).
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ExplorerInputError(
            f"A .keras model is a ZIP archive (its configuration and weights); this file is not one. "
            f"Received: {len(data):,} bytes"
        )
    open_zip(data, KERAS_FILE_LIMITS)[0].close()

"""Translations (English and Korean): the session's language, ``_()``, ``ngettext`` and numbers.

The catalogs are gettext .po files in explorer/locales/<lang>/LC_MESSAGES/messages.po, kept in
the repository and managed with Babel (``python -m explorer.i18n extract|update|compile|check``,
or ``make i18n``: explorer/i18n/__main__.py). At run time only the standard library is needed: the first use of a language
compiles its .po into the .mo beside it when the .mo is missing or older (a pure-Python msgfmt;
in a read-only installation the catalog is compiled in memory instead), so no generated file is
committed.

The current language lives in a ContextVar. Streamlit runs each script run in its own thread,
and a new thread starts with a fresh context, so a value set at the top of a run (the router
does it, ui.i18n) belongs to that session's run alone. A thread where nobody set it (a fragment
re-running on its own) asks the resolver that the UI registers (`set_language_resolver`), and
falls back to English. The command line never sets a language: it stays English.

Strings defined at import time (page titles, preset labels, legend names kept in a table) are
marked with ``N_()`` so that extraction finds them, and translated where they are shown with
``_(value)``. Placeholders are named (``_("{n} layers").format(n=...)``) so a translation may
move them; numbers are formatted with `format_number`, which keeps thousands separators
(40,406,849) in both languages.
"""

from __future__ import annotations

import ast
import csv
import gettext as _gettext
import os
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALES_DIR",
    "GlossaryTerm",
    "N_",
    "_",
    "catalog_path",
    "compile_catalog",
    "current_language",
    "format_number",
    "format_percent",
    "gettext",
    "glossary",
    "match_language",
    "ngettext",
    "pgettext",
    "preferred_language",
    "read_po",
    "set_language",
    "set_language_resolver",
    "translations",
    "untranslate",
    "use_language",
]

LANGUAGES: tuple[str, ...] = ("en", "ko")
"""The languages with a catalog; English is the source language (its msgstrs stay empty)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
"""Each language in its own words (the selector shows these, never translated)."""
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
GLOSSARY_PATH = LOCALES_DIR / "glossary.csv"

_language: ContextVar[str | None] = ContextVar("explorer_language", default=None)
_resolver: Callable[[], str | None] | None = None
_lock = threading.Lock()
_loaded: dict[str, _gettext.NullTranslations] = {}


# --------------------------------------------------------------------------- the language


def match_language(tag: str | None) -> str | None:
    """The supported language a tag asks for ("ko-KR" -> "ko", "en_US" -> "en"), else None."""
    if not tag:
        return None
    primary = str(tag).strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def preferred_language(accept_language: str | None) -> str | None:
    """The supported language an Accept-Language header ranks first ("ko-KR,ko;q=0.9,en;q=0.8" -> "ko")."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        found = match_language(tag)
        if found:
            return found
    return None


def set_language(language: str) -> Token:
    """Make ``language`` current in this context (this thread's script run); returns the reset token.

    Raises:
        ValueError: a language without a catalog.
    """
    if language not in LANGUAGES:
        raise ValueError(f"The language must be one of {', '.join(LANGUAGES)}. Received: language={language!r}")
    return _language.set(language)


def set_language_resolver(resolver: Callable[[], str | None] | None) -> None:
    """Register where the language comes from when this context never set one (None: English)."""
    global _resolver
    _resolver = resolver


def current_language() -> str:
    """The language of this context: set_language's, else the resolver's, else English."""
    language = _language.get()
    if language is None and _resolver is not None:
        try:
            language = _resolver()
        except Exception:  # a resolver outside a Streamlit run, for example; never fail a string
            language = None
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Run a block in one language (tests, a figure for a given language)."""
    token = set_language(language)
    try:
        yield
    finally:
        _language.reset(token)


# --------------------------------------------------------------------------- translating


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translate it where it is shown)."""
    return message


def gettext(message: str) -> str:
    """The message in the current language (the message itself when it has no translation)."""
    if not message:
        return message  # gettext("") would be the catalog's header
    return translations(current_language()).gettext(message)


_ = gettext


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n`` in the current language (format n in yourself)."""
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in a context (one English word, two Korean ones), in the current language."""
    return translations(current_language()).pgettext(context, message)


def untranslate(text: str, messages: tuple[str, ...] | list[str]) -> str:
    """The message among ``messages`` that reads ``text`` in some language, else ``text`` itself.

    For widgets whose value is the label shown (tabs): a label kept from a run in another
    language, or from a link, is traced back to its English message.
    """
    if text in messages:
        return text
    for language in LANGUAGES:
        catalog = translations(language)
        for message in messages:
            if catalog.gettext(message) == text:
                return message
    return text


def format_number(value: float, decimals: int = 0) -> str:
    """A number with thousands separators, the same in both languages: 40,406,849; 1,234.5."""
    if isinstance(value, int) and not isinstance(value, bool) and decimals == 0:
        return f"{value:,}"
    return f"{value:,.{decimals}f}"


def format_percent(fraction: float, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.8123 -> "81.2%" (the same sign in Korean)."""
    return f"{fraction * 100:,.{decimals}f}%"


# --------------------------------------------------------------------------- catalogs


def catalog_path(language: str, suffix: str = ".po") -> Path:
    """explorer/locales/<language>/LC_MESSAGES/messages.po (or .mo)."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language, loaded once per process (compiled first when stale)."""
    found = _loaded.get(language)
    if found is not None:
        return found
    with _lock:
        found = _loaded.get(language)
        if found is None:
            found = _load(language)
            _loaded[language] = found
    return found


def _load(language: str) -> _gettext.NullTranslations:
    po = catalog_path(language)
    if not po.is_file():
        return _gettext.NullTranslations()
    mo = catalog_path(language, ".mo")
    if not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime:
        data = compile_catalog(po)
        try:
            _write_atomically(mo, data)
        except OSError:  # a read-only installation: the compiled catalog lives in memory only
            return _gettext.GNUTranslations(_BytesFile(data))
    with open(mo, "rb") as handle:
        return _gettext.GNUTranslations(handle)


class _BytesFile:
    """The one method GNUTranslations reads a catalog with."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.name = "<memory>"

    def read(self) -> bytes:
        return self._data


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: several processes may compile the same catalog at once."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class PoEntry:
    """One message of a .po file."""

    msgid: str
    msgstr: tuple[str, ...]
    """One translation, or one per plural form."""
    msgid_plural: str | None = None
    context: str | None = None
    flags: frozenset[str] = frozenset()
    comments: tuple[str, ...] = ()
    """Extracted comments (#.) and translator comments (#)."""

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def read_po(path: Path) -> list[PoEntry]:
    """The messages of a .po file, header included (msgid ""); obsolete (#~) entries left out."""
    entries: list[PoEntry] = []
    fields: dict[str, str] = {}
    strs: dict[int, str] = {}
    flags: set[str] = set()
    comments: list[str] = []
    current: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal current
        if "msgid" in fields:
            ordered = tuple(strs[i] for i in sorted(strs)) if strs else ("",)
            entries.append(PoEntry(fields["msgid"], ordered, fields.get("msgid_plural"), fields.get("msgctxt"),
                                   frozenset(flags), tuple(comments)))
        fields.clear()
        strs.clear()
        flags.clear()
        comments.clear()
        current = None

    for number_, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current[0] in ("msgstr",):
                flush()
            if line.startswith("#,"):
                flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#.") or line.startswith("# "):
                comments.append(line[2:].strip())
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword.startswith('"'):
            if current is None:
                raise ValueError(f"A continuation line follows a keyword. Received: {path}:{number_}")
            text = _unquote(line, path, number_)
            if current[0] == "msgstr":
                strs[current[1]] += text
            else:
                fields[current[0]] += text
            continue
        if keyword in ("msgctxt", "msgid") and current is not None and current[0] == "msgstr":
            flush()
        if keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            strs[index] = _unquote(rest, path, number_)
            current = ("msgstr", index)
        elif keyword == "msgstr":
            strs[0] = _unquote(rest, path, number_)
            current = ("msgstr", 0)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            fields[keyword] = _unquote(rest, path, number_)
            current = (keyword, 0)
        else:
            raise ValueError(f"A .po line starts with msgid, msgstr, msgctxt or a quote. Received: {path}:{number_}")
    flush()
    return entries


def _unquote(text: str, path: Path, line: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"A .po string is in double quotes. Received: {path}:{line}: {text}")
    return ast.literal_eval(text)


def compile_catalog(po: Path) -> bytes:
    """A .po file as .mo bytes (GNU format, little-endian); fuzzy and untranslated messages left out."""
    messages: dict[bytes, bytes] = {}
    for entry in read_po(po):
        if entry.msgid and (entry.fuzzy or not any(entry.msgstr)):
            continue
        key = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\0{entry.msgid_plural}"
        if entry.context is not None:
            key = f"{entry.context}\x04{key}"
        messages[key.encode("utf-8")] = "\0".join(entry.msgstr).encode("utf-8")
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    start = 7 * 4 + 16 * len(keys)  # header, then the two tables of (length, offset)
    id_table = []
    str_table = []
    for id_at, id_len, str_at, str_len in offsets:
        id_table += [id_len, start + id_at]
        str_table += [str_len, start + len(ids) + str_at]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    return header + struct.pack(f"{len(id_table)}i", *id_table) + struct.pack(f"{len(str_table)}i", *str_table) \
        + ids + strs


# --------------------------------------------------------------------------- glossary


@dataclass(frozen=True)
class GlossaryTerm:
    """A term of the field in English and the Korean the app uses for it."""

    en: str
    ko: str
    also: tuple[str, ...] = ()
    """Other Korean forms a translation may use (파라미터 beside 매개변수, an inflected form)."""
    note: str = ""
    """Where the Korean comes from or how it is used."""


def glossary() -> tuple[GlossaryTerm, ...]:
    """The glossary (explorer/locales/glossary.csv), in its order."""
    with open(GLOSSARY_PATH, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(GlossaryTerm(row["en"].strip(), row["ko"].strip(),
                              tuple(a.strip() for a in row.get("also", "").split(";") if a.strip()),
                              row.get("note", "").strip()) for row in rows)

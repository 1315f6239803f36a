"""Names that come from a user (ZIP members, class folders, file names, a saved model's classes) as text.

A name is data, never markup: Streamlit renders Markdown (with LaTeX, colour directives and
emoji short codes) in st.markdown, st.error, captions and labels, and Plotly renders a subset
of HTML (<a href>, <b>, <br>) in tick labels and hover text. So every name goes through one
cleaning step, `plain`: invisible format characters that reorder text (bidi overrides and
isolates) and control characters are shown as visible ``[U+202E]`` marks, and very long names
are shortened with an ellipsis in the middle. Then it is made literal for where it is shown:
`literal` for Markdown (an inline code span: CommonMark treats everything inside it as
text, so no link, image, emphasis, math or HTML can start inside it), `html_literal` for
Plotly text. `scrub_paths` takes server paths out of messages from libraries (Keras,
zipfile) before a user sees them.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["MAX_NAME_CHARS", "escape_markdown", "html_literal", "literal", "plain", "scrub_paths", "shorten"]

MAX_NAME_CHARS = 80
"""Longest name shown in full; longer ones keep their start and end around an ellipsis."""

_KEEP_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiners: part of emoji and some scripts
_MARKUP = re.compile(r"[\\`*_\[\]<>$~|#&{}!]")
_SHORTCODE = re.compile(r":(?=\S)")
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_START = re.compile(r"^(\s*)([-+=])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")
_PATH = re.compile(
    r"""(?:[A-Za-z]:)?(?:[\\/](?:[^\s'"\\/:,;()<>\[\]{}]+))+[\\/]?"""
)
"""An absolute path (POSIX, or Windows with a drive letter): a slash, then slash-separated parts."""


def shorten(text: str, max_len: int | None = MAX_NAME_CHARS) -> str:
    """The text itself, or its start and end around "…" so that it has at most max_len characters."""
    if max_len is None or len(text) <= max_len:
        return text
    head = max(max_len - 1, 2) // 2 + max(max_len - 1, 2) % 2
    tail = max(max_len - 1, 2) - head
    return f"{text[:head]}…{text[len(text) - tail:]}"


def _visible(char: str) -> str:
    category = unicodedata.category(char)
    if char in _KEEP_FORMAT or category not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return char
    return f"[U+{ord(char):04X}]"


def plain(name: object, max_len: int | None = MAX_NAME_CHARS) -> str:
    """A name as safe plain text: control and bidi characters shown as [U+XXXX], long names shortened.

    Use it where nothing interprets markup (st.text, st.code, dataframe cells, file names).
    """
    text = str(name)
    cleaned = "".join(_visible(c) for c in text) if not text.isprintable() or _has_format(text) else text
    return shorten(cleaned, max_len)


def _has_format(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cf", "Zl", "Zp") for c in text)


def literal(name: object, max_len: int | None = MAX_NAME_CHARS) -> str:
    """A name for Markdown (st.markdown, st.error, captions, labels): shown exactly as its plain text.

    The name becomes an inline code span whose fence is longer than any run of backticks in it,
    so Streamlit shows every character (``![x](http://...)``, ``$x^2$``, ``<b>``, ``:red[x]``)
    as typed: no image, link, emphasis, formula or HTML is created from it.
    """
    text = plain(name, max_len) or " "
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape_markdown(text: object, max_len: int | None = None) -> str:
    """A whole message for Markdown (st.error, st.warning): what could become markup is backslash-escaped.

    CommonMark shows an escaped mark as itself, so a name quoted inside a message cannot open a
    link or an image ([), emphasis (* _ ~), code (`), a formula ($), HTML (< >), an entity (&), a
    table (|), a heading (#), a colour directive or a short code (:red[...], :material/x:), or an
    autolink (http://, www.). Plain punctuation (, . ; ( ) = ' ") stays as it is, so a message
    reads the same in the source. Control and bidi characters are made visible as in `plain`;
    line breaks are kept as Markdown line breaks.
    """
    lines = [plain(line, max_len) for line in str(text).splitlines() or [""]]
    return "  \n".join(_escape_line(line) for line in lines)


def _escape_line(line: str) -> str:
    line = _MARKUP.sub(r"\\\g<0>", line)
    line = _SHORTCODE.sub(r"\\:", line)  # a colon that could start :name: or :name[, or follow http
    line = _WWW.sub(r"\g<1>\\.", line)
    line = _ORDERED.sub(r"\g<1>\\\g<2>", line)  # "1. x" would start a list
    return _LINE_START.sub(r"\g<1>\\\g<2>", line)  # so would "- x" and "+ x"; "= x" a heading


def html_literal(name: object, max_len: int | None = MAX_NAME_CHARS) -> str:
    """A name for Plotly text (tick labels, legends, hover): HTML special characters escaped."""
    return html.escape(plain(name, max_len), quote=True)


def scrub_paths(message: str, replacement: str = "(a server path)") -> str:
    """A library's message without server paths (/tmp/..., C:\\...): they tell a user nothing and leak the layout.

    Text after "://" (a URL) is left alone.
    """
    out, last = [], 0
    for match in _PATH.finditer(message):
        start = match.start()
        before = message[start - 1] if start else " "
        if before == ":" or before.isalnum() or before in "/._-~":
            continue  # a URL (http://...) or a relative path (cats/1.png): not a server path
        out.append(message[last:start])
        out.append(replacement)
        last = match.end()
    out.append(message[last:])
    return "".join(out)

"""A Babel extractor for the lesson files (lessons/*.toml): their titles, summaries, texts and questions.

babel.cfg maps ``lessons/**.toml`` to ``extract_lesson``, so `python -m explorer.i18n extract`
puts a lesson's words in the same catalog as the code's, and the pages show them with ``_()``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any, BinaryIO

_LESSON_FIELDS = ("title", "summary")
_STEP_FIELDS = ("title", "text", "question")


def _line_of(source: str, text: str) -> int:
    """The line where a value starts (its first line, for a multi-line string), else 1."""
    first = text.split("\n", 1)[0][:40]
    at = source.find(first) if first else -1
    return source.count("\n", 0, at) + 1 if at >= 0 else 1


def extract_lesson(fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: Any
                   ) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface: (line, function name, message, comments) per translatable value."""
    source = fileobj.read().decode("utf-8")
    try:
        lesson = tomllib.loads(source)
    except tomllib.TOMLDecodeError:
        return  # explorer.lessons reports a malformed file; nothing to extract from it
    for name in _LESSON_FIELDS:
        value = lesson.get(name)
        if isinstance(value, str) and value.strip():
            yield _line_of(source, value), "_", value, [f"lesson {name}"]
    for number, step in enumerate(lesson.get("steps") or [], start=1):
        if not isinstance(step, dict):
            continue
        for name in _STEP_FIELDS:
            value = step.get(name)
            if isinstance(value, str) and value.strip():
                yield _line_of(source, value), "_", value, [f"step {number} {name}"]

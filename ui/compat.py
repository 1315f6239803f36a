"""Work-arounds for the Python versions a student's laptop may run, applied once per server process."""

from __future__ import annotations

import ast
import sys
import threading

__all__ = ["guard_ast_parse"]

_lock = threading.RLock()


def guard_ast_parse() -> None:
    """One ast.parse at a time in this process, on Python 3.11 and older.

    There, the AST constructor's recursion counter is shared by the whole interpreter: a garbage
    collection in the middle of one parse can switch to another thread's parse, and one of them
    fails with "SystemError: AST constructor recursion depth mismatch"
    (https://github.com/python/cpython/issues/106905). Streamlit parses each page's script in the
    session's own thread, so a class opening pages at once met it (bench/bench_load.py, one student
    in five runs on Python 3.11.7). Newer Pythons keep the count per call and need nothing.
    """
    if sys.version_info >= (3, 12) or getattr(ast.parse, "_explorer_guarded", False):
        return
    parse = ast.parse

    def guarded(*args, **kwargs):  # type: ignore[no-untyped-def]
        with _lock:
            return parse(*args, **kwargs)

    guarded._explorer_guarded = True  # type: ignore[attr-defined]
    guarded.__doc__ = parse.__doc__
    ast.parse = guarded

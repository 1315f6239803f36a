"""Python 3.11's ast.parse, made one-at-a-time for the server's threads (ui/compat.py)."""

from __future__ import annotations

import ast
import sys
import threading

import pytest

from ui.compat import guard_ast_parse


@pytest.fixture
def restored(monkeypatch):
    monkeypatch.setattr(ast, "parse", ast.parse)


def test_the_guarded_parser_parses_the_same_trees_from_many_threads(restored):
    source = "\n".join(f"def f{i}(x):\n    return [y * {i} for y in x if y]" for i in range(200))
    expected = ast.dump(ast.parse(source))
    guard_ast_parse()
    guard_ast_parse()  # once only: a second call does not wrap the wrapper
    if sys.version_info < (3, 12):
        assert getattr(ast.parse, "_explorer_guarded", False)
    dumps: list[str] = []
    threads = [threading.Thread(target=lambda: dumps.extend(ast.dump(ast.parse(source)) for _ in range(5)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert dumps == [expected] * 20
    with pytest.raises(SyntaxError):
        ast.parse("def (")

"""Names from a user are shown as text: never Markdown, LaTeX, HTML, reordered or endless."""

from __future__ import annotations

import pytest

from explorer.io.text import MAX_NAME_CHARS, escape_markdown, html_literal, literal, plain, scrub_paths, shorten

NASTY = [
    "![x](http://127.0.0.1:9/_stcore/health?mdimg=1).png",
    "[click](http://127.0.0.1:9/)",
    "**bold** _it_ `code`",
    "$x^2$ and $$\\frac{1}{2}$$",
    "<img src=x onerror=alert(1)> <b>b</b>",
    ":red[colour] :material/home: :smile:",
    "cat\u202egnp.exe",
]


@pytest.mark.parametrize("name", NASTY)
def test_literal_is_one_code_span_holding_the_name(name):
    text = literal(name)
    fence = text[: len(text) - len(text.lstrip("`"))]
    inner = text[len(fence):-len(fence)]
    assert text.endswith(fence) and "`" * len(fence) not in inner
    assert inner.strip(" ") == plain(name)


def test_literal_fence_outgrows_backticks_in_the_name():
    assert literal("a``b") == "```a``b```"
    assert literal("`x`") == "`` `x` ``"


def test_bidi_and_control_characters_become_visible_marks():
    assert plain("cat\u202egnp\u2066.exe\x07\n") == "cat[U+202E]gnp[U+2066].exe[U+0007][U+000A]"
    assert plain("고양이 😺") == "고양이 😺"  # letters and emoji stay
    assert plain("👩\u200d💻") == "👩\u200d💻"  # the zero-width joiner of an emoji stays


def test_long_names_keep_start_and_end_around_an_ellipsis():
    name = "a" * 5000 + "MIDDLE" + "b" * 4994
    short = plain(name)
    assert len(short) == MAX_NAME_CHARS and short.startswith("aaa") and short.endswith("bbb") and "…" in short
    assert shorten("short", 10) == "short"
    assert len(shorten("x" * 100, 9)) == 9


def test_html_literal_escapes_what_plotly_renders():
    assert html_literal('<a href="http://x">x</a>&') == "&lt;a href=&quot;http://x&quot;&gt;x&lt;/a&gt;&amp;"


def test_escape_markdown_escapes_what_could_become_markup_and_nothing_else():
    source = "name='![x](http://a/b)' $x$ :red[y] <b> www.x.org, (plain; punctuation) = 12"
    text = escape_markdown(source)
    for markup in ("![", "$x$", ":red[", "<b>", "http://", "www."):
        assert markup not in text
    assert text.replace("\\", "") == source
    assert "(plain; punctuation) = 12" in text and "Received: 3" in escape_markdown("Received: 3")
    assert escape_markdown("- a\n1. b") == "\\- a  \n1\\. b"


@pytest.mark.parametrize("message", [
    "File not found: filepath=/tmp/explorer-load-x1y2/model.keras. Please ensure the file exists",
    "No such file: '/root/.keras/models/x.h5'",
    "in /work/main/.venv/lib/python3.11/site-packages/keras/src/saving/saving_lib.py line 3",
    r"cannot open C:\Users\me\AppData\Local\Temp\x.keras",
])
def test_scrub_paths_takes_server_paths_out(message):
    scrubbed = scrub_paths(message)
    for fragment in ("/tmp", "/root", "/work", "site-packages", "C:\\Users"):
        assert fragment not in scrubbed


def test_scrub_paths_leaves_urls_and_relative_names():
    text = "see http://127.0.0.1:8501/_stcore/health for cats/1.png, 3/4 done"
    assert scrub_paths(text) == text

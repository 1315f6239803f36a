"""The translation layer: complete catalogs, matching placeholders, one glossary, one language per session."""

from __future__ import annotations

import ast
import gettext
import re
import threading
from pathlib import Path

import pytest

from explorer import i18n
from explorer.i18n import (
    LANGUAGES,
    N_,
    _,
    catalog_path,
    compile_catalog,
    current_language,
    format_number,
    glossary,
    match_language,
    ngettext,
    preferred_language,
    read_po,
    set_language,
    set_language_resolver,
    use_language,
)

ROOT = Path(__file__).resolve().parents[1]
KO = [e for e in read_po(catalog_path("ko")) if e.msgid]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# {n}, {name!r}, {value:,}; %s, %d, %(x)s; Plotly's %{y:.2f} and %{customdata[1]}; bold tags Plotly draws.
# (Line breaks, <br>, may differ: Korean is shorter in characters and wider per character.)
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([A-Za-z_]+\)[sdfr]|%[sdfr]"
                          r"|%\{[^{}]+\}|</?b>")


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


# --------------------------------------------------------------------------- catalogs


def test_every_korean_message_is_translated():
    untranslated = [e.msgid for e in KO if e.fuzzy or not all(s.strip() for s in e.msgstr)]
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy in ko: {untranslated[:20]}"


@pytest.mark.parametrize("entry", KO, ids=lambda e: e.msgid[:40])
def test_translation_keeps_the_placeholders(entry):
    wanted = _placeholders(entry.msgid)
    for form in entry.msgstr:
        assert _placeholders(form) == wanted, f"{entry.msgid!r} -> {form!r}"


def test_catalogs_hold_every_message_of_the_code():
    """Extracting the code again finds nothing that the catalogs lack (run `make i18n` when this fails)."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    method_map = [(pattern, "python") for pattern in ("app.py", "app_pages/**.py", "ui/**.py", "explorer/**.py")]
    method_map.append(("lessons/**.toml", "explorer.i18n.extract:extract_lesson"))
    in_code = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        in_code.add((context, msgid))
    for language in LANGUAGES:
        in_catalog = {(e.context, e.msgid) for e in read_po(catalog_path(language)) if e.msgid}
        missing = sorted(m for _c, m in in_code - in_catalog)
        assert not missing, f"{language}: {len(missing)} messages of the code are not in the catalog: {missing[:10]}"


def test_english_is_the_source_language():
    en = read_po(catalog_path("en"))
    assert {e.msgid for e in en if e.msgid} == {e.msgid for e in KO}
    assert all(not any(e.msgstr) for e in en if e.msgid)  # English shows the msgid itself


# Messages that read the same in Korean: names and code (a new one is added here on purpose).
SAME_IN_KOREAN = {"top-1 %", "Sobel x", "Sobel y", "ReduceLROnPlateau", "GoogLeNet / Inception", "ResNet"}


def test_korean_emphasis_closes_before_a_particle():
    # Streamlit's Markdown (CommonMark) closes ** after a punctuation mark only before a space or another
    # mark: "**72%**를" stays as typed, asterisks and all. Each message is rendered with its placeholders
    # as such a value and may show no more literal asterisks than the English does.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")

    def asterisks(text: str) -> int:
        return md.render(_PLACEHOLDER.sub("72%", text)).count("*")

    shown = [(e.msgid, form) for e in KO for form in e.msgstr if "*" in form and asterisks(form) > asterisks(e.msgid)]
    assert not shown, shown


def test_korean_translations_are_korean():
    # A message copied over untranslated would pass the completeness test.
    same = {e.msgid for e in KO if e.msgstr[0] == e.msgid and HANGUL.search(e.msgid) is None}
    assert same <= SAME_IN_KOREAN, sorted(same - SAME_IN_KOREAN)


def test_compiled_catalog_agrees_with_babel(tmp_path):
    from babel.messages.mofile import read_mo

    mo = tmp_path / "messages.mo"
    mo.write_bytes(compile_catalog(catalog_path("ko")))
    with open(mo, "rb") as handle:
        messages = [m for m in read_mo(handle) if m.id]
    singular = {m.id: m.string for m in messages if isinstance(m.id, str)}
    plural = {m.id[0]: list(m.string) for m in messages if not isinstance(m.id, str)}
    assert singular == {e.msgid: e.msgstr[0] for e in KO if e.msgid_plural is None and not e.fuzzy}
    assert plural == {e.msgid: list(e.msgstr) for e in KO if e.msgid_plural is not None and not e.fuzzy}


def test_compile_leaves_out_fuzzy_and_untranslated(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "kept"\nmsgstr "유지"\n\n#, fuzzy\nmsgid "guessed"\nmsgstr "추측"\n\nmsgid "empty"\nmsgstr ""\n\n'
        'msgid "{n} layer"\nmsgid_plural "{n} layers"\nmsgstr[0] "층 {n}개"\n\n'
        'msgid "multi"\nmsgstr ""\n"두 줄"\n"이어짐"\n',
        encoding="utf-8",
    )
    catalog = gettext.GNUTranslations(i18n._BytesFile(compile_catalog(po)))
    assert catalog.gettext("kept") == "유지"
    assert catalog.gettext("guessed") == "guessed"
    assert catalog.gettext("empty") == "empty"
    assert catalog.ngettext("{n} layer", "{n} layers", 5) == "층 {n}개"
    assert catalog.gettext("multi") == "두 줄이어짐"


def test_a_stale_compiled_catalog_is_compiled_again(tmp_path, monkeypatch):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "a"\nmsgstr "가"\n',
                  encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    assert i18n._load("ko").gettext("a") == "가"
    mo = folder / "messages.mo"
    assert mo.is_file()
    po.write_text(po.read_text(encoding="utf-8").replace("가", "나"), encoding="utf-8")
    stamp = mo.stat().st_mtime - 10
    import os

    os.utime(mo, (stamp, stamp))
    assert i18n._load("ko").gettext("a") == "나"


# --------------------------------------------------------------------------- the language


def test_translates_in_the_current_language():
    with use_language("ko"):
        assert _("Freeze Lab") == "동결 실습"
        assert current_language() == "ko"
    with use_language("en"):
        assert _("Freeze Lab") == "Freeze Lab"
    assert N_("Freeze Lab") == "Freeze Lab"
    assert _("") == ""


def test_unknown_message_and_plural_fall_back_to_english():
    with use_language("ko"):
        assert _("a message nobody wrote") == "a message nobody wrote"
        assert ngettext("{n} run", "{n} runs", 2) == "{n} runs"


def test_numbers_keep_thousands_separators_in_both_languages():
    for language in LANGUAGES:
        with use_language(language):
            assert format_number(40_406_849) == "40,406,849"
            assert format_number(1234.5, 1) == "1,234.5"


def test_each_thread_has_its_own_language():
    """Streamlit runs each session's script in its own thread: one session's choice never leaks."""
    barrier = threading.Barrier(2)
    seen: dict[str, str] = {}

    def session(language: str) -> None:
        set_language(language)
        barrier.wait()  # both have set their language before either translates
        seen[language] = _("Freeze Lab")

    threads = [threading.Thread(target=session, args=(lang,)) for lang in ("ko", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"ko": "동결 실습", "en": "Freeze Lab"}


def test_a_thread_that_set_nothing_asks_the_resolver_then_english():
    result: list[str] = []

    def fragment() -> None:
        result.append(current_language())

    try:
        set_language_resolver(lambda: "ko")
        t = threading.Thread(target=fragment)
        t.start()
        t.join()
        set_language_resolver(lambda: 1 / 0)  # a resolver that fails never fails a string
        t = threading.Thread(target=fragment)
        t.start()
        t.join()
    finally:
        set_language_resolver(None)
    assert result == ["ko", "en"]


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="Received: language='fr'"):
        set_language("fr")


@pytest.mark.parametrize(("tag", "language"), [("ko", "ko"), ("ko-KR", "ko"), ("en_US", "en"), ("EN", "en"),
                                               ("fr-FR", None), ("", None), (None, None)])
def test_match_language(tag, language):
    assert match_language(tag) == language


@pytest.mark.parametrize(("header", "language"), [
    ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
    ("fr-FR,fr;q=0.9,en;q=0.8,ko;q=0.7", "en"),
    ("en;q=0.5, ko;q=0.8", "ko"),
    ("ko;q=0, en", "en"),
    ("fr, de", None),
    ("", None),
])
def test_preferred_language_of_an_accept_language_header(header, language):
    assert preferred_language(header) == language


# --------------------------------------------------------------------------- the glossary


def test_glossary_is_one_table_of_distinct_terms():
    terms = glossary()
    assert len(terms) >= 40
    assert len({t.en.lower() for t in terms}) == len(terms)
    assert all(t.en and HANGUL.search(t.ko) or t.ko == "IoU" for t in terms)
    by_en = {t.en: t.ko for t in terms}
    # The conventions of the Korean PyTorch and TensorFlow documentation.
    assert by_en["convolution"] == "합성곱"
    assert by_en["transfer learning"] == "전이 학습"
    assert by_en["fine-tuning"] == "미세 조정"
    assert by_en["feature map"] == "특징 맵"
    assert by_en["overfitting"] == "과대적합"


def _normal(text: str) -> str:
    return re.sub(r"[-\s]+", " ", text.lower())


# Messages where an English term does not mean the glossary's sense (msgid -> terms left out).
GLOSSARY_EXCEPTIONS: dict[str, set[str]] = {
    "gradient": {"gradient"},  # the Convolution Lab's input picture (a ramp of grey), not a derivative
}


def test_korean_catalog_uses_the_glossary():
    """A message that says "fine-tuning" says 미세 조정 in Korean, and so on for every term.

    Code is left out: placeholders ({weights}), snake_case names (val_loss) and Keras class
    names (Flatten, Dropout), which stay as they are in both languages.
    """
    terms = sorted(glossary(), key=lambda t: -len(t.en))  # longest first: "validation accuracy" before "accuracy"
    wrong = []
    for entry in KO:
        words = _PLACEHOLDER.sub(" ", entry.msgid)
        words = re.sub(r"`[^`]*`|\b\w+(?:[._]\w+)+\S*|\b\w+=\S+", " ", words)  # code: a.b, a_b, a=b
        kept = {w for w in re.findall(r"\b[A-Z][a-z]+[A-Za-z0-9]*\b", words) if w in entry.msgstr[0]}
        text = _normal(" ".join(w for w in re.split(r"(\W+)", words) if w not in kept))
        for term in terms:
            pattern = r"\b" + re.escape(_normal(term.en)) + r"(?:s|es|d|ed|al|ing)?\b"
            if term.en in GLOSSARY_EXCEPTIONS.get(entry.msgid, ()) or not re.search(pattern, text):
                continue
            text = re.sub(pattern, " ", text)  # a longer term covers its words ("non-trainable": not "trainable")
            if not any(form in entry.msgstr[0] for form in (term.ko, *term.also)):
                wrong.append(f"{entry.msgid!r}: {term.en} -> {term.ko}, got {entry.msgstr[0]!r}")
    assert not wrong, "\n".join(wrong)


# --------------------------------------------------------------------------- the code


def _python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in ("app_pages", "ui", "explorer"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return files


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp, ast.SetComp,
           ast.DictComp, ast.GeneratorExp)


def _own_nodes(scope: ast.AST):
    """The nodes of one scope, not of the functions, classes and comprehensions inside it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _binds_underscore(scope: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store) for n in _own_nodes(scope))


def _calls_underscore(scope: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in ast.walk(scope))


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_scope_hides_the_translation_function(path):
    """`for _, x in ...` in a function (or a page) that calls _() rebinds _: a TypeError or UnboundLocalError."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imports_it = any(isinstance(n, ast.ImportFrom) and any(a.name == "_" for a in n.names) for n in tree.body)
    if imports_it:
        assert not _binds_underscore(tree), f"{path.name}: the module rebinds _"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and _calls_underscore(node):
            assert not _binds_underscore(node), f"{path.name}:{node.lineno}: {getattr(node, 'name', 'lambda')} binds _"


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_translation_of_an_f_string(path):
    """_(f"...") cannot be looked up (the catalog holds the template): use _("... {n}").format(n=...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                and node.args and isinstance(node.args[0], ast.JoinedStr)):
            pytest.fail(f"{path.name}:{node.lineno}: {node.func.id}() of an f-string")


def test_every_literal_message_is_in_the_catalogs():
    """Every _("...") and N_("...") the code holds, found by Python's own parser: Babel's extractor
    misses one inside an f-string on Python 3.11 (f"{_('Predict')}"), and the page would show English."""
    in_code: dict[str, str] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                in_code.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    for language in LANGUAGES:
        in_catalog = {e.msgid for e in read_po(catalog_path(language)) if e.msgid and not e.context}
        missing = sorted(f"{where}: {msgid!r}" for msgid, where in in_code.items() if msgid not in in_catalog)
        assert not missing, f"{language}: not in the catalog (take _() out of the f-string, then make i18n): {missing}"

"""The Glossary page: every term in a table that wraps its text, and a search over both languages."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer.i18n import glossary

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _open(lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = lang
    at.switch_page("app_pages/glossary.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_every_term_is_in_the_table_with_its_note():
    at = _open()
    table = at.table[0].value
    assert list(table.columns) == ["English", "Korean", "Also seen as", "Note"]
    assert len(table) == len(glossary())
    first = glossary()[0]
    row = table.iloc[0]
    assert (row["English"], row["Korean"], row["Note"]) == (first.en, first.ko, first.note)


def test_search_finds_a_term_by_its_korean_or_english_name():
    at = _open("ko")
    at.text_input(key="glossary.search").input("합성곱").run()
    found = list(at.table[0].value.iloc[:, 0])
    assert {"convolution", "convolutional neural network"} <= set(found) and "stride" not in found
    at.text_input(key="glossary.search").input("no such term").run()
    assert len(at.table[0].value) == 0
    assert "0" in at.caption[0].value

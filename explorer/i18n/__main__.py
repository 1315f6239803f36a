"""The catalog commands: python -m explorer.i18n extract|update|compile|check (make i18n runs the first three)."""

from __future__ import annotations

import os
import sys

from explorer.i18n import DOMAIN, LANGUAGES, LOCALES_DIR, _loaded, _write_atomically, catalog_path, compile_catalog, read_po

_KEYWORDS = ("_", "N_", "gettext", "ngettext:1,2", "pgettext:1c,2")
_USAGE = """\
usage: python -m explorer.i18n {extract,update,compile,check}

  extract  collect the messages of app.py, app_pages/, ui/ and explorer/ into explorer/locales/messages.pot
  update   merge the template into every language's messages.po (new messages come untranslated)
  compile  compile every messages.po into its messages.mo (the app also does it when it starts)
  check    list untranslated or fuzzy Korean messages; exit 1 when there are any
extract and update need Babel (requirements-dev.txt); `make i18n` runs extract, update and compile."""


def _pybabel(*args: str) -> None:
    try:
        from babel.messages.frontend import CommandLineInterface
    except ImportError:  # pragma: no cover - a runtime-only environment
        raise SystemExit("error: extract and update need Babel: pip install -r requirements-dev.txt") from None
    CommandLineInterface().run(["pybabel", "-q", *args])


def main(argv: list[str] | None = None) -> int:
    """The catalog commands (any working folder: paths are the repository's)."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else ""
    root = LOCALES_DIR.parents[1]
    template = LOCALES_DIR / f"{DOMAIN}.pot"
    if command == "extract":
        keywords = [f"-k{k}" for k in _KEYWORDS]
        here = os.getcwd()
        os.chdir(root)  # locations relative to the repository: app_pages/home.py, not /home/...
        try:
            _pybabel("extract", "--no-default-keywords", *keywords, "-F", "babel.cfg", "--add-location=file",
                     "--sort-by-file", "--no-wrap", "--project=cnn-explorer",
                     "--copyright-holder=the cnn-explorer authors", "-o", str(template.relative_to(root)), ".")
        finally:
            os.chdir(here)
        return 0
    if command == "update":
        for language in LANGUAGES:
            po = catalog_path(language)
            if po.is_file():
                _pybabel("update", "-i", str(template), "-d", str(LOCALES_DIR), "-l", language, "--no-wrap",
                         "--ignore-obsolete", "--no-fuzzy-matching")
            else:
                _pybabel("init", "-i", str(template), "-d", str(LOCALES_DIR), "-l", language, "--no-wrap")
        return 0
    if command == "compile":
        for language in LANGUAGES:
            _write_atomically(catalog_path(language, ".mo"), compile_catalog(catalog_path(language)))
            _loaded.pop(language, None)
        return 0
    if command == "check":
        missing = [e.msgid for e in read_po(catalog_path("ko")) if e.msgid and (e.fuzzy or not all(e.msgstr))]
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        return 1 if missing else 0
    print(_USAGE, file=sys.stderr if command else sys.stdout)
    return 2 if command else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""The router: every page is reachable, and deep links go through app.py."""

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.navigation import HOME, PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_no_legacy_pages_directory_next_to_the_router():
    # With a pages/ folder beside app.py, Streamlit's legacy auto-discovery runs a deep link
    # (/freeze_lab on a freshly started server) without app.py: no wide layout, a stray
    # "app" entry in the menu. The page scripts live in app_pages/ for that reason.
    assert not (ROOT / "pages").exists()


def test_every_page_in_the_menu_exists():
    for info in (HOME, *PAGES):
        assert (ROOT / info.path).is_file(), info.path


def test_home_page_links_to_every_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "CNN & transfer-learning explorer"
    assert len(at.get("page_link")) == len(PAGES)


def test_the_router_does_not_import_tensorflow():
    import subprocess

    code = (
        "import sys;"
        "from streamlit.testing.v1 import AppTest;"
        "at = AppTest.from_file('app.py', default_timeout=60).run();"
        "assert not at.exception, at.exception;"
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr[-2000:]


def test_a_worker_process_that_imports_the_router_as_its_main_script_draws_nothing():
    """Dask spawns the app's local workers from a script run, where Streamlit has made app.py the
    __main__ module; multiprocessing's spawn runs the parent's main script again in the child, as
    runpy.run_path(path, run_name="__mp_main__") (multiprocessing/spawn.py, _fixup_main_from_path).
    There the router must not run: no Streamlit, no pages, no warm-up of its own."""
    import subprocess

    code = (
        "import runpy, sys;"
        "runpy.run_path('app.py', run_name='__mp_main__');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'ui', 'explorer')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr[-2000:]

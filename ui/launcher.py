"""The ``cnn-explorer`` command: start the app from any folder.

``pip install .`` installs this module as ``cnn_explorer.ui.launcher`` inside the app's folder
(app.py, app_pages/, ui/, assets/, .streamlit/config.toml), so app.py is always one folder up,
in a checkout as in an installed copy. Streamlit's ``run`` options pass through unchanged::

    cnn-explorer --server.port 8600 --server.headless false

Installed, this module is imported as ``cnn_explorer.ui.launcher`` before app.py's folder is on
sys.path, so it (and ui/__init__.py) must not import ``ui.*``; tests/test_packaging.py runs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[1]
APP_SCRIPT = APP_DIR / "app.py"

USAGE = """\
usage: cnn-explorer [STREAMLIT OPTION VALUE]...

Start the CNN & transfer-learning explorer (a Streamlit app) and print the address to open
in a browser (http://localhost:8501 unless you pick another port). Stop it with Ctrl+C.

Every option is passed to `streamlit run` unchanged, for example:
  cnn-explorer --server.port 8600          another port
  cnn-explorer --server.headless false     also open a browser tab
  cnn-explorer --server.address 0.0.0.0    let other machines on the network connect
All of Streamlit's options: python -m streamlit run --help

options:
  -h, --help          show this message and exit
  --version           show the version and exit
  --workers ADDRESS   where training runs: "local" (worker processes started with the app;
                      the default), "off" (in the web process), or a Dask scheduler such as
                      tcp://gpu-box:8786 (sets EXPLORER_WORKERS; see the README, hosting a class)

The command line (no browser): python -m explorer --help
"""


def _version() -> str:
    """The installed distribution's version, or a note that this is a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnn-explorer")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app with Streamlit, passing ``argv`` (default: the command line) to ``streamlit run``.

    Args:
        argv: Streamlit options such as ``["--server.port", "8600"]``; ``--help`` and
            ``--version`` are answered here.

    Returns:
        0 after --help or --version, 2 when the app's files are missing; otherwise Streamlit
        ends the process with its own status (SystemExit).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    ours = args[: args.index("--")] if "--" in args else args  # after "--" come the script's own arguments
    if "-h" in ours or "--help" in ours:
        print(USAGE, end="")
        return 0
    if "--version" in ours:
        print(f"cnn-explorer {_version()}")
        return 0
    if "--workers" in ours:
        at = args.index("--workers")
        if at + 1 >= len(args) or args[at + 1].startswith("-"):
            print("error: --workers needs a value: local, off or tcp://host:8786", file=sys.stderr)
            return 2
        from explorer.engine import ADDRESS_ENV, configured_placement

        try:
            configured_placement(args[at + 1])
        except ValueError as exc:
            print(f"error: --workers: {exc}", file=sys.stderr)
            return 2
        os.environ[ADDRESS_ENV] = args[at + 1]  # read by explorer.engine in the server
        del args[at : at + 2]
    if not APP_SCRIPT.is_file():
        print(f"error: the app is missing: {APP_SCRIPT} does not exist; reinstall cnn-explorer", file=sys.stderr)
        return 2

    # In-process, as the `streamlit` command itself does: Ctrl+C and signals reach the server directly.
    from streamlit.web import cli as streamlit_cli

    # click ends with sys.exit(status); that SystemExit is the command's exit status.
    streamlit_cli.main(args=["run", str(APP_SCRIPT), *args], prog_name="cnn-explorer")
    return 0


if __name__ == "__main__":
    sys.exit(main())

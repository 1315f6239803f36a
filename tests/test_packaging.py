"""`pip install .` gives a working app and command line outside the checkout.

Builds the wheel (pip wheel --no-build-isolation: no network), installs it into a fresh virtual
environment in a temporary folder and runs everything from another temporary folder, so the
checkout is neither the working directory nor on the path. To save minutes and gigabytes the new
environment borrows the test interpreter's installed packages (TensorFlow, Streamlit...) through a
.pth file instead of downloading them again; the wheel itself goes in with --no-deps, and every
test checks that the code that ran is the copy inside the new environment.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# What the wheel must hold: the library, and the app laid out as in the checkout (see pyproject.toml).
SHIPPED = {"explorer": "explorer", "ui": "cnn_explorer/ui", "app_pages": "cnn_explorer/app_pages",
           "assets": "cnn_explorer/assets", "lessons": "cnn_explorer/lessons"}
# Left out of the copy the wheel is built from: the checkout's environment, caches, tests, results.
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", ".import_linter_cache",
    "build", "dist", "*.egg-info", "artifacts", "tests", "bench",
)


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed, and a folder outside the checkout."""

    wheel: Path
    venv: Path
    python: Path
    script: Path
    elsewhere: Path
    env: dict[str, str]

    def run(self, *args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a command from the folder outside the checkout."""
        return subprocess.run([str(a) for a in args], cwd=self.elsewhere, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    try:  # the build backend comes from this environment (requirements-dev.txt pins it), not the network
        backend = version("setuptools")
    except PackageNotFoundError:
        backend = "0"
    if Version(backend) < Version("70"):
        pytest.fail(f"building the wheel needs setuptools >= 70 here (found {backend}): "
                    "pip install -r requirements-dev.txt")
    base = tmp_path_factory.mktemp("packaging")
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCES)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(base / "dist")],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = (base / "dist").glob("cnn_explorer-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # The .pth line is appended to sys.path after the new environment's own site-packages, so
    # what the wheel installs always wins over anything of the same name in the borrowed one.
    borrowed = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(purelib, "borrowed_site_packages.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env |= {"PYTHONNOUSERSITE": "1", "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow",
            "PATH": str(bindir) + os.pathsep + env.get("PATH", "")}
    install = subprocess.run(  # pip itself is borrowed too; it installs into the new environment
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    script = bindir / ("cnn-explorer.exe" if os.name == "nt" else "cnn-explorer")
    return Installed(wheel, venv, python, script, elsewhere, env)


def test_wheel_holds_the_library_and_the_whole_app(installed: Installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {"cnn_explorer/app.py", "cnn_explorer/.streamlit/config.toml"}
    for folder, target in SHIPPED.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                expected.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel (add them to [tool.setuptools] in pyproject.toml): {missing}"
    assert not [n for n in names if n.startswith(("tests/", "bench/", "ui/", "app_pages/", "assets/", "lessons/"))]


def test_wheel_metadata_has_the_pinned_dependencies_and_the_command(installed: Installed):
    with zipfile.ZipFile(installed.wheel) as whl:
        dist_info = next(n.split("/")[0] for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = whl.read(f"{dist_info}/METADATA").decode()
        entry_points = whl.read(f"{dist_info}/entry_points.txt").decode()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"Version: {project['version']}" in metadata
    assert "Requires-Python: >=3.11" in metadata
    assert metadata.count("Requires-Dist:") == len(project["dependencies"])
    assert "cnn-explorer = cnn_explorer.ui.launcher:main" in entry_points


def test_the_installed_copy_is_what_runs(installed: Installed):
    code = (
        "import json, explorer, explorer.io.assets as a, cnn_explorer.ui.launcher as l;"
        "print(json.dumps({'explorer': explorer.__file__, 'launcher': l.__file__, 'app': str(l.APP_SCRIPT),"
        "'assets': str(a.ASSETS_DIR)}))"
    )
    run = installed.run(installed.python, "-c", code, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    paths = json.loads(run.stdout)
    for what, path in paths.items():
        assert _inside(path, installed.venv), f"{what} comes from {path}, not from the new environment"
        assert not _inside(path, ROOT), f"{what} comes from the checkout: {path}"
    assert Path(paths["app"]).is_file()
    assert (Path(paths["assets"]) / "imagenet_classes.json").is_file()
    assert (Path(paths["assets"]) / "samples").is_dir()


def test_cnn_explorer_help_and_version(installed: Installed):
    run = installed.run(installed.script, "--help", timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("usage: cnn-explorer")
    assert "--server.port" in run.stdout
    version = installed.run(installed.script, "--version", timeout=60)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version.stdout.strip() == f"cnn-explorer {project['version']}"


def test_the_installed_app_runs(installed: Installed):
    # AppTest runs the installed app.py the way `streamlit run` does (its folder on sys.path), so
    # the router and the home page import the installed ui/ and explorer/. (tests/pages/ covers
    # every page; here it is where the code comes from that matters.)
    code = """
import json, sys
from streamlit.testing.v1 import AppTest
import cnn_explorer.ui.launcher as launcher
at = AppTest.from_file(str(launcher.APP_SCRIPT), default_timeout=120).run()
print(json.dumps({"titles": [t.value for t in at.title], "errors": [str(e.value) for e in at.exception],
                  "links": len(at.get("page_link")),
                  "modules": {name: sys.modules[name].__file__ for name in ("ui", "ui.navigation", "explorer")}}))
"""
    run = installed.run(installed.python, "-c", code, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert not shown["errors"], shown["errors"]
    assert shown["titles"] == ["CNN & transfer-learning explorer"]
    assert shown["links"] > 0
    for name, path in shown["modules"].items():
        assert _inside(path, installed.venv), f"{name} comes from {path}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_cnn_explorer_serves_the_app_from_any_folder(installed: Installed):
    port = _free_port()
    log = installed.elsewhere / "server.log"
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [str(installed.script), "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1"],
            cwd=installed.elsewhere, env=installed.env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = _get(f"http://127.0.0.1:{port}/_stcore/health")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert health == (200, "ok"), f"no healthy server on port {port}:\n{log.read_text()[-3000:]}"
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert '<div id="root">' in page
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def test_command_line_runs_from_the_installed_copy(installed: Installed):
    run = installed.run(installed.python, "-m", "explorer", "params", "--backbone", "vgg16", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    counts = json.loads(run.stdout)
    assert counts["backbone"] == "vgg16"
    assert counts["non_trainable"] == 14_714_688  # VGG16's convolutional base, frozen
    assert counts["total"] == counts["non_trainable"] + counts["trainable"]


def test_installed_copy_has_the_lessons(installed: Installed):
    run = installed.run(installed.python, "-m", "explorer", "lessons", "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(run.stdout)
    assert {row["id"] for row in rows} == {path.stem for path in (ROOT / "lessons").glob("*.toml")}
    for row in rows:
        assert _inside(row["file"], installed.venv), f"{row['id']} comes from {row['file']}"

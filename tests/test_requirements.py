"""The pinned requirements install everywhere students are, and pyproject.toml pins the same.

The `network` tests ask pip's resolver (a dry run: nothing is downloaded or installed) whether
requirements-dev.txt (which includes requirements.txt) resolves to wheels only for macOS on Apple
silicon, Windows x64 and Linux x86_64, each on Python 3.11, 3.12 and 3.13. They need a package
index: without one they are skipped, saying so, except where the CI variable is set (.ci/run sets
it), where a missing index fails them. Deselect them with `-m "not network"`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")


@dataclass(frozen=True)
class Target:
    """A platform students use: pip's platform tags for it and its environment-marker values."""

    id: str
    label: str
    platforms: tuple[str, ...]
    markers: dict[str, str]

    def environment(self, python: str) -> dict[str, str]:
        """The marker environment of this platform with CPython ``python`` (for example "3.12")."""
        return {**self.markers, "python_version": python, "python_full_version": f"{python}.0",
                "implementation_name": "cpython", "platform_python_implementation": "CPython"}


TARGETS = (
    Target("linux-x86_64", "Linux x86_64, glibc 2.28 or newer",
           # pip matches the tags it is given literally (manylinux2014 also covers 2010 and 1).
           (*(f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)), "manylinux2014_x86_64"),
           {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"}),
    Target("macos-arm64", "macOS 12 or newer on Apple silicon",
           ("macosx_12_0_arm64",),  # pip adds the older macOS versions and universal2
           {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64", "os_name": "posix"}),
    Target("windows-x64", "Windows x64",
           ("win_amd64",),
           {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"}),
)
LINUX_ARM = Target("linux-aarch64", "Linux on ARM", ("manylinux_2_27_aarch64",),
                   {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64",
                    "os_name": "posix"})
COMBINATIONS = [(t, py) for t in TARGETS for py in PYTHONS]

# pip evaluates environment markers (`; sys_platform == "darwin"` in a package's own requirements)
# for the machine it runs on, whatever --platform says. The resolver runs through this shim, which
# makes pip's marker environment the target's; when a future pip moves that function, the shim does
# nothing, our own requirements' markers are still applied by the test, and a warning says so.
_PIP_FOR_TARGET = """
import json, sys
target = json.loads(sys.argv[1])
try:
    from pip._vendor.packaging import markers
    _host = markers.default_environment
    markers.default_environment = lambda: {**_host(), **target}
except (ImportError, AttributeError):
    pass
from pip._internal.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def read_requirements(path: Path) -> list[Requirement]:
    """The requirements of a pip requirements file, following its ``-r`` includes."""
    found: list[Requirement] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += read_requirements(path.parent / line.split(maxsplit=1)[1])
            continue
        assert not line.startswith("-"), f"{path.name}: only pins and -r includes are expected. Received: {line}"
        found.append(Requirement(line))
    return found


def for_target(requirements: list[Requirement], environment: dict[str, str]) -> list[str]:
    """The requirements that apply on ``environment``, without their markers ("name==1.2.3")."""
    return [f"{r.name}{r.specifier}" for r in requirements if r.marker is None or r.marker.evaluate(environment)]


def _key(req: Requirement) -> tuple[str, str, str]:
    return canonicalize_name(req.name), str(req.specifier), str(req.marker or "")


def _pins(requirements: list[Requirement]) -> dict[str, str]:
    return {canonicalize_name(r.name): str(r.specifier)[2:] for r in requirements}


# -- without a network ---------------------------------------------------------------------------


def test_pyproject_dependencies_are_requirements_txt():
    # requirements.txt stays (Streamlit Community Cloud and `make` install it); `pip install .`
    # reads pyproject.toml. Same names, pins and markers, in any order.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = sorted(_key(Requirement(d)) for d in project["dependencies"])
    pinned = sorted(_key(r) for r in read_requirements(ROOT / "requirements.txt"))
    assert declared == pinned


def test_every_requirement_is_pinned_exactly():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for req in read_requirements(ROOT / name):
            assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"{name}: {req}"


@pytest.mark.parametrize("target", [*TARGETS, LINUX_ARM], ids=lambda t: t.id)
def test_one_tensorflow_per_platform(target: Target):
    applying = [Requirement(r) for r in for_target(read_requirements(ROOT / "requirements.txt"),
                                                   target.environment("3.12"))]
    chosen = [canonicalize_name(r.name) for r in applying if canonicalize_name(r.name).startswith("tensorflow")]
    # The CPU-only wheel exists for Linux x86_64 (and Windows) only; macOS has just `tensorflow`.
    assert chosen == ["tensorflow-cpu" if target.id == "linux-x86_64" else "tensorflow"]


def test_build_backend_is_the_pinned_setuptools():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    (backend,) = [Requirement(r) for r in build["requires"] if canonicalize_name(Requirement(r).name) == "setuptools"]
    pinned = _pins(read_requirements(ROOT / "requirements-dev.txt"))["setuptools"]
    assert SpecifierSet(str(backend.specifier)).contains(pinned)


# -- with a package index ------------------------------------------------------------------------


def _pip_env() -> dict[str, str]:
    return {**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_PROGRESS_BAR": "off"}


@pytest.fixture(scope="module")
def package_index() -> None:
    """Skip (fail on CI) when pip reaches no index that knows TensorFlow."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "tensorflow", "--timeout", "15", "--retries", "1"],
        capture_output=True, text=True, env=_pip_env(), timeout=120,
    )
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        reason = f"no package index answers (`pip index versions tensorflow`: {said}); the wheel checks need one"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set, so this is a failure")
        pytest.skip(reason)


@dataclass(frozen=True)
class Resolution:
    """What pip's dry-run resolver said for one platform and Python."""

    returncode: int
    output: str
    report: dict | None


def _resolve(target: Target, python: str, workdir: Path) -> Resolution:
    requirements = for_target(read_requirements(ROOT / "requirements-dev.txt"), target.environment(python))
    folder = workdir / f"{target.id}-{python}"
    folder.mkdir()
    report = folder / "report.json"
    platforms = [arg for tag in target.platforms for arg in ("--platform", tag)]
    run = subprocess.run(
        [sys.executable, "-c", _PIP_FOR_TARGET, json.dumps(target.environment(python)),
         "install", "--dry-run", "--ignore-installed", "--only-binary=:all:", *platforms,
         "--python-version", python, "--target", str(folder / "target"), "--report", str(report),
         "--quiet", "--timeout", "30", *requirements],
        capture_output=True, text=True, env=_pip_env(), timeout=600,
    )
    loaded = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else None
    return Resolution(run.returncode, run.stdout + run.stderr, loaded)


@pytest.fixture(scope="module")
def resolutions(package_index: None, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Resolution]:
    """All nine resolutions, in parallel: one more at a time than there are CPUs (they also wait on the index)."""
    workdir = tmp_path_factory.mktemp("resolve")
    with ThreadPoolExecutor(max_workers=min(len(COMBINATIONS), (os.cpu_count() or 2) + 1)) as pool:
        futures = {(t.id, py): pool.submit(_resolve, t, py, workdir) for t, py in COMBINATIONS}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.network
@pytest.mark.parametrize(("target", "python"), COMBINATIONS, ids=[f"{t.id}-py{py}" for t, py in COMBINATIONS])
def test_requirements_resolve_to_wheels(resolutions: dict[tuple[str, str], Resolution], target: Target, python: str):
    result = resolutions[target.id, python]
    noise = "is ignored: it is neither a file nor a directory"  # a configured local index without the package
    output = "\n".join(line for line in result.output.splitlines() if noise not in line)
    assert result.returncode == 0, f"requirements-dev.txt does not install on {target.label}, Python {python}:\n{output}"
    assert result.report is not None
    installed = {canonicalize_name(item["metadata"]["name"]): item for item in result.report["install"]}
    wanted = [Requirement(r) for r in for_target(read_requirements(ROOT / "requirements-dev.txt"),
                                                 target.environment(python))]
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in installed, f"{req} is missing from the resolution"
        assert installed[name]["metadata"]["version"] in req.specifier, installed[name]["metadata"]["version"]
    for name, item in installed.items():
        assert item["download_info"]["url"].endswith(".whl"), f"{name} would be built from source"
    environment = result.report.get("environment", {})
    if environment.get("sys_platform") != target.markers["sys_platform"]:
        warnings.warn(f"pip evaluated its dependencies' markers for this machine ({environment.get('sys_platform')}),"
                      f" not for {target.label}: the shim in {Path(__file__).name} needs updating", stacklevel=1)

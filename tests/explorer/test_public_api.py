"""The package's public API is deliberate: __all__ is honest and importing it stays cheap."""

import subprocess
import sys

import explorer


def test_all_names_exist_and_are_unique():
    assert len(set(explorer.__all__)) == len(explorer.__all__)
    for name in explorer.__all__:
        assert hasattr(explorer, name), name


def test_every_public_callable_is_exported():
    public = {n for n, v in vars(explorer).items() if not n.startswith("_") and callable(v)}
    assert public <= set(explorer.__all__)


def test_importing_the_package_does_not_import_tensorflow_or_streamlit():
    code = "import sys, explorer; print('tensorflow' in sys.modules, 'streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

"""Where the bundled assets (sample photos, ImageNet class names) live.

In a checkout that is the repository's assets/ folder. In an installed copy (``pip install .``)
the assets ship with the app in the ``cnn_explorer`` folder, which the same installation puts
next to ``explorer`` (see [tool.setuptools] in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]  # the checkout, or site-packages when installed
_CANDIDATES = (_ROOT / "assets", _ROOT / "cnn_explorer" / "assets")


def _find_assets_dir() -> Path:
    """The first candidate that holds the class names; the checkout's folder when none does."""
    for folder in _CANDIDATES:
        if (folder / "imagenet_classes.json").is_file():
            return folder
    return _CANDIDATES[0]


ASSETS_DIR = _find_assets_dir()
SAMPLES_DIR = ASSETS_DIR / "samples"

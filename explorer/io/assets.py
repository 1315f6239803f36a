"""Where the bundled files (sample photos, ImageNet class names, lessons) live.

In a checkout they are the repository's top-level folders (assets/, lessons/). In an installed
copy (``pip install .``) they ship with the app in the ``cnn_explorer`` folder, which the same
installation puts next to ``explorer`` (see [tool.setuptools] in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]  # the checkout, or site-packages when installed


def shipped_folder(name: str, marker: str) -> Path:
    """The checkout's top-level folder `name`, or the installed copy's; the first that holds `marker`
    (the checkout's when neither does)."""
    candidates = (_ROOT / name, _ROOT / "cnn_explorer" / name)
    for folder in candidates:
        if (folder / marker).is_file():
            return folder
    return candidates[0]


ASSETS_DIR = shipped_folder("assets", "imagenet_classes.json")
SAMPLES_DIR = ASSETS_DIR / "samples"

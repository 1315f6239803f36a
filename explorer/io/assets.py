"""Where the bundled assets (sample photos, ImageNet class names) live."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
SAMPLES_DIR = ASSETS_DIR / "samples"

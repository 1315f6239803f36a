"""The Activations Lab's state: backbone, photo, tab, the layer and channel looked at."""

from __future__ import annotations

from explorer.figures.activations import CHANNEL_COUNTS
from explorer.io.images import SAMPLE_IMAGES
from explorer.models.backbones import list_backbones
from ui.state import PageState, choice, number, text, whole

BACKBONE = "act.backbone"
SAMPLE = "act.sample"
TAB = "act.tab"
STAGE = "act.stage"
LAYER = "act.layer"
COUNT = "act.count"
SCALE = "act.scale"
RANK = "act.rank"
OPACITY = "act.opacity"
CAM_CLASS = "act.cam_class"
UPLOAD = "act.upload"
"""The photo uploader (an upload is never kept in a link)."""

TABS = ("Feature maps", "Through the network", "First-layer filters", "Predictions & Grad-CAM")
SCALES = ("shared", "per channel")
TOP_CLASS = -1
"""CAM_CLASS value meaning "whatever class ranks first" (a selectbox shows None as empty)."""

STATE = PageState("activations", "app_pages/activations_lab.py", (
    choice("backbone", BACKBONE, lambda v: [s.id for s in list_backbones()], "efficientnet_lite0"),
    choice("sample", SAMPLE, tuple(SAMPLE_IMAGES), "cat"),
    choice("tab", TAB, TABS),
    # Unset: the page starts at the backbone's first convolution and its most active channel.
    whole("stage", STAGE, 0, 100, None, after=("backbone",), optional=True),
    text("layer", LAYER, None, pattern=r"[A-Za-z0-9_./-]+", after=("backbone",), optional=True),
    choice("channels", COUNT, CHANNEL_COUNTS, 16),
    choice("scale", SCALE, SCALES, "shared"),
    whole("rank", RANK, 0, 100_000, None, after=("backbone",), optional=True),
    number("opacity", OPACITY, 0.0, 1.0, 0.6),
    whole("class", CAM_CLASS, TOP_CLASS, 999, TOP_CLASS, after=("backbone",)),
))

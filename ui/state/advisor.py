"""The Strategy Advisor's state: how many images, classes, how similar to ImageNet, which backbone."""

from __future__ import annotations

from explorer.advisor import SIMILARITIES
from explorer.models.backbones import list_backbones
from ui.state import PageState, choice, whole

IMAGES = "advisor.images"
CLASSES = "advisor.classes"
SIMILARITY = "advisor.similarity"
BACKBONE = "advisor.backbone"
OPEN = "advisor.open_freeze_lab"
TRAIN = "advisor.open_finetune_lab"


def pretrained_backbones() -> list[str]:
    """The backbones that come with ImageNet weights (transfer learning needs them)."""
    return [s.id for s in list_backbones() if s.weights_source != "none"]


STATE = PageState("advisor", "app_pages/strategy_advisor.py", (
    whole("images", IMAGES, 1, 100_000_000, 300),
    whole("classes", CLASSES, 2, 100_000, 2),
    choice("similarity", SIMILARITY, SIMILARITIES, "different", optional=True),  # a click can unselect it
    choice("backbone", BACKBONE, lambda v: pretrained_backbones()),
))

"""The Strategy Advisor's state: how many images, classes, how similar to ImageNet, which backbone."""

from __future__ import annotations

from explorer import links
from ui.state import PageState

IMAGES = "advisor.images"
CLASSES = "advisor.classes"
SIMILARITY = "advisor.similarity"
BACKBONE = "advisor.backbone"
OPEN = "advisor.open_freeze_lab"
TRAIN = "advisor.open_finetune_lab"


def pretrained_backbones() -> list[str]:
    """The backbones that come with ImageNet weights (transfer learning needs them)."""
    return links.pretrained_backbones()


# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.ADVISOR, "app_pages/strategy_advisor.py")

"""Detection Basics' state: the two boxes of the IoU playground and the five predictions' boxes
(a 100 x 100 image, y grows downwards), and what a drag on a chart does to them."""

from __future__ import annotations

from collections.abc import Sequence

from explorer import links
from explorer.detection import Box, snap_box
from ui.state import PageState

A_X, A_Y, B_X, B_Y = "detect.a_x", "detect.a_y", "detect.b_x", "detect.b_y"
BOXES = {"A": (A_X, A_Y), "B": (B_X, B_Y)}
"""Each box's (x1 to x2, y1 to y2) sliders."""
PREDICTIONS = "detect.predictions"
"""The sample predictions' boxes, in order (their scores stay the samples')."""

# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.DETECTION, "app_pages/detection_basics.py")


def move_boxes(shapes: Sequence[tuple[float, float, float, float]]) -> None:
    """Boxes A and B dragged on the IoU chart (its shapes 0 and 1): the sliders follow."""
    values = STATE.values()
    for (x_key, y_key), corners in zip(BOXES.values(), shapes):
        (x1, x2), (y1, y2) = values[STATE[x_key].name], values[STATE[y_key].name]
        box = snap_box(*corners, before=Box(x1, y1, x2, y2))
        STATE.set(x_key, (int(box.x1), int(box.x2)))
        STATE.set(y_key, (int(box.y1), int(box.y2)))


def move_predictions(shapes: Sequence[tuple[float, float, float, float]]) -> None:
    """Predictions dragged on the scene (shape i is prediction i)."""
    before = STATE.values()[STATE[PREDICTIONS].name]
    if len(shapes) == len(before):
        STATE.set(PREDICTIONS, tuple(snap_box(*corners, before=b) for corners, b in zip(shapes, before)))


def reset_predictions() -> None:
    """The predictions back where the worked example has them."""
    STATE.set(PREDICTIONS, STATE[PREDICTIONS].default)

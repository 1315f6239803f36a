"""Detection Basics' state: the two boxes of the IoU playground (a 100 x 100 image, y grows downwards)."""

from __future__ import annotations

from ui.state import PageState, span

A_X, A_Y, B_X, B_Y = "detect.a_x", "detect.a_y", "detect.b_x", "detect.b_y"
BOXES = {"A": (A_X, A_Y), "B": (B_X, B_Y)}
"""Each box's (x1 to x2, y1 to y2) sliders."""

STATE = PageState("detection", "app_pages/detection_basics.py", (
    span("a_x", A_X, 0, 100, (10, 60)),
    span("a_y", A_Y, 0, 100, (20, 70)),
    span("b_x", B_X, 0, 100, (20, 70)),
    span("b_y", B_Y, 0, 100, (25, 75)),
))

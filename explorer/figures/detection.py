"""Detection basics drawn: two boxes and their IoU, predictions against ground truth, precision-recall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.detection import Box, Detection, Match, Overlap, PrecisionRecall
from explorer.figures.style import BLUE, GREEN, MUTED, TEXT_SIZE, VERMILION, apply_style, tint
from explorer.i18n import _

__all__ = ["EDIT_CONFIG", "GROUND_TRUTH", "HIT", "MISS", "detection_figure", "iou_figure", "pr_figure"]

GROUND_TRUTH = GREEN
HIT = VERMILION
MISS = MUTED
_MARGIN = {"l": 70, "r": 30, "t": 60, "b": 60}
_IMAGE_MARGIN = {**_MARGIN, "t": 115}
"""Room above the image for the title and, under it, the x axis (on top, as image columns count)."""


EDIT_CONFIG = {"edits": {"shapePosition": True}, "displayModeBar": False, "scrollZoom": False}
"""Plotly's config for a figure whose boxes (its layout shapes) are dragged and resized on the chart."""


def _rect(box: Box, color: str, name: str, dash: str = "solid", fill: str | None = None,
          width: float = 3) -> go.Scatter:
    """A box that stays put: a closed line (a trace; only shapes can be dragged)."""
    return go.Scatter(
        x=[box.x1, box.x2, box.x2, box.x1, box.x1], y=[box.y1, box.y1, box.y2, box.y2, box.y1], mode="lines",
        name=name, line={"color": color, "width": width, "dash": dash}, fill="toself" if fill else None,
        fillcolor=fill, hovertemplate=f"{name}: ({box.x1:g}, {box.y1:g}) - ({box.x2:g}, {box.y2:g})<extra></extra>",
    )


def _shape(box: Box, color: str, name: str, label: str, fill: str, dash: str = "solid",
           legend: bool = False) -> dict:
    """A box that can be dragged (with EDIT_CONFIG): a layout shape, labelled in its corner."""
    return {"type": "rect", "x0": box.x1, "y0": box.y1, "x1": box.x2, "y1": box.y2, "name": name,
            "showlegend": legend, "layer": "above", "fillcolor": fill,
            "line": {"color": color, "width": 3, "dash": dash},
            "label": {"text": label, "textposition": "top left", "font": {"color": color, "size": TEXT_SIZE}}}


def _image_layout(size: float) -> dict:
    """Axes that span the image exactly: x from 0 at the left, y from 0 at the top, growing down.

    The figures here are built from whole dicts in one go: each later `update_*` call on a figure
    costs Plotly a merge and a relayout (several ms a call), and the page rebuilds its figures
    on every move of a box."""
    ticks = {"tickvals": [size * i / 5 for i in range(6)], "fixedrange": True, "zeroline": False,
             "showgrid": True, "mirror": True, "showline": True, "linecolor": MUTED, "ticks": "outside"}
    return {"xaxis": {"range": [0, size], "title": "x", "constrain": "domain", "side": "top", **ticks},
            "yaxis": {"range": [size, 0], "title": _("y (down, as in images)"), "scaleanchor": "x", "scaleratio": 1,
                      "constrain": "domain", **ticks},
            "dragmode": False}  # a drag moves a box, never zooms


def _top_title(text: str) -> dict:
    # From the figure's left edge, not the plot's: the axis title's margin is room for the text too (a
    # line was cut at the right in a half-width column). Plotly anchors a title of several lines by its
    # last one: each line above it needs its own room.
    return {"text": text, "x": 0.0, "xanchor": "left", "xref": "container", "y": 1.0, "yanchor": "top",
            "yref": "container", "pad": {"t": 12 + 26 * text.count("<br>"), "l": 8}}


def iou_figure(a: Box, b: Box, overlap: Overlap, size: float = 100) -> go.Figure:
    """Two boxes (layout shapes 0 and 1: draggable with EDIT_CONFIG), their intersection shaded,
    and the IoU in the title."""
    traces = ([_rect(overlap.intersection_box, GREEN, _("intersection"), fill=tint(GREEN, 0.45), width=1)]
              if overlap.intersection_box is not None else [])
    title = (f"IoU = {overlap.intersection:g} / {overlap.union:g} = <b>{overlap.iou:.3f}</b>"
             if overlap.union else _("IoU = 0 (both boxes are empty)"))
    return apply_style(go.Figure(traces, {
        **_image_layout(size),
        "shapes": [_shape(a, BLUE, _("box A"), "A", tint(BLUE, 0.12), legend=True),
                   _shape(b, VERMILION, _("box B"), "B", tint(VERMILION, 0.12), legend=True)],
        "height": 540, "margin": _IMAGE_MARGIN, "title": _top_title(title), "showlegend": True,
        "legend": {"orientation": "h", "y": -0.04, "yanchor": "top"},
    }))


def detection_figure(ground_truth: Sequence[Box], detections: Sequence[Detection], matches: Sequence[Match],
                     size: float = 100) -> go.Figure:
    """Ground truth (green, fixed) and detections (layout shape i is detection i, draggable with
    EDIT_CONFIG; hits in the highlight colour, misses grey) with their names and scores."""
    verdict = {m.detection: m for m in matches}
    traces, labels = [], []
    for i, box in enumerate(ground_truth):
        traces.append(_rect(box, GROUND_TRUTH, _("ground truth {i}").format(i=i), width=4))
        labels.append({"x": box.x1, "y": box.y2, "text": f"GT{i}", "showarrow": False, "xanchor": "left",
                       "yanchor": "top", "font": {"color": GROUND_TRUTH, "size": TEXT_SIZE}})
    shapes = []
    for i, det in enumerate(detections):
        color = HIT if verdict[i].hit else MISS
        shapes.append(_shape(det.box, color, f"P{i}", f"P{i} {det.score:.2f}", tint(color, 0.06), dash="dash"))
    return apply_style(go.Figure(traces, {
        **_image_layout(size), "height": 540, "margin": _IMAGE_MARGIN, "showlegend": False, "annotations": labels,
        "shapes": shapes, "title": _top_title(_("Green: ground truth.<br>Dashed: predictions (orange = hit)")),
    }))


def pr_figure(curves: Mapping[float, PrecisionRecall]) -> go.Figure:
    """Precision against recall per IoU threshold: the raw points and the interpolated curve whose area is AP."""
    traces = []
    for (threshold, pr), color in zip(curves.items(), (BLUE, VERMILION, GREEN)):
        recall = [0.0, *pr.recall]
        traces.append(go.Scatter(x=recall, y=[pr.interpolated[0], *pr.interpolated], mode="lines",
                                 line={"shape": "vh", "color": color, "width": 3}, fill="tozeroy",
                                 fillcolor=tint(color, 0.12), name=f"IoU {threshold:.2f}: AP = {pr.ap:.3f}"))
        traces.append(go.Scatter(x=pr.recall, y=pr.precision, mode="markers", marker={"color": color, "size": 11},
                                 showlegend=False,
                                 hovertemplate=_("recall %{x:.2f}, precision %{y:.2f}") + "<extra></extra>"))
    return apply_style(go.Figure(traces, {
        "xaxis": {"title": _("recall"), "range": [0, 1.05]}, "yaxis": {"title": _("precision"), "range": [0, 1.05]},
        "height": 400, "margin": _MARGIN, "title": _("Precision-recall, all-point interpolated<br>(area = AP)"),
        "legend": {"orientation": "h", "y": -0.22},
    }))

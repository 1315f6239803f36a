"""Detection basics drawn: two boxes and their IoU, predictions against ground truth, precision-recall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from explorer.detection import Box, Detection, Match, Overlap, PrecisionRecall
from explorer.figures.style import BACKGROUND, BLUE, GREEN, MUTED, TEXT_SIZE, VERMILION, apply_style, tint

__all__ = ["GROUND_TRUTH", "HIT", "MISS", "detection_figure", "iou_figure", "pr_figure"]

GROUND_TRUTH = GREEN
HIT = VERMILION
MISS = MUTED
_MARGIN = {"l": 70, "r": 30, "t": 60, "b": 60}


def _rect(fig: go.Figure, box: Box, color: str, name: str, dash: str = "solid", fill: str | None = None,
          width: float = 3) -> None:
    fig.add_trace(go.Scatter(
        x=[box.x1, box.x2, box.x2, box.x1, box.x1], y=[box.y1, box.y1, box.y2, box.y2, box.y1], mode="lines",
        name=name, line={"color": color, "width": width, "dash": dash}, fill="toself" if fill else None,
        fillcolor=fill, hovertemplate=f"{name}: ({box.x1:g}, {box.y1:g}) - ({box.x2:g}, {box.y2:g})<extra></extra>",
    ))


def _image_axes(fig: go.Figure, size: float) -> None:
    pad = size * 0.03  # keeps the corner ticks 0 and 100 apart
    fig.update_xaxes(range=[-pad, size + pad], title="x", constrain="domain", zeroline=False)
    fig.update_yaxes(range=[size + pad, -pad], title="y (down, as in images)", scaleanchor="x", scaleratio=1,
                     zeroline=False)


def iou_figure(a: Box, b: Box, overlap: Overlap, size: float = 100) -> go.Figure:
    """Two boxes, their intersection shaded, and the IoU in the title."""
    fig = go.Figure()
    _rect(fig, a, BLUE, "box A", fill=tint(BLUE, 0.12))
    _rect(fig, b, VERMILION, "box B", fill=tint(VERMILION, 0.12))
    if overlap.intersection_box is not None:
        _rect(fig, overlap.intersection_box, GREEN, "intersection", fill=tint(GREEN, 0.45), width=1)
    title = (f"IoU = {overlap.intersection:g} / {overlap.union:g} = <b>{overlap.iou:.3f}</b>"
             if overlap.union else "IoU = 0 (both boxes are empty)")
    _image_axes(fig, size)
    fig.update_layout(height=560, margin=_MARGIN, title=title, legend={"orientation": "h", "y": -0.15})
    return apply_style(fig)


def detection_figure(ground_truth: Sequence[Box], detections: Sequence[Detection], matches: Sequence[Match],
                     size: float = 100) -> go.Figure:
    """Ground truth (green) and detections (hits in the highlight colour, misses grey) with their names."""
    fig = go.Figure()
    verdict = {m.detection: m for m in matches}
    labels = []
    for i, box in enumerate(ground_truth):
        _rect(fig, box, GROUND_TRUTH, f"ground truth {i}", width=4)
        labels.append({"x": box.x1, "y": box.y1, "text": f"GT{i}", "showarrow": False, "xanchor": "left",
                       "yanchor": "bottom", "font": {"color": GROUND_TRUTH, "size": TEXT_SIZE}})
    for i, det in enumerate(detections):
        color = HIT if verdict[i].hit else MISS
        _rect(fig, det.box, color, f"P{i} ({det.score:.2f})", dash="dash")
        labels.append({"x": (det.box.x1 + det.box.x2) / 2, "y": (det.box.y1 + det.box.y2) / 2,
                       "text": f"P{i} {det.score:.2f}", "showarrow": False, "bgcolor": tint(BACKGROUND, 0.8),
                       "font": {"color": color, "size": TEXT_SIZE}})
    _image_axes(fig, size)
    fig.update_layout(height=520, margin=_MARGIN, showlegend=False, annotations=labels,
                      title="Green: ground truth. Dashed: predictions (orange = hit)")
    return apply_style(fig)


def pr_figure(curves: Mapping[float, PrecisionRecall]) -> go.Figure:
    """Precision against recall per IoU threshold: the raw points and the interpolated curve whose area is AP."""
    fig = go.Figure()
    for (threshold, pr), color in zip(curves.items(), (BLUE, VERMILION, GREEN)):
        recall = [0.0, *pr.recall]
        fig.add_trace(go.Scatter(x=recall, y=[pr.interpolated[0], *pr.interpolated], mode="lines",
                                 line={"shape": "vh", "color": color, "width": 3}, fill="tozeroy",
                                 fillcolor=tint(color, 0.12), name=f"IoU {threshold:.2f}: AP = {pr.ap:.3f}"))
        fig.add_trace(go.Scatter(x=pr.recall, y=pr.precision, mode="markers", marker={"color": color, "size": 11},
                                 showlegend=False, hovertemplate="recall %{x:.2f}, precision %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title="recall", range=[0, 1.05])
    fig.update_yaxes(title="precision", range=[0, 1.05])
    fig.update_layout(height=400, margin=_MARGIN, title="Precision-recall, all-point interpolated (area = AP)",
                      legend={"orientation": "h", "y": -0.22})
    return apply_style(fig)

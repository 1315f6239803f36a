"""Plotly figures for the case studies, the strategy advisor and detection basics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.detection import Box, Detection, Match, Overlap, PrecisionRecall
from explorer.case_studies.zoo import MemoryReport, ZooModel

BLUE, ORANGE, YELLOW, GREEN, PINK, SKY, GREY = "#0072B2", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#5D6D7E"
FONT = {"family": "Helvetica, Arial, sans-serif", "size": 16}
FAMILY = {
    "alexnet": "AlexNet family", "zfnet": "AlexNet family", "vgg16": "VGG", "vgg19": "VGG",
    "googlenet": "Inception", "inception_v3": "Inception", "inception_resnet_v2": "Inception",
    "resnet50": "ResNet", "mobilenet_v2": "Mobile", "efficientnet_b0": "Mobile", "efficientnet_lite0": "Mobile",
}
FAMILY_COLOR = {"AlexNet family": GREY, "VGG": BLUE, "Inception": ORANGE, "ResNet": GREEN, "Mobile": PINK}
# Where each bubble's name goes, so that neighbours do not collide at projector size.
_LABEL_AT = {"vgg16": "top center", "vgg19": "bottom center", "efficientnet_b0": "middle left",
             "efficientnet_lite0": "middle left", "mobilenet_v2": "middle left", "googlenet": "bottom center",
             "zfnet": "middle right", "alexnet": "middle right", "resnet50": "top center",
             "inception_v3": "top center", "inception_resnet_v2": "bottom center"}
MAX_BUBBLE_PX = 80


def _layout(fig: go.Figure, height: int, **kwargs: object) -> go.Figure:
    fig.update_layout(height=height, font=FONT, template="plotly_white", margin={"l": 70, "r": 30, "t": 60, "b": 60},
                      hoverlabel={"font_size": 15}, **kwargs)
    return fig


def zoo_bubble_figure(models: Sequence[ZooModel]) -> go.Figure:
    """Top-1 accuracy against multiply-adds (log scale); bubble area = parameters."""
    fig = go.Figure()
    biggest = max(m.params for m in models)
    for family, color in FAMILY_COLOR.items():
        members = [m for m in models if FAMILY.get(m.spec.id, "Mobile") == family]
        if not members:
            continue
        fig.add_trace(go.Scatter(
            x=[m.madds / 1e9 for m in members], y=[m.spec.top1 for m in members], name=family,
            mode="markers+text", text=[m.spec.name.split(" (")[0] for m in members],
            textposition=[_LABEL_AT.get(m.spec.id, "top center") for m in members],
            textfont={"size": 15},
            marker={"size": [m.params for m in members], "sizemode": "area", "sizemin": 6,
                    "sizeref": 2.0 * biggest / MAX_BUBBLE_PX ** 2, "color": color, "opacity": 0.6,
                    "line": {"width": 1.5, "color": color}},
            customdata=[[m.spec.year, m.params / 1e6, m.depth, m.spec.input_size] for m in members],
            hovertemplate=("<b>%{text}</b> (%{customdata[0]})<br>top-1 %{y:.1f}%<br>%{x:.2f} G multiply-adds"
                           "<br>%{customdata[1]:.1f} M parameters<br>depth %{customdata[2]}"
                           "<br>input %{customdata[3]}x%{customdata[3]}<extra></extra>"),
        ))
    fig.update_xaxes(type="log", title="multiply-adds per image (billions, log scale)", tickvals=[0.3, 0.5, 1, 2, 5, 10, 20],
                     ticktext=["0.3", "0.5", "1", "2", "5", "10", "20"], range=[-0.75, 1.5])
    fig.update_yaxes(title="ImageNet top-1 accuracy (%)", range=[56, 83])
    return _layout(fig, 560, title="Accuracy against compute: bubble area = parameters",
                   legend={"orientation": "h", "y": -0.18, "x": 0})


def memory_figure(report: MemoryReport) -> go.Figure:
    """Two rows over the same layers: activation memory (top) and parameter memory (bottom)."""
    names = [row.name for row in report.rows]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=("activations for one image (MB, float32)", "parameters (MB, float32)"))
    fig.add_trace(go.Bar(x=names, y=[report.megabytes(r.activations) for r in report.rows], marker_color=BLUE,
                         name="activations", hovertemplate="%{x}: %{y:.2f} MB<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=names, y=[report.megabytes(r.params) for r in report.rows], marker_color=ORANGE,
                         name="parameters", hovertemplate="%{x}: %{y:.2f} MB<extra></extra>"), row=2, col=1)
    fig.update_xaxes(tickangle=-60, tickfont={"size": 13}, row=2, col=1)
    fig.update_yaxes(title="MB", row=1, col=1)
    fig.update_yaxes(title="MB", row=2, col=1)
    return _layout(fig, 640, showlegend=False, bargap=0.15)


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
    _rect(fig, a, BLUE, "box A", fill="rgba(0,114,178,0.12)")
    _rect(fig, b, ORANGE, "box B", fill="rgba(213,94,0,0.12)")
    if overlap.intersection_box is not None:
        _rect(fig, overlap.intersection_box, GREEN, "intersection", fill="rgba(0,158,115,0.45)", width=1)
    title = (f"IoU = {overlap.intersection:g} / {overlap.union:g} = <b>{overlap.iou:.3f}</b>"
             if overlap.union else "IoU = 0 (both boxes are empty)")
    _image_axes(fig, size)
    return _layout(fig, 560, title=title, legend={"orientation": "h", "y": -0.15})


def detection_figure(ground_truth: Sequence[Box], detections: Sequence[Detection], matches: Sequence[Match],
                     size: float = 100) -> go.Figure:
    """Ground truth (green) and detections (orange hits, grey misses) with their names."""
    fig = go.Figure()
    verdict = {m.detection: m for m in matches}
    for i, box in enumerate(ground_truth):
        _rect(fig, box, GREEN, f"ground truth {i}", width=4)
        fig.add_annotation(x=box.x1, y=box.y1, text=f"GT{i}", showarrow=False, xanchor="left", yanchor="bottom",
                           font={"color": GREEN, "size": 15})
    for i, det in enumerate(detections):
        hit = verdict[i].hit
        _rect(fig, det.box, ORANGE if hit else GREY, f"P{i} ({det.score:.2f})", dash="dash")
        fig.add_annotation(x=(det.box.x1 + det.box.x2) / 2, y=(det.box.y1 + det.box.y2) / 2,
                           text=f"P{i} {det.score:.2f}", showarrow=False, bgcolor="rgba(255,255,255,0.8)",
                           font={"color": ORANGE if hit else GREY, "size": 14})
    _image_axes(fig, size)
    return _layout(fig, 520, showlegend=False, title="Green: ground truth. Dashed: predictions (orange = hit)")


def pr_figure(curves: Mapping[float, PrecisionRecall]) -> go.Figure:
    """Precision against recall per IoU threshold: the raw points and the interpolated curve whose area is AP."""
    fig = go.Figure()
    for (threshold, pr), color in zip(curves.items(), (BLUE, ORANGE, GREEN)):
        recall = [0.0, *pr.recall]
        fig.add_trace(go.Scatter(x=recall, y=[pr.interpolated[0], *pr.interpolated], mode="lines",
                                 line={"shape": "vh", "color": color, "width": 3}, fill="tozeroy",
                                 fillcolor=f"rgba({int(color[1:3], 16)},{int(color[3:5], 16)},{int(color[5:], 16)},0.12)",
                                 name=f"IoU {threshold:.2f}: AP = {pr.ap:.3f}"))
        fig.add_trace(go.Scatter(x=pr.recall, y=pr.precision, mode="markers", marker={"color": color, "size": 11},
                                 showlegend=False, hovertemplate="recall %{x:.2f}, precision %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title="recall", range=[0, 1.05])
    fig.update_yaxes(title="precision", range=[0, 1.05])
    return _layout(fig, 400, title="Precision-recall, all-point interpolated (area = AP)",
                   legend={"orientation": "h", "y": -0.22})


def advisor_figure(chosen: tuple[str, str], labels: Mapping[tuple[str, str], str]) -> go.Figure:
    """The 2x2 matrix of data size x similarity, the chosen quadrant highlighted."""
    fig = go.Figure()
    for (size, similarity), text in labels.items():
        x0, y0 = (0 if size == "small" else 1), (1 if similarity == "similar" else 0)
        on = (size, similarity) == chosen
        fig.add_shape(type="rect", x0=x0, x1=x0 + 1, y0=y0, y1=y0 + 1, line={"color": "white", "width": 6},
                      fillcolor=ORANGE if on else "#EAECEE")
        fig.add_annotation(x=x0 + 0.5, y=y0 + 0.5, text=text, showarrow=False,
                           font={"size": 17, "color": "white" if on else "#2C3E50"})
    fig.update_xaxes(range=[0, 2], tickvals=[0.5, 1.5], ticktext=["little data", "a lot of data"], showgrid=False,
                     zeroline=False, tickfont={"size": 17})
    fig.update_yaxes(range=[0, 2], tickvals=[0.5, 1.5], ticktext=["different<br>from ImageNet", "similar<br>to ImageNet"],
                     showgrid=False, zeroline=False, tickfont={"size": 17})
    fig = _layout(fig, 380)
    fig.update_layout(margin={"l": 140, "r": 10, "t": 10, "b": 40})
    return fig

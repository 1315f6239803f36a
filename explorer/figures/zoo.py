"""The case studies' figures: accuracy against compute for the zoo, and memory per layer."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.case_studies.zoo import MemoryReport, ZooModel
from explorer.figures.style import BLUE, GREEN, MUTED, PINK, SMALL_SIZE, TEXT_SIZE, VERMILION, apply_style
from explorer.i18n import N_, _

__all__ = ["FAMILY", "FAMILY_COLOR", "MAX_BUBBLE_PX", "memory_figure", "zoo_bubble_figure"]

FAMILY = {
    "alexnet": "AlexNet family", "zfnet": "AlexNet family", "vgg16": "VGG", "vgg19": "VGG",
    "googlenet": "Inception", "inception_v3": "Inception", "inception_resnet_v2": "Inception",
    "resnet50": "ResNet", "mobilenet_v2": "Mobile", "efficientnet_b0": "Mobile", "efficientnet_lite0": "Mobile",
}
FAMILY_COLOR = {N_("AlexNet family"): MUTED, "VGG": BLUE, "Inception": VERMILION, "ResNet": GREEN, "Mobile": PINK}
# Where each bubble's name goes, so that neighbours do not collide at projector size.
# The small networks at the left edge are named above, below and to the right of their bubbles: to their
# left the names ran out of the chart ("entNet-B0") at 1024x768.
_LABEL_AT = {"vgg16": "top center", "vgg19": "bottom center", "efficientnet_b0": "top center",
             "efficientnet_lite0": "bottom right", "mobilenet_v2": "bottom center", "googlenet": "bottom center",
             "zfnet": "middle right", "alexnet": "middle right", "resnet50": "top center",
             "inception_v3": "top center", "inception_resnet_v2": "bottom center"}
MAX_BUBBLE_PX = 80
_MARGIN = {"l": 70, "r": 30, "t": 60, "b": 60}


def zoo_bubble_figure(models: Sequence[ZooModel]) -> go.Figure:
    """Top-1 accuracy against multiply-adds (log scale); bubble area = parameters."""
    fig = go.Figure()
    biggest = max(m.params for m in models)
    for family, color in FAMILY_COLOR.items():
        # A network without a published top-1 (ZFNet) has no place on the accuracy axis.
        members = [m for m in models if FAMILY.get(m.spec.id, "Mobile") == family and m.spec.top1 is not None]
        if not members:
            continue
        fig.add_trace(go.Scatter(
            x=[m.madds / 1e9 for m in members], y=[m.spec.top1 for m in members], name=_(family),
            mode="markers+text", text=[m.spec.name.split(" (")[0] for m in members],
            textposition=[_LABEL_AT.get(m.spec.id, "top center") for m in members],
            textfont={"size": TEXT_SIZE},
            marker={"size": [m.params for m in members], "sizemode": "area", "sizemin": 6,
                    "sizeref": 2.0 * biggest / MAX_BUBBLE_PX ** 2, "color": color, "opacity": 0.6,
                    "line": {"width": 1.5, "color": color}},
            customdata=[[m.spec.year, m.params / 1e6, m.depth, m.spec.input_size] for m in members],
            hovertemplate="<b>%{text}</b> (%{customdata[0]})<br>" + _(
                "top-1 %{y:.1f}%<br>%{x:.2f} G multiply-adds<br>%{customdata[1]:.1f} M parameters"
                "<br>depth %{customdata[2]}<br>input %{customdata[3]}x%{customdata[3]}") + "<extra></extra>",
        ))
    fig.update_xaxes(type="log", title=_("multiply-adds per image (billions, log scale)"), tickvals=[0.3, 0.5, 1, 2, 5, 10, 20],
                     ticktext=["0.3", "0.5", "1", "2", "5", "10", "20"], range=[-0.75, 1.5])
    fig.update_yaxes(title=_("ImageNet top-1 accuracy (%)"), range=[56, 83])
    fig.update_layout(height=560, margin=_MARGIN, title=_("Accuracy against compute: bubble area = parameters"),
                      legend={"orientation": "h", "y": -0.18, "x": 0})
    return apply_style(fig)


def memory_figure(report: MemoryReport) -> go.Figure:
    """Two rows over the same layers: activation memory (top) and parameter memory (bottom)."""
    names = [row.name for row in report.rows]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=(_("activations for one image (MB, float32)"), _("parameters (MB, float32)")))
    fig.add_trace(go.Bar(x=names, y=[report.megabytes(r.activations) for r in report.rows], marker_color=BLUE,
                         name=_("activations"), hovertemplate="%{x}: %{y:.2f} MB<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=names, y=[report.megabytes(r.params) for r in report.rows], marker_color=VERMILION,
                         name=_("parameters"), hovertemplate="%{x}: %{y:.2f} MB<extra></extra>"), row=2, col=1)
    fig.update_xaxes(tickangle=-60, tickfont={"size": SMALL_SIZE}, row=2, col=1)
    fig.update_yaxes(title="MB", row=1, col=1)
    fig.update_yaxes(title="MB", row=2, col=1)
    fig.update_layout(height=640, margin=_MARGIN, showlegend=False, bargap=0.15)
    return apply_style(fig)

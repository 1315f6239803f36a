"""Freeze X-ray figures: which layers' weights moved while a run trained, and BatchNormalization's drift."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.style import FROZEN, MUTED, QUALITATIVE, SMALL_SIZE, TEXT_SIZE, apply_style
from explorer.i18n import _
from explorer.training.movement import LayerMovement

__all__ = ["MOVING_SCALE", "bn_experiment_figure", "movement_figure", "percent_label"]

MOVING_SCALE = ((0.0, "#FFF3B0"), (0.35, "#E69F00"), (0.7, "#D55E00"), (1.0, "#6B2400"))
"""Warm colours for weights that moved (pale: a little, dark: a lot); exact 0 is FROZEN blue."""
_DECADES = 6
"""At most this many powers of ten on the colour scale: smaller changes share its pale end."""


def percent_label(change: float) -> str:
    """A relative change as a short percentage: 0.0004 -> "0.04%", 0.25 -> "25%"."""
    value = change * 100
    return f"{value:.2g}%" if value < 10 else f"{value:.0f}%"


def _log_range(runs: Sequence[LayerMovement]) -> tuple[int, int]:
    positive = [v for m in runs for row in m.grouped()[1] for v in row if v > 0.0]
    if not positive:
        return -4, 0
    high = math.ceil(math.log10(max(positive)) - 1e-9)
    low = max(math.floor(math.log10(min(positive))), high - _DECADES)
    return low, max(high, low + 1)


def movement_figure(runs: Sequence[tuple[str, LayerMovement]]) -> go.Figure:
    """Layers (or blocks) x epochs, colour = relative weight change since the start, log scale.

    Several runs sit side by side on one colour scale. Rows are in network order with the head
    on top; a layer that did not move at all (frozen) is solid blue; a dotted line marks the
    switch to stage 2.
    """
    runs = list(runs) or [("", LayerMovement((), (), (), (), (), (), (), ()))]
    grouped = [m.grouped() for _, m in runs]
    same_rows = all(g[0] == grouped[0][0] for g in grouped)
    # Titles on two lines ("1. two-stage" / "backbone · size"): side by side in a narrow window they must not meet.
    titles = [label.replace(" · ", "<br>", 1) for label, _m in runs]
    fig = make_subplots(rows=1, cols=len(runs), subplot_titles=titles,
                        shared_yaxes=same_rows, horizontal_spacing=0.04 if same_rows else 0.16)
    low, high = _log_range([m for _, m in runs])
    exact_zero = _("exactly 0 (did not move: frozen)")
    for col, ((label, movement), (rows, values)) in enumerate(zip(runs, grouped), start=1):
        epochs = list(range(1, movement.epochs + 1))
        z = [[math.log10(v) if v > 0 else None for v in row] for row in values]
        text = [[percent_label(v) if v > 0 else exact_zero for v in row] for row in values]
        fig.add_trace(go.Heatmap(
            x=epochs, y=list(rows), z=z, text=text, coloraxis="coloraxis", xgap=1, ygap=1,
            hovertemplate=_("%{y}, epoch %{x}: moved %{text}") + "<extra></extra>", name=label), row=1, col=col)
        zeros = [[1 if v == 0.0 else None for v in row] for row in values]
        fig.add_trace(go.Heatmap(
            x=epochs, y=list(rows), z=zeros, text=text, showscale=False, xgap=1, ygap=1,
            colorscale=[[0.0, FROZEN], [1.0, FROZEN]], hovertemplate="%{y}, epoch %{x}: %{text}<extra></extra>",
            name=exact_zero), row=1, col=col)
        if movement.stage2_epoch is not None:
            fig.add_vline(x=movement.stage2_epoch + 0.5, line_dash="dot", line_width=3, line_color=MUTED,
                          row=1, col=col)
        fig.update_xaxes(title_text=_("epoch"), dtick=1 if movement.epochs <= 15 else None, row=1, col=col)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=exact_zero, showlegend=True,
                             marker={"symbol": "square", "size": 16, "color": FROZEN}))
    if any(m.stage2_epoch is not None for _label, m in runs):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=_("stage 2 starts"), showlegend=True,
                                 line={"dash": "dot", "width": 3, "color": MUTED}))
    ticks = list(range(low, high + 1))
    fig.update_layout(
        coloraxis={"colorscale": [list(stop) for stop in MOVING_SCALE], "cmin": low, "cmax": high,
                   "colorbar": {"title": {"text": _("moved since<br>the start"), "side": "top"},
                                "tickvals": ticks, "ticktext": [percent_label(10.0 ** k) for k in ticks],
                                "thickness": 18, "len": 0.9}},
        height=max(380, min(940, 26 * max(len(g[0]) for g in grouped) + 210)),
        margin={"l": 20, "r": 20, "t": 90, "b": 110},
        # At the figure's foot, under the axis titles, whatever the figure's height.
        legend={"orientation": "h", "yref": "container", "y": 0.01, "yanchor": "bottom", "x": 0},
    )
    fig.update_yaxes(tickfont={"size": SMALL_SIZE}, automargin=True)
    fig.update_annotations(font_size=TEXT_SIZE)  # the run titles
    return apply_style(fig)


def bn_experiment_figure(runs: Sequence[tuple[str, Mapping[str, Sequence[float]], LayerMovement]]) -> go.Figure:
    """Validation accuracy (left) and how far BatchNormalization's moving statistics moved (right), per run.

    Args:
        runs: (label, history, movement) of each run, the same data and seed.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        _("validation accuracy"), _("BatchNormalization moving mean and variance: change since the start")))
    stage2 = None
    for i, (label, history, movement) in enumerate(runs):
        color = QUALITATIVE[i % len(QUALITATIVE)]
        accuracy = list(history.get("val_accuracy", ()))
        fig.add_trace(go.Scatter(x=list(range(1, len(accuracy) + 1)), y=accuracy, name=label, legendgroup=label,
                                 mode="lines+markers", line={"color": color, "width": 3}), row=1, col=1)
        drift = list(movement.bn_total_drift())
        fig.add_trace(go.Scatter(x=list(range(1, len(drift) + 1)), y=drift, name=label, legendgroup=label,
                                 showlegend=False, mode="lines+markers", line={"color": color, "width": 3,
                                                                                 "dash": "solid" if i == 0 else "dash"},
                                 hovertemplate="%{y:.2%}<extra>" + label + "</extra>"), row=1, col=2)
        stage2 = stage2 if stage2 is not None else movement.stage2_epoch
    if stage2 is not None:
        for col in (1, 2):
            fig.add_vline(x=stage2 + 0.5, line_dash="dot", line_width=3, line_color=MUTED, row=1, col=col)
    fig.update_xaxes(title_text=_("epoch"), dtick=1)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(tickformat=".1%", rangemode="tozero", row=1, col=2)
    fig.update_layout(height=400, margin={"l": 60, "r": 20, "t": 60, "b": 50},
                      legend={"orientation": "h", "y": -0.2, "x": 0})
    fig.update_annotations(font_size=TEXT_SIZE)
    return apply_style(fig)

"""The Freeze Lab's chart: parameters per layer (or block), frozen, trainable and the new head."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from explorer.figures.style import FROZEN, HEAD, SMALL_SIZE, TEXT_SIZE, TRAINABLE, apply_style
from explorer.i18n import _
from explorer.models.blocks import layer_blocks
from explorer.models.params import LayerParams, ParamTable

__all__ = ["MAX_BARS", "ParamBar", "param_bars", "parameters_figure"]

MAX_BARS = 40


@dataclass(frozen=True)
class ParamBar:
    """One bar of the chart: a layer or a run of layers."""

    label: str
    trainable: int
    frozen: int
    layers: int


def param_bars(table: ParamTable, flags: tuple[bool, ...]) -> tuple[ParamBar, ...]:
    """At most MAX_BARS bars: one per layer with weights, else per block, else runs of blocks."""
    weighted = [(layer, on) for layer, on in zip(table.layers, flags) if layer.params]
    if len(weighted) <= MAX_BARS:
        groups = [(layer.name, [(layer, on)]) for layer, on in weighted]
    else:
        blocks: dict[str, list[tuple[LayerParams, bool]]] = {}
        for (layer, on), block in zip(zip(table.layers, flags), layer_blocks(table)):
            if layer.params:
                blocks.setdefault(block, []).append((layer, on))
        groups = list(blocks.items())
        if len(groups) > MAX_BARS:
            size = -(-len(groups) // MAX_BARS)
            runs = [groups[i : i + size] for i in range(0, len(groups), size)]
            groups = [
                (run[0][0] if len(run) == 1 else f"{run[0][0]}..{run[-1][0]}", [m for _, ms in run for m in ms])
                for run in runs
            ]
    bars = []
    for label, members in groups:
        trainable = sum(layer.trainable_params for layer, on in members if on)
        total = sum(layer.params for layer, _ in members)
        bars.append(ParamBar(label, trainable, total - trainable, len(members)))
    return tuple(bars)


def parameters_figure(
    table: ParamTable, flags: tuple[bool, ...], head: tuple[LayerParams, ...]
) -> go.Figure:
    """Stacked bars of parameters per layer (or block): frozen, trainable, and the new head."""
    bars = param_bars(table, flags)
    head = tuple(layer for layer in head if layer.params)
    labels = [bar.label for bar in bars] + [_("head: {name}").format(name=layer.name) for layer in head]
    pad = [0] * len(head)
    hover = "%{x}<br>" + _("%{y:,} parameters") + "<extra>%{fullData.name}</extra>"
    grouped = len(bars) < sum(1 for layer in table.layers if layer.params)
    # One constructor call with the whole layout: a later update_layout costs Plotly a merge and a
    # relayout, and the Freeze Lab rebuilds this figure on every click.
    return apply_style(go.Figure(
        [
            go.Bar(name=_("frozen"), x=labels, y=[b.frozen for b in bars] + pad,
                   marker_color=FROZEN, hovertemplate=hover),
            go.Bar(name=_("trainable"), x=labels, y=[b.trainable for b in bars] + pad,
                   marker_color=TRAINABLE, hovertemplate=hover),
            go.Bar(name=_("new head (trainable)"), x=labels, y=[0] * len(bars) + [l.params for l in head],
                   marker_color=HEAD, hovertemplate=hover),
        ],
        {
            "barmode": "stack",
            "title": {"text": _("Parameters per block") if grouped else _("Parameters per layer"), "x": 0, "y": 0.98},
            "height": 430,
            "margin": {"l": 80, "r": 10, "t": 80, "b": 10},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
            "yaxis": {"title": _("parameters"), "tickformat": ".3s"},
            # Every bar named up to 25 (Plotly named every other one where the chart is narrow, at 1024x768),
            # turned upright where the names would overlap.
            "xaxis": {"showgrid": False, "autotickangles": [-45, -90], "dtick": 1 if len(labels) <= 25 else None,
                      "tickfont": {"size": SMALL_SIZE if len(labels) > 25 else TEXT_SIZE}},
            "bargap": 0.15,
        },
    ))

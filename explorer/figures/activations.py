"""Plotly figures for the Activations Lab: feature-map grids, overlays, the strip, filters, predictions.

Big pictures (a grid of 64 maps, the photo) travel as one PNG inside the figure rather than
as numbers: a 64-map grid is ~0.2 MB of PNG instead of megabytes of JSON, so a layer switch
stays quick. Values that deserve a hover (one channel, Grad-CAM) are real heatmaps.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
from collections.abc import Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from explorer.activations import FilterBank, GradCam, LayerFacts, LayerInfo, StripMap, short_label
from explorer.figures.style import (
    BLUE,
    HIGHLIGHT,
    INK,
    LARGE_SIZE,
    MUTED,
    SMALL_SIZE,
    TEXT_SIZE,
    apply_style,
)
from explorer.i18n import _
from explorer.io.imagenet import Prediction

__all__ = [
    "CHANNEL_COUNTS",
    "channel_overlay_figure",
    "colorize",
    "feature_grid_figure",
    "filters_figure",
    "grad_cam_figure",
    "grid_columns",
    "layer_facts_figure",
    "network_strip_figure",
    "predictions_figure",
]

CHANNEL_COUNTS = (4, 8, 16, 32, 64)
"""Choices of how many feature maps the grid shows."""
MAP_COLORSCALE = "Viridis"
_MIN_TILE = 96  # small maps (7x7) are enlarged by whole pixels so that they stay crisp
_MAX_TILE = 112  # large maps are reduced: the grid is ~900 px wide however many tiles
_LABEL_BAND = 22
_GAP = 6
_BAR_COLOR = BLUE
_TOP_COLOR = HIGHLIGHT


@functools.lru_cache(maxsize=8)
def _lut(colorscale: str, levels: int = 256) -> np.ndarray:
    """A `levels`-entry RGB lookup table sampled evenly from a Plotly colour scale (first to last colour)."""
    steps = [i / (levels - 1) for i in range(levels)]
    colors = plotly.colors.sample_colorscale(colorscale, steps, colortype="tuple")
    table = np.array([[round(255 * c) if max(color) <= 1 else round(c) for c in color[:3]] for color in colors])
    table = np.clip(table, 0, 255).astype(np.uint8)
    table.flags.writeable = False
    return table


def colorize(values: np.ndarray, low: float, high: float, colorscale: str = MAP_COLORSCALE) -> np.ndarray:
    """Map a 2-D array to RGB through a colour scale; low -> the first colour, high -> the last.

    NaN (the gaps between tiles) becomes white.
    """
    span = high - low
    scaled = np.zeros_like(values, dtype=np.float64) if span <= 0 else (values - low) / span
    index = np.clip(np.nan_to_num(scaled, nan=0.0) * 255 + 0.5, 0, 255).astype(np.uint8)
    rgb = _lut(colorscale)[index]
    rgb[np.isnan(values)] = 255
    return rgb


def _indexed_png(values: np.ndarray, low: float, high: float, colorscale: str = MAP_COLORSCALE) -> str:
    """A 2-D array as a palette PNG through a colour scale (255 levels: low -> the first colour, high ->
    the last; NaN -> white). One byte a pixel, not three: a 64-map grid encodes in a fifth of the time of
    colorize + _png, in half the bytes, for the browser to decode too."""
    span = high - low
    scaled = np.zeros(values.shape, np.float32) if span <= 0 else (values - low) / span
    index = np.clip(np.nan_to_num(scaled, nan=0.0) * 254 + 0.5, 0, 254).astype(np.uint8)
    index[np.isnan(values)] = 255
    image = Image.fromarray(index, "P")
    image.putpalette(_lut(colorscale, 255).tobytes() + bytes((255, 255, 255)))  # 255 levels, then white
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _png(rgb: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _jpeg(rgb: np.ndarray) -> str:
    """A photo as a JPEG data URI: a fifth of the PNG's bytes and encoding time."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _tile(values: np.ndarray) -> np.ndarray:
    """Enlarge a small map by whole pixels or reduce a large one, to about 96-112 px a side."""
    height, width = values.shape
    side = max(height, width)
    if side < _MIN_TILE:
        factor = math.ceil(_MIN_TILE / side)
        return np.repeat(np.repeat(values, factor, axis=0), factor, axis=1)
    if side > _MAX_TILE:
        size = (max(1, round(width * _MAX_TILE / side)), max(1, round(height * _MAX_TILE / side)))
        return np.asarray(Image.fromarray(values.astype(np.float32), "F").resize(size, Image.Resampling.BOX))
    return values


_IMAGE_AXES = {"xaxis": {"visible": False}, "yaxis": {"visible": False, "scaleanchor": "x"}}
"""A picture's axes: hidden, one unit as wide as it is tall. The figures here are built in one
constructor call with their whole layout: each later update_* call costs Plotly a merge and a
relayout (several ms), and the lab rebuilds its figures on every click."""


def grid_columns(count: int) -> int:
    """Tiles per row: 4 up to 16 maps, then 8 (a 1600x1000 screen shows 64 as 8x8)."""
    return min(count, 4) if count <= 16 else 8


def feature_grid_figure(
    output: np.ndarray, ranking: np.ndarray, count: int, shared_scale: bool, layer: LayerInfo
) -> go.Figure:
    """The `count` most active channels of a layer, as one picture of tiles labelled by channel.

    Args:
        output: (H, W, C) feature maps.
        ranking: channel indices, most active first.
        count: how many to show (at most C).
        shared_scale: one colour scale for all tiles (compare channels) or each tile
            stretched to its own min-max (see the pattern in weak channels).
        layer: the layer, for the title.
    """
    channels = [int(c) for c in ranking[: max(1, min(count, output.shape[2]))]]
    tiles = [_tile(np.asarray(output[:, :, c], np.float32)) for c in channels]
    th, tw = tiles[0].shape
    cols = grid_columns(len(channels))
    rows = math.ceil(len(channels) / cols)
    # Eight columns are drawn at about half size: a taller band keeps the labels clear of the tiles.
    band, label_size = (_LABEL_BAND, SMALL_SIZE) if cols <= 4 else (2 * _LABEL_BAND, SMALL_SIZE - 2)
    cell_h, cell_w = th + band + _GAP, tw + _GAP
    canvas = np.full((rows * cell_h, cols * cell_w), np.nan, np.float32)
    low = min(float(output[:, :, c].min()) for c in channels)  # no stacked copy of the maps for two numbers
    high = max(float(output[:, :, c].max()) for c in channels)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        top, left = r * cell_h + band, c * cell_w
        if not shared_scale:
            t_low, t_high = float(tile.min()), float(tile.max())
            tile = (tile - t_low) / (t_high - t_low) if t_high > t_low else np.zeros_like(tile)
        canvas[top : top + th, left : left + tw] = tile
    source = _indexed_png(canvas, low, high) if shared_scale else _indexed_png(canvas, 0.0, 1.0)
    traces: list[go.Image | go.Scatter] = [go.Image(source=source, hoverinfo="skip")]
    if shared_scale:
        # An empty marker trace carries the colour bar of the shared scale.
        traces.append(go.Scatter(x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
                                 marker={"colorscale": MAP_COLORSCALE, "cmin": low, "cmax": high, "color": [low],
                                         "showscale": True,
                                         "colorbar": {"thickness": 14, "len": 0.8, "exponentformat": "e"}}))
    # The channel labels: one text trace (a browser draws it in one pass; as 16-64 layout annotations,
    # each measured and placed on its own, they were the largest part of redrawing the grid).
    places = [divmod(i, cols) for i in range(len(channels))]
    traces.append(go.Scatter(x=[c * cell_w + tw / 2 for _r, c in places],
                             y=[r * cell_h + band / 2 for r, _c in places],
                             text=[_("ch {channel}").format(channel=channel) for channel in channels], mode="text",
                             textfont={"size": label_size, "color": INK}, hoverinfo="skip", showlegend=False))
    scale = _("one colour scale") if shared_scale else _("each map on its own scale")
    height, width = canvas.shape
    return apply_style(go.Figure(traces, {
        "title": {"text": _("{n} most active of {total} channels").format(n=len(channels), total=output.shape[2])
                          + f" · {scale}",
                  "font": {"size": LARGE_SIZE}},
        "margin": {"l": 4, "r": 4, "t": 44, "b": 4}, "height": 600,
        # The picture's own extent (as an image alone would have it): the labels add no padding.
        "xaxis": {**_IMAGE_AXES["xaxis"], "range": [-0.5, width - 0.5]},
        "yaxis": {**_IMAGE_AXES["yaxis"], "range": [height - 0.5, -0.5]},
    }))


def _over_photo(photo: np.ndarray, title: str, heatmap: go.Heatmap, height: int) -> go.Figure:
    """A heatmap over the photo, with a title (a long one in lines: Plotly does not wrap it)."""
    top = 44 + 26 * title.count("<br>")
    return apply_style(go.Figure([go.Image(source=_jpeg(photo), hoverinfo="skip"), heatmap], {
        "title": {"text": title, "font": {"size": LARGE_SIZE}}, "margin": {"l": 4, "r": 4, "t": top, "b": 4},
        "height": height, **_IMAGE_AXES,
    }))


def _heatmap_over(values: np.ndarray, side: int, **trace: object) -> go.Heatmap:
    """A heatmap whose cells cover a side x side photo (cell centres in photo pixels)."""
    height, width = values.shape
    return go.Heatmap(z=values, x0=side / width / 2 - 0.5, dx=side / width,
                      y0=side / height / 2 - 0.5, dy=side / height, **trace)


def channel_overlay_figure(
    photo: np.ndarray, values: np.ndarray, opacity: float, title: str, height: int = 520
) -> go.Figure:
    """One feature map enlarged over the photo the network saw (hover shows the values).

    Args:
        photo: (S, S, 3) uint8, the square crop.
        values: (h, w) activations of one channel; each cell covers S/h x S/w pixels.
        opacity: 0 shows only the photo, 1 only the map.
    """
    return _over_photo(photo, title, _heatmap_over(
        np.asarray(values, np.float32), photo.shape[0], colorscale=MAP_COLORSCALE, opacity=float(opacity),
        colorbar={"thickness": 14, "title": {"text": _("activation"), "side": "right"}, "exponentformat": "e"},
        hovertemplate=_("row %{y:.0f}, col %{x:.0f}<br>activation %{z:.3f}") + "<extra></extra>",
    ), height)


def _alpha_scale(colorscale: str = "Inferno") -> list[list[object]]:
    """A colour scale that fades in: weak evidence leaves the photo visible."""
    stops = []
    for i in range(11):
        level = i / 10
        r, g, b = _lut(colorscale)[min(255, round(level * 255))]
        stops.append([level, f"rgba({r},{g},{b},{0.75 * level ** 0.8:.3f})"])
    return stops


def grad_cam_figure(photo: np.ndarray, cam: GradCam, label: str, height: int = 560) -> go.Figure:
    """The Grad-CAM heatmap over the photo: bright where the evidence for the class is."""
    title = _("Grad-CAM for “{label}” ({probability}) at {layer}").format(
        label=short_label(label), probability=f"{cam.probability:.1%}", layer=cam.layer)
    return _over_photo(photo, title, _heatmap_over(
        cam.heatmap, photo.shape[0], colorscale=_alpha_scale(), zmin=0.0, zmax=1.0, zsmooth="best",
        colorbar={"thickness": 14, "title": {"text": _("evidence"), "side": "right"}},
        hovertemplate=_("evidence %{z:.2f}") + "<extra></extra>",
    ), height)


def network_strip_figure(strip: Sequence[StripMap], height: int = 280) -> go.Figure:
    """One map per stage, left to right: the picture turns from edges into abstract parts."""
    titles = ["<b>" + _("stage {n}").format(n=s.stage.index) + f"</b> · {s.layer.shape_text}<br>"
              + "<br>".join(_name_lines(s.layer.name)) + "<br>" + _("channel {n}").format(n=s.channel) for s in strip]
    lines = max((t.count("<br>") + 1 for t in titles), default=3)
    fig = make_subplots(rows=1, cols=len(strip), subplot_titles=titles, horizontal_spacing=0.015)
    for i, item in enumerate(strip, start=1):
        values = _tile(np.asarray(item.values, np.float32))
        fig.add_trace(go.Image(source=_indexed_png(values, float(values.min()), float(values.max())),
                               hoverinfo="skip"), row=1, col=i)
        fig.update_xaxes(visible=False, row=1, col=i)
        # Each map sits right under its title (a narrow figure leaves the room below it, not between).
        fig.update_yaxes(visible=False, scaleanchor=f"x{i if i > 1 else ''}", constrain="domain",
                         constraintoward="top", row=1, col=i)
    fig.update_annotations(font={"size": SMALL_SIZE})
    fig.update_layout(height=height, margin={"l": 4, "r": 4, "t": 12 + 20 * lines, "b": 4})
    return apply_style(fig)


def _name_lines(name: str, width: int = 15) -> list[str]:
    """A layer name broken after its underscores into lines of about `width` characters, so that
    five names side by side on a projector do not run into one another."""
    lines = [""]
    for part in re.split(r"(?<=_)", name):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return lines


def layer_facts_figure(facts: Sequence[LayerFacts], layers: Sequence[LayerInfo], selected: str,
                       height: int = 360) -> go.Figure:
    """Mean activation and the share of zeros after each activation layer (ReLU), through the network.

    Only outputs after a non-linearity are drawn (all layers when a network has none), so
    the curve follows what the next layer receives rather than zig-zagging between
    convolution, normalisation and activation.
    """
    after = {info.name for info in layers if info.nonlinear}
    facts = [f for f in facts if f.name in after] or list(facts)
    names = [f.name for f in facts]
    depth = list(range(1, len(facts) + 1))
    stage = {info.name: info.stage for info in layers}
    hover = [f"{f.name}<br>" + _("stage {n}").format(n=stage.get(f.name, "?")) + f" · {'×'.join(map(str, f.output_shape))}"
             for f in facts]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                        subplot_titles=(_("Mean activation"), _("Share of zeros after ReLU")))
    fig.add_trace(go.Scatter(x=depth, y=[f.mean_activation for f in facts], mode="lines+markers",
                             marker={"size": 5, "color": _BAR_COLOR}, line={"color": _BAR_COLOR},
                             text=hover, hovertemplate="%{text}<br>" + _("mean %{y:.3f}") + "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=depth, y=[f.zero_fraction for f in facts], mode="lines+markers",
                             marker={"size": 5, "color": _TOP_COLOR}, line={"color": _TOP_COLOR},
                             text=hover, hovertemplate="%{text}<br>" + _("%{y:.0%} zeros") + "<extra></extra>"), row=1, col=2)
    if selected in names:
        x = names.index(selected) + 1
        for col in (1, 2):
            fig.add_vline(x=x, line={"color": MUTED, "dash": "dot"}, row=1, col=col)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=2)
    fig.update_xaxes(title_text=_("activation layers, input to output"))
    fig.update_layout(height=height, showlegend=False, margin={"l": 60, "r": 20, "t": 40, "b": 60})
    fig.update_annotations(font={"size": TEXT_SIZE})
    return apply_style(fig)


def filters_figure(bank: FilterBank, width: int = 1100) -> go.Figure:
    """The first convolution's filters as small RGB pictures (each stretched to its own range)."""
    count, kh, kw, _channels = bank.images.shape
    factor = max(1, math.ceil(64 / max(kh, kw)))
    cols = min(count, 8 if count <= 32 else 16)
    rows = math.ceil(count / cols)
    th, tw = kh * factor, kw * factor
    gap = 8
    canvas = np.full((rows * (th + gap), cols * (tw + gap), 3), 255, np.uint8)
    for i in range(count):
        r, c = divmod(i, cols)
        tile = np.repeat(np.repeat(bank.images[i], factor, axis=0), factor, axis=1)
        canvas[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = np.rint(tile * 255)
    # As tall as the picture is at about `width` pixels wide: no band of white above and below.
    height = int(min(640, 60 + canvas.shape[0] * min(1.0, width / canvas.shape[1])))
    kh_, kw_, cin, filters = bank.kernel_shape
    return apply_style(go.Figure(go.Image(source=_png(canvas), hoverinfo="skip"), {
        "title": {"text": f"{bank.layer}: " + _("{n} filters of {kh}×{kw}×{cin}, drawn as RGB").format(
                      n=filters, kh=kh_, kw=kw_, cin=cin),
                  "font": {"size": LARGE_SIZE}},
        "height": height, "margin": {"l": 4, "r": 4, "t": 44, "b": 4}, **_IMAGE_AXES,
    }))


def predictions_figure(predictions: Sequence[Prediction], height: int = 360) -> go.Figure:
    """Top-k ImageNet classes as horizontal bars, the most probable on top."""
    labels = [f"{short_label(p.label)} ({p.index})" for p in predictions][::-1]
    values = [p.probability for p in predictions][::-1]
    colors = [_BAR_COLOR] * (len(values) - 1) + [_TOP_COLOR]
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=colors,
                           text=[f"{v:.1%}" for v in values], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    # Room on the right for the percentage written after the longest bar.
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.3, max(values) * 1.3 + 0.02)], dtick=0.25 if max(values) > 0.5 else None)
    fig.update_layout(title={"text": _("Top-{k} ImageNet classes").format(k=len(predictions)), "font": {"size": LARGE_SIZE}},
                      height=height, margin={"l": 10, "r": 30, "t": 44, "b": 30})
    return apply_style(fig)

"""Plotly figures for the Convolution Lab: sliding windows, feature maps, signals, stacks.

The sliding-window figure keeps every frame tiny: the input, kernel and the complete
output are sent once, and a frame only moves the window outline and an opaque cover
that hides the output cells not computed yet. So even a few hundred frames stay small.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.convolution import (
    ConvGeometry,
    ReceptiveFieldRow,
    StackComparison,
    conv1d,
    conv1d_geometry,
    conv2d,
    conv_geometry,
    format_number,
    pad2d,
    pool2d,
    pool_geometry,
    products_text,
)
from explorer.figures.style import (
    BACKGROUND,
    BLUE,
    GREEN,
    GRID,
    HIGHLIGHT,
    INK,
    LARGE_SIZE,
    MUTED,
    QUALITATIVE,
    SMALL_SIZE,
    TEXT_SIZE,
    TITLE_SIZE,
    YELLOW,
    apply_style,
    tint,
)
from explorer.i18n import _

__all__ = [
    "MAX_ANIMATION_STEPS",
    "conv_animation_figure",
    "pool_animation_figure",
    "feature_map_figure",
    "signal_figure",
    "receptive_field_figure",
    "stack_comparison_figure",
]

# Above this many window positions (a 16x16 grid with "same" padding has 256) the page
# steps on the server instead of sending frames: the figure stays well under 1 MB and
# builds in a few tenths of a second.
MAX_ANIMATION_STEPS = 256

PAD_FILL = GRID
"""Padding cells: there, but not part of the input."""
# Colour scales of the number grids: pale, so that the numbers written on the cells stay legible.
INPUT_SCALE = [[0.0, "#F4F7FB"], [1.0, "#7FB6DE"]]
DIVERGING = [[0.0, "#F4A582"], [0.5, "#F7F7F7"], [1.0, "#92C5DE"]]
PAD_SCALE = [[0.0, PAD_FILL], [1.0, PAD_FILL]]
# One colour per layer of a stack (eight at most before they repeat); yellow squares vanish on white.
_LAYER_COLORS = tuple(c for c in QUALITATIVE if c != YELLOW) + (MUTED,)


def _texts(values: np.ndarray) -> list[list[str]]:
    return [[format_number(v) if np.isfinite(v) else "" for v in row] for row in values]


def _cells_outline(rows: Sequence[int], cols: Sequence[int]) -> tuple[list, list]:
    """Closed squares around each (row, col) cell, separated by None (one scatter trace)."""
    xs: list = []
    ys: list = []
    for r in rows:
        for c in cols:
            xs += [c - 0.5, c + 0.5, c + 0.5, c - 0.5, c - 0.5, None]
            ys += [r - 0.5, r - 0.5, r + 0.5, r + 0.5, r - 0.5, None]
    return xs, ys


def _rect(r0: float, c0: float, r1: float, c1: float) -> tuple[list, list]:
    """Closed rectangle covering cells r0..r1-1, c0..c1-1."""
    xs = [c0 - 0.5, c1 - 0.5, c1 - 0.5, c0 - 0.5, c0 - 0.5, None]
    ys = [r0 - 0.5, r0 - 0.5, r1 - 0.5, r1 - 0.5, r0 - 0.5, None]
    return xs, ys


def _pending_cover(step: int, shape: tuple[int, int]) -> tuple[list, list]:
    """Polygons over the output cells after `step` (row-major): rest of this row + rows below."""
    rows, cols = shape
    r, c = divmod(step, cols)
    xs: list = []
    ys: list = []
    if c + 1 < cols:
        x, y = _rect(r, c + 1, r + 1, cols)
        xs += x
        ys += y
    if r + 1 < rows:
        x, y = _rect(r + 1, 0, rows, cols)
        xs += x
        ys += y
    return xs or [None], ys or [None]


def _grid_lines(shape: tuple[int, int]) -> tuple[list, list]:
    rows, cols = shape
    xs: list = []
    ys: list = []
    for r in range(rows + 1):
        xs += [-0.5, cols - 0.5, None]
        ys += [r - 0.5, r - 0.5, None]
    for c in range(cols + 1):
        xs += [c - 0.5, c - 0.5, None]
        ys += [-0.5, rows - 0.5, None]
    return xs, ys


def _frame_traces(g: ConvGeometry, step: int) -> tuple[dict, dict, dict]:
    """The three moving traces: window cells, current output cell, cover over pending outputs.

    Plain dicts: plotly validates a frame's traces once, when the frames are set; building
    Scatter objects first would validate every frame twice (seconds for a 16x16 grid)."""
    rows, cols = g.window_cells(step)
    wx, wy = _cells_outline(rows, cols)
    r, c = g.position(step)
    cx, cy = _cells_outline([r], [c])
    px, py = _pending_cover(step, g.output_shape)
    return dict(type="scatter", x=wx, y=wy), dict(type="scatter", x=cx, y=cy), dict(type="scatter", x=px, y=py)


@functools.lru_cache(maxsize=64)
def _panels(widths: tuple[int, ...], titles: tuple[str, ...]) -> str:
    """Side-by-side panels' layout (make_subplots' axis domains and titles), as JSON. Making the
    subplots costs Plotly ~20 ms, and the lab draws a figure at every step of its player."""
    fig = make_subplots(rows=1, cols=len(widths), column_widths=list(widths), subplot_titles=list(titles),
                        horizontal_spacing=0.05)
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    return json.dumps(layout)


def _sliding_figure(
    padded: np.ndarray,
    pad_mask: np.ndarray,
    pad_label: str,
    kernel: np.ndarray | None,
    output: np.ndarray,
    g: ConvGeometry,
    captions: Mapping[int, str],
    step: int,
    animate: bool,
    output_title: str,
) -> go.Figure:
    panels = [_("Input (padding shaded)")] + ([_("Kernel")] if kernel is not None else []) + [output_title]
    widths = [padded.shape[1]] + ([max(kernel.shape[1], 2)] if kernel is not None else []) + [max(output.shape[1], 2)]
    n = len(panels)
    traces: list[tuple[go.Heatmap | go.Scatter, int]] = []  # (trace, its panel), drawn in this order
    real = np.where(pad_mask, np.nan, padded)
    finite = real[np.isfinite(real)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1
    # Cells as large as a ~900 px wide plot allows; the height follows so cells stay square
    # and the numbers stay readable (an animated figure keeps room for its slider).
    cell = min(900 / (sum(widths) + 3 * n), 44.0)
    plot_height = min(max(padded.shape[0], output.shape[0]) * cell, 400 if animate else 520)
    cell = min(cell, plot_height / padded.shape[0])
    text_font = dict(size=int(min(max(cell * 0.5, 10), 20)), color=INK)
    traces.append((go.Heatmap(z=real, text=_texts(real), texttemplate="%{text}", textfont=text_font,
                              colorscale=INPUT_SCALE, zmin=lo, zmax=hi, showscale=False, xgap=2, ygap=2,
                              hoverinfo="skip"), 1))
    pad_z = np.where(pad_mask, 0.0, np.nan)
    pad_text = [[pad_label if m else "" for m in row] for row in pad_mask]
    traces.append((go.Heatmap(z=pad_z, text=pad_text, texttemplate="%{text}",
                              textfont=dict(size=text_font["size"] - 2, color=MUTED), colorscale=PAD_SCALE,
                              showscale=False, xgap=2, ygap=2, hoverinfo="skip"), 1))
    (top, bottom), (left, right) = g.pads
    if top or bottom or left or right:  # dashed border around the real input
        x, y = _rect(top, left, padded.shape[0] - bottom, padded.shape[1] - right)
        traces.append((go.Scatter(x=x, y=y, mode="lines", line=dict(color=MUTED, width=2, dash="dash"),
                                  hoverinfo="skip"), 1))
    if kernel is not None:
        kmax = float(np.abs(kernel).max()) or 1.0
        traces.append((go.Heatmap(z=kernel, text=_texts(kernel), texttemplate="%{text}", textfont=text_font,
                                  colorscale=DIVERGING, zmin=-kmax, zmax=kmax, showscale=False, xgap=2, ygap=2,
                                  hoverinfo="skip"), 2))
        x, y = _rect(0, 0, kernel.shape[0], kernel.shape[1])
        traces.append((go.Scatter(x=x, y=y, mode="lines", line=dict(color=HIGHLIGHT, width=4), hoverinfo="skip"), 2))
    omax = float(np.abs(output).max()) or 1.0
    out_scale = DIVERGING if output.min() < 0 else INPUT_SCALE
    traces.append((go.Heatmap(z=output, text=_texts(output), texttemplate="%{text}", textfont=text_font,
                              colorscale=out_scale, zmin=-omax if output.min() < 0 else float(output.min()),
                              zmax=omax, showscale=False, xgap=2, ygap=2, hoverinfo="skip"), n))
    window, cell, cover = (go.Scatter(t) for t in _frame_traces(g, step))
    traces.append((window.update(mode="lines", fill="toself", fillcolor=tint(HIGHLIGHT, 0.18),
                                 line=dict(color=HIGHLIGHT, width=4), hoverinfo="skip"), 1))
    traces.append((cover.update(mode="lines", fill="toself", fillcolor=BACKGROUND, line=dict(width=0),
                                hoverinfo="skip"), n))
    gx, gy = _grid_lines(g.output_shape)
    traces.append((go.Scatter(x=gx, y=gy, mode="lines", line=dict(color=GRID, width=1), hoverinfo="skip"), n))
    traces.append((cell.update(mode="lines", line=dict(color=HIGHLIGHT, width=4), hoverinfo="skip"), n))
    moving = [len(traces) - 4, len(traces) - 3, len(traces) - 1]  # window, cover, cell

    layout = json.loads(_panels(tuple(widths), tuple(panels)))
    for i in range(1, n + 1):
        suffix = "" if i == 1 else str(i)
        layout[f"xaxis{suffix}"].update(visible=False, constrain="domain")
        layout[f"yaxis{suffix}"].update(visible=False, autorange="reversed", scaleanchor=f"x{suffix}", scaleratio=1,
                                        constrain="domain")
    for title in layout["annotations"]:
        title["font"] = {**title.get("font", {}), "size": TITLE_SIZE}
    for trace, panel in traces:
        trace.update(xaxis=f"x{panel if panel > 1 else ''}", yaxis=f"y{panel if panel > 1 else ''}")
    fig = go.Figure([trace for trace, _panel in traces], {
        **layout,
        "showlegend": False,
        "height": int(max(plot_height, 240)) + (95 + 85 if animate else 70 + 20),
        "margin": dict(l=10, r=10, t=95 if animate else 70, b=20 if not animate else 85),
        "title": dict(text=captions[step], x=0.01, xanchor="left", yref="container", y=1, yanchor="top",
                      pad=dict(t=12), font=dict(size=LARGE_SIZE)),
    })
    if animate:
        _add_frames(fig, g, captions, moving, step)
    return apply_style(fig)


def _add_frames(fig: go.Figure, g: ConvGeometry, captions: Mapping[int, str], moving: list[int], step: int) -> None:
    frames = []
    for i in range(g.steps):
        window, cell, cover = _frame_traces(g, i)
        frames.append(dict(name=str(i), data=[window, cover, cell], traces=moving,
                           layout=dict(title=dict(text=captions[i]))))
    fig.frames = frames
    play = dict(frame=dict(duration=700, redraw=True), transition=dict(duration=0), fromcurrent=True, mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=-0.04, xanchor="left", yanchor="top",
            pad=dict(t=10, r=10), font=dict(size=LARGE_SIZE), showactive=False,
            buttons=[dict(label="▶ " + _("Play"), method="animate", args=[None, play]),
                     dict(label="❚❚ " + _("Pause"), method="animate", args=[[None], pause])],
        )],
        sliders=[dict(
            active=step, x=0.24, len=0.76, y=-0.02, yanchor="top", pad=dict(t=10),
            currentvalue=dict(visible=False), font=dict(size=SMALL_SIZE), tickcolor=MUTED,
            steps=[dict(label=str(i + 1), method="animate",
                        args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                             transition=dict(duration=0))]) for i in range(g.steps)],
        )],
    )


def _caption(i: int, g: ConvGeometry, body: str, value: str, animate: bool) -> str:
    """The step and its value; an animation (a figure on its own) also writes the arithmetic on a
    second line. The lab writes it under a still figure, where a line of nine products does not
    have to fit beside the controls of a 1024-px projector."""
    r, c = g.position(i)
    head = "<b>" + _("Step {i} of {n}").format(i=i + 1, n=g.steps) + f"</b>: output[{r}, {c}]"
    return f"{head}<br>{body} = <b>{value}</b>" if animate else f"{head} = <b>{value}</b>"


def conv_animation_figure(
    x: np.ndarray,
    kernel: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: str | int = "valid",
    dilation: int | tuple[int, int] = 1,
    step: int = 0,
    animate: bool = True,
) -> go.Figure:
    """Padded input with the window, the kernel and the output filling in, for one 2D grid.

    Args:
        x: (H, W) input grid.
        kernel: (kh, kw) kernel.
        stride, padding, dilation: as explorer.convolution.conv2d.
        step: the step shown (first, when animated); its caption is the figure's title.
        animate: add one frame per step with play/pause and a slider, for a figure used on
            its own (an HTML file); at most MAX_ANIMATION_STEPS positions. False draws the
            one step only: the Convolution Lab steps on the server, so that the picture and
            the arithmetic written under it always show the same step.

    Raises:
        ConvolutionInputError: as conv2d, or a step out of range.
    """
    output = conv2d(x, kernel, stride, padding, dilation)
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    g = conv_geometry(x.shape, kernel.shape, stride, padding, dilation)
    g.position(step)  # validates the step
    padded = pad2d(x, g)
    mask = pad2d(np.zeros(x.shape), g, 1.0) > 0
    flat = output.ravel()
    small = kernel.size <= 9
    captions = {}
    for i in range(g.steps) if animate else (step,):
        rows, cols = g.window_cells(i)
        if small:
            body, _sep, total = products_text(padded[np.ix_(rows, cols)], kernel, flat[i]).rpartition(" = ")
        else:
            body, total = _("sum of {n} products").format(n=kernel.size), format_number(flat[i])
        captions[i] = _caption(i, g, body, total, animate)
    return _sliding_figure(padded, mask, "0", kernel, output, g, captions, step, animate, _("Output"))


def pool_animation_figure(
    x: np.ndarray,
    window: int,
    stride: int | None = None,
    mode: str = "max",
    padding: str = "valid",
    step: int = 0,
    animate: bool = True,
) -> go.Figure:
    """Padded input with the pooling window and the pooled output filling in.

    Padding cells show "−∞" for max pooling (they never win) and "·" for average pooling
    (they are left out of the average).

    Raises:
        ConvolutionInputError: as pool2d, or a step out of range.
    """
    output = pool2d(x, window, stride, mode, padding)  # type: ignore[arg-type]
    x = np.asarray(x, dtype=np.float64)
    g = pool_geometry(x.shape, window, stride, padding)
    g.position(step)
    padded = pad2d(x, g)
    mask = pad2d(np.zeros(x.shape), g, 1.0) > 0
    flat = output.ravel()
    captions = {}
    for i in range(g.steps) if animate else (step,):
        rows, cols = g.window_cells(i)
        vals = [format_number(v) for v, m in zip(padded[np.ix_(rows, cols)].ravel(), mask[np.ix_(rows, cols)].ravel())
                if not m]
        body = (f"max({', '.join(vals)})" if mode == "max" else f"({' + '.join(vals)})/{len(vals)}")
        captions[i] = _caption(i, g, body, format_number(flat[i]), animate)
    label = "−∞" if mode == "max" else "·"
    title = _("Max pooled") if mode == "max" else _("Average pooled")
    return _sliding_figure(padded, mask, label, None, output, g, captions, step, animate, title)


def feature_map_figure(image: np.ndarray, feature_map: np.ndarray, kernel_name: str = "") -> go.Figure:
    """The grayscale image next to its whole feature map (diverging colours when it has negatives)."""
    fmap = np.asarray(feature_map, dtype=np.float64)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        _("Input {rows}×{cols}").format(rows=image.shape[0], cols=image.shape[1]),
        _("Feature map {rows}×{cols}").format(rows=fmap.shape[0], cols=fmap.shape[1])
        + (f" ({kernel_name})" if kernel_name else ""),
    ), horizontal_spacing=0.05)
    fig.add_trace(go.Heatmap(z=image, colorscale="gray", showscale=False,
                             hovertemplate="%{z:.2f}<extra></extra>"), 1, 1)
    # Clip the colours at the 99.5th percentile: a few border pixels (zero padding looks
    # like an edge) would otherwise wash out the whole map.
    if fmap.min() < 0:
        m = float(np.percentile(np.abs(fmap), 99.5)) or float(np.abs(fmap).max()) or 1.0
        heat = go.Heatmap(z=fmap, colorscale="RdBu", zmid=0, zmin=-m, zmax=m,
                          colorbar=dict(x=1.0, len=0.9, thickness=18))
    else:
        lo, hi = np.percentile(fmap, [0.5, 99.5])
        heat = go.Heatmap(z=fmap, colorscale="gray", zmin=float(lo), zmax=float(max(hi, lo + 1e-9)),
                          colorbar=dict(x=1.0, len=0.9, thickness=18))
    fig.add_trace(heat.update(hovertemplate="%{z:.3f}<extra></extra>"), 1, 2)
    for i in (1, 2):
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=i)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x" if i == 1 else "x2",
                         constrain="domain", row=1, col=i)
    fig.update_annotations(font=dict(size=TITLE_SIZE))
    # Each panel is about 460 px wide on a projector-sized page: fit the height to the photo.
    height = int(min(max(460 * image.shape[0] / image.shape[1] + 70, 320), 560))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=50, b=10))
    return apply_style(fig)


def signal_figure(
    signal: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: str | int = "valid",
    dilation: int = 1, step: int = 0,
) -> go.Figure:
    """A 1D signal (padding shaded) with the window at one step, and the output below it.

    Each output sample is drawn under the centre of the window that produced it.

    Raises:
        ConvolutionInputError: as conv1d, or a step out of range.
    """
    output = conv1d(signal, kernel, stride, padding, dilation)
    signal = np.asarray(signal, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    g = conv1d_geometry(signal.size, kernel.size, stride, padding, dilation)
    g.position(step)
    before = g.cols.pad_before
    xs = np.arange(g.cols.padded) - before
    padded = np.concatenate([np.zeros(before), signal, np.zeros(g.cols.pad_after)])
    is_pad = (xs < 0) | (xs >= signal.size)
    _rows, cols = g.window_cells(step)
    taps = np.array(cols) - before
    centres = np.arange(g.cols.output) * stride + (g.cols.effective_kernel - 1) / 2 - before

    weights = ", ".join(format_number(k) for k in kernel)
    # Titles of two lines each: one line was cut at both ends beside the controls on a 1024-px projector.
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.2, subplot_titles=(
        _("Input, padded with {before} + {after} zeros<br>window × kernel [{weights}]").format(
            before=g.cols.pad_before, after=g.cols.pad_after, weights=weights),
        _("Output: {n} samples,<br>each under the centre of its window").format(n=g.cols.output)))
    fig.add_vrect(x0=taps[0] - 0.5, x1=taps[-1] + 0.5, fillcolor=tint(HIGHLIGHT, 0.12), line_width=0, row=1, col=1)
    fig.add_trace(go.Scatter(x=xs[~is_pad], y=padded[~is_pad], mode="lines+markers", name=_("signal"),
                             line=dict(color=BLUE, width=2), marker=dict(size=9)), 1, 1)
    if is_pad.any():
        fig.add_trace(go.Scatter(x=xs[is_pad], y=padded[is_pad], mode="markers", name=_("padding (0)"),
                                 marker=dict(size=10, color=PAD_FILL, line=dict(color=MUTED, width=2))), 1, 1)
    fig.add_trace(go.Scatter(x=taps, y=padded[np.array(cols)], mode="markers", name=_("window taps"),
                             marker=dict(size=18, color=HIGHLIGHT, symbol="circle-open", line=dict(width=3)),
                             customdata=kernel, hovertemplate="x[%{x}] = %{y} × %{customdata}<extra></extra>"), 1, 1)
    fig.add_trace(go.Scatter(x=centres, y=output, mode="lines+markers", name=_("output"),
                             line=dict(color=GREEN, width=2), marker=dict(size=9)), 2, 1)
    fig.add_trace(go.Scatter(x=[centres[step]], y=[output[step]], mode="markers+text", name=_("this step"),
                             marker=dict(size=18, color=HIGHLIGHT), text=[format_number(output[step])],
                             textposition="top center", textfont=dict(color=HIGHLIGHT, size=LARGE_SIZE)), 2, 1)
    fig.update_annotations(font=dict(size=TITLE_SIZE))
    fig.update_xaxes(zeroline=False)
    fig.update_yaxes(zerolinecolor=MUTED, zerolinewidth=1)
    fig.update_layout(height=560, margin=dict(l=60, r=20, t=70, b=60),
                      legend=dict(orientation="h", y=-0.08, yanchor="top", x=1, xanchor="right"))
    return apply_style(fig)


def receptive_field_figure(rows: Sequence[ReceptiveFieldRow]) -> go.Figure:
    """Receptive field per layer as bars, and as nested squares on the input."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.1,
                        subplot_titles=(_("Receptive field after each layer"), _("What one output sees")))
    layers = [r.layer for r in rows]
    fig.add_trace(go.Bar(x=layers, showlegend=False, y=[r.receptive_field for r in rows], marker_color=BLUE,
                         text=[str(r.receptive_field) for r in rows], textposition="outside",
                         constraintext="none", textfont=dict(size=LARGE_SIZE), cliponaxis=False, hovertemplate=_("layer %{x}: %{y} pixels") + "<extra></extra>"), 1, 1)
    biggest = rows[-1].receptive_field
    if biggest <= 41:  # the input pixels, faintly, so the squares can be counted
        edges = np.arange(-biggest / 2, biggest / 2 + 1)
        gx = [v for e in edges for v in (e, e, None)] + [v for e in edges for v in (-biggest / 2, biggest / 2, None)]
        gy = [v for e in edges for v in (-biggest / 2, biggest / 2, None)] + [v for e in edges for v in (e, e, None)]
        fig.add_trace(go.Scatter(x=gx, y=gy, mode="lines", line=dict(color=GRID, width=1),
                                 showlegend=False, hoverinfo="skip"), 1, 2)
    for i, r in enumerate(reversed(rows)):
        half = r.receptive_field / 2
        colour = _LAYER_COLORS[(len(rows) - 1 - i) % len(_LAYER_COLORS)]
        fig.add_trace(go.Scatter(x=[-half, half, half, -half, -half], y=[-half, -half, half, half, -half],
                                 mode="lines", fill="toself", line=dict(color=colour, width=3),
                                 fillcolor=tint(BACKGROUND, 0), name=_("layer {n}").format(n=r.layer),
                                 hovertemplate=_("layer {n}: {side}² pixels").format(n=r.layer, side=r.receptive_field)
                                 + "<extra></extra>"),
                      1, 2)
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker=dict(size=10, color=INK),
                             name=_("one output"), hoverinfo="skip"), 1, 2)
    lim = biggest / 2 + 0.5
    fig.update_xaxes(range=[-lim, lim], visible=False, row=1, col=2)
    fig.update_yaxes(range=[-lim, lim], visible=False, scaleanchor="x2", row=1, col=2)
    fig.update_yaxes(title_text=_("side in input pixels"), range=[0, biggest * 1.2], row=1, col=1)
    fig.update_xaxes(title_text=_("layer"), dtick=1, showgrid=False, row=1, col=1)
    # Text-sized titles: at the title size the two ran into each other at 1024x768 (in both languages).
    fig.update_annotations(font=dict(size=TEXT_SIZE))
    fig.update_layout(height=460, margin=dict(l=70, r=20, t=50, b=50), legend=dict(x=1.0, y=1, xanchor="left"))
    return apply_style(fig)


def stack_comparison_figure(comparisons: Sequence[StackComparison], channels: int) -> go.Figure:
    """Weights of each stack of small kernels against the single big kernel it replaces."""
    fig = go.Figure()
    titles = [c.title for c in comparisons]
    for attr, colour in (("stacked", BLUE), ("single", HIGHLIGHT)):
        opts = [getattr(c, attr) for c in comparisons]
        fig.add_trace(go.Bar(
            y=titles, x=[o.weights for o in opts], orientation="h", marker_color=colour,
            name=_("stack of small kernels") if attr == "stacked" else _("one big kernel"),
            text=[f"{o.label}: {o.coefficient} C² = {o.weights:,}" for o in opts], textposition="outside",
            cliponaxis=False, hovertemplate="%{text}<extra></extra>",
        ))
    top = max(c.single.weights for c in comparisons)
    fig.update_xaxes(title_text=_("weights (C = {channels} channels in and out, biases left out)").format(channels=channels),
                     range=[0, top * 1.6])
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(barmode="group", height=360,
                      margin=dict(l=260, r=20, t=20, b=70), legend=dict(orientation="h", y=1.1, x=0))
    return apply_style(fig)

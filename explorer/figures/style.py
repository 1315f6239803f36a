"""One look for every figure: the palette, the font stack and the text sizes, for a screen or a projector.

Every builder in explorer.figures ends with ``apply_style(fig)``. A page in presenter view
passes the finished figure through ``apply_style(fig, presenter=True)``, which makes every
text on it PRESENTER_SCALE times larger (and back again with presenter=False): builders do
not need to know where they are shown.

The colours are Okabe and Ito's palette, told apart by colour-blind readers and still apart
on a washed-out projector; QUALITATIVE is the same sequence as the app's theme
(.streamlit/config.toml, chartCategoricalColors), so Plotly and Streamlit charts agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas  # noqa: F401  (before any figure: see below)
import plotly.graph_objects as go
import plotly.io as pio

# Plotly takes pandas from sys.modules whenever it is there, even half imported: a figure built while
# another thread (the workers' client, a second student's page) was importing pandas raised "partially
# initialized module 'pandas'". An import statement waits until the module is whole, so every figure
# module imports pandas first (tests/e2e/test_class_sessions.py, a fresh server's class at once).

__all__ = [
    "BACKGROUND",
    "BLACK",
    "BLUE",
    "FONT_FAMILY",
    "FROZEN",
    "GREEN",
    "GRID",
    "HEAD",
    "HIGHLIGHT",
    "INK",
    "LARGE_SIZE",
    "MUTED",
    "ORANGE",
    "PALE",
    "PALETTE",
    "PINK",
    "PRESENTER_SCALE",
    "QUALITATIVE",
    "SKY",
    "SMALL_SIZE",
    "TEMPLATE",
    "TEXT_SIZE",
    "TITLE_SIZE",
    "TRAINABLE",
    "VERMILION",
    "YELLOW",
    "apply_style",
    "tint",
]

# --------------------------------------------------------------------------- palette

BLUE = "#0072B2"
VERMILION = "#D55E00"
ORANGE = "#E69F00"
GREEN = "#009E73"
PINK = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
QUALITATIVE: tuple[str, ...] = (BLUE, VERMILION, ORANGE, GREEN, PINK, SKY, YELLOW, BLACK)
"""Colours for things of equal rank (runs, families, layers), in this order."""

FROZEN = BLUE
"""Weights that stay as they are (a frozen backbone, input values)."""
TRAINABLE = VERMILION
"""Weights that learn."""
HEAD = ORANGE
"""The new classifier head."""
HIGHLIGHT = VERMILION
"""What to look at now: the current window, the chosen answer, the top class."""

INK = "#1F1F1F"
"""Text."""
MUTED = "#767676"
"""Context that should recede (misses, padding, reference lines); the lightest grey that
still reads as text on white (contrast 4.5:1)."""
GRID = "#E5E5E5"
"""Grid lines, gaps and inactive fills."""
PALE = "#F2F2F2"
"""Areas that are there but not chosen (the other quadrants of a matrix)."""
BACKGROUND = "#FFFFFF"

PALETTE: tuple[str, ...] = QUALITATIVE + (INK, MUTED, GRID, PALE, BACKGROUND)
"""Every colour a figure may use for marks and text (colour scales of heatmaps aside)."""


def tint(color: str, alpha: float) -> str:
    """A palette colour, see-through: tint(BLUE, 0.12) -> "rgba(0,114,178,0.12)" (for fills)."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha:g})"


# --------------------------------------------------------------------------- type

FONT_FAMILY = (
    '"Source Sans", "Source Sans Pro", "Noto Sans KR", "Noto Sans CJK KR", '
    '"Apple SD Gothic Neo", "Malgun Gothic", sans-serif'
)
"""Streamlit's own face first (Latin), then a Korean face on every common system
(Noto on Linux and in the browser tests, Apple SD Gothic Neo on macOS, Malgun Gothic on
Windows): the browser takes each glyph from the first face that has it."""

TEXT_SIZE = 16
"""Body text of a chart on a screen: axis titles, ticks, legend, hover; two pixels under the
app's prose (baseFontSize 18), since a chart holds more words per inch."""
SMALL_SIZE = 13
"""Dense labels: forty tick labels under a bar chart, captions of 64 tiles."""
LARGE_SIZE = 18
"""Figure and panel titles, and labels that carry the point (a count on a bar)."""
TITLE_SIZE = 20
"""Titles of side-by-side panels read from the back of a room (the Convolution Lab)."""
PRESENTER_SCALE = 1.3
"""How much larger every text is in presenter view (a projector at 1280x720 or 1024x768)."""

_PRESENTER_TEXT = round(TEXT_SIZE * PRESENTER_SCALE)

# --------------------------------------------------------------------------- template

_AXIS = {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "zerolinewidth": 2, "automargin": True,
         "ticks": "", "title": {"standoff": 12}}

TEMPLATE = "explorer"
"""The registered Plotly template (plotly.io.templates["explorer"]): defaults a builder may override."""

pio.templates[TEMPLATE] = go.layout.Template(layout={
    "font": {"family": FONT_FAMILY, "size": TEXT_SIZE, "color": INK},
    "colorway": list(QUALITATIVE),
    "paper_bgcolor": BACKGROUND,
    "plot_bgcolor": BACKGROUND,
    "title": {"x": 0.05},
    "hoverlabel": {"font": {"family": FONT_FAMILY}},
    "xaxis": _AXIS,
    "yaxis": _AXIS,
})


pio.templates.default = TEMPLATE
"""Every new figure starts on this template, not Plotly's own: building one no longer validates
Plotly's large default template first, only for apply_style to replace it (2-3 ms a figure)."""


def apply_style(fig: go.Figure, *, presenter: bool = False) -> go.Figure:
    """Give a finished figure the shared template and font, sized for a screen or a projector.

    Sizes a builder set on purpose (a title, dense tick labels) keep their proportions: in
    presenter view every one of them, and the margins that hold them, grow by
    PRESENTER_SCALE. Styling again is safe: the base size of the layout's font tells
    whether a figure is already in presenter view, so it is never scaled twice.

    Args:
        fig: a figure from one of the builders (changed in place).
        presenter: large type for a projector.

    Returns:
        The same figure, for chaining.
    """
    was = PRESENTER_SCALE if fig.layout.font.size == _PRESENTER_TEXT else 1.0
    now = PRESENTER_SCALE if presenter else 1.0
    if now != was:
        _scale_texts(fig, now / was)
    size = _PRESENTER_TEXT if presenter else TEXT_SIZE
    # Property by property: update_layout would deep-copy the whole layout (64 tile labels, a
    # picture) to merge three keys, twice the time on the Activations Lab's grid.
    layout = fig.layout
    layout.template = pio.templates[TEMPLATE]
    font, hover = layout.font, layout.hoverlabel.font
    font.family, font.size, font.color = FONT_FAMILY, size, INK
    hover.family, hover.size = FONT_FAMILY, size
    return fig


# --------------------------------------------------------------------------- scaling


def _is_font(key: str) -> bool:
    return key.endswith("font")


def _scaled(value: Any, factor: float, in_font: bool = False) -> tuple[Any, bool]:
    """A copy of a layout or trace property tree with every font size times factor; (copy, changed)."""
    if isinstance(value, Mapping):
        out, changed = {}, False
        for key, item in value.items():
            if in_font and key == "size" and isinstance(item, (int, float)) and not isinstance(item, bool):
                out[key], changed = round(item * factor, 1), True
            else:
                out[key], hit = _scaled(item, factor, _is_font(key))
                changed = changed or hit
        return out, changed
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping):
        items = [_scaled(item, factor) for item in value]
        return [item for item, _ in items], any(hit for _, hit in items)
    return value, False


def _scale_texts(fig: go.Figure, factor: float) -> None:
    """Scale every explicit font size, the margins that hold the text, and the height to match."""
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    update = {}
    for key, value in layout.items():
        scaled, changed = _scaled(value, factor, _is_font(key))
        if changed:
            update[key] = scaled
    margin = layout.get("margin") or {}
    grown = {side: round(margin[side] * factor) for side in "lrtb" if isinstance(margin.get(side), (int, float))}
    if grown:
        update["margin"] = {**margin, **grown}
        if isinstance(layout.get("height"), (int, float)):
            update["height"] = round(layout["height"] + sum(grown.get(s, 0) - margin.get(s, 0) for s in "tb"))
    title = update.get("title", layout.get("title"))
    pad = title.get("pad") if isinstance(title, Mapping) else None
    if pad:  # the room a title keeps for its lines grows with them
        update["title"] = {**title, "pad": {side: round(v * factor) if isinstance(v, (int, float)) else v
                                            for side, v in pad.items()}}
    if update:
        fig.update_layout(update, overwrite=True)
    for trace in fig.data:
        for key in ("textfont", "insidetextfont", "outsidetextfont", "hoverlabel", "marker", "colorbar"):
            if key not in trace:
                continue
            value = trace[key].to_plotly_json()
            scaled, changed = _scaled(value, factor, _is_font(key))
            if changed:
                trace.update({key: scaled}, overwrite=True)

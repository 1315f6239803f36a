"""The strategy advisor's figure: the 2x2 matrix of data size and similarity to ImageNet."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from explorer.figures.style import BACKGROUND, HIGHLIGHT, INK, PALE, TEXT_SIZE, apply_style
from explorer.i18n import _

__all__ = ["advisor_figure"]


def advisor_figure(chosen: tuple[str, str], labels: Mapping[tuple[str, str], str]) -> go.Figure:
    """The 2x2 matrix of data size x similarity, the chosen quadrant highlighted."""
    fig = go.Figure()
    for (size, similarity), text in labels.items():
        x0, y0 = (0 if size == "small" else 1), (1 if similarity == "similar" else 0)
        on = (size, similarity) == chosen
        fig.add_shape(type="rect", x0=x0, x1=x0 + 1, y0=y0, y1=y0 + 1, line={"color": BACKGROUND, "width": 6},
                      fillcolor=HIGHLIGHT if on else PALE)
        fig.add_annotation(x=x0 + 0.5, y=y0 + 0.5, text=text, showarrow=False,
                           font={"size": TEXT_SIZE, "color": BACKGROUND if on else INK})
    fig.update_xaxes(range=[0, 2], tickvals=[0.5, 1.5], ticktext=[_("little data"), _("a lot of data")], showgrid=False,
                     zeroline=False, tickfont={"size": TEXT_SIZE}, automargin=True)
    fig.update_yaxes(range=[0, 2], tickvals=[0.5, 1.5], ticktext=[_("different<br>from ImageNet"), _("similar<br>to ImageNet")],
                     showgrid=False, zeroline=False, tickfont={"size": TEXT_SIZE}, automargin=True)
    # The margins fit the labels (automargin): a fixed 140 px left the cells too narrow for their text at 1024x768.
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 10, "b": 40})
    return apply_style(fig)


"""Plotly figures of training runs: live curves with event markers, run overlays, confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.style import BLUE, GREEN, INK, MUTED, ORANGE, QUALITATIVE, TEXT_SIZE, VERMILION, apply_style
from explorer.i18n import N_, _
from explorer.io.text import html_literal
from explorer.training import RunEvent

__all__ = ["compare_figure", "confusion_figure", "curves_figure", "data_size_figure", "metric_label"]

TRAIN, VALIDATION = BLUE, VERMILION

_METRICS = {"loss": N_("loss"), "accuracy": N_("accuracy"), "val_loss": N_("validation loss"),
            "val_accuracy": N_("validation accuracy"), "lr": N_("learning rate")}


def metric_label(metric: str) -> str:
    """A Keras metric name in words, in the session's language ("val_accuracy" -> "validation accuracy")."""
    return _(_METRICS[metric]) if metric in _METRICS else metric.replace("val_", "validation ").replace("_", " ")


def curves_figure(history: Mapping[str, Sequence[float]], events: Sequence[RunEvent] = (),
                  title: str = "") -> go.Figure:
    """Loss, accuracy (train and validation) and learning rate per epoch, side by side.

    Checkpoint saves are stars on the validation loss; learning-rate drops are triangles
    on the rate; the start of stage 2 is a dotted line.
    """
    fig = make_subplots(rows=1, cols=3, subplot_titles=(_("Loss"), _("Accuracy"), _("Learning rate")),
                        horizontal_spacing=0.07)
    epochs = list(range(1, len(history.get("loss", ())) + 1))
    for col, metric in ((1, "loss"), (2, "accuracy")):
        for key, name, colour in ((metric, _("train"), TRAIN), (f"val_{metric}", _("validation"), VALIDATION)):
            fig.add_trace(go.Scatter(x=epochs, y=list(history.get(key, ())), name=name, mode="lines+markers",
                                     line=dict(color=colour, width=3), legendgroup=name, showlegend=col == 1),
                          row=1, col=col)
    fig.add_trace(go.Scatter(x=epochs, y=list(history.get("lr", ())), name=_("learning rate"), mode="lines+markers",
                             line=dict(color=MUTED, width=3, shape="hv"), showlegend=False), row=1, col=3)
    val_loss, lr = list(history.get("val_loss", ())), list(history.get("lr", ()))
    saves = [e.epoch for e in events if e.kind == "checkpoint" and e.epoch <= len(val_loss)]
    fig.add_trace(go.Scatter(x=saves, y=[val_loss[e - 1] for e in saves], mode="markers", name=_("new best val_loss (checkpoint)"),
                             marker=dict(symbol="star", size=16, color=GREEN, line=dict(width=1, color=INK))),
                  row=1, col=1)
    drops = [e for e in events if e.kind == "lr_drop" and e.epoch < len(lr)]
    fig.add_trace(go.Scatter(x=[e.epoch + 1 for e in drops], y=[lr[e.epoch] for e in drops], mode="markers",
                             name=_("learning rate dropped"), text=[e.detail for e in drops],
                             marker=dict(symbol="triangle-down", size=16, color=ORANGE)), row=1, col=3)
    for event in events:
        if event.kind == "stage2":
            for col in (1, 2, 3):
                fig.add_vline(x=event.epoch + 0.5, line_dash="dot", line_color=MUTED, row=1, col=col)
    # Powers of ten only: Plotly's default labels a short log range's minor ticks too (digits over "1e-3").
    fig.update_yaxes(type="log", exponentformat="e", dtick=1, row=1, col=3)
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    fig.update_xaxes(title_text=_("epoch"), dtick=1 if len(epochs) <= 15 else None)
    fig.update_layout(title=title or None, height=380, margin=dict(l=50, r=20, t=60 if title else 40, b=50),
                      legend=dict(orientation="h", y=-0.22, x=0))
    return apply_style(fig)


def compare_figure(runs: Sequence[tuple[str, Mapping[str, Sequence[float]]]], metric: str = "val_accuracy") -> go.Figure:
    """Overlay one metric of several runs (transfer against scratch) on one chart."""
    fig = go.Figure()
    for i, (label, history) in enumerate(runs):
        values = list(history.get(metric, ()))
        fig.add_trace(go.Scatter(x=list(range(1, len(values) + 1)), y=values, name=label, mode="lines+markers",
                                 line=dict(color=QUALITATIVE[i % len(QUALITATIVE)], width=3)))
    # showlegend: Plotly hides the legend of a single trace, and a run's name is the point of the chart.
    fig.update_layout(height=420, xaxis_title=_("epoch"), yaxis_title=metric_label(metric), showlegend=True,
                      margin=dict(l=60, r=20, t=30, b=50), legend=dict(orientation="h", y=-0.2, x=0))
    if "accuracy" in metric:
        fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return apply_style(fig)


def confusion_figure(matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> go.Figure:
    """Counts of validation images by true (rows) and predicted (columns) class."""
    # Class names come from a user's folders: Plotly would render <a href>, <b>... in them, so they
    # are escaped; positions, not names, are the axes, so two names alike when shortened stay apart.
    names = [html_literal(n, 24) for n in class_names]
    index = list(range(len(names)))
    fig = go.Figure(go.Heatmap(z=[list(r) for r in matrix], x=index, y=index, colorscale="Blues", showscale=False,
                               text=[[str(v) for v in r] for r in matrix], texttemplate="%{text}",
                               customdata=[[(names[i], names[j]) for j in index] for i in index],
                               hovertemplate="%{customdata[0]} → %{customdata[1]}: %{z}<extra></extra>",
                               textfont=dict(size=TEXT_SIZE)))
    # Where names would overlap, they rise to the right, ending under their column (Plotly's default
    # turn, 30 degrees the other way, pushed the last name out of a narrow figure: "triangle" was not drawn).
    fig.update_xaxes(tickmode="array", tickvals=index, ticktext=names, autotickangles=[0, -45, -90])
    fig.update_yaxes(tickmode="array", tickvals=index, ticktext=names)
    fig.update_layout(height=max(300, 40 * len(names) + 120),
                      xaxis_title=_("predicted"), yaxis_title=_("true"), yaxis_autorange="reversed",
                      margin=dict(l=80, r=20, t=20, b=60))
    return apply_style(fig)


def data_size_figure(points: Sequence[tuple[int, float]], label: str = "", step: float | None = None) -> go.Figure:
    """Final validation accuracy against training images per class; error bars of one validation image (step)."""
    fig = go.Figure(go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers",
                               name=label, line=dict(color=QUALITATIVE[0], width=3),
                               error_y=dict(type="constant", value=step, visible=step is not None)))
    fig.update_layout(height=360, xaxis_title=_("training images per class"),
                      yaxis_title=_("validation accuracy"), margin=dict(l=60, r=20, t=30, b=50))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return apply_style(fig)

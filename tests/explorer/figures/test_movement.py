"""The Freeze X-ray heatmap: exact zeros in their own colour, one colour scale for every run, the stage-2 line."""

from __future__ import annotations

import math

from explorer.figures.movement import bn_experiment_figure, movement_figure, percent_label
from explorer.figures.style import FROZEN
from explorer.training.movement import LayerMovement


def _movement(scale: float, stage2: int | None = None) -> LayerMovement:
    delta = ((0.0, 0.0, 0.1 * scale), (0.0, 0.001 * scale, 0.2 * scale))
    return LayerMovement(("conv1", "conv2", "head/output"), ("conv1", "conv2", "head/output"), (1.0, 1.0, 1.0),
                         delta, delta, ("bn",), (1.0,), ((0.0,), (0.05,)), (0,) if stage2 is None else (0, stage2))


def test_frozen_cells_are_drawn_in_the_frozen_colour_and_left_out_of_the_log_scale() -> None:
    fig = movement_figure([("run", _movement(1.0))])
    moving, zeros = fig.data[0], fig.data[1]
    assert list(moving.y) == ["conv1", "conv2", "head/output"]  # network order: the head on top
    assert list(moving.z[0]) == [None, None] and moving.z[2][1] == math.log10(0.2)
    assert list(zeros.z[0]) == [1, 1] and list(zeros.z[2]) == [None, None]
    assert zeros.colorscale[0][1] == FROZEN and zeros.colorscale[-1][1] == FROZEN
    assert "exactly 0" in zeros.text[0][0]


def test_runs_side_by_side_share_one_colour_scale_and_show_the_stage_switch() -> None:
    fig = movement_figure([("small", _movement(0.01)), ("large", _movement(1.0, stage2=1))])
    heatmaps = [t for t in fig.data if t.type == "heatmap" and t.coloraxis]
    assert len(heatmaps) == 2 and {t.coloraxis for t in heatmaps} == {"coloraxis"}
    low, high = fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax
    assert low <= math.log10(0.00001) and high >= math.log10(0.2)  # both runs' values fit on the one scale
    assert [s.x0 for s in fig.layout.shapes] == [1.5]  # only the two-stage run has the dotted line


def test_percent_labels_read_as_percentages() -> None:
    assert [percent_label(v) for v in (0.0004, 0.01, 0.25, 3.0)] == ["0.04%", "1%", "25%", "300%"]


def test_bn_experiment_puts_accuracy_and_drift_side_by_side() -> None:
    history = {"val_accuracy": [0.5, 0.6]}
    fig = bn_experiment_figure([("inference", history, _movement(1.0, 1)), ("training", history, _movement(1.0, 1))])
    assert [t.name for t in fig.data] == ["inference", "inference", "training", "training"]
    assert list(fig.data[1].y) == [0.0, 0.05]

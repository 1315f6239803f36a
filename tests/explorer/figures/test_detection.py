"""Detection figures: the boxes drawn, the IoU in the title, AP in the legend."""

from __future__ import annotations

from explorer.detection import SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, Box, average_precision, iou, match_detections
from explorer.figures.detection import HIT, MISS, detection_figure, iou_figure, pr_figure


def test_figures_draw_the_boxes():
    a, b = Box(10, 20, 60, 70), Box(20, 25, 70, 75)
    fig = iou_figure(a, b, iou(a, b))
    assert [trace.name for trace in fig.data] == ["box A", "box B", "intersection"]
    assert "0.562" in fig.layout.title.text
    assert len(iou_figure(Box(0, 0, 1, 1), Box(5, 5, 6, 6), iou(Box(0, 0, 1, 1), Box(5, 5, 6, 6))).data) == 2
    matches = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    assert len(detection_figure(SAMPLE_GROUND_TRUTH, SAMPLE_DETECTIONS, matches).data) == 8
    curves = {0.5: average_precision(matches, 3)}
    assert "AP = 0.867" in pr_figure(curves).data[0].name


def test_hits_and_misses_are_drawn_in_their_colours():
    matches = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    fig = detection_figure(SAMPLE_GROUND_TRUTH, SAMPLE_DETECTIONS, matches)
    predictions = fig.data[len(SAMPLE_GROUND_TRUTH):]
    hit = {m.detection: m.hit for m in matches}
    assert [trace.line.color for trace in predictions] == [HIT if hit[i] else MISS for i in range(len(predictions))]

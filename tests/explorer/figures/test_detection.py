"""Detection figures: the boxes drawn (draggable ones as shapes), the IoU in the title, AP in the legend."""

from __future__ import annotations

from explorer.detection import SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, Box, average_precision, iou, match_detections
from explorer.figures.detection import EDIT_CONFIG, HIT, MISS, detection_figure, iou_figure, pr_figure


def test_figures_draw_the_boxes():
    a, b = Box(10, 20, 60, 70), Box(20, 25, 70, 75)
    fig = iou_figure(a, b, iou(a, b))
    assert [shape.name for shape in fig.layout.shapes] == ["box A", "box B"]  # draggable, in this order
    assert [(s.x0, s.y0, s.x1, s.y1) for s in fig.layout.shapes] == [(10, 20, 60, 70), (20, 25, 70, 75)]
    assert [trace.name for trace in fig.data] == ["intersection"]
    assert "0.562" in fig.layout.title.text
    assert not iou_figure(Box(0, 0, 1, 1), Box(5, 5, 6, 6), iou(Box(0, 0, 1, 1), Box(5, 5, 6, 6))).data
    matches = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    scene = detection_figure(SAMPLE_GROUND_TRUTH, SAMPLE_DETECTIONS, matches)
    assert len(scene.data) == 3 and len(scene.layout.shapes) == 5  # ground truth fixed, predictions draggable
    curves = {0.5: average_precision(matches, 3)}
    assert "AP = 0.867" in pr_figure(curves).data[0].name


def test_the_axes_span_the_image_with_y_down_and_only_boxes_move():
    a, b = Box(10, 20, 60, 70), Box(20, 25, 70, 75)
    fig = iou_figure(a, b, iou(a, b), size=100)
    assert tuple(fig.layout.xaxis.range) == (0, 100)
    assert tuple(fig.layout.yaxis.range) == (100, 0)  # 0 at the top, as image rows count
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange and fig.layout.dragmode is False
    assert EDIT_CONFIG["edits"] == {"shapePosition": True}


def test_hits_and_misses_are_drawn_in_their_colours():
    matches = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    fig = detection_figure(SAMPLE_GROUND_TRUTH, SAMPLE_DETECTIONS, matches)
    hit = {m.detection: m.hit for m in matches}
    assert [shape.line.color for shape in fig.layout.shapes] == [HIT if hit[i] else MISS
                                                                 for i in range(len(SAMPLE_DETECTIONS))]
    assert [shape.label.text for shape in fig.layout.shapes][0] == "P0 0.95"

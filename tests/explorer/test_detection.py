"""IoU, VOC matching and AP against hand-worked cases; the iou CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from explorer.detection import (
    SAMPLE_DETECTIONS,
    SAMPLE_GROUND_TRUTH,
    Box,
    Detection,
    average_precision,
    coco_style_ap,
    iou,
    match_detections,
    parse_box,
)
from explorer.errors import ExplorerInputError


@pytest.mark.parametrize(("a", "b", "intersection", "union"), [
    # Partial overlap: 40 x 45 shared, 2,500 + 2,500 - 1,800.
    ((10, 20, 60, 70), (20, 25, 70, 75), 1800, 3200),
    # No overlap at all.
    ((0, 0, 10, 10), (20, 20, 30, 30), 0, 200),
    # Containment: the small box is the intersection, the big one the union.
    ((0, 0, 20, 20), (5, 5, 15, 15), 100, 400),
    # Identical boxes.
    ((1, 2, 3, 4), (1, 2, 3, 4), 4, 4),
    # Touching edges share a line, not an area.
    ((0, 0, 10, 10), (10, 0, 20, 10), 0, 200),
    # Touching corners.
    ((0, 0, 10, 10), (10, 10, 20, 20), 0, 200),
    # Continuous coordinates: a 0.5 x 0.5 overlap of two unit squares.
    ((0.5, 0.5, 1.5, 1.5), (1, 1, 2, 2), 0.25, 1.75),
    # A zero-area box inside another: nothing shared.
    ((5, 5, 5, 5), (0, 0, 10, 10), 0, 100),
])
def test_iou_hand_worked(a, b, intersection, union):
    for first, second in ((a, b), (b, a)):
        overlap = iou(Box(*first), Box(*second))
        assert overlap.intersection == pytest.approx(intersection)
        assert overlap.union == pytest.approx(union)
        assert overlap.iou == pytest.approx(intersection / union)
        assert (overlap.intersection_box is None) == (intersection == 0)


def test_iou_of_two_empty_boxes_is_zero():
    assert iou(Box(1, 1, 1, 1), Box(1, 1, 1, 1)).iou == 0.0


def test_intersection_box_of_containment_is_the_inner_box():
    assert iou(Box(0, 0, 20, 20), Box(5, 5, 15, 15)).intersection_box == Box(5, 5, 15, 15)


@pytest.mark.parametrize("coords", [(10, 0, 5, 10), (0, 10, 10, 5), (0, 0, float("nan"), 1), (0, 0, True, 1)])
def test_a_box_must_have_x1_le_x2_and_y1_le_y2(coords):
    with pytest.raises(ExplorerInputError, match="Received: box="):
        Box(*coords)


def test_parse_box():
    assert parse_box("10,20,60,70") == Box(10, 20, 60, 70)
    assert parse_box(" -1.5, 2e1 ,3, 40 ") == Box(-1.5, 20, 3, 40)
    for bad in ("1,2,3", "a,b,c,d", "1,2,3,4,5", ""):
        with pytest.raises(ExplorerInputError, match="A box is four numbers"):
            parse_box(bad)
    with pytest.raises(ExplorerInputError, match="x1 <= x2"):
        parse_box("60,20,10,70")


def test_sample_matching_at_0_5_and_0_75():
    # IoUs with the best ground truth: P0 0.874, P1 0.632, P2 0.678 (GT0 again), P3 none, P4 0.889.
    at_50 = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    at_75 = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.75)
    assert [m.detection for m in at_50] == [0, 1, 2, 3, 4]
    assert [m.reason for m in at_50] == ["hit", "hit", "duplicate", "no overlap", "hit"]
    assert [m.reason for m in at_75] == ["hit", "IoU below threshold", "IoU below threshold", "no overlap", "hit"]
    assert [m.ground_truth for m in at_50] == [0, 1, 0, None, 2]


def test_ap_hand_worked_on_the_sample():
    # IoU 0.5: hits at ranks 1, 2, 5 -> precision 1, 1, 2/3, 1/2, 3/5 at recall 1/3, 2/3, 2/3, 2/3, 1.
    # Interpolated: 1, 1, 2/3, 3/5, 3/5. AP = 1/3 * 1 + 1/3 * 1 + 1/3 * 3/5 = 13/15.
    pr = average_precision(match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5), 3)
    assert pr.precision == pytest.approx((1, 1, 2 / 3, 1 / 2, 3 / 5))
    assert pr.interpolated == pytest.approx((1, 1, 2 / 3, 3 / 5, 3 / 5))
    assert pr.ap == pytest.approx(13 / 15)
    # IoU 0.75: hits at ranks 1 and 5 -> AP = 1/3 * 1 + 1/3 * 2/5 = 7/15.
    assert average_precision(match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.75), 3).ap == pytest.approx(7 / 15)


def test_ap_extremes_and_a_miss_ranked_first():
    gt = [Box(0, 0, 10, 10), Box(20, 20, 30, 30)]
    perfect = [Detection(Box(0, 0, 10, 10), 0.9), Detection(Box(20, 20, 30, 30), 0.8)]
    assert average_precision(match_detections(perfect, gt, 0.5), 2).ap == 1.0
    nothing = [Detection(Box(50, 50, 60, 60), 0.9)]
    assert average_precision(match_detections(nothing, gt, 0.5), 2).ap == 0.0
    # A false positive ranked first, then one hit: precision 1/2 at recall 1/2 -> AP = 1/4.
    late = [Detection(Box(50, 50, 60, 60), 0.9), Detection(Box(0, 0, 10, 10), 0.5)]
    assert average_precision(match_detections(late, gt, 0.5), 2).ap == pytest.approx(0.25)


def test_iou_exactly_at_the_threshold_is_a_hit():
    match = match_detections([Detection(Box(0, 0, 2, 1), 1.0)], [Box(0, 0, 1, 1)], 0.5)[0]
    assert match.iou == 0.5 and match.hit


def test_bad_threshold_and_no_ground_truth():
    with pytest.raises(ExplorerInputError, match="Received: threshold=0"):
        match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0)
    with pytest.raises(ExplorerInputError, match="n_ground_truth=0"):
        average_precision((), 0)
    with pytest.raises(ExplorerInputError, match="n_ground_truth must be a positive whole number"):
        average_precision((), 1.5)


def test_coco_style_ap_averages_ten_thresholds():
    aps = [average_precision(match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, t / 100), 3).ap
           for t in range(50, 100, 5)]
    assert coco_style_ap(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH) == pytest.approx(sum(aps) / 10)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", "iou", *args], capture_output=True, text=True,
                          timeout=120)


def test_cli_iou_json_and_text():
    run = _cli("--box", "10,20,60,70", "--box", "20,25,70,75", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"iou": 0.5625, "intersection": 1800.0, "union": 3200.0}
    text = _cli("--box", "0,0,20,20", "--box=5,5,15,15")
    assert text.returncode == 0 and text.stdout.strip() == "IoU 0.2500 (intersection 100, union 400)"


@pytest.mark.parametrize("boxes", [
    ("--box", "10,20,5,70", "--box", "0,0,1,1"),   # x2 < x1
    ("--box", "0,0,1,1", "--box", "0,9,1,3"),      # y2 < y1
    ("--box", "0,0,1,1"),                          # only one box
    ("--box", "0,0,1", "--box", "0,0,1,1"),        # three numbers
])
def test_cli_iou_bad_boxes_print_one_error_line_and_exit_2(boxes):
    run = _cli(*boxes)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr


# ---------------------------------------------------------------- boxes dragged on a chart

from explorer.detection import boxes_text, move_detections, parse_boxes, snap_box  # noqa: E402


def test_a_dragged_box_lands_on_whole_numbers_with_its_corners_ordered():
    assert snap_box(70.4, 80.6, 19.5, 29.6) == Box(20, 30, 70, 81)


def test_a_box_moved_past_the_edge_slides_back_with_its_size_kept():
    before = Box(10, 20, 60, 70)
    assert snap_box(-8.2, 20, 41.8, 70, before=before) == Box(0, 20, 50, 70)
    assert snap_box(60, 60, 110, 110, before=before) == Box(50, 50, 100, 100)


def test_a_box_resized_past_the_edge_is_cut_there():
    assert snap_box(10, 20, 130, 70, before=Box(10, 20, 60, 70)) == Box(10, 20, 100, 70)


def test_a_coordinate_that_is_not_a_number_is_refused():
    with pytest.raises(ExplorerInputError, match="finite numbers"):
        snap_box(float("nan"), 0, 1, 1)


def test_boxes_go_through_a_link_and_back():
    boxes = tuple(d.box for d in SAMPLE_DETECTIONS)
    text = boxes_text(boxes)
    assert text.startswith("12,22,50,68_62,20,98,50_")
    assert parse_boxes(text, 5) == boxes
    with pytest.raises(ExplorerInputError, match="Give 5 boxes"):
        parse_boxes("1,2,3,4", 5)
    with pytest.raises(ExplorerInputError, match="inside the 100 x 100 image"):
        parse_boxes("0,0,10,10_0,0,10,10_0,0,10,10_0,0,10,10_0,0,10,120", 5)


def test_moved_detections_keep_their_scores():
    moved = move_detections(SAMPLE_DETECTIONS, [Box(0, 0, 1, 1)] * 5)
    assert [d.score for d in moved] == [d.score for d in SAMPLE_DETECTIONS]
    assert all(d.box == Box(0, 0, 1, 1) for d in moved)
    with pytest.raises(ExplorerInputError, match="one box"):
        move_detections(SAMPLE_DETECTIONS, [Box(0, 0, 1, 1)])

"""Detection basics under AppTest: the IoU playground and the hits/AP table match explorer/."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer.detection import SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, Box, iou, match_detections
from ui.state import detection as keys

PAGE = ROOT / "app_pages" / "detection_basics.py"


def open_page() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_boxes_overlap_at_0_5625():
    at = open_page()
    assert metrics(at)["Intersection"] == "1800" and metrics(at)["Union"] == "3200"
    assert metrics(at)["IoU"] == f"{iou(Box(10, 20, 60, 70), Box(20, 25, 70, 75)).iou:.3f}" == "0.562"
    assert any("0.5? **yes**" in m.value and "0.75? **no**" in m.value for m in at.markdown)


def test_moving_box_b_away_gives_zero_and_inside_gives_containment():
    at = open_page()
    at.slider(key=keys.B_X).set_value((70, 90)).run()
    assert metrics(at)["IoU"] == "0.000" and metrics(at)["Intersection"] == "0"
    at.slider(key=keys.B_X).set_value((20, 40))
    at.slider(key=keys.B_Y).set_value((30, 50))
    at.run()
    assert not at.exception
    assert metrics(at)["Intersection"] == "400" and metrics(at)["Union"] == "2500"
    assert metrics(at)["IoU"] == "0.160"


def test_hits_table_and_ap_match_explorer():
    at = open_page()
    table = at.dataframe[0].value  # the hits table is the page's only dataframe
    at_50 = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
    at_75 = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.75)
    assert list(table["prediction"]) == [f"P{m.detection}" for m in at_50]
    assert list(table["at 0.5"]) == [m.reason for m in at_50]
    assert list(table["at 0.75"]) == [m.reason for m in at_75]
    assert metrics(at)["AP at IoU 0.5"] == "0.867"   # 13/15, worked by hand in tests/explorer
    assert metrics(at)["AP at IoU 0.75"] == "0.467"  # 7/15


def charts(at: AppTest) -> list[dict]:
    """The page's Plotly charts in order (the IoU chart, the scene, the PR curves): figure and config."""
    return [{"spec": json.loads(c.proto.spec), "config": json.loads(c.proto.config or "{}")}
            for c in at.get("plotly_chart")]


def test_boxes_and_predictions_are_drawn_as_draggable_shapes():
    at = open_page()
    iou_chart, scene, _pr = charts(at)
    for chart in (iou_chart, scene):
        assert chart["config"]["edits"] == {"shapePosition": True}
        assert chart["spec"]["layout"]["yaxis"]["range"] == [100, 0]  # the image, y growing down
    assert [(s["x0"], s["y0"], s["x1"], s["y1"]) for s in iou_chart["spec"]["layout"]["shapes"]] == [
        (10, 20, 60, 70), (20, 25, 70, 75)]
    assert len(scene["spec"]["layout"]["shapes"]) == len(SAMPLE_DETECTIONS)


def test_a_moved_prediction_changes_the_hits_and_ap():
    at = open_page()
    boxes = [d.box for d in SAMPLE_DETECTIONS]
    boxes[1] = Box(61, 16, 97, 46)  # P1 snug on GT1 (60, 15, 95, 45): now a hit at 0.75 too
    at.session_state[keys.PREDICTIONS] = tuple(boxes)  # what a drag on the scene leaves
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[table["prediction"] == "P1", "at 0.75"].item() == "hit"
    assert metrics(at)["AP at IoU 0.75"] != "0.467"
    assert metrics(at)["AP at IoU 0.5"] == "0.867"
    at.button(key="detect.reset").click().run()
    assert metrics(at)["AP at IoU 0.75"] == "0.467"


def test_a_link_carries_the_moved_predictions_and_a_bad_one_is_dropped():
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["preds"] = "12,22,50,68_61,16,97,46_14,26,54,74_5,75,30,98_57,62,90,95"
    at.run()
    assert not at.exception
    assert metrics(at)["AP at IoU 0.75"] != "0.467"
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["preds"] = "12,22,50,68"
    at.run()
    assert not at.exception
    assert metrics(at)["AP at IoU 0.75"] == "0.467"
    assert any("preds" in w.value for w in at.warning)

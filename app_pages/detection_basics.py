"""Detection basics: IoU of two boxes, hits at IoU 0.5 and 0.75, AP, and two-stage vs one-stage detectors."""

import pandas as pd
import streamlit as st

from explorer.detection import (
    SAMPLE_DETECTIONS,
    SAMPLE_GROUND_TRUTH,
    Box,
    average_precision,
    coco_style_ap,
    iou,
    match_detections,
    move_detections,
)
from explorer.figures.detection import EDIT_CONFIG, detection_figure, iou_figure, pr_figure
from ui.i18n import N_, _
from ui.plotly_shapes import draggable_chart
from ui.state import detection as keys

THRESHOLDS = (0.5, 0.75)
REASONS = (N_("hit"), N_("IoU below threshold"), N_("duplicate"), N_("no overlap"))  # explorer.detection.Match

keys.STATE.start()
st.title(_("Detection basics"))
st.markdown(_("A detector predicts boxes with scores. **IoU** (intersection over union) says how well a predicted "
              "box fits a true one; a prediction counts as a hit when its IoU reaches a threshold, and **AP** sums "
              "up how precision and recall trade off as the score threshold falls."))

# Each section is a fragment: a slider or a drag redraws its own section, not the other's charts.
@st.fragment
def iou_playground() -> None:
    keys.STATE.follow()
    st.header(_("IoU playground"))
    controls, chart = st.columns([2, 3])
    with controls:
        st.caption(_("Coordinates in a 100 x 100 image; y grows downwards. A box's area is (x2 - x1) * (y2 - y1).")
                   + " " + _("Drag a box on the chart, or a corner of it: the sliders follow."))
        ranges = {}
        for name, box_keys in keys.BOXES.items():
            st.markdown("**" + _("Box {name}").format(name=name) + "**")
            ranges[name] = [st.slider(_("{name}: {axis}1 to {axis}2").format(name=name, axis=axis),
                                      *keys.STATE.bounds(key), key=key)
                            for axis, key in zip("xy", box_keys)]
        a, b = (Box(r[0][0], r[1][0], r[0][1], r[1][1]) for r in ranges.values())
        overlap = iou(a, b)
    with chart:
        for col, label, value in zip(st.columns(3), (_("Intersection"), _("Union"), "IoU"),
                                     (f"{overlap.intersection:g}", f"{overlap.union:g}", f"{overlap.iou:.3f}")):
            col.metric(label, value, border=True)
        draggable_chart(iou_figure(a, b, overlap), "detect.iou_chart", EDIT_CONFIG, keys.move_boxes)
    controls.markdown(_("A hit at IoU 0.5? **{at_50}**. At 0.75? **{at_75}**.").format(
        at_50=_("yes") if overlap.iou >= 0.5 else _("no"), at_75=_("yes") if overlap.iou >= 0.75 else _("no")))


@st.fragment
def predictions() -> None:
    keys.STATE.follow()
    st.header(_("Which predictions count? Hits at IoU 0.5 and 0.75, and AP"))
    detections = move_detections(SAMPLE_DETECTIONS, st.session_state[keys.PREDICTIONS])
    matches = {t: match_detections(detections, SAMPLE_GROUND_TRUTH, t) for t in THRESHOLDS}
    by_detection = {t: {m.detection: m for m in ms} for t, ms in matches.items()}
    ranked = [m.detection for m in matches[0.5]]
    table = pd.DataFrame({
        _("prediction"): [f"P{i}" for i in ranked],
        _("score"): [detections[i].score for i in ranked],
        _("best ground truth"): [f"GT{by_detection[0.5][i].ground_truth}"
                                 if by_detection[0.5][i].ground_truth is not None else "-" for i in ranked],
        "IoU": [by_detection[0.5][i].iou for i in ranked],
        **{_("at {t}").format(t=t): [_(by_detection[t][i].reason) for i in ranked] for t in THRESHOLDS},
    })
    # The AP figures above, the boxes and the curve side by side, the table under them: at 1024x768 the
    # boxes had two fifths of the row (a 150 px picture) and the metrics a third of the rest (labels cut).
    curves = {t: average_precision(ms, len(SAMPLE_GROUND_TRUTH)) for t, ms in matches.items()}
    cols = st.columns(3)
    for col, t in zip(cols, THRESHOLDS):
        col.metric(_("AP at IoU {t}").format(t=t), f"{curves[t].ap:.3f}", border=True)
    cols[2].metric(_("AP at 0.50:0.05:0.95"), f"{coco_style_ap(detections, SAMPLE_GROUND_TRUTH):.3f}", border=True)
    scene, curve = st.columns(2)
    with scene:
        draggable_chart(detection_figure(SAMPLE_GROUND_TRUTH, detections, matches[0.5]), "detect.scene", EDIT_CONFIG,
                        keys.move_predictions)
        st.button(_("Put the predictions back"), key="detect.reset", icon=":material/undo:",
                  on_click=keys.reset_predictions)
    curve.plotly_chart(pr_figure(curves), width="stretch", theme=None, key="detect.pr")
    st.dataframe(table, hide_index=True, width="stretch", key="detect.table",
                 column_config={"IoU": st.column_config.NumberColumn(format="%.3f"),
                                _("score"): st.column_config.NumberColumn(format="%.2f")})
    st.caption(_("Drag a prediction, or a corner of it, and watch the table and AP change.") + " "
               + _("Predictions are taken from the most confident down. Each goes to the ground-truth box it "
                   "overlaps most; it is a hit if that IoU reaches the threshold and the box is still free, else a "
                   "false positive (a duplicate, or too loose). AP is the area under the precision-recall curve with"
                   " all-point interpolation (Pascal VOC 2010 and later). COCO averages AP over the IoU thresholds "
                   "0.50 to 0.95 (its tool samples 101 recall points; here all points)."))


iou_playground()
predictions()
st.header(_("Two-stage and one-stage detectors"))
st.markdown(_(
    "| | two-stage (R-CNN, Fast/Faster R-CNN) | one-stage (YOLO, SSD, RetinaNet) |\n|---|---|---|\n"
    "| how | 1) propose regions that may hold an object, 2) classify each region and refine its box | "
    "predict classes and boxes for a dense grid of anchors or cells in one pass |\n"
    "| strength | accurate boxes, good on small objects | fast: one network pass, suits real time |\n"
    "| weakness | slower: work per region | many easy background boxes to learn from (RetinaNet's focal "
    "loss answers this) |\n\n"
    "Both kinds share a pretrained CNN backbone (transfer learning again), box regression, IoU-based matching of "
    "predictions to ground truth, non-maximum suppression of duplicates, and evaluation by mAP."))

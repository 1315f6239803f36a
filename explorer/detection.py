"""Object detection basics: IoU of two boxes, matching detections to ground truth, and AP.

Boxes use continuous coordinates (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2 and an area
of (x2 - x1) * (y2 - y1): no "+1" pixel convention. Matching follows Pascal VOC: take the
detections from the most to the least confident; each one goes to the ground-truth box it
overlaps most; it is a hit when that IoU reaches the threshold and the box is not taken
yet, otherwise a false positive (a duplicate or a poor overlap). AP is the area under the
precision-recall curve with all-point interpolation, as in VOC2010 and later.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError

COCO_THRESHOLDS: tuple[float, ...] = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))
"""COCO's IoU thresholds 0.50, 0.55, ..., 0.95."""
_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in continuous coordinates; x grows right, y grows down."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        values = (self.x1, self.y1, self.x2, self.y2)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise ExplorerInputError(f"Box coordinates must be finite numbers. Received: box={values}")
        if self.x2 < self.x1 or self.y2 < self.y1:
            raise ExplorerInputError(
                f"A box needs x1 <= x2 and y1 <= y2. Received: box=({self.x1:g}, {self.y1:g}, {self.x2:g}, {self.y2:g})"
            )

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    @property
    def area(self) -> float:
        """(x2 - x1) * (y2 - y1)."""
        return self.width * self.height


def parse_box(text: str) -> Box:
    """Parse "x1,y1,x2,y2".

    Raises:
        ExplorerInputError: for anything else, or a box with x2 < x1 or y2 < y1.
    """
    match = re.fullmatch(",".join([_NUMBER] * 4), text)
    if not match:
        raise ExplorerInputError(f"A box is four numbers x1,y1,x2,y2. Received: box={text!r}")
    return Box(*(float(v) for v in match.groups()))


@dataclass(frozen=True)
class Overlap:
    """How two boxes overlap."""

    intersection: float
    union: float
    iou: float
    intersection_box: Box | None
    """The overlapping region; None when the boxes share no area (touching edges included)."""


def iou(a: Box, b: Box) -> Overlap:
    """Intersection over union of two boxes.

    Returns:
        Intersection and union areas and their ratio; IoU is 0 when the union is empty
        (two boxes of zero area).
    """
    ix1, iy1 = max(a.x1, b.x1), max(a.y1, b.y1)
    ix2, iy2 = min(a.x2, b.x2), min(a.y2, b.y2)
    iw, ih = max(0.0, ix2 - ix1), max(0.0, iy2 - iy1)
    intersection = iw * ih
    union = a.area + b.area - intersection
    inter_box = Box(ix1, iy1, ix2, iy2) if intersection > 0 else None
    return Overlap(intersection, union, intersection / union if union > 0 else 0.0, inter_box)


@dataclass(frozen=True)
class Detection:
    """A predicted box with its confidence score."""

    box: Box
    score: float


@dataclass(frozen=True)
class Match:
    """The verdict on one detection at one IoU threshold."""

    detection: int
    """Index of the detection in the list given."""
    score: float
    ground_truth: int | None
    """The ground-truth box it overlaps most (None if it overlaps none)."""
    iou: float
    hit: bool
    reason: str
    """"hit", "IoU below threshold", "duplicate" or "no overlap"."""


def match_detections(
    detections: Sequence[Detection], ground_truth: Sequence[Box], threshold: float
) -> tuple[Match, ...]:
    """Decide which detections are true positives at an IoU threshold (Pascal VOC rule).

    Args:
        detections: predicted boxes with scores (one class).
        ground_truth: the true boxes.
        threshold: the IoU a hit needs, in (0, 1].

    Returns:
        One Match per detection, from the highest score to the lowest (ties keep the
        given order).

    Raises:
        ExplorerInputError: for a threshold outside (0, 1].
    """
    if not 0.0 < threshold <= 1.0:
        raise ExplorerInputError(f"An IoU threshold is in (0, 1]. Received: threshold={threshold}")
    order = sorted(range(len(detections)), key=lambda i: -detections[i].score)
    taken: set[int] = set()
    matches = []
    for i in order:
        overlaps = [iou(detections[i].box, gt).iou for gt in ground_truth]
        best = max(range(len(overlaps)), key=overlaps.__getitem__, default=None)
        best_iou = overlaps[best] if best is not None else 0.0
        if best is None or best_iou == 0.0:
            matches.append(Match(i, detections[i].score, None, 0.0, False, "no overlap"))
        elif best_iou < threshold:
            matches.append(Match(i, detections[i].score, best, best_iou, False, "IoU below threshold"))
        elif best in taken:
            matches.append(Match(i, detections[i].score, best, best_iou, False, "duplicate"))
        else:
            taken.add(best)
            matches.append(Match(i, detections[i].score, best, best_iou, True, "hit"))
    return tuple(matches)


@dataclass(frozen=True)
class PrecisionRecall:
    """The precision-recall curve of ranked detections and its AP."""

    recall: tuple[float, ...]
    precision: tuple[float, ...]
    """After each detection, from the most confident on."""
    interpolated: tuple[float, ...]
    """Precision made monotone: the best precision at this recall or any higher one."""
    ap: float


def average_precision(matches: Sequence[Match], n_ground_truth: int) -> PrecisionRecall:
    """AP with all-point interpolation (VOC2010+): the area under the monotone PR curve.

    Args:
        matches: verdicts in ranked order, as match_detections returns them.
        n_ground_truth: number of true boxes (the denominator of recall).

    Raises:
        ExplorerInputError: unless n_ground_truth is a whole number >= 1 (AP needs a true box).
    """
    n_ground_truth = check_whole_number(n_ground_truth, "n_ground_truth", 1)
    tp = fp = 0
    recall, precision = [], []
    for match in matches:
        tp, fp = tp + match.hit, fp + (not match.hit)
        recall.append(tp / n_ground_truth)
        precision.append(tp / (tp + fp))
    interpolated = precision[:]
    for i in range(len(interpolated) - 2, -1, -1):
        interpolated[i] = max(interpolated[i], interpolated[i + 1])
    ap, previous = 0.0, 0.0
    for r, p in zip(recall, interpolated):
        ap += (r - previous) * p
        previous = r
    return PrecisionRecall(tuple(recall), tuple(precision), tuple(interpolated), ap)


def coco_style_ap(detections: Sequence[Detection], ground_truth: Sequence[Box]) -> float:
    """AP averaged over COCO's IoU thresholds 0.50:0.05:0.95 (all-point interpolation here,
    where COCO's own tool samples 101 recall points)."""
    aps = [average_precision(match_detections(detections, ground_truth, t), len(ground_truth)).ap
           for t in COCO_THRESHOLDS]
    return sum(aps) / len(aps)


SAMPLE_GROUND_TRUTH: tuple[Box, ...] = (
    Box(10, 20, 50, 70),
    Box(60, 15, 95, 45),
    Box(55, 60, 90, 95),
)
"""Three objects in a 100 x 100 image (the page's worked example)."""

SAMPLE_DETECTIONS: tuple[Detection, ...] = (
    Detection(Box(12, 22, 50, 68), 0.95),   # tight on object 0
    Detection(Box(62, 20, 98, 50), 0.90),   # object 1, a looser fit
    Detection(Box(14, 26, 54, 74), 0.80),   # object 0 again, shifted: a duplicate at 0.5
    Detection(Box(5, 75, 30, 98), 0.70),    # background: no object there
    Detection(Box(57, 62, 90, 95), 0.60),   # object 2, tight but least confident
)
"""Five scored predictions against SAMPLE_GROUND_TRUTH."""


IMAGE_SIZE = 100
"""The side of the pages' square image, in its own coordinates (0 at the top left)."""


def _fit_axis(lo: float, hi: float, before: tuple[float, float] | None, size: float) -> tuple[float, float]:
    lo, hi = sorted((round(lo), round(hi)))
    if before is not None and hi - lo == round(before[1] - before[0]) and hi - lo <= size:
        shift = max(0, -lo) - max(0, hi - size)  # moved whole: slide it back inside, its size kept
        return lo + shift, hi + shift
    return min(max(lo, 0), size), min(max(hi, 0), size)  # resized: cut at the image's edge


def snap_box(x0: float, y0: float, x1: float, y1: float, before: Box | None = None,
             size: float = IMAGE_SIZE) -> Box:
    """A box as dragged on a chart, on whole coordinates and inside the size x size image.

    Args:
        x0, y0, x1, y1: two opposite corners, in any order (a chart reports them as they lie).
        before: the box before the drag. A box moved whole (same width, or height) past the
            image's edge slides back inside with its size kept; a resized one is cut at the edge.
        size: the image's side.

    Raises:
        ExplorerInputError: for a coordinate that is not a finite number.
    """
    values = (x0, y0, x1, y1)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise ExplorerInputError(f"Box coordinates must be finite numbers. Received: box={values}")
    xs = _fit_axis(x0, x1, (before.x1, before.x2) if before else None, size)
    ys = _fit_axis(y0, y1, (before.y1, before.y2) if before else None, size)
    return Box(xs[0], ys[0], xs[1], ys[1])


def boxes_text(boxes: Sequence[Box]) -> str:
    """Boxes as a link writes them: "x1,y1,x2,y2" each, joined by "_"."""
    return "_".join(",".join(f"{v:g}" for v in (b.x1, b.y1, b.x2, b.y2)) for b in boxes)


def parse_boxes(raw: str | Sequence[Box | Sequence[float]], count: int, size: float = IMAGE_SIZE) -> tuple[Box, ...]:
    """Exactly `count` boxes inside the size x size image, from boxes_text's form or a sequence.

    Raises:
        ExplorerInputError: for another count, a malformed box or one outside the image.
    """
    items: Sequence[Any] = raw.split("_") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or len(items) != count:
        raise ExplorerInputError(f"Give {count} boxes x1,y1,x2,y2 joined by '_'. Received: boxes={raw!r:.200}")
    boxes = tuple(parse_box(b) if isinstance(b, str) else b if isinstance(b, Box) else Box(*b) for b in items)
    for b in boxes:
        if min(b.x1, b.y1) < 0 or max(b.x2, b.y2) > size:
            raise ExplorerInputError(f"A box lies inside the {size:g} x {size:g} image. "
                                     f"Received: box=({b.x1:g}, {b.y1:g}, {b.x2:g}, {b.y2:g})")
    return boxes


def move_detections(detections: Sequence[Detection], boxes: Sequence[Box]) -> tuple[Detection, ...]:
    """The same detections (same scores) with their boxes moved to `boxes`, in order."""
    if len(boxes) != len(detections):
        raise ExplorerInputError(f"Each detection needs one box. Received: {len(boxes)} boxes "
                                 f"for {len(detections)} detections")
    return tuple(Detection(box, d.score) for d, box in zip(detections, boxes))

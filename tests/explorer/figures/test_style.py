"""Every figure builder uses the shared style: its font stack, its palette, its sizes, and presenter view."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import pytest

import explorer.figures
from explorer import convolution as cv
from explorer.activations import FilterBank, GradCam, LayerFacts, LayerInfo, StageInfo, StripMap
from explorer.case_studies.zoo import ZOO, MemoryReport, MemoryRow, ZooLayer, ZooModel
from explorer.detection import SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, Box, average_precision, iou, match_detections
from explorer.figures import activations, advisor, convolution, detection, movement, params, style, training, zoo
from explorer.figures.style import FONT_FAMILY, PRESENTER_SCALE, QUALITATIVE, TEXT_SIZE, apply_style
from explorer.io.imagenet import Prediction
from explorer.models.params import LayerParams, ParamTable
from explorer.training import RunEvent
from explorer.training.movement import LayerMovement

RNG = np.random.default_rng(0)


def _param_table() -> ParamTable:
    layers = tuple(LayerParams(i, f"block{i // 2 + 1}_conv{i % 2 + 1}", "Conv2D", (None, 8, 8, 4), 100 * (i + 1), 0)
                   for i in range(6))
    return ParamTable("test", 32, layers)


def _zoo_models() -> list[ZooModel]:
    def model(spec, params: int) -> ZooModel:
        layer = ZooLayer("conv", "Conv2D", "3x3 conv", (7, 7, 8), params, params * 49, ())
        return ZooModel(spec, (layer,), params, 1)

    return [model(spec, 1_000_000 * (i + 1)) for i, spec in enumerate(ZOO[:4])]


def _layer(name: str = "block1_conv1", stage: int = 1) -> LayerInfo:
    return LayerInfo(name, "Conv2D", (8, 8, 16), stage, True)


def _photo() -> np.ndarray:
    return RNG.integers(0, 255, (64, 64, 3), dtype=np.uint8)


def _history() -> dict[str, list[float]]:
    return {"loss": [1.0, 0.7, 0.5], "val_loss": [1.1, 0.8, 0.6], "accuracy": [0.5, 0.7, 0.8],
            "val_accuracy": [0.4, 0.6, 0.7], "lr": [1e-3, 1e-3, 1e-4]}


def _movement(two_stage: bool) -> LayerMovement:
    delta = ((0.0, 0.0, 0.2), (0.0, 0.0, 0.3), (0.01, 0.002, 0.35) if two_stage else (0.0, 0.0, 0.4))
    return LayerMovement(("conv1", "conv2", "head/output"), ("conv1", "conv2", "head/output"), (1.0, 2.0, 0.5),
                         delta, delta, ("bn",), (1.0,), ((0.0,), (0.0,), (0.1 if two_stage else 0.0,)),
                         (0, 2) if two_stage else (0,))


_MATCHES = match_detections(SAMPLE_DETECTIONS, SAMPLE_GROUND_TRUTH, 0.5)
_QUADRANTS = {(size, similarity): f"{size} / {similarity}"
              for size in ("small", "large") for similarity in ("similar", "different")}

BUILDERS: dict[str, Callable[[], go.Figure]] = {
    "parameters_figure": lambda: params.parameters_figure(
        _param_table(), (False, False, True, True, False, True),
        (LayerParams(6, "dense", "Dense", (None, 10), 330, 0),)),
    "feature_grid_figure": lambda: activations.feature_grid_figure(
        RNG.random((8, 8, 16)).astype(np.float32), np.arange(16), 8, True, _layer()),
    "channel_overlay_figure": lambda: activations.channel_overlay_figure(
        _photo(), RNG.random((8, 8)).astype(np.float32), 0.5, "one channel"),
    "grad_cam_figure": lambda: activations.grad_cam_figure(
        _photo(), GradCam(RNG.random((8, 8)).astype(np.float32), 285, 0.6, "top_conv"), "Egyptian cat"),
    "network_strip_figure": lambda: activations.network_strip_figure([
        StripMap(StageInfo(i, 8, 8, (f"l{i}",), f"l{i}"), _layer(f"l{i}", i), 0, RNG.random((8, 8)).astype(np.float32))
        for i in (1, 2)]),
    "layer_facts_figure": lambda: activations.layer_facts_figure(
        [LayerFacts(f"l{i}", (8, 8, 16), 16, 0.5, 2.0, 0.3) for i in (1, 2)], [_layer("l1"), _layer("l2", 2)], "l1"),
    "filters_figure": lambda: activations.filters_figure(
        FilterBank("conv1", (3, 3, 3, 8), RNG.random((8, 3, 3, 3)).astype(np.float32))),
    "predictions_figure": lambda: activations.predictions_figure(
        [Prediction(285, "Egyptian cat", 0.6), Prediction(281, "tabby, tabby cat", 0.3)]),
    "advisor_figure": lambda: advisor.advisor_figure(("small", "similar"), _QUADRANTS),
    "conv_animation_figure": lambda: convolution.conv_animation_figure(
        cv.input_preset("digit", 7), cv.kernel_preset("Sobel x"), 2, 1, step=3),
    "pool_animation_figure": lambda: convolution.pool_animation_figure(cv.input_preset("random", 5), 2, 2, "max", "same"),
    "feature_map_figure": lambda: convolution.feature_map_figure(
        cv.synthetic_image(32), cv.conv2d(cv.synthetic_image(32), cv.kernel_preset("Sobel x"))),
    "signal_figure": lambda: convolution.signal_figure(cv.signal_preset("step", 20), np.ones(3) / 3, 2, "same", 1, 4),
    "receptive_field_figure": lambda: convolution.receptive_field_figure(cv.receptive_field([cv.LayerSpec(3)] * 8)),
    "stack_comparison_figure": lambda: convolution.stack_comparison_figure(cv.compare_stacks(64), 64),
    "iou_figure": lambda: detection.iou_figure(Box(10, 20, 60, 70), Box(20, 25, 70, 75),
                                               iou(Box(10, 20, 60, 70), Box(20, 25, 70, 75))),
    "detection_figure": lambda: detection.detection_figure(SAMPLE_GROUND_TRUTH, SAMPLE_DETECTIONS, _MATCHES),
    "pr_figure": lambda: detection.pr_figure({0.5: average_precision(_MATCHES, 3)}),
    "curves_figure": lambda: training.curves_figure(
        _history(), [RunEvent(2, "checkpoint"), RunEvent(2, "lr_drop", "x0.1"), RunEvent(1, "stage2")], "a run"),
    "compare_figure": lambda: training.compare_figure([(f"run {i}", _history()) for i in range(10)]),
    "confusion_figure": lambda: training.confusion_figure([[5, 1], [2, 4]], ["cat", "dog"]),
    "data_size_figure": lambda: training.data_size_figure([(10, 0.5), (20, 0.6), (40, 0.7)], "transfer"),
    "zoo_bubble_figure": lambda: zoo.zoo_bubble_figure(_zoo_models()),
    "movement_figure": lambda: movement.movement_figure([("feature extraction", _movement(False)),
                                                         ("two-stage", _movement(True))]),
    "bn_experiment_figure": lambda: movement.bn_experiment_figure([("inference mode", _history(), _movement(True)),
                                                                   ("training mode", _history(), _movement(True))]),
    "memory_figure": lambda: zoo.memory_figure(
        MemoryReport("test", (MemoryRow("conv1", "Conv2D", 1000, 500), MemoryRow("fc", "Dense", 10, 100)), 0)),
}


def _figure_builders() -> set[str]:
    names = set()
    for info in pkgutil.iter_modules(explorer.figures.__path__):
        module = importlib.import_module(f"explorer.figures.{info.name}")
        names |= {name for name, value in vars(module).items()
                  if name.endswith("_figure") and not name.startswith("_") and inspect.isfunction(value)
                  and value.__module__ == module.__name__}
    return names


def test_every_figure_builder_is_checked_here():
    assert _figure_builders() == set(BUILDERS), "add the new builder to BUILDERS with a small input"


_PALETTE_RGB = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in style.PALETTE}
_COLOR_KEYS = re.compile(r"(^|_)(color|fillcolor|bgcolor|bordercolor|linecolor|gridcolor|zerolinecolor|tickcolor)$")


def _rgb(color: str) -> tuple[int, int, int]:
    if re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
        return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    match = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)", color)
    assert match, f"a colour outside the palette's notation: {color!r}"
    return tuple(int(v) for v in match.groups())  # type: ignore[return-value]


def _colors(value: object, key: str = "") -> list[str]:
    """Every colour given as a string anywhere in a figure's JSON (colour scales aside)."""
    if isinstance(value, dict):
        return [c for k, v in value.items() if k not in ("template", "colorscale") for c in _colors(v, k)]
    if isinstance(value, (list, tuple)):
        return [c for item in value for c in _colors(item, key)]
    return [value] if isinstance(value, str) and _COLOR_KEYS.search(key) else []


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def built(request) -> tuple[str, go.Figure]:
    return request.param, BUILDERS[request.param]()


def test_figure_uses_the_shared_font_and_template(built):
    name, fig = built
    assert fig.layout.font.family == FONT_FAMILY, name
    assert fig.layout.font.size == TEXT_SIZE, name
    assert fig.layout.template.layout.colorway == QUALITATIVE, name
    assert fig.layout.hoverlabel.font.family == FONT_FAMILY, name


def test_figure_draws_only_with_the_palette(built):
    name, fig = built
    colors = _colors(fig.to_plotly_json())
    assert colors, name
    outside = sorted({c for c in colors if _rgb(c) not in _PALETTE_RGB})
    assert not outside, f"{name} uses colours outside explorer.figures.style: {outside}"


def test_font_stack_puts_a_latin_face_first_then_korean_faces_then_a_generic():
    faces = [face.strip().strip('"') for face in FONT_FAMILY.split(",")]
    assert faces[0] == "Source Sans"  # Streamlit's own face: charts match the page
    assert {"Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic"} <= set(faces)
    assert faces[-1] == "sans-serif"


def test_tint_keeps_the_hue_and_sets_the_alpha():
    assert style.tint(style.BLUE, 0.12) == "rgba(0,114,178,0.12)"


def _sizes(fig: go.Figure) -> dict[str, float]:
    """Explicit text sizes of a figure: the title, annotations, tick labels, trace texts."""
    sizes = {"font": fig.layout.font.size, "title": fig.layout.title.font.size}
    sizes |= {f"annotation {i}": a.font.size for i, a in enumerate(fig.layout.annotations)}
    sizes |= {f"trace {i}": t.textfont.size for i, t in enumerate(fig.data) if "textfont" in t}
    sizes |= {"xaxis ticks": fig.layout.xaxis.tickfont.size}
    return {k: v for k, v in sizes.items() if isinstance(v, (int, float))}


@pytest.mark.parametrize("name", ["parameters_figure", "conv_animation_figure", "advisor_figure",
                                  "zoo_bubble_figure", "feature_grid_figure"])
def test_presenter_view_scales_every_text_once_and_back(name):
    fig = BUILDERS[name]()
    screen, margin, height = _sizes(fig), fig.layout.margin.t, fig.layout.height

    apply_style(fig, presenter=True)
    large = _sizes(fig)
    apply_style(fig, presenter=True)  # a second time changes nothing

    assert _sizes(fig) == large
    assert large.keys() == screen.keys() and len(screen) >= 2
    for key, size in screen.items():
        assert large[key] == pytest.approx(size * PRESENTER_SCALE, abs=0.51), key
    assert fig.layout.margin.t == round(margin * PRESENTER_SCALE)
    assert fig.layout.height > height
    apply_style(fig, presenter=False)
    assert _sizes(fig) == pytest.approx(screen, abs=0.11)
    assert fig.layout.height == pytest.approx(height, abs=2)


def test_presenter_view_gives_a_title_of_two_lines_the_room_of_both():
    fig = BUILDERS["detection_figure"]()  # its title is two lines, held below the figure's top by a pad
    pad = fig.layout.title.pad.t
    apply_style(fig, presenter=True)
    assert fig.layout.title.pad.t == round(pad * PRESENTER_SCALE)
    apply_style(fig, presenter=False)
    assert fig.layout.title.pad.t == pytest.approx(pad, abs=1)


def test_presenter_view_keeps_data_and_labels():
    fig = BUILDERS["detection_figure"]()
    before = fig.to_plotly_json()["data"]
    apply_style(fig, presenter=True)
    assert fig.to_plotly_json()["data"] == before  # these traces set no text size: nothing to scale

"""The strategy advisor: four quadrants, plans on whole modules, cut points Keras itself accepts."""

from __future__ import annotations

import pytest

from explorer.advisor import (
    LARGE_PER_CLASS,
    classify_data_size,
    clean_cuts,
    feature_extractor_code,
    recommend,
)
from explorer.models.backbones import build_backbone, get_backbone, list_backbones
from explorer.errors import ExplorerInputError
from explorer.models.heads import HeadConfig
from explorer.models.params import ParamTable, TrainablePlan, compute_param_table

QUADRANTS = {  # (images, classes, similarity)
    ("small", "similar"): (300, 2, "similar"),
    ("large", "similar"): (50_000, 10, "similar"),
    ("large", "different"): (50_000, 10, "different"),
    ("small", "different"): (300, 2, "different"),
}
_BUILT: dict[str, tuple[object, ParamTable, tuple[int, ...]]] = {}


def layout(backbone: str):
    """(model, table, cuts) built once per backbone for the module."""
    if backbone not in _BUILT:
        spec = get_backbone(backbone)
        model = build_backbone(backbone, spec.default_size, weights="random")
        _BUILT[backbone] = (model, compute_param_table(model, backbone, spec.default_size), clean_cuts(model))
    return _BUILT[backbone]


def advise(backbone: str, quadrant: tuple[str, str]):
    _, table, cuts = layout(backbone)
    return recommend(*QUADRANTS[quadrant], table, cuts)


def test_the_four_quadrants_on_vgg16():
    little_similar = advise("vgg16", ("small", "similar"))
    assert little_similar.quadrant == ("small", "similar")
    assert little_similar.plan == TrainablePlan("none") and little_similar.feature_layer is None
    assert little_similar.head == HeadConfig("gap", 0, 0.0, 1)  # two classes: one sigmoid unit

    # The notes' own fine-tuning example: vgg_conv.layers[:-4] frozen, block 5 trains.
    lot_similar = advise("vgg16", ("large", "similar"))
    assert lot_similar.plan == TrainablePlan("last", 4) and lot_similar.first_trained == "block5_conv1"
    assert lot_similar.head == HeadConfig("gap", 256, 0.0, 10)

    lot_different = advise("vgg16", ("large", "different"))
    assert lot_different.plan == TrainablePlan("last", 8) and lot_different.first_trained == "block4_conv1"

    little_different = advise("vgg16", ("small", "different"))
    assert little_different.plan == TrainablePlan("none")
    assert little_different.feature_layer == "block4_pool"
    assert "Pretraining helps little" in little_different.action


@pytest.mark.parametrize("quadrant", list(QUADRANTS))
def test_every_recommendation_explains_general_and_specific_layers_and_reinitialisation(quadrant):
    advice = advise("vgg16", quadrant)
    text = " ".join(advice.reasons)
    assert "Lower layers learn general features" in text and "specific" in text
    assert "re-initialised" in text


def test_more_data_trains_more_layers_and_different_data_more_than_similar():
    for backbone in ("vgg16", "resnet50", "mobilenet_v2"):
        n = {q: advise(backbone, q).trained_layers for q in QUADRANTS}
        assert n[("small", "similar")] == n[("small", "different")] == 0
        assert 0 < n[("large", "similar")] < n[("large", "different")] < len(layout(backbone)[1].layers)


def test_data_size_threshold_is_images_per_class():
    assert classify_data_size(LARGE_PER_CLASS * 3 - 1, 3) == "small"
    assert classify_data_size(LARGE_PER_CLASS * 3, 3) == "large"


@pytest.mark.parametrize(("images", "classes", "match"), [
    (10, 1, "classes=1"), (1, 2, "images=1, classes=2"), (0, 2, "images=0"), (10.5, 2, "images=10.5"),
])
def test_bad_counts_are_refused(images, classes, match):
    with pytest.raises(ExplorerInputError, match=match):
        classify_data_size(images, classes)


def test_bad_similarity_is_refused():
    _, table, cuts = layout("vgg16")
    with pytest.raises(ExplorerInputError, match="similarity='alike'"):
        recommend(300, 2, "alike", table, cuts)  # type: ignore[arg-type]


def test_clean_cuts_on_resnet50_skip_the_inside_of_residual_blocks():
    model, table, cuts = layout("resnet50")
    names = [table.layers[i].name for i in cuts]
    assert "conv2_block1_out" in names and "conv4_block6_out" in names
    assert "conv2_block1_1_conv" not in names  # the shortcut crosses it
    assert len(layout("vgg16")[2]) == len(layout("vgg16")[1].layers)  # a chain can be cut anywhere


@pytest.mark.parametrize("backbone", [s.id for s in list_backbones() if s.weights_source != "none"] + ["simple_cnn"])
def test_plans_start_and_features_sit_where_keras_can_cut_the_model(backbone):
    """Keras builds a model from a cut to the output only if nothing crosses the cut."""
    import keras

    model, table, _ = layout(backbone)
    for quadrant in QUADRANTS:
        advice = advise(backbone, quadrant)
        names = []
        if advice.plan.kind == "last":
            names.append(table.layers[len(table.layers) - advice.plan.n - 1].name)
        if advice.feature_layer:
            names.append(advice.feature_layer)
        for name in names:
            tail = keras.Model(model.get_layer(name).output, model.output)
            assert tail.count_params() > 0, (quadrant, name)


def test_a_cut_inside_a_module_is_refused_by_keras():
    import keras

    model, _, _ = layout("resnet50")
    with pytest.raises(ValueError):
        keras.Model(model.get_layer("conv2_block1_1_conv").output, model.output)


def test_feature_extractor_code_runs():
    import keras

    spec = get_backbone("vgg16")
    code = feature_extractor_code(spec.keras_code.format(size=64, weights=None), "block4_pool", HeadConfig("gap", 0, 0.0, 3))
    namespace: dict[str, object] = {"keras": keras}
    exec(code, namespace)  # our own generated code
    model = namespace["model"]
    assert model.output.shape == (None, 3)
    assert model.get_layer("block4_pool") is not None and "block5_conv1" not in [l.name for l in model.layers]

"""Published figures agree with ../shared/REFERENCE-NUMBERS.md, and Keras' extra parameters are counted, not typed."""

from __future__ import annotations

import keras
import pytest

from explorer.case_studies.zoo import (
    PUBLISHED_PARAMS,
    TORCHVISION_RESNET50_PARAMS,
    ZOO,
    get_zoo_spec,
    keras_only_params,
)
from explorer.models.backbones import NOT_PUBLISHED, get_backbone

# (top-1, top-5) from the Keras Applications table, as checked in REFERENCE-NUMBERS.md.
KERAS_TABLE = {"vgg16": (71.3, 90.1), "vgg19": (71.3, 90.0), "resnet50": (74.9, 92.1), "inception_v3": (77.9, 93.7),
               "mobilenet_v2": (71.3, 90.1), "efficientnet_b0": (77.1, 93.3)}


@pytest.mark.parametrize("network", sorted(KERAS_TABLE))
def test_registry_accuracy_matches_the_reference(network: str) -> None:
    accuracy = get_backbone(network).facts.accuracy
    assert (accuracy.top1, accuracy.top5) == KERAS_TABLE[network]
    assert "single crop" in accuracy.protocol


def test_figures_without_a_primary_source_say_not_published() -> None:
    assert get_zoo_spec("zfnet").top1 is None and get_zoo_spec("zfnet").top1_text == NOT_PUBLISHED
    assert PUBLISHED_PARAMS["zfnet"].text == NOT_PUBLISHED
    lite0 = get_backbone("efficientnet_lite0").facts.accuracy
    assert (lite0.top1, lite0.top5) == (75.1, None) and lite0.text == f"75.1 / {NOT_PUBLISHED}"
    assert get_zoo_spec("inception_resnet_v2").top1 == 80.3


def test_every_zoo_network_names_its_accuracy_protocol_and_its_parameter_source() -> None:
    assert set(PUBLISHED_PARAMS) == {spec.id for spec in ZOO}
    for spec in ZOO:
        assert spec.accuracy_note.endswith(f"{spec.input_size}x{spec.input_size} input")
        assert PUBLISHED_PARAMS[spec.id].source


def test_resnet50_keras_counts_exactly_three_values_per_convolution_channel_more_than_torchvision() -> None:
    model = keras.applications.ResNet50(weights=None)
    biases, stats = keras_only_params(model)
    assert model.count_params() == 25_636_712
    assert (biases, stats) == (26_560, 2 * 26_560)  # one bias and two moving statistics per channel
    assert model.count_params() - biases - stats == TORCHVISION_RESNET50_PARAMS


def test_mobilenet_v2_differs_by_its_moving_statistics_alone() -> None:
    model = keras.applications.MobileNetV2(weights=None)
    biases, stats = keras_only_params(model)
    assert biases == 0 and model.count_params() - stats == 3_504_872  # torchvision's count

"""The architecture zoo: counts equal Keras' own, multiply-adds by hand, published figures, key ideas."""

from __future__ import annotations

import re

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from explorer.models.classic_nets import build_googlenet
from explorer.errors import ExplorerInputError
from explorer.case_studies.key_ideas import key_idea, module_between, module_dot
from explorer.case_studies.zoo import (
    ZOO,
    ZooLayer,
    ZooModel,
    build_zoo_model,
    conv_madds,
    get_zoo_spec,
    layer_madds,
    memory_per_layer,
    naive_inception_madds,
    separable_madds,
    stacked_receptive_field,
    weight_depth,
)
from explorer.figures.zoo import memory_figure, zoo_bubble_figure

IDS = [spec.id for spec in ZOO]


@pytest.fixture(scope="module")
def zoo() -> dict[str, ZooModel]:
    """Every network built once for the module (about 20 s on two cores)."""
    return {network: build_zoo_model(network) for network in IDS}


@pytest.mark.parametrize("network", IDS)
def test_parameter_count_equals_keras_count_params(zoo, network):
    model = zoo[network]
    assert model.params == model.keras_params
    assert model.params == sum(layer.params for layer in model.layers) > 0


def test_parameter_counts_of_the_keras_applications_are_the_published_keras_ones(zoo):
    # The same numbers keras.applications documents and prints in model.summary().
    assert zoo["vgg16"].params == 138_357_544
    assert zoo["vgg19"].params == 143_667_240
    assert zoo["resnet50"].params == 25_636_712
    assert zoo["inception_v3"].params == 23_851_784
    assert zoo["inception_resnet_v2"].params == 55_873_736
    assert zoo["mobilenet_v2"].params == 3_538_984
    assert zoo["efficientnet_b0"].params == 5_330_571


def test_alexnet_parameter_count_is_close_to_the_published_60_million(zoo):
    # Krizhevsky, Sutskever & Hinton (2012), abstract: "The neural network, which has 60 million
    # parameters and 650,000 neurons". The two-GPU layout (groups=2) gives the classic 60,965,224.
    assert zoo["alexnet"].params == 60_965_224
    assert zoo["alexnet"].params == pytest.approx(60e6, rel=0.02)


def test_googlenet_parameter_count_is_close_to_the_published_6_8_million(zoo):
    # Szegedy et al. (2014), "Going Deeper with Convolutions", Table 1: the params column sums to
    # 6,797.7K (2.7K + 112K + 159K + 380K + 364K + 437K + 463K + 580K + 840K + 1072K + 1388K + 1000K),
    # without the auxiliary classifiers, which exist only in training.
    published = (2.7 + 112 + 159 + 380 + 364 + 437 + 463 + 580 + 840 + 1072 + 1388 + 1000) * 1e3
    assert zoo["googlenet"].params == pytest.approx(published, rel=0.05)


@pytest.mark.parametrize(("network", "published", "source"), [
    ("googlenet", 1.5e9, "Szegedy et al. 2014: a budget of 1.5 billion multiply-adds at inference"),
    ("vgg19", 19.6e9, "He et al. 2015, Figure 3: VGG-19, 19.6 billion FLOPs (multiply-adds)"),
    ("resnet50", 3.8e9, "He et al. 2015, Table 1: ResNet-50, 3.8 x 10^9 FLOPs (multiply-adds)"),
    ("inception_v3", 5e9, "Szegedy et al. 2015, abstract: 5 billion multiply-adds per inference"),
    ("mobilenet_v2", 300e6, "Sandler et al. 2018, Table 4: 300M multiply-adds"),
    ("efficientnet_b0", 0.39e9, "Tan & Le 2019, Table 2: 0.39B FLOPs (multiply-adds)"),
    ("efficientnet_lite0", 407e6, "TensorFlow TPU repository, EfficientNet-Lite README: 407M MAdds"),
])
def test_multiply_adds_are_close_to_the_published_figures(zoo, network, published, source):
    assert zoo[network].madds == pytest.approx(published, rel=0.15), source


def test_multiply_adds_by_hand_for_single_layers(zoo):
    vgg, alex, mobile, resnet = zoo["vgg16"], zoo["alexnet"], zoo["mobilenet_v2"], zoo["resnet50"]
    # 224 x 224 positions x 64 filters x (3 x 3 x 3) weights each.
    assert vgg.layer("block1_conv1").madds == 224 * 224 * 64 * 27 == 86_704_128
    # Dense: 7 x 7 x 512 inputs x 4096 outputs.
    assert vgg.layer("fc1").madds == 25_088 * 4_096
    # Grouped: each of the 256 filters sees 48 of the 96 maps through a 5 x 5 window.
    assert alex.layer("conv2").madds == 27 * 27 * 256 * (5 * 5 * 48)
    # Depthwise: one 3 x 3 filter per channel.
    assert mobile.layer("block_2_depthwise").madds == 56 * 56 * 144 * 9
    # Stride 2 with padding: 112 x 112 outputs of a 7 x 7 x 3 window.
    assert resnet.layer("conv1_conv").madds == 112 * 112 * 64 * 7 * 7 * 3
    assert vgg.layer("block1_pool").madds == 0


def test_layer_madds_for_separable_depthwise_multiplier_groups_and_dense_on_a_grid():
    import keras
    from keras import layers

    inputs = keras.Input((10, 12, 8))
    sep = layers.SeparableConv2D(16, 3, padding="same", depth_multiplier=2)
    dw = layers.DepthwiseConv2D(5, strides=2, depth_multiplier=3)
    grouped = layers.Conv2D(12, 3, groups=4)
    dense = layers.Dense(7)
    for layer in (sep, dw, grouped, dense):
        layer(inputs)
    assert layer_madds(sep) == 10 * 12 * 8 * 2 * 9 + 10 * 12 * 8 * 2 * 16
    assert layer_madds(dw) == 3 * 4 * 24 * 25
    assert layer_madds(grouped) == 8 * 10 * 12 * (9 * 2)
    assert layer_madds(dense) == 10 * 12 * 7 * 8
    assert separable_madds(10, 12, 3, 16, 32) == 10 * 12 * 16 * (9 + 32)


@pytest.mark.parametrize(("network", "depth"), [
    ("alexnet", 8), ("zfnet", 8), ("vgg16", 16), ("vgg19", 19), ("googlenet", 22), ("resnet50", 50),
])
def test_depth_counts_layers_with_weights_as_the_papers_do(zoo, network, depth):
    assert zoo[network].depth == depth


def test_weight_depth_takes_the_longest_path():
    def layer(name, kind, *inbound):
        return ZooLayer(name, kind, kind, (1,), 0, 0, inbound)

    graph = [layer("in", "InputLayer"), layer("a", "Conv2D", "in"), layer("b", "Conv2D", "a"),
             layer("skip", "Conv2D", "in"), layer("add", "Add", "b", "skip"), layer("out", "Dense", "add")]
    assert weight_depth(graph) == 3
    assert weight_depth(list(reversed(graph))) == 3


def test_googlenet_auxiliary_classifiers_match_keras():
    train = build_googlenet(auxiliary_classifiers=True)
    infer = build_googlenet()
    assert len(train.outputs) == 3
    from explorer.models.classic_nets import auxiliary_classifier_params

    assert train.count_params() - infer.count_params() == (
        auxiliary_classifier_params(512) + auxiliary_classifier_params(528)) == 3_188_840 + 3_190_888


def test_alexnet_runs_forward_and_its_lrn_matches_tensorflow():
    import tensorflow as tf

    from explorer.models.classic_nets import build_alexnet

    model = build_alexnet()
    assert model.predict(np.zeros((1, 227, 227, 3), "float32"), verbose=0).shape == (1, 1000)
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 16)).astype("float32") * 10
    ours = model.get_layer("norm1").__class__(name="lrn_check")(x)
    theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5)


def test_registry_has_eleven_networks_with_sources():
    assert len(IDS) == len(set(IDS)) == 11
    for spec in ZOO:
        assert 2012 <= spec.year <= 2020 and (spec.top1 is None or 50 < spec.top1 < 90)
        assert spec.top1_source and spec.paper and spec.top1_cite in spec.top1_source
    with pytest.raises(ExplorerInputError, match="Received: network='lenet'"):
        get_zoo_spec("lenet")


def test_key_idea_numbers(zoo):
    googlenet = {f.label: f.value for f in key_idea("googlenet", zoo).facts}
    assert googlenet["Inception 3a with 1x1 bottlenecks"] == "128.05 M mult-adds"
    assert naive_inception_madds(28, 28, 192, 64, 128, 32) == 303_464_448
    assert googlenet["The same module without them"] == "303.46 M mult-adds"
    vgg = {f.label: f.value for f in key_idea("vgg16", zoo).facts}
    assert vgg["Three 3x3 layers (block 5, no biases)"] == f"{27 * 512 ** 2:,}"
    assert vgg["One 7x7 layer, same C"] == f"{49 * 512 ** 2:,}"
    assert [stacked_receptive_field(n) for n in (1, 2, 3)] == [3, 5, 7]
    resnet = {f.label: f.value for f in key_idea("resnet50", zoo).facts}
    assert resnet["Bottleneck conv2_block2 on 56x56x256"] == "218.37 M mult-adds"  # 3136 x 69,632
    assert resnet["Residual blocks (Add layers)"] == "16"
    mobile = {f.label: f.value for f in key_idea("mobilenet_v2", zoo).facts}
    assert mobile["block_2: depthwise 3x3 + 1x1 on 56x56x144"] == "14.90 M mult-adds"
    assert conv_madds(56, 56, 3, 144, 24) == 97_542_144
    irv2 = {f.label: f.note for f in key_idea("inception_resnet_v2", zoo).facts}
    assert irv2["block35 residual blocks"] == "output x + 0.17 r"


@pytest.mark.parametrize("network", IDS)
def test_every_key_idea_has_facts_and_valid_diagrams(zoo, network):
    idea = key_idea(network, zoo)
    assert idea.facts and idea.text
    for diagram in idea.diagrams:
        assert diagram.dot.startswith("digraph {") and diagram.dot.rstrip().endswith("}")


@pytest.mark.parametrize(("network", "drawn_from_layers"), [("vgg16", 0), ("vgg19", 0), ("googlenet", 1),
                                                             ("resnet50", 1)])
def test_a_korean_page_draws_its_diagrams_in_korean(zoo, network, drawn_from_layers):
    """The drawings' own words (input, block, stem, the stacked layers) follow the page's language;
    layer names and shapes stay as Keras writes them. Diagrams of layers carry their legend."""
    from explorer.i18n import use_language

    english_words = ("input", "three 3x3 layers", "one 7x7 layer", "channels in and out", "block 1", "stem",
                     "auxiliary", "sees ")
    with use_language("ko"):
        idea = key_idea(network, zoo)
    for diagram in idea.diagrams:
        labels = " ".join(re.findall(r'label="([^"]*)"', diagram.dot))
        assert not [w for w in english_words if w in labels], labels
        assert re.search("[\uac00-\ud7a3]", labels), labels
    # A drawing of the Keras model's own layers says how to read its boxes; a sketch does not.
    assert [d.legend.split(":")[0] for d in idea.diagrams if d.legend] == ["상자"] * drawn_from_layers


def test_module_between_finds_the_four_branches_of_inception_3a(zoo):
    module = module_between(zoo["googlenet"], "pool2_3x3_s2", "inception_3a_output")
    convs = [layer.name for layer in module if layer.type == "Conv2D"]
    assert len(convs) == 6 and module[-1].name == "inception_3a_output"
    dot = module_dot(zoo["googlenet"], "pool2_3x3_s2", "inception_3a_output")
    assert dot.count("->") == 11  # input to 4 branches, 3 links inside them, 4 into the concatenation
    with pytest.raises(ExplorerInputError):
        module_between(zoo["googlenet"], "nope", "inception_3a_output")


def test_vgg16_memory_per_layer(zoo):
    report = memory_per_layer(zoo["vgg16"])
    # 150,528 (input) + 2 x 3,211,264 + 802,816 + 2 x 1,605,632 + 401,408 + 3 x 802,816 + 200,704
    # + 3 x 401,408 + 100,352 + 3 x 100,352 + 25,088 + 4,096 + 4,096 + 1,000 (Flatten adds nothing).
    assert report.activations == 15_237_608
    assert report.megabytes(report.activations) == pytest.approx(60.95, abs=0.01)
    assert report.relu_copies == 13_547_520
    assert report.params == 138_357_544
    assert "flatten" not in [row.name for row in report.rows]
    fig = memory_figure(report)
    assert len(fig.data[0].x) == len(report.rows)


def test_bubble_figure_shows_every_network_sized_by_parameters(zoo):
    fig = zoo_bubble_figure(list(zoo.values()))
    points = {text: size for trace in fig.data for text, size in zip(trace.text, trace.marker.size)}
    assert len(points) == 10 and points["VGG19"] == 143_667_240
    assert "ZFNet" not in points  # no published top-1: no place on the accuracy axis


def test_cli_zoo_json_matches_the_library(zoo):
    run = subprocess.run([sys.executable, "-m", "explorer", "zoo", "--json"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    rows = {row["id"]: row for row in json.loads(run.stdout)}
    assert list(rows) == IDS
    for network, model in zoo.items():
        row = rows[network]
        assert (row["name"], row["year"], row["params"], row["depth"], row["madds"], row["top1"]) == (
            model.spec.name, model.spec.year, model.params, model.depth, model.madds, model.spec.top1)


def test_counted_networks_are_kept_on_disk_per_keras_version_and_read_back_equal(zoo, tmp_path, monkeypatch):
    from explorer.case_studies import zoo as zoo_module

    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path))
    builds: list[str] = []
    real_build = zoo_module.build_zoo_model
    monkeypatch.setattr(zoo_module, "build_zoo_model", lambda n: builds.append(n) or real_build(n))
    first = zoo_module.counted_zoo_model("alexnet")
    again = zoo_module.counted_zoo_model("alexnet")
    assert builds == ["alexnet"]  # the second one is read from disk
    assert first == again == zoo["alexnet"]  # every layer's numbers, depth and Keras' own count
    (path,) = tmp_path.glob("zoo-alexnet-keras*.json")
    assert keras.__version__ in path.name

    path.write_text("{ not json", encoding="utf-8")  # a damaged file is counted again, and mended
    assert zoo_module.counted_zoo_model("alexnet") == zoo["alexnet"] and builds == ["alexnet", "alexnet"]
    assert zoo_module.counted_zoo_model("alexnet") == zoo["alexnet"] and builds == ["alexnet", "alexnet"]

    monkeypatch.setenv("EXPLORER_CACHE_DIR", str(tmp_path / "file-not-folder"))
    (tmp_path / "file-not-folder").write_text("")  # a cache folder that cannot be made: counted, not kept
    assert zoo_module.counted_zoo_model("alexnet") == zoo["alexnet"]

"""Activations, facts, filters, predictions and Grad-CAM, checked against Keras itself; and the CLI."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from explorer.__main__ import main
from explorer.activations import (
    Activations,
    build_extractor,
    channel_ranking,
    first_layer_filters,
    grad_cam,
    imagenet_classifier_available,
    layer_facts,
    list_layers,
    network_strip,
    short_label,
    UnknownLayerError,
)
from explorer.models.backbones import build_backbone, get_backbone, list_backbones
from explorer.errors import ExplorerInputError, WeightsUnavailableError
from explorer.io.images import load_sample, square_crop

CAT_CLASSES = {281, 282, 283, 284, 285}
COFFEE_CLASSES = {967, 968, 504}


@pytest.fixture(scope="module")
def lite0():
    """EfficientNet-Lite0 with its ImageNet classifier (pretrained, offline)."""
    return build_extractor("efficientnet_lite0")


@pytest.fixture(scope="module")
def cat(lite0):
    return square_crop(load_sample("cat").pixels, lite0.input_size)


@pytest.fixture(scope="module")
def cat_activations(lite0, cat) -> Activations:
    return lite0.run(cat)


def rng_image(size: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (size, size, 3)).astype(np.uint8)


# --------------------------------------------------------------------------- extraction


def test_activations_match_a_direct_keras_submodel(lite0, cat, cat_activations):
    names = ["stem_conv", "stem_activation", "block3a_activation", "block5c_add", "top_activation"]
    extracted = lite0.extract(cat, names)
    x = lite0.preprocess(cat)
    for name in names:
        direct = keras.Model(lite0.model.input, lite0.model.get_layer(name).output)
        expected = direct(x, training=False).numpy()[0]
        np.testing.assert_allclose(extracted[name], expected, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(cat_activations.output(name), extracted[name])
    assert extracted["top_activation"].shape == (7, 7, 1280)


def test_one_forward_pass_gives_every_shown_layer(lite0, cat_activations):
    assert [info.name for info in cat_activations.layers] == [info.name for info in lite0.layers]
    for info in lite0.layers:
        assert cat_activations.output(info.name).shape == info.output_shape
    with pytest.raises(ValueError):
        cat_activations.output("stem_conv")[0, 0, 0] = 1.0  # shared between sessions: read-only


@pytest.mark.parametrize("spec", list_backbones(), ids=lambda s: s.id)
def test_shapes_and_stages_for_every_registry_backbone(spec):
    size = max(spec.min_size, 64)
    extractor = build_extractor(spec.id, size, weights="random")
    assert not extractor.has_imagenet_head and not extractor.pretrained
    assert extractor.label.endswith("(random weights)")
    activations = extractor.run(rng_image(size))
    base = extractor.model
    assert extractor.layers, spec.id
    for info in extractor.layers:
        keras_shape = tuple(base.get_layer(info.name).output.shape[1:])
        assert info.output_shape == keras_shape
        output = activations.output(info.name)
        assert output.shape == keras_shape and output.dtype == np.float32
        facts = activations.facts[info.name]
        assert facts.channels == keras_shape[2] and 0.0 <= facts.zero_fraction <= 1.0
        assert sorted(activations.ranking(info.name).tolist()) == list(range(keras_shape[2]))
    # Stages: resolutions strictly shrink, every shown layer in exactly one, the last map last.
    areas = [s.height * s.width for s in extractor.stages]
    assert areas == sorted(areas, reverse=True) and len(set(areas)) == len(areas)
    members = [name for s in extractor.stages for name in s.layers]
    assert sorted(members) == sorted(info.name for info in extractor.layers)
    assert extractor.layers[-1].name in extractor.stages[-1].layers
    skipped = {"InputLayer", "ZeroPadding2D", "Dropout", "Rescaling", "Normalization", "Reshape"}
    assert not skipped & {info.type for info in extractor.layers}


def test_squeeze_excite_branches_are_not_listed():
    layers, _ = list_layers(build_backbone("efficientnet_b0", 64, weights="random"))
    names = [info.name for info in layers]
    assert "block2a_se_excite" in names  # back at full resolution: shown
    assert not [n for n in names if n.endswith(("se_reduce", "se_expand", "se_reshape"))]


def test_network_strip_runs_from_the_first_conv_to_the_last_map(lite0, cat_activations):
    strip = network_strip(cat_activations)
    assert [s.stage.index for s in strip] == [1, 2, 3, 4, 5]
    assert strip[0].layer.name == "stem_activation"
    assert strip[-1].layer.name == "top_activation"
    for item in strip:
        output = cat_activations.output(item.layer.name)
        channel = int(np.argmax(output.mean(axis=(0, 1))))
        assert item.channel == channel
        np.testing.assert_array_equal(item.values, output[:, :, channel])


def test_network_strip_titles_break_long_layer_names_at_underscores(cat_activations):
    """Five names side by side must fit a 1024-px projector: no title line is much longer than
    'block3a_expand_', and the lines put together give the layer's name back."""
    from explorer.figures.activations import network_strip_figure

    strip = network_strip(cat_activations)
    fig = network_strip_figure(strip)
    titles = [a.text for a in fig.layout.annotations]
    assert len(titles) == len(strip)
    for item, title in zip(strip, titles):
        name_lines = title.split("<br>")[1:-1]
        assert "".join(name_lines) == item.layer.name
        assert all(len(line) <= 15 for line in name_lines), name_lines
    assert "block3a_expand_<br>activation" in titles[1]
    assert fig.layout.margin.t >= 12 + 20 * 4  # room for the four lines of the longest title


def test_unknown_layer_and_wrong_image_size_are_refused(lite0, cat):
    with pytest.raises(UnknownLayerError, match=r"no layer of that name.*Received: layer='block99'"):
        lite0.extract(cat, ["block99"])
    with pytest.raises(UnknownLayerError, match="layer='input_layer'"):
        lite0.layer("input_layer")  # a layer, but not one with a feature map to show
    with pytest.raises(ExplorerInputError, match=r"224x224 RGB image.*shape=\(100, 100, 3\)"):
        lite0.run(np.zeros((100, 100, 3), np.uint8))


# --------------------------------------------------------------------------- facts


def test_layer_facts_are_exact():
    output = np.array([[[0.0, 2.0], [0.0, -1.0]], [[3.0, 0.0], [1.0, 5.0]]], np.float32)
    facts = layer_facts("x", output)
    assert facts.output_shape == (2, 2, 2) and facts.channels == 2
    assert facts.mean_activation == pytest.approx(10.0 / 8)
    assert facts.max_activation == 5.0
    assert facts.zero_fraction == pytest.approx(4 / 8)  # the three zeros and the -1
    with pytest.raises(ExplorerInputError):
        layer_facts("x", np.zeros((2, 2)))


def test_zero_fraction_after_relu_counts_the_units_that_do_not_fire(cat_activations):
    relu = cat_activations.output("stem_activation")
    assert cat_activations.facts["stem_activation"].zero_fraction == pytest.approx(np.mean(relu == 0))
    before = cat_activations.output("stem_bn")  # BN output: what the ReLU will zero
    assert cat_activations.facts["stem_bn"].zero_fraction == pytest.approx(np.mean(np.maximum(before, 0) == 0))
    assert cat_activations.facts["stem_activation"].mean_activation == pytest.approx(float(relu.mean()), rel=1e-6)


def test_channel_ranking_puts_the_most_active_first():
    output = np.zeros((2, 2, 4), np.float32)
    output[..., 1] = 3.0
    output[..., 2] = 1.0
    output[..., 3] = 3.0
    assert channel_ranking(output).tolist() == [1, 3, 2, 0]  # ties keep channel order


# --------------------------------------------------------------------------- filters


def test_first_layer_filters_are_the_stem_kernels_normalised(lite0):
    bank = lite0.first_layer_filters()
    kernel = lite0.model.get_layer("stem_conv").kernel.numpy()
    assert bank.layer == "stem_conv" and bank.kernel_shape == (3, 3, 3, 32)
    assert bank.images.shape == (32, 3, 3, 3)
    for f in range(32):
        w = kernel[..., f]
        np.testing.assert_allclose(bank.images[f], (w - w.min()) / (w.max() - w.min()), rtol=1e-5, atol=1e-6)


def test_filters_of_a_bgr_network_are_shown_in_rgb():
    assert get_backbone("vgg16").preprocess.bgr and get_backbone("resnet50").preprocess.bgr
    assert not get_backbone("efficientnet_lite0").preprocess.bgr
    assert not get_backbone("mobilenet_v2").preprocess.bgr
    assert build_extractor("vgg16", 32, weights="random").bgr
    base = build_backbone("vgg16", 32, weights="random")
    rgb, bgr = first_layer_filters(base), first_layer_filters(base, bgr=True)
    np.testing.assert_array_equal(rgb.images[..., ::-1], bgr.images)


# --------------------------------------------------------------------------- predictions


def test_cat_and_coffee_are_classified_sensibly(lite0, cat_activations):
    cat_top = {p.index for p in lite0.predict(square_crop(load_sample("cat").pixels, 224))}
    assert cat_top & CAT_CLASSES
    assert {p.index for p in cat_activations.predictions()} == cat_top
    coffee = lite0.predict(square_crop(load_sample("coffee").pixels, 224), top=5)
    assert {p.index for p in coffee} & COFFEE_CLASSES
    probabilities = [p.probability for p in coffee]
    assert probabilities == sorted(probabilities, reverse=True) and 0 < sum(probabilities) <= 1 + 1e-6


def test_random_backbones_have_no_predictions():
    extractor = build_extractor("simple_cnn")
    assert not extractor.has_imagenet_head and not extractor.pretrained
    assert extractor.label.endswith("(random weights)")
    with pytest.raises(WeightsUnavailableError, match="ImageNet classifier"):
        extractor.predict(rng_image(32))
    with pytest.raises(WeightsUnavailableError):
        extractor.run(rng_image(32)).predictions()


def test_short_label_is_the_first_name():
    assert short_label("tabby, tabby cat") == "tabby"
    assert short_label("espresso") == "espresso"


def test_keras_classifier_is_used_when_its_weights_are_in_the_keras_cache(tmp_path, monkeypatch):
    import h5py
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert not imagenet_classifier_available("mobilenet_v2")
    keras.utils.set_random_seed(1)
    reference = keras.applications.MobileNetV2(include_top=True, weights=None)
    (tmp_path / "models").mkdir()
    with h5py.File(tmp_path / "models" / "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5", "w") as f:
        save_weights_to_hdf5_group(f, reference)  # the legacy layout Keras publishes
    assert imagenet_classifier_available("mobilenet_v2")
    extractor = build_extractor("mobilenet_v2")
    assert extractor.has_imagenet_head and extractor.pretrained
    image = rng_image(224, seed=3)
    expected = reference(extractor.preprocess(image), training=False).numpy()[0]
    np.testing.assert_allclose(extractor.run(image).probabilities, expected, rtol=1e-4, atol=1e-6)
    assert extractor.predict(image, top=1)[0].index == int(np.argmax(expected))


# --------------------------------------------------------------------------- Grad-CAM


def class_activation_map(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Grad-CAM's closed form for a GAP + Dense head (Zhou et al.'s CAM): relu(A . w_c), normalised."""
    cam = np.maximum(features @ weights, 0.0)
    return cam / cam.max()


def test_grad_cam_on_the_imagenet_classifier(lite0, cat, cat_activations):
    cam = lite0.grad_cam(cat)
    top = cat_activations.predictions(1)[0]
    assert cam.class_index == top.index and cam.class_index in CAT_CLASSES
    assert cam.probability == pytest.approx(top.probability, rel=1e-5)
    assert cam.layer == "top_activation" and cam.heatmap.shape == (7, 7)
    assert cam.heatmap.min() >= 0.0 and cam.heatmap.max() == pytest.approx(1.0)
    assert cam.heatmap.std() > 0.1  # not uniform: the evidence is somewhere
    # GAP -> Dense: the gradient is the class's Dense weights / (7 * 7), exactly.
    kernel = lite0.model.get_layer("predictions").kernel.numpy()
    expected = class_activation_map(cat_activations.output("top_activation"), kernel[:, cam.class_index])
    np.testing.assert_allclose(cam.heatmap, expected, atol=1e-4)
    chosen = lite0.grad_cam(cat, class_index=504)  # coffee mug: a different picture
    assert chosen.class_index == 504 and not np.allclose(chosen.heatmap, cam.heatmap)


def transfer_models():
    """The same backbone + GAP + Dense(3) head as a Sequential and as a functional model."""
    keras.utils.set_random_seed(7)
    base = build_backbone("simple_cnn", 32, weights="random")
    base.trainable = False  # the usual transfer-learning set-up: frozen weights are not watched
    pool, dense = keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")
    sequential = keras.Sequential([keras.Input((32, 32, 3)), base, pool, dense])
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1.0, name="identity_scale")(inputs)
    x = keras.layers.Dropout(0.5)(pool(base(x)))
    functional = keras.Model(inputs, dense(x))
    return base, dense, sequential, functional


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_grad_cam_on_a_backbone_nested_in_a_transfer_model(kind):
    base, dense, sequential, functional = transfer_models()
    model = sequential if kind == "sequential" else functional
    x = np.random.default_rng(5).uniform(0, 1, (1, 32, 32, 3)).astype(np.float32)
    features = base(x, training=False).numpy()[0]
    for class_index in (0, 2):
        cam = grad_cam(model, x, class_index)
        assert cam.layer == "conv3" and cam.heatmap.shape == (4, 4)
        expected = class_activation_map(features, dense.kernel.numpy()[:, class_index])
        np.testing.assert_allclose(cam.heatmap, expected, atol=1e-5)
        probs = model(x, training=False).numpy()[0]
        assert cam.probability == pytest.approx(float(probs[class_index]), rel=1e-5)
    assert grad_cam(model, x).class_index == int(np.argmax(model(x, training=False).numpy()[0]))
    # An earlier layer of the nested backbone can be explained too.
    assert grad_cam(model, x, 1, layer="conv2").heatmap.shape == (13, 13)


def test_grad_cam_refuses_what_it_cannot_explain():
    base, _, sequential, _ = transfer_models()
    x = np.zeros((32, 32, 3), np.float32)
    with pytest.raises(ExplorerInputError, match="classifier"):
        grad_cam(base, x)  # a backbone alone has no classes
    with pytest.raises(ExplorerInputError, match=r"from 0 to 2\. Received: class_index=3"):
        grad_cam(sequential, x, class_index=3)
    with pytest.raises(UnknownLayerError, match="layer='nope'"):
        grad_cam(sequential, x, layer="nope")


# --------------------------------------------------------------------------- CLI


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_predict_json(capsys):
    code, out, _ = run_cli(capsys, "predict", "--image", "assets/samples/coffee.png", "--top", "3", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3 and set(rows[0]) == {"index", "label", "probability"}
    assert {r["index"] for r in rows} & COFFEE_CLASSES
    code, out, _ = run_cli(capsys, "predict", "--image", "assets/samples/cat.png")
    assert code == 0 and "Egyptian cat" in out and out.count("%") == 5


def test_cli_features_and_layers(capsys):
    code, out, _ = run_cli(capsys, "features", "--image", "assets/samples/cat.png", "--backbone",
                           "simple_cnn", "--layer", "conv2", "--json")
    result = json.loads(out)
    assert code == 0 and result["output_shape"] == [13, 13, 64] and result["weights"] == "random"
    assert {"mean_activation", "zero_fraction", "channels", "most_active_channels"} <= set(result)
    code, out, _ = run_cli(capsys, "layers", "--backbone", "simple_cnn", "--json")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["conv1", "pool1", "conv2", "pool2", "conv3"]
    code, out, _ = run_cli(capsys, "layers", "--backbone", "efficientnet_lite0")
    assert code == 0 and "Stage 5 · 7×7" in out and "top_activation" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "--image", "README.md"], "must be PNG, JPEG, WebP, BMP or GIF"),
        (["predict", "--image", "missing.png"], "No image file"),
        (["predict", "--image", "assets/samples/cat.png", "--backbone", "vgg16"], "no ImageNet classifier"),
        (["predict", "--image", "assets/samples/cat.png", "--top", "0"], "--top must be from 1 to 1000"),
        (["features", "--image", "assets/samples/cat.png", "--backbone", "simple_cnn", "--layer", "conv9"],
         "no layer of that name"),
        (["layers", "--backbone", "alexnet"], "Unknown backbone"),
    ],
)
def test_cli_bad_input_is_one_error_line_and_exit_2(capsys, monkeypatch, tmp_path, argv, message):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache, whatever this machine has
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


# --------------------------------------------------------------------------- figures


def test_colorize_maps_low_to_the_first_colour_and_gaps_to_white():
    from explorer.figures.activations import colorize

    values = np.array([[0.0, 1.0], [0.5, np.nan]])
    rgb = colorize(values, 0.0, 1.0)
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 2, 3)
    assert rgb[0, 0].tolist() == [68, 1, 84] and rgb[0, 1].tolist() == [253, 231, 37]  # Viridis' ends
    assert rgb[1, 1].tolist() == [255, 255, 255]
    assert colorize(np.ones((2, 2)), 1.0, 1.0)[0, 0].tolist() == [68, 1, 84]  # a flat map, no division by 0


@pytest.mark.parametrize(("count", "columns"), [(4, 4), (8, 4), (16, 4), (32, 8), (64, 8)])
def test_grid_columns_fit_a_projector(count, columns):
    from explorer.figures.activations import grid_columns

    assert grid_columns(count) == columns


def test_feature_grid_shows_the_most_active_channels_in_order(cat_activations):
    from explorer.figures.activations import feature_grid_figure

    layer = next(info for info in cat_activations.layers if info.name == "block2b_activation")
    output, ranking = cat_activations.output(layer.name), cat_activations.ranking(layer.name)
    shared = feature_grid_figure(output, ranking, 8, True, layer)
    assert list(shared.data[-1].text) == [f"ch {c}" for c in ranking[:8]]
    assert shared.data[1].marker.cmax == pytest.approx(float(output[:, :, ranking[:8]].max()))
    assert shared.data[0].source.startswith("data:image/png;base64,")
    per_channel = feature_grid_figure(output, ranking, 64, False, layer)
    assert len(per_channel.data[-1].text) == 64 and len(per_channel.data) == 2  # no shared colour bar
    tiny = feature_grid_figure(output[:, :, :3], np.arange(3), 16, True, layer)
    assert len(tiny.data[-1].text) == 3  # never more tiles than channels
    # Each label sits in its tile's band, centred over the tile, inside the picture's own extent.
    picture = _picture(shared.data[0].source)
    labels = shared.data[-1]
    assert shared.layout.xaxis.range == (-0.5, picture.shape[1] - 0.5)
    assert all(0 <= x < picture.shape[1] and 0 <= y < picture.shape[0] for x, y in zip(labels.x, labels.y))
    assert (picture[int(labels.y[0]), int(labels.x[0])] == 255).all()  # the band above a tile is white, not map


def _picture(source: str) -> np.ndarray:
    """The RGB pixels of a figure's data-URI image, as the browser decodes them."""
    import base64
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).convert("RGB"))


@pytest.mark.parametrize("shared", [True, False])
def test_feature_grid_picture_draws_each_map_through_the_colour_scale(shared):
    from explorer.figures.activations import colorize, feature_grid_figure

    # Two 7x7 maps: channel 0 a ramp 0..48, channel 1 the ramp x 2 (shown first: the most active).
    ramp = np.arange(49, dtype=np.float32).reshape(7, 7)
    output = np.stack([ramp, 2 * ramp], axis=-1)
    fig = feature_grid_figure(output, np.array([1, 0]), 2, shared, layer=None)
    pixels = _picture(fig.data[0].source)
    # 7x7 maps are enlarged by whole pixels (x14 = 98 px) under a 22 px label band, 6 px apart.
    band, side, gap = 22, 98, 6
    assert pixels.shape[:2] == (band + side + gap, 2 * (side + gap))
    first, second = (pixels[band:band + side, c * (side + gap): c * (side + gap) + side] for c in (0, 1))
    low, high = (0.0, 96.0) if shared else (0.0, 1.0)
    for tile, values in ((first, 2 * ramp), (second, ramp)):
        values = values if shared else values / values.max()
        expected = np.repeat(np.repeat(colorize(values, low, high), 14, axis=0), 14, axis=1)
        # 255 levels of the scale: at most one level (a few units of one channel) from the exact colour
        assert np.abs(tile.astype(int) - expected.astype(int)).max() <= 3
    assert (pixels[:band] == 255).all() and (pixels[:, side:side + gap] == 255).all()  # label band, gap: white
    assert tuple(first[-1, -1]) == tuple(colorize(np.array([[1.0]]), 0.0, 1.0)[0, 0])  # the top: the last colour
    assert tuple(second[0, 0]) == tuple(colorize(np.array([[0.0]]), 0.0, 1.0)[0, 0])  # the bottom: the first


def test_channel_overlay_cells_cover_the_photo():
    from explorer.figures.activations import channel_overlay_figure

    photo = np.zeros((448, 448, 3), np.uint8)
    fig = channel_overlay_figure(photo, np.arange(49, dtype=np.float32).reshape(7, 7), 0.5, "t")
    heat = fig.data[1]
    assert heat.dx == heat.dy == 64 and heat.x0 == heat.y0 == 31.5  # 7 cells of 64 px, centred
    assert heat.opacity == 0.5


def test_predictions_figure_puts_the_top_class_on_top():
    from explorer.figures.activations import predictions_figure
    from explorer.io.imagenet import Prediction

    fig = predictions_figure([Prediction(285, "Egyptian cat", 0.6), Prediction(281, "tabby, tabby cat", 0.3)])
    assert list(fig.data[0].y) == ["tabby (281)", "Egyptian cat (285)"]  # plotly draws bottom-up
    assert list(fig.data[0].text) == ["30.0%", "60.0%"]


# --------------------------------------------------------------------------- across processes (explorer.jobs)


def test_a_network_view_is_what_the_page_reads_of_the_extractor_as_plain_data(lite0):
    import pickle

    view = pickle.loads(pickle.dumps(lite0.view))  # it crosses from a worker to the web server
    assert view.spec.id == "efficientnet_lite0" and view.label == lite0.label and view.input_size == 224
    assert view.pretrained and view.has_imagenet_head
    assert view.layers == tuple(lite0.layers) and view.stages == tuple(lite0.stages)
    assert view.layer("block3a_activation") == lite0.layer("block3a_activation")
    np.testing.assert_array_equal(view.first_layer_filters().images, lite0.first_layer_filters().images)
    with pytest.raises(UnknownLayerError, match="Received: layer='nope'"):
        view.layer("nope")


def test_only_keeps_every_fact_and_prediction_with_the_chosen_maps(cat_activations):
    light = cat_activations.only(["block3a_activation", "top_activation", "block3a_activation"])
    np.testing.assert_array_equal(light.output("top_activation"), cat_activations.output("top_activation"))
    assert light.facts == cat_activations.facts and light.predictions(3) == cat_activations.predictions(3)
    np.testing.assert_array_equal(light.ranking("stem_conv"), cat_activations.ranking("stem_conv"))
    assert light.nbytes < cat_activations.nbytes / 10
    with pytest.raises(UnknownLayerError, match="No feature map was computed"):
        light.output("stem_conv")
    with pytest.raises(UnknownLayerError):
        cat_activations.only(["no_such_layer"])


def test_the_activations_job_sends_the_asked_maps_of_the_same_forward_pass(cat, cat_activations):
    from explorer import jobs

    light = jobs.activations("efficientnet_lite0", cat, ("block5c_add",))
    np.testing.assert_allclose(light.output("block5c_add"), cat_activations.output("block5c_add"), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(light.probabilities, cat_activations.probabilities, rtol=1e-5, atol=1e-6)
    again = jobs.activations("efficientnet_lite0", cat.copy(), ("stem_conv",))  # same pixels: the kept pass
    assert again.facts is light.facts

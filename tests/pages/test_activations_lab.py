"""The Activations Lab under AppTest: uploads (good and bad), layer and backbone switches, predictions."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer.activations import build_extractor
from explorer.io.images import MAX_IMAGE_BYTES, load_sample, square_crop
from ui.state import activations as keys

PAGE = ROOT / "app_pages" / "activations_lab.py"


@pytest.fixture(scope="module")
def lite0():
    return build_extractor("efficientnet_lite0")


@pytest.fixture(scope="module")
def cat_facts(lite0):
    return lite0.run(square_crop(load_sample("cat").pixels, 224))


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=180)
    if tab is not None:
        at.session_state[keys.TAB] = tab
    return run(at)


def switch_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state[keys.TAB] = tab
    return run(at)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def array_of(value) -> np.ndarray:
    """A Plotly figure array: a list, or a typed array {"dtype", "bdata", "shape"} (base64)."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(d) for d in str(value.get("shape", flat.size)).split(",")])
    return np.asarray(value)


def facts_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "zeros after ReLU" in m.value)


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.file_uploader(key=keys.UPLOAD).set_value((name, data, mime))
    return run(at)


# --------------------------------------------------------------------------- defaults


def test_opens_on_the_cat_with_the_first_convolution(cat_facts):
    at = open_page()
    assert at.selectbox(key=keys.BACKBONE).value == "efficientnet_lite0"
    assert at.session_state[keys.LAYER] == "stem_activation"
    facts = cat_facts.facts["stem_activation"]
    line = facts_line(at)
    assert "112×112×32" in line and f"{facts.mean_activation:.3g}" in line
    assert f"**{facts.zero_fraction:.0%}** zeros after ReLU" in line
    assert "with ImageNet weights and its classifier" in at.caption[0].value
    grid, channel = chart_specs(at)
    assert "16 most active of 32 channels" in grid["layout"]["title"]["text"]
    # The enlarged channel is the most active one, with the layer's real values under the hover.
    top = int(cat_facts.ranking("stem_activation")[0])
    heatmap = next(t for t in channel["data"] if t["type"] == "heatmap")
    np.testing.assert_allclose(array_of(heatmap["z"]),
                               cat_facts.output("stem_activation")[:, :, top], rtol=1e-6)
    assert not at.error


def test_switches_stage_layer_channels_and_scale(cat_facts):
    at = open_page()
    at.selectbox(key=keys.STAGE).set_value(3)
    run(at)
    stage = next(s for s in cat_facts.stages if s.index == 3)
    assert at.session_state[keys.LAYER] == stage.representative
    at.selectbox(key=keys.LAYER).set_value("block3b_project_conv")
    at.select_slider(key=keys.COUNT).set_value(64)
    at.radio(key=keys.SCALE).set_value("per channel")
    run(at)
    assert "block3b_project_conv" in facts_line(at) and "28×28×40" in facts_line(at)
    facts = cat_facts.facts["block3b_project_conv"]
    assert f"**{facts.zero_fraction:.0%}** zeros after ReLU" in facts_line(at)
    grid, _ = chart_specs(at)
    assert "40 most active of 40 channels · each map on its own scale" in grid["layout"]["title"]["text"]
    at.selectbox(key=keys.RANK).set_value(5)
    run(at)
    fifth = int(cat_facts.ranking("block3b_project_conv")[5])
    assert f"ch {fifth} (#6, mean" in chart_specs(at)[1]["layout"]["title"]["text"]


def test_switches_backbones_and_labels_random_weights():
    at = open_page()
    at.selectbox(key=keys.STAGE).set_value(4)
    run(at)
    at.selectbox(key=keys.BACKBONE).set_value("simple_cnn")
    run(at)
    assert at.session_state[keys.LAYER] == "conv1"  # a new backbone starts at its first convolution
    assert "random" in at.caption[0].value
    assert "30×30×32" in facts_line(at)
    assert "random weights" in at.selectbox(key=keys.BACKBONE).format_func("simple_cnn")
    switch_tab(at, "Predictions & Grad-CAM")
    assert any("pretrained ImageNet classifier" in i.value for i in at.info)
    switch_tab(at, "Feature maps")
    at.selectbox(key=keys.BACKBONE).set_value("efficientnet_lite0")
    run(at)
    assert at.session_state[keys.LAYER] == "stem_activation"


# --------------------------------------------------------------------------- other tabs


def test_predictions_and_grad_cam(cat_facts):
    at = open_page("Predictions & Grad-CAM")
    bars, cam = chart_specs(at)
    top = cat_facts.predictions(5)
    labels = bars["data"][0]["y"][::-1]
    assert labels[0] == f"{top[0].label.split(',')[0]} ({top[0].index})"
    assert {p.index for p in top} & {281, 282, 283, 284, 285}
    assert len(labels) == 5 and "Grad-CAM for" in cam["layout"]["title"]["text"]
    assert f"({top[0].probability:.1%})" in cam["layout"]["title"]["text"]
    at.selectbox(key=keys.CAM_CLASS).set_value(504)
    run(at)
    assert "coffee mug" in chart_specs(at)[1]["layout"]["title"]["text"]


@pytest.mark.parametrize(("tab", "charts"), [("Through the network", 2), ("First-layer filters", 1)])
def test_strip_and_filter_tabs(tab, charts):
    at = open_page(tab)
    specs = chart_specs(at)
    assert len(specs) == charts
    if tab == "Through the network":
        titles = [a["text"] for a in specs[0]["layout"]["annotations"]]
        assert len(titles) == 5 and "stem_activation" in titles[0] and "top_activation" in titles[-1]
    else:
        assert "stem_conv: 32 filters of 3×3×3" in specs[0]["layout"]["title"]["text"]


# --------------------------------------------------------------------------- uploads


def test_an_uploaded_photo_replaces_the_sample():
    at = open_page("Predictions & Grad-CAM")
    coffee = (ROOT / "assets" / "samples" / "coffee.png").read_bytes()
    upload(at, "my_coffee.png", coffee)
    assert not at.error
    labels = chart_specs(at)[0]["data"][0]["y"]
    assert any(label.startswith(("espresso", "cup", "coffee mug")) for label in labels)
    switch_tab(at, "Feature maps")
    assert "stem_activation" in facts_line(at)


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def truncated_png() -> bytes:
    noisy = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    data = png_bytes(noisy)
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("holiday.png", b"this is a text file, not a photo\n", "none of those (whatever its name says)"),
        ("half.png", truncated_png(), "truncated or corrupt"),
        ("bomb.png", png_header_only(20_000, 20_000), "megapixels"),
        ("huge.jpg", b"\0" * (MAX_IMAGE_BYTES + 1), "at most 50 MB"),
        ("empty.gif", b"", "empty"),
    ],
    ids=["not-an-image", "truncated", "decompression-bomb", "over-the-limit", "empty"],
)
def test_a_bad_upload_shows_the_message_and_the_page_keeps_working(name, data, message):
    at = open_page()
    upload(at, name, data)
    assert len(at.error) == 1 and message in at.error[0].value
    assert "Showing the sample photo instead" in at.error[0].value
    assert "stem_activation" in facts_line(at)  # the sample is still explored
    at.selectbox(key=keys.STAGE).set_value(2)
    run(at)
    assert len(at.error) == 1
    at.file_uploader(key=keys.UPLOAD).clear()
    run(at)
    assert not at.error

"""The Freeze Lab page under AppTest: widgets by key, the counts shown match explorer/."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer.models.backbones import get_backbone, list_backbones
from explorer.models.heads import HeadConfig
from explorer.models.params import (
    ParamCounts,
    ParamTable,
    TrainablePlan,
    build_param_table,
    count_parameters,
    plan_flags,
)
from explorer.models.presets import FREEZE_PRESETS
from ui.state import freeze as keys

PAGE = (Path(__file__).parent / "../../app_pages/freeze_lab.py").resolve()
_TABLES: dict[tuple[str, int], ParamTable] = {}


def table_for(backbone: str, size: int | None = None) -> ParamTable:
    size = get_backbone(backbone).default_size if size is None else size
    if (backbone, size) not in _TABLES:
        _TABLES[(backbone, size)] = build_param_table(backbone, size)
    return _TABLES[(backbone, size)]


def expected(backbone: str, head: HeadConfig, plan: TrainablePlan, size: int | None = None,
             toggles: dict[int, bool] | None = None) -> ParamCounts:
    table = table_for(backbone, size)
    flags = list(plan_flags(table, plan))
    for index, on in (toggles or {}).items():
        flags[index] = on
    return count_parameters(table, tuple(flags), head)


def suggested_head(backbone: str) -> HeadConfig:
    kind, hidden, outputs = get_backbone(backbone).suggested_head
    return HeadConfig(kind, hidden, 0.0, outputs)


def rerun(target) -> AppTest:
    """Run the script (for an AppTest, or a widget whose new value is set); no exception allowed."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page() -> AppTest:
    return rerun(AppTest.from_file(str(PAGE), default_timeout=120))


def shown(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def as_shown(counts: ParamCounts) -> dict[str, int]:
    return {"Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable}


def delta_of(at: AppTest, label: str) -> int:
    metric = next(m for m in at.metric if m.label == label)
    if not metric.delta:
        return 0
    match = re.match(r"([+-][\d,]+)(?!\d)", metric.delta)  # "+1,792" (any wording after it)
    assert match, metric.delta
    return int(match.group(1).replace(",", ""))


def keras_code(at: AppTest) -> str:
    """The code under the "Show the Keras code" tab, opened (it is written only while open)."""
    if keys.TAB not in at.session_state or at.session_state[keys.TAB] != "Show the Keras code":
        at.session_state[keys.TAB] = "Show the Keras code"
        rerun(at)
    (block,) = [c for c in at.code if c.language == "python"]
    return block.value


def test_the_keras_code_is_written_only_while_its_tab_is_open():
    at = open_page()
    assert not [c for c in at.code if c.language == "python"]  # the layer table's tab is the one open

    assert "keras.applications.VGG16(" in keras_code(at)
    rerun(at.radio(key=keys.HEAD).set_value("gap"))  # it stays open, and follows the page
    assert "GlobalAveragePooling2D" in keras_code(at)


def test_default_view_shows_the_notes_vgg16_counts():
    at = open_page()

    counts = shown(at)
    assert counts["Total"] == 40_406_849
    assert counts["Trainable"] == 25_692_161
    assert counts["Non-trainable"] == 40_406_849 - 25_692_161
    assert all(delta_of(at, label) == 0 for label in counts)
    assert at.selectbox(key=keys.BACKBONE).value == "vgg16"
    assert at.radio(key=keys.HEAD).value == "flatten"


def test_switching_the_head_to_gap_matches_explorer():
    at = open_page()

    rerun(at.radio(key=keys.HEAD).set_value("gap"))

    assert shown(at) == as_shown(expected("vgg16", HeadConfig("gap", 1024, 0.0, 1), TrainablePlan("none")))


def test_plan_last_4_trains_the_last_four_layers():
    at = open_page()
    rerun(at.selectbox(key=keys.PLAN).set_value("last"))
    layers = len(table_for("vgg16").layers)
    plan_n = at.number_input(key=keys.PLAN_N)
    assert plan_n.label == f"N (of {layers} layers)"
    rerun(plan_n.set_value(layers + 6))  # more than there are: the box shows what is used, and says so
    assert at.number_input(key=keys.PLAN_N).value == layers
    assert any(f"{layers + 6}" in t.value and f"{layers}" in t.value for t in at.toast)

    rerun(at.number_input(key=keys.PLAN_N).set_value(4))

    assert shown(at) == as_shown(expected("vgg16", suggested_head("vgg16"), TrainablePlan("last", 4)))
    assert shown(at)["Trainable"] > 25_692_161
    assert "base.layers[:-4]" in keras_code(at)


def test_plan_from_n_follows_the_n_input():
    at = open_page()
    rerun(at.selectbox(key=keys.PLAN).set_value("from"))

    rerun(at.number_input(key=keys.PLAN_N).set_value(11))

    assert shown(at) == as_shown(expected("vgg16", suggested_head("vgg16"), TrainablePlan("from", 11)))


def test_a_per_layer_toggle_changes_trainable_by_that_layers_parameters():
    at = open_page()
    before = shown(at)
    table = table_for("vgg16")
    editor_key = f"{keys.LAYERS}.vgg16.224.none"
    assert at.data_editor(key=editor_key).value["name"].tolist() == [l.name for l in table.layers]

    at.session_state[editor_key] = {"edited_rows": {1: {"trainable": True}}, "added_rows": [], "deleted_rows": []}
    rerun(at)

    after = shown(at)
    layer = table.layers[1]
    assert layer.trainable_params > 0
    assert after["Trainable"] - before["Trainable"] == layer.trainable_params
    assert after["Total"] == before["Total"]
    assert after == as_shown(expected("vgg16", suggested_head("vgg16"), TrainablePlan("none"), toggles={1: True}))
    assert delta_of(at, "Trainable") == layer.trainable_params
    code = keras_code(at)
    assert "# Per-layer changes on top of the plan" in code and repr(layer.name) in code


def test_switching_to_resnet50_with_all_but_bn_matches_explorer():
    at = open_page()

    rerun(at.selectbox(key=keys.BACKBONE).set_value("resnet50"))
    assert at.number_input(key=keys.INPUT_SIZE).value == get_backbone("resnet50").default_size
    rerun(at.selectbox(key=keys.PLAN).set_value("all-but-bn"))

    want = expected("resnet50", suggested_head("resnet50"), TrainablePlan("all-but-bn"))
    assert shown(at) == as_shown(want)
    # BatchNormalization moving statistics stay non-trainable: 0 < non-trainable.
    assert want.non_trainable > 0
    assert "keras.applications.ResNet50(" in keras_code(at)


@pytest.mark.parametrize("backbone", [spec.id for spec in list_backbones()])
def test_every_backbone_renders_with_its_suggested_head_and_matching_counts(backbone):
    at = open_page()

    rerun(at.selectbox(key=keys.BACKBONE).set_value(backbone))

    spec = get_backbone(backbone)
    assert at.number_input(key=keys.INPUT_SIZE).value == spec.default_size
    assert shown(at) == as_shown(expected(backbone, suggested_head(backbone), TrainablePlan("none")))
    assert len(at.data_editor(key=f"{keys.LAYERS}.{backbone}.{spec.default_size}.none").value) == len(
        table_for(backbone).layers
    )
    assert any(spec.weights_note in c.value for c in at.caption)


def test_changing_the_input_size_recounts_for_that_size():
    at = open_page()

    rerun(at.number_input(key=keys.INPUT_SIZE).set_value(64))

    assert shown(at) == as_shown(expected("vgg16", suggested_head("vgg16"), TrainablePlan("none"), size=64))
    assert "input_shape=(64, 64, 3)" in keras_code(at)


def test_plan_n_is_clamped_when_the_next_backbone_has_fewer_layers():
    at = open_page()
    rerun(at.selectbox(key=keys.BACKBONE).set_value("resnet50"))
    rerun(at.selectbox(key=keys.PLAN).set_value("from"))
    rerun(at.number_input(key=keys.PLAN_N).set_value(150))

    rerun(at.selectbox(key=keys.BACKBONE).set_value("vgg16"))

    count = len(table_for("vgg16").layers)
    assert at.number_input(key=keys.PLAN_N).value == count
    assert shown(at) == as_shown(expected("vgg16", suggested_head("vgg16"), TrainablePlan("from", count)))


@pytest.mark.parametrize("preset", FREEZE_PRESETS, ids=[p.label for p in FREEZE_PRESETS])
def test_each_preset_loads_and_shows_its_numbers(preset):
    at = open_page()

    rerun(at.selectbox(key=keys.PRESET).set_value(preset.label))

    assert at.selectbox(key=keys.BACKBONE).value == preset.backbone
    assert at.selectbox(key=keys.PLAN).value == preset.plan.kind
    want = expected(preset.backbone, preset.head, preset.plan, preset.input_size)
    assert shown(at) == as_shown(want)
    for number in re.findall(r"\d{1,3}(?:,\d{3})+", preset.note):
        assert number in [m.value for m in at.metric], (number, preset.note)


def test_the_delta_shown_after_a_change_equals_the_difference():
    at = open_page()
    before = shown(at)

    rerun(at.radio(key=keys.HEAD).set_value("gap"))
    after = shown(at)
    assert {label: delta_of(at, label) for label in after} == {
        label: after[label] - before[label] for label in after
    }
    assert delta_of(at, "Trainable") < 0

    # A rerun that changes nothing keeps the last change on screen.
    rerun(at)
    assert delta_of(at, "Trainable") == after["Trainable"] - before["Trainable"]


def test_keras_code_names_the_backbone_class_and_the_head():
    at = open_page()

    code = keras_code(at)

    assert "keras.applications.VGG16(" in code
    assert "input_shape=(224, 224, 3)" in code
    assert 'layers.Flatten(name="head_flatten")' in code
    assert 'layers.Dense(1024, activation="relu", name="fc1")' in code
    assert "model.compile(" in code


def test_flatten_vs_gap_panel_shows_both_heads_for_the_current_backbone():
    at = open_page()

    (panel,) = [m.value for m in at.markdown if "Flatten vs GAP" in m.value]

    for kind in ("flatten", "gap"):
        counts = expected("vgg16", HeadConfig(kind, 1024, 0.0, 1), TrainablePlan("none"))
        assert f"{counts.head_params:,}" in panel and f"{counts.total:,}" in panel
    assert "7x7x512" in panel


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """An empty Keras cache for explorer (reads $KERAS_HOME per call) and for Keras' get_file
    (reads it once at import), so the real cache is neither seen nor written."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr("keras.src.backend.config._KERAS_DIR", str(tmp_path))
    return tmp_path


def test_weights_note_says_when_imagenet_weights_are_missing(empty_keras_home):
    at = open_page()

    assert any("ImageNet weights not on this machine" in c.value for c in at.caption)
    assert at.button(key=keys.DOWNLOAD)


@pytest.mark.timeout(120)  # "fails fast, never hangs the page"; no timing assert in a test
def test_download_offline_shows_an_error_instead_of_crashing(empty_keras_home, monkeypatch):
    at = open_page()

    def refuse(*args, **kwargs):
        raise OSError("Network is unreachable (simulated by the test)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    rerun(at.button(key=keys.DOWNLOAD).click())

    assert any("Could not download" in e.value for e in at.error)
    assert shown(at)["Total"] == 40_406_849


def test_the_setup_stays_when_the_user_visits_another_page_and_comes_back():
    """Streamlit drops the widgets' values while another page shows; the Freeze Lab keeps them."""
    at = rerun(AppTest.from_file(str(ROOT / "app.py"), default_timeout=180))
    rerun(at.switch_page("app_pages/freeze_lab.py"))
    rerun(at.selectbox(key=keys.BACKBONE).set_value("mobilenet_v2"))
    for widget, value in ((at.number_input(key=keys.INPUT_SIZE), 160), (at.radio(key=keys.HEAD), "flatten"),
                          (at.number_input(key=keys.HIDDEN), 128), (at.slider(key=keys.DROPOUT), 0.2),
                          (at.number_input(key=keys.OUTPUTS), 5), (at.selectbox(key=keys.PLAN), "last")):
        rerun(widget.set_value(value))
    rerun(at.number_input(key=keys.PLAN_N).set_value(10))
    editor_key = f"{keys.LAYERS}.mobilenet_v2.160.last:10"
    at.session_state[editor_key] = {"edited_rows": {1: {"trainable": True}}, "added_rows": [], "deleted_rows": []}
    rerun(at)
    setup = {key: at.session_state[key] for key in keys.STATE.keys if key in at.session_state}
    counts = shown(at)
    assert delta_of(at, "Trainable") == table_for("mobilenet_v2", 160).layers[1].trainable_params  # the last click
    assert counts == as_shown(expected("mobilenet_v2", HeadConfig("flatten", 128, 0.2, 5), TrainablePlan("last", 10),
                                       size=160, toggles={1: True}))

    rerun(at.switch_page("app_pages/convolution_lab.py"))
    assert at.title[0].value == "Convolution Lab"
    assert keys.BACKBONE not in at.session_state  # Streamlit dropped the Freeze Lab's widget values

    rerun(at.switch_page("app_pages/freeze_lab.py"))
    assert at.title[0].value == "Freeze Lab"
    assert {key: at.session_state[key] for key in setup} == setup
    assert at.selectbox(key=keys.BACKBONE).value == "mobilenet_v2" and at.number_input(key=keys.PLAN_N).value == 10
    assert at.data_editor(key=editor_key).value["trainable"].tolist()[1] is True
    assert shown(at) == counts
    assert all(not m.delta for m in at.metric)  # no change arrow: nothing was clicked since coming back

    rerun(at.radio(key=keys.HEAD).set_value("gap"))  # a real click shows its change again
    assert delta_of(at, "Trainable") == shown(at)["Trainable"] - counts["Trainable"] != 0

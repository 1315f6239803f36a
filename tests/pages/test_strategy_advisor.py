"""The strategy advisor under AppTest: four quadrants, counts from explorer/, the hand-off to the Freeze Lab."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer.models.heads import HeadConfig
from explorer.models.params import TrainablePlan, build_param_table, count_parameters, plan_flags
from ui.state import finetune
from ui.state import freeze as keys
from ui.state.advisor import BACKBONE, CLASSES, IMAGES, OPEN, SIMILARITY, TRAIN

APP = ROOT / "app.py"


def open_advisor() -> AppTest:
    """Through the router, as a user arrives, so that st.switch_page can find the Freeze Lab."""
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    at.switch_page("app_pages/strategy_advisor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose(at: AppTest, images: int, classes: int, similarity: str, backbone: str = "vgg16") -> AppTest:
    at.number_input(key=IMAGES).set_value(images)
    at.number_input(key=CLASSES).set_value(classes)
    at.button_group(key=SIMILARITY).set_value(similarity)
    at.selectbox(key=BACKBONE).set_value(backbone)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


@pytest.fixture(scope="module")
def vgg16():
    return build_param_table("vgg16")


def test_default_is_the_students_300_xray_images(vgg16):
    at = open_advisor()
    assert at.title[0].value == "Strategy advisor"
    assert at.subheader[0].value == "Different data, little of it"
    assert any("block4_pool" in w.value for w in at.warning)
    head = HeadConfig("gap", 0, 0.0, 1)
    counts = count_parameters(vgg16, plan_flags(vgg16, TrainablePlan("none")), head)
    assert shown(at) == {"Total": counts.total, "Trainable": counts.trainable, "Non-trainable": counts.non_trainable}
    assert "get_layer('block4_pool')" in at.code[0].value
    assert any("Fine-tune Lab trains it" in c.value and "random weights" in c.value for c in at.caption)


@pytest.mark.parametrize(("images", "classes", "similarity", "title", "plan", "hidden"), [
    (300, 2, "similar", "Similar data, little of it", TrainablePlan("none"), 0),
    (50_000, 10, "similar", "Similar data, a lot of it", TrainablePlan("last", 4), 256),
    (50_000, 10, "different", "Different data, a lot of it", TrainablePlan("last", 8), 256),
    (300, 2, "different", "Different data, little of it", TrainablePlan("none"), 0),
])
def test_four_quadrants_show_the_plan_and_explorers_counts(vgg16, images, classes, similarity, title, plan, hidden):
    at = choose(open_advisor(), images, classes, similarity)
    assert at.subheader[0].value == title
    head = HeadConfig("gap", hidden, 0.0, 1 if classes == 2 else classes)
    counts = count_parameters(vgg16, plan_flags(vgg16, plan), head)
    assert shown(at)["Trainable"] == counts.trainable and shown(at)["Total"] == counts.total


def test_too_few_images_is_a_message_not_a_traceback():
    at = open_advisor()
    at.number_input(key=IMAGES).set_value(3)
    at.number_input(key=CLASSES).set_value(5)
    at.run()
    assert not at.exception
    assert "Every class needs at least one labelled image" in at.error[0].value


def test_open_in_freeze_lab_loads_the_plan_and_switches_page():
    at = choose(open_advisor(), 50_000, 10, "similar")
    at.button(key=OPEN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    # load_config set the Freeze Lab's widgets...
    state = {k: at.session_state[k] for k in (keys.BACKBONE, keys.INPUT_SIZE, keys.PLAN, keys.PLAN_N, keys.HEAD,
                                              keys.HIDDEN, keys.OUTPUTS)}
    assert state == {keys.BACKBONE: "vgg16", keys.INPUT_SIZE: 224, keys.PLAN: "last", keys.PLAN_N: 4,
                     keys.HEAD: "gap", keys.HIDDEN: 256, keys.OUTPUTS: 10}
    # ...and st.switch_page ran the Freeze Lab with them.
    assert at.title[0].value == "Freeze Lab"
    assert at.selectbox(key=keys.PLAN).value == "last" and at.number_input(key=keys.PLAN_N).value == 4
    trainable = next(m.value for m in at.metric if m.label == "Trainable")
    assert trainable == f"{3 * 2_359_808 + (512 + 1) * 256 + (256 + 1) * 10:,}"


@pytest.mark.parametrize(("similarity", "strategy", "n"), [("similar", "fine-tune", 4), ("different", "fine-tune", 8)])
def test_train_it_in_the_finetune_lab_presets_strategy_n_and_head(similarity, strategy, n):
    at = choose(open_advisor(), 50_000, 10, similarity)
    at.button(key=TRAIN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Fine-tune Lab"
    assert at.selectbox(key=finetune.BACKBONE).value == "vgg16"
    assert at.selectbox(key=finetune.STRATEGY).value == strategy
    assert at.number_input(key=finetune.N).value == n
    assert at.radio(key=finetune.HEAD).value == "gap" and at.number_input(key=finetune.HIDDEN).value == 256


def test_a_frozen_backbone_becomes_feature_extraction_in_the_finetune_lab():
    at = choose(open_advisor(), 300, 2, "similar", backbone="efficientnet_lite0")
    at.button(key=TRAIN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key=finetune.BACKBONE).value == "efficientnet_lite0"
    assert at.selectbox(key=finetune.STRATEGY).value == "feature-extraction"
    assert at.number_input(key=finetune.HIDDEN).value == 0


def test_another_backbone_gets_its_own_plan():
    at = choose(open_advisor(), 50_000, 10, "similar", backbone="resnet50")
    assert any("conv4_block6_1_conv" in m.value for m in at.markdown)


def test_a_plan_opened_in_the_freeze_lab_shows_no_change_arrows():
    at = open_advisor()
    at.switch_page("app_pages/freeze_lab.py").run()  # a first visit: the Freeze Lab keeps its last counts
    at.switch_page("app_pages/strategy_advisor.py").run()
    choose(at, 50_000, 10, "similar")
    at.button(key=OPEN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Freeze Lab"
    assert all(not m.delta for m in at.metric)  # nothing clicked on the Freeze Lab yet


def test_the_answers_stay_when_the_user_comes_back():
    at = choose(open_advisor(), 50_000, 10, "similar", backbone="resnet50")
    at.switch_page("app_pages/detection_basics.py").run()
    at.switch_page("app_pages/strategy_advisor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key=IMAGES).value == 50_000 and at.number_input(key=CLASSES).value == 10
    assert at.button_group(key=SIMILARITY).value == "similar" and at.selectbox(key=BACKBONE).value == "resnet50"
    assert at.subheader[0].value == "Similar data, a lot of it"

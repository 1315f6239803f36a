"""The page-state convention (ui/state): declarations, links, keeping state across pages."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from explorer.models.backbones import get_backbone
import ui.state
from ui.state import PageState, StateValueError, choice, flag, indices, number, span, subset, text, whole
from ui.state import freeze

DECLARATIONS = {name: importlib.import_module(f"ui.state.{name}").STATE
                for _, name, _ in pkgutil.iter_modules(ui.state.__path__)}


def test_every_page_with_widgets_declares_its_state():
    assert set(DECLARATIONS) == {"activations", "advisor", "case_studies", "convolution", "detection", "finetune",
                                 "freeze"}
    keys = [key for state in DECLARATIONS.values() for key in state.keys]
    assert len(keys) == len(set(keys))
    for state in DECLARATIONS.values():
        prefix = state.fields[0].key.split(".")[0]
        assert all(key.startswith(prefix + ".") for key in state.keys), state.page
        assert state.path.startswith("app_pages/") and state.path.endswith(".py")


@pytest.mark.parametrize("page", sorted(DECLARATIONS))
def test_defaults_are_valid_and_survive_a_link(page):
    state = DECLARATIONS[page]
    defaults = state.defaults()
    assert state.resolve(defaults) == (defaults, [])
    assert state.from_query(state.to_query(defaults)) == (defaults, [])
    assert set(state.to_query(defaults, only_changed=True)) == set(state.link.always)


@pytest.mark.parametrize("page", sorted(DECLARATIONS))
def test_a_garbage_value_is_dropped_named_and_falls_back_to_its_default(page):
    state = DECLARATIONS[page]
    defaults = state.defaults()
    for field in state.fields:
        if not field.linked or field.name == "custom1d":  # any short text is a custom kernel: the page checks it
            continue
        values, ignored = state.from_query({field.name: "\x00garbage<script>"})
        assert ignored == [field.name]
        assert values == defaults


def test_unknown_parameters_are_named_unless_they_belong_to_the_app():
    values, ignored = freeze.STATE.from_query({"backbone": "vgg16", "bakcbone": "x", "present": "1"},
                                              others=("present",))
    assert ignored == ["bakcbone"]
    assert values["backbone"] == "vgg16"


def test_the_lecture_link_gives_the_notes_configuration():
    query = {"backbone": "vgg16", "size": "224", "head": "flatten", "hidden": "1024", "outputs": "1", "plan": "none"}
    values, ignored = freeze.STATE.from_query(query)
    assert ignored == []
    assert {name: values[name] for name in query} == {"backbone": "vgg16", "size": 224, "head": "flatten",
                                                       "hidden": 1024, "outputs": 1, "plan": "none"}
    assert freeze.STATE.to_query(values) == {**query, "dropout": "0", "layers": ""}  # N only with last:N / from:N


def test_a_link_follows_the_backbone_for_what_it_does_not_say():
    values, ignored = freeze.STATE.from_query({"backbone": "inception_v3"})
    assert ignored == [] and values["size"] == 299 and values["head"] == "gap"
    assert freeze.STATE.to_query(values, only_changed=True) == {"backbone": "inception_v3", "size": "299", "head": "gap",
                                                                "hidden": "0", "outputs": "1", "plan": "none"}


@pytest.mark.parametrize(("query", "dropped"), [
    ({"backbone": "alexnet9"}, "backbone"),
    ({"size": "5000"}, "size"),
    ({"backbone": "inception_v3", "size": "64"}, "size"),  # below Inception v3's smallest input
    ({"hidden": "-3"}, "hidden"),
    ({"dropout": "0.95"}, "dropout"),
    ({"n": "four"}, "n"),
    ({"plan": "first:4"}, "plan"),
    ({"plan": "last:four"}, "n"),
    ({"layers": "1,x"}, "layers"),
])
def test_a_bad_value_falls_back_to_its_default_only(query, dropped):
    values, ignored = freeze.STATE.from_query({"head": "gap", **query})
    assert ignored == [dropped]
    assert values["head"] == "gap"
    others = {name: value for name, value in values.items() if name != dropped}
    assert values[dropped] == freeze.STATE.resolve(others)[0][dropped]


# ---------------------------------------------------------------------- field kinds


def test_choice_reads_options_their_link_text_and_numbers():
    kernel = choice("kernel", "t.kernel", ("Sobel x", "box blur", "custom"))
    assert kernel.to_text("Sobel x") == "sobel-x"
    assert kernel.parse("sobel-x", {}) == kernel.parse("Sobel x", {}) == "Sobel x"
    assert kernel.default_for({}) == "Sobel x"
    rate = choice("lr", "t.lr", (1e-4, 1e-3))
    assert rate.parse("1e-4", {}) == rate.parse("0.0001", {}) == 1e-4 and rate.to_text(1e-4) == "0.0001"
    padding = choice("padding", "t.padding", ("valid", "same", 1, 2))
    assert padding.parse("2", {}) == 2 and padding.parse(2, {}) == 2
    with pytest.raises(StateValueError, match=r"padding must be one of valid, same, 1, 2\. Received: padding='4'"):
        padding.parse("4", {})
    with pytest.raises(StateValueError):
        choice("on", "t.on", (0, 1)).parse(True, {})  # True is not the option 1
    with pytest.raises(ValueError, match="read differently"):
        choice("x", "t.x", ("a b", "a-b"))


def test_whole_number_and_number_fields_check_their_range():
    size = whole("size", "t.size", lambda v: v["low"], 100, 10)
    assert size.parse("12", {"low": 5}) == 12 and size.parse(12.0, {"low": 5}) == 12
    for bad in ("1.5", "", True, 4, "101"):
        with pytest.raises(StateValueError, match="size must be a whole number from 5 to 100"):
            size.parse(bad, {"low": 5})
    dropout = number("dropout", "t.dropout", 0.0, 0.9, 0.0)
    assert dropout.parse("0.25", {}) == 0.25
    for bad in ("nan", "inf", "1", "x"):
        with pytest.raises(StateValueError, match="dropout must be a number from 0 to 0.9"):
            dropout.parse(bad, {})


def test_flag_text_span_subset_and_indices_read_their_link_forms():
    assert flag("early", "t.early").parse("yes", {}) is True and flag("early", "t.early").parse("0", {}) is False
    assert span("x", "t.x", 0, 100, (10, 60)).parse("20-30", {}) == (20, 30)
    with pytest.raises(StateValueError):
        span("x", "t.x", 0, 100, (10, 60)).parse("30-20", {})
    assert subset("sizes", "t.sizes", (2, 4, 8), (4,)).parse("8,2,8", {}) == [8, 2]
    assert indices("layers", "t.layers").parse("5,1,5", {}) == (1, 5)
    assert indices("layers", "t.layers").to_text((1, 5)) == "1,5"
    layer = text("layer", "t.layer", None, pattern=r"[a-z0-9_]+", optional=True)
    assert layer.parse("block1_conv1", {}) == "block1_conv1"
    with pytest.raises(StateValueError):
        layer.parse("x" * 101, {})


def test_a_declaration_refuses_duplicates_and_resets_after_later_fields():
    with pytest.raises(ValueError, match="unique"):
        PageState("p", "app_pages/p.py", (whole("a", "p.a", 0, 1, 0), whole("a", "p.b", 0, 1, 0)))
    with pytest.raises(ValueError, match="earlier fields"):
        PageState("p", "app_pages/p.py", (whole("a", "p.a", 0, 1, 0, after=("b",)), whole("b", "p.b", 0, 1, 0)))


# ---------------------------------------------------------------------- the session (a dict stands in)


def test_start_fills_defaults_then_keeps_values_streamlit_drops():
    session: dict = {}
    assert freeze.STATE.start(session) is True  # first visit
    assert session[freeze.BACKBONE] == "vgg16" and session[freeze.INPUT_SIZE] == 224
    assert freeze.PRESET not in session  # unset: the selectbox shows its placeholder
    assert freeze.STATE.start(session) is False  # a rerun
    session[freeze.HIDDEN] = 256  # a click
    del session[freeze.PLAN_N]  # a hidden widget: Streamlit dropped its value
    assert freeze.STATE.start(session) is False
    assert session[freeze.HIDDEN] == 256 and session[freeze.PLAN_N] == 4

    for key in freeze.STATE.keys:  # another page ran: every widget value is gone
        session.pop(key, None)
    assert freeze.STATE.start(session) is True
    assert session[freeze.HIDDEN] == 256 and session[freeze.BACKBONE] == "vgg16"


def test_a_new_backbone_resets_what_depends_on_it():
    session: dict = {}
    freeze.STATE.start(session)
    session[freeze.PLAN] = "last"
    session[freeze.TOGGLES] = (1, 2)
    freeze.STATE.start(session)
    session[freeze.BACKBONE] = "inception_v3"
    freeze.STATE.start(session)
    kind, hidden, outputs = get_backbone("inception_v3").suggested_head
    assert session[freeze.INPUT_SIZE] == 299 and session[freeze.HEAD] == kind and session[freeze.HIDDEN] == hidden
    assert session[freeze.TOGGLES] == () and session[freeze.PLAN] == "last"  # the plan does not depend on it


def test_load_checks_the_values_and_keeps_the_rest():
    session: dict = {}
    freeze.STATE.start(session)
    session[freeze.PLAN_N] = 7
    freeze.STATE.start(session)
    freeze.STATE.load({"backbone": "mobilenet_v2", "plan": "all"}, session)
    assert session[freeze.BACKBONE] == "mobilenet_v2" and session[freeze.INPUT_SIZE] == 224
    assert session[freeze.HIDDEN] == 50 and session[freeze.PLAN_N] == 7
    assert freeze.STATE.values(session)["plan"] == "all"
    with pytest.raises(StateValueError, match="size must be a whole number from 32 to 1024"):
        freeze.STATE.load({"size": 8}, session)
    with pytest.raises(StateValueError, match="Received: \\['sise'\\]"):
        freeze.STATE.load({"sise": 224}, session)
    assert freeze.STATE.start(session) is False  # nothing changed behind the page's back


def test_set_writes_the_widget_key_and_the_kept_copy():
    session: dict = {}
    freeze.STATE.start(session)
    freeze.STATE.set(freeze.PLAN_N, 9, session)
    del session[freeze.PLAN_N]
    freeze.STATE.start(session)
    assert session[freeze.PLAN_N] == 9
    freeze.STATE.set(freeze.PRESET, None, session)
    assert freeze.PRESET not in session

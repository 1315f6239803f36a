"""Every page's state in its link, both ways: change widgets, read the address, open it fresh, see the same page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import links

ROOT = Path(__file__).resolve().parents[2]

# Per page: widgets set to non-default values, in order (kind of AppTest element, key, value).
CHANGES: dict[str, list[tuple[str, str, object]]] = {
    "freeze_lab": [("radio", "freeze.head", "gap"), ("selectbox", "freeze.plan", "last"),
                   ("number_input", "freeze.plan_n", 6), ("number_input", "freeze.hidden", 512)],
    "convolution_lab": [("selectbox", "conv.kernel", "box blur"), ("button_group", "conv.stride", 2),
                        ("slider", "conv.size", 9)],
    "activations_lab": [("radio", "act.sample", "coffee"), ("select_slider", "act.count", 32),
                        ("selectbox", "act.rank", 2)],
    "finetune_lab": [("radio", "finetune.data", "digits"), ("slider", "finetune.epochs", 3),
                     ("checkbox", "finetune.early", True)],
    "strategy_advisor": [("number_input", "advisor.images", 5000), ("button_group", "advisor.similarity", "similar")],
    "case_studies": [("button_group", "case.network", "resnet50")],
    "detection_basics": [("slider", "detect.a_x", (5, 40)), ("slider", "detect.b_y", (30, 90))],
}
WIDGETS = ("selectbox", "radio", "number_input", "slider", "select_slider", "checkbox", "toggle", "text_input",
           "multiselect", "button_group")


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def snapshot(at: AppTest) -> dict[str, object]:
    """What a reader sees: every keyed widget's value, the numbers shown, the formulas and texts."""
    seen: dict[str, object] = {}
    for kind in WIDGETS:
        for widget in getattr(at, kind):
            if widget.key and not widget.key.startswith("app."):
                seen[widget.key] = widget.value
    seen["metrics"] = [(m.label, m.value) for m in at.metric]
    seen["latex"] = [x.value for x in at.latex]
    seen["markdown"] = [x.value for x in at.markdown]
    return seen


@pytest.mark.parametrize("slug", sorted(CHANGES))
def test_a_changed_page_reopens_from_its_link_exactly(slug):
    assert set(CHANGES) == set(links.LINKS)
    page = str(ROOT / "app_pages" / f"{slug}.py")
    at = rerun(AppTest.from_file(page, default_timeout=300))
    before = dict(at.query_params)
    for kind, key, value in CHANGES[slug]:
        getattr(at, kind)(key=key).set_value(value)
        rerun(at)
    query = {name: value for name, value in at.query_params.items()}
    assert query != before, "the address bar follows the widgets"
    values, ignored = links.LINKS[slug].from_query(query)
    assert ignored == []
    fresh = AppTest.from_file(page, default_timeout=300)
    for name, value in query.items():
        fresh.query_params[name] = value
    rerun(fresh)
    assert not [w for w in fresh.warning if w.icon == ":material/link_off:"]
    assert snapshot(fresh) == snapshot(at)
    # A link opened is the page's own link; a value the page picks itself when the link leaves it
    # unset (the Activations Lab's most active channel) may appear on either side.
    again, _ = links.LINKS[slug].from_query(dict(fresh.query_params))
    assert {k: v for k, v in again.items() if v is not None and values[k] is not None} == \
        {k: v for k, v in values.items() if v is not None and again[k] is not None}


@pytest.mark.parametrize("slug", ["freeze_lab", "convolution_lab", "strategy_advisor", "detection_basics"])
def test_a_garbage_link_gives_one_notice_and_the_defaults(slug):
    page = str(ROOT / "app_pages" / f"{slug}.py")
    clean = rerun(AppTest.from_file(page, default_timeout=300))
    at = AppTest.from_file(page, default_timeout=300)
    name = links.LINKS[slug].fields[0].name
    at.query_params[name] = "\x00<script>"
    at.query_params["nonsense"] = "1"
    at.query_params["lang"] = "en"
    rerun(at)
    notices = [w.value for w in at.warning if w.icon == ":material/link_off:"]
    assert len(notices) == 1
    assert f"`{name}`" in notices[0] and "`nonsense`" in notices[0]
    assert snapshot(at) == snapshot(clean)
    assert at.query_params["lang"] == "en"  # the app's own parameters are left alone
    assert "nonsense" not in at.query_params


def test_the_lecture_link_opens_the_notes_configuration():
    at = AppTest.from_file(str(ROOT / "app_pages" / "freeze_lab.py"), default_timeout=300)
    for name, value in {"backbone": "vgg16", "size": "224", "head": "flatten", "hidden": "1024", "outputs": "1",
                        "plan": "none"}.items():
        at.query_params[name] = value
    rerun(at)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Total"] == "40,406,849" and shown["Trainable"] == "25,692,161"


@pytest.mark.parametrize(("query", "trainable"), [({"plan": "last:4"}, "32,771,585"),
                                                  ({"plan": "last", "n": "4"}, "32,771,585")])
def test_plan_last_n_reads_in_both_forms(query, trainable):
    at = AppTest.from_file(str(ROOT / "app_pages" / "freeze_lab.py"), default_timeout=300)
    for name, value in query.items():
        at.query_params[name] = value
    rerun(at)
    assert {m.label: m.value for m in at.metric}["Trainable"] == trainable
    assert at.number_input(key="freeze.plan_n").value == 4
    assert at.query_params["plan"] == "last:4" and "n" not in at.query_params


def test_a_link_with_n_beyond_the_layer_count_uses_every_layer_and_says_so():
    at = AppTest.from_file(str(ROOT / "app_pages" / "freeze_lab.py"), default_timeout=300)
    at.query_params.update({"backbone": "vgg16", "plan": "last:99"})
    rerun(at)
    assert at.number_input(key="freeze.plan_n").value == 19  # VGG16's layers with weights
    assert [t.value for t in at.toast] == ["N (of 19 layers) must be from 0 to 19; 19 is used. Received: 99"]
    assert {m.label: m.value for m in at.metric}["Trainable"] == "40,406,849"  # everything trains
    assert at.query_params["plan"] == "last:19"

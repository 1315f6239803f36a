"""Every page in Korean under AppTest: no exception, none of its English labels left, the same numbers.

Each page runs through the router (app.py) with ?lang=ko, as a link opens it, and again with
?lang=en. The English labels listed per page were picked from the English run: widget labels,
titles, headers, metric labels, chart titles and axes. Numbers are data, not words: the
metric values, the numbers in tables and the data of every chart must be identical in both
languages.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.i18n import LANG_KEY

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# page script -> English labels seen in the English run (each must be gone in Korean).
ENGLISH = {
    "app_pages/home.py": ["CNN & transfer-learning explorer", "Freeze Lab", "Convolution Lab", "Activations Lab",
                          "Case Studies", "Strategy Advisor", "Detection Basics", "Fine-tune Lab", "Glossary",
                          "Pick a backbone, put a Flatten or GAP head on it"],
    "app_pages/freeze_lab.py": ["Freeze Lab", "Load an example from the notes", "Backbone",
                                "Input size (pixels, square)", "Trainable plan for the backbone", "Head",
                                "Hidden Dense units (0 = none)", "Dropout", "Outputs (1 = sigmoid, more = softmax)",
                                "Total", "Trainable", "Non-trainable", "Parameters per layer", "parameters",
                                "frozen", "trainable", "new head (trainable)", "Layers: toggle trainable",
                                "Show the Keras code", "Download as .py"],
    "app_pages/convolution_lab.py": ["Convolution Lab", "2D convolution", "On a photo", "1D signal", "Pooling",
                                     "Receptive field", "Small vs big kernels", "Input", "Input size", "Kernel",
                                     "Stride", "Dilation", "Padding", "Step to explain", "Edit the input",
                                     "Input (padding shaded)", "Output", "Play"],
    "app_pages/activations_lab.py": ["Activations Lab", "Backbone", "Sample photo", "Or your own photo",
                                     "Feature maps", "Through the network", "First-layer filters",
                                     "Predictions & Grad-CAM", "Stage (resolution)", "Layer", "Channels in the grid",
                                     "Colour scale", "Channel to enlarge, by activity", "Map over photo",
                                     "activation"],
    "app_pages/case_studies.py": ["Case studies", "Key ideas", "Accuracy against compute: bubble area = parameters",
                                  "multiply-adds per image (billions, log scale)", "ImageNet top-1 accuracy (%)",
                                  "What is counted, and the sources", "VGG16: memory per layer for one 224x224 image",
                                  "Activations per image", "Parameters", "Only 3x3 convolutions, stacked"],
    "app_pages/strategy_advisor.py": ["Strategy advisor", "Labelled images", "Classes", "Backbone",
                                      "Compared with ImageNet's photos, your images are", "Open in the Freeze Lab",
                                      "Train it in the Fine-tune Lab", "Total", "Trainable", "Non-trainable",
                                      "little data", "a lot of data", "Different data, little of it",
                                      "similar (photos of things)"],
    "app_pages/detection_basics.py": ["Detection basics", "IoU playground", "Intersection", "Union",
                                      "Two-stage and one-stage detectors", "box A", "box B", "recall", "precision",
                                      "Precision-recall, all-point interpolated<br>(area = AP)", "AP at IoU 0.5"],
    "app_pages/finetune_lab.py": ["Fine-tune Lab", "Data", "Images per class", "Backbone", "Input size", "Strategy",
                                  "Epochs", "Learning rate", "Batch size", "Head", "Callbacks", "Train", "Total",
                                  "Trainable", "Non-trainable", "How much data? The same run at several sizes",
                                  "Classify a photo with a saved model"],
    "app_pages/glossary.py": ["Glossary", "Find a term", "English", "Korean", "Note"],
    "app_pages/lessons.py": ["Lessons", "Freezing VGG16", "Lecture note 1", "CNN fundamentals", "Start"],
}
# Labels that read the same in both languages (names, code, numbers) never count as left-over English.
LAZY_TABS = {"app_pages/freeze_lab.py": ("freeze.tab", "Show the Keras code")}
"""Tabs whose content is built only while open (page -> the tabs' key, the tab to open): opened too."""


def _run(page: str, language: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["lang"] = language
    at.switch_page(page)
    if page in LAZY_TABS:
        from explorer.i18n import translations

        key, label = LAZY_TABS[page]
        at.session_state[key] = translations(language).gettext(label)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@cache
def run(page: str, language: str) -> AppTest:
    return _run(page, language)


_WIDGETS = ("selectbox", "radio", "slider", "select_slider", "number_input", "text_input", "checkbox", "toggle",
            "multiselect", "button", "button_group", "text_area", "date_input", "color_picker", "download_button",
            "file_uploader", "page_link")


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _figure_words(fig: dict) -> list[str]:
    """The words a chart shows: titles, axis titles, tick texts, legend names, annotations, hover templates."""
    words: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "name", "ticktext", "hovertemplate", "label"):
            words.append(node)

    walk(fig.get("layout", {}))
    for trace in fig.get("data", []):
        for key in ("name", "hovertemplate"):
            if isinstance(trace.get(key), str):
                words.append(trace[key])
    return words


def shown_texts(at: AppTest) -> list[str]:
    """Every text the page shows: prose, labels, options shown, metric labels, tabs, expanders, charts."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "latex", "code"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [m.label for m in at.metric]
    for kind in _WIDGETS:
        for w in at.get(kind):
            if getattr(w, "key", None) == LANG_KEY:
                continue  # the language switch names each language in its own words, on every page
            proto = getattr(w, "proto", None)
            label = getattr(w, "label", None) or getattr(proto, "label", None)
            if label:
                texts.append(str(label))
            for attr in ("options",):
                options = getattr(proto, attr, None)
                if options:
                    texts += [str(getattr(o, "content", None) or o) for o in options]
    texts += [t.label for t in at.tabs] + [e.label for e in at.expander]
    texts += [block.proto.popover.label for block in _blocks(at._tree) if block.type == "popover"]
    for frame in (*at.dataframe, *at.get("arrow_data_frame"), *at.table):
        texts += _headers(frame)
    for fig in _figures(at):
        texts += _figure_words(fig)
    return texts


def _blocks(node):
    """Every block of the element tree (popovers have no accessor of their own)."""
    for child in getattr(node, "children", {}).values():
        if type(child).__name__ == "Block" or hasattr(child, "children"):
            yield child
            yield from _blocks(child)


def _headers(frame) -> list[str]:
    """A table's column headers as shown: a column_config label, else the column's name."""
    config = json.loads(getattr(frame.proto, "columns", "") or "{}")  # a table (st.table) has no column_config
    return [str((config.get(str(c)) or {}).get("label") or c) for c in frame.value.columns]


def _numbers_of(values) -> list[float]:
    out = []
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)):
            out.append(round(float(v), 9))
        elif isinstance(v, list):
            out += _numbers_of(v)
    return out


def shown_numbers(at: AppTest) -> dict[str, list]:
    """The page's numbers: metric values and deltas, every number in its tables, every chart's data."""
    tables = []
    for frame in at.dataframe:
        value = frame.value
        tables.append(_numbers_of(value.select_dtypes("number").to_numpy().ravel().tolist()))
    charts = []
    for fig in _figures(at):
        for trace in fig.get("data", []):
            charts.append(_numbers_of([trace.get(k) for k in ("x", "y", "z") if isinstance(trace.get(k), list)]))
    return {"metrics": [(m.value, m.proto.delta) for m in at.metric], "tables": tables, "charts": charts}


PAGES = sorted(ENGLISH)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_page_in_korean_has_no_english_label_left(page):
    english, korean = run(page, "en"), run(page, "ko")
    assert korean.session_state[LANG_KEY] == "ko"
    shown_en, shown_ko = shown_texts(english), shown_texts(korean)
    for label in ENGLISH[page]:  # the list was picked from the English run: it must still be there
        assert any(label in t for t in shown_en), f"{label!r} is not on the English page any more"
    left = [label for label in ENGLISH[page] if any(label == t.strip() or f"{label}" in _words(t) for t in shown_ko)]
    assert not left, f"English left on the Korean page: {left}"
    assert any(HANGUL.search(t) for t in shown_ko)


def _words(text: str) -> set[str]:
    """The text's label-sized pieces: lines, and parts between markup and separators."""
    return {p.strip(" *`:") for p in re.split(r"\n|<br>|\||·|—", text) if p.strip()}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_page_numbers_are_the_same_in_both_languages(page):
    assert shown_numbers(run(page, "ko")) == shown_numbers(run(page, "en"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: Path(p).stem)
def test_translated_labels_are_translated_everywhere(page):
    """Every label of the Korean page that has a Korean translation shows it: nothing English that the
    catalog knows is left (a widget label or a heading outside the hand-picked list included)."""
    from explorer.i18n import translations

    catalog = translations("ko")
    korean = run(page, "ko")
    left = sorted({t for t in shown_texts(korean) if t and catalog.gettext(t) != t})
    assert not left, f"untranslated on the Korean page although the catalog has them: {left[:10]}"


def test_switching_language_keeps_the_page_state():
    at = _run("app_pages/detection_basics.py", "ko")
    from ui.state import detection as keys

    at.slider(key=keys.B_X).set_value((30, 80)).run()
    before = {m.label: m.value for m in at.metric}
    at.radio(key=LANG_KEY).set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Detection basics"
    assert at.slider(key=keys.B_X).value == (30, 80)
    assert [m.value for m in at.metric] == list(before.values())
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"


def test_a_lesson_step_reads_in_korean():
    """A lesson's own words (lessons/*.toml) come from the catalog too: the step banner on the page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params.update({"lang": "ko", "lesson": "freezing_vgg16", "step": "1"})
    at.switch_page("app_pages/freeze_lab.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    prose = [m.value for m in at.markdown]
    assert any("VGG16 동결하기" in p and "특징 추출기" in p for p in prose), prose[:5]
    assert any("모든 층을 동결합니다" in p for p in prose)
    assert not any("Every layer is frozen" in p for p in prose)

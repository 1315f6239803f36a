"""The case-studies page under AppTest: the table, the key ideas and VGG16's memory match explorer/."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer.case_studies.key_ideas import key_idea
from explorer.case_studies.zoo import ZOO, memory_per_layer
from ui.state import case_studies as keys

PAGE = ROOT / "app_pages" / "case_studies.py"


@pytest.fixture(scope="module")
def at() -> AppTest:
    """The page run once (it builds the eleven networks); tests that change widgets rerun it."""
    app = AppTest.from_file(str(PAGE), default_timeout=300).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture(scope="module")
def zoo(at):
    from ui.zoo import zoo_model  # the page's own cache, filled by the run above

    return {spec.id: zoo_model(spec.id) for spec in ZOO}


def test_table_shows_the_counts_explorer_computed(at, zoo):
    table = at.dataframe[0].value  # the zoo table is the page's only dataframe
    assert list(table["network"]) == [spec.name for spec in ZOO]
    assert list(table["parameters"]) == [zoo[spec.id].keras_params for spec in ZOO]
    assert list(table["depth"]) == [zoo[spec.id].depth for spec in ZOO]
    assert list(table["multiply-adds (G)"]) == pytest.approx([zoo[spec.id].madds / 1e9 for spec in ZOO])
    assert list(table["top-1 %"]) == [spec.top1_text for spec in ZOO]
    row = table.set_index("network").loc["VGG16"]
    assert row["parameters"] == 138_357_544 and row["top-1 source"].startswith("Keras Applications table")
    assert "single crop" in row["top-1 source"] and "224x224 input" in row["top-1 source"]
    zfnet = table.set_index("network").loc["ZFNet"]
    assert zfnet["top-1 %"] == zfnet["published parameters"] == "not published"


def test_the_parameter_gap_with_torchvision_is_explained_with_numbers_from_the_keras_model(at, zoo):
    text = "".join(m.value for m in at.markdown)
    assert "25,636,712" in text and "25,557,032" in text and "**79,680** = 3 x 26,560" in text


def test_vgg16_key_idea_is_shown_first(at, zoo):
    assert at.button_group(key=keys.NETWORK).value == "vgg16"
    assert at.subheader[0].value.startswith("VGG16 (2014)")
    facts = "".join(m.value for m in at.markdown)
    assert "7,077,888" in facts and "12,845,056" in facts


def test_switching_to_googlenet_shows_its_inception_module_and_auxiliary_classifiers(at, zoo):
    at.button_group(key=keys.NETWORK).set_value("googlenet").run()
    assert not at.exception
    idea = key_idea("googlenet", zoo)
    assert at.subheader[0].value == f"GoogLeNet (Inception v1) (2014): {idea.title}"
    text = "".join(m.value for m in at.markdown)
    for fact in idea.facts:
        assert fact.value in text
    assert "128.05 M mult-adds" in text and "303.46 M mult-adds" in text
    assert len(at.get("graphviz_chart")) == len(idea.diagrams) == 2


@pytest.mark.parametrize("network", [spec.id for spec in ZOO])
def test_every_network_key_idea_renders(at, network):
    at.button_group(key=keys.NETWORK).set_value(network).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value.startswith(next(s.name for s in ZOO if s.id == network))


def test_vgg16_memory_section_matches_explorer(at, zoo):
    report = memory_per_layer(zoo["vgg16"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Activations per image"] == "61.0 MB" == f"{report.megabytes(report.activations):.1f} MB"
    assert metrics["Parameters"] == "553.4 MB"
    text = "".join(m.value for m in at.markdown)
    assert "15,237,608 values = 61.0 MB" in text and "28,785,128 values = 115.1 MB" in text
    assert "96 MB" in text

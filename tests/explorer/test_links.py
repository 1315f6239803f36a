"""explorer.links: each page's link vocabulary, and `python -m explorer link` that prints a checked URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import links
from explorer.errors import ExplorerInputError

ROOT = Path(__file__).resolve().parents[2]
LECTURE = "/freeze_lab?backbone=vgg16&size=224&head=flatten&hidden=1024&outputs=1&plan=none"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_every_page_is_linked_under_its_address():
    assert set(links.LINKS) == {"freeze_lab", "convolution_lab", "activations_lab", "finetune_lab",
                                "strategy_advisor", "case_studies", "detection_basics"}
    for slug, link in links.LINKS.items():
        assert (ROOT / "app_pages" / f"{slug}.py").is_file()
        assert not set(link.names) & set(links.APP_PARAMS)


def test_option_lists_copied_from_heavy_modules_match_their_source():
    from explorer.figures.activations import CHANNEL_COUNTS
    from explorer.training import STRATEGIES

    assert links.FINETUNE_STRATEGIES == STRATEGIES
    assert links.ACT_CHANNEL_COUNTS == CHANNEL_COUNTS


def test_the_lecture_link_is_written_in_full():
    assert links.link_url("freeze_lab", {"backbone": "vgg16", "size": "224", "head": "flatten", "hidden": "1024",
                                         "outputs": "1", "plan": "none"}) == LECTURE


@pytest.mark.parametrize("given", [{"plan": "last:4"}, {"plan": "last", "n": "4"}, {"plan": "last", "n": 4}])
def test_plan_last_n_has_one_compact_form(given):
    assert links.link_url("freeze_lab", given).endswith("plan=last:4")


def test_per_layer_overrides_are_runs_of_rows():
    values, ignored = links.FREEZE.from_query({"layers": "0-3,7,9-10"})
    assert ignored == [] and values["layers"] == (0, 1, 2, 3, 7, 9, 10)
    assert links.FREEZE.to_query(values, only_changed=True)["layers"] == "0-3,7,9-10"
    assert links.FREEZE.from_query({"layers": "3-1"})[1] == ["layers"]


@pytest.mark.parametrize(("page", "given", "message"), [
    ("freeze_lab", {"backbone": "alexnet9"}, "backbone must be one of"),
    ("freeze_lab", {"size": "5000"}, "size must be a whole number from 32 to 1024"),
    ("freeze_lab", {"bakcbone": "vgg16"}, "Received: bakcbone"),
    ("convolution_lab", {"stride": "9"}, "stride must be one of 1, 2, 3"),
    ("nowhere", {}, "A page is one of"),
    ("home", {"x": "1"}, "no link parameters"),
])
def test_a_bad_value_is_refused_with_the_rule_and_the_value(page, given, message):
    with pytest.raises(ExplorerInputError, match=message):
        links.link_url(page, given)


def test_cli_link_prints_the_checked_url():
    done = run_cli("link", "freeze_lab", "--backbone", "vgg16", "--size", "224", "--head", "flatten",
                   "--hidden", "1024", "--outputs", "1", "--plan", "none", "--base", "http://hall:8501")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://hall:8501" + LECTURE
    done = run_cli("link", "detection_basics", "--a_x=5-40", "--present", "--json")
    assert json.loads(done.stdout) == {"page": "detection_basics",
                                       "url": "http://localhost:8501/detection_basics?a_x=5-40&present=1"}


@pytest.mark.parametrize(("args", "message"), [
    (("link", "freeze_lab", "--size", "5000"), "size must be a whole number from 32 to 1024. Received: size=5000"),
    (("link", "freeze_lab", "--plan"), "--plan needs a value"),
    (("link", "nowhere"), "A page is one of"),
])
def test_cli_link_refuses_a_bad_value_in_one_line(args, message):
    done = run_cli(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().startswith("error: ") and message in done.stderr and len(done.stderr.splitlines()) == 1

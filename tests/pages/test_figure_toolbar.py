"""Every page's Plotly charts go out with a short toolbar (download, reset): the full one covered
titles on a projector while the mouse was over a chart. A page's own toolbar setting wins."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.classroom import MODEBAR_KEPT_OUT

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _charts(page: str) -> dict[str, dict]:
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("plotly_chart")
    assert charts, page
    return {chart.proto.id: json.loads(chart.proto.config) for chart in charts}


def test_charts_keep_only_download_and_reset_in_their_toolbar():
    for config in _charts("app_pages/freeze_lab.py").values():
        assert set(MODEBAR_KEPT_OUT) <= set(config["modeBarButtonsToRemove"]) and config["displaylogo"] is False
        assert "toImage" not in config["modeBarButtonsToRemove"]


def test_a_page_that_hides_the_toolbar_keeps_it_hidden():
    configs = list(_charts("app_pages/activations_lab.py").values())
    assert configs and all(config["displayModeBar"] is False for config in configs)

"""`cnn-explorer --workers ADDRESS`: where training runs, checked before the server starts."""

from __future__ import annotations

import os

import pytest
from streamlit.web import cli as streamlit_cli

from explorer.engine import ADDRESS_ENV
from ui import launcher


@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr(streamlit_cli, "main", lambda args, prog_name: calls.append(list(args)))
    monkeypatch.setenv(ADDRESS_ENV, "local")  # recorded, so that what main() sets is undone after the test
    return calls


def test_workers_sets_the_address_for_the_server_and_the_rest_goes_to_streamlit(started, monkeypatch) -> None:
    assert launcher.main(["--server.port", "8600", "--workers", "tcp://gpu-box:8786"]) == 0
    assert started == [["run", str(launcher.APP_SCRIPT), "--server.port", "8600"]]
    assert os.environ[ADDRESS_ENV] == "tcp://gpu-box:8786"


@pytest.mark.parametrize("argv, message", [(["--workers"], "needs a value"),
                                           (["--workers", "gpu-box"], "tcp://host:8786")])
def test_a_bad_workers_value_stops_before_the_server_starts(started, capsys, argv, message) -> None:
    assert launcher.main(argv) == 2
    assert message in capsys.readouterr().err and started == []

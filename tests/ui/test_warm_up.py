"""The warm-up loads, in the background and once per server, what the first visitors would wait for."""

from __future__ import annotations

import importlib
import threading

import pytest

import ui.activations
import ui.cache


@pytest.fixture
def recorded(monkeypatch):
    calls: list[tuple] = []
    done = threading.Event()
    monkeypatch.setattr(ui.cache, "_warm", threading.Event())

    def table(backbone, size):
        calls.append(("table", backbone, size))
        raise RuntimeError("no memory left")

    def extractor(backbone):
        calls.append(("extractor", backbone))
        done.set()

    monkeypatch.setattr(ui.cache.engine, "warm_up", lambda placement: calls.append(("workers", placement.kind)))
    monkeypatch.setattr(ui.cache, "param_table", table)
    monkeypatch.setattr(ui.activations, "extractor", extractor)
    monkeypatch.setattr(ui.cache, "_import_page_modules", lambda: calls.append(("imports",)))
    return calls, done


def test_warm_up_builds_the_default_pages_numbers_once_and_goes_on_after_a_failure(recorded, monkeypatch):
    calls, done = recorded
    monkeypatch.delenv("EXPLORER_WARM_UP", raising=False)
    monkeypatch.delenv("EXPLORER_WORKERS", raising=False)
    ui.cache.warm_up()
    ui.cache.warm_up()  # a second visit starts nothing more
    assert done.wait(60)
    # The pages' slow imports, the workers (TensorFlow's import), then the pages' defaults; on after a failure.
    assert calls == [("imports",), ("workers", "local"), ("table", "vgg16", 224), ("extractor", "efficientnet_lite0")]


def test_the_page_modules_the_warm_up_imports_exist() -> None:
    for name in ui.cache.PAGE_MODULES:
        importlib.import_module(name)


def test_warm_up_can_be_turned_off(recorded, monkeypatch):
    calls, _done = recorded
    monkeypatch.setenv("EXPLORER_WARM_UP", "0")
    ui.cache.warm_up()
    assert not [t for t in threading.enumerate() if t.name == "explorer-warm-up" and t.is_alive()]
    assert not ui.cache._warm.is_set() and calls == []

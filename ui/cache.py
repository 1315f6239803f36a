"""Where the pages' TensorFlow work runs (the workers), its cached results (one per process, shared by
all sessions), and the warm-up."""

from __future__ import annotations

import importlib
import logging
import os
import threading

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from explorer import engine, jobs
from explorer.engine import Placement, configured_placement
from explorer.errors import WorkersLostError

if TYPE_CHECKING:
    from explorer.models.params import ParamTable

__all__ = ["compute", "param_table", "placement", "warm_up"]

T = TypeVar("T")

_log = logging.getLogger(__name__)
_warm = threading.Event()


def placement() -> Placement:
    """Where the TensorFlow work runs: ``workers`` in .streamlit/secrets.toml, else $EXPLORER_WORKERS,
    else the app's own local workers.

    Raises:
        ValueError: a setting that names no placement.
    """
    try:
        setting = st.secrets.get("workers")
    except Exception:  # no secrets.toml: Streamlit raises instead of returning nothing
        setting = None
    return configured_placement(None if setting is None else str(setting))


def compute(job: Callable[..., T], *args: Any) -> T:
    """Run a job of explorer.jobs in the workers and return its plain result (the web process never
    imports TensorFlow). With a bad ``workers`` setting the app's own local workers do it (a run's
    Train button says what is wrong with the setting). Workers that stop or cannot be reached
    end the page's run with their message."""
    try:
        where = placement()
    except ValueError:
        where = Placement("local")
    try:
        return engine.compute(job, *args, placement=where)
    except WorkersLostError as exc:  # on any page: the message, not a traceback, and nothing cached
        st.error(str(exc), icon=":material/sync_problem:")
        st.stop()


@st.cache_resource(show_spinner="Building the backbone once to count its parameters...", max_entries=24)
def param_table(backbone: str, input_size: int) -> ParamTable:
    """The per-layer parameter table of a backbone at an input size (built once, then re-summed)."""
    return compute(jobs.param_table, backbone, input_size)


def warm_up() -> None:
    """Start, once per server, what the first visitors would otherwise wait for, in a background
    thread: the pages' own slow imports (PAGE_MODULES), the workers with TensorFlow's import (3-4 s),
    the Freeze Lab's default table (VGG16 at 224 px), then the Activations Lab's default network.
    A page opened a few seconds after the first visit then shows its numbers at once; a visitor who
    comes sooner waits for the same build, not a second one (Streamlit's cache computes a key once).
    Not the Case Studies' eight networks: on a machine that never counted them, building them (~20 s,
    in a worker) took the CPU from the next pages (bench_first_paint, two cores: the Activations Lab's
    title 0.6 -> 2.0 s) for a wait that is once per machine (the counts are kept on disk).
    EXPLORER_WARM_UP=0 turns it off (to measure without it)."""
    if _warm.is_set() or os.environ.get("EXPLORER_WARM_UP", "1") == "0":
        return
    _warm.set()
    threading.Thread(target=_warm_up, name="explorer-warm-up", daemon=True).start()


PAGE_MODULES = ("pandas", "explorer.figures.params", "explorer.figures.activations", "explorer.figures.convolution",
                "explorer.figures.detection", "ui.training")
"""What the pages import that takes long (pandas, Plotly: 0.3-0.6 s at a page's first run, before its title)."""


def _import_page_modules() -> None:
    for name in PAGE_MODULES:
        importlib.import_module(name)


def _warm_up() -> None:
    from explorer.links import ACTIVATIONS, FREEZE
    from ui.activations import extractor

    freeze = FREEZE.defaults()
    steps = [_import_page_modules, lambda: engine.warm_up(placement()),
             lambda: param_table(freeze["backbone"], int(freeze["size"])),
             lambda: extractor(ACTIVATIONS.defaults()["backbone"])]
    for step in steps:
        try:
            step()
        except Exception:  # a warm-up never takes the server down; the page reports its own errors
            _log.exception("warm-up step failed")

"""Cached, read-only shared objects for the pages (one per process, all sessions), and their warm-up."""

from __future__ import annotations

import logging
import os
import threading

import streamlit as st

from explorer.models.params import ParamTable, build_param_table

__all__ = ["param_table", "warm_up"]

_log = logging.getLogger(__name__)
_warm = threading.Event()


@st.cache_resource(show_spinner="Building the backbone once to count its parameters...", max_entries=24)
def param_table(backbone: str, input_size: int) -> ParamTable:
    """The per-layer parameter table of a backbone at an input size (built once, then re-summed)."""
    return build_param_table(backbone, input_size)


def warm_up() -> None:
    """Start, once per server, what the first visitors would otherwise wait for, in a background
    thread: TensorFlow's import (3-4 s), the Freeze Lab's default table (VGG16 at 224 px), then the
    Activations Lab's default network. A page opened a few seconds after the first visit then shows
    its numbers at once; a visitor who comes sooner waits for the same build, not a second one
    (Streamlit's cache computes a key once). Not the Case Studies' eight networks: building them
    (~20 s of mostly Python, holding the GIL) slowed every other page's first clicks more than it
    saved (bench_first_paint). EXPLORER_WARM_UP=0 turns it off (to measure without it)."""
    if _warm.is_set() or os.environ.get("EXPLORER_WARM_UP", "1") == "0":
        return
    _warm.set()
    threading.Thread(target=_warm_up, name="explorer-warm-up", daemon=True).start()


def _warm_up() -> None:
    from explorer.links import ACTIVATIONS, FREEZE
    from ui.activations import extractor

    freeze = FREEZE.defaults()
    steps = [lambda: param_table(freeze["backbone"], int(freeze["size"])),
             lambda: extractor(ACTIVATIONS.defaults()["backbone"])]
    for step in steps:
        try:
            step()
        except Exception:  # a warm-up never takes the server down; the page reports its own errors
            _log.exception("warm-up step failed")

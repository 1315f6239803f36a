"""Cached, read-only shared objects for the pages (one per process, all sessions)."""

from __future__ import annotations

import threading

import streamlit as st

from explorer.params import ParamTable, build_param_table

# Keras graph building keeps global state (layer name counters): one build at a time.
BUILD_LOCK = threading.Lock()


@st.cache_resource(show_spinner="Building the backbone once to count its parameters...", max_entries=24)
def param_table(backbone: str, input_size: int) -> ParamTable:
    """The per-layer parameter table of a backbone at an input size (built once, then re-summed)."""
    with BUILD_LOCK:
        return build_param_table(backbone, input_size)

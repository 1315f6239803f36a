"""Cached, read-only shared objects for the pages (one per process, all sessions)."""

from __future__ import annotations

import streamlit as st

from explorer.models.params import ParamTable, build_param_table

__all__ = ["param_table"]


@st.cache_resource(show_spinner="Building the backbone once to count its parameters...", max_entries=24)
def param_table(backbone: str, input_size: int) -> ParamTable:
    """The per-layer parameter table of a backbone at an input size (built once, then re-summed)."""
    return build_param_table(backbone, input_size)

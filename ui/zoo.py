"""Cached zoo computations for the case studies and the strategy advisor (done by the workers, kept per process)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from explorer import jobs
from explorer.models.params import ParamTable
from explorer.case_studies.zoo import ZOO, MemoryReport, ZooModel, memory_per_layer
from explorer.figures.zoo import memory_figure, zoo_bubble_figure
from ui.cache import compute
from ui.i18n import _

_READY: set[str] = set()


@st.cache_resource(show_spinner=False, max_entries=len(ZOO))
def zoo_model(network_id: str) -> ZooModel:
    """One network counted layer by layer (built once per machine and Keras version, then read from disk)."""
    model = compute(jobs.zoo_model, network_id)
    _READY.add(network_id)
    return model


def zoo_models() -> dict[str, ZooModel]:
    """Every network of the zoo by id; the first call builds them with a progress bar."""
    if _READY.issuperset(spec.id for spec in ZOO):
        return {spec.id: zoo_model(spec.id) for spec in ZOO}
    bar = st.progress(0.0, text=_("Building the networks once to count them..."))
    models = {}
    for i, spec in enumerate(ZOO):
        bar.progress(i / len(ZOO), text=_("Building {name} in Keras to count it ({i} of {n})...").format(
            name=spec.name, i=i + 1, n=len(ZOO)))
        models[spec.id] = zoo_model(spec.id)
    bar.empty()
    return models


@st.cache_resource(show_spinner="Building the backbone once to find where it can be cut...", max_entries=16)
def backbone_layout(backbone: str) -> tuple[ParamTable, tuple[int, ...]]:
    """A backbone's parameter table and clean cuts at its default size, from one build."""
    return compute(jobs.backbone_layout, backbone)


@st.cache_resource(show_spinner=False)
def zoo_figures(language: str) -> tuple[go.Figure, go.Figure, MemoryReport]:
    """The bubble chart, VGG16's memory chart and its report: read-only, built once per language
    (Plotly takes a quarter of a second to build them, every rerun otherwise); the charts' words
    are in the session's language, which is therefore part of the cache key."""
    zoo = zoo_models()
    report = memory_per_layer(zoo["vgg16"])
    return zoo_bubble_figure([zoo[spec.id] for spec in ZOO]), memory_figure(report), report

"""Widget keys and state callbacks of the Freeze Lab (so tests and presets share them)."""

from __future__ import annotations

from dataclasses import astuple

import streamlit as st

from explorer.models.backbones import get_backbone
from explorer.models.heads import HeadConfig
from explorer.models.params import ParamCounts, TrainablePlan
from explorer.models.presets import FREEZE_PRESETS, FreezePreset

PRESET = "freeze.preset"
BACKBONE = "freeze.backbone"
INPUT_SIZE = "freeze.input_size"
HEAD = "freeze.head"
HIDDEN = "freeze.hidden"
DROPOUT = "freeze.dropout"
OUTPUTS = "freeze.outputs"
PLAN = "freeze.plan"
PLAN_N = "freeze.plan_n"
LAYERS = "freeze.layers"
DOWNLOAD = "freeze.download"
_LAST = "freeze._last_counts"

DEFAULTS = {BACKBONE: "vgg16", PLAN: "none", PLAN_N: 4}


def init_state() -> None:
    """Fill unset widget state, starting on the lecture's first example."""
    if BACKBONE not in st.session_state:
        st.session_state.update(DEFAULTS)
        on_backbone_change()


def on_backbone_change() -> None:
    """A new backbone starts at its default size with the head the notes use for it."""
    spec = get_backbone(st.session_state[BACKBONE])
    kind, hidden, outputs = spec.suggested_head
    st.session_state.update(
        {INPUT_SIZE: spec.default_size, HEAD: kind, HIDDEN: hidden, OUTPUTS: outputs, DROPOUT: 0.0}
    )


def on_preset_change() -> None:
    """Load one of the notes' configurations into every widget."""
    preset = next((p for p in FREEZE_PRESETS if p.label == st.session_state[PRESET]), None)
    if preset is not None:
        load_config(preset.backbone, preset.input_size, preset.head, preset.plan)


def current_preset(backbone: str, input_size: int, head: HeadConfig, plan: TrainablePlan) -> FreezePreset | None:
    """The notes' example that the widgets show right now, if any (its note is then true)."""
    config = (backbone, input_size, head, plan)
    return next((p for p in FREEZE_PRESETS if (p.backbone, p.input_size, p.head, p.plan) == config), None)


def load_config(backbone: str, input_size: int, head: HeadConfig, plan: TrainablePlan) -> None:
    """Set every Freeze Lab widget; other pages call this before st.switch_page to hand off a plan."""
    init_state()
    st.session_state.update(
        {
            BACKBONE: backbone, INPUT_SIZE: input_size, HEAD: head.kind, HIDDEN: head.hidden,
            DROPOUT: head.dropout, OUTPUTS: head.outputs, PLAN: plan.kind,
            PLAN_N: plan.n or st.session_state[PLAN_N],
        }
    )


def counts_delta(counts: ParamCounts) -> ParamCounts | None:
    """The change since the counts last changed (kept across reruns that change nothing)."""
    last, delta = st.session_state.get(_LAST, (None, None))
    if last is not None and last != counts:
        delta = ParamCounts(*(now - before for now, before in zip(astuple(counts), astuple(last))))
    st.session_state[_LAST] = (counts, delta)
    return delta

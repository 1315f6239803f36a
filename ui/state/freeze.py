"""The Freeze Lab's state: widget keys, defaults and checks, presets, the hand-off, the change arrows."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import streamlit as st

from explorer import links
from explorer.models.heads import HeadConfig
from explorer.models.params import ParamCounts, TrainablePlan
from explorer.models.presets import FREEZE_PRESETS, FreezePreset
from ui.state import PageState

BACKBONE = "freeze.backbone"
INPUT_SIZE = "freeze.input_size"
HEAD = "freeze.head"
HIDDEN = "freeze.hidden"
DROPOUT = "freeze.dropout"
OUTPUTS = "freeze.outputs"
PLAN = "freeze.plan"
PLAN_N = "freeze.plan_n"
TOGGLES = "freeze.toggles"
"""Not a widget: the layers toggled by hand against the plan, kept while the editor is not drawn."""
PRESET = "freeze.preset"
LAYERS = "freeze.layers"
"""Prefix of the per-layer editor's key: f"{LAYERS}.{backbone}.{size}.{plan}" (a new plan, a new editor)."""
DOWNLOAD = "freeze.download"
TAB = "freeze.tab"
"""The tabs under the chart (the layer table, the Keras code): only the open one is built."""
_LAST = "freeze._last_counts"
_OPENED = "freeze._opened"
_EDITOR_BASE = "freeze._editor_base"


# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.FREEZE, "app_pages/freeze_lab.py")


def plan_values(backbone: str, input_size: int, head: HeadConfig, plan: TrainablePlan) -> dict[str, Any]:
    """A configuration for STATE.load / STATE.open (a plan's N is kept when it has none)."""
    return {"backbone": backbone, "size": input_size, "head": head.kind, "hidden": head.hidden,
            "dropout": head.dropout, "outputs": head.outputs, "plan": plan.kind, "layers": (),
            **({"n": plan.n} if plan.n else {})}


def on_preset_change() -> None:
    """Load one of the notes' configurations into every widget."""
    preset = next((p for p in FREEZE_PRESETS if p.label == st.session_state.get(PRESET)), None)
    if preset is not None:
        STATE.load(plan_values(preset.backbone, preset.input_size, preset.head, preset.plan))


def current_preset(backbone: str, input_size: int, head: HeadConfig, plan: TrainablePlan) -> FreezePreset | None:
    """The notes' example that the widgets show right now, if any (its note is then true)."""
    config = (backbone, input_size, head, plan)
    return next((p for p in FREEZE_PRESETS if (p.backbone, p.input_size, p.head, p.plan) == config), None)


def layer_flags(planned: tuple[bool, ...], editor_key: str) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
    """(the editor's starting column, the flags now): the plan with the layers toggled by hand.

    The editor's own state cannot be written back, so a redrawn editor (back from another
    page) starts from the plan with the kept toggles; while it stays drawn, its starting
    column stays the same and its edits apply on top.
    """
    base = st.session_state.get(_EDITOR_BASE)
    if editor_key not in st.session_state or base is None or base[0] != editor_key:
        toggled = set(st.session_state.get(TOGGLES, ()))
        base = (editor_key, tuple(on != (i in toggled) for i, on in enumerate(planned)))
        st.session_state[_EDITOR_BASE] = base
    edits = st.session_state.get(editor_key, {}).get("edited_rows", {})
    flags = tuple(bool(edits.get(i, {}).get("trainable", on)) for i, on in enumerate(base[1]))
    STATE.set(TOGGLES, tuple(i for i, (now, plan) in enumerate(zip(flags, planned)) if now != plan))
    return base[1], flags


def note_opened(opened: bool) -> None:
    """Say, in a run of the whole page, whether the page has just been opened (`PageState.start`).
    The counts rerun on their own (a fragment) and read it once: their own reruns are clicks."""
    st.session_state[_OPENED] = opened


def counts_delta(counts: ParamCounts) -> ParamCounts | None:
    """The change made by the last click on the page (kept across reruns that change nothing);
    none when the page has just been opened."""
    last, delta = st.session_state.get(_LAST, (None, None))
    if st.session_state.pop(_OPENED, False):
        delta = None
    elif last is not None and last != counts:
        delta = ParamCounts(*(now - before for now, before in zip(astuple(counts), astuple(last))))
    st.session_state[_LAST] = (counts, delta)
    return delta

"""Freeze Lab: pick a backbone and a head, freeze layers, watch the parameter counts."""

import pandas as pd
import streamlit as st

from explorer import jobs
from explorer.models.backbones import get_backbone, list_backbones
from explorer.models.codegen import generate_keras_code
from explorer.errors import ExplorerInputError
from explorer.figures.params import parameters_figure
from explorer.models.heads import HeadConfig, head_layers
from explorer.models.params import PLAN_LABELS, TrainablePlan, count_parameters, plan_flags
from explorer.models.presets import FREEZE_PRESETS
from ui.cache import compute, param_table
from ui.upload import show_error
from ui.i18n import _
from ui.inputs import clamp_message, number_input
from ui.state import freeze as keys

state = keys.STATE
opened = state.start()
st.title(_("Freeze Lab"))

with st.sidebar:
    st.selectbox(_("Load an example from the notes"), [p.label for p in FREEZE_PRESETS], index=None, format_func=_,
                 key=keys.PRESET, on_change=keys.on_preset_change, placeholder=_("Choose an example..."))
    specs = {s.id: s for s in list_backbones()}
    st.selectbox(_("Backbone"), list(specs), format_func=lambda i: _(specs[i].label), key=keys.BACKBONE)
    spec = get_backbone(st.session_state[keys.BACKBONE])
    number_input(_("Input size (pixels, square)"), *state.bounds(keys.INPUT_SIZE), step=1, key=keys.INPUT_SIZE)
    table = param_table(spec.id, int(st.session_state[keys.INPUT_SIZE]))
    st.selectbox(_("Trainable plan for the backbone"), state.options(keys.PLAN), format_func=lambda k: _(PLAN_LABELS[k]),
                 key=keys.PLAN)
    kind = st.session_state[keys.PLAN]
    if kind in ("last", "from"):
        n_layers, n_label = len(table.layers), _("N (of {n} layers)").format(n=len(table.layers))
        if st.session_state[keys.PLAN_N] > n_layers:  # from a link, or kept from a deeper backbone
            st.toast(clamp_message(n_label, 0, n_layers, st.session_state[keys.PLAN_N], n_layers),
                     icon=":material/warning:")
            state.set(keys.PLAN_N, n_layers)
        number_input(n_label, 0, n_layers, step=1, key=keys.PLAN_N)
    st.radio(_("Head"), state.options(keys.HEAD), key=keys.HEAD, horizontal=True,
             format_func={"flatten": "Flatten", "gap": _("Global average pooling")}.get)
    number_input(_("Hidden Dense units (0 = none)"), *state.bounds(keys.HIDDEN), step=64, key=keys.HIDDEN)
    st.slider(_("Dropout"), *state.bounds(keys.DROPOUT), step=0.05, key=keys.DROPOUT)
    number_input(_("Outputs (1 = sigmoid, more = softmax)"), *state.bounds(keys.OUTPUTS), step=1, key=keys.OUTPUTS)

plan = TrainablePlan(kind, int(st.session_state[keys.PLAN_N]) if kind in ("last", "from") else 0)
head = HeadConfig(st.session_state[keys.HEAD], int(st.session_state[keys.HIDDEN]),
                  float(st.session_state[keys.DROPOUT]), int(st.session_state[keys.OUTPUTS]))

preset = keys.current_preset(spec.id, table.input_size, head, plan)
if preset:
    st.info(f"**{_(preset.label)}.** {_(preset.note)}", icon=":material/menu_book:")
info, action = st.columns([5, 2], vertical_alignment="center")
info.caption(f"**{_(spec.label)}** ({spec.year}): {_(spec.description)}  \n{spec.weights_note}")
if spec.weights_source == "keras-cache" and not spec.pretrained_available:
    if action.button(_("Download weights"), key=keys.DOWNLOAD, help=_("Needs a network; fails fast offline.")):
        try:
            compute(jobs.download_weights, spec.id)
            st.rerun()
        except ExplorerInputError as exc:
            show_error(exc)

# The counts, the chart and the layer table rerun on their own (a fragment): a click on a layer
# redraws them, not the sidebar. The sidebar's widgets rerun the whole page.
@st.fragment
def counts_and_layers() -> None:
    state.follow()
    # Per-layer toggles on top of the plan; a new plan (or backbone) starts from a clean slate.
    planned = plan_flags(table, plan)
    editor_key = f"{keys.LAYERS}.{spec.id}.{table.input_size}.{plan}"
    start_flags, flags = keys.layer_flags(planned, editor_key)
    counts = count_parameters(table, flags, head)
    delta = keys.counts_delta(counts)

    for col, label, field in zip(st.columns(3), [_("Total"), _("Trainable"), _("Non-trainable")],
                                 ["total", "trainable", "non_trainable"]):
        change = getattr(delta, field) if delta else 0
        col.metric(label, f"{getattr(counts, field):,}", f"{change:+,}" if change else None,
                   delta_color="normal" if field == "trainable" else "off", border=True)

    st.caption(_("The arrows show the change made by your last click."))
    chart, compare = st.columns([3, 2])
    head_rows = head_layers(table.feature_shape, head, len(table.layers))
    chart.plotly_chart(parameters_figure(table, flags, head_rows), width="stretch", theme=None,
                       key="freeze.chart")
    with compare:
        both = {k: count_parameters(table, flags, HeadConfig(k, head.hidden, head.dropout, head.outputs))
                for k in ("flatten", "gap")}
        shape = "x".join(map(str, table.feature_shape))
        st.markdown(
            "#### Flatten vs GAP\n" + _("on the {shape} feature map").format(shape=shape)
            + "\n\n| | " + _("head") + " | " + _("total") + " |\n|---|---:|---:|\n"
            + "".join(f"| **{k.upper()}** | {c.head_params:,} | {c.total:,} |\n" for k, c in both.items())
            + "\n" + _("Flatten's head is **{ratio}x** GAP's.").format(
                ratio=f"{both['flatten'].head_params / both['gap'].head_params:,.1f}")
        )

    # The code is written only while its tab is open: a click on a layer does not rebuild it (or redraw it).
    layers_tab, code_tab = st.tabs([_("Layers: toggle trainable"), _("Show the Keras code")], key=keys.TAB,
                                   on_change="rerun")
    with layers_tab:
        frame = pd.DataFrame(
            {
                "index": [l.index for l in table.layers],
                "name": [l.name for l in table.layers],
                "type": [l.type for l in table.layers],
                "output shape": ["x".join(str(d) for d in l.output_shape[1:]) for l in table.layers],
                "params": [l.params for l in table.layers],
                "trainable": list(start_flags),
            }
        )
        st.data_editor(frame, key=editor_key, hide_index=True, width="stretch", height=420,
                       disabled=["index", "name", "type", "output shape", "params"],
                       column_config={"index": _("index"), "name": _("name"), "type": _("type"),
                                      "output shape": _("output shape"),
                                      "params": st.column_config.NumberColumn(_("params"), format="localized"),
                                      "trainable": st.column_config.CheckboxColumn(_("trainable"))})
        st.caption(_("BatchNormalization moving statistics never train, even in a trainable layer; "
                     "the head always trains."))
    if code_tab.open:
        with code_tab:
            code = generate_keras_code(table, head, plan, flags)
            st.code(code, language="python")
            st.download_button(_("Download as .py"), code, file_name=f"freeze_{spec.id}.py",
                               key="freeze.code_download")


keys.note_opened(opened)
counts_and_layers()

"""Fine-tune Lab: short transfer-learning runs with live curves, on built-in or uploaded data."""

import streamlit as st

from explorer.models.backbones import get_backbone, list_backbones
from explorer.errors import ExplorerInputError
from explorer.models.params import count_parameters, plan_flags
from explorer.training import STRATEGIES, STRATEGY_LABELS, STRATEGY_NOTES, TrainConfig, stage_plans
from ui import training as runs
from ui import xray
from ui.cache import param_table
from ui.i18n import _
from ui.inputs import number_input
from ui.state import finetune as keys
from explorer.io.text import literal
from ui.upload import checked_bytes, file_uploader, show_error

keys.STATE.start()
limits, options = keys.STATE.bounds, keys.STATE.options
st.title(_("Fine-tune Lab"))
runs.warm_workers()
# The same containers in the same order on every run, whatever the data and the run: a fragment
# (the live panel) or a late delta from the previous run then always lands on an element that
# exists. Content that came and went around the uploader (an error, the hint, then st.stop)
# shifted the live panel's position while it redrew, and the browser went blank
# ("Bad delta path index") when a ZIP was removed and another dropped in quick succession.
# The live panel sits above the data, so that a run's progress is in view at 1024x768 without scrolling.
upload_area, message_area, live_area, data_area = (st.container() for _slot in range(4))
with live_area:  # drawn first, at the same place on every run, even when the page stops early below
    runs.live_panel()
with message_area:
    runs.restart_notice()  # a run cut short by a server restart
with st.sidebar:
    source = st.radio(_("Data"), options(keys.DATA), horizontal=True, key=keys.DATA,
                      format_func={"shapes": _("Shapes"), "digits": _("Digits"), "zip": _("My ZIP"),
                                   "photos": _("Cats/dogs")}.get)
    per_class = st.slider(_("Images per class"), *limits(keys.PER_CLASS), key=keys.PER_CLASS,
                          disabled=source in ("zip", "photos"))
    specs = {s.id: s for s in list_backbones()}
    backbone = st.selectbox(_("Backbone"), list(specs), format_func=lambda i: _(specs[i].label), key=keys.BACKBONE)
    size = st.select_slider(_("Input size"), options(keys.SIZE), key=keys.SIZE)
    strategy = st.selectbox(_("Strategy"), STRATEGIES, format_func=lambda s: _(STRATEGY_LABELS[s]), key=keys.STRATEGY)
    st.caption(_(STRATEGY_NOTES[strategy]))
    two_stage, tune = strategy == "two-stage", strategy == "fine-tune"
    epochs = st.slider(_("Epochs (stage 1)") if two_stage else _("Epochs"), *limits(keys.EPOCHS), key=keys.EPOCHS)
    stage2 = st.slider(_("Stage-2 epochs"), *limits(keys.STAGE2), key=keys.STAGE2) if two_stage else 0
    layers_n = number_input(_("N (last layers to train)"), *limits(keys.N), key=keys.N) if tune else 20
    lr = st.select_slider(_("Learning rate"), options(keys.LR[strategy]), key=keys.LR[strategy])
    lr2 = st.select_slider(_("Stage-2 learning rate"), options(keys.LR2), key=keys.LR2) if two_stage else 1e-5
    batch = st.select_slider(_("Batch size"), options(keys.BATCH), key=keys.BATCH)
    head_kind = st.radio(_("Head"), options(keys.HEAD), horizontal=True, key=keys.HEAD,
                         format_func={"gap": "GAP", "flatten": "Flatten"}.get)
    hidden = number_input(_("Hidden Dense units (0 = none)"), *limits(keys.HIDDEN), step=32, key=keys.HIDDEN)
    with st.expander(_("Callbacks")):
        patience = number_input(_("ReduceLROnPlateau patience"), *limits(keys.PATIENCE), key=keys.PATIENCE)
        factor = st.select_slider(_("Factor"), options(keys.FACTOR), key=keys.FACTOR)
        min_lr = st.select_slider("min_lr", options(keys.MIN_LR), key=keys.MIN_LR)
        early = st.checkbox("EarlyStopping", key=keys.EARLY)
        early_patience = number_input(_("EarlyStopping patience"), *limits(keys.EARLY_PATIENCE),
                                      key=keys.EARLY_PATIENCE)

try:
    size = max(size, get_backbone(backbone).min_size)
    if source == "zip":
        upload = file_uploader(_("A ZIP with one folder per class"), keys.ZIP, ["zip"], where=upload_area)
        dataset = runs.zip_data(checked_bytes(upload), size) if upload else None
    elif source == "photos":  # needs a network once; offline it says so at once
        fetch = upload_area.button(_("Download the cats-vs-dogs photos (about 65 MB, once)"), key=keys.FETCH)
        dataset = runs.photo_set(size) if fetch or st.session_state.get(keys.PHOTOS_FETCHED) else None
        st.session_state[keys.PHOTOS_FETCHED] = dataset is not None
    else:
        dataset = runs.builtin_data(source, size, per_class, 0)
    config = TrainConfig(backbone, size, strategy, head_kind, int(hidden), 0.0, epochs, stage2, int(layers_n), lr, lr2,
                         batch, int(patience), factor, min_lr, int(early_patience) if early else None)
except ExplorerInputError as exc:
    show_error(exc, where=message_area)
    st.stop()

if dataset is None:
    message_area.info(_("Upload a ZIP of class sub-folders (cats/…, dogs/…), download the photo set, or choose the "
                        "built-in data."))
    st.stop()
count_row = data_area.columns(3)
data_tab, model_tab = data_area.columns([3, 2])
with data_tab:
    # Names from a ZIP are data, never Markdown: literal() shows them as typed.
    st.markdown(f"**{literal(dataset.name)}**: " + _("{images} images, {classes} classes").format(
        images=len(dataset.labels), classes=len(dataset.class_names)) + " · "
                + ", ".join(f"{literal(c)}: {n}" for c, n in dataset.class_counts.items()))
    grid = [img for c in range(len(dataset.class_names)) for img in dataset.images[dataset.labels == c][:6]]
    st.image(grid[:36], width=56)
    if dataset.skipped:
        with st.expander(_("{n} files skipped").format(n=len(dataset.skipped))):
            st.text("\n".join(dataset.skipped))  # st.text: never Markdown
with model_tab:
    table = param_table(backbone, size)
    counts = count_parameters(table, plan_flags(table, stage_plans(config)[-1]), config.head(len(dataset.class_names)))
    # Full-width row: the counts must not be cut off in the narrow column.
    for col, label, value in zip(count_row, [_("Total"), _("Trainable"), _("Non-trainable")],
                                 [counts.total, counts.trainable, counts.non_trainable]):
        col.metric(label, f"{value:,}", border=True)
    st.caption(get_backbone(backbone).weights_note + " " + _("Counts for the last stage of the run."))
    busy = runs.active_run() is not None
    if st.button(_("Train"), type="primary", icon=":material/play_arrow:", key=keys.TRAIN, disabled=busy, width="stretch"):
        runs.start_run(dataset, config)
        st.rerun()
    if st.button(_("Compare three strategies"), key=keys.COMPARE_RUN, disabled=busy, width="stretch",
                 icon=":material/compare_arrows:", help=_("The same data and settings, three runs, one chart")):
        runs.start_run(dataset, config, compare=runs.comparison_configs(config))
        st.rerun()
    with st.expander(_("Why these defaults?")):
        st.caption(_(runs.DEFAULTS_WHY))
    with st.expander(_("How much data? The same run at several sizes")):
        sizes = st.multiselect(_("Training images per class"), options(keys.SIZES), key=keys.SIZES)
        if st.button(_("Run at each size"), key=keys.SIZES_RUN, disabled=busy or not sizes, width="stretch"):
            runs.start_run(dataset, config, sizes=tuple(sizes))
            st.rerun()
    with st.expander(_("BatchNormalization experiment: inference against training mode")):
        xray.bn_experiment_button(dataset, config, any(layer.is_batch_norm for layer in table.layers), busy)

if error := st.session_state.pop(keys.ERROR, None):
    show_error(error)
runs.data_size_panel()
xray.bn_experiment_panel()
history = st.session_state.get(runs.RUNS, [])
if history:
    runs.last_run_panel(*history[-1])  # accuracy, curves, confusion matrix, wrong guesses, download
    labels = runs.compare_panel(history)  # every run of the session on one chart, the new one included
    xray.movement_panel(history, labels)

with st.expander(_("Classify a photo with a saved model")):
    runs.classify_panel()

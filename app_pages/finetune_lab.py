"""Fine-tune Lab: short transfer-learning runs with live curves, on built-in or uploaded data."""

import streamlit as st

from explorer.models.backbones import get_backbone, list_backbones
from explorer.errors import ExplorerInputError
from explorer.models.params import count_parameters, plan_flags
from explorer.training import STRATEGIES, STRATEGY_LABELS, TrainConfig, stage_plans
from explorer.figures.training import compare_figure, confusion_figure, curves_figure, data_size_figure
from ui import training as runs
from ui.cache import param_table
from ui.state import finetune as keys
from ui.upload import checked_bytes, file_uploader

keys.STATE.start()
limits, options = keys.STATE.bounds, keys.STATE.options
st.title("Fine-tune Lab")
with st.sidebar:
    source = st.radio("Data", options(keys.DATA), horizontal=True, key=keys.DATA,
                      format_func={"shapes": "Shapes", "digits": "Digits", "zip": "My ZIP", "photos": "Cats/dogs"}.get)
    per_class = st.slider("Images per class", *limits(keys.PER_CLASS), key=keys.PER_CLASS,
                          disabled=source in ("zip", "photos"))
    specs = {s.id: s for s in list_backbones()}
    backbone = st.selectbox("Backbone", list(specs), format_func=lambda i: specs[i].label, key=keys.BACKBONE)
    size = st.select_slider("Input size", options(keys.SIZE), key=keys.SIZE)
    strategy = st.selectbox("Strategy", STRATEGIES, format_func=STRATEGY_LABELS.get, key=keys.STRATEGY)
    two_stage, tune = strategy == "two-stage", strategy == "fine-tune"
    epochs = st.slider("Epochs (stage 1)" if two_stage else "Epochs", *limits(keys.EPOCHS), key=keys.EPOCHS)
    stage2 = st.slider("Stage-2 epochs", *limits(keys.STAGE2), key=keys.STAGE2) if two_stage else 0
    layers_n = st.number_input("N (last layers to train)", *limits(keys.N), key=keys.N) if tune else 20
    lr = st.select_slider("Learning rate", options(keys.LR[strategy]), key=keys.LR[strategy])
    lr2 = st.select_slider("Stage-2 learning rate", options(keys.LR2), key=keys.LR2) if two_stage else 1e-5
    batch = st.select_slider("Batch size", options(keys.BATCH), key=keys.BATCH)
    head_kind = st.radio("Head", options(keys.HEAD), horizontal=True, key=keys.HEAD,
                         format_func={"gap": "GAP", "flatten": "Flatten"}.get)
    hidden = st.number_input("Hidden Dense units (0 = none)", *limits(keys.HIDDEN), step=32, key=keys.HIDDEN)
    with st.expander("Callbacks"):
        patience = st.number_input("ReduceLROnPlateau patience", *limits(keys.PATIENCE), key=keys.PATIENCE)
        factor = st.select_slider("Factor", options(keys.FACTOR), key=keys.FACTOR)
        min_lr = st.select_slider("min_lr", options(keys.MIN_LR), key=keys.MIN_LR)
        early = st.checkbox("EarlyStopping", key=keys.EARLY)
        early_patience = st.number_input("EarlyStopping patience", *limits(keys.EARLY_PATIENCE),
                                         key=keys.EARLY_PATIENCE)

try:
    size = max(size, get_backbone(backbone).min_size)
    if source == "zip":
        upload = file_uploader("A ZIP with one folder per class", keys.ZIP, ["zip"])
        dataset = runs.zip_data(checked_bytes(upload), size) if upload else None
    elif source == "photos":  # needs a network once; offline it says so at once
        fetch = st.button("Download the cats-vs-dogs photos (about 65 MB, once)", key=keys.FETCH)
        dataset = runs.photo_set(size) if fetch or st.session_state.get(keys.PHOTOS_FETCHED) else None
        st.session_state[keys.PHOTOS_FETCHED] = dataset is not None
    else:
        dataset = runs.builtin_data(source, size, per_class, 0)
    config = TrainConfig(backbone, size, strategy, head_kind, int(hidden), 0.0, epochs, stage2, int(layers_n), lr, lr2,
                         batch, int(patience), factor, min_lr, int(early_patience) if early else None)
except ExplorerInputError as exc:
    st.error(str(exc))
    st.stop()

if dataset is None:
    st.info("Upload a ZIP of class sub-folders (cats/…, dogs/…), download the photo set, or choose the built-in data.")
    st.stop()
count_row = st.columns(3)
data_tab, model_tab = st.columns([3, 2])
with data_tab:
    st.markdown(f"**{dataset.name}**: {len(dataset.labels)} images, {len(dataset.class_names)} classes · "
                + ", ".join(f"{c}: {n}" for c, n in dataset.class_counts.items()))
    grid = [img for c in range(len(dataset.class_names)) for img in dataset.images[dataset.labels == c][:6]]
    st.image(grid[:36], width=56)
    if dataset.skipped:
        with st.expander(f"{len(dataset.skipped)} files skipped"):
            st.write("\n".join(f"- {s}" for s in dataset.skipped))
with model_tab:
    table = param_table(backbone, size)
    counts = count_parameters(table, plan_flags(table, stage_plans(config)[-1]), config.head(len(dataset.class_names)))
    # Full-width row: the counts must not be cut off in the narrow column.
    for col, label, value in zip(count_row, ["Total", "Trainable", "Non-trainable"],
                                 [counts.total, counts.trainable, counts.non_trainable]):
        col.metric(label, f"{value:,}", border=True)
    st.caption(f"{get_backbone(backbone).weights_note} Counts for the last stage of the run.")
    busy = runs.active_run() is not None
    if st.button("Train", type="primary", icon=":material/play_arrow:", key=keys.TRAIN, disabled=busy, width="stretch"):
        runs.start_run(dataset, config)
        st.rerun()
    with st.expander("How much data? The same run at several sizes"):
        sizes = st.multiselect("Training images per class", options(keys.SIZES), key=keys.SIZES)
        if st.button("Run at each size", key=keys.SIZES_RUN, disabled=busy or not sizes, width="stretch"):
            runs.start_run(dataset, config, sizes=tuple(sizes))
            st.rerun()

runs.live_panel()
if error := st.session_state.pop(keys.ERROR, None):
    st.error(error)
if experiment := st.session_state.get(runs.DATA_SIZE):
    st.subheader(f"How much data: {experiment[0]}")
    st.plotly_chart(data_size_figure(experiment[1], experiment[0]), width="stretch", theme=None,
                    key="finetune.data_size_chart")
history = st.session_state.get(runs.RUNS, [])
if history:
    result, split = history[-1]
    st.subheader(f"Last run: {result.config.label}")
    st.markdown(f"### `{result.accuracy_line}`  \nbest checkpoint of {result.epochs_run} epochs, "
                f"{result.seconds:.1f} s{' · stopped' if result.stopped else ''}")
    st.plotly_chart(curves_figure(result.history, result.events), width="stretch", theme=None, key="finetune.curves")
    conf, wrong = st.columns([2, 3])
    conf.plotly_chart(confusion_figure(result.confusion, result.class_names), theme=None, key="finetune.confusion")
    with wrong:
        st.markdown(f"**Misclassified** ({len(result.misclassified)})")
        pics = runs.misclassified_images(split.val_images, result)
        if pics:
            st.image([p for p, _ in pics], caption=[c for _, c in pics], width=96)
        with open(result.checkpoint, "rb") as f:
            st.download_button("Download the best model (.keras)", f.read(), "best.keras", key=keys.DOWNLOAD)
    labels = [f"{i + 1}. {r.config.label}" for i, (r, _) in enumerate(history)]
    st.subheader("Compare runs")
    chosen = st.multiselect("Runs", labels, default=labels[-3:], key=f"{keys.COMPARE}.{len(labels)}")  # a new run joins
    metric = st.radio("Metric", options(keys.METRIC), horizontal=True, key=keys.METRIC)
    picked = [(lab, r.history) for lab, (r, _) in zip(labels, history) if lab in chosen]
    st.plotly_chart(compare_figure(picked, metric), width="stretch", theme=None, key="finetune.compare_chart")

with st.expander("Classify a photo with a saved model"):
    runs.classify_panel()

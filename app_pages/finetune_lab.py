"""Fine-tune Lab: short transfer-learning runs with live curves, on built-in or uploaded data."""

import streamlit as st

from explorer.models.backbones import get_backbone, list_backbones
from explorer.errors import ExplorerInputError
from explorer.models.heads import MAX_HIDDEN_UNITS
from explorer.models.params import count_parameters, plan_flags
from explorer.training import STRATEGIES, STRATEGY_LABELS, TrainConfig, classify, load_classifier, stage_plans
from explorer.figures.training import compare_figure, confusion_figure, curves_figure, data_size_figure
from ui import training as runs
from ui.cache import param_table

st.title("Fine-tune Lab")
K = "finetune."
with st.sidebar:
    source = st.radio("Data", ["shapes", "digits", "zip", "photos"], horizontal=True, key=K + "data",
                      format_func={"shapes": "Shapes", "digits": "Digits", "zip": "My ZIP", "photos": "Cats/dogs"}.get)
    per_class = st.slider("Images per class", 4, 200, 40, key=K + "per_class", disabled=source in ("zip", "photos"))
    specs = {s.id: s for s in list_backbones()}
    backbone = st.selectbox("Backbone", list(specs), index=list(specs).index("efficientnet_lite0"),
                            format_func=lambda i: specs[i].label, key=K + "backbone")
    size = st.select_slider("Input size", [32, 48, 64, 96, 128, 160, 224], 48, key=K + "size")
    strategy = st.selectbox("Strategy", STRATEGIES, format_func=STRATEGY_LABELS.get, key=K + "strategy")
    epochs = st.slider("Epochs" + (" (stage 1)" if strategy == "two-stage" else ""), 1, 50, 6, key=K + "epochs")
    stage2 = st.slider("Stage-2 epochs", 0, 30, 3, key=K + "stage2") if strategy == "two-stage" else 0
    layers_n = st.number_input("N (last layers to train)", 0, 500, 20, key=K + "n") if strategy == "fine-tune" else 20
    lr = st.select_slider("Learning rate", [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
                          1e-4 if strategy == "two-stage" else 1e-3, key=K + "lr_" + strategy)
    lr2 = st.select_slider("Stage-2 learning rate", [1e-6, 3e-6, 1e-5, 3e-5, 1e-4], 1e-5,
                           key=K + "lr2") if strategy == "two-stage" else 1e-5
    batch = st.select_slider("Batch size", [8, 16, 32, 64, 128], 32, key=K + "batch")
    head_kind = st.radio("Head", ["gap", "flatten"], horizontal=True, key=K + "head",
                         format_func={"gap": "GAP", "flatten": "Flatten"}.get)
    hidden = st.number_input("Hidden Dense units (0 = none)", 0, MAX_HIDDEN_UNITS, 0, step=32, key=K + "hidden")
    with st.expander("Callbacks"):
        patience = st.number_input("ReduceLROnPlateau patience", 0, 20, 2, key=K + "patience")
        factor = st.select_slider("Factor", [0.1, 0.2, 0.5, 0.8], 0.5, key=K + "factor")
        min_lr = st.select_slider("min_lr", [1e-7, 1e-6, 1e-5], 1e-6, key=K + "min_lr")
        early = st.checkbox("EarlyStopping", key=K + "early")
        early_patience = st.number_input("EarlyStopping patience", 0, 20, 3, key=K + "early_patience")

try:
    size = max(size, get_backbone(backbone).min_size)
    if source == "zip":
        upload = st.file_uploader("A ZIP with one folder per class", type=["zip"], key=K + "zip")
        dataset = runs.zip_data(upload.getvalue(), size) if upload else None
    elif source == "photos":  # needs a network once; offline it says so at once
        fetch = st.button("Download the cats-vs-dogs photos (about 65 MB, once)", key=K + "fetch")
        dataset = runs.photo_set(size) if fetch or st.session_state.get(K + "photos") else None
        st.session_state[K + "photos"] = dataset is not None
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
    if st.button("Train", type="primary", icon=":material/play_arrow:", key=K + "train", disabled=busy, width="stretch"):
        runs.start_run(dataset, config)
        st.rerun()
    with st.expander("How much data? The same run at several sizes"):
        sizes = st.multiselect("Training images per class", [2, 4, 8, 16, 32, 64, 128], [4, 8, 16, 32], key=K + "sizes")
        if st.button("Run at each size", key=K + "sizes_run", disabled=busy or not sizes, width="stretch"):
            runs.start_run(dataset, config, sizes=tuple(sizes))
            st.rerun()

runs.live_panel()
if error := st.session_state.pop(K + "error", None):
    st.error(error)
if experiment := st.session_state.get(runs.DATA_SIZE):
    st.subheader(f"How much data: {experiment[0]}")
    st.plotly_chart(data_size_figure(experiment[1], experiment[0]), width="stretch", theme=None, key=K + "data_size")
history = st.session_state.get(runs.RUNS, [])
if history:
    result, split = history[-1]
    st.subheader(f"Last run: {result.config.label}")
    st.markdown(f"### `{result.accuracy_line}`  \nbest checkpoint of {result.epochs_run} epochs, "
                f"{result.seconds:.1f} s{' · stopped' if result.stopped else ''}")
    st.plotly_chart(curves_figure(result.history, result.events), width="stretch", theme=None, key=K + "curves")
    conf, wrong = st.columns([2, 3])
    conf.plotly_chart(confusion_figure(result.confusion, result.class_names), theme=None, key=K + "confusion")
    with wrong:
        st.markdown(f"**Misclassified** ({len(result.misclassified)})")
        pics = runs.misclassified_images(split.val_images, result)
        if pics:
            st.image([p for p, _ in pics], caption=[c for _, c in pics], width=96)
        with open(result.checkpoint, "rb") as f:
            st.download_button("Download the best model (.keras)", f.read(), "best.keras", key=K + "download")
    labels = [f"{i + 1}. {r.config.label}" for i, (r, _) in enumerate(history)]
    st.subheader("Compare runs")
    chosen = st.multiselect("Runs", labels, default=labels[-3:], key=f"{K}compare.{len(labels)}")  # a new run joins
    metric = st.radio("Metric", ["val_accuracy", "val_loss", "accuracy", "loss"], horizontal=True, key=K + "metric")
    picked = [(lab, r.history) for lab, (r, _) in zip(labels, history) if lab in chosen]
    st.plotly_chart(compare_figure(picked, metric), width="stretch", theme=None, key=K + "compare_chart")

with st.expander("Classify a photo with a saved model"):
    model_file = st.file_uploader("A .keras model saved by this page", type=["keras"], key=K + "model_file")
    photo = st.file_uploader("A photo", type=["png", "jpg", "jpeg", "webp", "bmp", "gif"], key=K + "photo")
    if model_file and photo:
        try:
            from explorer.io.images import load_image

            ranked = classify(load_classifier(model_file.getvalue()), load_image(photo).pixels)
            st.markdown("\n".join(f"- **{name}**: {p:.1%}" for name, p in ranked[:5]))
        except ExplorerInputError as exc:
            st.error(str(exc))

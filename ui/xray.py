"""Freeze X-ray in the Fine-tune Lab: which weights moved (live, and two runs side by side), and the
BatchNormalization experiment (stage 2 with the backbone in inference mode against training mode).

The experiment is two runs queued on ui.training's worker (a comparison on one split): it gets the
live panel's progress and Stop, the Train button waits for it, and both runs join the session's runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from explorer.figures.movement import bn_experiment_figure, movement_figure
from explorer.io.datasets import ImageDataset
from explorer.training import Progress, RunResult, TrainConfig
from explorer.training.movement import LAST_STEP_NAME
from ui import training as runs
from ui.i18n import _

XRAY_RUNS = "finetune.xray_runs"
"""Prefix of the runs-side-by-side multiselect's key: f"{XRAY_RUNS}.{number of runs}" (new runs join)."""
XRAY_CHART = "finetune.xray_chart"
LIVE_CHART = "finetune.xray_live"
BN_RUN = "finetune.bn_run"
BN_CHART = "finetune.bn_chart"
BN_HANDLE = "finetune.bn_handle"
BN_PAIR = "finetune.bn_pair"


def caption() -> str:
    """What to notice in the heatmap."""
    return _(
        "Each row is a layer (a block of layers for deep networks, the head on top), each column an epoch; the colour "
        "is how far the layer's weights have moved from where the run started, ||W - W₀|| / ||W₀||, on a log scale. "
        "Blue means exactly zero: frozen weights never move. Notice: with feature extraction only the head moves; in "
        "two-stage the backbone starts to move after the dotted line, far less than the head (a lower learning rate); "
        "from scratch every layer moves a lot.")


def live_heatmap(progress: Progress | None) -> None:
    """The running run's heatmap, redrawn by the live panel after every epoch."""
    if progress is not None and progress.movement is not None and progress.movement.epochs:
        st.plotly_chart(movement_figure([(_("this run, live"), progress.movement)]), width="stretch", theme=None,
                        key=LIVE_CHART)


def movement_panel(history: Sequence[tuple[RunResult, object]], labels: Sequence[str]) -> None:
    """Two runs' heatmaps side by side on one colour scale (the last two by default)."""
    st.subheader(_("Freeze X-ray: which weights moved"))
    chosen = st.multiselect(_("Runs side by side"), list(labels), default=list(labels[-2:]), max_selections=2,
                            key=f"{XRAY_RUNS}.{len(labels)}")
    picked = [(label, r.movement) for label, (r, _pics) in zip(labels, history)
              if label in chosen and r.movement is not None]
    if not picked:
        return
    st.plotly_chart(movement_figure(picked), width="stretch", theme=None, key=XRAY_CHART)
    st.caption(caption())
    with st.expander(_("The numbers per layer, last epoch")):
        for label, movement in picked:
            last = dict(zip(movement.layers, zip(movement.change[-1], movement.last_step[-1]))) if movement.epochs else {}
            st.markdown(f"**{label}**")
            st.dataframe({_("layer"): list(last), _("moved since the start"): [v[0] for v in last.values()],
                          LAST_STEP_NAME: [v[1] for v in last.values()]}, hide_index=True)


def bn_experiment_button(dataset: ImageDataset, config: TrainConfig, has_batch_norm: bool, busy: bool) -> None:
    """One click: the page's run as two-stage, twice, BatchNormalization in inference then in training mode."""
    st.markdown(_("Stage 2 of a two-stage run with the backbone in **inference mode** (training=False, the Keras "
                  "guide's advice and this app's default) against **training mode** with BatchNormalization "
                  "trainable: the same data, the same seed."))
    if not has_batch_norm:
        st.caption(_("This backbone has no BatchNormalization layers: choose EfficientNet-Lite0, MobileNetV2 or "
                     "ResNet50."))
    if st.button(_("Run the BatchNormalization experiment"), key=BN_RUN, disabled=busy or not has_batch_norm,
                 width="stretch"):
        experiment = replace(config, strategy="two-stage", stage2_epochs=max(config.stage2_epochs, 2))
        pair = (replace(experiment, bn_training=False), replace(experiment, bn_training=True))
        runs.start_run(dataset, pair[0], compare=pair)  # one after the other, on the same split
        st.session_state[BN_HANDLE] = runs.active_run()
        st.rerun()


def bn_experiment_panel() -> None:
    """The experiment's result: validation accuracy and BatchNormalization drift, both runs side by side."""
    handle: runs.RunHandle | None = st.session_state.get(BN_HANDLE)
    if handle is not None and not handle.running and runs.active_run() is not handle:
        del st.session_state[BN_HANDLE]  # the live panel has filed both runs with the others
        if len(handle.finished) == 2:  # not stopped half-way
            st.session_state[BN_PAIR] = tuple(handle.finished)
    pair = st.session_state.get(BN_PAIR)
    if not pair:
        return
    inference, training = pair
    st.subheader(_("BatchNormalization experiment: {label}").format(label=inference.config.describe(_)))
    named = [(_("inference mode (training=False)"), inference), (_("training mode, BatchNormalization trainable"),
                                                                training)]
    st.plotly_chart(bn_experiment_figure([(name, r.history, r.movement) for name, r in named]), width="stretch",
                    theme=None, key=BN_CHART)
    drift = [r.movement.bn_total_drift()[-1] if r.movement.epochs else 0.0 for _name, r in named]
    st.caption(_("Validation accuracy of the best checkpoint: {a} in inference mode, {b} in training mode. The "
                 "moving statistics moved {da} and {db}. In training mode BatchNormalization normalises each batch "
                 "with its own statistics and overwrites the ImageNet ones with estimates from a few small batches "
                 "of new data: the features the head learned in stage 1 shift under it. That is why the notes keep "
                 "BatchNormalization frozen.").format(a=f"{inference.val_accuracy:.0%}", b=f"{training.val_accuracy:.0%}",
                                                       da=f"{drift[0]:.2%}", db=f"{drift[1]:.2%}"))

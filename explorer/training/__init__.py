"""Short transfer-learning runs: four strategies, the notes' callbacks, progress and a clean stop.

One module per idea:
    config     TrainConfig (validated), the strategies and each stage's trainable plan
    results    what a run reports while running (Progress, RunEvent) and leaves (RunResult)
    model      the model a run trains (image -> Keras preprocessing -> backbone -> head), compile
    callbacks  best checkpoint, per-epoch recorder with progress and stop, the notes' set
    run        run_training: the stages, stored features, evaluation of the best checkpoint
    data_size  the "how much data" experiment's plan: sizes run, sizes skipped and why, validation checks
    timing     the time left, from measured epoch times (the stored-feature pass apart)
    names      the class names kept in a trained model's name (plain Keras keeps it)
    saved      loading a saved .keras (new or older) and classifying a photo with it
    legacy     the custom input layer of older checkpoints, registered so they still load
    movement   Freeze X-ray: each layer's weight change and BatchNormalization's drift, per epoch
    headfit    the head's epochs on stored features, whole epochs in one compiled call
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Each public name and the module that defines it. They load on first use (PEP 562), so that the
# web process can read a config or a result without importing TensorFlow (explorer.engine runs the
# training itself in worker processes).
_HOME = {
    "config": ("MAX_EPOCHS", "STRATEGIES", "STRATEGY_LABELS", "STRATEGY_NOTES", "Strategy", "TrainConfig",
               "stage_plans"),
    "data_size": ("MIN_VAL_IMAGES", "SizePlan", "plan_data_sizes"),
    "legacy": ("ExplorerInput",),
    "model": ("as_labels", "build_model"),
    "names": ("class_names_from_name", "model_name"),
    "results": ("Misclassified", "Progress", "ProgressCallback", "RunEvent", "RunResult", "format_accuracy"),
    "run": ("run_training",),
    "timing": ("TimeLeft", "format_time_left"),
    "saved": ("Classifier", "RunFiles", "classify", "history_rows", "load_classifier", "write_run"),
}
_WHERE = {name: module for module, names in _HOME.items() for name in names}
# The names the bench and older tests use for the model builder and the label shaping.
_WHERE.update(_build="model", _labels="model")
_ALIASES = {"_build": "build_model", "_labels": "as_labels"}

if TYPE_CHECKING:
    from explorer.training.config import (MAX_EPOCHS, STRATEGIES, STRATEGY_LABELS, STRATEGY_NOTES, Strategy,
                                          TrainConfig, stage_plans)
    from explorer.training.data_size import MIN_VAL_IMAGES, SizePlan, plan_data_sizes
    from explorer.training.legacy import ExplorerInput
    from explorer.training.names import class_names_from_name, model_name
    from explorer.training.results import (Misclassified, Progress, ProgressCallback, RunEvent, RunResult,
                                           format_accuracy)
    from explorer.training.run import run_training
    from explorer.training.saved import Classifier, RunFiles, classify, history_rows, load_classifier, write_run
    from explorer.training.timing import TimeLeft, format_time_left


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "MAX_EPOCHS",
    "MIN_VAL_IMAGES",
    "STRATEGIES",
    "STRATEGY_LABELS",
    "STRATEGY_NOTES",
    "Classifier",
    "ExplorerInput",
    "Misclassified",
    "Progress",
    "ProgressCallback",
    "RunEvent",
    "RunFiles",
    "RunResult",
    "SizePlan",
    "Strategy",
    "TimeLeft",
    "TrainConfig",
    "class_names_from_name",
    "classify",
    "format_accuracy",
    "format_time_left",
    "history_rows",
    "load_classifier",
    "model_name",
    "plan_data_sizes",
    "run_training",
    "stage_plans",
    "write_run",
]

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

from explorer.training.config import MAX_EPOCHS, STRATEGIES, STRATEGY_LABELS, Strategy, TrainConfig, stage_plans
from explorer.training.data_size import MIN_VAL_IMAGES, SizePlan, plan_data_sizes
from explorer.training.legacy import ExplorerInput
from explorer.training.model import as_labels, build_model
from explorer.training.names import class_names_from_name, model_name
from explorer.training.results import Misclassified, Progress, ProgressCallback, RunEvent, RunResult, format_accuracy
from explorer.training.run import run_training
from explorer.training.timing import TimeLeft, format_time_left
from explorer.training.saved import Classifier, RunFiles, classify, history_rows, load_classifier, write_run

# The names the bench and older tests use for the model builder and the label shaping.
_build = build_model
_labels = as_labels

__all__ = [
    "MAX_EPOCHS",
    "MIN_VAL_IMAGES",
    "STRATEGIES",
    "STRATEGY_LABELS",
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

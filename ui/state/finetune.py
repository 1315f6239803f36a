"""The Fine-tune Lab's state: data, backbone, strategy and training settings (not its runs)."""

from __future__ import annotations

from typing import Any

from explorer.models.backbones import list_backbones
from explorer.models.heads import MAX_HIDDEN_UNITS, HeadConfig
from explorer.models.params import TrainablePlan
from explorer.training import STRATEGIES
from ui.state import PageState, choice, flag, subset, whole

DATA = "finetune.data"
PER_CLASS = "finetune.per_class"
BACKBONE = "finetune.backbone"
SIZE = "finetune.size"
STRATEGY = "finetune.strategy"
EPOCHS = "finetune.epochs"
STAGE2 = "finetune.stage2"
N = "finetune.n"
LR = {strategy: f"finetune.lr_{strategy}" for strategy in STRATEGIES}
"""One learning rate per strategy: each keeps its own (two-stage starts lower)."""
LR2 = "finetune.lr2"
BATCH = "finetune.batch"
HEAD = "finetune.head"
HIDDEN = "finetune.hidden"
PATIENCE = "finetune.patience"
FACTOR = "finetune.factor"
MIN_LR = "finetune.min_lr"
EARLY = "finetune.early"
EARLY_PATIENCE = "finetune.early_patience"
SIZES = "finetune.sizes"
METRIC = "finetune.metric"

# Buttons, uploads, charts and session values that are not settings (never in a link).
ZIP = "finetune.zip"
FETCH = "finetune.fetch"
PHOTOS_FETCHED = "finetune.photos"
TRAIN = "finetune.train"
SIZES_RUN = "finetune.sizes_run"
DOWNLOAD = "finetune.download"
MODEL_FILE = "finetune.model_file"
PHOTO = "finetune.photo"
COMPARE = "finetune.compare"
"""Prefix of the runs multiselect's key: f"{COMPARE}.{number of runs}" (a new run joins the chosen ones)."""
ERROR = "finetune.error"

DATA_SOURCES = ("shapes", "digits", "zip", "photos")
INPUT_SIZES = (32, 48, 64, 96, 128, 160, 224)
RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")

STATE = PageState("finetune", "app_pages/finetune_lab.py", (
    choice("data", DATA, DATA_SOURCES, "shapes"),
    whole("per_class", PER_CLASS, 4, 200, 40),
    choice("backbone", BACKBONE, lambda v: [s.id for s in list_backbones()], "efficientnet_lite0"),
    choice("size", SIZE, INPUT_SIZES, 48),
    choice("strategy", STRATEGY, STRATEGIES, "feature-extraction"),
    whole("epochs", EPOCHS, 1, 50, 6),
    whole("stage2", STAGE2, 0, 30, 3),
    whole("n", N, 0, 500, 20),
    *(choice(f"lr_{strategy}", LR[strategy], RATES, 1e-4 if strategy == "two-stage" else 1e-3)
      for strategy in STRATEGIES),
    choice("lr2", LR2, (1e-6, 3e-6, 1e-5, 3e-5, 1e-4), 1e-5),
    choice("batch", BATCH, (8, 16, 32, 64, 128), 32),
    choice("head", HEAD, ("gap", "flatten"), "gap"),
    whole("hidden", HIDDEN, 0, MAX_HIDDEN_UNITS, 0),
    whole("patience", PATIENCE, 0, 20, 2),
    choice("factor", FACTOR, (0.1, 0.2, 0.5, 0.8), 0.5),
    choice("min_lr", MIN_LR, (1e-7, 1e-6, 1e-5), 1e-6),
    flag("early", EARLY, False),
    whole("early_patience", EARLY_PATIENCE, 0, 20, 3),
    subset("sizes", SIZES, (2, 4, 8, 16, 32, 64, 128), (4, 8, 16, 32)),
    choice("metric", METRIC, METRICS, "val_accuracy"),
))


def plan_values(backbone: str, head: HeadConfig, plan: TrainablePlan) -> dict[str, Any]:
    """A plan as a Fine-tune Lab configuration, for STATE.open.

    A frozen backbone becomes feature extraction (the head trains on stored features);
    "train the last N layers" becomes fine-tuning with that N. The input size stays the
    lab's own (small, so that a run on a CPU takes seconds).
    """
    tune = plan.kind == "last" and plan.n > 0
    return {"backbone": backbone, "strategy": "fine-tune" if tune else "feature-extraction",
            "head": head.kind, "hidden": head.hidden, **({"n": plan.n} if plan.kind == "last" else {})}

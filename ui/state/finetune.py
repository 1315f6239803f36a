"""The Fine-tune Lab's state: data, backbone, strategy and training settings (not its runs)."""

from __future__ import annotations

from typing import Any

from explorer import links
from explorer.models.heads import HeadConfig
from explorer.models.params import TrainablePlan
from explorer.training import STRATEGIES
from ui.state import PageState

DATA = "finetune.data"
PER_CLASS = "finetune.per_class"
BACKBONE = "finetune.backbone"
SIZE = "finetune.size"
STRATEGY = "finetune.strategy"
EPOCHS = "finetune.epochs"
STAGE2 = "finetune.stage2"
N = "finetune.n"
LR = {strategy: f"finetune.lr_{strategy}" for strategy in STRATEGIES}
"""One learning rate per strategy: each keeps its own (for two-stage, the rate of stage 1)."""
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
COMPARE_RUN = "finetune.compare_run"
SIZES_RUN = "finetune.sizes_run"
DOWNLOAD = "finetune.download"
MODEL_FILE = "finetune.model_file"
PHOTO = "finetune.photo"
COMPARE = "finetune.compare"
"""Prefix of the runs multiselect's key: f"{COMPARE}.{number of runs}" (a new run joins the chosen ones)."""
ERROR = "finetune.error"

DATA_SOURCES = links.FINETUNE_DATA
INPUT_SIZES = links.FINETUNE_SIZES
RATES = links.FINETUNE_RATES
METRICS = links.FINETUNE_METRICS

# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.FINETUNE, "app_pages/finetune_lab.py")


def plan_values(backbone: str, head: HeadConfig, plan: TrainablePlan) -> dict[str, Any]:
    """A plan as a Fine-tune Lab configuration, for STATE.open.

    A frozen backbone becomes feature extraction (the head trains on stored features);
    "train the last N layers" becomes fine-tuning with that N. The input size stays the
    lab's own (small, so that a run on a CPU takes seconds).
    """
    tune = plan.kind == "last" and plan.n > 0
    return {"backbone": backbone, "strategy": "fine-tune" if tune else "feature-extraction",
            "head": head.kind, "hidden": head.hidden, **({"n": plan.n} if plan.kind == "last" else {})}

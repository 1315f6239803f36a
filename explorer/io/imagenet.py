"""ImageNet-1k class names (shipped in assets/) and top-k decoding of classifier output."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.io.assets import ASSETS_DIR
from explorer.errors import ExplorerInputError

__all__ = ["NUM_IMAGENET_CLASSES", "Prediction", "decode_predictions", "imagenet_class_names"]

NUM_IMAGENET_CLASSES = 1000
_CLASS_NAMES_PATH = ASSETS_DIR / "imagenet_classes.json"


@dataclass(frozen=True)
class Prediction:
    """One ranked class of a classifier's output."""

    index: int
    label: str
    probability: float


@functools.lru_cache(maxsize=1)
def imagenet_class_names() -> tuple[str, ...]:
    """Return the 1000 ImageNet-1k class names in class-index order.

    Names are WordNet lemmas such as "tabby, tabby cat"; the two classes WordNet
    calls "crane" read "crane (bird)" (134) and "crane (machine)" (517).

    Returns:
        A tuple of 1000 unique, human-readable names; index i names class i.

    Raises:
        FileNotFoundError: If assets/imagenet_classes.json is missing.
    """
    names = json.loads(_CLASS_NAMES_PATH.read_text(encoding="utf-8"))
    if len(names) != NUM_IMAGENET_CLASSES or not all(isinstance(n, str) for n in names):
        raise ValueError(  # a broken asset is a packaging bug, not a user error
            f"{_CLASS_NAMES_PATH} must list {NUM_IMAGENET_CLASSES} names. Received: {len(names)}"
        )
    return tuple(names)


def decode_predictions(probs: Any, top: int = 5) -> list[Prediction]:
    """Rank the ImageNet classes of one image by probability.

    Args:
        probs: The 1000 class probabilities of one image, shape (1000,) or (1, 1000)
            (a classifier's softmax output).
        top: How many classes to return, 1 to 1000.

    Returns:
        The ``top`` most probable classes, most probable first; ties keep the lower
        class index first.

    Raises:
        ExplorerInputError: If probs does not hold exactly 1000 values for one
            image, or top is out of range.
    """
    values = np.asarray(probs, dtype=np.float64)
    if values.ndim == 2 and values.shape[0] == 1:
        values = values[0]
    if values.shape != (NUM_IMAGENET_CLASSES,):
        raise ExplorerInputError(
            f"decode_predictions takes the {NUM_IMAGENET_CLASSES} ImageNet probabilities of "
            f"one image. Received: probs.shape={np.shape(probs)}"
        )
    if (
        isinstance(top, bool)
        or not isinstance(top, (int, np.integer))
        or not (1 <= top <= NUM_IMAGENET_CLASSES)
    ):
        raise ExplorerInputError(
            f"top must be an integer from 1 to {NUM_IMAGENET_CLASSES}. Received: top={top!r}"
        )
    names = imagenet_class_names()
    order = np.argsort(-values, kind="stable")[: int(top)]
    return [Prediction(int(i), names[i], float(values[i])) for i in order]

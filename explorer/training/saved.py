"""Saved models: load a .keras file the Fine-tune Lab wrote and classify a photo with it.

New files hold only Keras' own layers and keep their class names in the model's name
(explorer.training.names); files from older versions hold the ExplorerInput layer, which
is still registered so that they load.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from explorer.errors import ExplorerInputError
from explorer.io.text import plain, scrub_paths
from explorer.io.zips import KERAS_FILE_LIMITS, check_keras_file
from explorer.training.legacy import ExplorerInput
from explorer.training.names import class_names_from_name
from explorer.training.results import RunResult


__all__ = ["HISTORY_COLUMNS", "KERAS_FILE_LIMITS", "Classifier", "RunFiles", "classify", "history_rows", "load_classifier", "write_run"]


@dataclass(frozen=True, eq=False)
class Classifier:
    """A saved model with what it needs to classify a photo."""

    model: keras.Model
    class_names: tuple[str, ...]
    image_size: int


def load_classifier(source: bytes | str | Path) -> Classifier:
    """Load a .keras model saved by this app, new or older (safe_mode on: no arbitrary code runs).

    Args:
        source: the file's bytes or its path.

    Returns:
        The model, its class names (from its name, or an older file's ExplorerInput layer) and input size.

    Raises:
        ExplorerInputError: not a .keras file, or not one this app saved.
    """
    if isinstance(source, bytes):
        check_keras_file(source)  # before Keras reads a byte of it
    try:
        if isinstance(source, bytes):
            with tempfile.TemporaryDirectory(prefix="explorer-load-") as folder:
                path = Path(folder) / "model.keras"
                path.write_bytes(source)
                model = keras.saving.load_model(path, safe_mode=True)
        else:
            model = keras.saving.load_model(source, safe_mode=True)
    except Exception as exc:  # Keras raises many types on a bad file
        raise ExplorerInputError(
            f"This is not a Keras model file the app can load safely. Received: {_detail(exc)!r}"
        ) from None
    names = class_names_from_name(model.name)
    if names is None:  # a file from an older version: the names are in its input layer
        layer = next((l for l in model.layers if isinstance(l, ExplorerInput)), None)
        names = tuple(layer.class_names) if layer is not None else None
    if names is None:
        raise ExplorerInputError(
            f"Only models saved by the Fine-tune Lab can be loaded here. Received: a model named {plain(model.name)!r} "
            "without class names"
        )
    size = _image_input_size(model)
    outputs = model.outputs if isinstance(model.outputs, list) else [model.outputs]
    out_shape = tuple(outputs[0].shape) if len(outputs) == 1 else ()
    n_out = out_shape[-1] if len(out_shape) == 2 else None
    if n_out is None or n_out != (1 if len(names) == 2 else len(names)):
        raise ExplorerInputError(
            "The model must have one output with one value per class (one for two classes) to match its "
            f"class names. Received: outputs {[tuple(o.shape) for o in outputs]} for {len(names)} classes"
        )
    return Classifier(model, names, size)


def _detail(exc: BaseException) -> str:
    """The first line of an error from Keras, short and without the server's paths (Keras names
    its temporary file: "File not found: filepath=/tmp/...")."""
    return scrub_paths(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:160]


def _image_input_size(model: keras.Model) -> int:
    """The side of the square RGB image the model takes; refused when its input is anything else."""
    inputs = model.inputs if isinstance(model.inputs, list) else [model.inputs]
    shape = tuple(inputs[0].shape) if len(inputs) == 1 else ()
    if not (len(shape) == 4 and shape[3] == 3 and isinstance(shape[1], int) and shape[1] == shape[2]
            and 8 <= shape[1] <= 1024):
        raise ExplorerInputError(
            "The model must take one square RGB image of a known size from 8 to 1,024 pixels, "
            f"shaped (batch, size, size, 3). Received: inputs {[tuple(i.shape) for i in inputs]}"
        )
    return int(shape[1])


def classify(classifier: Classifier, pixels: np.ndarray) -> list[tuple[str, float]]:
    """Class probabilities of one photo ((H, W, 3) uint8), most likely first."""
    from explorer.io.images import square_crop

    x = square_crop(pixels, classifier.image_size)[None].astype(np.float32)
    try:
        # One photo: called eagerly (0.1 s); tracing the model for it would cost 0.6-0.8 s (explorer.training.model.infer).
        probs = np.asarray(keras.ops.convert_to_numpy(classifier.model(x, training=False)), dtype=np.float64).reshape(-1)
    except Exception as exc:  # a crafted model can fail in its own layers
        raise ExplorerInputError(f"The model could not classify the photo. Received: {_detail(exc)!r}") from None
    if len(classifier.class_names) == 2:
        probs = np.array([1 - probs[0], probs[0]])
    order = np.argsort(probs)[::-1]
    return [(classifier.class_names[i], float(probs[i])) for i in order]


@dataclass(frozen=True)
class RunFiles:
    """The four files a run leaves in a folder (``finetune --out DIR``)."""

    model: Path
    """best.keras: the best checkpoint, loadable with plain keras.models.load_model."""
    history: Path
    """history.csv: one row per epoch (epoch, stage, loss, accuracy, val_loss, val_accuracy, lr)."""
    class_names: Path
    """class_names.json: the class names in label order (output index i is class i)."""
    config: Path
    """config.json: the run's TrainConfig, field by field (plus what is given as extra)."""


HISTORY_COLUMNS = ("epoch", "stage", "loss", "accuracy", "val_loss", "val_accuracy", "lr")


def history_rows(result: RunResult) -> list[dict[str, Any]]:
    """One row per epoch, counted from 1, with the stage it trained in (1, or 2 after the stage-2 event)."""
    stage2_after = next((e.epoch for e in result.events if e.kind == "stage2"), None)
    epochs = len(result.history.get("loss", ()))
    return [
        {"epoch": i + 1, "stage": 2 if stage2_after is not None and i + 1 > stage2_after else 1,
         **{k: result.history[k][i] for k in HISTORY_COLUMNS[2:]}}
        for i in range(epochs)
    ]


def write_run(result: RunResult, folder: str | Path, extra: Mapping[str, Any] | None = None) -> RunFiles:
    """Write a run's best model, history, class names and configuration into a folder.

    Args:
        result: a finished run.
        folder: an existing folder; files of the same names are replaced.
        extra: more facts for config.json (for example where the data came from).

    Returns:
        The paths written.
    """
    folder = Path(folder)
    files = RunFiles(folder / "best.keras", folder / "history.csv", folder / "class_names.json", folder / "config.json")
    shutil.copyfile(result.checkpoint, files.model)
    with files.history.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HISTORY_COLUMNS)
        writer.writeheader()
        writer.writerows(history_rows(result))
    files.class_names.write_text(json.dumps(list(result.class_names), ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    config = {**dataclasses.asdict(result.config), **(dict(extra) if extra else {})}
    files.config.write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return files

"""Freeze X-ray overhead: the same runs with and without the per-layer movement recorder.

For each run (built-in shapes, EfficientNet-Lite0 at 48 px, the page's data size): the time
with the recorder, the time with a do-nothing callback in its place, their ratio, and the time
the recorder itself measured inside its hooks (reading and comparing weights) as a share of
the run: the figure that does not depend on what else the machine is doing. Each side runs
REPEATS times, alternating; the fastest counts.

Prints figures; asserts nothing about time. Run: .venv/bin/python -m bench.bench_movement [WORDS]
(WORDS: run only the runs whose name contains them, e.g. "two-stage").
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from explorer.io.datasets import make_shapes, split_dataset
from explorer.training import TrainConfig, run
from explorer.training import run_training

REPEATS = 2
RUNS = {
    "feature extraction, 10 epochs": TrainConfig("efficientnet_lite0", 48, "feature-extraction", epochs=10),
    "fine-tune last 20, 3 epochs": TrainConfig("efficientnet_lite0", 48, "fine-tune", epochs=3, fine_tune_layers=20),
    "two-stage 6 + 3 epochs": TrainConfig("efficientnet_lite0", 48, "two-stage", epochs=6, stage2_epochs=3),
}


class _Off(keras.callbacks.Callback):
    """Stands in for the recorder: same place in the callbacks, records nothing."""

    def __init__(self, *args: object) -> None:
        super().__init__()

    def movement(self) -> None:
        return None


def _timed(split, config: TrainConfig, record: bool) -> tuple[float, float]:
    original = run.MovementRecorder
    if not record:
        run.MovementRecorder = _Off  # type: ignore[misc,assignment]
    try:
        result = run_training(split, config)
    finally:
        run.MovementRecorder = original
    return result.seconds, result.movement.seconds if result.movement is not None else 0.0


def main() -> None:
    split = split_dataset(make_shapes(40, 48, seed=0), 0.2)
    _timed(split, RUNS["feature extraction, 10 epochs"], True)  # warm up: the first build loads the weights
    print(f"{len(split.train_labels)} training images, shapes, efficientnet_lite0 48 px; best of {REPEATS}")
    print(f"{'run':<32} {'with (s)':>9} {'without (s)':>12} {'ratio':>7} {'inside recorder':>16}")
    for name, config in RUNS.items():
        if not all(word in name for word in sys.argv[1:]):
            continue
        on, off, inside = [], [], []
        for _ in range(REPEATS):
            seconds, recorded = _timed(split, config, True)
            on.append(seconds)
            inside.append(recorded / seconds)
            off.append(_timed(split, config, False)[0])
        print(f"{name:<32} {min(on):9.2f} {min(off):12.2f} {min(on) / min(off):7.3f} {min(inside):15.1%}")


if __name__ == "__main__":
    main()

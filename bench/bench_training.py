"""Fine-tune Lab speed, in one run on the same built-in data (shapes, efficientnet_lite0, 48 px):

(c) the page's default run, first (cold: it builds the backbone, as a first click does);
(a) feature extraction on stored features (run_training) against plain model.fit of the assembled
    model with the backbone frozen (trainable=False, same head, same 10 epochs): time, final
    validation accuracy, ratio;
(b) images per second of a stage-2 epoch (all but BatchNormalization trains);
(d) the one-click comparison at the page's defaults: feature extraction, from scratch, two-stage
    (the lesson of SEEDS section 4: two-stage >= feature extraction > scratch);
(e) a head epoch on 1,000 stored feature vectors (the aim: under 10 ms).

Prints figures; asserts nothing about time. Run: .venv/bin/python -m bench.bench_training
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]

import keras
import numpy as np

from explorer import engine, training
from explorer.training.callbacks import BestCheckpoint, RunState, stage_callbacks
from explorer.training.headfit import fit_head
from explorer.training.model import compile_model, kept_extractor
from explorer.training.recorder import MovementRecorder
from explorer.io.datasets import make_shapes, split_dataset
from explorer.models.params import TrainablePlan, apply_flags, plan_flags
from explorer.training import TrainConfig, run_training

# The page's defaults (explorer.links.FINETUNE): shapes, 40 images per class, 48 px, feature extraction,
# 6 epochs (+3 in stage 2 at 1e-4), batch 32, GAP head, ReduceLROnPlateau patience 2 factor 0.5 min_lr 1e-6.
PAGE_DEFAULT = TrainConfig("efficientnet_lite0", 48, "feature-extraction", "gap", 0, 0.0, 6, 3, 20, 1e-3, 1e-4,
                           32, 2, 0.5, 1e-6, None)
PER_CLASS, SIZE, EPOCHS = 40, 48, 10


class EpochTimer(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self._t = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.times.append(time.perf_counter() - self._t)


def compare(split, per_class: int) -> None:
    """(a) at one data size: run_training on stored features against plain fit with trainable=False."""
    config = TrainConfig("efficientnet_lite0", SIZE, "feature-extraction", epochs=EPOCHS, batch_size=32,
                         reduce_lr_patience=1000)  # no LR drops: both sides train at the same rate
    marks: dict[str, float] = {}

    def progress(p) -> None:
        now = time.perf_counter()
        marks.setdefault("first " + p.stage, now)
        marks["last " + p.stage] = now

    kept_extractor(config)._features.clear()  # a first run on these images (the extractor kept, as in a worker)
    start = time.perf_counter()
    fe = run_training(split, config, progress=progress)
    end = start + fe.seconds
    build_s = marks["first features"] - start
    head_s = marks["last train"] - marks["first train"]
    after_s = end - marks["last train"]
    fe_final = fe.history["val_accuracy"][-1]

    n_classes = len(split.class_names)
    t0 = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    built = training._build(config, split.class_names)
    whole, backbone = built.whole, built.backbone
    backbone.trainable = False
    head = config.head(n_classes)
    whole.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss=head.loss, metrics=["accuracy"])
    plain_build_s = time.perf_counter() - t0
    y_tr, y_va = training._labels(split.train_labels, n_classes), training._labels(split.val_labels, n_classes)
    timer = EpochTimer()
    t0 = time.perf_counter()
    plain = whole.fit(split.train_images.astype("float32"), y_tr, epochs=EPOCHS, batch_size=32, verbose=0,
                      validation_data=(split.val_images.astype("float32"), y_va), callbacks=[timer])
    plain_s = time.perf_counter() - t0
    plain_final = plain.history["val_accuracy"][-1]
    later = sorted(timer.times[1:])[len(timer.times[1:]) // 2]
    n_train = len(split.train_labels)
    print(f"(a) {EPOCHS} epochs, frozen efficientnet_lite0 + GAP head, {per_class} per class -> {n_train} train / "
          f"{len(split.val_labels)} val images:")
    print(f"    stored features (run_training): {fe.seconds:.2f} s in all = build {build_s:.2f} s + features "
          f"{fe.feature_seconds:.2f} s + {EPOCHS} head epochs {head_s:.2f} s (incl. "
          f"{sum(e.kind == 'checkpoint' for e in fe.events)} new bests kept in memory) + "
          f"save the best .keras once and evaluate {after_s:.2f} s · final val acc {fe_final:.2%} · best checkpoint {fe.accuracy_line}")
    print(f"    plain model.fit, backbone.trainable=False: {plain_build_s + plain_s:.2f} s in all = build "
          f"{plain_build_s:.2f} s + fit {plain_s:.2f} s (first epoch {timer.times[0]:.2f} s, later epochs median "
          f"{later:.2f} s) · final val acc {plain_final:.2%}")
    again = run_training(split, replace(config, learning_rate=config.learning_rate / 2))
    print(f"    again on the same images at another rate (their features kept): {again.seconds:.2f} s (stored "
          f"features {again.feature_seconds:.3f} s) · ratio to plain fit "
          f"{(plain_build_s + plain_s) / again.seconds:.1f}x")
    print(f"    ratio plain / stored features: whole run {(plain_build_s + plain_s) / fe.seconds:.1f}x · "
          f"training part (fit vs features + head epochs) {plain_s / (fe.feature_seconds + head_s):.1f}x · "
          f"per epoch (plain's later epochs vs mean head epoch) {later / (head_s / EPOCHS):.2f}x\n")


def head_epochs(n: int, epochs: int = 20) -> None:
    """(e) fit_head on n random 1,280-number vectors (EfficientNet-Lite0's pooled features), 3 classes."""
    config = TrainConfig("efficientnet_lite0", SIZE, "feature-extraction", epochs=epochs, batch_size=32)
    built = training._build(config, ("a", "b", "c"))
    run = RunState(config, None, None)
    run.movement = MovementRecorder(built.backbone, built.head)
    path = os.path.join(tempfile.gettempdir(), "bench-head.keras")  # never written: no interim save, no write()
    checkpoint = BestCheckpoint(path, built.whole, run.events, interim_s=1e9)
    compile_model(built.on_features, config.learning_rate, config.head(3))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(n, 1280)).astype("float32"), rng.integers(0, 3, n)
    timer = EpochTimer()
    fit_head(built.on_features, x, y, x[: n // 4], y[: n // 4], epochs=epochs, batch_size=32, seed=0,
             callbacks=[timer, *stage_callbacks(run, checkpoint, "train", -(-n // 32))])
    later = sorted(timer.times[1:])
    print(f"(e) head epoch on {n} stored feature vectors (+{n // 4} validation), batch 32, every run callback: first "
          f"{timer.times[0] * 1e3:.0f} ms (traces), later median {later[len(later) // 2] * 1e3:.1f} ms "
          f"(min {later[0] * 1e3:.1f}, max {later[-1] * 1e3:.1f})")


def main() -> None:
    engine.prepare_worker()  # as a worker does before its first run (TensorFlow imported, gc.freeze)
    t0 = time.perf_counter()
    split = split_dataset(make_shapes(PER_CLASS, SIZE, seed=0), 0.2, 0)
    data_s = time.perf_counter() - t0
    n_train, n_val = len(split.train_labels), len(split.val_labels)
    print(f"data: shapes, {PER_CLASS} per class, {SIZE} px -> {n_train} train / {n_val} validation "
          f"({data_s:.2f} s to generate); {os.cpu_count()} CPUs\n")

    # (c) the page's default run, cold.
    page = run_training(split, PAGE_DEFAULT)
    print(f"(c) page default run ({PAGE_DEFAULT.label}, {PAGE_DEFAULT.epochs} epochs, batch "
          f"{PAGE_DEFAULT.batch_size}), cold: {page.seconds:.2f} s "
          f"(stored features {page.feature_seconds:.2f} s) · {page.accuracy_line}\n")

    # (a) stored features vs plain fit with a frozen backbone, same head, same epochs, two data sizes.
    for per_class in (PER_CLASS, 200):
        data = split if per_class == PER_CLASS else split_dataset(make_shapes(per_class, SIZE, seed=0), 0.2, 0)
        compare(data, per_class)

    # (b) a stage-2 epoch: all but BatchNormalization trains, Adam 1e-5, on the whole model.
    config = TrainConfig("efficientnet_lite0", SIZE, "two-stage", batch_size=32)
    head = config.head(len(split.class_names))
    y_tr = training._labels(split.train_labels, len(split.class_names))
    y_va = training._labels(split.val_labels, len(split.class_names))
    keras.utils.set_random_seed(0)
    built = training._build(config, split.class_names)
    whole, backbone, table = built.whole, built.backbone, built.table
    apply_flags(backbone, plan_flags(table, TrainablePlan("all-but-bn")))
    whole.compile(optimizer=keras.optimizers.Adam(1e-5), loss=head.loss, metrics=["accuracy"])
    timer = EpochTimer()
    whole.fit(split.train_images.astype("float32"), y_tr, epochs=3, batch_size=32, verbose=0,
              validation_data=(split.val_images.astype("float32"), y_va), callbacks=[timer])
    warm = min(timer.times[1:])
    print(f"(b) stage-2 epoch (all but BatchNormalization, {n_train} train + {n_val} val images, batch 32): "
          f"first {timer.times[0]:.2f} s, warm {warm:.2f} s -> {n_train / warm:.0f} training images/s "
          f"(epoch time includes validation)")

    # (e) head epochs on 1,000 stored feature vectors, with every callback a run has.
    head_epochs(1000)

    # (d) the one-click comparison at the page's defaults, on the same split.
    for strategy in ("feature-extraction", "scratch", "two-stage"):
        r = run_training(split, replace(PAGE_DEFAULT, strategy=strategy))
        print(f"(d) {strategy:<18} {r.accuracy_line} · best val_loss {min(r.history['val_loss']):.3f} · "
              f"{r.seconds:.1f} s (stored features {r.feature_seconds:.1f} s)")


if __name__ == "__main__":
    main()

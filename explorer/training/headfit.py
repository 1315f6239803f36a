"""The head's epochs on stored features at the speed of the data: whole epochs in one compiled call.

On stored features an epoch is a few hundred short vectors through one or two Dense layers: the
arithmetic takes about a millisecond, while keras.Model.fit spends ~0.13 s per epoch around it
(its epoch iterator, the validation pass as a second fit-like loop, per-batch callbacks and logs).
fit_head trains the same compiled model on the same data with the same optimizer and loss, and
drives the same callbacks (best checkpoint, ReduceLROnPlateau, EarlyStopping, the Freeze X-ray
recorder, progress and Stop) with the logs fit would give them: loss and accuracy averaged over
the epoch's samples, val_loss and val_accuracy over the validation set. What it leaves out, on
purpose: batch-by-batch callbacks inside an epoch (they run once, for the last batch, which is
what the recorder and the Stop check need), and tf.distribute (run_training uses fit there).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np

__all__ = ["fit_head"]


def fit_head(model: keras.Model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, *,
             epochs: int, batch_size: int, callbacks: list[keras.callbacks.Callback], seed: int,
             initial_epoch: int = 0) -> None:
    """Train a compiled model (Adam, the head's loss) like model.fit(..., shuffle=True), faster.

    Args:
        model: compiled with a string loss (binary or sparse categorical cross-entropy).
        x, y, x_val, y_val: the stored features and labels as the loss wants them.
        epochs, batch_size, initial_epoch: as for fit.
        callbacks: Keras callbacks, called as fit calls them (per epoch; per batch for the last one).
        seed: the order of the samples in each epoch.
    """
    import tensorflow as tf

    n = len(x)
    batches = max(1, math.ceil(n / batch_size))
    binary = model.output_shape[-1] == 1
    loss_of = keras.losses.get(model.loss)
    variables = model.trainable_variables
    optimizer = model.optimizer
    optimizer.build(variables)  # its slots exist before the graph is traced
    xs, ys = tf.constant(x, tf.float32), tf.constant(y)
    xv, yv = tf.constant(x_val, tf.float32), tf.constant(y_val)

    def right(labels: Any, pred: Any) -> Any:
        if binary:
            return tf.reduce_sum(tf.cast(tf.equal(tf.cast(pred > 0.5, labels.dtype), labels), tf.float32))
        return tf.reduce_sum(tf.cast(tf.equal(tf.argmax(pred, axis=-1, output_type=labels.dtype), labels), tf.float32))

    @tf.function(reduce_retracing=True)
    def train(order: Any, first: Any, last: Any) -> tuple[Any, Any, Any]:
        """Batches first..last-1 of the epoch's order: (summed loss, right answers, samples)."""
        total, hits, seen = tf.constant(0.0), tf.constant(0.0), tf.constant(0.0)
        for b in tf.range(first, last):
            idx = order[b * batch_size:(b + 1) * batch_size]
            xb, yb = tf.gather(xs, idx), tf.gather(ys, idx)
            with tf.GradientTape() as tape:
                pred = model(xb, training=True)
                loss = tf.reduce_mean(loss_of(yb, pred))
                if model.losses:
                    loss += tf.add_n(model.losses)
            optimizer.apply(tape.gradient(loss, variables), variables)
            k = tf.cast(tf.shape(idx)[0], tf.float32)
            total, hits, seen = total + loss * k, hits + right(yb, pred), seen + k
        return total, hits, seen

    @tf.function
    def validate() -> tuple[Any, Any]:
        pred = model(xv, training=False)
        return tf.reduce_mean(loss_of(yv, pred)), right(yv, pred) / tf.cast(tf.shape(yv)[0], tf.float32)

    listed = keras.callbacks.CallbackList(callbacks, add_history=False, add_progbar=False, model=model,
                                          epochs=epochs, steps=batches, verbose=0)
    rng = np.random.default_rng(seed)
    model.stop_training = False
    listed.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        listed.on_epoch_begin(epoch)
        order = tf.constant(rng.permutation(n), tf.int32)
        total, hits, seen = train(order, tf.constant(0), tf.constant(batches - 1))
        listed.on_train_batch_begin(batches - 1)  # the last batch apart: the X-ray reads its step
        t, h, s = train(order, tf.constant(batches - 1), tf.constant(batches))
        total, hits, seen = float(total + t), float(hits + h), float(seen + s)
        logs = {"loss": total / seen, "accuracy": hits / seen}
        listed.on_train_batch_end(batches - 1, logs)
        val_loss, val_accuracy = validate()
        logs = {**logs, "val_loss": float(val_loss), "val_accuracy": float(val_accuracy)}
        listed.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    listed.on_train_end()

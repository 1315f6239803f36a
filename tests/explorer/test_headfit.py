"""fit_head trains a head on stored features exactly as keras.Model.fit would, callbacks included."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from explorer.training.headfit import fit_head

RNG = np.random.default_rng(0)
X, X_VAL = RNG.normal(size=(40, 12)).astype(np.float32), RNG.normal(size=(10, 12)).astype(np.float32)


def _head(outputs: int, seed: int = 3) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((12,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    out = keras.layers.Dense(outputs, activation="sigmoid" if outputs == 1 else "softmax")(hidden)
    model = keras.Model(inputs, out)
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="binary_crossentropy" if outputs == 1 else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _labels(outputs: int, n: int) -> np.ndarray:
    if outputs == 1:
        return RNG.integers(0, 2, size=(n, 1)).astype(np.float32)
    return RNG.integers(0, outputs, size=n).astype(np.int64)


class Logs(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[dict] = []

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.epochs.append(dict(logs or {}))


def _plateau() -> keras.callbacks.ReduceLROnPlateau:
    # min_delta so large that no epoch counts as an improvement: the rate halves after every epoch
    return keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=1e9, min_lr=1e-6)


@pytest.mark.parametrize("outputs", [1, 3])
def test_whole_batch_epochs_match_keras_fit_weights_logs_and_learning_rate_drops(outputs) -> None:
    # One batch per epoch: the order of the samples cannot matter, so both must agree to rounding.
    y, y_val = _labels(outputs, 40), _labels(outputs, 10)
    ours, theirs = _head(outputs), _head(outputs)
    ours_logs, theirs_logs = Logs(), Logs()
    fit_head(ours, X, y, X_VAL, y_val, epochs=4, batch_size=64, callbacks=[_plateau(), ours_logs], seed=0)
    theirs.fit(X, y, validation_data=(X_VAL, y_val), epochs=4, batch_size=64, shuffle=False, verbose=0,
               callbacks=[_plateau(), theirs_logs])
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert len(ours_logs.epochs) == len(theirs_logs.epochs) == 4
    for a, b in zip(ours_logs.epochs, theirs_logs.epochs):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-5), key
    rate = float(keras.ops.convert_to_numpy(ours.optimizer.learning_rate))
    # The first epoch is an improvement (over infinity), the next three are not: three drops, as in fit,
    # and the weights above agree, so the drops took effect inside the compiled step too.
    assert rate == pytest.approx(0.05 * 0.5 ** 3)
    assert rate == pytest.approx(float(keras.ops.convert_to_numpy(theirs.optimizer.learning_rate)))


def test_small_batches_see_every_sample_once_per_epoch_and_learn() -> None:
    y = _labels(3, 40)
    model, logs = _head(3), Logs()
    fit_head(model, X, y, X, y, epochs=30, batch_size=7, callbacks=[logs], seed=1)  # 6 batches, the last of 5
    assert logs.epochs[-1]["loss"] < logs.epochs[0]["loss"] / 2
    assert model.optimizer.iterations.numpy() == 30 * 6  # ceil(40 / 7) steps per epoch


def test_early_stopping_and_stop_training_end_the_run() -> None:
    y, y_val = _labels(1, 40), _labels(1, 10)
    model, logs = _head(1), Logs()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=1e9)
    fit_head(model, X, y, X_VAL, y_val, epochs=20, batch_size=8, callbacks=[stopper, logs], seed=0)
    assert len(logs.epochs) == 2  # the first epoch sets the baseline, the second does not beat it by 1e9

    class StopAtThree(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if len(seen.epochs) == 2:
                self.model.stop_training = True

    model, seen = _head(1), Logs()
    fit_head(model, X, y, X_VAL, y_val, epochs=20, batch_size=8, callbacks=[StopAtThree(), seen], seed=0)
    assert len(seen.epochs) == 3  # the third epoch ends, then the run stops

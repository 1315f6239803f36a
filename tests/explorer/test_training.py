"""Training runs: each strategy freezes what it says, the notes' callbacks do their job, stop is clean."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from explorer import training
from explorer.models.backbones import build_backbone
from explorer.training import run as run_module
from explorer.io.datasets import make_shapes, split_dataset
from explorer.errors import ExplorerInputError
from explorer.training import TrainConfig, classify, load_classifier, run_training

ROOT = Path(__file__).resolve().parents[2]
SPLIT = split_dataset(make_shapes(8, 32, seed=1), 0.25)  # 18 train, 6 val, 3 classes


def _cnn(**changes) -> TrainConfig:
    base = dict(backbone="simple_cnn", image_size=32, epochs=2, batch_size=8, fine_tune_layers=2)
    return TrainConfig(**{**base, **changes})


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Spy on model building: keep the whole model and the backbone's initial weights."""
    seen: dict = {}
    original = run_module.build_model

    def spy(config, class_names):
        parts = original(config, class_names)
        seen["whole"], seen["backbone"] = parts[0], parts[1]
        seen["initial"] = [[w.copy() for w in layer.get_weights()] for layer in parts[1].layers]
        seen["on_features"], seen["head_initial"] = parts.on_features, parts.on_features.get_weights()
        return parts

    monkeypatch.setattr(run_module, "build_model", spy)
    return seen


def _changed(seen: dict) -> list[bool]:
    """Per backbone layer with weights: did training change them?"""
    out = []
    for layer, before in zip(seen["backbone"].layers, seen["initial"]):
        if before:
            out.append(any(not np.array_equal(a, b) for a, b in zip(layer.get_weights(), before)))
    return out


def test_infer_gives_predicts_numbers_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer.training import model as model_module

    monkeypatch.setattr(model_module, "_CHUNK_PIXELS", 32 * 32 * 5)  # 5 images per call: 24 -> 5 chunks
    model = run_module.build_model(_cnn(), SPLIT.class_names)[0]
    images = np.concatenate([SPLIT.train_images, SPLIT.val_images])
    np.testing.assert_allclose(model_module.infer(model, images), model.predict(images.astype(np.float32), verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_infer_keeps_no_model_alive_after_its_run() -> None:
    """A worker trains many runs: each run's compiled forward pass must go with its model."""
    import gc
    import weakref

    from explorer.training import model as model_module

    def one_run() -> weakref.ref:
        inputs = keras.Input((8,))
        model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        model_module.infer(model, np.ones((3, 8), np.float32))
        assert model in model_module._COMPILED
        return weakref.ref(model)

    gone = [one_run() for _ in range(3)]
    gc.collect()
    assert [ref() for ref in gone] == [None, None, None]


def test_feature_extraction_runs_the_backbone_once(monkeypatch: pytest.MonkeyPatch, built: dict) -> None:
    calls: list[int] = []
    original = run_module.extract_features

    def counting(extractor, images):
        calls.append(len(images))
        return original(extractor, images)

    monkeypatch.setattr(run_module, "extract_features", counting)
    result = run_training(SPLIT, _cnn(strategy="feature-extraction", epochs=3))
    assert calls == [len(SPLIT.train_labels), len(SPLIT.val_labels)]  # once, not once per epoch
    assert result.epochs_run == 3 and len(result.history["val_loss"]) == 3
    assert not any(_changed(built))  # the frozen backbone is bit-identical
    assert result.counts.backbone_trainable == 0 and result.counts.trainable == result.counts.head_params


@pytest.mark.parametrize("head_kind", ["gap", "flatten"])
def test_the_head_trains_on_pooled_features_and_the_whole_model_keeps_what_it_learned(
        monkeypatch: pytest.MonkeyPatch, built: dict, head_kind: str) -> None:
    stored: list[np.ndarray] = []
    original = run_module.extract_features
    monkeypatch.setattr(run_module, "extract_features",
                        lambda ex, images: stored.append(original(ex, images)) or stored[-1])
    run_training(SPLIT, _cnn(strategy="feature-extraction", head_kind=head_kind, hidden=8, dropout=0.2, epochs=2))
    feature_map = built["backbone"].output_shape[1:]
    width = feature_map[-1] if head_kind == "gap" else int(np.prod(feature_map))  # one vector an image
    assert [f.shape for f in stored] == [(len(SPLIT.train_labels), width), (len(SPLIT.val_labels), width)]
    trained = built["on_features"].get_weights()
    assert all(not np.array_equal(a, b) for a, b in zip(trained, built["head_initial"]))
    # The whole model (what the checkpoint saves) holds the same trained layers: same numbers from the images.
    images = SPLIT.val_images.astype(np.float32)
    np.testing.assert_allclose(built["whole"].predict(images, verbose=0),
                               built["on_features"].predict(stored[1], verbose=0), rtol=1e-5, atol=1e-6)


def test_a_pretrained_backbone_s_extractor_and_features_are_kept_between_runs(monkeypatch) -> None:
    from explorer.training import model as model_module

    model_module._kept_extractor.cache_clear()
    passes: list = []
    original = model_module.extract_features
    monkeypatch.setattr(model_module, "extract_features", lambda ex, images: passes.append(ex) or original(ex, images))
    config = TrainConfig(backbone="efficientnet_lite0", image_size=32, strategy="feature-extraction", epochs=2,
                         batch_size=8)
    first = run_training(SPLIT, config)  # builds the kept extractor; its two passes, train and validation
    assert len(passes) == 2 and passes[0].name == "kept_extractor"
    second = run_training(SPLIT, replace(config, learning_rate=1e-2))  # the same images: no backbone pass
    assert len(passes) == 2
    # Built before the run's seed: the same config trains the same way whether it was built then or not.
    assert run_training(SPLIT, config).history == first.history and second.history != first.history
    other = split_dataset(make_shapes(8, 32, seed=2), 0.25)
    run_training(other, config)  # other images: the same kept extractor, two passes
    assert len(passes) == 4 and passes[2] is passes[0]
    # Its features are the run's own extractor's, to the bit.
    own = run_module.build_model(config, SPLIT.class_names).extractor
    np.testing.assert_array_equal(model_module.kept_extractor(config).features(SPLIT.val_images),
                                  original(own, SPLIT.val_images))
    # Random weights differ from build to build: each run of simple_cnn takes its own model's features.
    assert model_module.kept_extractor(_cnn(strategy="feature-extraction")) is None
    assert model_module.kept_extractor(replace(config, strategy="fine-tune")) is None


def test_kept_features_stay_within_their_bytes(monkeypatch) -> None:
    from explorer.training import model as model_module

    monkeypatch.setattr(model_module, "FEATURES_KEPT_BYTES", 3 * 6 * 1280 * 4)  # three sets of 6 GAP vectors
    kept = model_module.KeptExtractor(model_module._kept_extractor("efficientnet_lite0", 32, "gap").model)
    sets = [np.full((6, 32, 32, 3), i, np.uint8) for i in range(4)]
    for images in sets:
        kept.features(images)
    assert len(kept._features) == 3  # the oldest went
    passes: list = []
    monkeypatch.setattr(model_module, "extract_features", lambda ex, images: passes.append(1) or np.zeros((6, 1280)))
    kept.features(sets[3]), kept.features(sets[1])
    assert passes == []
    kept.features(sets[0])
    assert passes == [1]


def test_fine_tune_last_n_trains_only_those_layers(built: dict) -> None:
    run_training(SPLIT, _cnn(strategy="fine-tune", fine_tune_layers=2))
    # simple_cnn's layers: input, conv1, pool1, conv2, pool2, conv3 -> the last 2 are pool2, conv3.
    assert _changed(built) == [False, False, True]


def test_scratch_trains_every_layer_from_random_weights(built: dict) -> None:
    result = run_training(SPLIT, _cnn(strategy="scratch"))
    assert all(_changed(built)) and result.counts.non_trainable == 0


def test_two_stage_recompiles_with_the_lower_rate_and_keeps_batch_norm_frozen(monkeypatch, built) -> None:
    compiles: list[tuple[str, float, dict]] = []
    original = run_module.compile_model

    def spy(model, rate, head):
        flags = {l.name: l.trainable for l in built["backbone"].layers}
        compiles.append((model.name, rate, flags))
        original(model, rate, head)

    monkeypatch.setattr(run_module, "compile_model", spy)
    config = TrainConfig(backbone="efficientnet_lite0", image_size=32, strategy="two-stage", epochs=1,
                         stage2_epochs=1, learning_rate=1e-4, stage2_learning_rate=1e-5, batch_size=8)
    result = run_training(SPLIT, config)
    (first, lr1, flags1), (second, lr2, flags2) = compiles
    assert (first, lr1) == ("head_on_features", 1e-4) and lr2 == 1e-5 and second.startswith("efficientnet_lite0")
    assert not any(flags1.values())
    bn = {l.name for l in built["backbone"].layers if isinstance(l, keras.layers.BatchNormalization)}
    assert bn and all(not flags2[n] for n in bn)
    assert all(on for n, on in flags2.items() if n not in bn)
    assert result.history["lr"] == pytest.approx([1e-4, 1e-5])
    assert [e.kind for e in result.events if e.kind == "stage2"] == ["stage2"]


def test_reduce_lr_on_plateau_honors_min_lr_and_records_the_drops() -> None:
    # A rate far below float32 resolution leaves every weight bit-identical: val_loss plateaus exactly.
    config = _cnn(strategy="feature-extraction", epochs=5, learning_rate=1e-20, reduce_lr_patience=1,
                  reduce_lr_factor=0.5, min_lr=4e-21)
    result = run_training(SPLIT, config)
    assert result.history["lr"] == pytest.approx([1e-20, 1e-20, 5e-21, 4e-21, 4e-21], rel=1e-5)
    assert [e.epoch for e in result.events if e.kind == "lr_drop"] == [2, 3]
    assert [e.epoch for e in result.events if e.kind == "checkpoint"] == [1]


def test_checkpoint_reloads_and_predicts_like_the_trained_model(built: dict) -> None:
    result = run_training(SPLIT, _cnn(strategy="feature-extraction", epochs=1))
    assert result.checkpoint.endswith(".keras") and Path(result.checkpoint).is_file()
    reloaded = keras.models.load_model(result.checkpoint, safe_mode=True)
    x = SPLIT.val_images.astype(np.float32)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), built["whole"].predict(x, verbose=0), rtol=1e-5)
    classifier = load_classifier(Path(result.checkpoint).read_bytes())
    ranked = classify(classifier, SPLIT.val_images[0])
    assert [name for name, _ in sorted(ranked)] == ["circle", "square", "triangle"]
    assert sum(p for _, p in ranked) == pytest.approx(1.0, rel=1e-4)


PLAIN_KERAS = """
import sys
sys.modules["explorer"] = None  # whatever the environment holds, this project cannot be imported
import keras, numpy as np
model = keras.models.load_model(sys.argv[1])
np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
print(model.name, model.input_shape[1])
"""


def test_a_saved_model_loads_in_plain_keras_outside_the_project(built: dict, tmp_path: Path) -> None:
    result = run_training(SPLIT, _cnn(strategy="fine-tune", epochs=1))
    x = SPLIT.val_images.astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-I", "-c", PLAIN_KERAS, result.checkpoint, "x.npy", "y.npy"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    name, size = done.stdout.split()[-2:]
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), built["whole"].predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert training.class_names_from_name(name) == ("circle", "square", "triangle") and int(size) == 32
    assert not any(type(l).__module__.startswith("explorer") for l in built["whole"].layers)


@pytest.mark.parametrize("names", [("cat", "dog"), ("cats vs dogs", "a.b-c", "고양이", "x_y", "-2d-")])
def test_class_names_survive_the_model_name(names: tuple[str, ...]) -> None:
    name = training.model_name("efficientnet_lite0", "two-stage", names)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name)  # what TensorFlow accepts as a root scope
    assert training.class_names_from_name(name) == names
    assert training.class_names_from_name("efficientnet_lite0_two_stage") is None


def test_an_older_checkpoint_with_the_custom_input_layer_still_classifies(tmp_path: Path) -> None:
    image = keras.Input((32, 32, 3))
    x = training.ExplorerInput("simple_cnn", ["circle", "square", "triangle"], name="preprocess")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    old = keras.Model(image, keras.layers.Dense(3, activation="softmax")(x), name="simple_cnn_fine_tune")
    old.save(tmp_path / "old.keras")
    classifier = load_classifier(tmp_path / "old.keras")
    assert classifier.class_names == ("circle", "square", "triangle") and classifier.image_size == 32
    assert len(classify(classifier, SPLIT.val_images[0])) == 3


def test_result_evaluates_the_best_checkpoint() -> None:
    result = run_training(SPLIT, _cnn(strategy="fine-tune", epochs=1))
    matrix = np.array(result.confusion)
    assert matrix.sum() == len(SPLIT.val_labels)
    assert result.val_accuracy == pytest.approx(np.trace(matrix) / matrix.sum())
    assert len(result.misclassified) == matrix.sum() - np.trace(matrix)
    assert result.accuracy_line == f"acc: {result.val_accuracy * 100:.2f}%"


def test_stop_ends_the_run_cleanly_and_keeps_the_best_checkpoint() -> None:
    stop = threading.Event()
    reports = []

    def progress(p):
        reports.append(p)
        if p.epoch == 2 and p.batch == 1:
            stop.set()

    result = run_training(SPLIT, _cnn(strategy="fine-tune", epochs=50), progress=progress, stop=stop)
    assert result.stopped and result.epochs_run == 2
    assert result.events[-1].kind == "stopped"
    assert any(e.kind == "checkpoint" for e in result.events)
    keras.models.load_model(result.checkpoint, safe_mode=True)
    assert reports[0].stage == "train" and 0 < reports[-1].fraction < 1


@pytest.mark.parametrize("every_s", ["0", "3600"])
def test_a_long_run_saves_its_best_so_far_on_the_way(monkeypatch, tmp_path: Path, every_s: str) -> None:
    """A new best is saved during the run at most every EXPLORER_CHECKPOINT_EVERY_S seconds (a restart then
    loses at most that); a run shorter than that writes its checkpoint only at the end."""
    monkeypatch.setenv("EXPLORER_CHECKPOINT_EVERY_S", every_s)
    stop = threading.Event()
    seen: list[bool] = []

    def progress(p):
        if p.epoch == 3 and p.batch == 1 and not seen:
            seen.append((tmp_path / "best.keras").is_file())
            stop.set()

    result = run_training(SPLIT, _cnn(strategy="fine-tune", epochs=50), progress=progress, stop=stop,
                          workdir=tmp_path)
    assert seen == [every_s == "0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.keras"]  # no partial file left
    assert load_classifier(Path(result.checkpoint).read_bytes()).class_names == SPLIT.class_names


def test_early_stopping_is_recorded() -> None:
    config = _cnn(strategy="feature-extraction", epochs=6, learning_rate=1e-20, early_stopping_patience=1,
                  reduce_lr_patience=10)
    result = run_training(SPLIT, config)
    assert result.epochs_run == 2 and result.events[-1].kind == "early_stop"


def test_two_runs_in_parallel_threads_do_not_disturb_each_other() -> None:
    shared = keras.models.clone_model(build_backbone("simple_cnn", 32, weights="random"))
    before = [w.copy() for w in shared.get_weights()]
    results: dict[str, object] = {}

    def go(strategy: str) -> None:
        results[strategy] = run_training(SPLIT, _cnn(strategy=strategy, epochs=2))

    threads = [threading.Thread(target=go, args=(s,)) for s in ("feature-extraction", "scratch")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert {k: v.epochs_run for k, v in results.items()} == {"feature-extraction": 2, "scratch": 2}
    assert results["feature-extraction"].checkpoint != results["scratch"].checkpoint
    assert all(np.array_equal(a, b) for a, b in zip(shared.get_weights(), before))


def test_bad_settings_state_the_rule(tmp_path: Path) -> None:
    with pytest.raises(ExplorerInputError, match="factor >= 1.0 or <= 0. Received: factor=2"):
        _cnn(reduce_lr_factor=2.0)
    with pytest.raises(ExplorerInputError, match="Received: strategy='magic'"):
        _cnn(strategy="magic")
    with pytest.raises(ExplorerInputError, match="input size 48"):
        run_training(SPLIT, _cnn(image_size=48))
    with pytest.raises(ExplorerInputError, match="A .keras model is a ZIP archive"):
        load_classifier(b"not a model")
    plain = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(3)], name="mine")
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(ExplorerInputError, match="Only models saved by the Fine-tune Lab.*'mine'"):
        load_classifier(tmp_path / "plain.keras")


MIRRORED = """
import json, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from explorer.io.datasets import make_shapes, split_dataset
from explorer.training import TrainConfig, run_training
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
split = split_dataset(make_shapes(6, 32), 0.25)
r = run_training(split, TrainConfig(backbone="simple_cnn", image_size=32, strategy="fine-tune",
                 fine_tune_layers=2, epochs=2, batch_size=4), distribute=strategy)
print(json.dumps({"replicas": strategy.num_replicas_in_sync, "epochs": r.epochs_run,
                  "loss": r.history["loss"]}))
"""


def test_a_run_works_under_mirrored_strategy_with_two_logical_cpus() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-c", MIRRORED], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["replicas"] == 2 and out["epochs"] == 2 and all(np.isfinite(out["loss"]))


def test_a_run_is_labelled_in_english_for_records_and_in_the_page_language_for_pages():
    """Records and the CLI keep the English label; a Korean page shows the strategy in Korean."""
    from explorer.i18n import translations

    tuned = TrainConfig(strategy="fine-tune", fine_tune_layers=3, image_size=64, bn_training=True)
    assert tuned.label == "fine-tune last 3 · efficientnet_lite0 · 64px · BN training mode"
    assert tuned.describe(translations("en").gettext) == tuned.label
    korean = tuned.describe(translations("ko").gettext)
    assert korean == "미세 조정 마지막 3개 층 · efficientnet_lite0 · 64px · BN 학습 모드"
    assert TrainConfig().describe(translations("ko").gettext).startswith("특징 추출 · ")

"""explorer.lessons: the bundled lessons load, cover every lecture note, and each answer is the true number."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import lessons as ls
from explorer.lessons import Answer, LessonError, closeness, compute_answer, load_lesson, load_lessons

ROOT = Path(__file__).resolve().parents[2]
FOUND, ERRORS = load_lessons()
STEPS = [(lesson.id, number) for lesson in FOUND for number, step in enumerate(lesson.steps, start=1)]
QUESTIONS = [(lesson.id, number) for lesson in FOUND for number, step in enumerate(lesson.steps, start=1)
             if step.question]
BY_ID = {lesson.id: lesson for lesson in FOUND}


def test_the_bundled_lessons_load_and_follow_every_note():
    assert ERRORS == []
    assert len(FOUND) >= 5
    assert {lesson.note for lesson in FOUND} == set(ls.NOTES)
    assert {"freezing_vgg16", "callbacks_and_detection", "cnn_basics", "two_stage_mobilenet",
            "case_studies_and_strategy"} <= set(BY_ID)
    pages = {step.page for lesson in FOUND for step in lesson.steps}
    assert {"freeze_lab", "convolution_lab", "finetune_lab", "detection_basics", "case_studies",
            "strategy_advisor"} <= pages


def test_the_two_stage_lesson_runs_both_stages_on_built_in_data():
    live = [s for s in BY_ID["two_stage_mobilenet"].steps if s.page == "finetune_lab"]
    assert live and live[0].values["strategy"] == "two-stage" and live[0].values["backbone"] == "mobilenet_v2"
    assert live[0].values["data"] in ("shapes", "digits")


def _keras_counts(model) -> tuple[int, int]:
    import keras

    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    return model.count_params(), trainable


def _vgg16_model(head: str, outputs: int, unfreeze_last: int = 0):
    import keras

    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    for layer in base.layers[:len(base.layers) - unfreeze_last] if unfreeze_last else base.layers:
        layer.trainable = False
    pool = keras.layers.Flatten() if head == "flatten" else keras.layers.GlobalAveragePooling2D()
    x = keras.layers.Dense(1024, activation="relu")(pool(base.output))
    out = keras.layers.Dense(outputs, activation="sigmoid" if outputs == 1 else "softmax")(x)
    return base, keras.Model(base.input, out)


def _cifar_cnn():
    import keras
    from keras import layers

    return keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                             layers.Conv2D(64, 3, activation="relu"), layers.Flatten(),
                             layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])


def _mobilenet(stage: int):
    import keras

    base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(224, 224, 3))
    x = keras.layers.GlobalAveragePooling2D()(base.output)
    x = keras.layers.Dense(50, activation="relu", name="fc1")(x)
    model = keras.Model(base.input, keras.layers.Dense(1, activation="sigmoid", name="output")(x))
    if stage == 1:
        for layer in model.layers[:-4]:
            layer.trainable = False
    else:
        for layer in model.layers:
            layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    return model


def _lr_reductions_in_keras(lr: float, factor: float, min_lr: float) -> int:
    """Drive Keras' own ReduceLROnPlateau (patience 0) on a loss that never improves; count the cuts."""
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="mse")
    callback = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0, factor=factor, min_lr=min_lr)
    callback.set_model(model)
    callback.on_train_begin()
    rates = [float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))]
    for epoch in range(60):
        callback.on_epoch_end(epoch, {"val_loss": 1.0})
        rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    return sum(1 for a, b in zip(rates, rates[1:]) if b < a * (1 - 1e-6))


def _keras_truth(lesson_id: str, number: int) -> float:
    """The number each bundled question asks for, computed with Keras (or from the notes' own arithmetic)."""
    step = BY_ID[lesson_id].steps[number - 1]
    v, name = step.values, step.answer
    if name.startswith("freeze.") and v["backbone"] == "vgg16" and v["head"] == "flatten":
        base, model = _vgg16_model("flatten", v["outputs"], v["n"] if v["plan"] == "last" else 0)
        total, trainable = _keras_counts(model)
        return {"freeze.total": total, "freeze.trainable": trainable, "freeze.non_trainable": total - trainable}[name]
    if name == "freeze.flatten_over_gap":
        heads = [_vgg16_model(kind, v["outputs"])[1].count_params() - 14_714_688 for kind in ("flatten", "gap")]
        return heads[0] / heads[1]
    if name.startswith("freeze.") and v["backbone"] == "simple_cnn":
        model = _cifar_cnn()
        if v["plan"] == "none":
            for layer in model.layers[:5]:
                layer.trainable = False
        return {"freeze.total": model.count_params(), "freeze.trainable": _keras_counts(model)[1]}[name]
    if name.startswith("freeze.") and v["backbone"] == "mobilenet_v2":
        model = _mobilenet(2 if v["plan"] == "all-but-bn" else 1)
        return {"freeze.total": model.count_params(), "freeze.trainable": _keras_counts(model)[1]}[name]
    if name.startswith("freeze.") and v["backbone"] == "inception_v3":
        import keras

        base = keras.applications.InceptionV3(weights=None, include_top=False, input_shape=(299, 299, 3))
        out = keras.layers.Dense(v["outputs"], activation="softmax")(keras.layers.GlobalAveragePooling2D()(base.output))
        model = keras.Model(base.input, out)
        for layer in model.layers[:200]:  # as in the notes: index < 200 frozen (index 0 is the input layer)
            layer.trainable = False
        return _keras_counts(model)[1]
    if name == "freeze.head" and v["backbone"] == "resnet50":
        return 2048 * v["outputs"] + v["outputs"]
    if name == "finetune.lr_reductions":
        return _lr_reductions_in_keras(v[f"lr_{v['strategy']}"], v["factor"], v["min_lr"])
    if name in ("conv.output_side", "conv.pool_output_side"):
        import keras
        import numpy as np

        if name == "conv.output_side":
            layer = keras.layers.Conv2D(1, 3, strides=v["stride"], padding=v["padding"])
            x = np.zeros((1, v["size"], v["size"], 1), "float32")
        else:
            layer = keras.layers.MaxPooling2D(v["window"], strides=v["pool_stride"], padding=v["pool_padding"])
            x = np.zeros((1, v["pool_size"], v["pool_size"], 1), "float32")
        return layer(x).shape[1]
    if name == "conv.receptive_field":
        return 1 + v["layers"] * (v["rf_kernel"] - 1)
    if name in ("conv.stack_weights", "conv.single_weights"):
        import keras

        kernel, count = (3, 3) if name == "conv.stack_weights" else (7, 1)
        layer = keras.layers.Conv2D(v["channels"], kernel, use_bias=False)
        layer.build((None, 16, 16, v["channels"]))
        return count * layer.count_params()
    if name == "detection.iou":
        (ax1, ax2), (ay1, ay2), (bx1, bx2), (by1, by2) = v["a_x"], v["a_y"], v["b_x"], v["b_y"]
        inter = max(0, min(ax2, bx2) - max(ax1, bx1)) * max(0, min(ay2, by2) - max(ay1, by1))
        return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter)
    raise AssertionError(f"no independent check for {name} in {lesson_id} step {number}")


@pytest.mark.parametrize(("lesson_id", "number"), QUESTIONS)
def test_each_question_s_answer_is_the_number_keras_gives(lesson_id, number):
    answer = compute_answer(BY_ID[lesson_id].steps[number - 1])
    assert answer.value == pytest.approx(_keras_truth(lesson_id, number), rel=1e-9)


def test_the_notes_numbers_come_out_of_the_lessons():
    vgg = BY_ID["freezing_vgg16"].steps
    assert [compute_answer(vgg[i]).text for i in range(3)] == ["14,714,688", "25,692,161", "40,406,849"]
    assert compute_answer(BY_ID["cnn_basics"].steps[5]).text == "122,570"


@pytest.mark.parametrize(("guess", "verdict"), [(25_692_161, "exact"), (26_000_000, "within 2% (too high)"),
                                                (1_000_000, "off by a factor of 25.7 (too low)"),
                                                (0, "within 100% (too low)")])
def test_closeness_says_how_close_a_guess_came(guess, verdict):
    assert closeness(guess, Answer(25_692_161, "25,692,161")) == verdict


GOOD_STEP = '[[steps]]\npage = "freeze_lab"\ntext = "Look."\n'


@pytest.mark.parametrize(("body", "problem"), [
    ("title = 'x'\nnote = 1\n[[steps\n", "is not valid TOML"),
    ("note = 1\n" + GOOD_STEP, "needs title"),
    ("title = 'x'\nnote = 9\n" + GOOD_STEP, "note is the lecture note the lesson follows, 1 to 5. Received: note=9"),
    ("title = 'x'\nnote = 1\n", "at least one [[steps]]"),
    ("title = 'x'\nnote = 1\n[[steps]]\npage = 'nowhere'\ntext = 'a'\n", "step 1: A page is one of"),
    ("title = 'x'\nnote = 1\n[[steps]]\npage = 'freeze_lab'\ntext = 'a'\nstate = { size = 5000 }\n",
     "step 1: size must be a whole number from 32 to 1024"),
    ("title = 'x'\nnote = 1\n[[steps]]\npage = 'freeze_lab'\ntext = 'a'\nquestion = 'How many?'\nanswer = '42'\n",
     "answer names one of"),
    ("title = 'x'\nnote = 1\n[[steps]]\npage = 'freeze_lab'\ntext = 'a'\nquestion = 'How many?'\n",
     "a question needs an answer"),
    ("title = 'x'\nnote = 1\n[[steps]]\npage = 'detection_basics'\ntext = 'a'\nquestion = 'q?'\n"
     "answer = 'freeze.total'\n", "reads the freeze_lab page"),
    ("title = 'x'\nnote = 1\nsteps = 3\n", "at least one [[steps]]"),
    ("title = 'x'\nnote = 1\ncolour = 'red'\n" + GOOD_STEP, "Received: colour"),
])
def test_a_malformed_lesson_names_the_file_and_the_problem(tmp_path, body, problem):
    path = tmp_path / "my_lesson.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(LessonError) as caught:
        load_lesson(path)
    assert str(caught.value).startswith("my_lesson.toml: ") and problem in str(caught.value)
    found, errors = load_lessons(tmp_path)
    assert found == [] and [str(e) for e in errors] == [str(caught.value)]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_cli_lessons_lists_and_checks_the_lessons(tmp_path):
    done = run_cli("lessons", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["id"] for r in rows] == [lesson.id for lesson in FOUND]
    assert rows[0]["url"].startswith("http://localhost:8501/freeze_lab?") and "lesson=freezing_vgg16" in rows[0]["url"]
    (tmp_path / "ok.toml").write_text("title = 'ok'\nnote = 3\n" + GOOD_STEP, encoding="utf-8")
    (tmp_path / "broken.toml").write_text("title = 'x'\nnote = 1\n", encoding="utf-8")
    done = run_cli("lessons", "--folder", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == ["error: broken.toml: a lesson has at least one [[steps]] table. "
                                        "Received: no steps"]

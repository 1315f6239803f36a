"""Lessons: a lecture's walk through the live pages, read from TOML files in lessons/ (no Streamlit).

A lesson file names the lecture note it follows and its steps; each step opens a page in a
configuration written in that page's link vocabulary (explorer.links), says what to look
at, and may ask the class to predict a number. The answer is never written in the file: the
step names a registered answer function (`answer = "freeze.trainable"`) that computes it
from the step's configuration with explorer/ at run time.

    title = "Freezing VGG16"
    note = 1

    [[steps]]
    page = "freeze_lab"
    state = { backbone = "vgg16", head = "flatten", hidden = 1024, outputs = 1, plan = "none" }
    text = "Every VGG16 layer is frozen: only the head learns."
    question = "How many parameters are trainable now?"
    answer = "freeze.trainable"

A malformed file is reported as one LessonError naming the file and the problem.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from explorer.errors import ExplorerInputError
from explorer.i18n import N_
from explorer.io.assets import shipped_folder
from explorer.links import PLAIN_PAGES, get_link

__all__ = [
    "ANSWERS",
    "LESSONS_DIR",
    "NOTES",
    "Answer",
    "Lesson",
    "LessonError",
    "Step",
    "closeness",
    "compute_answer",
    "load_lesson",
    "load_lessons",
    "register_answer",
    "step_url",
]

LESSONS_DIR = shipped_folder("lessons", "freezing_vgg16.toml")
"""The bundled lessons (one .toml file each); a lecturer adds one by adding a file."""

NOTES = {  # in English; a page shows them with _(); a lesson's own words are extracted by explorer.i18n.extract
    1: N_("Freezing and fine-tuning VGG16"),
    2: N_("Saving, loading, pretrained models, callbacks"),
    3: N_("CNN fundamentals"),
    4: N_("Two-stage fine-tuning of MobileNetV2"),
    5: N_("CNN case studies and when to fine-tune what"),
}
"""The five lecture notes the app grew out of (a lesson says which one it follows)."""

_LESSON_KEYS = {"title", "note", "summary", "steps"}
_STEP_KEYS = {"page", "state", "title", "text", "question", "answer"}
_MAX_STEPS = 50


class LessonError(ExplorerInputError):
    """A lesson file that cannot be used: the message names the file and the problem."""


@dataclass(frozen=True)
class Answer:
    """A prediction question's answer, computed from the step's configuration."""

    value: float
    text: str
    """The value as the page shows it ("25,692,161", "0.39")."""


@dataclass(frozen=True)
class AnswerSpec:
    """A registered answer: which page's configuration it reads, and how it computes the number."""

    name: str
    page: str
    compute: Callable[[Mapping[str, Any]], Answer]
    description: str
    whole: bool = True
    """A whole number (a count); else a decimal (a ratio, an IoU)."""


ANSWERS: dict[str, AnswerSpec] = {}
"""Answer functions by name ("freeze.trainable"); a step's `answer` must be one of them."""


def register_answer(name: str, page: str, description: str, *, whole: bool = True
                    ) -> Callable[[Callable[..., Answer]], Callable[..., Answer]]:
    """Register an answer function of a page's values (by link name) under a name."""

    def add(compute: Callable[[Mapping[str, Any]], Answer]) -> Callable[[Mapping[str, Any]], Answer]:
        if name in ANSWERS:
            raise ValueError(f"Answer names are unique. Received: {name!r}")
        ANSWERS[name] = AnswerSpec(name, get_link(page).slug, compute, description, whole)
        return compute

    return add


@dataclass(frozen=True)
class Step:
    """One step of a lesson: a page in a configuration, what to look at, maybe a question."""

    page: str
    """The page's address (freeze_lab)."""
    state: Mapping[str, Any]
    """The configuration as written in the file (link names)."""
    values: Mapping[str, Any]
    """Every field of the page, checked (the defaults for what the file does not say)."""
    text: str
    title: str = ""
    question: str | None = None
    answer: str | None = None
    """A registered answer's name (ANSWERS)."""

    @property
    def query(self) -> dict[str, str]:
        """The step's configuration as the page's link parameters."""
        if self.page in PLAIN_PAGES:
            return {}
        return get_link(self.page).to_query(self.values, only_changed=True)


@dataclass(frozen=True)
class Lesson:
    """A lesson: its id (the file's name without .toml), title, lecture note and steps."""

    id: str
    title: str
    note: int
    steps: tuple[Step, ...]
    summary: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def note_title(self) -> str:
        """The title of the lecture note the lesson follows."""
        return NOTES[self.note]


def _fail(path: Path, problem: str) -> LessonError:
    return LessonError(f"{path.name}: {problem}")


def _text(path: Path, where: str, raw: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where} needs {key} = \"...\" (a non-empty text). Received: {key}={value!r}")
    return value.strip()


def _step(path: Path, index: int, raw: Any) -> Step:
    where = f"step {index}"
    if not isinstance(raw, dict):
        raise _fail(path, f"each step is a [[steps]] table. Received: {where}={raw!r}")
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise _fail(path, f"a step's keys are {', '.join(sorted(_STEP_KEYS))}. Received in {where}: {', '.join(unknown)}")
    page = _text(path, where, raw, "page")
    state = raw.get("state", {})
    if not isinstance(state, dict):
        raise _fail(path, f"{where}: state is a table of link parameters, e.g. state = {{ backbone = \"vgg16\" }}. "
                          f"Received: state={state!r}")
    if page in PLAIN_PAGES:
        if state:
            raise _fail(path, f"{where}: the {page} page has no state. Received: {', '.join(state)}")
        values: dict[str, Any] = {}
    else:
        try:
            values = get_link(page).check(state)
        except ExplorerInputError as exc:
            raise _fail(path, f"{where}: {exc}") from None
    question = _text(path, where, raw, "question", required=False) or None
    answer = raw.get("answer")
    if (question is None) != (answer is None):
        raise _fail(path, f"{where}: a question needs an answer (the name of an answer function) and an answer "
                          f"needs a question. Received: question={question!r}, answer={answer!r}")
    if answer is not None:
        spec = ANSWERS.get(answer) if isinstance(answer, str) else None
        if spec is None:
            raise _fail(path, f"{where}: answer names one of {', '.join(sorted(ANSWERS))} (the app computes the "
                              f"number; it is never written in the file). Received: answer={answer!r}")
        if page in PLAIN_PAGES or spec.page != get_link(page).slug:
            raise _fail(path, f"{where}: the answer {answer} reads the {spec.page} page. Received: page={page!r}")
    return Step(page if page in PLAIN_PAGES else get_link(page).slug, dict(state), values,
                _text(path, where, raw, "text"), _text(path, where, raw, "title", required=False), question, answer)


def load_lesson(path: str | Path) -> Lesson:
    """Read and check one lesson file.

    Raises:
        LessonError: the file is missing, is not TOML, or breaks a rule; the message names the
            file and the rule, then the value.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise _fail(path, "a lesson file is UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"is not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - _LESSON_KEYS)
    if unknown:
        raise _fail(path, f"a lesson's keys are {', '.join(sorted(_LESSON_KEYS))}. Received: {', '.join(unknown)}")
    title = _text(path, "the lesson", raw, "title")
    note = raw.get("note")
    if isinstance(note, bool) or note not in NOTES:
        raise _fail(path, f"note is the lecture note the lesson follows, 1 to {len(NOTES)}. Received: note={note!r}")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _fail(path, "a lesson has at least one [[steps]] table. Received: no steps")
    if len(steps) > _MAX_STEPS:
        raise _fail(path, f"a lesson has at most {_MAX_STEPS} steps. Received: {len(steps)} steps")
    return Lesson(path.stem, title, note, tuple(_step(path, i, s) for i, s in enumerate(steps, start=1)),
                  _text(path, "the lesson", raw, "summary", required=False), path)


def load_lessons(folder: str | Path = LESSONS_DIR) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson in a folder, in the order of the notes, and the files that could not be used."""
    lessons, errors = [], []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            lessons.append(load_lesson(path))
        except LessonError as exc:
            errors.append(exc)
    return sorted(lessons, key=lambda lesson: (lesson.note, lesson.id)), errors


def step_url(lesson: Lesson, number: int, base: str = "", extra: Mapping[str, str] | None = None) -> str:
    """The address of a lesson's step (numbered from 1): the page, its configuration, lesson= and step=."""
    step = lesson.steps[number - 1]
    query = {**step.query, **(extra or {}), "lesson": lesson.id, "step": str(number)}
    return f"{base.rstrip('/')}/{step.page}?{urlencode(query, safe=':,')}"


def compute_answer(step: Step) -> Answer:
    """The step's answer, computed from its configuration.

    Raises:
        ExplorerInputError: the step has no question.
    """
    if step.answer is None:
        raise ExplorerInputError(f"This step asks no question. Received: page={step.page!r}")
    return ANSWERS[step.answer].compute(step.values)


def closeness(guess: float, answer: Answer) -> str:
    """How close a guess came, in words: "exact", "within 5% (too high)", "off by a factor of 12 (too low)"."""
    truth = answer.value
    if not math.isfinite(guess):
        return "not a number"
    if math.isclose(guess, truth, rel_tol=1e-9, abs_tol=1e-12):
        return "exact"
    side = "too high" if guess > truth else "too low"
    if truth == 0:
        return f"off by {abs(guess):,g} ({side})"
    error = abs(guess - truth) / abs(truth)
    if error <= 0.5 or guess == 0 or (guess > 0) != (truth > 0):
        return f"within {max(1, math.ceil(error * 100))}% ({side})"
    factor = max(abs(guess), abs(truth)) / min(abs(guess), abs(truth))
    return f"off by a factor of {factor:,.1f} ({side})"


# ---------------------------------------------------------------------- answers


def _count(values: Mapping[str, Any]) -> Any:
    """The Freeze Lab's counts for its configuration (the page's own arithmetic)."""
    from explorer.models.heads import HeadConfig
    from explorer.models.params import TrainablePlan, build_param_table, count_parameters, plan_flags

    table = build_param_table(values["backbone"], values["size"])
    kind = values["plan"]
    plan = TrainablePlan(kind, min(values["n"], len(table.layers)) if kind in ("last", "from") else 0)
    flags = list(plan_flags(table, plan))
    for index in values["layers"]:
        if index < len(flags):
            flags[index] = not flags[index]
    head = HeadConfig(values["head"], values["hidden"], values["dropout"], values["outputs"])
    return table, tuple(flags), head, count_parameters(table, tuple(flags), head)


def _whole(value: int) -> Answer:
    return Answer(float(value), f"{value:,}")


@register_answer("freeze.total", "freeze_lab", "every parameter of backbone + head")
def _freeze_total(values: Mapping[str, Any]) -> Answer:
    return _whole(_count(values)[3].total)


@register_answer("freeze.trainable", "freeze_lab", "the parameters that train")
def _freeze_trainable(values: Mapping[str, Any]) -> Answer:
    return _whole(_count(values)[3].trainable)


@register_answer("freeze.non_trainable", "freeze_lab", "the parameters that stay frozen")
def _freeze_non_trainable(values: Mapping[str, Any]) -> Answer:
    return _whole(_count(values)[3].non_trainable)


@register_answer("freeze.head", "freeze_lab", "the head's parameters")
def _freeze_head(values: Mapping[str, Any]) -> Answer:
    return _whole(_count(values)[3].head_params)


@register_answer("freeze.flatten_over_gap", "freeze_lab", "how many times bigger a Flatten head is than a GAP head",
                 whole=False)
def _flatten_over_gap(values: Mapping[str, Any]) -> Answer:
    from explorer.models.heads import HeadConfig
    from explorer.models.params import count_parameters

    table, flags, head, _ = _count(values)
    flatten, gap = (count_parameters(table, flags, HeadConfig(kind, head.hidden, head.dropout, head.outputs)).head_params
                    for kind in ("flatten", "gap"))
    ratio = flatten / gap
    return Answer(ratio, f"{ratio:,.1f}")


@register_answer("conv.output_side", "convolution_lab", "the side of the 2D convolution's output")
def _conv_output_side(values: Mapping[str, Any]) -> Answer:
    from explorer import convolution as cv

    k = values["ksize"] if values["kernel"] == "custom" else cv.kernel_preset(values["kernel"]).shape[0]
    side = cv.output_size(values["size"], k, values["stride"], values["padding"], values["dilation"])
    return _whole(side)


@register_answer("conv.pool_output_side", "convolution_lab", "the side of the pooled output")
def _pool_output_side(values: Mapping[str, Any]) -> Answer:
    from explorer import convolution as cv

    g = cv.pool_geometry((values["pool_size"], values["pool_size"]), values["window"], values["pool_stride"],
                         values["pool_padding"])
    return _whole(g.rows.output)


@register_answer("conv.receptive_field", "convolution_lab", "the receptive field of the last layer of the stack")
def _receptive_field(values: Mapping[str, Any]) -> Answer:
    from explorer.convolution.stacks import LayerSpec, receptive_field

    rows = receptive_field([LayerSpec(values["rf_kernel"], values["rf_stride"], values["rf_dilation"])]
                           * values["layers"])
    return _whole(rows[-1].receptive_field)


@register_answer("conv.stack_weights", "convolution_lab", "weights of three stacked 3x3 layers (C -> C, no biases)")
def _stack_weights(values: Mapping[str, Any]) -> Answer:
    from explorer.convolution.stacks import compare_stacks

    return _whole(compare_stacks(values["channels"], values["n"])[0].stacked.weights)


@register_answer("conv.single_weights", "convolution_lab", "weights of one 7x7 layer (C -> C, no biases)")
def _single_weights(values: Mapping[str, Any]) -> Answer:
    from explorer.convolution.stacks import compare_stacks

    return _whole(compare_stacks(values["channels"], values["n"])[0].single.weights)


@register_answer("detection.iou", "detection_basics", "intersection over union of boxes A and B", whole=False)
def _iou(values: Mapping[str, Any]) -> Answer:
    from explorer.detection import Box, iou

    a = Box(values["a_x"][0], values["a_y"][0], values["a_x"][1], values["a_y"][1])
    b = Box(values["b_x"][0], values["b_y"][0], values["b_x"][1], values["b_y"][1])
    overlap = iou(a, b).iou
    return Answer(overlap, f"{overlap:.2f}")


@register_answer("finetune.lr_reductions", "finetune_lab",
                 "how many times ReduceLROnPlateau cuts the learning rate before it reaches min_lr")
def _lr_reductions(values: Mapping[str, Any]) -> Answer:
    lr, factor, floor = values[f"lr_{values['strategy']}"], values["factor"], values["min_lr"]
    count = 0
    while lr > floor:  # Keras: new_lr = max(old_lr * factor, min_lr), only while old_lr > min_lr
        lr = max(lr * factor, floor)
        count += 1
    return _whole(count)


@register_answer("advisor.images_per_class", "strategy_advisor", "labelled images per class")
def _images_per_class(values: Mapping[str, Any]) -> Answer:
    return _whole(values["images"] // values["classes"])

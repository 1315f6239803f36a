"""The Lessons page and the lesson player: every step of every bundled lesson opens, asks, reveals."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.classroom
from explorer.lessons import compute_answer, load_lessons

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
FOUND, _ = load_lessons()
STEPS = [(lesson, number) for lesson in FOUND for number in range(1, len(lesson.steps) + 1)]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_step(lesson, number: int) -> AppTest:
    """Open a step's link in a fresh session, as a student's browser would."""
    step = lesson.steps[number - 1]
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({**step.query, "lesson": lesson.id, "step": str(number)})
    at.switch_page(f"app_pages/{step.page}.py")
    return run(at)


@pytest.mark.parametrize(("lesson", "number"), STEPS, ids=[f"{lesson.id}-{n}" for lesson, n in STEPS])
def test_every_step_of_every_lesson_opens_with_its_banner(lesson, number):
    at = open_step(lesson, number)
    step = lesson.steps[number - 1]
    assert any(f"step {number} of {len(lesson.steps)}" in m.value for m in at.markdown)
    assert not [w for w in at.warning if w.icon == ":material/link_off:"]
    assert at.button(key="lesson.next").disabled == (number == len(lesson.steps))
    assert at.button(key="lesson.prev").disabled == (number == 1)
    if step.question:
        key = f"lesson.{lesson.id}.{number}"
        at.number_input(key=f"{key}.guess").set_value(1000)
        run(at)
        at.button(key=f"{key}.reveal").click()
        run(at)
        assert any(compute_answer(step).text in s.value for s in at.success), [s.value for s in at.success]


def test_the_lessons_page_lists_every_lesson_and_a_malformed_file_by_name(tmp_path, monkeypatch):
    for lesson in FOUND:
        (tmp_path / lesson.path.name).write_text(lesson.path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.toml").write_text("title = 'x'\nnote = 7\n", encoding="utf-8")
    monkeypatch.setattr(ui.classroom, "LESSONS_DIR", tmp_path)
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page("app_pages/lessons.py")
    run(at)
    for lesson in FOUND:
        assert at.button(key=f"lessons.start.{lesson.id}")
    assert [e.value for e in at.error] == ["broken.toml: note is the lecture note the lesson follows, 1 to 5. "
                                           "Received: note=7"]


def test_a_stale_lesson_link_is_a_notice_not_a_crash():
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"lesson": "../../etc/passwd", "step": "x"})
    at.switch_page("app_pages/detection_basics.py")
    run(at)
    assert any("There is no lesson" in w.value for w in at.warning)

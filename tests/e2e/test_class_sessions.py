"""A class shares one server: each student's session keeps its own choices and its own photo.

Spoken on Streamlit's websocket protocol (bench.protocol.Student, the load bench's client): many
sessions at once cost a browser nothing, and the server cannot tell them from tabs.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from bench.protocol import Student

# VGG16 at 224 px, a Dense(256) head, last block trainable (the notes' example): Flatten, then GAP.
FLATTEN_TOTAL, GAP_TOTAL = "40,406,849", "15,241,025"


def _total(student: Student) -> str:
    return next(e.metric.body for e in student.elements if e.WhichOneof("type") == "metric" and e.metric.label == "Total")


def _jpeg(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).uniform(0, 255, (240, 320, 3)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG")
    return buffer.getvalue()


def _run(scenario) -> None:
    """Run on a thread of its own: Playwright's sync API keeps an event loop running on the test's."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, scenario()).result()


async def _students(url: str, count: int) -> list[Student]:
    students = [Student(url) for _ in range(count)]
    for student in students:
        await student.connect()
    return students


def test_a_students_head_switch_changes_only_her_counts(app_url):
    async def scenario() -> None:
        a, b = await _students(app_url, 2)
        try:
            await asyncio.gather(a.open("freeze_lab"), b.open("freeze_lab"))
            await asyncio.gather(a.wait_for(lambda s: s.has("metric")), b.wait_for(lambda s: s.has("metric")))
            assert _total(a) == _total(b) == FLATTEN_TOTAL
            await a.set("freeze.head", "string_value", "Global average pooling")
            await b.set("freeze.dropout", "double_array_value", [0.5])  # B's own click reruns B's page
            assert _total(a) == GAP_TOTAL
            assert _total(b) == FLATTEN_TOTAL
        finally:
            await a.close()
            await b.close()

    _run(scenario)


def test_an_uploaded_photo_is_shown_to_its_session_only(app_url):
    async def scenario() -> None:
        a, b = await _students(app_url, 2)
        try:
            await asyncio.gather(a.open("activations_lab"), b.open("activations_lab"))
            await a.upload("act.upload", "mine.jpg", _jpeg(1))
            await b.set("act.sample", "string_value", b.widgets[b.widget_id("act.sample")].options[-1])
            assert any("mine.jpg" in text for text in a.texts()), a.texts()
            assert not any("mine.jpg" in text for text in b.texts()), b.texts()
        finally:
            await a.close()
            await b.close()

    _run(scenario)


def test_a_fresh_server_with_its_warm_up_shows_every_page_whole_to_a_class_arriving_at_once():
    """The warm-up's thread and the workers' client start with the first visit, while other students'
    pages import their own libraries: no page may show an exception (a Fine-tune Lab opened first once
    showed pandas 'partially initialized', from Python's import deadlock detection)."""
    from bench.harness import serve_app

    pages = ["finetune_lab", "activations_lab", "freeze_lab", "case_studies", ""]

    async def scenario(url: str) -> None:
        students = await _students(url, len(pages))
        try:
            await asyncio.gather(*(s.open(p) for s, p in zip(students, pages)))
            for student, page in zip(students, pages):
                shown = [e.exception.message for e in student.elements if e.WhichOneof("type") == "exception"]
                assert not shown, (page, shown)
            assert students[0].widget_id("finetune.train")  # the Fine-tune Lab reached its Train button
        finally:
            for student in students:
                await student.close()

    with serve_app({"EXPLORER_WARM_UP": "1", "EXPLORER_WORKERS": "local", "TF_CPP_MIN_LOG_LEVEL": "2"}) as (_, url):
        _run(lambda: scenario(url))

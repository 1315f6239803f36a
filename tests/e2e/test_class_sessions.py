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

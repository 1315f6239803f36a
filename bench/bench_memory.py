"""Memory over a long session of a class: does one server stay flat?

One server (the app's defaults: its own local workers) serves five students on Streamlit's protocol
(bench.protocol.Student, no browser). In each of ten rounds every student uploads a new photo to the
Activations Lab (50 photos in all, no two alike) and two of them train the Fine-tune Lab's default
run to its end (20 runs in all). After round 5 two students leave (their sessions close) and two new
ones come. After every round it prints the resident memory of the web server and of its workers,
and each as a ratio to its memory after round 1 (the first five photos and first two runs): the
issue's aim is at most 1.3x for the server. A closed tab's session lives on for 120 s in Streamlit
(for a reconnect), so the last line is read 130 s after every tab closed. Prints figures; asserts
nothing.
Run: .venv/bin/python -m bench.bench_memory [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import psutil

from bench.bench_load import _photos
from bench.harness import serve_app
from bench.protocol import Student

STUDENTS, RUNS_PER_ROUND, TIMEOUT = 5, 2, 900.0
SESSION_TTL_S = 120
"""Streamlit keeps a closed tab's session this long (server.disconnectedSessionTTL), for a reconnect."""


def _rss(server: psutil.Process) -> tuple[int, int]:
    """Resident bytes of the server, and of its children (the workers) together."""
    workers = 0
    for child in server.children(recursive=True):
        try:
            workers += child.memory_info().rss
        except psutil.Error:
            pass
    return server.memory_info().rss, workers


async def _join(url: str) -> tuple[Student, Student]:
    """A student with two tabs: the Activations Lab and the Fine-tune Lab."""
    photos, runs = Student(url), Student(url)
    await photos.connect()
    await runs.connect()
    await photos.open("activations_lab", TIMEOUT)
    await runs.open("finetune_lab", TIMEOUT)
    return photos, runs


async def _leave(student: tuple[Student, Student]) -> None:
    for tab in student:
        await tab.close()


async def _upload(tab: Student, photo: Path) -> None:
    await tab.upload("act.upload", photo.name, photo.read_bytes(), TIMEOUT)
    if not any(photo.name in text for text in tab.texts()):
        raise AssertionError(f"the Activations Lab does not show {photo.name}")


async def _train(tab: Student) -> None:
    """Press Train and wait for the run's result (the live panel gone, "Last run:" shown)."""
    await tab.click("finetune.train", TIMEOUT)
    await tab.wait_for(lambda t: not t.has("progress") and any("Last run:" in text for text in t.texts()), TIMEOUT)


async def _lecture(url: str, server: psutil.Process, rounds: int, photos: list[Path]) -> None:
    students = [await _join(url) for _ in range(STUDENTS)]
    base = None
    began = time.perf_counter()
    print(f"{'round':>5}{'photos':>8}{'runs':>6}{'minutes':>9}{'server MiB':>12}{'x r1':>6}"
          f"{'workers MiB':>13}{'x r1':>6}")
    for r in range(1, rounds + 1):
        if r == rounds // 2 + 1:  # two students leave, two others come
            for student in students[:2]:
                await _leave(student)
            students = students[2:] + [await _join(url) for _ in range(2)]
        await asyncio.gather(*(_upload(tabs, photos[(r - 1) * STUDENTS + i])
                               for i, (tabs, _runs) in enumerate(students)))
        for i in range(RUNS_PER_ROUND):  # one after another: a run per worker slot, as a class's line
            await _train(students[(r * RUNS_PER_ROUND + i) % STUDENTS][1])
        server_rss, workers_rss = _rss(server)
        base = base or (server_rss, workers_rss)
        print(f"{r:>5}{r * STUDENTS:>8}{r * RUNS_PER_ROUND:>6}{(time.perf_counter() - began) / 60:>9.1f}"
              f"{server_rss / 2**20:>12.0f}{server_rss / base[0]:>6.2f}{workers_rss / 2**20:>13.0f}"
              f"{workers_rss / base[1]:>6.2f}")
    for student in students:
        await _leave(student)
    await asyncio.sleep(SESSION_TTL_S + 10)
    server_rss, workers_rss = _rss(server)
    print(f"every tab closed, {SESSION_TTL_S + 10} s later: server {server_rss / 2**20:.0f} MiB "
          f"({server_rss / base[0]:.2f}x), "
          f"workers {workers_rss / 2**20:.0f} MiB ({workers_rss / base[1]:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 5 photos and 2 runs (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as runs_dir:
        photos = _photos(Path(folder), args.rounds * STUDENTS)
        env = {"EXPLORER_WORKERS": "local", "EXPLORER_RUNS_DIR": runs_dir, "TF_CPP_MIN_LOG_LEVEL": "2"}
        with serve_app(env) as (server, url):
            asyncio.run(_lecture(url, psutil.Process(server.pid), args.rounds, photos))


if __name__ == "__main__":
    main()

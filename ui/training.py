"""Fine-tune Lab runs in a worker thread: a click elsewhere reruns the page, never the run.

The thread owns the run; the page only reads a RunHandle kept in session state and redraws
it from a fragment that re-runs every second. Stop sets an Event that the run checks after
each batch, so it ends cleanly and keeps its best checkpoint.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from explorer.io.datasets import (
    DataSplit,
    ImageDataset,
    fetch_photo_set,
    load_digits,
    make_shapes,
    read_zip,
    split_dataset,
)
from explorer.errors import ExplorerInputError
from explorer.training import Progress, RunResult, TrainConfig, classify, load_classifier, run_training
from explorer.figures.training import curves_figure
from ui.state.finetune import ERROR, MODEL_FILE, PHOTO
from ui.upload import checked_bytes, digest_of, file_uploader, photo_uploader, read_photo

ACTIVE = "finetune.active"
RUNS = "finetune.runs"
DATA_SIZE = "finetune.data_size"
MAX_RUNS = 12


@dataclass(eq=False)
class RunHandle:
    """A run going on in a worker thread: its latest progress, then its result or its error."""

    config: TrainConfig
    split: DataSplit
    stop_event: threading.Event = field(default_factory=threading.Event)
    progress: Progress | None = None
    result: RunResult | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    thread: threading.Thread | None = None
    sizes: tuple[int, ...] = ()
    """Set for the "how much data" experiment: one run per training-images-per-class count."""
    points: list[tuple[int, float]] = field(default_factory=list)

    def start(self) -> RunHandle:
        self.thread = threading.Thread(target=self._work, name="finetune-run", daemon=True)
        self.thread.start()
        return self

    def _work(self) -> None:
        try:
            if not self.sizes:
                self.result = run_training(self.split, self.config, progress=self._on_progress, stop=self.stop_event)
            for n in self.sizes:  # the same strategy at each data size, one after the other
                part = self.split.per_class(n, self.config.seed)
                used = int(np.bincount(part.train_labels).max())
                if self.stop_event.is_set() or (self.points and used <= self.points[-1][0]):
                    break  # stopped, or the data set has no more images per class
                self.progress, self.started = None, time.monotonic()  # progress and time left: this run
                self.result = run_training(part, self.config, progress=self._on_progress, stop=self.stop_event)
                if not self.result.stopped:
                    self.points.append((used, self.result.val_accuracy))
        except ExplorerInputError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug: show one line, not a traceback; tests see it in .error
            self.error = f"The run failed unexpectedly ({type(exc).__name__}: {str(exc)[:200]})"

    def _on_progress(self, progress: Progress) -> None:
        self.progress = progress

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def status_line(self) -> tuple[float, str]:
        """(fraction done, 'epoch 3/10 · batch 2/5 · about 12 s left')."""
        p = self.progress
        if p is None:
            return 0.0, "Building the model..."
        if p.stage == "features":
            return 0.0, "Running the frozen backbone once over every image (stored features)..."
        elapsed = time.monotonic() - self.started
        left = elapsed * (1 - p.fraction) / p.fraction if p.fraction > 0.02 else None
        eta = f" · about {left:.0f} s left" if left is not None else ""
        stage = " (stage 2)" if p.stage == "stage 2" else ""
        if self.sizes:
            stage += f" · data size {len(self.points) + 1} of {len(self.sizes)}"
        return p.fraction, f"epoch {p.epoch}/{p.epochs}{stage} · batch {p.batch}/{p.batches}{eta}"


@st.cache_resource(max_entries=8, show_spinner="Preparing the images...")
def builtin_data(name: str, image_size: int, per_class: int, seed: int) -> ImageDataset:
    """A built-in data set (read-only, shared)."""
    if name == "digits":
        return load_digits(image_size, per_class, seed)
    return make_shapes(per_class, image_size, seed=seed)


@st.cache_resource(max_entries=4, show_spinner="Reading the ZIP...")
def _zip_data(digest: str, image_size: int, _data: bytes) -> ImageDataset:
    return read_zip(_data, image_size)


@st.cache_resource(max_entries=2, show_spinner="Reading the cats-vs-dogs photos...")
def _photo_zip(path: str, image_size: int) -> ImageDataset:
    return read_zip(Path(path).read_bytes(), image_size, name="cats vs dogs", subfolder="train")


def photo_set(image_size: int) -> ImageDataset:
    """The tutorials' cats-vs-dogs photos, downloaded once on request and cached on disk.

    Raises:
        DatasetUnavailableError: at once when this machine is offline.
    """
    return _photo_zip(str(fetch_photo_set()), image_size)


def zip_data(data: bytes, image_size: int) -> ImageDataset:
    """A user's ZIP (its size checked by ui.upload.checked_bytes), cached by its digest."""
    return _zip_data(digest_of(data), image_size, data)


def start_run(dataset: ImageDataset, config: TrainConfig, val_fraction: float = 0.2,
              sizes: tuple[int, ...] = ()) -> None:
    """Start a run in a worker thread (one per count in sizes, if given), unless one is going on."""
    active: RunHandle | None = st.session_state.get(ACTIVE)
    if active is not None and active.running:
        return
    split = split_dataset(dataset, val_fraction, config.seed)
    st.session_state[ACTIVE] = RunHandle(config, split, sizes=tuple(sorted(set(sizes)))).start()


def active_run() -> RunHandle | None:
    """The session's run in progress or just finished."""
    return st.session_state.get(ACTIVE)


@st.fragment(run_every=1.0)
def live_panel() -> None:
    """Progress, live curves and Stop; when the run ends, keep its result and rerun the page."""
    handle = active_run()
    if handle is None:
        return
    if not handle.running:
        st.session_state.pop(ACTIVE, None)
        if handle.sizes:
            st.session_state[DATA_SIZE] = (handle.config.label, list(handle.points))
            st.session_state[ERROR] = handle.error
        elif handle.result is not None:
            runs = st.session_state.setdefault(RUNS, [])
            runs.append((handle.result, handle.split))
            del runs[:-MAX_RUNS]
        else:
            st.session_state[ERROR] = handle.error
        st.rerun()
    fraction, line = handle.status_line()
    left, right = st.columns([6, 1], vertical_alignment="bottom")
    left.progress(fraction, text=f"**Training {handle.config.label}** — {line}")
    # A callback, not `if st.button(...)`: it runs before any rerun, so a click that lands
    # while the fragment refreshes is never lost.
    right.button("Stop", key="finetune.stop", icon=":material/stop_circle:", width="stretch",
                 disabled=handle.stop_event.is_set(), on_click=handle.stop_event.set)
    if handle.progress is not None and handle.progress.history.get("loss"):
        st.plotly_chart(curves_figure(handle.progress.history, handle.progress.events), width="stretch",
                        theme=None, key="finetune.live_chart")


def misclassified_images(split_images: np.ndarray, result: RunResult, limit: int = 12) -> list[tuple[np.ndarray, str]]:
    """The wrong guesses with captions, for st.image."""
    return [(split_images[m.index], f"{m.true} → {m.predicted} ({m.confidence:.0%})")
            for m in result.misclassified[:limit]]


def classify_panel() -> None:
    """A model saved by this page and a photo: the model's top guesses."""
    model_file = file_uploader("A .keras model saved by this page", MODEL_FILE, ["keras"])
    photo = photo_uploader("A photo", PHOTO)
    if model_file and photo:
        try:
            ranked = classify(load_classifier(checked_bytes(model_file)), read_photo(photo).pixels)
            st.markdown("\n".join(f"- **{name}**: {p:.1%}" for name, p in ranked[:5]))
        except ExplorerInputError as exc:
            st.error(str(exc))

"""Fine-tune Lab runs train in worker processes (explorer.engine); a click elsewhere reruns the page, never the run.

A thread of the web server follows each session's runs: it hands them to the workers one
after the other and keeps their latest progress in a RunHandle (in session state), which
the page redraws from a fragment that re-runs every second while a run is live, and not at
all otherwise (an idle page never reruns by itself). Stop sets an Event that the worker
checks after each batch, so the run ends cleanly and keeps its best checkpoint. One handle
may hold several runs one after the other: the "how much data" sizes, or the three-way
comparison. While every worker is busy, the run waits for one and shows its place in line.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
from explorer import engine, jobs
from explorer.engine import Placement, configured_placement
from explorer.errors import ExplorerInputError
from explorer.links import RUN_PARAM
from explorer.training import (
    Progress,
    RunResult,
    SizePlan,
    TimeLeft,
    TrainConfig,
    format_time_left,
    plan_data_sizes,
)
from explorer.figures.training import compare_figure, confusion_figure, curves_figure, data_size_figure, metric_label
from explorer.io.zips import check_keras_file
from ui.cache import compute, placement
from ui.i18n import N_, _
from ui.state.finetune import COMPARE, DOWNLOAD, ERROR, METRIC, MODEL_FILE, PHOTO, STATE
from explorer.io.text import literal
from explorer.training import records
from ui.upload import checked_bytes, digest_of, file_uploader, photo_uploader, read_photo, show_error

ACTIVE = "finetune.active"
RUNS = "finetune.runs"
DATA_SIZE = "finetune.data_size"
MAX_RUNS = 12
Pictures = list[tuple[np.ndarray, str]]
"""A finished run's wrong guesses with their captions (misclassified_images), kept in RUNS with its result."""
COMPARED = ("feature-extraction", "scratch", "two-stage")
"""The one-click comparison: transfer (head on stored features), the same network from scratch, two-stage."""
ABANDON_S = 60.0
"""A run whose browser session is gone this long (the tab was closed; a reload reconnects sooner) is
stopped and its files removed."""


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _session_alive(session: str | None) -> bool:
    """Whether the browser session is still connected (always, without a server: AppTest)."""
    from streamlit.runtime import Runtime

    return session is None or not Runtime.exists() or Runtime.instance().is_active_session(session)


@dataclass(eq=False)
class RunHandle:
    """Runs on the workers, followed from a thread: their latest progress, then their results or an error."""

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
    plan: SizePlan | None = None
    queue: tuple[TrainConfig, ...] = ()
    """Set for a comparison: these runs one after the other on the same split (config is the current one)."""
    finished: list[RunResult] = field(default_factory=list)
    clock: TimeLeft | None = None
    _clock_started: float = -1.0
    folder: Path | None = None
    """The run's record folder (explorer.training.records): a restart mid-run is reported."""
    placement: Placement = field(default_factory=configured_placement)
    """Where the runs train (explorer.engine): local worker processes unless configured."""
    waiting: int = 0
    """While the run waits for a free worker: its place in line (1 = next); 0 once it trains."""
    trained: int = 0
    """Runs handed to the workers so far (each one's checkpoint goes to folder/run-<n>)."""
    session: str | None = field(default_factory=_session_id)
    """The browser session that started the run."""
    gone_since: float | None = None
    abandoned: bool = False
    """Its session was gone for ABANDON_S (the tab was closed): it was stopped and its files removed."""

    def start(self) -> RunHandle:
        """Make the run's record folder (a run cut short by a server restart is reported from it), then train."""
        self.folder = records.start_record(self.config.label, self.config.total_epochs)
        self.thread = threading.Thread(target=self._recorded, name="finetune-run", daemon=True)
        self.thread.start()
        return self

    def _recorded(self) -> None:
        """_work, then mark its record done (anything but interrupted)."""
        try:
            self._work()
        finally:
            records.finish_record(self.folder)
            if self.abandoned:  # nobody will ask for its checkpoints
                shutil.rmtree(self.folder, ignore_errors=True)

    def _work(self) -> None:
        try:
            for config in self.queue:  # a comparison: every run on the same split, one after the other
                if self.stop_event.is_set():
                    break
                self.config, self.progress, self.started = config, None, time.monotonic()
                self.result = self._train(self.split, config)
                self.finished.append(self.result)
            if not self.sizes and not self.queue:
                self.result = self._train(self.split, self.config)
            for n in self.sizes:  # the same strategy at each data size (planned: distinct, ascending)
                if self.stop_event.is_set():
                    break
                part = self.split.per_class(n, self.config.seed)
                self.progress, self.started = None, time.monotonic()  # progress and time left: this run
                self.result = self._train(part, self.config)
                if not self.result.stopped:
                    self.points.append((n, self.result.val_accuracy))
        except ExplorerInputError as exc:
            self.error = str(exc)
        except Exception as exc:  # a bug: show one line, not a traceback; tests see it in .error
            self.error = f"The run failed unexpectedly ({type(exc).__name__}: {str(exc)[:200]})"

    def _train(self, split: DataSplit, config: TrainConfig) -> RunResult:
        """One run on the workers, its checkpoint in a folder of its own inside the record's."""
        self.trained += 1
        folder = (self.folder or records.runs_root()) / f"run-{self.trained}"
        return engine.train(split, config, folder, self.placement, on_progress=self._on_progress,
                            on_wait=self._on_wait, stop=self.stop_event)

    def _still_wanted(self) -> None:
        """Stop a run whose browser session has been gone for ABANDON_S (the tab was closed)."""
        if _session_alive(self.session):
            self.gone_since = None
            return
        now = time.monotonic()
        self.gone_since = self.gone_since or now
        if now - self.gone_since >= ABANDON_S and not self.stop_event.is_set():
            self.abandoned = True
            self.stop_event.set()

    def _on_wait(self, place: int) -> None:
        self.waiting = place
        self._still_wanted()

    def _on_progress(self, progress: Progress) -> None:
        self.waiting = 0
        self._still_wanted()
        if self.clock is None or self._clock_started != self.started:  # a new run: a new clock
            self.clock, self._clock_started = TimeLeft.for_config(self.config), self.started
        self.clock.observe(progress, time.monotonic())
        self.progress = progress
        if self.folder is not None:
            records.update_record(self.folder, progress.epoch, progress.epochs)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def status_line(self) -> tuple[float, str]:
        """(fraction done, 'epoch 3/10 · batch 2/5 · about 12 s left')."""
        p = self.progress
        where = ""  # which run of several
        if self.sizes:
            where = " · " + _("data size {i} of {n}").format(i=len(self.points) + 1, n=len(self.sizes))
        if self.queue:
            where = " · " + _("run {i} of {n}").format(i=len(self.finished) + 1, n=len(self.queue))
        if p is None and self.waiting:
            return 0.0, _("Waiting for a free worker: number {n} in line").format(n=self.waiting) + where
        if p is None:
            return 0.0, _("Building the model...") + where
        if p.stage == "features":
            return 0.0, _("Running the frozen backbone once over every image (stored features)...") + where
        left = self.clock.seconds_left(time.monotonic()) if self.clock is not None else None
        eta = " · " + format_time_left(left) + (" " + _("(this run)") if where else "")
        stage = (" " + _("(stage 2)") if p.stage == "stage 2" else "") + where
        return p.fraction, _("epoch {e}/{epochs}").format(e=p.epoch, epochs=p.epochs) + stage + " · " + _(
            "batch {b}/{batches}").format(b=p.batch, batches=p.batches) + eta


DATA_KEPT_BYTES = 512 * 2**20
"""The data sets the page keeps for every session, together, at most (the newest one always): by bytes,
not by count, since one can be 1 MB (40 shapes a class at 48 px) or 750 MB (a ZIP at its pixel budget)."""
_kept: OrderedDict[tuple, tuple[int, tuple[str, ...]]] = OrderedDict()
"""(cached function, its hashed arguments) -> (the data set's bytes, its unhashed parameters' names), oldest first."""
_kept_lock = threading.Lock()


def _kept_data(cached: Any, *args: Any, **unhashed: Any) -> ImageDataset:
    """cached(*args, **unhashed), then forget the data sets used longest ago while all of them pass
    DATA_KEPT_BYTES. `unhashed`: the parameters Streamlit does not hash (`_data`), never kept here."""
    dataset = cached(*args, **unhashed)
    with _kept_lock:
        _kept[(cached, args)] = (dataset.images.nbytes, tuple(unhashed))
        _kept.move_to_end((cached, args))
        while len(_kept) > 1 and sum(size for size, _names in _kept.values()) > DATA_KEPT_BYTES:
            (old, old_args), (_size, names) = _kept.popitem(last=False)
            old.clear(*old_args, **dict.fromkeys(names))
    return dataset


@st.cache_resource(show_spinner="Preparing the images...")
def _builtin_data(name: str, image_size: int, per_class: int, seed: int) -> ImageDataset:
    if name == "digits":
        return load_digits(image_size, per_class, seed)
    return make_shapes(per_class, image_size, seed=seed)


@st.cache_resource(show_spinner="Reading the ZIP...")
def _zip_data(digest: str, image_size: int, _data: bytes) -> ImageDataset:
    return read_zip(_data, image_size)


@st.cache_resource(show_spinner="Reading the cats-vs-dogs photos...")
def _photo_zip(path: str, image_size: int) -> ImageDataset:
    return read_zip(Path(path).read_bytes(), image_size, name="cats vs dogs", subfolder="train")


def builtin_data(name: str, image_size: int, per_class: int, seed: int) -> ImageDataset:
    """A built-in data set (read-only, shared)."""
    return _kept_data(_builtin_data, name, image_size, per_class, seed)


def photo_set(image_size: int) -> ImageDataset:
    """The tutorials' cats-vs-dogs photos, downloaded once on request and cached on disk.

    Raises:
        DatasetUnavailableError: at once when this machine is offline.
    """
    return _kept_data(_photo_zip, str(fetch_photo_set()), image_size)


def zip_data(data: bytes, image_size: int) -> ImageDataset:
    """A user's ZIP (its size checked by ui.upload.checked_bytes), cached by its digest."""
    return _kept_data(_zip_data, digest_of(data), image_size, _data=data)


def start_run(dataset: ImageDataset, config: TrainConfig, val_fraction: float = 0.2,
              sizes: tuple[int, ...] = (), compare: tuple[TrainConfig, ...] = ()) -> None:
    """Start a run in a worker thread, unless one is going on.

    With sizes, one run per planned size (a size the data cannot give is skipped and said so;
    a validation set too small to separate the points is refused with an error on the page).
    With compare, those runs one after the other on the same split.
    """
    active: RunHandle | None = st.session_state.get(ACTIVE)
    if active is not None and active.running:
        return
    split = split_dataset(dataset, val_fraction, config.seed)
    plan = None
    if sizes:
        try:
            plan = plan_data_sizes(split, sizes)
        except ExplorerInputError as exc:
            st.session_state[ERROR] = str(exc)
            return
    try:
        where = placement()
    except ValueError as exc:
        st.session_state[ERROR] = str(exc)
        return
    handle = RunHandle(compare[0] if compare else config, split, sizes=plan.runs if plan else (), plan=plan,
                       queue=tuple(compare), placement=where)
    st.session_state[ACTIVE] = handle.start()
    st.query_params[RUN_PARAM] = handle.folder.name  # a page reconnecting after a restart finds its run


def warm_workers() -> None:
    """Start the training workers in the background when the page opens (explorer.engine.warm_up):
    the first Train click then waits for its run only."""
    try:
        engine.warm_up(placement())
    except ValueError:
        pass  # a bad setting is reported when a run is started


DEFAULTS_WHY = N_(
    "Why the defaults show the lesson: 40 shapes per class are too few for EfficientNet-Lite0 to learn from random "
    "weights in 6 epochs (from scratch stays near chance), its ImageNet features already tell the shapes apart "
    "(feature extraction), and stage 2 then adapts all but BatchNormalization at a 10x lower rate (two-stage)."
)


def comparison_configs(config: TrainConfig, values: dict | None = None) -> tuple[TrainConfig, ...]:
    """The page's settings as transfer (feature extraction), from scratch and two-stage, each at its own rate.

    The rates and stage-2 settings come from the page's state (values by field name; the session's
    when None), as the sidebar shows them only for the strategy chosen.
    """
    values = STATE.values() if values is None else values
    return tuple(replace(config, strategy=s, learning_rate=values[f"lr_{s}"], stage2_epochs=values["stage2"],
                         stage2_learning_rate=values["lr2"]) for s in COMPARED)


def active_run() -> RunHandle | None:
    """The session's run in progress or just finished."""
    return st.session_state.get(ACTIVE)


def live_panel() -> None:
    """The live run's panel, refreshed every second, or nothing at all when no run is live.

    run_every only while a run is live: an idle page must not rerun by itself (a timer firing
    during a fresh page's first full run could leave it stale, grey, with no Train button).
    """
    if active_run() is not None:
        _live_fragment()


def _file_finished(handle: RunHandle) -> None:
    """Keep a finished handle's results (runs, or the data-size points) and its error, if any."""
    st.session_state.pop(ACTIVE, None)
    st.query_params.pop(RUN_PARAM, None)
    if handle.sizes or handle.plan is not None:
        st.session_state[DATA_SIZE] = (handle.config, list(handle.points), handle.plan)
    done = handle.finished or ([handle.result] if handle.result is not None and not handle.sizes else [])
    runs = st.session_state.setdefault(RUNS, [])
    # Each run keeps its wrong guesses' pictures, not the data: a split is the whole data set again
    # (a ZIP of 1,000 photos at 224 px: 150 MB), and a session keeps up to MAX_RUNS runs.
    runs.extend((result, misclassified_images(handle.split.val_images, result)) for result in done)
    del runs[:-MAX_RUNS]
    st.session_state[ERROR] = handle.error


@st.fragment(run_every=1.0)
def _live_fragment() -> None:
    """Progress, live curves and Stop; when the run ends, keep its result and rerun the page."""
    handle = active_run()
    if handle is None:
        return
    if not handle.running:
        _file_finished(handle)
        st.rerun()
    fraction, line = handle.status_line()
    row = st.container(horizontal=True, vertical_alignment="bottom", wrap=False)  # Stop keeps its whole label
    row.progress(fraction, text="**" + _("Training {label}").format(label=handle.config.describe(_)) + f"** — {line}")
    # A callback, not `if st.button(...)`: it runs before any rerun, so a click that lands
    # while the fragment refreshes is never lost.
    row.button(_("Stop"), key="finetune.stop", icon=":material/stop_circle:", width="content",
               disabled=handle.stop_event.is_set(), on_click=handle.stop_event.set)
    if handle.progress is not None and handle.progress.history.get("loss"):
        st.plotly_chart(curves_figure(handle.progress.history, handle.progress.events), width="stretch",
                        theme=None, key="finetune.live_chart")
    from ui.xray import live_heatmap  # here: ui.xray builds on this module

    live_heatmap(handle.progress)


def data_size_panel() -> None:
    """The "how much data" result: accuracy per size, with why a size was skipped and what one image is worth."""
    experiment = st.session_state.get(DATA_SIZE)
    if not experiment:
        return
    config, points, plan = experiment
    label = config.describe(_)  # in the language of now, not of when it ran
    st.subheader(_("How much data: {label}").format(label=label))
    st.plotly_chart(data_size_figure(points, label, plan.accuracy_step if plan else None), width="stretch",
                    theme=None, key="finetune.data_size_chart")
    if plan is not None:
        st.caption("  \n".join(plan.notes()))


def last_run_panel(result: RunResult, pics: Pictures) -> None:
    """The last run: its accuracy line, curves, confusion matrix, wrong guesses (misclassified_images)
    and the model to download."""
    st.subheader(_("Last run: {label}").format(label=result.config.describe(_)))
    st.markdown(f"### `{result.accuracy_line}`  \n" + _("best checkpoint of {n} epochs, {s} s").format(
        n=result.epochs_run, s=f"{result.seconds:.1f}") + (" · " + _("stopped") if result.stopped else ""))
    st.plotly_chart(curves_figure(result.history, result.events), width="stretch", theme=None, key="finetune.curves")
    conf, wrong = st.columns([2, 3])
    conf.plotly_chart(confusion_figure(result.confusion, result.class_names), theme=None, key="finetune.confusion")
    with wrong:
        st.markdown("**" + _("Misclassified") + f"** ({len(result.misclassified)})")
        if pics:
            st.image([p for p, _c in pics], caption=[c for _p, c in pics], width=96)
        checkpoint = Path(result.checkpoint)
        if not checkpoint.is_file():  # the server pruned old run folders (explorer.training.records.prune)
            st.caption(_("Its model file is gone: the server keeps the newest runs' files only. Train again to "
                         "download a model."))
        else:
            # Read when clicked, not on every rerun: bytes given here stay in the server's memory for
            # as long as the session shows them (13 MB per session for the default run).
            st.download_button(_("Download the best model (.keras)"), checkpoint.read_bytes, "best.keras",
                               key=DOWNLOAD,
                               help=_("Plain Keras opens it: keras.models.load_model(\"best.keras\"). The class "
                                      "names end its name (model.name), the input size is model.input_shape."))


def compare_panel(history: list[tuple[RunResult, Pictures]]) -> list[str]:
    """The session's runs on one chart (the last three chosen, a new run joins); returns the runs' labels."""
    labels = [f"{i + 1}. {r.config.describe(_)}" for i, (r, _pics) in enumerate(history)]
    st.subheader(_("Compare runs"))
    chosen = st.multiselect(_("Runs"), labels, default=labels[-3:], key=f"{COMPARE}.{len(labels)}")
    metric = st.radio(_("Metric"), STATE.options(METRIC), horizontal=True, key=METRIC, format_func=metric_label)
    picked = [(label, r.history) for label, (r, _pics) in zip(labels, history) if label in chosen]
    st.plotly_chart(compare_figure(picked, metric), width="stretch", theme=None, key="finetune.compare_chart")
    return labels


def misclassified_images(split_images: np.ndarray, result: RunResult, limit: int = 12) -> Pictures:
    """The wrong guesses with captions, for st.image: copies, which keep no reference to the data set."""
    return [(split_images[m.index].copy(), f"{literal(m.true, 40)} → {literal(m.predicted, 40)} ({m.confidence:.0%})")
            for m in result.misclassified[:limit]]


def classify_panel() -> None:
    """A model saved by this page and a photo: the model's top guesses."""
    model_file = file_uploader(_("A .keras model saved by this page"), MODEL_FILE, ["keras"])
    photo = photo_uploader(_("A photo"), PHOTO)
    if model_file and photo:
        try:
            data = checked_bytes(model_file)
            check_keras_file(data)  # here, before a worker's Keras sees it
            ranked = compute(jobs.classify_upload, data, read_photo(photo).pixels)
            st.markdown("\n".join(f"- {literal(name)}: **{p:.1%}**" for name, p in ranked[:5]))
        except ExplorerInputError as exc:
            show_error(exc)


def restart_notice() -> None:
    """Say so when this browser's run was cut short by a server restart: the address names the run
    (?run=, set while it trains), and its record says running while its server is gone.

    Only the page that started the run sees it (not every student on the server). Offers the run's
    best checkpoint when one was written; Dismiss marks the record as seen.
    """
    from ui.upload import error_text

    wanted = st.query_params.get(RUN_PARAM)
    active = active_run()
    if not wanted or (active is not None and active.folder is not None and active.folder.name == wanted):
        return
    record = next((r for r in records.interrupted_runs() if r.folder.name == wanted), None)
    if record is None:  # finished, dismissed, or not a run of this server's folder: nothing to say
        st.query_params.pop(RUN_PARAM, None)
        return
    key = record.folder.name
    text, button = st.columns([6, 1], vertical_alignment="center")
    text.warning(_("A training run ({label}) was interrupted by a server restart after epoch {epoch} of {epochs}; "
                   "this page started afresh.").format(label=error_text(record.label), epoch=record.epoch,
                                                        epochs=record.epochs), icon=":material/restart_alt:")
    if record.checkpoint is not None:
        text.download_button(_("Download its best checkpoint (.keras)"), record.checkpoint.read_bytes(),
                             "best.keras", key=f"finetune.restart.download.{key}")
    else:
        text.caption(_("It had not written a checkpoint yet."))
    button.button(_("Dismiss"), key=f"finetune.restart.dismiss.{key}", on_click=_dismiss, args=(record.folder,))


def _dismiss(folder: Path) -> None:
    records.dismiss_record(folder)
    st.query_params.pop(RUN_PARAM, None)

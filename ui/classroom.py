"""The classroom around every page: share (link + QR code), presenter view, the lesson player's banner.

The router calls `classroom(page_path, url_path)` once per run, after the navigation is built
and before the page runs, so all three appear on every page without a page edit:

- Share (sidebar): a dialog with the page's link as the address bar shows it and a QR code
  of it (segno, drawn offline), big enough to scan from the back of a hall when projected.
- Presenter view (``present=1`` in the link, or the sidebar toggle): sidebar collapsed,
  compact controls, large type, figures through apply_style(presenter=True) (see `presenting`).
- A lesson step (``lesson=...&step=...`` in the link): a banner above the page with the step's
  text, "step k of n", Previous / Next (also the arrow keys), and the prediction question whose
  answer is computed by explorer.lessons from the step's configuration and shown after a guess.
"""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import urlencode, urlsplit

import streamlit as st

from explorer.errors import ExplorerInputError
from explorer.lessons import (
    ANSWERS,
    LESSONS_DIR,
    Answer,
    Lesson,
    LessonError,
    closeness,
    compute_answer,
    load_lesson,
    load_lessons,
)
from explorer.links import RUN_PARAM
from ui.cache import compute
from ui.i18n import _

__all__ = [
    "PRESENT_KEY",
    "PRESENT_PARAM",
    "classroom",
    "current_link",
    "lesson_link",
    "lessons",
    "presenting",
    "qr_png",
]

PRESENT_PARAM = "present"
PRESENT_KEY = "app.present"
SHARE_KEY = "app.share"
_PRESENT_SEEN = "_app.present_in_link"
_PATH = "_app.url_path"

# One style sheet, for the projector: 1280x720 and 1024x768 show the page's key numbers and figure
# without scrolling. The rules that keep numbers whole apply in the normal view too.
_ALWAYS_CSS = """
[data-testid="stApp"] :is(p, li, td, th, label, span, div) { word-break: keep-all !important;
    overflow-wrap: break-word !important; }
/* Korean lines break between words, as Korean is set (not inside 방법 or 모서리; Streamlit's own rule
   breaks anywhere); English is unchanged; a word longer than its line still breaks */
[data-testid="stMetric"] { container-type: inline-size; }
[data-testid="stMetricValue"] { font-size: min(2.75rem, 15cqi) !important; }
[data-testid="stMetricValue"] > div { overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMarkdownContainer"]:has(table), [data-testid="stMarkdown"]:has(.katex-display) {
    container-type: inline-size; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto;
    font-size: clamp(0.7em, 6cqi, 0.85em); }
.katex-display > .katex { font-size: min(1.21em, 6cqi) !important; }
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; }
[data-testid="stMarkdownContainer"] td, [data-testid="stMarkdownContainer"] th { padding: 0.25rem 0.4rem; }
.katex-display { max-width: 100%; overflow-x: auto; overflow-y: hidden; }
@media (max-width: 1100px) {  /* a 1024x768 projector with the sidebar open: room for the page itself */
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem !important; padding-right: 1.5rem !important; }
}
"""
_PRESENT_CSS = """
[data-testid="stMainBlockContainer"], .block-container { padding: 2.6rem 1.2rem 1rem 1.2rem !important;
    max-width: 100% !important; }
html, body, [data-testid="stApp"] { font-size: 20px; }
h1 { font-size: 2rem !important; padding: 0 0 0.25rem 0 !important; }
h2, h3, h4 { font-size: 1.35rem !important; }
[data-testid="stWidgetLabel"] p { font-size: 0.85rem; }
[data-testid="stVerticalBlock"] { gap: 0.45rem; }
[data-testid="stMetricValue"] { font-size: clamp(1.5rem, 3.2vw, 3rem); }
[data-testid="stHeader"] { height: 2.5rem; min-height: 2.5rem; }
.st-key-presenter_bar { margin-top: -2.5rem; margin-bottom: -0.3rem; position: relative; z-index: 999990;
    width: auto !important; align-self: flex-end; }
.st-key-presenter_bar p { font-size: 0.8rem; }
"""


def presenting() -> bool:
    """Whether this run draws the presenter view (figures: apply_style(fig, presenter=presenting()))."""
    try:
        return bool(st.session_state.get(PRESENT_KEY, False))
    except Exception:  # no session (a figure drawn outside a script run)
        return False


MODEBAR_KEPT_OUT = ("zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d")
"""Plotly's toolbar keeps "download as PNG" and "reset axes": its seven buttons, shown while the
mouse is over a chart, covered the right end of titles on a projector. Dragging still zooms, a
double click still resets, and Streamlit's own full-screen button stays."""


def _style_every_figure() -> None:
    """Every Plotly chart of every page goes through apply_style(presenter=presenting()) on its way out,
    with a short toolbar (MODEBAR_KEPT_OUT) unless the page asks for its own.

    One wrapper around DeltaGenerator.plotly_chart, installed once per process, instead of an
    edit on every page. It reads the session that draws the chart, so a presenter in one
    browser never changes another's figures, and it styles a copy: a figure cached by
    st.cache_resource is shared by every session and stays as its builder made it.
    """
    from streamlit.delta_generator import DeltaGenerator

    if getattr(DeltaGenerator.plotly_chart, "_classroom", False):
        return
    original = DeltaGenerator.plotly_chart

    def plotly_chart(self: DeltaGenerator, figure_or_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        import plotly.graph_objects as go

        if isinstance(figure_or_data, go.Figure) and presenting():
            from explorer.figures.style import apply_style

            figure_or_data = apply_style(go.Figure(figure_or_data), presenter=True)
        config = dict(kwargs.get("config") or {})
        config.setdefault("modeBarButtonsToRemove", list(MODEBAR_KEPT_OUT))
        config.setdefault("displaylogo", False)
        return original(self, figure_or_data, *args, **{**kwargs, "config": config})

    plotly_chart._classroom = True  # type: ignore[attr-defined]
    plotly_chart.__doc__ = original.__doc__
    DeltaGenerator.plotly_chart = plotly_chart  # type: ignore[method-assign]


def _origin() -> str:
    """The app's address as the browser sees it (scheme and host), from st.context."""
    url = getattr(st.context, "url", None)
    if url:
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    headers = st.context.headers or {}
    host = headers.get("Host") or "localhost:8501"
    proto = headers.get("X-Forwarded-Proto") or "http"
    return f"{proto}://{host}"


def current_link() -> str:
    """This page's link as the address bar shows it (the page, its state, the app's parameters)."""
    query = {name: st.query_params.get_all(name)[-1] for name in st.query_params if name != RUN_PARAM}
    path = st.session_state.get(_PATH, "")
    return f"{_origin()}/{path}" + (f"?{urlencode(query, safe=':,')}" if query else "")


def qr_png(text: str, scale: int = 12) -> bytes:
    """A QR code of a text as a PNG (segno, medium error correction, a 4-module quiet zone)."""
    import segno

    code = segno.make(text, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4, dark="#000000", light="#ffffff")
    return out.getvalue()


def _share_body() -> None:
    link = current_link()
    st.code(link, language=None, wrap_lines=True)
    png = base64.b64encode(qr_png(link)).decode()
    # As big as the dialog allows: a projected code must be read from the back row.
    alt = _("QR code of the link")
    st.html(f'<img src="data:image/png;base64,{png}" alt="{alt}" '
            f'data-testid="share-qr" style="width:min(70vh,100%);image-rendering:pixelated;display:block;'
            f'margin:auto">')
    st.caption(_("Scan to open this page exactly as it is now."))


def _presenter() -> None:
    """The presenter toggle and ?present=1 follow each other; the style sheet for either view."""
    ss = st.session_state
    raw = st.query_params.get(PRESENT_PARAM)
    in_link = raw in ("1", "true", "yes", "on")
    if PRESENT_KEY not in ss:
        ss[PRESENT_KEY] = in_link
    elif raw is not None and raw != ss.get(_PRESENT_SEEN) and in_link != ss[PRESENT_KEY]:
        ss[PRESENT_KEY] = in_link  # the link was changed by hand
    # In presenter view the sidebar is closed: the toggle and Share sit in a slim bar above the page.
    where = (st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center",
                          key="presenter_bar", gap="small") if ss[PRESENT_KEY] else st.sidebar)
    with where:
        if st.button(_("Share"), key=SHARE_KEY, icon=":material/qr_code_2:", type="tertiary" if ss[PRESENT_KEY]
                     else "secondary", help=_("The link to this exact view, and its QR code")):
            st.dialog(_("Share this view"), width="large")(_share_body)()
        st.toggle(_("Presenter view"), key=PRESENT_KEY, help=_("Large type, compact controls, no sidebar: "
                                                               "for a projector. Also ?present=1 in the link."))
    wanted = "1" if ss[PRESENT_KEY] else None
    if st.query_params.get(PRESENT_PARAM) != wanted:
        if wanted:
            st.query_params[PRESENT_PARAM] = wanted
        elif PRESENT_PARAM in st.query_params:
            del st.query_params[PRESENT_PARAM]
    ss[_PRESENT_SEEN] = wanted
    css = _ALWAYS_CSS + (_PRESENT_CSS if ss[PRESENT_KEY] else "")
    st.html(f"<style>{css}</style>")


# ---------------------------------------------------------------------- lessons


@st.cache_data(show_spinner=False, max_entries=64)
def _lesson(path: str, mtime: float) -> Lesson:
    return load_lesson(path)


def lessons() -> tuple[list[Lesson], list[LessonError]]:
    """The lessons in lessons/ (read again when a file changes) and the files that could not be used."""
    return load_lessons(LESSONS_DIR)


def find_lesson(lesson_id: str) -> Lesson:
    """A bundled lesson by id (its file name without .toml).

    Raises:
        LessonError: no such lesson, or its file is malformed.
    """
    path = LESSONS_DIR / f"{lesson_id}.toml"
    if not lesson_id.replace("_", "").replace("-", "").isalnum() or not path.is_file():
        raise LessonError(f"There is no lesson {lesson_id[:40]!r}; the Lessons page lists them.")
    return _lesson(str(path), path.stat().st_mtime)


def lesson_link(lesson: Lesson, number: int) -> tuple[str, dict[str, str]]:
    """(page script, link parameters) of a lesson's step, numbered from 1; the app's lang and present kept."""
    step = lesson.steps[number - 1]
    kept = {name: st.query_params[name] for name in ("lang", PRESENT_PARAM) if name in st.query_params}
    return f"app_pages/{step.page}.py", {**step.query, **kept, "lesson": lesson.id, "step": str(number)}


@st.cache_data(show_spinner="Computing the answer...", max_entries=256)
def _answer(path: str, mtime: float, number: int) -> tuple[float, str]:
    # In the workers: a Freeze Lab answer builds the backbone's table (Keras). Answers are plain numbers.
    answer = compute(compute_answer, load_lesson(path).steps[number - 1])
    return answer.value, answer.text


def _go(lesson: Lesson, number: int) -> None:
    page, query = lesson_link(lesson, number)
    st.switch_page(page, query_params=query)


def _banner(url_path: str) -> None:
    """The lesson step's banner above the page, when the link names a lesson step."""
    lesson_id, raw_step = st.query_params.get("lesson"), st.query_params.get("step")
    if not lesson_id or url_path == "lessons":
        return
    try:
        lesson = find_lesson(lesson_id)
    except LessonError as exc:
        st.warning(str(exc), icon=":material/school:")
        return
    n = len(lesson.steps)
    number = int(raw_step) if raw_step and raw_step.isdigit() and 1 <= int(raw_step) <= n else 1
    step = lesson.steps[number - 1]
    if step.page != url_path:  # the lecturer went to another page: the lesson ends there
        for name in ("lesson", "step"):
            del st.query_params[name]
        return
    # Compact, so that the page's own key figure stays above the fold at 1280x720: one row for the
    # title and the buttons, the step's text, one row for the question (rows that never wrap: the
    # text wraps inside its own space instead).
    with st.container(border=True, key="lesson_banner", gap="small"):
        with st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False):
            title = f" · {_(step.title)}" if step.title else ""
            st.markdown(f"**{_(lesson.title)}** · " + _("step {k} of {n}").format(k=number, n=n) + title,
                        width="stretch")
            if st.button(_("Previous"), key="lesson.prev", icon=":material/arrow_back:", disabled=number == 1,
                         shortcut="left"):
                _go(lesson, number - 1)
            if st.button(_("Next"), key="lesson.next", icon=":material/arrow_forward:", disabled=number == n,
                         type="primary", shortcut="right"):
                _go(lesson, number + 1)
            if st.button(_("End"), key="lesson.end", type="tertiary",
                         help=_("Leave the lesson; the page stays as it is.")):
                for name in ("lesson", "step"):
                    del st.query_params[name]
                st.rerun()
        st.markdown(_(step.text))
        if step.question:
            _question(lesson, number)


def _question(lesson: Lesson, number: int) -> None:
    step = lesson.steps[number - 1]
    key = f"lesson.{lesson.id}.{number}"
    row = st.container(horizontal=True, vertical_alignment="center", gap="small", wrap=False)
    row.markdown("**" + _("Predict:") + "** " + _(step.question), width="stretch")
    whole = ANSWERS[step.answer].whole
    guess = row.number_input(_("Your guess"), value=None, key=f"{key}.guess", placeholder=_("a number"),
                             label_visibility="collapsed", step=1 if whole else 0.01,
                             format="%d" if whole else "%.2f", width=160)
    revealed = st.session_state.get(f"{key}.revealed", False)
    if row.button(_("Reveal"), key=f"{key}.reveal", disabled=guess is None and not revealed):
        st.session_state[f"{key}.revealed"] = revealed = True
    if revealed:
        try:
            value, shown = _answer(str(lesson.path), lesson.path.stat().st_mtime, number)
        except ExplorerInputError as exc:
            st.error(str(exc))
            return
        said = f"{int(guess):,}" if guess is not None and float(guess).is_integer() else f"{guess:g}"
        verdict = "" if guess is None else " " + _("Your guess {guess}: {verdict}.").format(
            guess=said, verdict=closeness(float(guess), Answer(value, shown)))
        st.success(_("Answer: **{answer}**.").format(answer=shown) + verdict, icon=":material/lightbulb:")


def classroom(url_path: str) -> None:
    """Share, presenter view and the lesson banner: call once per run from the router, before the page."""
    st.session_state[_PATH] = url_path
    _style_every_figure()
    _presenter()
    _banner(url_path)

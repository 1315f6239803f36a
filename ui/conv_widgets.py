"""Widgets and blocks of the Convolution Lab that several of its tabs share (no TensorFlow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from explorer import convolution as cv
from explorer.figures import convolution as cf
from explorer.io.images import LoadedImage
from ui.i18n import _, ngettext
from ui.state.convolution import STATE
from ui.state.convolution import (CHANNELS, FACTOR_N, LAYERS, POOL_STEP, RF_DILATION, RF_KERNEL, RF_STRIDE, STEP,
                                  STEP_1D)


def choice(label: str, key: str) -> Any:
    """A row of buttons with one always selected (the options are the field's, in ui/state/convolution.py)."""
    return st.segmented_control(label, STATE.options(key), key=key, required=True,
                                format_func=lambda o: _(o) if isinstance(o, str) else str(o))


def padding_box(key: str) -> str | int:
    """"valid", "same", or (where the field allows it) 1-3 zero rows/columns per side."""
    return st.selectbox(_("Padding"), STATE.options(key), key=key, format_func=lambda p: p if isinstance(p, str)
                        else ngettext("{n} zero each side", "{n} zeros each side", p).format(n=p))


PLAY_EVERY = 0.8
"""Seconds between two steps while playing: a round trip to the server and one small figure."""
_PLAYING = "_conv.playing"
"""The step key now playing (a plain session key: never in a link, off when the page opens)."""
_FRESH = "_conv.play_fresh"
"""Set by Play: the run right after it shows the current step before moving on."""


def stop_playing() -> None:
    """Pause whatever step player is playing (the page calls it when it has just been opened)."""
    st.session_state.pop(_PLAYING, None)


def _step(key: str) -> int:
    """The page's step (1-based): the slider's value, or the kept one while the slider is hidden."""
    return STATE.values()[STATE[key].name]


def _toggle_play(key: str, steps: int) -> None:
    if st.session_state.get(_PLAYING) == key:
        stop_playing()
        return
    if _step(key) >= steps:  # played to the end: Play starts again from step 1
        STATE.set(key, 1)
    st.session_state[_PLAYING], st.session_state[_FRESH] = key, True


def step_player(steps: int, key: str, draw: Callable[[int], None]) -> None:
    """One step control (Play/Pause and a 1-based slider) that drives `draw(step)`, 0-based.

    The step lives in the page's state and nowhere else: the picture, the written sum and the
    formula are all drawn by `draw` from it, so they always show the same step. While playing, a
    fragment reruns every PLAY_EVERY seconds, moves the step on by one and redraws, until the
    last step or Pause. The timer is set by a full run (a fragment's run_every is sent only
    then), so Play and Pause rerun the whole page once. While playing, a progress bar stands in
    for the slider: a tick's request carries every widget's value as the browser last saw it,
    which lags behind on a busy machine, and a slider would send the step back. Pause brings the
    slider back at the step shown. A step past the last one (the grid shrank, or a link said so)
    becomes the last one.
    """
    if steps == 1:
        draw(0)
        return
    playing = st.session_state.get(_PLAYING) == key

    @st.fragment(run_every=PLAY_EVERY if playing else None)
    def player() -> None:
        now = st.session_state.get(_PLAYING) == key
        if now != playing:
            st.rerun()  # Play or Pause inside the fragment: (un)set the timer with a full run
        step = min(_step(key), steps)
        if now and not st.session_state.pop(_FRESH, False):
            step = min(step + 1, steps)
        if step != st.session_state.get(key):
            STATE.set(key, step, st.session_state)  # no link write per tick: the address follows on Pause
        if now and step == steps:
            stop_playing()
            st.rerun()  # the last step: stop the timer and bring the slider back
        # One row: the button as wide as its label (a column cut "Play" to "P" at 1024x768), the slider the rest.
        row = st.container(horizontal=True, vertical_alignment="bottom", wrap=False)
        row.button(_("Pause") if now else _("Play"), key=f"{key}.play", width="content",
                   icon=":material/pause:" if now else ":material/play_arrow:",
                   on_click=_toggle_play, args=(key, steps))
        if now:
            row.progress(step / steps, text=_("Step {i} of {n}").format(i=step, n=steps))
        else:  # dragged: only the fragment reruns, so the kept copy is written here (PageState.start is not)
            step = row.slider(_("Step to explain"), 1, steps, key=key,
                              on_change=lambda: STATE.set(key, st.session_state[key]))
        draw(step - 1)

    player()


def conv_player(x: np.ndarray, kernel: np.ndarray, stride: Any, padding: Any, dilation: Any) -> None:
    """The 2D tab's sliding window: the picture, the step's sum and the output-size formula, one step control.

    Raises:
        ExplorerInputError: a kernel that does not fit, or another bad setting (before anything is drawn).
    """
    g = cv.conv_geometry(np.shape(x), np.shape(kernel), stride, padding, dilation)

    def draw(step: int) -> None:
        chart(cf.conv_animation_figure(x, kernel, stride, padding, dilation, step, animate=False), key="conv.figure")
        size_col, step_col = st.columns([2, 3])
        show_size(g, size_col)
        s = cv.conv2d_step(x, kernel, step, stride, padding, dilation)
        step_col.latex(r"\text{" + _("output") + rf"}}[{s.out_row},{s.out_col}] = " + s.arithmetic_latex())

    step_player(g.steps, STEP, draw)


def signal_player(signal: np.ndarray, kernel: np.ndarray, stride: int, padding: Any, dilation: int) -> None:
    """The 1D tab: the window on the signal, the step's sum and the output-length formula, one step control."""
    g = cv.conv1d_geometry(signal.size, kernel.size, stride, padding, dilation)

    def draw(step: int) -> None:
        chart(cf.signal_figure(signal, kernel, stride, padding, dilation, step), key="conv.signal_figure")
        s = cv.conv1d_step(signal, kernel, step, stride, padding, dilation)
        st.markdown("**" + _("Step {i} of {n}").format(i=step + 1, n=g.steps)
                    + f"**: output[{step}] = {s.arithmetic()}")
        st.latex(r"\text{" + _("output length") + "} = " + g.cols.formula_latex())

    step_player(g.steps, STEP_1D, draw)


def pool_player(grid: np.ndarray, window: int, stride: int, mode: str, padding: Any) -> None:
    """The pooling tab: the window on the grid, the step's max or mean and the size formula, one step control."""
    g = cv.pool_geometry(grid.shape, window, stride, padding)

    def draw(step: int) -> None:
        chart(cf.pool_animation_figure(grid, window, stride, mode, padding, step, animate=False),
              key="conv.pool_figure")
        size_col, step_col = st.columns([2, 3])
        show_size(g, size_col)
        s = cv.pool2d_step(grid, window, step, stride, mode, padding)
        step_col.markdown("**" + _("Step {i} of {n}").format(i=step + 1, n=g.steps)
                          + f"**: output[{s.out_row}, {s.out_col}] = {s.arithmetic()}")

    step_player(g.steps, POOL_STEP, draw)


def show_size(g: cv.ConvGeometry, where: Any = st) -> None:
    """The output size and its formula with the numbers substituted, in a container."""
    rows, cols = g.output_shape
    where.markdown("**" + _("Output size {rows} × {cols}").format(rows=rows, cols=cols) + "**")
    for formula in dict.fromkeys((g.rows.formula_latex(symbols=True), g.cols.formula_latex(symbols=True))):
        where.latex(formula)
    where.markdown("  \n".join(f"`{line}`" for line in g.notes()))


def chart(fig: Any, key: str) -> None:
    """A Plotly figure with its own styling and no mode bar (clean on a projector)."""
    st.plotly_chart(fig, theme=None, key=key, config={"displayModeBar": False})


def grid_editor(where: Any, values: np.ndarray, key: str, fit: bool = False) -> np.ndarray:
    """An editable grid of numbers (narrow columns, no index); returns what the user typed.

    fit=True sizes the editor to its columns (inside a popover, which grows to fit)."""
    rows, cols = values.shape
    columns = {i: st.column_config.NumberColumn(str(i + 1), width=38, format="%g") for i in range(cols)}
    edited = where.data_editor(values, key=key, column_config=columns, hide_index=True, row_height=35,
                               width=40 * cols + 4 if fit else "stretch", height=35 * (rows + 1) + 3)
    return np.asarray(edited, dtype=float)


def matrix_latex(values: np.ndarray) -> str:
    """A small matrix as LaTeX (for showing a kernel)."""
    rows = (" & ".join(cv.format_number(v) for v in row) for row in np.atleast_2d(values))
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"


@st.cache_data(max_entries=16, show_spinner=False)
def _grayscale(digest: str, side: int, _pixels: np.ndarray) -> np.ndarray:
    # As explorer.convolution.load_grayscale does from a file; here from the photo already decoded.
    image = Image.fromarray(_pixels).convert("L")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.float64) / 255.0


def photo(image: LoadedImage, side: int) -> np.ndarray:
    """A decoded photo (ui.upload.read_photo or sample_photo), grayscale and shrunk to fit side
    (cached by the photo's digest and the side)."""
    return _grayscale(image.digest, side, image.pixels)


def receptive_field_tab() -> None:
    """Stack layers of one kind and watch what one output sees grow."""
    left, right = st.columns([1, 3.2], gap="medium")
    with left:
        layers = st.slider(_("Layers"), *STATE.bounds(LAYERS), key=LAYERS)
        rk, rs, rd = choice(_("Kernel"), RF_KERNEL), choice(_("Stride"), RF_STRIDE), choice(_("Dilation"), RF_DILATION)
    with right:
        rows = cv.receptive_field([cv.LayerSpec(rk, rs, rd)] * layers)
        chart(cf.receptive_field_figure(rows), key="conv.rf_figure")
        rf = rows[-1].receptive_field
        st.markdown(ngettext("**{n} layer of {k}×{k}** (stride {s}, dilation {d}): one output sees **{rf}×{rf}** "
                             "input pixels. Each layer adds (k − 1)·dilation·(product of earlier strides).",
                             "**{n} layers of {k}×{k}** (stride {s}, dilation {d}): one output sees **{rf}×{rf}** "
                             "input pixels. Each layer adds (k − 1)·dilation·(product of earlier strides).",
                             layers).format(n=layers, k=rk, s=rs, d=rd, rf=rf))


def kernel_stacks_tab() -> None:
    """Small kernels stacked against one big kernel: the same view for fewer weights."""
    c_col, n_col, _rest = st.columns([1, 1, 2])
    channels = c_col.number_input(_("Channels C (in = out)"), *STATE.bounds(CHANNELS), key=CHANNELS)
    n = n_col.slider(_("n for 1×n + n×1"), *STATE.bounds(FACTOR_N), key=FACTOR_N)
    comparisons = cv.compare_stacks(channels, n)
    for col, comp in zip(st.columns(3), comparisons):
        col.metric(comp.title, _("{a} C² vs {b} C²").format(a=comp.stacked.coefficient, b=comp.single.coefficient),
                   _("-{saving} weights").format(saving=f"{comp.saving:.0%}"), delta_color="inverse", border=True)
    chart(cf.stack_comparison_figure(comparisons, channels), key="conv.stack_figure")
    st.markdown(_("Each pair sees the same patch of the input; the stack has fewer weights and a non-linearity "
                  "after every layer (VGG: 3×3 only; Inception v3: 5×5 → two 3×3, n×n → 1×n then n×1)."))

"""Widgets and blocks of the Convolution Lab that several of its tabs share (no TensorFlow)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
from PIL import Image

from explorer import convolution as cv
from explorer.figures import convolution as cf
from explorer.io.images import LoadedImage
from ui.state.convolution import STATE
from ui.state.convolution import CHANNELS, FACTOR_N, LAYERS, RF_DILATION, RF_KERNEL, RF_STRIDE


def choice(label: str, key: str) -> Any:
    """A row of buttons with one always selected (the options are the field's, in ui/state/convolution.py)."""
    return st.segmented_control(label, STATE.options(key), key=key, required=True)


def padding_box(key: str) -> str | int:
    """"valid", "same", or (where the field allows it) 1-3 zero rows/columns per side."""
    return st.selectbox("Padding", STATE.options(key), key=key, format_func=lambda p: p if isinstance(p, str)
                        else f"{p} zero{'s' * (p > 1)} each side")


def step_slider(steps: int, key: str) -> int:
    """0-based step chosen on a 1-based slider (no slider when there is one step); a step past
    the last one (the grid shrank, or a link said so) becomes the last one."""
    if steps == 1:
        return 0
    if st.session_state.get(key, 1) > steps:
        STATE.set(key, steps)
    return st.slider("Step to explain", 1, steps, key=key) - 1


def show_size(g: cv.ConvGeometry, where: Any = st) -> None:
    """The output size and its formula with the numbers substituted, in a container."""
    rows, cols = g.output_shape
    where.markdown(f"**Output size {rows} × {cols}**")
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
        layers = st.slider("Layers", *STATE.bounds(LAYERS), key=LAYERS)
        rk, rs, rd = choice("Kernel", RF_KERNEL), choice("Stride", RF_STRIDE), choice("Dilation", RF_DILATION)
    with right:
        rows = cv.receptive_field([cv.LayerSpec(rk, rs, rd)] * layers)
        chart(cf.receptive_field_figure(rows), key="conv.rf_figure")
        rf = rows[-1].receptive_field
        st.markdown(f"**{layers} layer{'s' * (layers > 1)} of {rk}×{rk}** (stride {rs}, dilation {rd}): one output "
                    f"sees **{rf}×{rf}** input pixels. Each layer adds (k − 1)·dilation·(product of earlier strides).")


def kernel_stacks_tab() -> None:
    """Small kernels stacked against one big kernel: the same view for fewer weights."""
    c_col, n_col, _ = st.columns([1, 1, 2])
    channels = c_col.number_input("Channels C (in = out)", *STATE.bounds(CHANNELS), key=CHANNELS)
    n = n_col.slider("n for 1×n + n×1", *STATE.bounds(FACTOR_N), key=FACTOR_N)
    comparisons = cv.compare_stacks(channels, n)
    for col, comp in zip(st.columns(3), comparisons):
        col.metric(comp.title, f"{comp.stacked.coefficient} C² vs {comp.single.coefficient} C²",
                   f"-{comp.saving:.0%} weights", delta_color="inverse", border=True)
    chart(cf.stack_comparison_figure(comparisons, channels), key="conv.stack_figure")
    st.markdown("Each pair sees the same patch of the input; the stack has fewer weights and a non-linearity "
                "after every layer (VGG: 3×3 only; Inception v3: 5×5 → two 3×3, n×n → 1×n then n×1).")

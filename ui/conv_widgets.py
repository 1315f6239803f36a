"""Widgets and blocks of the Convolution Lab that several of its tabs share (no TensorFlow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from explorer import convolution as cv


class Key:
    """Widget keys of the Convolution Lab, namespaced so tests can find each widget."""

    TAB = "conv.tab"
    INPUT = "conv.input"
    SIZE = "conv.size"
    KERNEL = "conv.kernel"
    KERNEL_SIZE = "conv.kernel_size"
    STRIDE = "conv.stride"
    PADDING = "conv.padding"
    DILATION = "conv.dilation"
    STEP = "conv.step"
    PHOTO = "conv.photo.source"
    UPLOAD = "conv.photo.upload"
    RESOLUTION = "conv.photo.resolution"
    PHOTO_KERNEL = "conv.photo.kernel"
    PHOTO_STRIDE = "conv.photo.stride"
    SIGNAL = "conv.1d.signal"
    LENGTH = "conv.1d.length"
    KERNEL_1D = "conv.1d.kernel"
    CUSTOM_1D = "conv.1d.custom"
    STRIDE_1D = "conv.1d.stride"
    PADDING_1D = "conv.1d.padding"
    DILATION_1D = "conv.1d.dilation"
    STEP_1D = "conv.1d.step"
    POOL_INPUT = "conv.pool.input"
    POOL_SIZE = "conv.pool.size"
    POOL_MODE = "conv.pool.mode"
    POOL_WINDOW = "conv.pool.window"
    POOL_STRIDE = "conv.pool.stride"
    POOL_PADDING = "conv.pool.padding"
    POOL_STEP = "conv.pool.step"
    LAYERS = "conv.rf.layers"
    RF_KERNEL = "conv.rf.kernel"
    RF_STRIDE = "conv.rf.stride"
    RF_DILATION = "conv.rf.dilation"
    CHANNELS = "conv.stack.channels"
    FACTOR_N = "conv.stack.n"


def choice(label: str, options: list, key: str, default: Any = None) -> Any:
    """A row of buttons with one always selected."""
    return st.segmented_control(label, options, default=default or options[0], key=key, required=True)


def padding_box(key: str, explicit: bool = True) -> str | int:
    """"valid", "same", or (when explicit) 1-3 zero rows/columns per side."""
    options = ["valid", "same", 1, 2, 3] if explicit else ["valid", "same"]
    return st.selectbox("Padding", options, key=key, format_func=lambda p: p if isinstance(p, str)
                        else f"{p} zero{'s' * (p > 1)} each side")


def step_slider(steps: int, key: str) -> int:
    """0-based step chosen on a 1-based slider (no slider when there is one step)."""
    return 0 if steps == 1 else st.slider("Step to explain", 1, steps, 1, key=key) - 1


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


@st.cache_data(max_entries=8, show_spinner=False)
def _load_photo(data: bytes, side: int, name: str) -> np.ndarray:
    return cv.load_grayscale(data, side, name)


def photo(source: bytes | Path, side: int, name: str = "photo") -> np.ndarray:
    """An uploaded or bundled photo, grayscale and shrunk (cached by its bytes and size).

    Raises:
        ExplorerInputError: an upload that is not an image Pillow can read, or too large.
    """
    if isinstance(source, Path):
        source, name = source.read_bytes(), source.name
    return _load_photo(source, side, name)

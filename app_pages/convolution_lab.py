"""Convolution Lab: slide a kernel over a grid, a photo and a signal; pool; stack layers (no TensorFlow)."""

from pathlib import Path

import numpy as np
import streamlit as st

from explorer.figures import convolution as cf
from explorer import convolution as cv
from explorer.errors import ExplorerInputError
from ui.conv_widgets import Key as K, chart, choice, grid_editor, matrix_latex, padding_box, photo, show_size, step_slider

SAMPLES = Path(__file__).resolve().parents[1] / "assets" / "samples"
TABS = ("2D convolution", "On a photo", "1D signal", "Pooling", "Receptive field", "Small vs big kernels")

st.title("Convolution Lab")
tabs = dict(zip(TABS, st.tabs(TABS, key=K.TAB, on_change="rerun")))

if tabs["2D convolution"].open is not False:
    with tabs["2D convolution"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            preset = st.selectbox("Input", cv.INPUT_PRESETS, key=K.INPUT)
            size = st.slider("Input size", 5, 16, 7, key=K.SIZE)
            kname = st.selectbox("Kernel", [*cv.KERNEL_PRESETS, "custom"], index=4, key=K.KERNEL)
            if kname == "custom":  # the weights are typed in right here, at most 7 x 7
                k = st.slider("Kernel size", 1, 7, 3, key=K.KERNEL_SIZE)
                kernel = grid_editor(st, np.eye(1, k * k, k * k // 2).reshape(k, k), f"conv.kernel_grid.{k}")
            else:
                kernel = cv.kernel_preset(kname)
            stride = choice("Stride", [1, 2, 3], K.STRIDE)
            dilation = choice("Dilation", [1, 2, 3], K.DILATION)
            padding, step_slot = padding_box(K.PADDING), st.container()
            with st.popover("Edit the input grid", icon=":material/edit:"):
                x = grid_editor(st, cv.input_preset(preset, size), f"conv.grid.{preset}.{size}", fit=True)
        with right:
            try:
                g = cv.conv_geometry(np.shape(x), np.shape(kernel), stride, padding, dilation)
                with step_slot:
                    step = step_slider(g.steps, K.STEP)
                animate = g.steps <= cf.MAX_ANIMATION_STEPS  # bigger grids step on the server only
                chart(cf.conv_animation_figure(x, kernel, stride, padding, dilation, step, animate), key="conv.figure")
                size_col, step_col = st.columns([2, 3])
                show_size(g, size_col)
                s = cv.conv2d_step(x, kernel, step, stride, padding, dilation)
                step_col.latex(rf"\text{{output}}[{s.out_row},{s.out_col}] = " + s.arithmetic_latex())
            except ExplorerInputError as exc:
                st.error(str(exc))

if tabs["On a photo"].open:
    with tabs["On a photo"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            source = st.radio("Photo", ["cat", "coffee", "upload"], horizontal=True, key=K.PHOTO)
            upload = st.file_uploader("Your image", key=K.UPLOAD) if source == "upload" else None
            side = st.slider("Shrink to (pixels)", 32, 256, 128, step=16, key=K.RESOLUTION)
            pname = st.selectbox("Kernel", list(cv.KERNEL_PRESETS), index=4, key=K.PHOTO_KERNEL)
            pstride = choice("Stride", [1, 2, 4], K.PHOTO_STRIDE)
            st.latex(matrix_latex(cv.kernel_preset(pname)))
        with right:
            try:
                if source == "upload" and upload is None:
                    st.info("Upload a photo: it is shrunk and turned to grayscale. Meanwhile, the cat.")
                sample = SAMPLES / ("cat.png" if source == "upload" else f"{source}.png")
                image = photo(upload.getvalue(), side, upload.name) if upload else photo(sample, side)
                fmap = cv.conv2d(image, cv.kernel_preset(pname), pstride, "same")
                chart(cf.feature_map_figure(image, fmap, pname), key="conv.photo_figure")
                st.markdown(f"{image.shape[0]}×{image.shape[1]} grayscale pixels, “same” padding, stride "
                            f"{pstride} → **{fmap.shape[0]}×{fmap.shape[1]}** feature map, computed all at once.")
            except ExplorerInputError as exc:
                st.error(str(exc))

if tabs["1D signal"].open:
    with tabs["1D signal"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            sname = st.selectbox("Signal", cv.SIGNAL_PRESETS, key=K.SIGNAL)
            length = st.slider("Length", 8, 48, 24, key=K.LENGTH)
            k1 = st.selectbox("Kernel", [*cv.KERNEL_1D_PRESETS, "custom"], key=K.KERNEL_1D)
            custom = st.text_input("Custom kernel", "1, 0, -1", key=K.CUSTOM_1D) if k1 == "custom" else ""
            stride1 = choice("Stride", [1, 2, 3], K.STRIDE_1D)
            dilation1 = choice("Dilation", [1, 2, 3], K.DILATION_1D)
            padding1, step_slot = padding_box(K.PADDING_1D), st.container()
        with right:
            try:
                signal = cv.signal_preset(sname, length)
                kernel1 = cv.parse_numbers(custom, 9) if k1 == "custom" else cv.kernel_1d_preset(k1)
                g1 = cv.conv1d_geometry(length, kernel1.size, stride1, padding1, dilation1)
                with step_slot:
                    step1 = step_slider(g1.steps, K.STEP_1D)
                chart(cf.signal_figure(signal, kernel1, stride1, padding1, dilation1, step1), key="conv.signal_figure")
                s1 = cv.conv1d_step(signal, kernel1, step1, stride1, padding1, dilation1)
                st.markdown(f"**Step {step1 + 1} of {g1.steps}**: output[{step1}] = {s1.arithmetic()}")
                st.latex(r"\text{output length} = " + g1.cols.formula_latex())
            except ExplorerInputError as exc:
                st.error(str(exc))

if tabs["Pooling"].open:
    with tabs["Pooling"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            ppreset = st.selectbox("Input", cv.INPUT_PRESETS, index=5, key=K.POOL_INPUT)
            psize = st.slider("Input size", 4, 16, 8, key=K.POOL_SIZE)
            mode, window = choice("Pooling", ["max", "avg"], K.POOL_MODE), choice("Window", [2, 3, 4], K.POOL_WINDOW)
            pstride, ppadding = choice("Stride", [1, 2, 3], K.POOL_STRIDE, 2), padding_box(K.POOL_PADDING, False)
            step_slot = st.container()
        with right:
            try:
                grid = cv.input_preset(ppreset, psize)
                gp = cv.pool_geometry(grid.shape, window, pstride, ppadding)
                with step_slot:
                    pstep = step_slider(gp.steps, K.POOL_STEP)
                animate = gp.steps <= cf.MAX_ANIMATION_STEPS
                chart(cf.pool_animation_figure(grid, window, pstride, mode, ppadding, pstep, animate),
                      key="conv.pool_figure")
                size_col, step_col = st.columns([2, 3])
                show_size(gp, size_col)
                ps = cv.pool2d_step(grid, window, pstep, pstride, mode, ppadding)
                step_col.markdown(f"**Step {pstep + 1} of {gp.steps}**: output[{ps.out_row}, {ps.out_col}] = "
                                  f"{ps.arithmetic()}")
            except ExplorerInputError as exc:
                st.error(str(exc))

if tabs["Receptive field"].open:
    with tabs["Receptive field"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            layers = st.slider("Layers", 1, 8, 3, key=K.LAYERS)
            rk, rs = choice("Kernel", [1, 3, 5, 7], K.RF_KERNEL, 3), choice("Stride", [1, 2, 3], K.RF_STRIDE)
            rd = choice("Dilation", [1, 2, 4], K.RF_DILATION)
        with right:
            rows = cv.receptive_field([cv.LayerSpec(rk, rs, rd)] * layers)
            chart(cf.receptive_field_figure(rows), key="conv.rf_figure")
            rf = rows[-1].receptive_field
            st.markdown(f"**{layers} layer{'s' * (layers > 1)} of {rk}×{rk}** (stride {rs}, dilation {rd}): one output "
                        f"sees **{rf}×{rf}** input pixels. Each layer adds (k − 1)·dilation·(product of earlier strides).")

if tabs["Small vs big kernels"].open:
    with tabs["Small vs big kernels"]:
        c_col, n_col, _ = st.columns([1, 1, 2])
        channels = c_col.number_input("Channels C (in = out)", 1, 2048, 64, key=K.CHANNELS)
        n = n_col.slider("n for 1×n + n×1", 3, 9, 7, key=K.FACTOR_N)
        comparisons = cv.compare_stacks(channels, n)
        for col, comp in zip(st.columns(3), comparisons):
            col.metric(comp.title, f"{comp.stacked.coefficient} C² vs {comp.single.coefficient} C²",
                       f"-{comp.saving:.0%} weights", delta_color="inverse", border=True)
        chart(cf.stack_comparison_figure(comparisons, channels), key="conv.stack_figure")
        st.markdown("Each pair sees the same patch of the input; the stack has fewer weights and a non-linearity "
                    "after every layer (VGG: 3×3 only; Inception v3: 5×5 → two 3×3, n×n → 1×n then n×1).")

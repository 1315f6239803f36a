"""Convolution Lab: slide a kernel over a grid, a photo and a signal; pool; stack layers (no TensorFlow)."""

import numpy as np
import streamlit as st

from explorer.figures import convolution as cf
from explorer import convolution as cv
from explorer.errors import ExplorerInputError
from ui.conv_widgets import (chart, choice, grid_editor, kernel_stacks_tab, matrix_latex, padding_box, photo,
                             receptive_field_tab, show_size, step_slider)
from ui.state import convolution as K
from ui.upload import photo_uploader, read_photo, sample_photo

K.STATE.start()
limits, options = K.STATE.bounds, K.STATE.options
st.title("Convolution Lab")
tabs = dict(zip(K.TABS, st.tabs(K.TABS, key=K.TAB, on_change="rerun")))

if tabs["2D convolution"].open is not False:
    with tabs["2D convolution"]:
        left, right = st.columns([1, 3.2], gap="medium")
        with left:
            preset = st.selectbox("Input", options(K.INPUT), key=K.INPUT)
            size = st.slider("Input size", *limits(K.SIZE), key=K.SIZE)
            kname = st.selectbox("Kernel", options(K.KERNEL), key=K.KERNEL)
            if kname == "custom":  # the weights are typed in right here, at most 7 x 7
                k = st.slider("Kernel size", *limits(K.KERNEL_SIZE), key=K.KERNEL_SIZE)
                kernel = grid_editor(st, np.eye(1, k * k, k * k // 2).reshape(k, k), f"conv.kernel_grid.{k}")
            else:
                kernel = cv.kernel_preset(kname)
            stride, dilation = choice("Stride", K.STRIDE), choice("Dilation", K.DILATION)
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
            source = st.radio("Photo", options(K.PHOTO), horizontal=True, key=K.PHOTO)
            upload = photo_uploader("Your image", K.UPLOAD) if source == "upload" else None
            side = st.slider("Shrink to (pixels)", *limits(K.RESOLUTION), step=16, key=K.RESOLUTION)
            pname = st.selectbox("Kernel", options(K.PHOTO_KERNEL), key=K.PHOTO_KERNEL)
            pstride = choice("Stride", K.PHOTO_STRIDE)
            st.latex(matrix_latex(cv.kernel_preset(pname)))
        with right:
            try:
                if source == "upload" and upload is None:
                    st.info("Upload a photo: it is shrunk and turned to grayscale. Meanwhile, the cat.")
                image = photo(read_photo(upload) if upload else sample_photo("cat" if source == "upload" else source),
                              side)
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
            sname = st.selectbox("Signal", options(K.SIGNAL), key=K.SIGNAL)
            length = st.slider("Length", *limits(K.LENGTH), key=K.LENGTH)
            k1 = st.selectbox("Kernel", options(K.KERNEL_1D), key=K.KERNEL_1D)
            custom = st.text_input("Custom kernel", key=K.CUSTOM_1D) if k1 == "custom" else ""
            stride1, dilation1 = choice("Stride", K.STRIDE_1D), choice("Dilation", K.DILATION_1D)
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
            ppreset = st.selectbox("Input", options(K.POOL_INPUT), key=K.POOL_INPUT)
            psize = st.slider("Input size", *limits(K.POOL_SIZE), key=K.POOL_SIZE)
            mode, window = choice("Pooling", K.POOL_MODE), choice("Window", K.POOL_WINDOW)
            pstride, ppadding = choice("Stride", K.POOL_STRIDE), padding_box(K.POOL_PADDING)
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
        receptive_field_tab()

if tabs["Small vs big kernels"].open:
    with tabs["Small vs big kernels"]:
        kernel_stacks_tab()

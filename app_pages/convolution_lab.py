"""Convolution Lab: slide a kernel over a grid, a photo and a signal; pool; stack layers (no TensorFlow)."""

import numpy as np
import streamlit as st

from explorer.figures import convolution as cf
from explorer import convolution as cv
from explorer.errors import ExplorerInputError
from ui.conv_widgets import (chart, choice, conv_player, grid_editor, kernel_stacks_tab, matrix_latex, padding_box,
                             photo, pool_player, receptive_field_tab, signal_player, stop_playing)
from ui.i18n import _, translated_tabs
from ui.state import convolution as K
from ui.upload import photo_uploader, read_photo, sample_photo, show_error

if K.STATE.start():
    stop_playing()  # back on the page: nothing plays until Play is clicked
limits, options = K.STATE.bounds, K.STATE.options
st.title(_("Convolution Lab"))
tabs = translated_tabs(K.TABS, key=K.TAB, on_change="rerun")
# Controls | picture, in every tab: the controls' column holds a row of three stride buttons and its
# labels on a 1024-px projector with the sidebar open.
SIDE = [1.3, 3.2]

if tabs["2D convolution"].open is not False:
    with tabs["2D convolution"]:
        left, right = st.columns(SIDE, gap="medium")
        with left:
            preset = st.selectbox(_("Input"), options(K.INPUT), key=K.INPUT, format_func=_)
            size = st.slider(_("Input size"), *limits(K.SIZE), key=K.SIZE)
            kname = st.selectbox(_("Kernel"), options(K.KERNEL), key=K.KERNEL, format_func=_)
            if kname == "custom":  # the weights are typed in right here, at most 7 x 7
                k = st.slider(_("Kernel size"), *limits(K.KERNEL_SIZE), key=K.KERNEL_SIZE)
                kernel = grid_editor(st, np.eye(1, k * k, k * k // 2).reshape(k, k), f"conv.kernel_grid.{k}")
            else:
                kernel = cv.kernel_preset(kname)
            stride, dilation = choice(_("Stride"), K.STRIDE), choice(_("Dilation"), K.DILATION)
            padding = padding_box(K.PADDING)
            with st.popover(_("Edit the input"), icon=":material/edit:"):
                x = grid_editor(st, cv.input_preset(preset, size), f"conv.grid.{preset}.{size}", fit=True)
        with right:
            try:
                conv_player(x, kernel, stride, padding, dilation)  # one step drives picture, sum and formula
            except ExplorerInputError as exc:
                show_error(exc)

if tabs["On a photo"].open:
    with tabs["On a photo"]:
        left, right = st.columns(SIDE, gap="medium")
        with left:
            source = st.radio(_("Photo"), options(K.PHOTO), horizontal=True, key=K.PHOTO, format_func=_)
            upload = photo_uploader(_("Your image"), K.UPLOAD) if source == "upload" else None
            side = st.slider(_("Shrink to (pixels)"), *limits(K.RESOLUTION), step=16, key=K.RESOLUTION)
            pname = st.selectbox(_("Kernel"), options(K.PHOTO_KERNEL), key=K.PHOTO_KERNEL, format_func=_)
            pstride = choice(_("Stride"), K.PHOTO_STRIDE)
            st.latex(matrix_latex(cv.kernel_preset(pname)))
        with right:
            try:
                if source == "upload" and upload is None:
                    st.info(_("Upload a photo: it is shrunk and turned to grayscale. Meanwhile, the cat."))
                image = photo(read_photo(upload) if upload else sample_photo("cat" if source == "upload" else source),
                              side)
                fmap = cv.conv2d(image, cv.kernel_preset(pname), pstride, "same")
                chart(cf.feature_map_figure(image, fmap, _(pname)), key="conv.photo_figure")
                st.markdown(_("{h}×{w} grayscale pixels, “same” padding, stride {s} → **{fh}×{fw}** feature map, "
                              "computed all at once.").format(h=image.shape[0], w=image.shape[1], s=pstride,
                                                              fh=fmap.shape[0], fw=fmap.shape[1]))
            except ExplorerInputError as exc:
                show_error(exc)

if tabs["1D signal"].open:
    with tabs["1D signal"]:
        left, right = st.columns(SIDE, gap="medium")
        with left:
            sname = st.selectbox(_("Signal"), options(K.SIGNAL), key=K.SIGNAL, format_func=_)
            length = st.slider(_("Length"), *limits(K.LENGTH), key=K.LENGTH)
            k1 = st.selectbox(_("Kernel"), options(K.KERNEL_1D), key=K.KERNEL_1D, format_func=_)
            custom = st.text_input(_("Custom kernel"), key=K.CUSTOM_1D) if k1 == "custom" else ""
            stride1, dilation1 = choice(_("Stride"), K.STRIDE_1D), choice(_("Dilation"), K.DILATION_1D)
            padding1 = padding_box(K.PADDING_1D)
        with right:
            try:
                signal = cv.signal_preset(sname, length)
                kernel1 = cv.parse_numbers(custom, 9) if k1 == "custom" else cv.kernel_1d_preset(k1)
                signal_player(signal, kernel1, stride1, padding1, dilation1)
            except ExplorerInputError as exc:
                show_error(exc)

if tabs["Pooling"].open:
    with tabs["Pooling"]:
        left, right = st.columns(SIDE, gap="medium")
        with left:
            ppreset = st.selectbox(_("Input"), options(K.POOL_INPUT), key=K.POOL_INPUT, format_func=_)
            psize = st.slider(_("Input size"), *limits(K.POOL_SIZE), key=K.POOL_SIZE)
            mode, window = choice(_("Pooling"), K.POOL_MODE), choice(_("Window"), K.POOL_WINDOW)
            pstride, ppadding = choice(_("Stride"), K.POOL_STRIDE), padding_box(K.POOL_PADDING)
        with right:
            try:
                pool_player(cv.input_preset(ppreset, psize), window, pstride, mode, ppadding)
            except ExplorerInputError as exc:
                show_error(exc)

if tabs["Receptive field"].open:
    with tabs["Receptive field"]:
        receptive_field_tab()

if tabs["Small vs big kernels"].open:
    with tabs["Small vs big kernels"]:
        kernel_stacks_tab()

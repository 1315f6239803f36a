"""Activations Lab: cached network views and activations, the photo chooser's logic.

The network (a built backbone with its multi-output model) lives in a worker process
(explorer.jobs); the page holds what it shows of it (a NetworkView) and, per photo and layer,
that layer's feature maps with every layer's facts. Both are read-only and shared by every
session; they are keyed by cheap strings (backbone id, the image file's sha256, the layer),
never by the arrays themselves. The page's state is declared in ui/state/activations.py.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer import jobs
from explorer.activations import Activations, GradCam, NetworkView
from explorer.errors import ExplorerInputError
from explorer.io.images import LoadedImage, square_crop
from ui.cache import compute
from ui.state.activations import LAYER, RANK, SAMPLE, STAGE, STATE, TOP_CLASS, UPLOAD
from ui.upload import read_photo, sample_photo

_CONTEXT = "act._channel_context"
PHOTO_SIDE = 448
"""Side of the photo drawn under the maps: the network's crop, at twice 224 for a sharp picture."""


@st.cache_resource(show_spinner="Building the backbone once for every session (a few seconds)...", max_entries=8)
def extractor(backbone: str) -> NetworkView:
    """The backbone at its default size (with its ImageNet head when here): its layers, stages, filters."""
    return compute(jobs.network_view, backbone)


@st.cache_resource(show_spinner="Running the photo through the network once...", max_entries=8)
def activations(backbone: str, digest: str, layers: tuple[str, ...], _pixels: np.ndarray) -> Activations:
    """One photo's facts and predictions for every layer, with the feature maps of `layers` only: once
    per (backbone, photo, layers). The feature maps ask for their one layer (0.7 MB for EfficientNet-
    Lite0's largest), the other tabs for the strip's layers (`strip_layers`, 5.6 MB with a layer):
    a layer switch fetches 15 ms of work, not 28.

    Eight entries, not more: a miss costs little, since the worker keeps the photo's forward pass."""
    return compute(jobs.activations, backbone, _pixels, layers)


def strip_layers(ex: NetworkView) -> tuple[str, ...]:
    """The layers whose maps the strip through the network shows: each stage's representative."""
    return tuple(stage.representative for stage in ex.stages)


@st.cache_resource(show_spinner="Computing Grad-CAM...", max_entries=16)
def grad_cam(backbone: str, digest: str, class_index: int, _pixels: np.ndarray) -> GradCam:
    """Grad-CAM for a class (TOP_CLASS: the top one), once per (backbone, photo, class)."""
    return compute(jobs.grad_cam, backbone, _pixels, None if class_index == TOP_CLASS else class_index)


def current_photo() -> tuple[LoadedImage, str | None]:
    """The photo to show: the upload when it is a good image, else the chosen sample.

    Returns:
        (photo, error): the error message when an upload was refused (the sample is shown).
    """
    uploaded = st.session_state.get(UPLOAD)
    error = None
    if uploaded is not None:
        try:
            return read_photo(uploaded), None
        except ExplorerInputError as exc:
            error = str(exc)
    return sample_photo(st.session_state[SAMPLE]), error


@st.cache_resource(max_entries=16)
def network_input(digest: str, size: int, _photo: LoadedImage) -> np.ndarray:
    """The centre square of the photo at a size (the network's input, or PHOTO_SIDE to draw)."""
    pixels = square_crop(_photo.pixels, size)
    pixels.flags.writeable = False
    return pixels


def ensure_layer(ex: NetworkView, digest: str) -> None:
    """Keep the stage/layer/channel choice valid for this backbone and photo before the widgets are drawn.

    The channel choice restarts at the most active channel whenever the backbone, the photo
    or the layer changes; a session's first run keeps the one it opened with (a shared link's).
    """
    stages = {s.index: s for s in ex.stages}
    if st.session_state.get(STAGE) not in stages:
        STATE.set(STAGE, ex.stages[0].index)
    stage = stages[st.session_state[STAGE]]
    if st.session_state.get(LAYER) not in stage.layers:
        STATE.set(LAYER, stage.representative)
    context = (ex.spec.id, digest, st.session_state[LAYER])
    channels = ex.layer(st.session_state[LAYER]).channels
    rank = st.session_state.get(RANK)
    before = st.session_state.get(_CONTEXT, context)
    if before != context or not isinstance(rank, int) or rank >= channels:
        STATE.set(RANK, None)
    st.session_state[_CONTEXT] = context

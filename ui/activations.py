"""Activations Lab: widget keys, cached extractors and activations, the photo chooser's logic.

The extractor (a built backbone with its multi-output model) and each image's activations
are read-only and shared by every session; they are keyed by cheap strings (backbone id,
the image file's sha256), never by the arrays themselves.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from explorer.activations import ActivationExtractor, Activations, GradCam, build_extractor
from explorer.errors import ExplorerInputError
from explorer.io.images import MAX_IMAGE_BYTES, LoadedImage, load_image, load_sample, square_crop

BACKBONE = "act.backbone"
SAMPLE = "act.sample"
UPLOAD = "act.upload"
TAB = "act.tab"
STAGE = "act.stage"
LAYER = "act.layer"
COUNT = "act.count"
SCALE = "act.scale"
RANK = "act.rank"
OPACITY = "act.opacity"
CAM_CLASS = "act.cam_class"
_CONTEXT = "act._channel_context"

TABS = ("Feature maps", "Through the network", "First-layer filters", "Predictions & Grad-CAM")
SCALES = ("shared", "per channel")
PHOTO_SIDE = 448
"""Side of the photo drawn under the maps: the network's crop, at twice 224 for a sharp picture."""
TOP_CLASS = -1
"""CAM_CLASS value meaning "whatever class ranks first" (a selectbox shows None as empty)."""
DEFAULTS = {BACKBONE: "efficientnet_lite0", SAMPLE: "cat", COUNT: 16, SCALE: "shared", OPACITY: 0.6,
            CAM_CLASS: TOP_CLASS}


def init_state() -> None:
    """Fill unset widget state: EfficientNet-Lite0 (pretrained offline) looking at the cat."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def on_backbone_change() -> None:
    """A new backbone starts at its first convolution and its most active channel."""
    for key in (STAGE, LAYER, RANK):
        st.session_state.pop(key, None)
    st.session_state[CAM_CLASS] = TOP_CLASS


@st.cache_resource(show_spinner="Building the backbone once for every session (a few seconds)...", max_entries=4)
def extractor(backbone: str) -> ActivationExtractor:
    """The backbone at its default size with its multi-output model (and ImageNet head when here)."""
    return build_extractor(backbone)


@st.cache_resource(show_spinner="Running the photo through the network once...", max_entries=6)
def activations(backbone: str, digest: str, _pixels: np.ndarray) -> Activations:
    """Every shown layer's output for one photo, computed once per (backbone, photo)."""
    return extractor(backbone).run(_pixels)


@st.cache_resource(show_spinner="Computing Grad-CAM...", max_entries=16)
def grad_cam(backbone: str, digest: str, class_index: int, _pixels: np.ndarray) -> GradCam:
    """Grad-CAM for a class (TOP_CLASS: the top one), once per (backbone, photo, class)."""
    return extractor(backbone).grad_cam(_pixels, None if class_index == TOP_CLASS else class_index)


@st.cache_resource(max_entries=2)
def sample(name: str) -> LoadedImage:
    """A bundled sample photo, decoded once."""
    return load_sample(name)


@st.cache_resource(max_entries=8)
def _decoded(digest: str, name: str, _data: bytes) -> LoadedImage:
    return load_image(_data, name=name)


def read_upload(uploaded: object) -> LoadedImage:
    """Decode an st.file_uploader file (decoded once per file content).

    Raises:
        ImageInputError: not an image, corrupt, too many pixels or too many bytes.
    """
    data = uploaded.getvalue()  # type: ignore[attr-defined]
    name = str(getattr(uploaded, "name", "upload"))
    if not 0 < len(data) <= MAX_IMAGE_BYTES:
        return load_image(data, name=name)  # empty or oversized: refused before any hashing
    return _decoded(hashlib.sha256(data).hexdigest(), name, data)


def current_photo() -> tuple[LoadedImage, str | None]:
    """The photo to show: the upload when it is a good image, else the chosen sample.

    Returns:
        (photo, error): the error message when an upload was refused (the sample is shown).
    """
    uploaded = st.session_state.get(UPLOAD)
    error = None
    if uploaded is not None:
        try:
            return read_upload(uploaded), None
        except ExplorerInputError as exc:
            error = str(exc)
    return sample(st.session_state[SAMPLE]), error


@st.cache_resource(max_entries=16)
def network_input(digest: str, size: int, _photo: LoadedImage) -> np.ndarray:
    """The centre square of the photo at a size (the network's input, or PHOTO_SIDE to draw)."""
    pixels = square_crop(_photo.pixels, size)
    pixels.flags.writeable = False
    return pixels


def ensure_layer(ex: ActivationExtractor, digest: str) -> None:
    """Keep the stage/layer/channel choice valid for this backbone and photo before the widgets are drawn.

    The channel choice restarts at the most active channel whenever the backbone, the photo
    or the layer changes.
    """
    stages = {s.index: s for s in ex.stages}
    if st.session_state.get(STAGE) not in stages:
        st.session_state[STAGE] = ex.stages[0].index
    stage = stages[st.session_state[STAGE]]
    if st.session_state.get(LAYER) not in stage.layers:
        st.session_state[LAYER] = stage.representative
    context = (ex.spec.id, digest, st.session_state[LAYER])
    channels = ex.layer(st.session_state[LAYER]).channels
    rank = st.session_state.get(RANK)
    if st.session_state.get(_CONTEXT) != context or not isinstance(rank, int) or rank >= channels:
        st.session_state.pop(RANK, None)
        st.session_state[_CONTEXT] = context

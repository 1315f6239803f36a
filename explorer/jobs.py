"""The TensorFlow work the pages ask of the workers (run with explorer.engine.compute).

Each job takes plain arguments (ids, sizes, pixel arrays, file bytes) and returns plain data
(NumPy arrays, frozen dataclasses), so the web process never imports TensorFlow. What a job
builds (a network with its multi-output model, a loaded classifier) stays in the worker
process that built it, in a small bounded cache, for the next click.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from explorer.activations import ActivationExtractor, Activations, GradCam, NetworkView
    from explorer.case_studies.zoo import ZooModel
    from explorer.models.params import ParamTable
    from explorer.training.saved import Classifier

__all__ = [
    "activations",
    "backbone_layout",
    "classify_upload",
    "download_weights",
    "grad_cam",
    "network_view",
    "param_table",
    "zoo_model",
]


def _fresh_names() -> None:
    """Start Keras' automatic layer names afresh in this thread, as a new Python session would: a
    worker lives long, and its second VGG16 would begin with 'input_layer_1', not 'input_layer'.
    Only this thread's counters (Keras keeps them per thread): a run training on the worker's other
    thread is not touched, as it would be by keras.backend.clear_session()."""
    from keras.src.utils.naming import reset_uids

    reset_uids()


@lru_cache(maxsize=3)
def _extractor(backbone: str, pretrained_here: bool) -> ActivationExtractor:
    """One network per backbone at its default size (rebuilt when its weights arrive)."""
    from explorer.activations import build_extractor

    _fresh_names()
    return build_extractor(backbone)


def _network(backbone: str) -> ActivationExtractor:
    from explorer.models.backbones import get_backbone

    return _extractor(backbone, get_backbone(backbone).pretrained_available)


def network_view(backbone: str) -> NetworkView:
    """What the Activations Lab shows of a backbone before any photo: its layers, stages, filters."""
    return _network(backbone).view


@lru_cache(maxsize=4)
def _activations(backbone: str, pretrained_here: bool, pixels: _Pixels) -> Activations:
    return _extractor(backbone, pretrained_here).run(pixels.array)


def activations(backbone: str, pixels: np.ndarray, layers: Sequence[str]) -> Activations:
    """One photo's activations (its network input: a square crop at the input size): every layer's
    facts, channel ranking and the predictions, with the feature maps of `layers` only. The whole
    forward pass stays in this worker for the photo's next layers (all of EfficientNet-Lite0's maps
    are 80 MB: too much to send, or to keep per photo in the web server)."""
    from explorer.models.backbones import get_backbone

    digest = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()
    pretrained = get_backbone(backbone).pretrained_available
    return _activations(backbone, pretrained, _Pixels(digest, pixels)).only(layers)


class _Pixels:
    """An image for an lru_cache key: compared by its digest, never by its pixels."""

    def __init__(self, digest: str, array: np.ndarray) -> None:
        self.digest, self.array = digest, array

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Pixels) and other.digest == self.digest


def grad_cam(backbone: str, pixels: np.ndarray, class_index: int | None) -> GradCam:
    """Grad-CAM for the top class (None) or a chosen ImageNet class."""
    return _network(backbone).grad_cam(pixels, class_index)


def param_table(backbone: str, input_size: int) -> ParamTable:
    """The per-layer parameter table of a backbone at an input size (one build, random weights)."""
    from explorer.models.params import build_param_table

    _fresh_names()
    return build_param_table(backbone, input_size)


def backbone_layout(backbone: str) -> tuple[ParamTable, tuple[int, ...]]:
    """A backbone's parameter table and clean cuts at its default size, from one build."""
    from explorer.advisor import clean_cuts
    from explorer.models.backbones import build_backbone, get_backbone
    from explorer.models.params import compute_param_table

    size = get_backbone(backbone).default_size
    _fresh_names()
    model = build_backbone(backbone, size, weights="random")
    return compute_param_table(model, backbone, size), clean_cuts(model)


def zoo_model(network_id: str) -> ZooModel:
    """One Case Studies network counted layer by layer (kept on disk per Keras version)."""
    from explorer.case_studies.zoo import counted_zoo_model

    _fresh_names()
    return counted_zoo_model(network_id)


def download_weights(backbone: str) -> str:
    """Fetch a keras.applications backbone's ImageNet weights into this machine's Keras cache."""
    from explorer.models.backbones import download_weights as fetch

    return str(fetch(backbone))


@lru_cache(maxsize=2)
def _classifier(data: bytes) -> Classifier:
    from explorer.training.saved import load_classifier

    return load_classifier(data)


def classify_upload(data: bytes, pixels: np.ndarray) -> list[tuple[str, float]]:
    """Load a saved .keras (checked, safe_mode) and classify one photo with it, most likely class first."""
    from explorer.training.saved import classify

    return classify(_classifier(data), pixels)

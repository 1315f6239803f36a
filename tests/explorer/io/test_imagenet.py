"""Behaviour of the ImageNet class names and top-k decoding."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.errors import ExplorerInputError
from explorer.io.imagenet import Prediction, decode_predictions, imagenet_class_names


def test_there_are_1000_unique_names_in_index_order():
    names = imagenet_class_names()
    assert len(names) == 1000 == len(set(names))
    assert names[0] == "tench, Tinca tinca"
    assert names[281] == "tabby, tabby cat"
    assert names[967] == "espresso"
    assert names[999].startswith("toilet tissue")
    assert names[134] == "crane (bird)" and names[517] == "crane (machine)"


def test_names_are_cached():
    assert imagenet_class_names() is imagenet_class_names()


def test_decode_predictions_ranks_most_probable_first():
    probs = np.zeros(1000, np.float32)
    probs[[281, 967, 504, 10]] = [0.1, 0.6, 0.25, 0.05]
    top = decode_predictions(probs, top=3)
    assert [p.index for p in top] == [967, 504, 281]
    assert top[0] == Prediction(967, "espresso", pytest.approx(0.6))
    assert all(isinstance(p.probability, float) for p in top)


def test_decode_predictions_accepts_a_batch_of_one_and_breaks_ties_by_index():
    probs = np.full((1, 1000), 0.001)
    top = decode_predictions(probs, top=5)
    assert [p.index for p in top] == [0, 1, 2, 3, 4]


def test_prediction_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Prediction(0, "tench", 0.5).probability = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("probs", [np.zeros(10), np.zeros((2, 1000)), np.zeros((1, 1, 1000))])
def test_decode_predictions_needs_1000_values_for_one_image(probs):
    with pytest.raises(ExplorerInputError, match=r"Received: probs\.shape="):
        decode_predictions(probs)


@pytest.mark.parametrize("top", [0, 1001, 2.5, True])
def test_decode_predictions_refuses_top_out_of_range(top):
    with pytest.raises(ExplorerInputError, match="Received: top="):
        decode_predictions(np.zeros(1000), top=top)

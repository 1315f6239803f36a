"""The "how much data" plan: sizes the split cannot give are skipped with the reason; tiny validation is refused."""

from __future__ import annotations

import pytest

from explorer.errors import ExplorerInputError
from explorer.io.datasets import make_shapes, split_dataset
from explorer.training import MIN_VAL_IMAGES, plan_data_sizes


def test_sizes_beyond_the_split_are_capped_once_then_skipped_with_the_reason() -> None:
    split = split_dataset(make_shapes(34, 32, seed=0), 0.2)  # 27 train and 7 validation images per class
    plan = plan_data_sizes(split, [64, 2, 32, 2, 128])
    assert plan.runs == (2, 27) and plan.val_images == 21
    assert plan.capped == ((32, 27),)
    assert [asked for asked, _ in plan.skipped] == [64, 128]
    assert all("only 27 images per class" in why for _, why in plan.skipped)
    notes = plan.notes()
    assert notes[0].startswith("64 per class skipped") and "32 per class runs with 27" in notes[2]
    assert "21 validation images" in notes[-1] and "4.8%" in notes[-1]
    assert plan.accuracy_step == pytest.approx(1 / 21)


def test_a_validation_set_too_small_to_separate_the_points_is_refused() -> None:
    split = split_dataset(make_shapes(6, 32, seed=0), 0.2)
    with pytest.raises(ExplorerInputError, match=rf"at least {MIN_VAL_IMAGES} validation images.*Received: 3 validation"):
        plan_data_sizes(split, [2, 4])
    with pytest.raises(ExplorerInputError, match="at least one training size"):
        plan_data_sizes(split_dataset(make_shapes(34, 32, seed=0), 0.2), [])

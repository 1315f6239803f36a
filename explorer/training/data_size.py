"""The "how much data" experiment: which training sizes can run, and whether validation can tell them apart.

Every size trains on at most n images per class of the same training split and is scored on
the same validation images, so one validation image is the finest step an accuracy can take.
A size is skipped, with the reason, when the split has no more images per class than a size
already planned (it would repeat that run). A validation set under MIN_VAL_IMAGES is refused:
its accuracy moves in steps of more than 5%, coarser than the differences the curve should show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from explorer.errors import ExplorerInputError
from explorer.i18n import _
from explorer.io.datasets import DataSplit

__all__ = ["MIN_VAL_IMAGES", "SizePlan", "plan_data_sizes"]

MIN_VAL_IMAGES = 20


@dataclass(frozen=True)
class SizePlan:
    """The sizes to run (training images per class, as used) and those skipped, with why."""

    runs: tuple[int, ...]
    skipped: tuple[tuple[int, str], ...]
    """(size asked, why it does not run)."""
    val_images: int
    capped: tuple[tuple[int, int], ...] = ()
    """(size asked, size used) where the split has fewer training images per class than asked."""

    @property
    def accuracy_step(self) -> float:
        """What one validation image is worth in accuracy."""
        return 1.0 / self.val_images

    def notes(self) -> list[str]:
        """One line per skipped size, then the validation set's resolution, in the session's language."""
        lines = [_("{asked} per class skipped: {why}").format(asked=asked, why=why) for asked, why in self.skipped]
        lines += [_("{asked} per class runs with {used}, all the training split has").format(asked=asked, used=used)
                  for asked, used in self.capped]
        lines.append(_("Every size is scored on the same {n} validation images: one image is worth {step:.1%} "
                       "of accuracy (the error bars).").format(n=self.val_images, step=self.accuracy_step))
        return lines


def plan_data_sizes(split: DataSplit, sizes: Iterable[int]) -> SizePlan:
    """Plan the runs of a "how much data" experiment on a split.

    Args:
        split: the experiment's data; each size keeps at most n training images per class.
        sizes: training images per class to try.

    Returns:
        The sizes that run (ascending, each as many images as it will really use) and the skipped ones.

    Raises:
        ExplorerInputError: no size given, or fewer than MIN_VAL_IMAGES validation images.
    """
    asked = sorted({int(n) for n in sizes})
    if not asked:
        raise ExplorerInputError(_("Choose at least one training size.") + " Received: sizes=[]")
    val = len(split.val_labels)
    if val < MIN_VAL_IMAGES:
        raise ExplorerInputError(
            _("The validation set is too small to tell the sizes apart: with {n} images, accuracy moves in steps of "
              "{step:.0%}. Use more images per class (at least {minimum} validation images).").format(
                n=val, step=1 / max(val, 1), minimum=MIN_VAL_IMAGES)
            + f" Received: {val} validation images"
        )
    largest = int(np.bincount(split.train_labels, minlength=len(split.class_names)).max())
    runs: list[int] = []
    skipped: list[tuple[int, str]] = []
    capped: list[tuple[int, int]] = []
    for n in asked:
        used = min(n, largest)
        if runs and used <= runs[-1]:
            skipped.append((n, _("the training split has only {have} images per class, so it would repeat the run "
                                 "at {have}").format(have=largest)))
        else:
            runs.append(used)
            if used < n:
                capped.append((n, used))
    return SizePlan(tuple(runs), tuple(skipped), val, tuple(capped))

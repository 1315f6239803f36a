"""Time left in a run, from measured epoch times; the stored-feature pass is counted apart.

A run reports batch 0 when an epoch begins and batch == batches with the epoch's history when
it ends (explorer.training.callbacks.Recorder), so an epoch's duration is measured exactly,
validation included. The first epoch of a stage also pays for tracing the training step, so
once a stage has two epochs its first is left out of the average. Until one epoch has
finished there is nothing to go on, and the estimate is None ("estimating...").

Stage 2 of two-stage trains the whole network while stage 1 trains the head on stored features
(milliseconds per epoch), so stage 1's epochs say nothing about stage 2's. Until stage 2 has
an epoch of its own, one of its epochs is taken as STAGE2_PER_FEATURE_PASS times the
stored-feature pass: a forward and backward pass over the training images costs about three
forward passes, and the feature pass was one forward pass over every image.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from explorer.i18n import _
from explorer.training.config import TrainConfig
from explorer.training.results import Progress

__all__ = ["STAGE2_PER_FEATURE_PASS", "TimeLeft", "format_time_left"]

STAGE2_PER_FEATURE_PASS = 3.0


@dataclass
class TimeLeft:
    """Feed it every Progress with the time it arrived; ask it for the seconds left.

    Args (fields):
        stage_epochs: the planned epochs per stage in order, e.g. (("train", 6), ("stage 2", 3)).
    """

    stage_epochs: tuple[tuple[str, int], ...]
    durations: dict[str, list[float]] = field(default_factory=dict)
    """Measured seconds of each finished epoch, per stage."""
    feature_seconds: float | None = None
    """The stored-feature pass, once it has ended (the first epoch begins)."""
    _features_began: float | None = None
    _stage: str = ""
    _epoch: int = 0
    _began: float | None = None
    _finished: bool = False

    @classmethod
    def for_config(cls, config: TrainConfig) -> TimeLeft:
        """The clock for a run of this configuration."""
        stages = [("train", config.epochs)]
        if config.strategy == "two-stage" and config.stage2_epochs:
            stages.append(("stage 2", config.stage2_epochs))
        return cls(tuple(stages))

    def observe(self, progress: Progress, now: float) -> None:
        """Take one report and the time (any monotonic clock, in seconds) it arrived."""
        if progress.stage == "features":
            if self._features_began is None:
                self._features_began = now
            return
        if progress.batch == 0:  # an epoch begins
            if self._features_began is not None and self.feature_seconds is None:
                self.feature_seconds = now - self._features_began
            self._stage, self._epoch, self._began, self._finished = progress.stage, progress.epoch, now, False
            return
        self._stage, self._epoch = progress.stage, progress.epoch
        ended = progress.batch == progress.batches and len(progress.history.get("loss", ())) >= progress.epoch
        if ended and not self._finished and self._began is not None:
            self.durations.setdefault(progress.stage, []).append(now - self._began)
            self._finished = True

    def per_epoch(self, stage: str) -> float | None:
        """Seconds one epoch of a stage takes: measured, or for an unmeasured stage 2, from the feature pass."""
        measured = self.durations.get(stage, [])
        if len(measured) >= 2:
            return statistics.median(measured[1:][-5:])  # the first one pays for tracing
        if measured:
            return measured[0]
        if stage == "stage 2" and self.feature_seconds is not None:
            return STAGE2_PER_FEATURE_PASS * self.feature_seconds
        return None

    def seconds_left(self, now: float) -> float | None:
        """Seconds until the planned epochs are done, or None until one epoch has finished."""
        if not any(self.durations.values()):
            return None
        names = [name for name, _ in self.stage_epochs]
        if self._stage not in names:
            return None
        here = names.index(self._stage)
        left = 0.0
        stage_end = sum(n for _, n in self.stage_epochs[: here + 1])
        for i, (name, epochs) in enumerate(self.stage_epochs[here:], start=here):
            per = self.per_epoch(name)
            if per is None:
                return None
            if i == here:
                left += (stage_end - self._epoch) * per
                if not self._finished and self._began is not None:
                    left += max(0.0, per - (now - self._began))
            else:
                left += epochs * per
        return left


def format_time_left(seconds: float | None) -> str:
    """'estimating...', 'about 40 s left' or 'about 3 min left'."""
    if seconds is None:
        return _("estimating...")
    if seconds < 90:
        return _("about {seconds} s left").format(seconds=max(1, round(seconds)))
    return _("about {minutes} min left").format(minutes=round(seconds / 60))

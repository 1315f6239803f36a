"""Time left: measured epoch times, the stored-feature pass apart, 'estimating...' until an epoch ends."""

from __future__ import annotations

import pytest

from explorer.training import Progress, TimeLeft, TrainConfig, format_time_left


def stub_run(clock: TimeLeft, stages: list[tuple[str, int, list[float]]], features: float = 0.0, batches: int = 4) -> list[tuple[float, float | None]]:
    """Replay a run with fixed epoch times; (true seconds left, estimate) after each finished epoch."""
    total = sum(n for _, n, _ in stages)
    now, epoch, history, seen = 0.0, 0, [], []
    if features:
        clock.observe(Progress("features", 0, total, 0, 1, {}), now)
        now += features
    ends: list[float] = []
    for stage, n, times in stages:
        for seconds in times[:n]:
            epoch += 1
            clock.observe(Progress(stage, epoch, total, 0, batches, {}, {"loss": tuple(history)}), now)
            for b in range(1, batches + 1):
                now += seconds / batches
                clock.observe(Progress(stage, epoch, total, b, batches, {}, {"loss": tuple(history)}), now)
            history.append(1.0)
            clock.observe(Progress(stage, epoch, total, batches, batches, {}, {"loss": tuple(history)}), now)
            ends.append(now)
            seen.append((now, clock.seconds_left(now)))
    return [(ends[-1] - t, estimate) for t, estimate in seen]


def test_scratch_estimate_after_epoch_2_is_within_30_percent() -> None:
    clock = TimeLeft.for_config(TrainConfig("simple_cnn", 32, "scratch", epochs=10))
    times = [9.0] + [4.0] * 9  # the first epoch pays for tracing
    (_, first), (true, after_two), *_ = stub_run(clock, [("train", 10, times)])
    assert first is not None
    assert after_two == pytest.approx(true, rel=0.3)


def test_two_stage_counts_the_feature_pass_apart_and_estimates_stage_two_from_it() -> None:
    config = TrainConfig("efficientnet_lite0", 32, "two-stage", epochs=6, stage2_epochs=3)
    clock = TimeLeft.for_config(config)
    # features: one forward pass over the images, 10 s; head epochs: 0.05 s; stage 2: about 3 feature passes.
    rows = stub_run(clock, [("train", 6, [0.3] + [0.05] * 5), ("stage 2", 3, [34.0, 30.0, 30.0])], features=10.0)
    assert clock.feature_seconds == pytest.approx(10.0)
    true, estimate = rows[1]  # after epoch 2, still in stage 1
    assert estimate == pytest.approx(true, rel=0.3)
    true, estimate = rows[6]  # after the first stage-2 epoch
    assert estimate == pytest.approx(true, rel=0.3)


def test_estimating_until_one_epoch_has_finished() -> None:
    clock = TimeLeft.for_config(TrainConfig("simple_cnn", 32, "scratch", epochs=5))
    assert clock.seconds_left(0.0) is None
    clock.observe(Progress("train", 1, 5, 0, 4, {}), 0.0)
    clock.observe(Progress("train", 1, 5, 3, 4, {}), 3.0)
    assert clock.seconds_left(3.0) is None and format_time_left(None) == "estimating..."
    clock.observe(Progress("train", 1, 5, 4, 4, {}, {"loss": (1.0,)}), 4.0)
    assert clock.seconds_left(4.0) == pytest.approx(16.0)
    assert format_time_left(16.4) == "about 16 s left" and format_time_left(600) == "about 10 min left"


def test_the_estimate_counts_down_inside_an_epoch_and_never_goes_negative() -> None:
    clock = TimeLeft.for_config(TrainConfig("simple_cnn", 32, "scratch", epochs=3))
    stub_run(clock, [("train", 1, [4.0])])
    clock.observe(Progress("train", 2, 3, 0, 4, {}, {"loss": (1.0,)}), 4.0)
    assert clock.seconds_left(5.0) == pytest.approx(7.0)
    assert clock.seconds_left(100.0) == pytest.approx(4.0)  # a slow epoch: the rest still takes one epoch

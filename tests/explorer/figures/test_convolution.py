"""Convolution Lab figures: one small frame per step, padding shown as what pooling sees, every figure builds."""

from __future__ import annotations

import numpy as np

from explorer import convolution as cv
from explorer.figures import convolution as cf


def test_animation_has_one_small_frame_per_step():
    x, k = cv.input_preset("digit", 7), cv.kernel_preset("Sobel x")
    fig = cf.conv_animation_figure(x, k, 2, 1, 1, step=3)
    assert len(fig.frames) == 16
    assert len(fig.layout.sliders[0].steps) == 16 and fig.layout.sliders[0].active == 3
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert "Step 4 of 16" in fig.layout.title.text
    assert "Step 1 of 16" in fig.frames[0].layout.title.text
    still = cf.conv_animation_figure(x, k, 2, 1, 1, step=3, animate=False)
    assert not still.frames and not still.layout.sliders
    assert "Step 4 of 16" in still.layout.title.text  # the one step drawn: the page steps on the server


def test_animation_writes_the_products_and_a_still_figure_only_the_value():
    """A figure on its own shows the step's arithmetic; the lab's still figure shows the value, and
    writes the arithmetic under it (so a line of nine products need not fit beside the controls)."""
    x, k = cv.input_preset("digit", 7), cv.kernel_preset("Sobel x")
    value = cv.conv2d(x, k)[0, 0]
    animated = cf.conv_animation_figure(x, k, step=0).layout.title.text
    still = cf.conv_animation_figure(x, k, step=0, animate=False).layout.title.text
    assert animated.endswith(f" = <b>{value:g}</b>") and "0×(-1) + 0×0" in animated
    assert still == f"<b>Step 1 of 25</b>: output[0, 0] = <b>{value:g}</b>"
    pooled = cf.pool_animation_figure(cv.input_preset("random", 5), 2, 2, "max", "valid", step=0, animate=False)
    assert "max(" not in pooled.layout.title.text and "<br>" not in pooled.layout.title.text


def test_largest_animated_grid_stays_small():
    x = cv.input_preset("random", 16)
    g = cv.conv_geometry(x.shape, (7, 7), 1, "same")
    assert g.steps == cf.MAX_ANIMATION_STEPS  # the largest grid the page animates, with the largest kernel
    assert len(cf.conv_animation_figure(x, np.ones((7, 7)), 1, "same").to_json()) < 1_500_000


def test_pool_figure_marks_padding_as_minus_infinity_for_max():
    fig = cf.pool_animation_figure(cv.input_preset("random", 5), 2, 2, "max", "same")
    texts = ["".join(map(str, row)) for tr in fig.data if tr.type == "heatmap" and tr.text for row in tr.text]
    assert any("−∞" in t for t in texts)


def test_other_figures_build():
    cf.feature_map_figure(cv.synthetic_image(32), cv.conv2d(cv.synthetic_image(32), cv.kernel_preset("Sobel x")))
    cf.signal_figure(cv.signal_preset("step", 20), np.ones(3) / 3, 2, "same", 1, step=4)
    cf.receptive_field_figure(cv.receptive_field([cv.LayerSpec(3)] * 4))
    cf.stack_comparison_figure(cv.compare_stacks(64), 64)

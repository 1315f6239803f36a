"""The Convolution Lab under AppTest: widgets by key, the output size and step arithmetic it shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import re

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

from explorer import convolution as cv
from ui.state import convolution as keys

PAGE = str(ROOT / "app_pages" / "convolution_lab.py")


def run_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if tab is not None:
        at.session_state[keys.TAB] = tab
    at.run()
    assert not at.exception
    return at


def text(at: AppTest) -> str:
    """Everything the page wrote: markdown, LaTeX and errors."""
    return "\n".join([m.value for m in at.markdown] + [x.value for x in at.latex] + [e.value for e in at.error])


def step_slider(at: AppTest, key: str = keys.STEP):
    """The "Step to explain" slider of a step player."""
    return at.slider(key=key)


def figure_spec(at: AppTest, i: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def drawn_step(at: AppTest) -> tuple[int, int]:
    """The step (1-based) and the step count that the figure's title shows."""
    found = re.search(r"Step (\d+) of (\d+)", figure_spec(at)["layout"]["title"]["text"])
    return int(found.group(1)), int(found.group(2))


def shown_size(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Output size"))


def test_default_is_a_3x3_kernel_over_a_7x7_digit():
    at = run_page()
    assert shown_size(at) == "**Output size 5 × 5**"
    assert r"\left\lfloor \frac{7 + 2\cdot 0 - 3}{1}\right\rfloor + 1 = 5" in text(at)
    assert step_slider(at).max == 25
    assert not figure_spec(at).get("frames")  # one step drawn: the server steps, so nothing can disagree
    step = cv.conv2d_step(cv.input_preset("digit", 7), cv.kernel_preset("Sobel x"), 0)
    assert step.arithmetic_latex() in text(at)


def test_stride_two_with_one_zero_of_padding():
    at = run_page()
    at.segmented_control(key=keys.STRIDE).set_value(2)
    at.selectbox(key=keys.PADDING).set_value(1)
    at.run()
    assert not at.exception
    assert shown_size(at) == "**Output size 4 × 4**"
    assert r"\left\lfloor \frac{7 + 2\cdot 1 - 3}{2}\right\rfloor + 1 = 4" in text(at)
    assert step_slider(at).max == 16


def test_same_padding_explains_the_split():
    at = run_page()
    at.slider(key=keys.SIZE).set_value(8)
    at.segmented_control(key=keys.STRIDE).set_value(2)
    at.selectbox(key=keys.PADDING).set_value("same")
    at.run()
    assert shown_size(at) == "**Output size 4 × 4**"
    assert "same padding = max((ceil(8/2) - 1)*2 + 3 - 8, 0) = 1 -> 0 before, 1 after" in text(at)


def test_dilation_widens_the_kernel():
    at = run_page()
    at.segmented_control(key=keys.DILATION).set_value(2)
    at.run()
    assert shown_size(at) == "**Output size 3 × 3**"
    assert "dilated kernel k = (3 - 1)*2 + 1 = 5" in text(at)


def test_stepping_shows_that_steps_arithmetic():
    at = run_page()
    at.selectbox(key=keys.KERNEL).set_value("Laplacian")
    step_slider(at).set_value(7)  # 1-based: output[1, 1]
    at.run()
    assert not at.exception
    step = cv.conv2d_step(cv.input_preset("digit", 7), cv.kernel_preset("Laplacian"), 6)
    assert (step.out_row, step.out_col) == (1, 1)
    assert r"\text{output}[1,1] = " + step.arithmetic_latex() in text(at)


def test_kernel_that_does_not_fit_is_an_error_not_a_traceback():
    at = run_page()
    at.slider(key=keys.SIZE).set_value(5)
    at.segmented_control(key=keys.DILATION).set_value(3)  # spans 7 > 5
    at.run()
    assert not at.exception
    assert "must fit inside the padded input" in at.error[0].value


def test_custom_kernel_starts_as_identity():
    at = run_page()
    at.selectbox(key=keys.KERNEL).set_value("custom")
    at.run()
    at.slider(key=keys.KERNEL_SIZE).set_value(5).run()
    assert not at.exception
    assert shown_size(at) == "**Output size 3 × 3**"  # 7 - 5 + 1


def test_photo_tab_shows_the_whole_feature_map():
    at = run_page("On a photo")
    assert "**85×128** feature map" in text(at)
    at.segmented_control(key=keys.PHOTO_STRIDE).set_value(2)
    at.selectbox(key=keys.PHOTO_KERNEL).set_value("Laplacian")
    at.run()
    assert not at.exception
    assert "**43×64** feature map" in text(at)


def test_photo_tab_without_an_upload_keeps_a_sample():
    at = run_page("On a photo")
    at.radio(key=keys.PHOTO).set_value("upload")
    at.run()
    assert not at.exception and not at.error


def test_photo_tab_takes_an_upload_and_refuses_a_bad_one():
    at = run_page("On a photo")
    at.radio(key=keys.PHOTO).set_value("upload").run()
    at.file_uploader(key=keys.UPLOAD).set_value(("mug.png", (ROOT / "assets" / "samples" / "coffee.png").read_bytes(),
                                                 "image/png")).run()
    assert not at.exception and not at.error
    assert "feature map, computed all at once" in text(at)
    at.file_uploader(key=keys.UPLOAD).set_value(("notes.png", b"not a photo", "image/png")).run()
    assert not at.exception
    assert "none of those (whatever its name says)" in at.error[0].value


def test_a_closed_tab_keeps_its_settings():
    at = run_page()
    at.segmented_control(key=keys.STRIDE).set_value(2).run()
    at.session_state[keys.TAB] = "Pooling"
    at.run()
    at.session_state[keys.TAB] = "2D convolution"
    at.run()
    assert not at.exception
    assert at.segmented_control(key=keys.STRIDE).value == 2
    assert shown_size(at) == "**Output size 3 × 3**"


def test_signal_tab():
    at = run_page("1D signal")
    assert r"\text{output length} = \left\lfloor \frac{24 + 2\cdot 0 - 3}{1}\right\rfloor + 1 = 22" in text(at)
    at.segmented_control(key=keys.STRIDE_1D).set_value(2)
    at.selectbox(key=keys.PADDING_1D).set_value("same")
    at.selectbox(key=keys.KERNEL_1D).set_value("custom")
    at.run()
    at.text_input(key=keys.CUSTOM_1D).set_value("1, 2, three").run()
    assert not at.exception
    assert "Each entry must be a number" in at.error[0].value
    at.text_input(key=keys.CUSTOM_1D).set_value("1, -1").run()
    assert "= 12" in text(at) and not at.error


def test_pooling_tab():
    at = run_page("Pooling")
    assert shown_size(at) == "**Output size 4 × 4**"
    grid = cv.input_preset("random", 8)
    assert cv.pool2d_step(grid, 2, 0).arithmetic() in text(at)
    at.segmented_control(key=keys.POOL_MODE).set_value("avg")
    at.segmented_control(key=keys.POOL_WINDOW).set_value(3)
    at.selectbox(key=keys.POOL_PADDING).set_value("same")
    at.run()
    assert shown_size(at) == "**Output size 4 × 4**"
    assert cv.pool2d_step(grid, 3, 0, 2, "avg", "same").arithmetic() in text(at)


def test_receptive_field_tab():
    at = run_page("Receptive field")
    assert "**7×7** input pixels" in text(at)
    at.slider(key=keys.LAYERS).set_value(2)
    at.segmented_control(key=keys.RF_STRIDE).set_value(2)
    at.run()
    assert "**7×7** input pixels" in text(at)  # 3 + (3 - 1)*2


def test_small_vs_big_kernels_tab():
    at = run_page("Small vs big kernels")
    values = [m.value for m in at.metric]
    assert values == ["27 C² vs 49 C²", "18 C² vs 25 C²", "14 C² vs 49 C²"]
    at.slider(key=keys.FACTOR_N).set_value(3)
    at.run()
    assert at.metric[2].value == "6 C² vs 9 C²"


@pytest.mark.parametrize("tab", keys.TABS)
def test_every_tab_renders_without_exception(tab):
    run_page(tab)


def test_large_grid_steps_on_the_server():
    at = run_page()
    at.slider(key=keys.SIZE).set_value(16)
    at.selectbox(key=keys.PADDING).set_value(3)  # 22 x 22 positions with a 1x1 kernel would be too many frames
    at.selectbox(key=keys.KERNEL).set_value("identity")
    at.run()
    assert not at.exception
    assert step_slider(at).max == 20 * 20
    assert not figure_spec(at).get("frames")
    step_slider(at).set_value(400).run()
    assert r"\text{output}[19,19]" in text(at)
    assert drawn_step(at) == (400, 400)


def play(at: AppTest, key: str = keys.STEP) -> AppTest:
    at.button(key=f"{key}.play").click().run()
    assert not at.exception
    return at


def test_play_moves_the_picture_the_sum_and_the_formula_together():
    at = play(run_page())
    assert at.button(key=f"{keys.STEP}.play").label == "Pause"
    assert drawn_step(at) == (1, 25)  # Play shows the current step first
    x, kernel = cv.input_preset("digit", 7), cv.kernel_preset("Sobel x")
    for expected in (2, 3, 4):  # each run while playing is one tick of the fragment's timer
        at.run()
        assert drawn_step(at) == (expected, 25) and at.session_state[keys.STEP] == expected
        assert at.get("progress")[0].proto.text == f"Step {expected} of 25"  # stands in for the slider
        step = cv.conv2d_step(x, kernel, expected - 1)
        assert rf"\text{{output}}[{step.out_row},{step.out_col}] = " + step.arithmetic_latex() in text(at)
        assert f"output[{step.out_row}, {step.out_col}]" in figure_spec(at)["layout"]["title"]["text"]
    play(at)  # Pause: the step holds, and the slider comes back at it
    assert at.button(key=f"{keys.STEP}.play").label == "Play"
    assert step_slider(at).value == 4 and not at.get("progress")
    at.run()
    assert drawn_step(at) == (4, 25) and step_slider(at).value == 4


def test_play_stops_at_the_last_step_and_starts_again_from_the_first():
    at = run_page()
    step_slider(at).set_value(24).run()
    play(at).run()
    assert drawn_step(at) == (25, 25) and step_slider(at).value == 25
    assert at.button(key=f"{keys.STEP}.play").label == "Play"  # stopped by itself
    play(at)
    assert drawn_step(at) == (1, 25) and at.button(key=f"{keys.STEP}.play").label == "Pause"


def test_the_step_slider_drives_the_same_step():
    at = run_page()
    step_slider(at).set_value(10).run()
    assert drawn_step(at) == (10, 25)
    assert r"\text{output}[1,4]" in text(at)


@pytest.mark.parametrize(("tab", "key"), [("1D signal", keys.STEP_1D), ("Pooling", keys.POOL_STEP)])
def test_signal_and_pooling_tabs_play_too(tab, key):
    at = play(run_page(tab), key)
    at.run()
    assert at.session_state[key] == 2
    assert "**Step 2 of" in text(at)


def test_page_never_imports_tensorflow():
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({PAGE!r}, default_timeout=60)\n"
        f"for tab in {keys.TABS!r}:\n"
        f"    at.session_state[{keys.TAB!r}] = tab\n"
        "    at.run()\n"
        "    assert not at.exception, at.exception\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["False", "False"]


def test_input_grid_values_reach_the_convolution():
    """The data editor hands the page a NumPy grid; the shown step matches explorer's."""
    at = run_page()
    grid = at.dataframe[0].value
    assert np.array_equal(np.asarray(grid, dtype=float), cv.input_preset("digit", 7))

"""explorer.convolution against TensorFlow's reference ops, the formulas by hand, bad input, the CLI."""

from __future__ import annotations

import itertools
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from explorer import convolution as cv
from explorer.errors import ExplorerInputError

tf = pytest.importorskip("tensorflow")

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(1234)


def tf_padding(padding):
    return padding.upper() if isinstance(padding, str) else [[0, 0], [padding, padding], [padding, padding], [0, 0]]


def tf_conv2d(x, k, stride, padding, dilation):
    out = tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], strides=stride, padding=tf_padding(padding),
                       dilations=dilation)
    return out.numpy()[0, :, :, 0]


def fits(n, k, stride, padding, dilation):
    if padding == "same":
        return True
    pads = 0 if padding == "valid" else 2 * padding
    return (k - 1) * dilation + 1 <= n + pads


# ------------------------------------------------------------------ 2D convolution vs tf.nn.conv2d

CONV_CASES = list(itertools.product(
    [(5, 5), (7, 7), (8, 6), (9, 11)],  # input (rows, cols)
    [(1, 1), (2, 3), (3, 3), (5, 5)],  # kernel
    [1, 2, 3],  # stride
    ["valid", "same", 1, 2],  # padding
    [1, 2],  # dilation
))


@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "dilation"), CONV_CASES)
def test_conv2d_matches_tf_nn_conv2d(shape, kshape, stride, padding, dilation):
    x = RNG.normal(size=shape)
    k = RNG.normal(size=kshape)
    if all(fits(n, kk, stride, padding, dilation) for n, kk in zip(shape, kshape)):
        expected = tf_conv2d(x, k, stride, padding, dilation)
        got = cv.conv2d(x, k, stride, padding, dilation)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
        g = cv.conv_geometry(shape, kshape, stride, padding, dilation)
        assert g.output_shape == expected.shape
        assert g.steps == expected.size
    else:
        with pytest.raises(cv.ConvolutionInputError, match="must fit inside the padded input"):
            cv.conv2d(x, k, stride, padding, dilation)


@pytest.mark.parametrize(("stride", "dilation"), [((1, 2), (2, 1)), ((2, 3), (1, 1)), ((1, 1), (1, 3))])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_takes_different_strides_and_dilations_per_axis(stride, dilation, padding):
    x, k = RNG.normal(size=(9, 10)), RNG.normal(size=(3, 2))
    expected = tf_conv2d(x, k, list(stride), padding, list(dilation))
    np.testing.assert_allclose(cv.conv2d(x, k, stride, padding, dilation), expected, atol=1e-10)


@pytest.mark.parametrize(("cin", "cout", "stride", "padding", "dilation"),
                         [(3, 4, 1, "valid", 1), (3, 2, 2, "same", 1), (2, 5, 1, "same", 2), (4, 1, 2, 1, 1)])
def test_multichannel_conv2d_matches_tf(cin, cout, stride, padding, dilation):
    x = RNG.normal(size=(9, 8, cin))
    k = RNG.normal(size=(3, 3, cin, cout))
    expected = tf.nn.conv2d(x[None], k, stride, tf_padding(padding), dilations=dilation).numpy()[0]
    np.testing.assert_allclose(cv.conv2d(x, k, stride, padding, dilation), expected, atol=1e-10)


@pytest.mark.parametrize(("n", "k", "stride", "expected"), [
    (7, 3, 2, (1, 1)),   # total 2: symmetric
    (8, 3, 2, (0, 1)),   # total 1: the odd row goes after (bottom/right), as in TensorFlow
    (6, 4, 1, (1, 2)),
    (5, 1, 1, (0, 0)),
    (10, 3, 3, (1, 1)),
])
def test_same_padding_splits_like_tensorflow(n, k, stride, expected):
    assert cv.same_padding(n, k, stride) == expected
    x, kern = RNG.normal(size=(n, n)), RNG.normal(size=(k, k))
    before, after = expected
    manual = cv.conv2d(np.pad(x, ((before, after), (before, after))), kern, stride, "valid")
    np.testing.assert_allclose(cv.conv2d(x, kern, stride, "same"), manual)
    np.testing.assert_allclose(manual, tf_conv2d(x, kern, stride, "same", 1), atol=1e-10)


def test_same_padding_keeps_the_size_at_stride_one():
    for n, k, d in itertools.product(range(3, 10), (1, 3, 5), (1, 2)):
        assert cv.output_size(n, k, 1, "same", d) == n


# ------------------------------------------------------------------ 1D convolution vs tf.nn.conv1d

@pytest.mark.parametrize(("n", "k", "stride", "padding", "dilation"), list(itertools.product(
    [8, 13], [1, 2, 3, 5], [1, 2, 3], ["valid", "same", 2], [1, 2])))
def test_conv1d_matches_tf_nn_conv1d(n, k, stride, padding, dilation):
    x, kern = RNG.normal(size=n), RNG.normal(size=k)
    if not fits(n, k, stride, padding, dilation):
        with pytest.raises(cv.ConvolutionInputError, match="must fit"):
            cv.conv1d(x, kern, stride, padding, dilation)
        return
    if isinstance(padding, int):  # tf.nn.conv1d takes no explicit padding: pad by hand, then VALID
        ref_x, ref_pad = np.pad(x, padding), "VALID"
    else:
        ref_x, ref_pad = x, padding.upper()
    expected = tf.nn.conv1d(ref_x[None, :, None], kern[:, None, None], stride, ref_pad, dilations=dilation)
    np.testing.assert_allclose(cv.conv1d(x, kern, stride, padding, dilation), expected.numpy()[0, :, 0], atol=1e-10)


@pytest.mark.parametrize(("stride", "padding", "dilation"),
                         [(1, "valid", 1), (2, "same", 1), (1, 2, 2), (3, "same", 2)])
def test_every_1d_step_adds_up_to_the_output(stride, padding, dilation):
    x, k = RNG.integers(-3, 4, 11).astype(float), np.array([1.0, -2.0, 1.0])
    out = cv.conv1d(x, k, stride, padding, dilation)
    g = cv.conv1d_geometry(x.size, k.size, stride, padding, dilation)
    assert g.steps == out.size and g.cols.output == out.size
    for i in range(g.steps):
        assert cv.conv1d_step(x, k, i, stride, padding, dilation).total == pytest.approx(out[i])


def test_multichannel_conv1d_matches_tf():
    x, kern = RNG.normal(size=(20, 3)), RNG.normal(size=(5, 3, 4))
    expected = tf.nn.conv1d(x[None], kern, 2, "SAME", dilations=1).numpy()[0]
    np.testing.assert_allclose(cv.conv1d(x, kern, 2, "same"), expected, atol=1e-10)


# ------------------------------------------------------------------ pooling vs tf.nn.max_pool2d / avg_pool2d

@pytest.mark.parametrize(("shape", "window", "stride", "padding", "mode"), list(itertools.product(
    [(4, 4), (7, 7), (8, 5)], [1, 2, 3], [None, 1, 2, 3], ["valid", "same"], ["max", "avg"])))
def test_pool2d_matches_tf(shape, window, stride, padding, mode):
    x = RNG.normal(size=shape)
    op = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    expected = op(x[None, :, :, None], window, stride or window, padding.upper()).numpy()[0, :, :, 0]
    np.testing.assert_allclose(cv.pool2d(x, window, stride, mode, padding), expected, atol=1e-12)


def test_pool2d_pools_each_channel():
    x = RNG.normal(size=(7, 6, 3))
    for mode, op in (("max", tf.nn.max_pool2d), ("avg", tf.nn.avg_pool2d)):
        expected = op(x[None], 3, 2, "SAME").numpy()[0]
        np.testing.assert_allclose(cv.pool2d(x, 3, 2, mode, "same"), expected, atol=1e-12)


def test_same_max_pool_never_picks_the_padding():
    x = -np.ones((3, 3))  # all negative: zero padding would win, -inf padding never does
    assert np.all(cv.pool2d(x, 2, 2, "max", "same") == -1)


def test_same_avg_pool_leaves_the_padding_out_of_the_average():
    x = np.full((3, 3), 6.0)
    assert np.all(cv.pool2d(x, 2, 2, "avg", "same") == 6.0)
    step = cv.pool2d_step(x, 2, 3, 2, "avg", "same")  # bottom-right window: one real cell
    assert step.arithmetic() == "(6)/1 = 6"


# ------------------------------------------------------------------ geometry and the formula by hand

def test_output_size_formula_with_numbers_substituted():
    g = cv.conv_geometry((7, 7), (3, 3), 2, 1)
    assert g.output_shape == (4, 4)
    assert g.rows.formula() == "floor((7 + 2*1 - 3)/2) + 1 = 4"
    assert g.explain() == ("floor((7 + 2*1 - 3)/2) + 1 = 4",)
    assert g.rows.formula_latex() == r"\left\lfloor \frac{7 + 2\cdot 1 - 3}{2}\right\rfloor + 1 = 4"


def test_formula_shows_asymmetric_same_padding_and_dilation():
    g = cv.conv_geometry((8, 8), (3, 3), 2, "same", 2)
    # k_eff = 5, total = (4 - 1)*2 + 5 - 8 = 3 -> 1 before, 2 after
    assert g.pads == ((1, 2), (1, 2))
    assert g.rows.formula() == "floor((8 + 1 + 2 - 5)/2) + 1 = 4"
    assert g.notes() == ("dilated kernel k = (3 - 1)*2 + 1 = 5",
                         "same padding = max((ceil(8/2) - 1)*2 + 5 - 8, 0) = 3 -> 1 before, 2 after")


def test_formula_per_axis_when_rows_and_columns_differ():
    g = cv.conv_geometry((7, 9), (3, 3), 1, "valid")
    assert g.explain() == ("rows: floor((7 + 2*0 - 3)/1) + 1 = 5", "columns: floor((9 + 2*0 - 3)/1) + 1 = 7")


@pytest.mark.parametrize(("n", "k", "s", "p", "d", "expected"), [
    (7, 3, 1, "valid", 1, 5), (7, 3, 2, "valid", 1, 3), (7, 3, 2, 1, 1, 4), (32, 3, 1, "valid", 1, 30),
    (30, 2, 2, "valid", 1, 15), (13, 2, 2, "valid", 1, 6), (7, 3, 1, "valid", 2, 3), (224, 7, 2, 3, 1, 112),
])
def test_output_size(n, k, s, p, d, expected):
    assert cv.output_size(n, k, s, p, d) == expected


# ------------------------------------------------------------------ every step of the sliding window

@pytest.mark.parametrize(("stride", "padding", "dilation"), [(1, "valid", 1), (2, "same", 1), (1, 1, 2), (3, 2, 1)])
def test_every_step_adds_up_to_the_feature_map(stride, padding, dilation):
    x, k = RNG.integers(0, 10, (8, 7)).astype(float), RNG.integers(-2, 3, (3, 3)).astype(float)
    out = cv.conv2d(x, k, stride, padding, dilation)
    g = cv.conv_geometry(x.shape, k.shape, stride, padding, dilation)
    padded = cv.pad2d(x, g)
    for i in range(g.steps):
        step = cv.conv2d_step(x, k, i, stride, padding, dilation)
        assert (step.out_row, step.out_col) == divmod(i, out.shape[1])
        assert step.rows == tuple(step.out_row * stride + a * dilation for a in range(3))
        assert np.array_equal(np.array(step.patch), padded[np.ix_(step.rows, step.cols)])
        assert np.array_equal(np.array(step.products), np.array(step.patch) * k)
        assert step.total == pytest.approx(out[step.out_row, step.out_col])


def test_step_arithmetic_is_written_out():
    x = np.arange(9.0).reshape(3, 3)
    k = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    step = cv.conv2d_step(x, k, 0)
    assert step.arithmetic() == "0×1 + 1×0 + 2×(-1) + 3×2 + 4×0 + 5×(-2) + 6×1 + 7×0 + 8×(-1) = -8"
    assert r"\mathbf{-8}" in step.arithmetic_latex()


def test_steps_are_frozen():
    step = cv.conv2d_step(np.ones((3, 3)), np.ones((2, 2)), 1)
    with pytest.raises(AttributeError):
        step.total = 0  # type: ignore[misc]


def test_pool_step_arithmetic():
    x = np.array([[1.0, 3, 0, 0], [2, 0, 0, 5], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert cv.pool2d_step(x, 2, 0, mode="max").arithmetic() == "max(1, 3, 2, 0) = 3"
    assert cv.pool2d_step(x, 2, 0, mode="avg").arithmetic() == "(1 + 3 + 2 + 0)/4 = 1.5"
    assert cv.pool2d_step(x, 2, 1, mode="max").result == 5


# ------------------------------------------------------------------ receptive field and parameters by hand

def test_receptive_field_of_stacked_3x3_layers():
    rows = cv.receptive_field([cv.LayerSpec(3)] * 3)
    assert [r.receptive_field for r in rows] == [3, 5, 7]  # two see 5x5, three see 7x7


def test_receptive_field_with_strides_and_dilation():
    # r = 1 + (3-1)*1 = 3; jump 2; r = 3 + (3-1)*2 = 7; jump 2; r = 7 + (3-1)*2*2 = 15
    rows = cv.receptive_field([cv.LayerSpec(3, 2), cv.LayerSpec(3, 1), cv.LayerSpec(3, 1, 2)])
    assert [(r.receptive_field, r.jump) for r in rows] == [(3, 2), (7, 2), (15, 2)]
    # conv 3x3 -> pool 2/2 -> conv 3x3 (the CIFAR network of SEEDS section 3)
    cifar = cv.receptive_field([cv.LayerSpec(3), cv.LayerSpec(2, 2), cv.LayerSpec(3)])
    assert cifar[-1].receptive_field == 8


def test_conv_params_match_the_cifar_network():
    assert cv.conv_params(3, 3, 3, 32) == 896
    assert cv.conv_params(3, 3, 32, 64) == 18_496
    assert cv.conv_params(3, 3, 64, 64) == 36_928
    assert cv.conv_params(7, 7, 64, 64, bias=False) == 49 * 64**2


@pytest.mark.parametrize("channels", [1, 3, 64, 512])
def test_small_kernel_stacks_against_big_kernels(channels):
    three, two, factor = cv.compare_stacks(channels, n=7)
    c2 = channels**2
    assert (three.stacked.weights, three.single.weights) == (27 * c2, 49 * c2)
    assert (two.stacked.weights, two.single.weights) == (18 * c2, 25 * c2)
    assert (factor.stacked.weights, factor.single.weights) == (14 * c2, 49 * c2)
    assert three.stacked.receptive_field == three.single.receptive_field == (7, 7)
    assert two.stacked.receptive_field == (5, 5)
    assert factor.stacked.receptive_field == factor.single.receptive_field == (7, 7)
    assert three.saving == pytest.approx(1 - 27 / 49)
    assert (three.stacked.coefficient, three.single.coefficient) == (27, 49)


# ------------------------------------------------------------------ presets, parsing, images

def test_kernel_presets_cover_the_lesson():
    names = {"identity", "box blur", "Gaussian", "sharpen", "Sobel x", "Sobel y", "Laplacian", "edge"}
    assert names <= set(cv.KERNEL_PRESETS)
    x = RNG.normal(size=(6, 6))
    np.testing.assert_allclose(cv.conv2d(x, cv.kernel_preset("identity"), padding="same"), x)
    assert cv.kernel_preset("box blur").sum() == pytest.approx(1)
    assert cv.kernel_preset("Gaussian").sum() == pytest.approx(1)
    assert cv.kernel_preset("Laplacian").sum() == 0


@pytest.mark.parametrize("name", cv.INPUT_PRESETS)
@pytest.mark.parametrize("size", [5, 7, 16])
def test_input_presets_are_small_digit_grids(name, size):
    grid = cv.input_preset(name, size)
    assert grid.shape == (size, size)
    assert grid.min() >= 0 and grid.max() <= 9 and np.all(grid == np.round(grid))


def test_edge_preset_lights_up_sobel_x():
    out = cv.conv2d(cv.input_preset("edge", 8), cv.kernel_preset("Sobel x"))
    assert np.all(out[:, 2:4] > 0) and np.all(out[:, [0, 5]] == 0)


@pytest.mark.parametrize("name", cv.SIGNAL_PRESETS)
def test_signal_presets(name):
    assert cv.signal_preset(name, 24).shape == (24,)


def test_parse_numbers():
    np.testing.assert_allclose(cv.parse_numbers("1, -2 0.5 1/4"), [1, -2, 0.5, 0.25])
    for bad in ("", "1, two", "1/0", "nan", "1 " * 70):
        with pytest.raises(cv.ConvolutionInputError, match="Received"):
            cv.parse_numbers(bad)


def test_load_grayscale_shrinks_the_bundled_photo():
    img = cv.load_grayscale(ROOT / "assets" / "samples" / "cat.png", 64)
    assert img.ndim == 2 and max(img.shape) == 64 and 0 <= img.min() and img.max() <= 1


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header says width x height (a decompression bomb that is cheap to make)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = data[12:29]  # chunk type + 13 bytes of header
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.mark.parametrize(("data", "match"), [
    (b"", "Received"),
    (b"not an image at all", "Received"),
    (_png_claiming(1, 1)[:40], "Received"),  # truncated
    (_png_claiming(30_000, 30_000), "at most 40 megapixels"),  # Pillow's own bomb check
    (_png_claiming(8_000, 8_000), "at most 40 megapixels"),  # below Pillow's limit, above ours
])
def test_load_grayscale_refuses_bad_files_with_a_clear_message(data, match):
    # The same safe loader as the Activations Lab (explorer.io.images) stands behind it.
    with pytest.raises(ExplorerInputError, match=match):
        cv.load_grayscale(data)


def test_synthetic_image():
    assert cv.synthetic_image(32).shape == (32, 32)


# ------------------------------------------------------------------ bad input: ExplorerInputError, rule then value

@pytest.mark.parametrize(("call", "match"), [
    (lambda: cv.conv2d(np.ones((3, 3)), np.ones((5, 5))), "must fit inside the padded input"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), dilation=3), "spans 7"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=0), "stride must be a positive whole number"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=1.5), "stride must be a positive whole number. Received: stride=1.5"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=True), "stride must be a positive whole number. Received: stride=True"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), dilation=0), "dilation must be a positive whole number"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), padding=-1), "padding must be a whole number from 0 to 64"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), padding="full"), 'Padding must be "valid", "same"'),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), padding=65), "padding must be a whole number from 0 to 64"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones((3, 3)), stride=(1, 2, 3)), "one whole number or a pair"),
    (lambda: cv.conv2d(np.ones(5), np.ones((3, 3))), "must be 2D or 3D"),
    (lambda: cv.conv2d(np.ones((5, 5)), np.ones(3)), "kernel must be 2D"),
    (lambda: cv.conv2d(np.ones((5, 5, 2)), np.ones((3, 3, 3, 1))), "channels must match"),
    (lambda: cv.conv2d([[1, np.nan], [0, 1]], np.ones((1, 1))), "no NaN"),
    (lambda: cv.conv2d([[1, np.inf], [0, 1]], np.ones((1, 1))), "infinity"),
    (lambda: cv.conv2d([[1, 2], [3]], np.ones((1, 1))), "rectangular grid"),
    (lambda: cv.conv2d([["a", "b"]], np.ones((1, 1))), "real numbers"),
    (lambda: cv.conv2d(np.ones((0, 3)), np.ones((1, 1))), "must not be empty"),
    (lambda: cv.conv2d(np.ones((5000, 2)), np.ones((1, 1))), "at most 4096"),
    (lambda: cv.conv1d(np.ones(3), np.ones(4)), "must fit"),
    (lambda: cv.pool2d(np.ones((3, 3)), 4), "must fit"),
    (lambda: cv.pool2d(np.ones((3, 3)), 2, mode="min"), 'mode must be "max" or "avg"'),
    (lambda: cv.pool2d(np.ones((3, 3)), 2, padding=1), 'padding must be "valid" or "same"'),
    (lambda: cv.pool2d(np.ones((3, 3)), 0), "window must be a positive whole number"),
    (lambda: cv.conv2d_step(np.ones((3, 3)), np.ones((2, 2)), 4), "Step must be below"),
    (lambda: cv.conv2d_step(np.ones((3, 3)), np.ones((2, 2)), -1), "step must be a whole number >= 0"),
    (lambda: cv.receptive_field([]), "at least one layer"),
    (lambda: cv.receptive_field([cv.LayerSpec(0)]), "kernel must be a positive whole number"),
    (lambda: cv.conv_params(3, 3, 0, 1), "in_channels must be a positive whole number"),
    (lambda: cv.kernel_preset("blurry"), "Kernel preset must be one of"),
    (lambda: cv.input_preset("cat", 7), "Input preset must be one of"),
    (lambda: cv.input_preset("digit", 100), "size must be a whole number from 3 to 64"),
    (lambda: cv.random_grid(10**7, 0, 9), "size must be a whole number from 1 to 4096"),
])
def test_bad_input_raises_explorer_input_error(call, match):
    with pytest.raises(ExplorerInputError, match=match) as info:
        call()
    assert "Received" in str(info.value)


def test_whole_numbers_of_any_numeric_type_are_accepted():
    # Number inputs and JSON give 2.0; NumPy gives np.int64: both are a stride of 2.
    x, k = cv.input_preset("random", 7), cv.kernel_preset("Sobel x")
    expected = cv.conv2d(x, k, 2)
    for stride in (2.0, np.int64(2), (2, 2), [np.int32(2), 2.0]):
        np.testing.assert_array_equal(cv.conv2d(x, k, stride), expected)


def test_load_array_refuses_pickles_and_garbage(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp_path / "garbage.npy").write_bytes(b"\x93NUMPY garbage")
    for name in ("objects.npy", "garbage.npy", "missing.npy"):
        with pytest.raises(cv.ConvolutionInputError, match="readable .npy file"):
            cv.load_array(tmp_path / name)


def test_convolution_modules_import_neither_tensorflow_nor_streamlit():
    code = ("import sys; import explorer.convolution, explorer.figures.convolution; "
            "print('tensorflow' in sys.modules, 'streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------------------------ CLI

def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_conv_json():
    done = run_cli("conv", "--size", "7", "--kernel", "3", "--stride", "2", "--padding", "same", "--seed", "3",
                   "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {"input", "kernel", "output", "output_shape", "steps"} <= set(data)
    assert data["output_shape"] == [4, 4] and data["steps"] == 16
    expected = cv.conv2d(np.array(data["input"]), np.array(data["kernel"]), 2, "same")
    np.testing.assert_allclose(data["output"], expected)


def test_cli_conv_reads_npy_files(tmp_path):
    x, k = RNG.normal(size=(6, 5)), RNG.normal(size=(2, 2))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "k.npy", k)
    done = run_cli("conv", "--input", str(tmp_path / "x.npy"), "--weights", str(tmp_path / "k.npy"),
                   "--padding", "1", "--dilation", "2", "--json")
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(json.loads(done.stdout)["output"], tf_conv2d(x, k, 1, 1, 2), atol=1e-10)


def test_cli_conv_text_shows_the_formula():
    done = run_cli("conv", "--size", "7", "--kernel", "3", "--stride", "2", "--padding", "1")
    assert done.returncode == 0
    assert "floor((7 + 2*1 - 3)/2) + 1 = 4" in done.stdout


def test_cli_pool_json():
    done = run_cli("pool", "--size", "7", "--window", "2", "--mode", "avg", "--padding", "same", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["output_shape"] == [4, 4] and data["steps"] == 16
    expected = tf.nn.avg_pool2d(np.array(data["input"])[None, :, :, None], 2, 2, "SAME").numpy()[0, :, :, 0]
    np.testing.assert_allclose(data["output"], expected)


@pytest.mark.parametrize("args", [
    ("conv", "--size", "3", "--kernel", "5"),
    ("conv", "--size", "7", "--kernel", "3", "--stride", "0"),
    ("conv", "--size", "7", "--kernel", "3", "--dilation", "0"),
    ("conv", "--size", "7", "--kernel", "3", "--padding", "full"),
    ("conv", "--size", "100000000", "--kernel", "3"),
    ("conv", "--kernel", "3"),
    ("conv", "--size", "7", "--kernel", "3", "--stride", "two"),
    ("conv", "--input", "/nonexistent/x.npy", "--kernel", "3"),
    ("pool", "--size", "3", "--window", "4"),
    ("pool", "--size", "5", "--window", "2", "--mode", "min"),
    ("pool", "--size", "5", "--window", "0"),
])
def test_cli_bad_parameters_print_one_error_line_and_exit_2(args):
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_cli_bad_npy_file_is_an_error_line(tmp_path):
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"definitely not numpy")
    done = run_cli("conv", "--input", str(bad), "--kernel", "3")
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr

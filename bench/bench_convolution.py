"""Benchmark the Convolution Lab: feature-map speed, animation size, cold page render.

Prints figures; asserts nothing. Run from the repository root:
    .venv/bin/python -m bench.bench_convolution

1. A full feature map of a 512x512 image with 3x3 and 7x7 kernels ("same" padding):
   explorer.convolution.conv2d (NumPy, strided view + einsum) against a plain Python
   double loop over the output pixels and against tf.nn.conv2d, all in this run.
   The loop is timed on a 128x128 crop and scaled by the pixel count (x16): on the
   full image it would take tens of seconds per kernel.
2. The bytes of the animation figure sent to the browser (fig.to_json()) for the
   default grid and for the largest animated grid.
3. The cold render of the page: AppTest's first run in a fresh interpreter.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from explorer.figures import convolution as cf
from explorer import convolution as cv

SIZE = 512
CROP = 128


def best_ms(fn, repeat: int = 5) -> float:
    """Best of `repeat` timed calls, in milliseconds, after one warm-up call (the best is the
    least disturbed by other work on the machine)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return min(times)


def python_loop(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """What a first attempt looks like: two Python loops over the output, a window product each."""
    k = kernel.shape[0]
    before = (k - 1) // 2
    xp = np.pad(x, ((before, k - 1 - before), (before, k - 1 - before)))
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = (xp[i:i + k, j:j + k] * kernel).sum()
    return out


def bench_feature_map() -> None:
    import tensorflow as tf

    rng = np.random.default_rng(0)
    image = rng.random((SIZE, SIZE))
    crop = image[:CROP, :CROP]
    print(f"1. Full feature map of a {SIZE}x{SIZE} image, 'same' padding, stride 1, float64, best of 5")
    print(f"   {'kernel':<8}{'numpy (ours)':>14}{'python loop*':>16}{'tf.nn.conv2d':>15}{'tf float32':>13}"
          f"{'loop/ours':>11}{'ours/tf':>9}")
    for k in (3, 7):
        kernel = rng.normal(size=(k, k))
        ours = best_ms(lambda kernel=kernel: cv.conv2d(image, kernel, 1, "same"))
        loop = best_ms(lambda kernel=kernel: python_loop(crop, kernel), repeat=3) * (SIZE * SIZE) / (CROP * CROP)
        x4 = tf.constant(image[None, :, :, None])
        k4 = tf.constant(kernel[:, :, None, None])
        ref = best_ms(lambda x4=x4, k4=k4: tf.nn.conv2d(x4, k4, 1, "SAME").numpy())
        x32, k32 = tf.cast(x4, tf.float32), tf.cast(k4, tf.float32)
        ref32 = best_ms(lambda x32=x32, k32=k32: tf.nn.conv2d(x32, k32, 1, "SAME").numpy())
        same = np.allclose(cv.conv2d(crop, kernel, 1, "same"), python_loop(crop, kernel))
        assert same, "the loop and conv2d disagree"
        print(f"   {f'{k}x{k}':<8}{ours:>11.1f} ms{loop:>13.0f} ms{ref:>12.1f} ms{ref32:>10.1f} ms"
              f"{loop / ours:>10.0f}x{ours / ref:>8.1f}x")
    print(f"   * timed on a {CROP}x{CROP} crop and scaled x{SIZE * SIZE // (CROP * CROP)} by pixel count.")
    print("   ours/tf compares like with like (float64, one CPU op); TF's float32 path is its fast one.")


def bench_animation_size() -> None:
    print("\n2. Animation figure sent to the browser (fig.to_json())")
    cases = [
        ("default: 7x7 digit, 3x3 Sobel x, valid", cv.input_preset("digit", 7), cv.kernel_preset("Sobel x"), "valid"),
        ("largest animated: 16x16, 3x3, same", cv.input_preset("random", 16), cv.kernel_preset("Sobel x"), "same"),
        ("largest animated, 7x7 kernel, same", cv.input_preset("random", 16), np.ones((7, 7)), "same"),
    ]
    for label, x, kernel, padding in cases:
        start = time.perf_counter()
        fig = cf.conv_animation_figure(x, kernel, 1, padding)
        built = (time.perf_counter() - start) * 1e3
        size = len(fig.to_json().encode())
        print(f"   {label:<42} {len(fig.frames):>4} frames {size / 1024:>8.0f} KiB  (built in {built:.0f} ms)")
    g = cv.conv_geometry((16, 16), (1, 1), 1, 3)
    print(f"   above {cf.MAX_ANIMATION_STEPS} positions (e.g. 16x16 with 3 zeros each side: {g.steps}) "
          "the page sends one frame and steps on the server")


def bench_cold_render() -> None:
    code = (
        "import time, sys\n"
        "t0 = time.perf_counter()\n"
        "from streamlit.testing.v1 import AppTest\n"
        "t1 = time.perf_counter()\n"
        f"at = AppTest.from_file({str(ROOT / 'app_pages' / 'convolution_lab.py')!r}, default_timeout=60)\n"
        "at.run()\n"
        "t2 = time.perf_counter()\n"
        "assert not at.exception, at.exception\n"
        "at.run()\n"
        "t3 = time.perf_counter()\n"
        "print(f'{(t1 - t0) * 1e3:.0f} {(t2 - t1) * 1e3:.0f} {(t3 - t2) * 1e3:.0f} {\"tensorflow\" in sys.modules}')\n"
    )
    print("\n3. Page render under AppTest, fresh interpreter each time (median of 3)")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs.append(out.stdout.split())
    imp, cold, warm = (statistics.median(float(r[i]) for r in runs) for i in range(3))
    print(f"   import streamlit.testing: {imp:.0f} ms; cold first run of the page: {cold:.0f} ms; "
          f"rerun: {warm:.0f} ms; TensorFlow imported: {runs[0][3]}")


if __name__ == "__main__":
    bench_feature_map()
    bench_animation_size()
    bench_cold_render()

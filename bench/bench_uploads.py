"""What a ZIP data set costs to read: time and peak memory, before and after the pixel budget.

"before" is the old path, measured with the same library: every file's bytes read first, then
each image decoded whole (load_image without min_side: full size, converted to RGB, reduced to
2048 px), then cropped. "after" is read_zip today: headers checked against MAX_DATASET_PIXELS
before any decoding, one file read at a time, each image shrunk while decoding.

Cases (all within the 50 MB upload cap):
  pngs-50x40MP   fifty 8000x5000 PNGs (the report's 5.8 MB ZIP): over the budget, so refused
  pngs-6x40MP    six of them (240 MP, within the budget): decoded and shrunk
  jpegs-24x12MP  twenty-four 4000x3000 JPEGs: decoded at 1/8 scale (Pillow's draft)

Each measurement runs in a fresh process; memory is the peak resident size during the read
minus the resident size just before it (VmHWM, reset through /proc/self/clear_refs).
Prints figures; asserts nothing. Run: .venv/bin/python -m bench.bench_uploads [case ...]
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SIZE = 64
CASES = {"pngs-50x40MP": ("PNG", 50, (8000, 5000)), "pngs-6x40MP": ("PNG", 6, (8000, 5000)),
         "jpegs-24x12MP": ("JPEG", 24, (4000, 3000))}


def _image(fmt: str, size: tuple[int, int], seed: int) -> bytes:
    width, height = size
    rng = np.random.default_rng(seed)
    ramp = np.linspace(rng.integers(0, 128), rng.integers(128, 256), width, dtype=np.float32)
    rows = np.broadcast_to(ramp[None, :, None], (height, width, 3)).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rows).save(buf, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return buf.getvalue()


def build_zip(case: str) -> bytes:
    fmt, count, size = CASES[case]
    one = [_image(fmt, size, seed) for seed in range(2)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(count):
            z.writestr(f"{'ab'[i % 2]}/{i}.{fmt.lower()}", one[i % 2])
    return buf.getvalue()


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _old_read_zip(data: bytes, image_size: int) -> int:
    """The old path: all bytes first, then each image decoded whole, then cropped."""
    from explorer.io.images import ImageInputError, load_image, square_crop

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        blobs = [(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir()]
    crops = []
    for name, blob in blobs:
        try:
            crops.append(square_crop(load_image(blob, name=name).pixels, image_size))
        except ImageInputError:
            continue
    return len(crops)


def measure(case: str, mode: str, path: str) -> dict:
    """In this process: read the ZIP at path the old or the new way; time and peak memory."""
    from explorer.io.datasets import DatasetError, read_zip

    data = Path(path).read_bytes()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current size
    except OSError:
        pass
    before = _rss_mb("VmRSS")
    start = time.perf_counter()
    try:
        images = _old_read_zip(data, IMAGE_SIZE) if mode == "before" else len(read_zip(data, IMAGE_SIZE).labels)
        outcome = f"{images} images"
    except DatasetError as exc:
        outcome = "refused: " + str(exc).split(". Received")[0][:60] + "..."
    seconds = time.perf_counter() - start
    return {"case": case, "mode": mode, "zip_mb": round(len(data) / 2**20, 2), "seconds": round(seconds, 2),
            "peak_mb": round(_rss_mb("VmHWM") - before, 0), "outcome": outcome}


def main(cases: list[str]) -> None:
    print(f"{'case':15} {'mode':7} {'ZIP MB':>7} {'seconds':>8} {'+peak MB':>9}  outcome")
    for case in cases:
        with tempfile.NamedTemporaryFile(suffix=".zip") as tmp:
            tmp.write(build_zip(case))
            tmp.flush()
            for mode in ("before", "after"):
                out = subprocess.run([sys.executable, "-m", "bench.bench_uploads", "--one", case, mode, tmp.name],
                                     cwd=ROOT, capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"{r['case']:15} {r['mode']:7} {r['zip_mb']:>7} {r['seconds']:>8} {r['peak_mb']:>9}  "
                      f"{r['outcome']}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(*sys.argv[2:5])))
    else:
        main(sys.argv[1:] or list(CASES))

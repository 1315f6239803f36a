"""Safe image input: every format and mode the page accepts, and every bad file it refuses."""

from __future__ import annotations

import io
import struct
import tomllib
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.errors import ExplorerInputError
from explorer.io.images import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_UPLOAD_MB,
    MAX_WORKING_SIDE,
    SAMPLE_IMAGES,
    ImageInputError,
    load_image,
    load_sample,
    square_crop,
)

ROOT = Path(__file__).resolve().parents[3]


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def halves(width: int = 40, height: int = 20) -> np.ndarray:
    """Left half red, right half blue: any flip or rotation is visible."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    pixels[:, width // 2 :] = (0, 0, 255)
    return pixels


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims width x height (1-bit gray): a decompression bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("PNG", {}), ("BMP", {}), ("WEBP", {"lossless": True}), ("GIF", {}), ("JPEG", {"quality": 100})],
)
def test_reads_every_accepted_format_as_rgb(fmt, params):
    pixels = halves()
    loaded = load_image(encode(Image.fromarray(pixels), fmt, **params), name=f"x.{fmt.lower()}")
    assert loaded.format == fmt
    assert loaded.pixels.shape == (20, 40, 3) and loaded.pixels.dtype == np.uint8
    if fmt != "JPEG":
        assert np.array_equal(loaded.pixels, pixels)
    # JPEG blurs the red/blue edge; away from it the colours come back within a few levels.
    tolerance = 40 if fmt == "JPEG" else 0
    assert np.abs(loaded.pixels[:, :15].astype(int) - (255, 0, 0)).max() <= tolerance
    assert np.abs(loaded.pixels[:, 25:].astype(int) - (0, 0, 255)).max() <= tolerance


def test_gif_gives_its_first_frame():
    red = Image.new("RGB", (8, 8), (255, 0, 0))
    blue = Image.new("RGB", (8, 8), (0, 0, 255))
    data = encode(red, "GIF", save_all=True, append_images=[blue], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert load_image(data).pixels[4, 4].tolist() == [255, 0, 0]


def test_grayscale_becomes_three_equal_channels():
    gray = np.arange(0, 250, 10, dtype=np.uint8).reshape(5, 5)
    loaded = load_image(encode(Image.fromarray(gray, "L"), "PNG"))
    assert loaded.mode == "L"
    assert np.array_equal(loaded.pixels, np.repeat(gray[:, :, None], 3, axis=2))


def test_palette_image_keeps_its_colours():
    image = Image.fromarray(halves()).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    loaded = load_image(encode(image, "PNG"))
    assert loaded.mode == "P"
    assert np.array_equal(loaded.pixels, halves())


def test_rgba_is_composited_on_white():
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 0)  # fully transparent red -> white
    rgba[0, 1] = (0, 0, 255, 255)  # opaque blue stays blue
    rgba[0, 2] = (0, 0, 0, 128)  # half-transparent black -> mid gray
    rgba[1] = (0, 255, 0, 255)
    loaded = load_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert loaded.mode == "RGBA"
    assert loaded.pixels[0, 0].tolist() == [255, 255, 255]
    assert loaded.pixels[0, 1].tolist() == [0, 0, 255]
    assert np.abs(loaded.pixels[0, 2].astype(int) - 127).max() <= 1
    assert loaded.pixels[1, 0].tolist() == [0, 255, 0]


def test_palette_transparency_and_gray_alpha_are_composited_on_white():
    image = Image.new("P", (4, 1), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.putpixel((1, 0), 1)
    loaded = load_image(encode(image, "PNG", transparency=0))
    assert loaded.pixels[0].tolist() == [[255, 255, 255], [255, 0, 0], [255, 255, 255], [255, 255, 255]]
    la = Image.fromarray(np.array([[[0, 0], [0, 255]]], np.uint8), "LA")
    assert load_image(encode(la, "PNG")).pixels[0].tolist() == [[255, 255, 255], [0, 0, 0]]


def test_cmyk_jpeg_is_converted_to_rgb():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan, full magenta + yellow: red
    loaded = load_image(encode(cmyk, "JPEG", quality=100))
    assert loaded.mode == "CMYK"
    assert np.abs(loaded.pixels.astype(int) - (255, 0, 0)).max() <= 8
    white = load_image(encode(Image.new("CMYK", (8, 8), (0, 0, 0, 0)), "JPEG", quality=100))
    assert white.pixels.min() >= 250


def test_sixteen_bit_png_is_scaled_not_clipped():
    wide = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)
    image = Image.fromarray(wide)
    assert image.mode.startswith("I;16")
    loaded = load_image(encode(image, "PNG"))
    assert loaded.mode.startswith("I")
    assert loaded.pixels[0, :, 0].tolist() == [0, 1, 128, 255]
    assert np.array_equal(loaded.pixels[..., 0], loaded.pixels[..., 2])


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_orientation_is_honoured(fmt):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    data = encode(Image.fromarray(halves()), fmt, exif=exif.tobytes(), **({"quality": 100} if fmt == "JPEG" else {}))
    loaded = load_image(data)
    assert loaded.pixels.shape == (40, 20, 3)
    assert loaded.original_size == (20, 40)
    expected = np.rot90(halves(), k=-1)  # red (left) ends up on top
    assert np.abs(loaded.pixels[2:15].astype(int) - expected[2:15]).max() <= 40
    assert np.abs(loaded.pixels[25:].astype(int) - expected[25:]).max() <= 40


def test_large_photo_is_reduced_to_the_working_size():
    loaded = load_image(encode(Image.new("RGB", (3000, 1000), (10, 200, 30)), "PNG"))
    assert loaded.original_size == (3000, 1000)
    assert loaded.pixels.shape == (683, MAX_WORKING_SIDE, 3)
    assert loaded.pixels[300, 1000].tolist() == [10, 200, 30]


def test_pixels_are_read_only_and_digest_is_the_file_hash():
    data = encode(Image.fromarray(halves()), "PNG")
    first, second = load_image(data), load_image(io.BytesIO(data))
    assert first.digest == second.digest and len(first.digest) == 64
    assert first.digest != load_image(encode(Image.fromarray(halves(40, 22)), "PNG")).digest
    with pytest.raises(ValueError):
        first.pixels[0, 0, 0] = 1


def test_reads_a_path(tmp_path):
    path = tmp_path / "photo.webp"
    path.write_bytes(encode(Image.fromarray(halves()), "WEBP", lossless=True))
    loaded = load_image(path)
    assert loaded.name == "photo.webp" and loaded.format == "WEBP"


@pytest.mark.parametrize("sample", sorted(SAMPLE_IMAGES))
def test_bundled_samples_load(sample):
    loaded = load_sample(sample)
    assert loaded.pixels.ndim == 3 and loaded.pixels.shape[2] == 3
    assert min(loaded.width, loaded.height) >= 224


def test_upload_limit_matches_streamlit_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB
    assert MAX_IMAGE_BYTES == MAX_UPLOAD_MB * 1024 * 1024  # Streamlit's MB are MiB


# --------------------------------------------------------------------------- refusals


def test_refuses_a_text_file_named_png(tmp_path):
    path = tmp_path / "holiday.png"
    path.write_text("this is not a photo\n")
    with pytest.raises(ImageInputError, match=r"must be PNG, JPEG, WebP, BMP or GIF.*holiday\.png"):
        load_image(path)


def test_refuses_an_image_in_another_format():
    tiff = encode(Image.new("RGB", (4, 4)), "TIFF")
    with pytest.raises(ImageInputError, match="must be PNG, JPEG, WebP, BMP or GIF"):
        load_image(tiff, name="scan.png")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_refuses_a_truncated_file(fmt):
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    data = encode(noisy, fmt)
    with pytest.raises(ImageInputError, match="truncated or corrupt"):
        load_image(data[: len(data) // 2], name=f"half.{fmt.lower()}")


def test_refuses_a_corrupt_file():
    data = bytearray(encode(Image.fromarray(halves()), "PNG"))
    data[50:60] = b"\xff" * 10  # inside the compressed image data
    with pytest.raises(ImageInputError, match="truncated or corrupt"):
        load_image(bytes(data))
    data[37:41] = b"XXXX"  # the first data chunk's type: the header no longer parses
    with pytest.raises(ImageInputError, match="header is damaged"):
        load_image(bytes(data))


def test_refuses_an_empty_file():
    with pytest.raises(ImageInputError, match="empty"):
        load_image(b"", name="nothing.png")


@pytest.mark.parametrize(
    "side",
    [
        7_000,  # 49 MP: over our limit, under Pillow's warning
        10_000,  # 100 MP: Pillow warns (turned into the refusal)
        30_000,  # 900 MP: Pillow raises DecompressionBombError
    ],
)
def test_refuses_a_decompression_bomb_before_decoding(side):
    data = png_header_only(side, side)
    assert len(data) < 200  # a few bytes that would decode to hundreds of megapixels
    assert side * side > MAX_IMAGE_PIXELS
    with pytest.raises(ImageInputError, match="megapixels"):
        load_image(data, name="bomb.png")


def test_refuses_a_file_over_the_upload_limit(tmp_path):
    with pytest.raises(ImageInputError, match=f"at most {MAX_UPLOAD_MB} MB"):
        load_image(b"\0" * (MAX_IMAGE_BYTES + 1))
    path = tmp_path / "huge.jpg"
    with path.open("wb") as file:  # a sparse file: checked by size, never read
        file.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(ImageInputError, match=f"at most {MAX_UPLOAD_MB} MB"):
        load_image(path)


def test_refuses_a_missing_path_and_an_unknown_sample(tmp_path):
    with pytest.raises(ImageInputError, match="No image file"):
        load_image(tmp_path / "absent.png")
    with pytest.raises(ImageInputError, match="Sample photos are cat, coffee"):
        load_sample("dog")


def test_errors_are_explorer_input_errors():
    assert issubclass(ImageInputError, ExplorerInputError)


# --------------------------------------------------------------------------- crop


def test_square_crop_takes_the_centre_and_resizes():
    thirds = np.zeros((100, 300, 3), np.uint8)
    thirds[:, :100] = (255, 0, 0)
    thirds[:, 100:200] = (0, 255, 0)
    thirds[:, 200:] = (0, 0, 255)
    crop = square_crop(thirds, 50)
    assert crop.shape == (50, 50, 3)
    assert np.abs(crop[:, 2:-2].astype(int) - (0, 255, 0)).max() <= 2
    tall = np.ascontiguousarray(np.transpose(thirds, (1, 0, 2)))
    assert np.abs(square_crop(tall, 100).astype(int) - (0, 255, 0)).max() == 0
    with pytest.raises(ImageInputError):
        square_crop(thirds, 0)

"""Tests for fmnist_viz.data.uploads: uploads converted to Fashion-MNIST style, and clean errors."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from fmnist_viz.data import ImageError, convert_upload
from fmnist_viz.data.uploads import (
    MAX_PIXELS,
    background_is_light,
    check_dimensions,
    crop_to_object,
    flatten_alpha,
    pad_square,
    resize_to_fit,
    stretch_contrast,
)
from tests.image_support import (
    assert_fashion_mnist_like,
    bright_box,
    drawing,
    encode,
    png_header,
)


def test_dark_shape_on_white_is_inverted_centred_and_fills_frame() -> None:
    image = drawing((300, 200), (20, 30, 99, 149), "white", "black")
    result = convert_upload(encode(image))
    assert result.inverted is True
    assert result.format == "PNG"
    assert result.original_size == (300, 200)
    assert_fashion_mnist_like(result)
    height, width = bright_box(result.array)
    assert height > width  # the 80 x 120 rectangle stays taller than wide
    assert any("Inverted" in step for step in result.steps)


def test_light_object_on_black_is_not_inverted() -> None:
    image = drawing((200, 300), (120, 200, 189, 279), "black", (230, 230, 230))
    result = convert_upload(encode(image))
    assert result.inverted is False
    assert_fashion_mnist_like(result)
    assert not any("Inverted" in step for step in result.steps)


def test_grey_background_is_removed() -> None:
    image = drawing((160, 120), (30, 20, 89, 99), (70, 70, 70), (220, 220, 220))
    result = convert_upload(encode(image))
    assert result.inverted is False
    assert_fashion_mnist_like(result)


def test_large_dark_object_on_white_border_is_inverted() -> None:
    image = drawing((100, 100), (4, 4, 95, 95), "white", "black")
    result = convert_upload(encode(image))
    assert result.inverted is True
    assert_fashion_mnist_like(result)


@pytest.mark.parametrize("hidden", [(200, 0, 0), (255, 255, 255), (0, 0, 0), (90, 200, 30)])
def test_transparent_background_becomes_black_and_opaque_shape_bright(
    hidden: tuple[int, int, int],
) -> None:
    """Whatever colour the transparent pixels store, they end up as black background."""
    image = drawing((120, 120), (10, 40, 69, 99), (*hidden, 0), (200, 0, 0, 255), "RGBA")
    result = convert_upload(encode(image))
    assert_fashion_mnist_like(result)
    assert result.array[10:18, 10:18].min() > 0.9
    assert any("transparent" in step for step in result.steps)


def test_light_shape_on_transparent_background() -> None:
    image = drawing((120, 120), (50, 10, 109, 69), (255, 255, 255, 0), (255, 255, 0, 255), "RGBA")
    result = convert_upload(encode(image))
    assert result.inverted is False
    assert_fashion_mnist_like(result)


def test_flatten_alpha_fills_behind_dark_content_with_white() -> None:
    image = drawing((10, 10), (3, 3, 6, 6), (0, 0, 0, 0), (0, 0, 0, 255), "RGBA")
    flat = np.asarray(flatten_alpha(image))
    assert flat[0, 0] == 255 and flat[4, 4] == 0


def test_flatten_alpha_fills_behind_light_content_with_black() -> None:
    image = drawing((10, 10), (3, 3, 6, 6), (255, 255, 255, 0), (255, 255, 255, 255), "RGBA")
    flat = np.asarray(flatten_alpha(image))
    assert flat[0, 0] == 0 and flat[4, 4] == 255


def palette_with_transparency() -> Image.Image:
    """A palette image whose index 0 (the background) is transparent."""
    image = drawing((90, 60), (10, 10, 39, 49), 0, 1, "P")
    image.putpalette([255, 255, 255, 40, 40, 40] + [0] * 762)
    image.info["transparency"] = 0
    return image


def sixteen_bit() -> Image.Image:
    """A 16-bit grayscale image: light background, dark object (PIL's clipping would lose it)."""
    values = np.full((60, 90), 60000, dtype=np.uint16)
    values[10:50, 10:40] = 10000
    return Image.fromarray(values)


def rectangle_in_mode(mode: str, background: object, colour: object) -> Image.Image:
    """A 90x60 image in the given mode with one rectangle, left of centre."""
    return drawing((90, 60), (10, 10, 39, 49), background, colour, mode)


@pytest.mark.parametrize(
    ("make", "fmt", "decoded_mode"),
    [
        (lambda: rectangle_in_mode("L", 255, 0), "PNG", "L"),
        (lambda: rectangle_in_mode("LA", (255, 0), (0, 255)), "PNG", "LA"),
        (lambda: rectangle_in_mode("1", 1, 0), "PNG", "1"),
        (palette_with_transparency, "PNG", "P"),
        (sixteen_bit, "PNG", "I;16"),
        (lambda: rectangle_in_mode("CMYK", (0,) * 4, (0, 0, 0, 255)), "JPEG", "CMYK"),
        (lambda: rectangle_in_mode("RGB", "white", "navy"), "BMP", "RGB"),
    ],
    ids=["L", "LA", "1", "P-transparency", "I;16", "CMYK-JPEG", "BMP"],
)
def test_every_mode_gives_a_centred_bright_object(
    make: Callable[[], Image.Image], fmt: str, decoded_mode: str
) -> None:
    data = encode(make(), fmt)
    assert Image.open(io.BytesIO(data)).mode == decoded_mode
    result = convert_upload(data)
    assert result.format == fmt
    assert_fashion_mnist_like(result)


def test_jpeg_photo_like_upload() -> None:
    image = drawing((400, 300), (250, 40, 369, 259), (245, 240, 235), (60, 50, 40))
    result = convert_upload(encode(image, "JPEG", quality=85))
    assert result.format == "JPEG"
    assert result.inverted is True
    assert_fashion_mnist_like(result)


def test_webp_upload() -> None:
    image = drawing((256, 256), (30, 100, 129, 219), "black", "white")
    result = convert_upload(encode(image, "WEBP", quality=80))
    assert result.format == "WEBP"
    assert result.inverted is False
    assert_fashion_mnist_like(result)


def test_animated_gif_uses_first_frame() -> None:
    tall = drawing((100, 100), (40, 5, 59, 94), "black", "white")
    wide = drawing((100, 100), (5, 40, 94, 59), "black", "white")
    data = encode(tall, "GIF", save_all=True, append_images=[wide], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    result = convert_upload(data)
    assert result.format == "GIF"
    assert_fashion_mnist_like(result)
    height, width = bright_box(result.array)
    assert height >= 20 and width <= 10


def test_camera_orientation_tag_is_applied() -> None:
    tall = drawing((100, 200), (30, 10, 69, 189), "black", "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: display rotated by 90 degrees
    result = convert_upload(encode(tall, "JPEG", exif=exif))
    height, width = bright_box(result.array)
    assert width > height
    assert any("upright" in step for step in result.steps)


def test_one_pixel_image_converts() -> None:
    result = convert_upload(encode(Image.new("RGB", (1, 1), "red")))
    assert result.array.shape == (28, 28)
    assert result.array.dtype == np.float32
    assert np.isfinite(result.array).all()
    assert result.original_size == (1, 1)


def test_two_by_two_image_with_one_dark_pixel_is_upscaled() -> None:
    image = Image.new("L", (2, 2), 255)
    image.putpixel((1, 1), 0)
    result = convert_upload(encode(image))
    assert result.inverted is True
    assert result.array.max() > 0.95
    assert bright_box(result.array)[0] >= 20


def test_big_5000_pixel_image_converts() -> None:
    image = drawing((5000, 5000), (3000, 500, 3999, 2999), 255, 0, "L")
    result = convert_upload(encode(image, compress_level=1))
    assert result.original_size == (5000, 5000)
    assert_fashion_mnist_like(result)


def test_blank_image_stays_dark_without_amplifying_noise() -> None:
    noisy = np.full((50, 50), 250, dtype=np.uint8)
    noisy[20:30, 20:30] = 245  # a difference too faint to be an object
    result = convert_upload(encode(Image.fromarray(noisy)))
    assert result.array.max() < 0.1
    assert any("nothing" in step for step in result.steps)


def test_pixel_cap_reports_the_size() -> None:
    data = encode(Image.new("L", (100, 100), 0))
    with pytest.raises(ImageError, match=r"100 × 100 pixels.*limit is 5,000 pixels"):
        convert_upload(data, max_pixels=5000)


def test_header_over_default_cap_is_rejected_before_decoding() -> None:
    with pytest.raises(ImageError, match=r"7000 × 7000 pixels.*limit is 40,000,000"):
        convert_upload(png_header(7000, 7000))


def test_pil_bomb_warning_is_an_error_even_under_a_higher_cap() -> None:
    limit = f"the limit is {Image.MAX_IMAGE_PIXELS:,} pixels"
    with pytest.raises(ImageError, match=rf"10000 × 10000 pixels.*{limit}"):
        convert_upload(png_header(10_000, 10_000), max_pixels=10**9)


def test_pil_bomb_error_header_is_rejected() -> None:
    with pytest.raises(ImageError, match=r"more than [\d,]+ pixels; the limit is 40,000,000"):
        convert_upload(png_header(20_000, 20_000))


def test_extreme_aspect_ratio_is_rejected() -> None:
    with pytest.raises(ImageError, match="times longer"):
        convert_upload(encode(Image.new("L", (510, 10), 0)))


@pytest.mark.parametrize("size", [(0, 10), (10, 0)])
def test_zero_dimension_is_rejected(size: tuple[int, int]) -> None:
    with pytest.raises(ImageError, match="no pixels"):
        check_dimensions(size, MAX_PIXELS)


def test_not_an_image() -> None:
    with pytest.raises(ImageError, match="not a picture"):
        convert_upload(b"hello")


def test_unsupported_format_is_not_an_image() -> None:
    with pytest.raises(ImageError, match="PNG, JPEG, WebP, GIF or BMP"):
        convert_upload(encode(Image.new("RGB", (20, 20)), "TIFF"))


def test_empty_file() -> None:
    with pytest.raises(ImageError, match="empty"):
        convert_upload(b"")


def test_truncated_png() -> None:
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    data = encode(image)
    with pytest.raises(ImageError, match="damaged or incomplete"):
        convert_upload(data[: len(data) // 2])


def test_file_over_default_limit_reports_sizes() -> None:
    data = b"\0" * int(12.3 * 1024 * 1024)
    with pytest.raises(ImageError, match=r"The file is 12\.3 MB; the limit is 10 MB"):
        convert_upload(data)


def test_file_over_custom_limit() -> None:
    data = encode(Image.new("L", (50, 50), 0))
    with pytest.raises(ImageError, match="the limit is 10 bytes"):
        convert_upload(data, max_bytes=10)


def test_background_is_light_judges_the_border() -> None:
    dark_centre = np.ones((10, 10), dtype=np.float32)
    dark_centre[1:9, 1:9] = 0.0  # mostly dark, but the border is light
    assert background_is_light(dark_centre) is True
    assert background_is_light(1.0 - dark_centre) is False


def test_crop_to_object_finds_box_or_keeps_whole_image() -> None:
    arr = np.zeros((20, 30), dtype=np.float32)
    arr[5:9, 10:20] = 0.8
    assert crop_to_object(arr).shape == (4, 10)
    assert crop_to_object(np.full((20, 30), 0.05, dtype=np.float32)).shape == (20, 30)
    assert crop_to_object(1.0 - arr, background=1.0).shape == (4, 10)


def test_resize_to_fit_keeps_aspect_ratio_without_overshoot() -> None:
    block = np.zeros((300, 150), dtype=np.float32)
    block[:, 50:100] = 0.4
    resized = resize_to_fit(block)
    assert resized.shape == (26, 13)
    assert resized.min() >= 0.0 and resized.max() <= 0.4 + 1e-6
    assert resize_to_fit(np.ones((1, 1), dtype=np.float32)).shape == (26, 26)
    assert resize_to_fit(np.ones((1, 50), dtype=np.float32)).shape == (1, 26)


def test_pad_square_centres_the_array() -> None:
    padded = pad_square(np.ones((26, 10), dtype=np.float32))
    assert padded.shape == (28, 28)
    rows, cols = np.nonzero(padded)
    assert (rows.min(), rows.max()) == (1, 26)
    assert (cols.min(), cols.max()) == (9, 18)


def test_stretch_contrast_and_all_zero_guard() -> None:
    arr = np.full((28, 28), 0.4, dtype=np.float32)
    assert np.allclose(stretch_contrast(arr), 1.0)
    zeros = stretch_contrast(np.zeros((28, 28), dtype=np.float32))
    assert np.all(zeros == 0) and np.isfinite(zeros).all()

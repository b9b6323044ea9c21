"""Turn an uploaded picture into a Fashion-MNIST-style 28x28 image (light object on black).

Memory is bounded per upload: the header is checked before decoding, a JPEG is decoded at a
reduced scale, a picture whose decoded pixels would exceed DECODE_BUDGET_BYTES is refused,
and everything after the decode works on a copy shrunk to WORKING_SIDE (the picture is
decoded once; the preview comes from the same decode).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_ASPECT_RATIO = 50
SIDE = 28
# Fashion-MNIST articles span almost the whole frame: the long side gets 26 of the 28 pixels.
OBJECT_SIDE = SIDE - 2
# Pixels must differ from the background by this much (on a 0-1 scale) to count as the object.
OBJECT_THRESHOLD = 0.1
# Big pictures are shrunk to this long side right after decoding (keeps memory and time small).
WORKING_SIDE = 2048
DECODE_BUDGET_BYTES = 48 * 1024 * 1024  # the decoded pixels of one accepted upload
PREVIEW_SIDE = 280  # the preview the picker shows beside the converted image
# Bytes per pixel of Pillow's storage (1 for 8-bit gray, 2 for 16-bit gray, 4 for the rest);
# palette and bilevel pictures count 4, as shrinking converts them to RGBA or L first.
_MODE_BYTES = {"L": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
_FORMAT_NAMES = "PNG, JPEG, WebP, GIF or BMP"
_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_ORIENTATION_TAG = 0x0112


class ImageError(ValueError):
    """An upload that cannot be used, with a message saying what is wrong and what to do."""


@dataclass(frozen=True)
class ConvertedImage:
    """A picture converted to Fashion-MNIST style, with a record of how."""

    array: np.ndarray
    original_size: tuple[int, int]
    format: str
    inverted: bool
    steps: tuple[str, ...]
    preview: Image.Image | None = None  # the picture upright, at most PREVIEW_SIDE, RGBA


def convert_upload(
    data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS
) -> ConvertedImage:
    """Check, decode and convert the bytes of an uploaded picture."""
    check_file_size(len(data), max_bytes)
    return to_fashion_mnist(open_image(data, max_pixels=max_pixels), preview=True)


def check_file_size(n_bytes: int, max_bytes: int) -> None:
    """Reject empty files and files larger than max_bytes."""
    if n_bytes == 0:
        raise ImageError("The file is empty (0 bytes). Please choose a picture file and try again.")
    if n_bytes > max_bytes:
        raise ImageError(
            f"The file is {_human_size(n_bytes)}; the limit is {_human_size(max_bytes)}. "
            "Please upload a smaller picture (for example a screenshot or a resized photo)."
        )


def _human_size(n_bytes: int) -> str:
    """Format a byte count as MB, KB or bytes with at most one decimal."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n_bytes} bytes"


def open_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open the bytes, check the dimensions from the header, then decode the (first) frame,
    a JPEG at a reduced scale; the result is at most WORKING_SIDE on its long side.

    The `format` and `info["original_size"]` of the returned image describe the upload.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", Image.DecompressionBombWarning)
        image = _open_header(data, max_pixels)
        if any(issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
            raise _too_many_pixels(image.size, _pixel_limit(max_pixels))
        check_dimensions(image.size, max_pixels)
        original, fmt = image.size, image.format
        if fmt in ("JPEG", "MPO") and max(original) > WORKING_SIDE:
            scale = WORKING_SIDE / max(original)  # decode at 1/2, 1/4 or 1/8, not below this
            image.draft(None, (math.ceil(original[0] * scale), math.ceil(original[1] * scale)))
        check_decoded_size(image.size, image.mode, original)
        _decode(image, max_pixels)
    small = shrink(image)
    small.format = fmt
    small.info["original_size"] = original
    return small


def check_decoded_size(size: tuple[int, int], mode: str, original: tuple[int, int]) -> None:
    """Refuse a picture whose decoded pixels would take more than DECODE_BUDGET_BYTES."""
    need = size[0] * size[1] * _MODE_BYTES.get(mode, 4)
    if need > DECODE_BUDGET_BYTES:
        width, height = original
        raise ImageError(
            f"The picture is {width} × {height} pixels ({mode}): decoding it would take "
            f"{need / 2**20:,.0f} MB, and one upload may take {DECODE_BUDGET_BYTES / 2**20:.0f} "
            "MB. Please resize it (2,000 pixels on the long side is plenty) or save it as a "
            "JPEG, and upload it again."
        )


def _open_header(data: bytes, max_pixels: int) -> Image.Image:
    """Identify the format and read the header without decoding the pixels."""
    try:
        return Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as exc:
        raise ImageError(
            f"The picture has more than {Image.MAX_IMAGE_PIXELS * 2:,} pixels; the limit is "
            f"{_pixel_limit(max_pixels):,} pixels. Please resize it and upload it again."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(
            f"This file is not a picture we can read. Please upload a {_FORMAT_NAMES} image."
        ) from exc
    except Exception as exc:
        raise _corrupt() from exc


def _decode(image: Image.Image, max_pixels: int) -> None:
    """Decode the pixels, turning any decoder failure into an ImageError."""
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(image.size, _pixel_limit(max_pixels)) from exc
    except Exception as exc:
        raise _corrupt() from exc


def _pixel_limit(max_pixels: int) -> int:
    """The effective cap: ours, or PIL's decompression-bomb limit if that is lower."""
    return min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)


def _corrupt() -> ImageError:
    """The error for a damaged or incomplete file."""
    return ImageError(
        "The picture is damaged or incomplete (the file may be truncated or corrupt). "
        "Please save or download it again and upload the new file."
    )


def check_dimensions(size: tuple[int, int], max_pixels: int = MAX_PIXELS) -> None:
    """Reject empty, huge or extremely thin pictures."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageError(
            f"The picture is {width} × {height} pixels, so it has no pixels at all. "
            "Please upload a real picture."
        )
    if width * height > max_pixels:
        raise _too_many_pixels(size, max_pixels)
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageError(
            f"The picture is {width} × {height} pixels: more than {MAX_ASPECT_RATIO} times "
            "longer than it is wide. Please crop it closer to the object and upload it again."
        )


def _too_many_pixels(size: tuple[int, int], max_pixels: int) -> ImageError:
    """The error for a picture with too many pixels."""
    width, height = size
    return ImageError(
        f"The picture is {width} × {height} pixels ({width * height:,} pixels); the limit is "
        f"{max_pixels:,} pixels. Please resize it and upload it again."
    )


def to_fashion_mnist(image: Image.Image, preview: bool = False) -> ConvertedImage:
    """Convert a decoded picture to a centred 28x28 float32 image, light object on black
    (with `preview`, also keep a small upright RGBA copy of the picture for display)."""
    fmt = "JPEG" if image.format == "MPO" else (image.format or "unknown")
    size = image.info.get("original_size", image.size)
    steps = [f"Opened a {size[0]} × {size[1]} {fmt} picture."]
    image = shrink(image)
    upright = upright_image(image)
    if upright is not image:
        steps.append("Turned it upright using the camera's orientation tag.")
    if has_alpha(upright):
        steps.append("Filled the transparent areas with a plain background.")
    gray = _to_array(flatten_alpha(upright))
    steps.append("Converted it to grayscale.")
    inverted = background_is_light(gray)
    if inverted:
        gray = 1.0 - gray
        steps.append("Inverted it: Fashion-MNIST shows light clothes on a black background.")
    array, object_steps = _object_to_28(remove_background(gray))
    thumb = _preview(upright) if preview else None
    return ConvertedImage(array, size, fmt, inverted, tuple(steps + object_steps), thumb)


def _preview(image: Image.Image) -> Image.Image:
    """A small RGBA copy for display (16-bit gray scaled to 8 bits first)."""
    if image.mode in _SIXTEEN_BIT_MODES:
        image = _sixteen_bit_to_l(image)
    thumb = image.convert("RGBA")
    thumb.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    return thumb


def _object_to_28(foreground: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Crop, centre, resize and stretch a background-free image; describe what was done."""
    found = float(foreground.max()) > OBJECT_THRESHOLD
    if not found:
        steps = ["Found nothing that stands out from the background, so kept the whole picture."]
    else:
        foreground = crop_to_object(foreground)
        steps = [
            "Made the background black and cropped to the object "
            f"({foreground.shape[1]} × {foreground.shape[0]} pixels)."
        ]
    array = pad_square(resize_to_fit(foreground))
    steps.append("Resized it and centred it on a black 28 × 28 square.")
    if found:
        array = stretch_contrast(array)
        steps.append("Stretched the contrast so the brightest part of the object is white.")
    return array, steps


def upright_image(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation of camera photos; the same image when there is none."""
    try:
        if image.getexif().get(_ORIENTATION_TAG, 1) in (None, 1):
            return image
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block should not stop the conversion
        return image


def has_alpha(image: Image.Image) -> bool:
    """Whether the image carries transparency (an alpha channel or a transparent colour)."""
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def flatten_alpha(image: Image.Image) -> Image.Image:
    """Grayscale "L" image, transparent areas filled with a colour contrasting the opaque ones."""
    if image.mode in _SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_l(image)
    if not has_alpha(image):
        return image.convert("L")
    luma_alpha = image.convert("RGBA").convert("LA")
    luma, alpha = luma_alpha.getchannel("L"), luma_alpha.getchannel("A")
    flat = Image.new("L", image.size, _fill_level(np.asarray(luma), np.asarray(alpha)))
    flat.paste(luma, mask=alpha)
    return flat


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """Scale a 16-bit grayscale image down to 8 bits (PIL's own conversion clips at 255)."""
    values = np.clip(np.asarray(image, dtype=np.float32), 0, 65535) / np.float32(257.0)
    return Image.fromarray(np.round(values).astype(np.uint8))


def _fill_level(luma: np.ndarray, alpha: np.ndarray) -> int:
    """White behind dark opaque content, black behind light content (or when all is clear)."""
    opaque = alpha >= 128
    if not opaque.any():
        return 0
    return 255 if float(luma[opaque].mean()) < 128 else 0


def shrink(image: Image.Image, max_side: int = WORKING_SIDE) -> Image.Image:
    """Shrink a big picture by whole-number block averages (box filter for 16-bit gray) so its
    long side is at most max_side; the same image when it is small enough. Keeps its metadata
    (EXIF orientation)."""
    long_side = max(image.size)
    if long_side <= max_side:
        return image
    small = image
    if small.mode in ("P", "1"):
        small = small.convert("RGBA" if has_alpha(small) else "L")
    if small.mode not in _SIXTEEN_BIT_MODES:  # block averages in one pass, no intermediate
        small = small.reduce(math.ceil(long_side / max_side))
    if max(small.size) > max_side:
        scale = max_side / max(small.size)
        size = (max(1, round(small.width * scale)), max(1, round(small.height * scale)))
        small = small.resize(size, Image.Resampling.BOX)
    small.info.update(image.info)
    exif = image.getexif()
    if exif:
        small.info["exif"] = exif.tobytes()
    return small


def _to_array(gray: Image.Image) -> np.ndarray:
    """A grayscale "L" image as float32 values in [0, 1]."""
    return np.asarray(gray, dtype=np.float32) / 255.0


def border_pixels(gray: np.ndarray) -> np.ndarray:
    """The values of the outermost ring of pixels."""
    if min(gray.shape) <= 2:
        return gray.ravel()
    return np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])


def background_is_light(gray: np.ndarray) -> bool:
    """Whether the background (judged by the border pixels, values in [0, 1]) is light."""
    return float(np.median(border_pixels(gray))) > 0.5


def remove_background(gray: np.ndarray) -> np.ndarray:
    """Subtract the background level (median border value) so the background becomes 0."""
    background = float(np.median(border_pixels(gray)))
    return np.clip(gray - background, 0.0, 1.0).astype(np.float32)


def crop_to_object(
    gray: np.ndarray, *, background: float = 0.0, threshold: float = OBJECT_THRESHOLD
) -> np.ndarray:
    """Crop to the bounding box of pixels differing from the background; whole image if none."""
    mask = np.abs(gray - background) > threshold
    if not mask.any():
        return gray
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return gray[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def resize_to_fit(arr: np.ndarray, long_side: int = OBJECT_SIDE) -> np.ndarray:
    """Resize keeping the aspect ratio so the long side is long_side (box filter when shrinking)."""
    height, width = arr.shape
    scale = long_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Box averaging and bilinear interpolation never overshoot, unlike Lanczos.
    method = Image.Resampling.BOX if scale <= 1 else Image.Resampling.BILINEAR
    resized = Image.fromarray(np.asarray(arr, dtype=np.float32)).resize(size, method)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def pad_square(arr: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Centre an array no bigger than side x side on a side x side square of zeros."""
    height, width = arr.shape
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = arr
    return square


def stretch_contrast(arr: np.ndarray) -> np.ndarray:
    """Divide by the maximum so the brightest pixel is 1; an all-zero array stays zero."""
    peak = float(arr.max())
    if peak <= 0.0:
        return arr.astype(np.float32)
    return (arr / peak).astype(np.float32)

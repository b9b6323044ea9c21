"""Pictures for the imaging tests: encoded files, simple drawings, and checks of a converted
28x28 image."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw

from fmnist_viz.data import ConvertedImage

CENTRE = 13.5


def encode(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    """The bytes of an image saved in the given format."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def drawing(
    size: tuple[int, int],
    box: tuple[int, int, int, int],
    background: object,
    colour: object,
    mode: str = "RGB",
) -> Image.Image:
    """An image of one filled rectangle on a plain background."""
    image = Image.new(mode, size, background)
    ImageDraw.Draw(image).rectangle(box, fill=colour)
    return image


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size, with no real pixel data."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def bright_box(array: np.ndarray, level: float = 0.5) -> tuple[int, int]:
    """Height and width of the bounding box of pixels brighter than level."""
    rows = np.flatnonzero((array > level).any(axis=1))
    cols = np.flatnonzero((array > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def centre_of_mass(array: np.ndarray) -> tuple[float, float]:
    """Brightness-weighted (row, column) centre."""
    rows, cols = np.indices(array.shape)
    total = array.sum()
    return float((rows * array).sum() / total), float((cols * array).sum() / total)


def assert_fashion_mnist_like(result: ConvertedImage) -> None:
    """28x28 float32 in [0, 1], black corners, a bright object centred and filling the frame."""
    array = result.array
    assert array.shape == (28, 28)
    assert array.dtype == np.float32
    assert array.min() >= 0.0 and array.max() <= 1.0
    assert array.max() > 0.95
    corners = array[[0, 0, -1, -1], [0, -1, 0, -1]]
    assert np.all(corners < 0.05)
    row, col = centre_of_mass(array)
    assert abs(row - CENTRE) < 2 and abs(col - CENTRE) < 2
    assert max(bright_box(array)) >= 20

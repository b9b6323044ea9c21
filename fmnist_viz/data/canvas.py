"""A drawing from the app's canvas as the model's input, converted exactly like an upload.

The canvas hands back its pixels as an RGBA array (height x width x 4, uint8). They become a
Pillow image and go through `imaging.to_fashion_mnist`, the function that converts every
uploaded picture once it is decoded, so a drawing and the same picture uploaded as a PNG give
the same 28x28 image.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from fmnist_viz.data.uploads import ConvertedImage, ImageError, check_dimensions, to_fashion_mnist

DRAWING_FORMAT = "PNG"  # what the canvas encodes its pixels as; named in the conversion steps
_CHANNELS = (1, 3, 4)  # gray, RGB, RGBA


def canvas_image(pixels: np.ndarray) -> Image.Image:
    """The canvas's pixels (height x width x 4 RGBA, 3 RGB or 2-D gray, uint8) as a Pillow
    image; ImageError when the array is not a picture."""
    array = np.asarray(pixels)
    if array.ndim == 2:
        array = array[..., np.newaxis]
    if array.ndim != 3 or array.shape[2] not in _CHANNELS:
        raise ImageError(
            f"The canvas sent pixels of shape {array.shape}; expected height × width × 4 "
            "(RGBA). Please clear the canvas and draw again."
        )
    if array.dtype != np.uint8:
        raise ImageError(
            f"The canvas sent {array.dtype} pixels; expected 8-bit (uint8) values. "
            "Please clear the canvas and draw again."
        )
    check_dimensions((array.shape[1], array.shape[0]))
    image = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    image.format = DRAWING_FORMAT
    return image


def is_blank(pixels: np.ndarray) -> bool:
    """Whether the canvas is one plain colour (nothing drawn yet, or everything cleared)."""
    array = np.asarray(pixels)
    if array.size == 0:
        return True
    flat = array.reshape(-1, array.shape[-1]) if array.ndim == 3 else array.reshape(-1, 1)
    return bool((flat == flat[0]).all())


def convert_drawing(pixels: np.ndarray | None) -> ConvertedImage | None:
    """Convert the canvas's pixels to the model's centred 28x28 float32 input (light object on
    black) through the upload conversion; None when nothing is drawn.

    Strokes may be light on dark or dark on light (or on a transparent canvas): the upload
    conversion's background detection inverts and flattens as needed. ImageError when the
    array is not a picture.
    """
    if pixels is None or is_blank(pixels):
        return None
    return to_fashion_mnist(canvas_image(pixels), preview=True)

"""Receptive fields: which input pixels one position of a layer's map can see.

Every conv and pooling layer is a window (size, stride, padding) sliding over the map before
it. Going through the stack from the image, three numbers per axis say where each position of
a layer looks: the field's `size` in input pixels, the `jump` between neighbouring positions,
and the `start` of position 0 (negative where the field begins in the padding). Position i
then covers input pixels start + i * jump to start + i * jump + size - 1, less what falls in
padding (exactly: the pixels seen through the real positions under its window, layer by
layer). 'same' padding follows TensorFlow: the total pad is split with the extra pixel at the
bottom and right. Layers without a window (BatchNorm, Dropout, activations) keep the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fmnist_viz import IMAGE_SHAPE

Pair = tuple[int, int]


@dataclass(frozen=True)
class Window:
    """One sliding window: its size, stride and padding per axis (rows, cols)."""

    size: Pair
    stride: Pair
    padding: str  # 'same' or 'valid'
    dilation: Pair = (1, 1)

    @property
    def extent(self) -> Pair:
        """Input positions the window spans (size enlarged by the dilation)."""
        return (
            (self.size[0] - 1) * self.dilation[0] + 1,
            (self.size[1] - 1) * self.dilation[1] + 1,
        )


@dataclass(frozen=True)
class Field:
    """Where the positions of one layer's map look in the input image, per axis."""

    size: Pair  # input pixels one position sees (before cutting to the image)
    jump: Pair  # input pixels between neighbouring positions
    start: Pair  # first input pixel of position 0 (negative: in the padding)
    map_size: Pair  # the layer's output height and width
    spans: tuple[tuple[Pair, ...], tuple[Pair, ...]]  # per axis, per position: first, last

    def box(self, row: int, col: int) -> tuple[int, int, int, int]:
        """The input pixels position (row, col) sees: first row, last row, first col, last col
        (inclusive). Padding sees no pixel, so a box never reaches past the real pixels the
        positions of the layer below cover. ValueError outside the map."""
        if not (0 <= row < self.map_size[0] and 0 <= col < self.map_size[1]):
            raise ValueError(f"Position ({row}, {col}) is outside the {self.map_size} map")
        (r0, r1), (c0, c1) = self.spans[0][row], self.spans[1][col]
        return r0, r1, c0, c1


def pads(size: int, extent: int, stride: int, padding: str) -> tuple[int, int]:
    """Padding before and after one axis (TensorFlow's 'same': the extra pixel goes after)."""
    if padding == "valid":
        return 0, 0
    if padding != "same":
        raise ValueError(f"Unknown padding {padding!r}")
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


def output_size(size: int, extent: int, stride: int, padding: str) -> int:
    """The map size along one axis after a window."""
    if padding == "same":
        return -(-size // stride)
    return max((size - extent) // stride + 1, 0)


def _next_spans(spans: list[Pair], window: Window, axis: int) -> list[Pair]:
    """Per output position of a window, the first and last input pixel seen through the real
    (not padding) positions under it."""
    extent, stride = window.extent[axis], window.stride[axis]
    before, _ = pads(len(spans), extent, stride, window.padding)
    out = []
    for i in range(output_size(len(spans), extent, stride, window.padding)):
        taps = range(i * stride - before, i * stride - before + extent, window.dilation[axis])
        real = [t for t in taps if 0 <= t < len(spans)]
        if not real:
            raise ValueError("A window position covers padding only")
        out.append((spans[real[0]][0], spans[real[-1]][1]))
    return out


def fields(
    windows: Sequence[tuple[str, Window | None]], image_size: Pair = IMAGE_SHAPE[:2]
) -> dict[str, Field]:
    """The receptive field of every named layer's map, in order (None: no window)."""
    size, jump, start = [1, 1], [1, 1], [0, 0]
    spans = [[(p, p) for p in range(n)] for n in image_size]
    out: dict[str, Field] = {}
    for name, window in windows:
        if window is not None:
            for a in range(2):
                extent = window.extent[a]
                before, _ = pads(len(spans[a]), extent, window.stride[a], window.padding)
                start[a] -= before * jump[a]
                size[a] += (extent - 1) * jump[a]
                jump[a] *= window.stride[a]
                spans[a] = _next_spans(spans[a], window, a)
        out[name] = Field(
            (size[0], size[1]),
            (jump[0], jump[1]),
            (start[0], start[1]),
            (len(spans[0]), len(spans[1])),
            (tuple(spans[0]), tuple(spans[1])),
        )
    return out


def _pair(value: Any) -> Pair:
    """An int or a pair as a pair of ints."""
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)


def window_of(layer: Any) -> Window | None:
    """A Keras layer's window: conv (kernel, strides, padding, dilation) or pooling (pool size,
    strides, padding); None for layers that keep positions (BatchNorm, Dropout, ...)."""
    padding = str(getattr(layer, "padding", "valid")).lower()
    if hasattr(layer, "kernel_size"):
        dilation = _pair(getattr(layer, "dilation_rate", 1))
        return Window(_pair(layer.kernel_size), _pair(layer.strides), padding, dilation)
    if hasattr(layer, "pool_size"):
        pool = _pair(layer.pool_size)
        strides = getattr(layer, "strides", None)
        return Window(pool, _pair(strides) if strides is not None else pool, padding)
    return None


def layer_fields(layers: Sequence[Any], image_size: Pair = IMAGE_SHAPE[:2]) -> dict[str, Field]:
    """The receptive field of every map layer of a chain of Keras layers (stops at the first
    layer whose output is not a map, e.g. Flatten)."""
    windows = []
    for layer in layers:
        if len(layer.output.shape) != len(IMAGE_SHAPE) + 1:
            break
        windows.append((layer.name, window_of(layer)))
    return fields(windows, image_size)

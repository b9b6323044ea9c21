"""Worked examples in numbers: one output value of a convolution (the multiply-and-add under
the kernel) and one output value of a pooling layer (a block and its maximum or mean).

Plain NumPy on the weights and maps a model already has, so a lesson can write every number
out; tests check each value against the model's own layer output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_viz.models import output_size

ACTIVATIONS = {
    "relu": lambda x: max(0.0, x),
    "linear": lambda x: x,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "tanh": math.tanh,
}  # the conv activations a worked example writes out; others end before the activation


@dataclass(frozen=True)
class ConvStep:
    """One output value of a conv layer on a one-channel image, written out."""

    row: int  # output position
    col: int
    filter: int
    top: int  # input row/column of the window's top-left cell (negative: in the padding)
    left: int
    patch: np.ndarray  # (k, k) input values under the kernel, 0 where it hangs over the edge
    inside: np.ndarray  # (k, k) bool: the cell is on the image (not padding)
    kernel: np.ndarray  # (k, k) the filter's weights
    bias: float
    activation: str = "relu"  # the layer's activation ("linear": none)

    @property
    def products(self) -> np.ndarray:
        """pixel × weight for every cell of the window."""
        return self.patch * self.kernel

    @property
    def total(self) -> float:
        """Σ pixel × weight + bias: the value before the activation."""
        return float(self.products.sum(dtype=np.float64) + self.bias)

    @property
    def activated(self) -> float | None:
        """The feature map's value: the total through the layer's activation (None for an
        activation a worked example does not write out)."""
        function = ACTIVATIONS.get(self.activation)
        return None if function is None else float(function(self.total))


@dataclass(frozen=True)
class PoolStep:
    """One output value of a pooling layer on one channel, written out."""

    row: int
    col: int
    channel: int
    top: int
    left: int
    block: np.ndarray  # (p, p) values under the window (NaN where it hangs over the edge)
    kind: str  # "max" or "average"

    @property
    def value(self) -> float:
        """The block's maximum (max pooling) or mean over its cells on the map (average)."""
        cells = self.block[np.isfinite(self.block)]
        return float(cells.max() if self.kind == "max" else cells.mean(dtype=np.float64))

    @property
    def winner(self) -> tuple[int, int]:
        """Row and column inside the block of the value max pooling keeps."""
        filled = np.where(np.isfinite(self.block), self.block, -np.inf)
        r, c = np.unravel_index(int(np.argmax(filled)), filled.shape)
        return int(r), int(c)


def pad_before(size: int, window: int, stride: int, padding: str) -> int:
    """Cells of padding before the first one ('same' puts the odd extra one after, as Keras)."""
    if padding != "same":
        return 0
    out = output_size(size, window, stride, padding)
    return max((out - 1) * stride + window - size, 0) // 2


def _origin(
    shape: tuple[int, ...], window: int, stride: int, padding: str, position: tuple[int, int]
) -> tuple[int, int]:
    """Input row and column of the window that makes the output at `position` (negative: in
    the padding); ValueError when the position is outside the output."""
    size = [output_size(n, window, stride, padding) for n in shape[:2]]
    if not all(0 <= p < n for p, n in zip(position, size, strict=True)):
        raise ValueError(f"position {position} is outside the {size[0]}×{size[1]} output")
    top = position[0] * stride - pad_before(shape[0], window, stride, padding)
    left = position[1] * stride - pad_before(shape[1], window, stride, padding)
    return top, left


def _window(
    values: np.ndarray, top: int, left: int, size: int, fill: float
) -> tuple[np.ndarray, np.ndarray]:
    """The size × size block of a 2-D array at (top, left), `fill` off the edge, and a mask of
    the cells that are on the array."""
    h, w = values.shape
    block = np.full((size, size), fill, dtype=np.float64)
    rows = np.arange(top, top + size)
    cols = np.arange(left, left + size)
    inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
    rr, cc = np.nonzero(inside)
    block[rr, cc] = values[rows[rr], cols[cc]]
    return block, inside


def conv_step(
    image: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    *,
    filter_index: int,
    row: int,
    col: int,
    stride: int = 1,
    padding: str = "same",
    activation: str = "relu",
) -> ConvStep:
    """One output value of the first conv layer: image (28, 28[, 1]), kernel (k, k, 1, f),
    the layer's stride, padding and activation."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3:
        image = image[:, :, 0]
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 1 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"need a square one-channel kernel (k, k, 1, f), got {kernel.shape}")
    k = kernel.shape[0]
    top, left = _origin(image.shape, k, stride, padding, (row, col))
    patch, inside = _window(image, top, left, k, 0.0)
    weights = kernel[:, :, 0, filter_index].astype(np.float64)
    return ConvStep(
        row,
        col,
        filter_index,
        top,
        left,
        patch,
        inside,
        weights,
        float(bias[filter_index]),
        activation or "linear",
    )


def pool_step(
    maps: np.ndarray,
    *,
    channel: int,
    row: int,
    col: int,
    pool_size: int = 2,
    stride: int | None = None,
    padding: str = "valid",
    kind: str = "max",
) -> PoolStep:
    """One output value of a pooling layer over maps (h, w, c); stride defaults to the size."""
    if kind not in ("max", "average"):
        raise ValueError(f"kind must be 'max' or 'average', not {kind!r}")
    values = np.asarray(maps)[:, :, channel]
    top, left = _origin(values.shape, pool_size, stride or pool_size, padding, (row, col))
    block, _ = _window(values, top, left, pool_size, np.nan)
    return PoolStep(row, col, channel, top, left, block, kind)


POOL_KINDS = {"MaxPooling2D": "max", "AveragePooling2D": "average"}


@dataclass(frozen=True)
class Window:
    """A Keras conv or pooling layer's window: its size, stride and padding."""

    size: int
    stride: int
    padding: str


def _one(value: Any) -> int:
    """A Keras layer's per-axis setting (strides=(2, 2)) as one number."""
    return int(value[0] if isinstance(value, tuple | list) else value)


def layer_window(layer: Any) -> Window:
    """The window of a Keras Conv2D (kernel_size) or pooling layer (pool_size)."""
    size = layer.pool_size if hasattr(layer, "pool_size") else layer.kernel_size
    return Window(_one(size), _one(layer.strides), str(layer.padding))


def layer_conv_step(
    layer: Any,
    image: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    *,
    filter_index: int,
    row: int,
    col: int,
    activation: str = "relu",
) -> ConvStep:
    """`conv_step` with the stride and padding of the Keras Conv2D layer the kernel is from."""
    window = layer_window(layer)
    return conv_step(
        image,
        kernel,
        bias,
        filter_index=filter_index,
        row=row,
        col=col,
        stride=window.stride,
        padding=window.padding,
        activation=activation,
    )


def layer_pool_step(layer: Any, maps: np.ndarray, *, channel: int, row: int, col: int) -> PoolStep:
    """`pool_step` with the size, stride, padding and kind (max or average) of a Keras
    pooling layer (ValueError for another kind of layer)."""
    kind = POOL_KINDS.get(type(layer).__name__)
    if kind is None:
        raise ValueError(f"{type(layer).__name__} is not a max or average pooling layer")
    window = layer_window(layer)
    return pool_step(
        maps,
        channel=channel,
        row=row,
        col=col,
        pool_size=window.size,
        stride=window.stride,
        padding=window.padding,
        kind=kind,
    )


def strongest(values: np.ndarray) -> tuple[int, int]:
    """Row and column of a 2-D map's largest value (where a worked example is most telling)."""
    r, c = np.unravel_index(int(np.argmax(values)), values.shape)
    return int(r), int(c)


def on_the_object(response: np.ndarray, image: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """A feature map with the positions off the garment (image ≤ threshold) set to −∞, so its
    strongest value is on the object a class is looking at; the map as it is when it is not
    the image's size (strides) or nothing is above the threshold."""
    image = np.squeeze(np.asarray(image))
    on = image > threshold
    if response.shape != image.shape or not on.any():
        return response
    return np.where(on, response, -np.inf)


def conv_equation(step: ConvStep, digits: int = 2) -> str:
    """The multiply-and-add written out: '0.41×0.12 + … + 0.03 (bias) = 0.551 → relu → 0.551'
    (cells over the image's edge count as 0 and are left out)."""
    cells = zip(step.patch.ravel(), step.kernel.ravel(), step.inside.ravel(), strict=True)
    terms = [f"{_number(p, digits)}×{_number(w, digits)}" for p, w, on in cells if on]
    sign = "−" if step.bias < 0 else "+"
    bias = f"{sign} {abs(step.bias):.{digits}f} (bias)"
    text = f"{' + '.join(terms)} {bias} = {step.total:.{digits + 1}f}"
    if step.activation == "linear":
        return text
    value = step.activated
    after = "?" if value is None else f"{value:.{digits + 1}f}"
    return f"{text} → {step.activation} → {after}"


def _number(value: float, digits: int) -> str:
    """A factor of a product: negative ones in brackets, with a real minus sign."""
    text = f"{abs(value):.{digits}f}"
    return f"(−{text})" if value < 0 else text


def pool_equation(step: PoolStep, digits: int = 3) -> str:
    """'max(0.120, 0.560, 0.000, 0.310) = 0.560' (or 'mean(…)')."""
    cells = ", ".join(f"{v:.{digits}f}" for v in step.block.ravel() if np.isfinite(v))
    name = "max" if step.kind == "max" else "mean"
    return f"{name}({cells}) = {step.value:.{digits}f}"

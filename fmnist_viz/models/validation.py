"""Validation and shape arithmetic of a spec, in pure Python (no TensorFlow), so an editor can
show every layer's output shape and parameter count as the user types.

Each layer type has one small function that checks its settings against the incoming shape and
returns its output shape and parameter count. Issues point at the spec's own layers (a Flatten
inserted automatically before a Dense does not shift the numbers the user sees).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fmnist_viz import IMAGE_SHAPE, NUM_CLASSES
from fmnist_viz.models.spec import (
    ACTIVATIONS,
    MAX_LAYERS,
    MAX_PARAMS,
    MAX_WIDTH,
    NAME_MAX,
    PADDINGS,
    TYPE_LABELS,
    Issue,
    SpecError,
    normalize,
    whole,
)

Shape = tuple[int, ...]
Result = tuple[Shape, int] | None  # output shape and parameters, None when it cannot be built


@dataclass(frozen=True)
class LayerRow:
    """One row of a model summary."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    settings: str


@dataclass
class SpecCheck:
    """Per-layer table and totals of a spec (valid or not: rows stop where shapes break).

    as_built: the normalised spec with the Flatten `build_model` inserts before the first Dense
    that follows a map (the layers a built model has).
    """

    rows: list[LayerRow]
    total_params: int
    issues: list[Issue] = field(default_factory=list)
    as_built: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        """The issues that block building the model."""
        return [i for i in self.issues if i.level == "error"]

    @property
    def ok(self) -> bool:
        """True when the spec can be built."""
        return not self.errors


@dataclass
class _Check:
    """One layer under validation: the layer, its index in the user's spec, found issues."""

    layer: dict[str, Any]
    index: int
    issues: list[Issue]

    @property
    def label(self) -> str:
        """'Layer 3 (conv2)': how messages name the layer."""
        return f"Layer {self.index + 1} ({self.layer.get('name', self.layer.get('type'))})"

    def error(self, message: str) -> None:
        """Record an error about this layer, prefixed with its label."""
        self.issues.append(Issue("error", f"{self.label}: {message}", self.index))

    def whole(self, key: str) -> int | None:
        """A setting as a whole number, or None after recording why not."""
        return self.whole_value(key, self.layer.get(key))

    def whole_value(self, key: str, value: Any) -> int | None:
        """A value for setting `key` as a whole number, or None after recording why not."""
        number = whole(value)
        if number is None:
            self.error(f"{key} must be a whole number")
        return number

    def activation(self) -> None:
        """Check the layer's activation name."""
        if self.layer.get("activation") not in ACTIVATIONS:
            self.error(f"activation must be one of {ACTIVATIONS}")


def output_size(size: int, window: int, stride: int, padding: str) -> int:
    """Keras' output side length of a window sliding over `size` pixels."""
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def _window(check: _Check, shape: Shape, window_key: str) -> tuple[int, int, int] | None:
    """Check a conv/pool layer against the incoming map; returns (window, stride, out_hw)."""
    layer = check.layer
    window = check.whole(window_key)
    strides = layer.get("strides")
    if strides is None and window_key == "pool_size":
        strides = window  # Keras' default: pooling windows do not overlap
    stride = check.whole_value("strides", strides)
    if layer.get("padding") not in PADDINGS:
        check.error("padding must be 'same' or 'valid'")
        return None
    if window is None or stride is None:
        return None
    if window < 1 or stride < 1:
        check.error(f"{window_key} and strides must be ≥ 1")
        return None
    if len(shape) != 3:
        check.issues.append(
            Issue(
                "error",
                f"{check.label} needs an image-like input (height × width × channels), "
                f"but gets a flat vector of {shape[0]} values: move it before Flatten",
                check.index,
            )
        )
        return None
    size = shape[0]
    if layer["padding"] == "valid" and window > size:
        check.error(
            f"the {window}x{window} window is larger than the incoming {size}x{size} map; "
            f"use padding 'same' or a smaller {window_key}"
        )
        return None
    out = output_size(size, window, stride, layer["padding"])
    if out < 1:
        check.error("the map shrinks to 0x0")
        return None
    return window, stride, out


def _width(check: _Check, key: str) -> int | None:
    """Filters or units: a whole number from 1 to MAX_WIDTH."""
    value = check.whole(key)
    if value is not None and not 1 <= value <= MAX_WIDTH:
        check.error(f"{key} must be between 1 and {MAX_WIDTH}")
        return None
    return value


def _conv_shape(check: _Check, shape: Shape) -> Result:
    """Conv2D: (out, out, filters); kernel × kernel × channels × filters + filters weights."""
    filters = _width(check, "filters")
    if filters is None and whole(check.layer.get("filters")) is not None:
        return None  # out of range: stop here, as the layer cannot be built
    check.activation()
    found = _window(check, shape, "kernel_size")
    if found is None or filters is None:
        return None
    kernel, _, out = found
    return (out, out, filters), kernel * kernel * shape[2] * filters + filters


def _pool_shape(check: _Check, shape: Shape) -> Result:
    """Max or average pooling: the map shrinks, the channels stay, no weights."""
    found = _window(check, shape, "pool_size")
    return None if found is None else ((found[2], found[2], shape[2]), 0)


def _dropout_shape(check: _Check, shape: Shape) -> Result:
    """Dropout: shape unchanged, no weights; the rate must be in [0, 1)."""
    rate = check.layer.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:  # NaN too
        check.error(
            "the dropout rate is the share of units switched off; "
            "it must be at least 0 and below 1 (e.g. 0.3)"
        )
        return None
    return shape, 0


def _batchnorm_shape(check: _Check, shape: Shape) -> Result:
    """Batch normalisation: shape unchanged; gamma, beta, moving mean and variance per channel."""
    return shape, 4 * shape[-1]


def _flatten_shape(check: _Check, shape: Shape) -> Result:
    """Flatten: one vector of every value, no weights."""
    return (math.prod(shape),), 0


def _dense_shape(check: _Check, shape: Shape) -> Result:
    """Dense: (units,); inputs × units + units weights; needs a flat input."""
    units = _width(check, "units")
    if units is None and whole(check.layer.get("units")) is not None:
        return None
    check.activation()
    if units is None:
        return None
    if len(shape) != 1:
        check.issues.append(
            Issue("error", f"{check.label} needs a flat input: add Flatten first", check.index)
        )
        return None
    return (units,), shape[0] * units + units


SHAPES: dict[str, Callable[[_Check, Shape], Result]] = {
    "conv2d": _conv_shape,
    "maxpool2d": _pool_shape,
    "avgpool2d": _pool_shape,
    "dropout": _dropout_shape,
    "batchnorm": _batchnorm_shape,
    "flatten": _flatten_shape,
    "dense": _dense_shape,
}


def _auto_flatten(spec: dict[str, Any]) -> tuple[dict[str, Any], list[int], list[Issue]]:
    """The spec with a Flatten before the first Dense that follows a map, each layer's index in
    the user's spec (an inserted Flatten borrows its Dense's), and a note saying so."""
    layers, origin, notes, flat = [], [], [], False
    names = {layer["name"] for layer in spec["layers"]}
    for i, layer in enumerate(spec["layers"]):
        if layer["type"] == "flatten":
            flat = True
        elif layer["type"] == "dense" and not flat:
            name = "flatten" if "flatten" not in names else f"flatten_auto{i}"
            layers.append({"type": "flatten", "name": name})
            origin.append(i)
            notes.append(
                Issue(
                    "note",
                    f"A Flatten layer was added before {layer['name']}: Dense layers need a flat "
                    "vector, so the feature maps are unrolled first",
                    i,
                )
            )
            flat = True
        layers.append(layer)
        origin.append(i)
    return {**spec, "layers": layers}, origin, notes


def with_auto_flatten(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    """Insert a Flatten before the first Dense that follows a map, and say so."""
    flattened, _, notes = _auto_flatten(spec)
    return flattened, notes


def check_spec(spec: dict[str, Any]) -> SpecCheck:
    """Validate a (normalised) spec and compute each layer's output shape and parameters."""
    spec, origin, issues = _auto_flatten(normalize(spec))
    layers = spec["layers"]
    if not layers:
        return SpecCheck([], 0, [Issue("error", "The model has no layers")], spec)
    if len(layers) > MAX_LAYERS:
        issues.append(
            Issue("error", f"The model has {len(layers)} layers; the limit is {MAX_LAYERS}")
        )
    _check_names(layers, origin, issues)
    rows: list[LayerRow] = []
    shape: Shape = IMAGE_SHAPE
    total = 0
    for layer, index in zip(layers, origin, strict=True):
        result = SHAPES[layer["type"]](_Check(layer, index, issues), shape)
        if result is None:
            break
        shape, params = result
        total += params
        rows.append(
            LayerRow(layer["name"], TYPE_LABELS[layer["type"]], shape, params, settings(layer))
        )
    else:
        _check_output(layers, origin, shape, issues)
    if total > MAX_PARAMS:
        issues.append(
            Issue(
                "error",
                f"The model has {total:,} parameters; the limit is {MAX_PARAMS:,}. "
                "Use fewer filters/units or add pooling before Flatten",
            )
        )
    return SpecCheck(rows, total, issues, spec)


def validated_spec(spec: dict[str, Any]) -> SpecCheck:
    """The spec's check when it can be built; SpecError listing its errors otherwise."""
    check = check_spec(spec)
    if not check.ok:
        raise SpecError(check.errors)
    return check


def _check_names(layers: list[dict[str, Any]], origin: list[int], issues: list[Issue]) -> None:
    """Names: a letter first, then letters, digits or _, and each used once."""
    seen: set[str] = set()
    for layer, i in zip(layers, origin, strict=True):
        name = str(layer["name"])
        if not re.fullmatch(rf"[A-Za-z][A-Za-z0-9_]{{0,{NAME_MAX - 1}}}", name):
            issues.append(
                Issue(
                    "error",
                    f"Layer {i + 1}: name {name!r} must start with a letter and use only "
                    f"letters, digits and _ (at most {NAME_MAX})",
                    i,
                )
            )
        if name in seen:
            issues.append(Issue("error", f"Layer {i + 1}: the name {name!r} is used twice", i))
        seen.add(name)


def _check_output(
    layers: list[dict[str, Any]], origin: list[int], shape: Shape, issues: list[Issue]
) -> None:
    """The model must end in Dense(10, softmax): one probability per class."""
    last = layers[-1]
    if (
        last["type"] != "dense"
        or last.get("units") != NUM_CLASSES
        or last.get("activation") != "softmax"
    ):
        issues.append(
            Issue(
                "error",
                "The last layer must be Dense(10, activation='softmax'): one probability per "
                "clothing class",
                origin[-1],
            )
        )
    elif shape != (NUM_CLASSES,):
        issues.append(Issue("error", "The model must end with 10 outputs"))


def settings(layer: dict[str, Any]) -> str:
    """A short human-readable description of a layer's settings."""
    kind = layer["type"]
    if kind == "conv2d":
        k, s = layer["kernel_size"], layer["strides"]
        stride = f", stride {s}" if s != 1 else ""
        return (
            f"{layer['filters']} filters {k}x{k}{stride}, {layer['padding']}, {layer['activation']}"
        )
    if kind in ("maxpool2d", "avgpool2d"):
        p = layer["pool_size"]
        s = layer.get("strides") or p
        return f"{p}x{p}, stride {s}, {layer['padding']}"
    if kind == "dropout":
        return f"rate {layer['rate']}"
    if kind == "dense":
        return f"{layer['units']} units, {layer['activation']}"
    return ""

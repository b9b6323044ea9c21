"""Declarative CNN specs: the study's presets, validation, shape/parameter summary, Keras build.

A spec is plain JSON-serialisable data (a name and a list of layer dicts), so presets, a user's
own architecture and a saved run all describe a model the same way. Shapes and parameter counts
are computed here in pure Python, without TensorFlow, so an editor can show them instantly.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fmnist_viz import IMAGE_SHAPE, NUM_CLASSES

if TYPE_CHECKING:
    import keras

MAX_PARAMS = 20_000_000
MAX_LAYERS = 40
MAX_WIDTH = 4096  # filters or units in one layer

LAYER_TYPES = ("conv2d", "maxpool2d", "avgpool2d", "dropout", "batchnorm", "flatten", "dense")
TYPE_LABELS = {
    "conv2d": "Conv2D",
    "maxpool2d": "MaxPooling2D",
    "avgpool2d": "AveragePooling2D",
    "dropout": "Dropout",
    "batchnorm": "BatchNormalization",
    "flatten": "Flatten",
    "dense": "Dense",
}
NAME_PREFIX = {
    "conv2d": "conv",
    "maxpool2d": "pool",
    "avgpool2d": "avgpool",
    "dropout": "dropout",
    "batchnorm": "bn",
    "flatten": "flatten",
    "dense": "dense",
}
INT_FIELDS = ("filters", "kernel_size", "strides", "pool_size", "units")
ACTIVATIONS = ("relu", "linear", "sigmoid", "tanh", "softmax")
PADDINGS = ("same", "valid")

# Default settings per layer type; a layer dict only needs "type" plus what differs.
DEFAULTS: dict[str, dict[str, Any]] = {
    "conv2d": {
        "filters": 32,
        "kernel_size": 3,
        "strides": 1,
        "padding": "same",
        "activation": "relu",
    },
    "maxpool2d": {"pool_size": 2, "strides": None, "padding": "valid"},
    "avgpool2d": {"pool_size": 2, "strides": None, "padding": "valid"},
    "dropout": {"rate": 0.3},
    "batchnorm": {},
    "flatten": {},
    "dense": {"units": 256, "activation": "relu"},
}


class SpecError(ValueError):
    """A spec that cannot be built; the message lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.message for i in issues if i.level == "error"))


@dataclass(frozen=True)
class Issue:
    """One validation finding: level is 'error' (blocks building) or 'note' (information)."""

    level: str
    message: str
    layer: int | None = None  # index into the spec's layers, None for the whole model


@dataclass(frozen=True)
class LayerRow:
    """One row of a model summary."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    settings: str


@dataclass
class Summary:
    """Per-layer table and totals of a spec (valid or not: rows stop where shapes break)."""

    rows: list[LayerRow]
    total_params: int
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _conv(name: str, filters: int, kernel: int) -> dict[str, Any]:
    return {"type": "conv2d", "name": name, "filters": filters, "kernel_size": kernel}


PRESETS: dict[str, dict[str, Any]] = {
    "original": {
        "name": "original",
        "title": "Original",
        "layers": [
            _conv("conv1", 64, 2),
            {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
            {"type": "dropout", "name": "dropout1", "rate": 0.3},
            _conv("conv2", 32, 2),
            {"type": "maxpool2d", "name": "pool2", "pool_size": 2},
            {"type": "dropout", "name": "dropout2", "rate": 0.3},
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "dense1", "units": 256, "activation": "relu"},
            {"type": "dropout", "name": "dropout3", "rate": 0.5},
            {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
        ],
    },
    "model1": {
        "name": "model1",
        "title": "Model 1",
        "layers": [
            _conv("conv1", 32, 3),
            {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
            _conv("conv2", 64, 2),
            {"type": "maxpool2d", "name": "pool2", "pool_size": 2},
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "dense1", "units": 256, "activation": "relu"},
            {"type": "dropout", "name": "dropout1", "rate": 0.3},
            {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
        ],
    },
    "model2": {
        "name": "model2",
        "title": "Model 2",
        "layers": [
            _conv("conv1", 32, 3),
            {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
            _conv("conv2", 64, 2),
            {"type": "maxpool2d", "name": "pool2", "pool_size": 2},
            {"type": "dropout", "name": "dropout1", "rate": 0.3},
            {"type": "flatten", "name": "flatten"},
            {"type": "dense", "name": "dense1", "units": 256, "activation": "relu"},
            {"type": "dropout", "name": "dropout2", "rate": 0.3},
            {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
        ],
    },
}


def preset(key: str) -> dict[str, Any]:
    """A deep copy of a preset spec (so callers may edit it)."""
    if key not in PRESETS:
        raise KeyError(f"Unknown architecture {key!r}; choose one of: {', '.join(PRESETS)}")
    return normalize(PRESETS[key])


def load_spec(arch: str) -> dict[str, Any]:
    """A preset by key, or a spec read from a JSON file path."""
    if arch in PRESETS:
        return preset(arch)
    path = Path(arch)
    if not path.is_file():
        raise SpecError(
            [Issue("error", f"{arch!r} is neither a preset ({', '.join(PRESETS)}) nor a JSON file")]
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError([Issue("error", f"Cannot read spec file {path}: {exc}")]) from exc
    spec = normalize(data)
    summary = summarize(spec)
    if not summary.ok:
        raise SpecError(summary.issues)
    return spec


def normalize(spec: Any) -> dict[str, Any]:
    """Fill defaults and names; raises SpecError for data that is not a spec at all."""
    if isinstance(spec, list):
        spec = {"name": "custom", "layers": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        raise SpecError([Issue("error", "A spec is an object with a 'layers' list")])
    out = {k: copy.deepcopy(v) for k, v in spec.items() if k != "layers"}
    out["name"] = str(spec.get("name") or "custom")
    layers = []
    counts: dict[str, int] = {}
    for i, raw in enumerate(spec["layers"]):
        if not isinstance(raw, dict):
            raise SpecError([Issue("error", f"Layer {i + 1} is not an object", i)])
        kind = str(raw.get("type", "")).lower()
        if kind not in DEFAULTS:
            kinds = ", ".join(LAYER_TYPES)
            msg = f"Layer {i + 1}: unknown type {raw.get('type')!r}; use one of {kinds}"
            raise SpecError([Issue("error", msg, i)])
        layer = {"type": kind, **copy.deepcopy(DEFAULTS[kind]), **copy.deepcopy(raw)}
        layer["type"] = kind
        for key in INT_FIELDS:  # 3.0 from a JSON file means 3
            if isinstance(layer.get(key), float) and _whole(layer[key]) is not None:
                layer[key] = _whole(layer[key])
        counts[kind] = counts.get(kind, 0) + 1
        if not layer.get("name"):
            layer["name"] = f"{NAME_PREFIX[kind]}{counts[kind]}"
        layers.append(layer)
    out["layers"] = layers
    return out


def to_json(spec: dict[str, Any]) -> str:
    """Serialise a spec with stable formatting."""
    return json.dumps(spec, indent=2, sort_keys=False)


# ---------------------------------------------------------------- shapes and validation


def _whole(value: Any) -> int | None:
    """The value as an int when it is a finite whole number (3 or 3.0), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    return int(value)


def _as_int(layer: dict[str, Any], key: str, issues: list[Issue], i: int) -> int | None:
    value = _whole(layer.get(key))
    if value is None:
        issues.append(Issue("error", f"{_label(layer, i)}: {key} must be a whole number", i))
    return value


def _label(layer: dict[str, Any], i: int) -> str:
    return f"Layer {i + 1} ({layer.get('name', layer.get('type'))})"


def _out_size(size: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def _window_layer(
    layer: dict[str, Any], shape: tuple[int, ...], i: int, issues: list[Issue], window_key: str
) -> tuple[int, int, int] | None:
    """Check a conv/pool layer against the incoming map; returns (window, stride, out_hw)."""
    window = _as_int(layer, window_key, issues, i)
    strides = layer.get("strides")
    stride = window if strides is None and window_key == "pool_size" else strides
    stride = _as_int({**layer, "strides": stride}, "strides", issues, i)
    padding = layer.get("padding")
    if padding not in PADDINGS:
        issues.append(Issue("error", f"{_label(layer, i)}: padding must be 'same' or 'valid'", i))
        return None
    if window is None or stride is None:
        return None
    if window < 1 or stride < 1:
        issues.append(
            Issue("error", f"{_label(layer, i)}: {window_key} and strides must be ≥ 1", i)
        )
        return None
    if len(shape) != 3:
        issues.append(
            Issue(
                "error",
                f"{_label(layer, i)} needs an image-like input (height × width × channels), "
                f"but gets a flat vector of {shape[0]} values: move it before Flatten",
                i,
            )
        )
        return None
    size = shape[0]
    if padding == "valid" and window > size:
        issues.append(
            Issue(
                "error",
                f"{_label(layer, i)}: the {window}x{window} window is larger than the incoming "
                f"{size}x{size} map; use padding 'same' or a smaller {window_key}",
                i,
            )
        )
        return None
    out = _out_size(size, window, stride, padding)
    if out < 1:
        issues.append(Issue("error", f"{_label(layer, i)}: the map shrinks to 0x0", i))
        return None
    return window, stride, out


def _layer_shape(
    layer: dict[str, Any], shape: tuple[int, ...], i: int, issues: list[Issue]
) -> tuple[tuple[int, ...], int] | None:
    """Output shape and parameter count of one layer, or None when it cannot be built."""
    kind = layer["type"]
    if kind == "conv2d":
        filters = _as_int(layer, "filters", issues, i)
        if filters is not None and not 1 <= filters <= MAX_WIDTH:
            issues.append(
                Issue("error", f"{_label(layer, i)}: filters must be between 1 and {MAX_WIDTH}", i)
            )
            return None
        if layer.get("activation") not in ACTIVATIONS:
            issues.append(
                Issue("error", f"{_label(layer, i)}: activation must be one of {ACTIVATIONS}", i)
            )
        res = _window_layer(layer, shape, i, issues, "kernel_size")
        if res is None or filters is None:
            return None
        kernel, _, out = res
        return (out, out, filters), kernel * kernel * shape[2] * filters + filters
    if kind in ("maxpool2d", "avgpool2d"):
        res = _window_layer(layer, shape, i, issues, "pool_size")
        return None if res is None else ((res[2], res[2], shape[2]), 0)
    if kind == "dropout":
        rate = layer.get("rate")
        if (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1
        ):  # NaN too
            issues.append(
                Issue(
                    "error",
                    f"{_label(layer, i)}: the dropout rate is the share of units switched off; "
                    "it must be at least 0 and below 1 (e.g. 0.3)",
                    i,
                )
            )
            return None
        return shape, 0
    if kind == "batchnorm":
        return shape, 4 * shape[-1]
    if kind == "flatten":
        return (math.prod(shape),), 0
    # dense
    units = _as_int(layer, "units", issues, i)
    if units is not None and not 1 <= units <= MAX_WIDTH:
        issues.append(
            Issue("error", f"{_label(layer, i)}: units must be between 1 and {MAX_WIDTH}", i)
        )
        return None
    if layer.get("activation") not in ACTIVATIONS:
        issues.append(
            Issue("error", f"{_label(layer, i)}: activation must be one of {ACTIVATIONS}", i)
        )
    if units is None:
        return None
    if len(shape) != 1:
        issues.append(
            Issue("error", f"{_label(layer, i)} needs a flat input: add Flatten first", i)
        )
        return None
    return (units,), shape[0] * units + units


def with_auto_flatten(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
    """Insert a Flatten before the first Dense that follows a map, and say so."""
    layers, notes, flat = [], [], False
    names = {layer["name"] for layer in spec["layers"]}
    for i, layer in enumerate(spec["layers"]):
        if layer["type"] == "flatten":
            flat = True
        elif layer["type"] == "dense" and not flat:
            name = "flatten" if "flatten" not in names else f"flatten_auto{i}"
            layers.append({"type": "flatten", "name": name})
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
    return {**spec, "layers": layers}, notes


def summarize(spec: dict[str, Any]) -> Summary:
    """Validate a (normalised) spec and compute each layer's output shape and parameters."""
    spec, issues = with_auto_flatten(normalize(spec))
    layers = spec["layers"]
    if not layers:
        return Summary([], 0, [Issue("error", "The model has no layers")])
    if len(layers) > MAX_LAYERS:
        issues.append(
            Issue("error", f"The model has {len(layers)} layers; the limit is {MAX_LAYERS}")
        )
    _check_names(layers, issues)
    rows: list[LayerRow] = []
    shape: tuple[int, ...] = IMAGE_SHAPE
    total = 0
    for i, layer in enumerate(layers):
        result = _layer_shape(layer, shape, i, issues)
        if result is None:
            break
        shape, params = result
        total += params
        rows.append(
            LayerRow(layer["name"], TYPE_LABELS[layer["type"]], shape, params, settings(layer))
        )
    else:
        _check_output(layers, shape, issues)
    if total > MAX_PARAMS:
        issues.append(
            Issue(
                "error",
                f"The model has {total:,} parameters; the limit is {MAX_PARAMS:,}. "
                "Use fewer filters/units or add pooling before Flatten",
            )
        )
    return Summary(rows, total, issues)


def _check_names(layers: list[dict[str, Any]], issues: list[Issue]) -> None:
    seen: set[str] = set()
    for i, layer in enumerate(layers):
        name = str(layer["name"])
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", name):
            issues.append(
                Issue(
                    "error",
                    f"Layer {i + 1}: name {name!r} must start with a letter and use only "
                    "letters, digits and _ (at most 40)",
                    i,
                )
            )
        if name in seen:
            issues.append(Issue("error", f"Layer {i + 1}: the name {name!r} is used twice", i))
        seen.add(name)


def _check_output(
    layers: list[dict[str, Any]], shape: tuple[int, ...], issues: list[Issue]
) -> None:
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
                len(layers) - 1,
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


def conv_layer_names(spec: dict[str, Any]) -> list[str]:
    """Names of the convolution layers, in order."""
    return [layer["name"] for layer in normalize(spec)["layers"] if layer["type"] == "conv2d"]


# ---------------------------------------------------------------- Keras


def _keras_layer(layer: dict[str, Any]) -> keras.layers.Layer:
    import keras

    kind, name = layer["type"], layer["name"]
    if kind == "conv2d":
        return keras.layers.Conv2D(
            layer["filters"],
            layer["kernel_size"],
            strides=layer["strides"],
            padding=layer["padding"],
            activation=layer["activation"],
            name=name,
        )
    if kind in ("maxpool2d", "avgpool2d"):
        cls = keras.layers.MaxPooling2D if kind == "maxpool2d" else keras.layers.AveragePooling2D
        return cls(
            layer["pool_size"], strides=layer.get("strides"), padding=layer["padding"], name=name
        )
    if kind == "dropout":
        return keras.layers.Dropout(layer["rate"], name=name)
    if kind == "batchnorm":
        return keras.layers.BatchNormalization(name=name)
    if kind == "flatten":
        return keras.layers.Flatten(name=name)
    return keras.layers.Dense(layer["units"], activation=layer["activation"], name=name)


def build_model(spec: dict[str, Any]) -> keras.Model:
    """Build the (uncompiled) Keras functional model a spec describes; SpecError if invalid."""
    import keras

    summary = summarize(spec)
    if not summary.ok:
        raise SpecError(summary.errors)
    spec, _ = with_auto_flatten(normalize(spec))
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    for layer in spec["layers"]:
        x = _keras_layer(layer)(x)
    return keras.Model(inputs, x, name=_model_name(spec["name"]))


def _model_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "custom"
    return clean if clean[0].isalpha() else f"m_{clean}"

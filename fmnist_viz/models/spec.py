"""The spec format: layer types, their defaults and limits, normalising and reading specs.

A spec is plain JSON-serialisable data (a name and a list of layer dicts), so presets, a user's
own architecture and a saved run all describe a model the same way. The limits here are the
only ones: validation, the layer editor and the CLI all read them.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from typing import Any

from fmnist_viz import IMAGE_SHAPE

MAX_PARAMS = 20_000_000
MAX_LAYERS = 40
MAX_SPEC_BYTES = 256 * 1024  # a spec file of 40 layers is a few KB
MAX_WIDTH = 4096  # filters or units in one layer
NAME_MAX = 40  # characters in a layer name

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
NAME_PREFIX = {  # automatic layer names: conv1, conv2, pool1, ...
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
# The ranges the layer editor offers for each numeric setting (validation accepts a window
# larger than the map with 'same' padding and any dropout rate in [0, 1)).
FIELD_LIMITS: dict[str, tuple[float, float]] = {
    "filters": (1, MAX_WIDTH),
    "units": (1, MAX_WIDTH),
    "kernel_size": (1, IMAGE_SHAPE[0]),
    "strides": (1, IMAGE_SHAPE[0]),
    "pool_size": (1, IMAGE_SHAPE[0]),
    "rate": (0.0, 0.99),
}

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


@dataclass(frozen=True)
class Issue:
    """One validation finding: level is 'error' (blocks building) or 'note' (information)."""

    level: str
    message: str
    layer: int | None = None  # index into the spec's own layers, None for the whole model


class SpecError(ValueError):
    """A spec that cannot be built; the message lists every problem found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("; ".join(i.message for i in issues if i.level == "error"))


def whole(value: Any) -> int | None:
    """The value as an int when it is a finite whole number (3 or 3.0), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    return int(value)


def next_layer_name(kind: str, taken: set[str]) -> str:
    """The first free automatic name for a new layer of this type, e.g. 'conv3'."""
    prefix = NAME_PREFIX[kind]
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def new_layer(kind: str, taken: set[str]) -> dict[str, Any]:
    """A layer of this type with its default settings and a free automatic name."""
    if kind not in DEFAULTS:
        raise KeyError(f"Unknown layer type {kind!r}; use one of {', '.join(LAYER_TYPES)}")
    return {"type": kind, **copy.deepcopy(DEFAULTS[kind]), "name": next_layer_name(kind, taken)}


def normalize(spec: Any) -> dict[str, Any]:
    """Fill defaults and names; raises SpecError for data that is not a spec at all."""
    if isinstance(spec, list):
        spec = {"name": "custom", "layers": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("layers"), list):
        raise SpecError([Issue("error", "A spec is an object with a 'layers' list")])
    if len(spec["layers"]) > 10 * MAX_LAYERS:  # refused before any per-layer work
        raise SpecError([_too_many_layers(len(spec["layers"]))])
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
            if isinstance(layer.get(key), float) and whole(layer[key]) is not None:
                layer[key] = whole(layer[key])
        counts[kind] = counts.get(kind, 0) + 1
        if not layer.get("name"):
            layer["name"] = f"{NAME_PREFIX[kind]}{counts[kind]}"
        layers.append(layer)
    out["layers"] = layers
    return out


def _too_many_layers(n: int) -> Issue:
    """The error for a spec with more than MAX_LAYERS layers."""
    return Issue("error", f"The model has {n:,} layers; the limit is {MAX_LAYERS}")


def size_issue(where: str, size: int) -> Issue:
    """The error for a spec text above MAX_SPEC_BYTES."""
    return Issue("error", f"{where}: it is {size:,} bytes; a spec is at most {MAX_SPEC_BYTES:,}")


def parse_spec_json(text: str | bytes, where: str = "Cannot read the spec") -> Any:
    """Parse a spec's JSON text with bounded cost; SpecError with one line for anything bad
    (too big, not JSON, nested too deep, a number of thousands of digits, too many layers)."""
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError([size_issue(where, len(text))])
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise SpecError([Issue("error", f"{where}: it is nested too deeply")]) from exc
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, or a huge integer
        raise SpecError([Issue("error", f"{where}: not valid JSON ({exc})")]) from exc
    layers = data.get("layers") if isinstance(data, dict) else data
    if isinstance(layers, list) and len(layers) > MAX_LAYERS:
        raise SpecError([_too_many_layers(len(layers))])
    return data


def to_json(spec: dict[str, Any]) -> str:
    """Serialise a spec with stable formatting."""
    return json.dumps(spec, indent=2, sort_keys=False)

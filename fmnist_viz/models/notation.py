"""A model in one line, e.g. `C32k3-P2-C64k2-P2-D0.3-F256-D0.3` for Model 2: the Class board's
architecture column.

One token per layer, joined by '-':

    C32k3        Conv2D, 32 filters, kernel 3x3 (same padding, ReLU: the defaults)
    C32k3s2      ... stride 2        C32k3(valid)  valid padding   C32k3(tanh)  another activation
    P2           MaxPooling2D 2x2 (stride = pool size)   P3s2  pool 3, stride 2   P2(same)
    A2           AveragePooling2D, written like P
    D0.3         Dropout, rate 0.3
    B            BatchNormalization
    F256         Dense (fully connected), 256 units, ReLU    F256(tanh)  another activation
    Flat         Flatten, written only where it is not right before a Dense (elsewhere implied)

The output layer every model ends with, Dense(10, softmax), is left out. Pure Python.
"""

from __future__ import annotations

from typing import Any

from fmnist_viz import NUM_CLASSES
from fmnist_viz.models.spec import DEFAULTS, SpecError, normalize


def _extras(*parts: str | None) -> str:
    """'(valid,tanh)' for the settings that differ from the defaults, '' when none do."""
    kept = [p for p in parts if p]
    return f"({','.join(kept)})" if kept else ""


def _number(value: Any) -> str:
    """3 for 3 and 3.0, 0.3 for 0.3 (no trailing zeros)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _activation(layer: dict[str, Any], default: str = "relu") -> str | None:
    """The activation when it is not the default."""
    act = layer.get("activation", default)
    return None if act == default else str(act)


def _padding(layer: dict[str, Any], default: str) -> str | None:
    """The padding when it is not the default."""
    pad = layer.get("padding", default)
    return None if pad == default else str(pad)


def layer_token(layer: dict[str, Any]) -> str:
    """One (normalised) layer's token; see the module docstring."""
    kind = layer["type"]
    if kind == "conv2d":
        stride = layer.get("strides", 1)
        text = f"C{_number(layer['filters'])}k{_number(layer['kernel_size'])}"
        text += f"s{_number(stride)}" if stride != 1 else ""
        return text + _extras(_padding(layer, "same"), _activation(layer))
    if kind in ("maxpool2d", "avgpool2d"):
        size, stride = layer["pool_size"], layer.get("strides")
        text = ("P" if kind == "maxpool2d" else "A") + _number(size)
        text += f"s{_number(stride)}" if stride not in (None, size) else ""
        return text + _extras(_padding(layer, DEFAULTS[kind]["padding"]))
    if kind == "dropout":
        return f"D{_number(layer['rate'])}"
    if kind == "batchnorm":
        return "B"
    if kind == "flatten":
        return "Flat"
    return f"F{_number(layer['units'])}" + _extras(_activation(layer))


def _is_output(layer: dict[str, Any]) -> bool:
    """Dense(10, softmax): the output layer every model ends with."""
    return (
        layer["type"] == "dense"
        and layer.get("units") == NUM_CLASSES
        and layer.get("activation") == "softmax"
    )


def one_line(spec: dict[str, Any]) -> str:
    """The architecture in one line (see the module docstring); '?' for data that is not a
    spec at all."""
    try:
        layers = normalize(spec)["layers"]
    except SpecError:
        return "?"
    if layers and _is_output(layers[-1]):
        layers = layers[:-1]
    tokens = []
    for i, layer in enumerate(layers):
        following = layers[i + 1] if i + 1 < len(layers) else None
        if layer["type"] == "flatten" and (following is None or following["type"] == "dense"):
            continue  # implied by the Dense after it (or by the output layer)
        try:
            tokens.append(layer_token(layer))
        except (KeyError, TypeError, ValueError):
            tokens.append("?")
    return "-".join(tokens) or "F10(softmax)"  # a model that is only its output layer

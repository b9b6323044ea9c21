"""Probe test material: specs that exercise every layer kind, an independent float64 NumPy
forward pass to check the probes against, and seeded models with non-trivial weights."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras

from fmnist_viz.inside import Prober
from fmnist_viz.models import build_model, normalize, with_auto_flatten

TOL = 1e-4
BN_EPSILON_KEY = "epsilon"

# Stride 2 with 'valid' padding, average pooling with 'same' padding on an odd map (13 -> 7),
# 3 input channels into conv2 (even kernel, 'same': the extra pad goes bottom/right), an odd
# 'same' max pool, and BatchNorm between them.
CUSTOM = {
    "name": "custom_probe",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 3, "kernel_size": 3, "strides": 2,
         "padding": "valid"},
        {"type": "avgpool2d", "name": "avgpool1", "pool_size": 2, "padding": "same"},
        {"type": "batchnorm", "name": "bn1"},
        {"type": "conv2d", "name": "conv2", "filters": 8, "kernel_size": 2, "padding": "same"},
        {"type": "maxpool2d", "name": "pool2", "pool_size": 3, "strides": 2, "padding": "same"},
        {"type": "avgpool2d", "name": "avgpool2", "pool_size": 2, "padding": "valid"},
        {"type": "dropout", "name": "dropout1", "rate": 0.25},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "dense1", "units": 16},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}  # fmt: skip
NO_DROPOUT = {
    "name": "no_dropout",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel_size": 3},
        {"type": "batchnorm", "name": "bn1"},
        {"type": "maxpool2d", "name": "pool1", "pool_size": 2},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}
BIG_DROPOUT = {
    "name": "big_dropout",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 32, "kernel_size": 3},
        {"type": "dropout", "name": "dropout1", "rate": 0.5},
        {"type": "flatten", "name": "flatten"},
        {"type": "dense", "name": "output", "units": 10, "activation": "softmax"},
    ],
}


# ---------------------------------------------------------------- an independent reference


def same_pads(size: int, window: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: total pad split with the extra one at the bottom/right."""
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def windows(x: np.ndarray, size: int, stride: int, padding: str, fill: float) -> np.ndarray:
    """(out_h, out_w, channels, size, size) windows of an (h, w, c) map."""
    if padding == "same":
        top, bottom = same_pads(x.shape[0], size, stride)
        left, right = same_pads(x.shape[1], size, stride)
        x = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=fill)
    view = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(0, 1))
    return view[::stride, ::stride]


def np_conv2d(
    x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, stride: int, padding: str
) -> np.ndarray:
    """Cross-correlation of (h, w, cin) with (k, k, cin, f) plus bias."""
    win = windows(x, kernel.shape[0], stride, padding, 0.0)
    return np.einsum("hwcij,ijcf->hwf", win, kernel.astype(np.float64)) + bias


def np_pool(x: np.ndarray, size: int, stride: int, padding: str, kind: str) -> np.ndarray:
    """Max or average pooling; padded cells are ignored (TensorFlow's behaviour)."""
    win = windows(x, size, stride, padding, np.nan)
    return np.nanmax(win, axis=(-2, -1)) if kind == "max" else np.nanmean(win, axis=(-2, -1))


def np_activation(x: np.ndarray, name: str) -> np.ndarray:
    """ReLU, softmax or identity."""
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "softmax":
        e = np.exp(x - x.max())
        return e / e.sum()
    assert name == "linear"
    return x


def np_layer(layer: dict[str, Any], x: np.ndarray, weights: list[np.ndarray], eps: float) -> Any:
    """One spec layer in NumPy: returns (pre-activation or None, output)."""
    kind = layer["type"]
    if kind == "conv2d":
        pre = np_conv2d(x, weights[0], weights[1], layer["strides"], layer["padding"])
        return pre, np_activation(pre, layer["activation"])
    if kind in ("maxpool2d", "avgpool2d"):
        size = layer["pool_size"]
        stride = layer.get("strides") or size
        return None, np_pool(x, size, stride, layer["padding"], kind[:3])
    if kind == "batchnorm":
        gamma, beta, mean, var = weights
        return None, (x - mean) / np.sqrt(var + eps) * gamma + beta
    if kind == "flatten":
        return None, x.reshape(-1)
    if kind == "dense":
        return None, np_activation(x @ weights[0] + weights[1], layer["activation"])
    return None, x  # dropout at inference


def reference(model: Any, spec: dict[str, Any], image: np.ndarray) -> list[tuple]:
    """(name, pre-activation, output) of every layer, computed in float64 NumPy."""
    full_spec, _ = with_auto_flatten(normalize(spec))
    x = image.reshape(28, 28, 1).astype(np.float64)
    out = []
    for layer in full_spec["layers"]:
        keras_layer = model.get_layer(layer["name"])
        eps = getattr(keras_layer, BN_EPSILON_KEY, 0.0)
        pre, x = np_layer(layer, x, keras_layer.get_weights(), eps)
        out.append((layer["name"], pre, x))
    return out


# ---------------------------------------------------------------- fixtures


def randomize(model: Any, seed: int) -> None:
    """Give biases and BatchNorm statistics non-trivial values (Keras starts them at 0/1)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if isinstance(layer, keras.layers.BatchNormalization):
            c = weights[0].shape
            weights = [
                rng.uniform(0.5, 1.5, c),
                rng.normal(0, 0.2, c),
                rng.normal(0, 0.1, c),
                rng.uniform(0.05, 0.5, c),
            ]
        elif len(weights) == 2:
            weights[1] = rng.normal(0, 0.05, weights[1].shape)
        layer.set_weights([w.astype(np.float32) for w in weights])


def built(spec: dict[str, Any], seed: int) -> Any:
    """A seeded model of a spec with randomised biases and BN statistics."""
    keras.utils.set_random_seed(seed)
    model = build_model(spec)
    randomize(model, seed)
    return model


def assert_matches_reference(
    prober: Prober, model: Any, spec: dict[str, Any], image: np.ndarray
) -> None:
    """Every probed output (and conv pre-activation) equals the NumPy reference."""
    probed = prober.layer_outputs(image)
    expected = reference(model, spec, image)
    assert [p.name for p in probed] == [name for name, _, _ in expected]
    for got, (name, pre, out) in zip(probed, expected, strict=True):
        assert got.output.shape == out.shape, name
        np.testing.assert_allclose(got.output, out, atol=TOL, err_msg=name)
        if pre is not None:
            np.testing.assert_allclose(got.pre_activation, pre, atol=TOL, err_msg=name)

"""The study's three CNNs (Original, Model 1, Model 2), written out layer by layer as in the
study (see SEED.md): one conv/pool/dropout stack each, Flatten, Dense(256), Dense(10)."""

from __future__ import annotations

from typing import Any

from fmnist_viz.models.spec import normalize


def _conv(name: str, filters: int, kernel: int) -> dict[str, Any]:
    """A conv layer of the presets: same padding, ReLU."""
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

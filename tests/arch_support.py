"""Architecture test material: the study's expected layers and parameter counts, a custom spec
that exercises what the presets do not, and small helpers."""

from __future__ import annotations

import functools
from typing import Any

from fmnist_viz import models as arch

# The smallest spec the training and store tests build: one conv, one pool, the softmax.
TINY_SPEC = {
    "name": "tiny",
    "layers": [
        {"type": "conv2d", "name": "conv1", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d"},
        {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}

# The study's numbers (SEED.md): Keras count_params() of each preset.
STUDY_PARAMS = {"original": 412_778, "model1": 814_218, "model2": 814_218}

# (name, Keras class, settings read from the built layer), written out from the study's text.
EXPECTED_LAYERS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "original": [
        ("conv1", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("conv2", "Conv2D", {"filters": 32, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout2", "Dropout", {"rate": 0.3}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout3", "Dropout", {"rate": 0.5}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
    "model1": [
        ("conv1", "Conv2D", {"filters": 32, "kernel_size": (3, 3)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("conv2", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
    "model2": [
        ("conv1", "Conv2D", {"filters": 32, "kernel_size": (3, 3)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("conv2", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout2", "Dropout", {"rate": 0.3}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
}

# Exercises what the presets do not: stride 2, valid padding, average pooling, batchnorm,
# a pool with its own stride, and a pool with padding 'same' on an odd map.
CUSTOM_SPEC = {
    "name": "custom shapes",
    "layers": [
        {"type": "conv2d", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "valid"},
        {"type": "batchnorm"},
        {"type": "avgpool2d", "pool_size": 2, "padding": "same"},
        {"type": "conv2d", "filters": 16, "kernel_size": 2, "padding": "valid"},
        {"type": "maxpool2d", "pool_size": 3, "strides": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 32},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
CUSTOM_SHAPES = [(13, 13, 8), (13, 13, 8), (7, 7, 8), (6, 6, 16), (2, 2, 16), (64,), (32,)]


@functools.cache
def built(key: str):
    """The Keras model of a preset, built once per test session."""
    return arch.build_model(arch.preset(key))


def spec_of(*layers: dict[str, Any], output: bool = True) -> dict[str, Any]:
    """A spec from layer dicts, ending in the required Dense(10, softmax) unless output=False."""
    tail = [{"type": "dense", "name": "output", "units": 10, "activation": "softmax"}]
    return {"name": "t", "layers": [*layers, *(tail if output else [])]}


def errors(spec: dict[str, Any]) -> list[str]:
    """The error messages of a spec's validation."""
    return [i.message for i in arch.check_spec(spec).errors]


def keras_layers(model) -> list:
    """The model's layers without the input layer."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]

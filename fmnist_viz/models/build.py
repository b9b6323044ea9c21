"""Building the Keras functional model a spec describes (Keras is imported lazily)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.models.validation import validated_spec

if TYPE_CHECKING:
    import keras


def _keras_layer(layer: dict[str, Any], dtype: str | None = None) -> keras.layers.Layer:
    """The Keras layer for one normalised layer dict, named as in the spec (the final Dense
    may be given its own dtype policy; None: the global one)."""
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
    return keras.layers.Dense(
        layer["units"], activation=layer["activation"], name=name, dtype=dtype
    )


def build_model(spec: dict[str, Any], float32_output: bool = False) -> keras.Model:
    """Build the (uncompiled) Keras functional model a spec describes; SpecError if invalid.

    float32_output: the last layer (Dense with softmax) computes in float32 whatever the
    global dtype policy (under mixed bfloat16, the probabilities and the loss stay float32).
    """
    import keras

    spec = validated_spec(spec).as_built
    inputs = keras.Input(IMAGE_SHAPE, name="image")
    x = inputs
    last = len(spec["layers"]) - 1
    for i, layer in enumerate(spec["layers"]):
        x = _keras_layer(layer, "float32" if float32_output and i == last else None)(x)
    return keras.Model(inputs, x, name=model_name(spec["name"]))


def model_name(name: str) -> str:
    """A spec name made into a valid Keras model name."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "custom"
    return clean if clean[0].isalpha() else f"m_{clean}"

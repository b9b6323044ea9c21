"""A model taken out of the app as code: a standalone Keras 3 script that builds the same layers
and compiles them as the app trains (the training settings of a TrainConfig).

The generated script builds the model exactly as `models.build_model` does (the same layer
types, settings, names and the Flatten added before the first Dense), so its parameter count
and layer settings equal the app's.
"""

from __future__ import annotations

import json
from typing import Any

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.models import model_name, validated_spec
from fmnist_viz.training.config import TrainConfig


def _q(text: Any) -> str:
    """A Python string literal in double quotes."""
    return json.dumps(str(text))


def _layer_call(layer: dict[str, Any]) -> str:
    """The Keras constructor call of one normalised layer (as build_model makes it)."""
    kind, name = layer["type"], _q(layer["name"])
    if kind == "conv2d":
        return (
            f"layers.Conv2D({layer['filters']}, {layer['kernel_size']}, "
            f"strides={layer['strides']}, padding={_q(layer['padding'])}, "
            f"activation={_q(layer['activation'])}, name={name})"
        )
    if kind in ("maxpool2d", "avgpool2d"):
        cls = "MaxPooling2D" if kind == "maxpool2d" else "AveragePooling2D"
        return (
            f"layers.{cls}({layer['pool_size']}, strides={layer.get('strides')!r}, "
            f"padding={_q(layer['padding'])}, name={name})"
        )
    if kind == "dropout":
        return f"layers.Dropout({float(layer['rate'])!r}, name={name})"
    if kind == "batchnorm":
        return f"layers.BatchNormalization(name={name})"
    if kind == "flatten":
        return f"layers.Flatten(name={name})"
    return f"layers.Dense({layer['units']}, activation={_q(layer['activation'])}, name={name})"


def _docstring_safe(text: str) -> str:
    """Text that cannot end or escape the generated module docstring."""
    return "".join(c for c in text if c.isprintable()).replace("\\", "/").replace('"', "'")


def keras_code(spec: dict[str, Any], config: TrainConfig | None = None) -> str:
    """A standalone Python script that builds the spec's model with Keras 3 and, run as a
    program, prints its summary. config: the training settings its compile() uses (default:
    the study's protocol). SpecError when the spec cannot be built."""
    check = validated_spec(spec)
    checked = check.as_built
    config = config or TrainConfig()
    title = _docstring_safe(str(spec.get("title") or checked["name"]))
    total = check.total_params
    body = "\n".join(f"    x = {_layer_call(layer)}(x)" for layer in checked["layers"])
    optimizers = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
    opt_args = f"learning_rate={config.learning_rate!r}"
    if config.optimizer == "sgd":
        opt_args += f", momentum={config.momentum!r}"
    return f'''"""{title}: a CNN for Fashion-MNIST, exported by the Fashion-MNIST CNN Explorer.

{len(checked["layers"])} layers, {total:,} parameters. Run it to print the summary:
    python {model_name(checked["name"])}.py
"""

import keras
from keras import layers


def build_model() -> keras.Model:
    """The model, uncompiled: 28x28 grey images in, 10 class probabilities out."""
    inputs = keras.Input({tuple(IMAGE_SHAPE)!r}, name="image")
    x = inputs
{body}
    return keras.Model(inputs, x, name={_q(model_name(checked["name"]))})


def compile_model(model: keras.Model) -> keras.Model:
    """Compile as the app trains: {config.optimizer} at {config.learning_rate:g}, categorical
    cross-entropy on one-hot labels, batch size {config.batch_size}, {config.epochs} epochs."""
    model.compile(
        optimizer=keras.optimizers.{optimizers[config.optimizer]}({opt_args}),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


if __name__ == "__main__":
    build_model().summary()
'''

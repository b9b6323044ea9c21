"""Class gradients: compiled `tf.GradientTape` functions over a model's own layers.

The class score is the class's **pre-softmax logit** (the last Dense layer's kernel and bias
applied without its softmax, on the model's own weights); a model whose last layer is not a
softmax Dense layer uses the log-probability instead (`class_score` says which). Every call is
at inference (`training=False`: dropout passes its input on, BatchNorm uses its statistics).
The functions are built once per prober and follow its weights when they are swapped.
Keras and TensorFlow are imported lazily.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.inside.probes import Prober, per_prober
from fmnist_viz.training import inference_batch

LOGIT, LOG_PROBABILITY = "logit", "log-probability"
MAX_BATCH = 64  # images per gradient call at most (SmoothGrad's copies)


def _takes_training(layer: Any) -> bool:
    """True when the layer's call has a `training` argument."""
    return "training" in inspect.signature(layer.call).parameters


def _is_conv(layer: Any) -> bool:
    """True for a Keras Conv2D layer."""
    import keras

    return isinstance(layer, keras.layers.Conv2D)


def _logit_head(layer: Any) -> bool:
    """True when the last layer is a Dense layer with softmax: its logits can be had."""
    import keras

    activation = getattr(getattr(layer, "activation", None), "__name__", "")
    return isinstance(layer, keras.layers.Dense) and activation == "softmax"


class ClassGradients:
    """Compiled gradient functions over a prober's layers (shared weights, inference mode).

    Holds the layers, never the prober, so it can be cached per prober weakly.
    """

    def __init__(self, layers: list[Any]):
        import keras

        if keras.backend.backend() != "tensorflow":
            raise RuntimeError("Attribution needs Keras's TensorFlow backend (tf.GradientTape)")
        import tensorflow as tf

        self.layers = layers
        self.body, self.head = layers[:-1], layers[-1]
        self.score = LOGIT if _logit_head(self.head) else LOG_PROBABILITY
        self.conv_names = [lay.name for lay in self.body if _is_conv(lay)]
        floats = math.prod(IMAGE_SHAPE) + sum(math.prod(lay.output.shape[1:]) for lay in layers)
        # noisy copies per call: all of them, fewer when activations and gradients would not fit
        self.chunk = inference_batch(2 * floats, MAX_BATCH)
        image = tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)
        target = tf.TensorSpec((), tf.int32)
        self.input_gradient = tf.function(self._input_gradient, input_signature=[image, target])
        self.layer_gradients = tf.function(self._layer_gradients, input_signature=[image, target])

    def _forward(self, x: Any, tape: Any) -> tuple[Any, Any, list[Any]]:
        """Scores (n, 10), probabilities (n, 10) and every conv output (watched by the tape)."""
        import keras

        convs = []
        for layer in self.body:
            x = layer(x, training=False) if _takes_training(layer) else layer(x)
            if _is_conv(layer):
                tape.watch(x)
                convs.append(x)
        if self.score == LOGIT:
            logits = keras.ops.matmul(x, self.head.kernel)
            if self.head.use_bias:
                logits = keras.ops.add(logits, self.head.bias)
            return logits, keras.ops.softmax(logits, axis=-1), convs
        called = self.head(x, training=False) if _takes_training(self.head) else self.head(x)
        probs = keras.ops.convert_to_tensor(called)
        return keras.ops.log(keras.ops.maximum(probs, 1e-30)), probs, convs

    def _input_gradient(self, x: Any, target: Any) -> tuple[Any, Any, Any]:
        """Scores, probabilities and ∂ score[target] / ∂ x for each image of the batch."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(x)
            scores, probs, _ = self._forward(x, tape)
            chosen = tf.gather(scores, target, axis=1)
        # images are independent at inference: the gradient of the sum is each one's own
        return scores, probs, tape.gradient(chosen, x)

    def _layer_gradients(self, x: Any, target: Any) -> tuple[Any, Any, list[Any], list[Any]]:
        """Scores, probabilities, every conv output and ∂ score[target] / ∂ that output."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            scores, probs, convs = self._forward(x, tape)
            chosen = tf.gather(scores, target, axis=1)
        grads = tape.gradient(chosen, convs) if convs else []
        return scores, probs, convs, grads


_per_prober = per_prober(ClassGradients)


def gradients(prober: Prober) -> ClassGradients:
    """The prober's compiled gradient functions, built once per prober."""
    return _per_prober(prober)


def conv_layers(prober: Prober) -> list[str]:
    """Names of the model's conv layers, in order (Grad-CAM's choices; the last is the default)."""
    return gradients(prober).conv_names


def class_score(prober: Prober) -> str:
    """What the gradients are taken of: 'logit' (pre-softmax) or 'log-probability'."""
    return gradients(prober).score


def run_gradient(prober: Prober, fn: Callable[..., Any], x: np.ndarray, target: int) -> list[Any]:
    """One compiled gradient call under the prober's lock, results as NumPy."""
    import tensorflow as tf

    with prober.lock:
        out = fn(tf.constant(x), tf.constant(target, tf.int32))
    return [[np.asarray(t) for t in o] if isinstance(o, list) else np.asarray(o) for o in out]

"""The convolutional part of a probed model as compiled functions: the strongest response of
every filter in an image (for the top images) and one conv layer's response before its
activation (for activation maximisation).

Both re-apply the model's own layer objects (`Prober.layers`, shared weights: a prober whose
weights are swapped for a saved state computes with the new ones) in inference mode. They are
compiled once per prober and input signature and kept beside it weakly. Keras and TensorFlow
are imported lazily.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

from fmnist_viz.inside.probes import Prober, per_prober

MAP_RANK = 4  # (batch, height, width, channels)


def is_conv(layer: Any) -> bool:
    """True for a Keras Conv2D layer."""
    import keras

    return isinstance(layer, keras.layers.Conv2D)


def map_part(layers: list[Any]) -> list[Any]:
    """The layers whose outputs are image-like maps: everything before the first layer whose
    output is not (height, width, channels), e.g. Flatten."""
    part = []
    for layer in layers:
        if len(layer.output.shape) != MAP_RANK:
            break
        part.append(layer)
    return part


def conv_names(prober: Prober) -> list[str]:
    """Names of the model's conv layers whose outputs are maps, in order."""
    return [layer.name for layer in map_part(list(prober.layers)) if is_conv(layer)]


def _takes_training(layer: Any) -> bool:
    """True when the layer's call has a `training` argument."""
    return "training" in inspect.signature(layer.call).parameters


def apply(layer: Any, x: Any) -> Any:
    """One layer applied in inference mode."""
    return layer(x, training=False) if _takes_training(layer) else layer(x)


def pre_activation(conv: Any, x: Any) -> Any:
    """A conv layer's own kernel and bias applied to x, without its activation."""
    import keras

    out = conv.convolution_op(x, conv.kernel)
    if conv.use_bias:
        out = keras.ops.add(out, keras.ops.reshape(conv.bias, (1, 1, 1, -1)))
    return out


def _image_spec() -> Any:
    """The fixed input signature: float32 images (n, 28, 28, 1)."""
    import tensorflow as tf

    from fmnist_viz import IMAGE_SHAPE

    return tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)


class ConvStack:
    """Compiled functions over one prober's map layers (shared weights, inference mode)."""

    def __init__(self, layers: list[Any]):
        import keras

        if keras.backend.backend() != "tensorflow":
            raise RuntimeError("The filter views need Keras's TensorFlow backend")
        import tensorflow as tf

        self.layers = map_part(layers)
        self.conv_names = [layer.name for layer in self.layers if is_conv(layer)]
        self.maxima = tf.function(self._maxima, input_signature=[_image_spec()])
        self.argmaxima = tf.function(self._argmaxima, input_signature=[_image_spec()])
        self._compiled: dict[str, Any] = {}
        self._lock = threading.RLock()

    def layer(self, name: str) -> Any:
        """The conv layer of that name; KeyError when the model has no such conv layer."""
        for layer in self.layers:
            if layer.name == name and is_conv(layer):
                return layer
        raise KeyError(f"No conv layer {name!r}; conv layers: {', '.join(self.conv_names)}")

    def _conv_outputs(self, x: Any) -> list[Any]:
        """Every conv layer's output (n, h, w, filters), in order (stops at the last one)."""
        out: list[Any] = []
        for layer in self.layers:
            if len(out) == len(self.conv_names):
                break
            x = apply(layer, x)
            if is_conv(layer):
                out.append(x)
        return out

    def _maxima(self, x: Any) -> list[Any]:
        """Per conv layer: each filter's largest output in each image (n, f)."""
        import tensorflow as tf

        return [tf.reduce_max(out, axis=(1, 2)) for out in self._conv_outputs(x)]

    def _argmaxima(self, x: Any) -> list[Any]:
        """Per conv layer: where each filter's largest output in each image is, as the flat
        position row * width + col (n, f)."""
        import tensorflow as tf

        found = []
        for out in self._conv_outputs(x):
            shape = tf.shape(out)
            flat = tf.reshape(out, (shape[0], shape[1] * shape[2], shape[3]))
            found.append(tf.argmax(flat, axis=1, output_type=tf.int32))
        return found

    def compiled(self, key: str, build: Callable[[], Any]) -> Any:
        """What `build()` returns, built once per key and kept as long as this stack (and
        so its prober) lives: for compiled functions over these layers."""
        with self._lock:
            if key not in self._compiled:
                self._compiled[key] = build()
            return self._compiled[key]

    def response(self, name: str) -> Callable[[Any], Any]:
        """A function: images (n, 28, 28, 1) -> the named conv layer's output before its
        activation (n, h, w, filters), differentiable with respect to the images."""
        return self.compiled(f"response:{name}", lambda: self._response_fn(name))

    def _response_fn(self, name: str) -> Any:
        """The forward function up to the named conv layer's pre-activation."""
        target = self.layer(name)
        before = self.layers[: self.layers.index(target)]

        def forward(x: Any) -> Any:
            for layer in before:
                x = apply(layer, x)
            return pre_activation(target, x)

        return forward


_per_prober = per_prober(ConvStack)


def conv_stack(prober: Prober) -> ConvStack:
    """The prober's ConvStack, built once per prober."""
    return _per_prober(prober)

"""Probes: what every layer of a real (trained or loaded) model does to an image.

A `Prober` re-applies the model's own layer objects to a new `keras.Input`, so the probe shares
the model's weights (nothing is copied) and returns every layer's output in order, plus each
convolution's pre-activation (conv + bias, before its ReLU). The probe is compiled once with a
fixed input signature; probing another image reuses it. Keras is imported lazily.

The views built on it live beside it, one module per view: `relu`, `dropout`, `snapshots`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.training import inference_batch

if TYPE_CHECKING:
    import keras

T = TypeVar("T")
CHUNK = 256  # images per probe call in the batch helpers (fewer for very wide models)


@dataclass(frozen=True, eq=False)
class LayerOutput:
    """One layer's output for one image (no batch axis); conv layers keep their pre-activation."""

    name: str
    type: str
    output: np.ndarray
    pre_activation: np.ndarray | None = None
    activation: str | None = None

    @property
    def is_map(self) -> bool:
        """True for image-like outputs (height, width, channels)."""
        return self.output.ndim == 3


@dataclass(frozen=True)
class _Slot:
    """Where one layer's results sit in the probe's output list."""

    name: str
    type: str
    activation: str | None
    out_index: int
    pre_index: int | None


# ---------------------------------------------------------------- images


def as_batch(images: np.ndarray) -> np.ndarray:
    """Images as float32 (n, 28, 28, 1) in [0, 1]; uint8 is scaled by 1/255, floats are checked."""
    arr = np.asarray(images)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    arr = arr.astype(np.float32, copy=False)
    if arr.ndim == 2:
        arr = arr[np.newaxis, ..., np.newaxis]
    elif arr.ndim == 3:
        arr = arr[np.newaxis] if arr.shape[-1] == 1 else arr[..., np.newaxis]
    if arr.ndim != 4 or arr.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"Expected 28x28 image(s), got shape {np.shape(images)}")
    if not np.all(np.isfinite(arr)) or arr.min(initial=0) < -1e-6 or arr.max(initial=0) > 1 + 1e-6:
        raise ValueError("Pixel values must be finite and in [0, 1] (divide uint8 images by 255)")
    return arr


def one_image(image: np.ndarray) -> np.ndarray:
    """A single image as a batch of one; ValueError for several."""
    batch = as_batch(image)
    if len(batch) != 1:
        raise ValueError(f"Expected one image, got {len(batch)}")
    return batch


# ---------------------------------------------------------------- building the probe


def _layer_chain(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers after the input, checked to form one straight chain."""
    import keras

    if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != IMAGE_SHAPE:
        raise ValueError("The model must take one 28x28x1 image input")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    previous = model.inputs[0]
    for layer in layers:
        if layer.input is not previous:
            raise ValueError(f"Layer {layer.name} does not follow the previous one: not a chain")
        previous = layer.output
    if previous is not model.outputs[0]:
        raise ValueError("The model's output is not its last layer's output")
    return layers


@functools.cache
def _helper_layers() -> tuple[type, type]:
    """The probe's two helper layer classes (defined lazily: they subclass keras.Layer)."""
    import keras

    class PreActivation(keras.layers.Layer):
        """A conv layer's own kernel and bias applied without its activation."""

        def __init__(self, conv: keras.layers.Conv2D, **kwargs: Any):
            super().__init__(**kwargs)
            self.conv = conv

        def call(self, x: Any) -> Any:
            out = self.conv.convolution_op(x, self.conv.kernel)
            if self.conv.use_bias:
                out = keras.ops.add(out, keras.ops.reshape(self.conv.bias, (1, 1, 1, -1)))
            return out

    class Inference(keras.layers.Layer):
        """Runs a wrapped layer in inference mode always (keeps BatchNorm out of training)."""

        def __init__(self, inner: keras.layers.Layer, **kwargs: Any):
            super().__init__(**kwargs)
            self.inner = inner

        def call(self, x: Any) -> Any:
            return self.inner(x, training=False)

    return PreActivation, Inference


def _activation_name(layer: keras.layers.Layer) -> str | None:
    """The name of a layer's activation function, if it has one."""
    fn = getattr(layer, "activation", None)
    return getattr(fn, "__name__", None) if fn is not None else None


def _takes_training(layer: keras.layers.Layer) -> bool:
    """True when the layer's call has a `training` argument (it behaves differently in training)."""
    return "training" in inspect.signature(layer.call).parameters


def _build_probe(layers: list[keras.layers.Layer]) -> tuple[keras.Model, list[_Slot]]:
    """One functional model over the shared layers that outputs every result, and its slots."""
    import keras

    pre_cls, inference_cls = _helper_layers()
    x = inputs = keras.Input(IMAGE_SHAPE, name="probe_image")
    outputs, slots = [], []
    for layer in layers:
        pre_index = None
        if isinstance(layer, keras.layers.Conv2D):
            outputs.append(pre_cls(layer, name=f"{layer.name}_pre_activation")(x))
            pre_index = len(outputs) - 1
        applied = layer
        if not is_dropout(layer) and _takes_training(layer):
            applied = inference_cls(layer, name=f"{layer.name}_inference")
        x = applied(x)
        outputs.append(x)
        kind, activation = type(layer).__name__, _activation_name(layer)
        slots.append(_Slot(layer.name, kind, activation, len(outputs) - 1, pre_index))
    return keras.Model(inputs, outputs, name="probe"), slots


def _compile(probe: keras.Model, training: bool, last_only: bool) -> Callable[[Any], Any]:
    """The probe as one function with a fixed input signature (a tf.function on TensorFlow)."""
    import keras

    def run(x: Any) -> Any:
        outs = probe(x, training=training)
        return outs[-1] if last_only else outs

    if keras.backend.backend() != "tensorflow":
        return run
    import tensorflow as tf

    spec = tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)
    return tf.function(run, input_signature=[spec])


@contextlib.contextmanager
def seeded(layers: Sequence[keras.layers.Layer], seed: int) -> Iterator[None]:
    """Reset the layers' dropout seed generators to streams of `seed`; restore them afterwards."""
    generators = [g for g in (getattr(lay, "seed_generator", None) for lay in layers) if g]
    saved = [np.asarray(g.state.value) for g in generators]
    try:
        for i, generator in enumerate(generators):
            generator.state.assign(np.array([int(seed), i], dtype=saved[i].dtype))
        yield
    finally:
        for generator, state in zip(generators, saved, strict=True):
            generator.state.assign(state)


# ---------------------------------------------------------------- the prober


class Prober:
    """Every layer's output for any image, from one compiled probe sharing the model's weights."""

    def __init__(self, model: keras.Model, memory_limit_mb: int | None = None):
        self.layers = _layer_chain(model)
        self.probe, self._slots = _build_probe(self.layers)
        floats = sum(math.prod(out.shape[1:]) for out in self.probe.outputs)
        # images per call: CHUNK, fewer when the outputs of CHUNK images would not fit
        self.chunk = inference_batch(floats, CHUNK, memory_limit_mb)
        self._inference = _compile(self.probe, training=False, last_only=False)
        self._stochastic = _compile(self.probe, training=True, last_only=True)
        self.lock = threading.RLock()  # serialises seeded (stateful) calls

    @property
    def layer_names(self) -> list[str]:
        """Names of the probed layers, in order."""
        return [slot.name for slot in self._slots]

    def layer(self, name: str) -> keras.layers.Layer:
        """The model's layer of that name; KeyError if there is none."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"No layer {name!r}; layers: {', '.join(self.layer_names)}")

    def dropout_rates(self) -> dict[str, float]:
        """Rate p of every dropout layer, by name."""
        return {lay.name: float(lay.rate) for lay in self.layers if is_dropout(lay)}

    def traces(self) -> int:
        """How often the inference probe was compiled: 1 however many images were probed."""
        counter = getattr(self._inference, "experimental_get_tracing_count", None)
        return int(counter()) if counter is not None else 0

    def run(self, images: np.ndarray) -> list[np.ndarray]:
        """Raw batched probe outputs (pre-activations and layer outputs) at inference."""
        with self.lock:
            return [np.asarray(t) for t in self._inference(as_batch(images))]

    def layer_outputs(self, image: np.ndarray) -> list[LayerOutput]:
        """Every layer's output for one image (28x28 or 28x28x1, floats in [0, 1]), in order."""
        raw = self.run(one_image(image))
        return [_layer_output(slot, raw, 0) for slot in self._slots]

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities (10,) for one image."""
        return self.predict_batch(one_image(image))[0]

    def predict_batch(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (n, 10) for many images, in chunks."""
        batch = as_batch(images)
        with self.lock:
            parts = [np.asarray(self._inference(c)[-1]) for c in _chunks(batch, self.chunk)]
        return np.concatenate(parts)

    def stochastic_predict(self, images: np.ndarray, seed: int) -> np.ndarray:
        """Probabilities (n, 10) with dropout on (training=True), reproducible for one seed."""
        batch = as_batch(images)
        with self.lock, seeded(self.layers, seed):
            parts = [np.asarray(self._stochastic(c)) for c in _chunks(batch, self.chunk)]
        return np.concatenate(parts)

    def relu_layers(self) -> list[str]:
        """Names of the conv layers whose activation is ReLU, in order."""
        return [s.name for s in self._slots if s.pre_index is not None and s.activation == "relu"]

    def chunked_outputs(
        self, images: np.ndarray, names: Sequence[str]
    ) -> Iterator[dict[str, np.ndarray]]:
        """The named layers' batched outputs, `chunk` images at a time (bounded memory)."""
        slots = {s.name: s for s in self._slots}
        missing = [n for n in names if n not in slots]
        if missing:
            raise KeyError(f"No layer {missing[0]!r}; layers: {', '.join(self.layer_names)}")
        for chunk in _chunks(as_batch(images), self.chunk):
            raw = self.run(chunk)
            yield {n: raw[slots[n].out_index] for n in names}


def is_dropout(layer: keras.layers.Layer) -> bool:
    """True for a Keras Dropout layer."""
    import keras

    return isinstance(layer, keras.layers.Dropout)


def _chunks(batch: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """Consecutive slices of at most `size` images."""
    for start in range(0, len(batch), size):
        yield batch[start : start + size]


def _layer_output(slot: _Slot, raw: list[np.ndarray], i: int) -> LayerOutput:
    """Image i's results of one layer."""
    pre = raw[slot.pre_index][i] if slot.pre_index is not None else None
    return LayerOutput(slot.name, slot.type, raw[slot.out_index][i], pre, slot.activation)


def per_prober(build: Callable[[list[Any]], T]) -> Callable[[Prober], T]:
    """A getter giving `build(prober.layers)`, built once per prober and dropped with it.

    For compiled functions over a prober's layers: they follow the weights when a state's
    weights are swapped into the same prober, so they are never rebuilt for that.
    """
    cache: weakref.WeakKeyDictionary[Any, T] = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def get(prober: Prober) -> T:
        with lock:
            found = cache.get(prober)
            if found is None:
                found = cache[prober] = build(list(prober.layers))
            return found

    return get

"""Activation maximisation: an image grown from faint noise so that one filter responds as much
as it can.

Gradient ascent on the input pixels, for many filters of one conv layer at once: image i of
the batch climbs filter i's mean response over all positions. The response is the conv output
before its activation with negative values counted at LEAK: a filter that starts below zero
still gets a gradient, and, as with ReLU, a pattern that fires in some places beats a flat
image (the plain mean of a first-layer filter is linear in the pixels: it would only ever give
a flat white or black image). `tf.GradientTape` runs on the model's own layers (shared
weights, inference mode); the images are independent at inference, so one batched gradient
gives each image its own. Every step the images are shifted by a random few pixels before the
gradient and shifted back (jitter), the gradient is scaled to unit spread per image, a little
blur is mixed in, and pixels are kept in [0, 1] like real inputs: together these keep the
result from turning into high-frequency noise. Everything is seeded: a filter's image depends
on the seed and the filter only, not on the others it is batched with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.inside import Prober, conv_stack, map_part
from fmnist_viz.training import inference_batch

STEPS = 96  # gradient steps per image
STEP_SIZE = 0.06  # pixels move by about this much (the gradient has unit spread) per step
JITTER = 2  # largest random shift in pixels, each axis, per step
BLUR = 0.3  # share of the 3x3 Gaussian blur mixed into the image after each step
START_MEAN, START_NOISE = 0.15, 0.05  # the start: faint noise, pixel mean and spread
BLOCK = 32  # filters grown per request: the filter grid shows this many at a time
MAX_BATCH = 64  # filters optimised in one batched step (fewer when memory needs it)
SEED = 0
FLAT_SPREAD = 0.05  # a grown image whose pixels vary less than this is flat
LEAK = 0.1  # negative responses count this much in the objective (never a zero gradient)

Progress = Callable[[float], None]
GAUSS_3 = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0


@dataclass(frozen=True, eq=False)
class ActMax:
    """Activation-maximisation images of some filters of one conv layer."""

    layer: str
    filters: np.ndarray  # (n,) int32 filter indices
    images: np.ndarray  # (n, 28, 28) float32 in [0, 1]
    scores: np.ndarray  # (n,) float32: the filter's mean response to its image (pre-activation)
    start_scores: np.ndarray  # (n,) float32: the same for the starting noise
    steps: int
    seed: int

    def image_of(self, f: int) -> np.ndarray | None:
        """Filter f's image, None when it was not computed."""
        where = np.flatnonzero(self.filters == f)
        return self.images[where[0]] if where.size else None


def flat_tone(image: np.ndarray, spread: float = FLAT_SPREAD) -> str | None:
    """'white', 'black' or 'grey' when a grown image is (almost) flat, else None: then no
    pattern excites the filter more than an even brightness does."""
    arr = np.asarray(image, dtype=np.float32)
    if float(arr.std()) >= spread:
        return None
    mean = float(arr.mean())
    return "white" if mean > 0.8 else "black" if mean < 0.2 else "grey"


def settings(steps: int = STEPS, seed: int = SEED) -> str:
    """Every setting that decides the images, as one string (part of a cache key)."""
    return (
        f"steps={steps}:seed={seed}:step={STEP_SIZE}:jitter={JITTER}:blur={BLUR}:"
        f"start={START_MEAN},{START_NOISE}:leak={LEAK}"
    )


def start_images(filters: Sequence[int], seed: int = SEED) -> np.ndarray:
    """The seeded starting noise (n, 28, 28, 1): each filter's own, from (seed, filter)."""
    out = np.empty((len(filters), *IMAGE_SHAPE), dtype=np.float32)
    for i, f in enumerate(filters):
        rng = np.random.default_rng([seed, int(f)])
        out[i] = rng.normal(START_MEAN, START_NOISE, IMAGE_SHAPE)
    return np.clip(out, 0.0, 1.0)


def shifts(steps: int, seed: int = SEED, jitter: int = JITTER) -> np.ndarray:
    """The seeded jitter: one (rows, cols) shift per step, each within ±jitter."""
    rng = np.random.default_rng([seed, 1 << 20])
    return rng.integers(-jitter, jitter + 1, size=(steps, 2)).astype(np.int32)


def _blur_kernel() -> np.ndarray:
    """The 3x3 Gaussian as a (3, 3, 1, 1) depthwise kernel."""
    return GAUSS_3.astype(np.float32)[:, :, None, None]


class _Ascent:
    """The compiled gradient step and scoring for one conv layer."""

    def __init__(self, forward: Callable[[Any], Any], filters: int):
        import tensorflow as tf

        self.forward, self.width = forward, filters
        self.blur = tf.constant(_blur_kernel())
        images = tf.TensorSpec((None, *IMAGE_SHAPE), tf.float32)
        chosen = tf.TensorSpec((None,), tf.int32)
        shift = tf.TensorSpec((2,), tf.int32)
        self.step = tf.function(self._step, input_signature=[images, chosen, shift])
        self.score = tf.function(self._score, input_signature=[images, chosen])

    def _score(self, x: Any, chosen: Any) -> Any:
        """Image i's mean response of filter chosen[i] (n,)."""
        import tensorflow as tf

        out = self.forward(x)
        means = tf.reduce_mean(tf.maximum(out, LEAK * out), axis=(1, 2))  # (n, filters)
        return tf.reduce_sum(means * tf.one_hot(chosen, self.width), axis=1)

    def _step(self, x: Any, chosen: Any, shift: Any) -> Any:
        """One jittered, normalised gradient step with blur, pixels kept in [0, 1]."""
        import tensorflow as tf

        moved = tf.roll(x, shift, axis=(1, 2))
        with tf.GradientTape() as tape:
            tape.watch(moved)
            score = tf.reduce_sum(self._score(moved, chosen))
        grad = tf.roll(tape.gradient(score, moved), -shift, axis=(1, 2))
        spread = tf.math.reduce_std(grad, axis=(1, 2, 3), keepdims=True)
        x = x + STEP_SIZE * grad / (spread + 1e-8)
        blurred = tf.nn.depthwise_conv2d(x, self.blur, (1, 1, 1, 1), "SAME")
        return tf.clip_by_value((1.0 - BLUR) * x + BLUR * blurred, 0.0, 1.0)


def _ascent(prober: Prober, layer: str) -> _Ascent:
    """The layer's compiled ascent, built once per prober and layer."""
    stack = conv_stack(prober)
    width = int(stack.layer(layer).output.shape[-1])
    return stack.compiled(f"ascent:{layer}", lambda: _Ascent(stack.response(layer), width))


def batch_size(prober: Prober, layer: str, cap: int = MAX_BATCH) -> int:
    """Images per batched step so that activations and gradients stay within the budget."""
    layers = map_part(list(prober.layers))
    names = [lay.name for lay in layers]
    upto = layers[: names.index(layer) + 1]
    floats = math.prod(IMAGE_SHAPE) + sum(math.prod(lay.output.shape[1:]) for lay in upto)
    return inference_batch(3 * floats, cap)  # outputs, their gradients and workspace


def activation_max(
    prober: Prober,
    layer: str,
    filters: Sequence[int],
    steps: int = STEPS,
    seed: int = SEED,
    progress: Progress | None = None,
) -> ActMax:
    """Grow one image per filter of a conv layer by gradient ascent (see the module docstring);
    `progress` gets the fraction done. KeyError for a layer that is not a conv layer,
    ValueError for a filter the layer does not have."""
    import tensorflow as tf

    conv = conv_stack(prober).layer(layer)
    width = int(conv.output.shape[-1])
    chosen = np.asarray(list(filters), dtype=np.int32)
    bad = chosen[(chosen < 0) | (chosen >= width)]
    if bad.size:
        raise ValueError(f"No filter {int(bad[0])} in {layer}: it has {width} (0 to {width - 1})")
    ascent = _ascent(prober, layer)
    jitter = shifts(steps, seed)
    size = batch_size(prober, layer)
    images, scores, starts = [], [], []
    total = max(1, math.ceil(len(chosen) / size) * steps)
    done = 0
    for begin in range(0, len(chosen), size):
        part = chosen[begin : begin + size]
        x = tf.constant(start_images(part, seed))
        which = tf.constant(part)
        starts.append(np.asarray(ascent.score(x, which)))
        for shift in jitter:
            x = ascent.step(x, which, tf.constant(shift))
            done += 1
            if progress is not None:
                progress(done / total)
        scores.append(np.asarray(ascent.score(x, which)))
        images.append(np.asarray(x)[..., 0])
    if progress is not None:
        progress(1.0)
    empty = np.empty((0, *IMAGE_SHAPE[:2]), np.float32)
    return ActMax(
        layer,
        chosen,
        np.concatenate(images) if images else empty,
        np.concatenate(scores).astype(np.float32) if scores else np.empty(0, np.float32),
        np.concatenate(starts).astype(np.float32) if starts else np.empty(0, np.float32),
        int(steps),
        int(seed),
    )

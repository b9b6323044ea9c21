"""Attribution: which pixels of one image a model's class score rests on, by four methods.

- **Grad-CAM** (Selvaraju et al. 2017) on one conv layer: the gradient of the class score with
  respect to the layer's output (after its activation), averaged over positions, weights each
  channel; the weighted sum of the channels, cut at 0 (ReLU), is upsampled to 28×28 by
  bilinear interpolation with half-pixel centres (as `tf.image.resize(..., "bilinear")`).
  The map is stretched over the whole image: a 'valid' or strided layer's slight offset from
  the input grid is ignored.
- **Saliency** (vanilla gradient): |∂ score / ∂ pixel| for every pixel.
- **SmoothGrad** (Smilkov et al. 2017): the gradient averaged over noisy copies of the image
  (Gaussian noise of σ = noise × the pixel range 1, not clipped), then its magnitude. The
  copies go through the model in one call (a very wide model takes them in a few chunks).
- **Occlusion** (Zeiler & Fergus 2014): a square patch is filled with 0 (black, the
  background of Fashion-MNIST) or the image's mean and slid over the image; each pixel gets
  p(class | image) − p(class | occluded), averaged over the patches that cover it.

The class score, and the compiled gradient functions over the model's own layers, come
from `class_gradients`. The limits (SmoothGrad samples and noise, patch sizes) live here; the
page reads them. Keras and TensorFlow are imported lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_viz import CLASS_NAMES, IMAGE_SHAPE, NUM_CLASSES
from fmnist_viz.inside import (
    LOG_PROBABILITY,
    MAX_BATCH,
    ClassGradients,
    conv_layers,
    gradients,
    one_image,
    run_gradient,
)

if TYPE_CHECKING:
    from fmnist_viz.inside import Prober

ATTRIBUTION_METHODS = ("grad_cam", "saliency", "smoothgrad", "occlusion")
METHOD_TITLES = {
    "grad_cam": "Grad-CAM",
    "saliency": "Saliency (gradient)",
    "smoothgrad": "SmoothGrad",
    "occlusion": "Occlusion",
}
SMOOTHGRAD_SAMPLES = 25  # default number of noisy copies
SMOOTHGRAD_MAX_SAMPLES = MAX_BATCH  # all copies in one gradient call
SMOOTHGRAD_NOISE = 0.15  # default σ as a share of the pixel range [0, 1]
SMOOTHGRAD_MAX_NOISE = 0.5
PATCH_SIZES = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14)  # occlusion patch sides in pixels
DEFAULT_PATCH = 4
DEFAULT_STRIDE = 2
FILLS = {"zero": "black (0, the background)", "mean": "the image's mean"}
NO_EFFECT = 1e-4  # occlusion drops below this (in probability) count as no effect
SIDE = IMAGE_SHAPE[0]


@dataclass(frozen=True, eq=False)
class Attribution:
    """One method's map for one image and class, with what it measured and notes on it."""

    method: str  # one of ATTRIBUTION_METHODS
    map: np.ndarray  # (28, 28) float32: ≥ 0 except occlusion (a signed drop)
    target: int  # the class explained
    probability: float  # p(target | image)
    predicted: int  # the model's predicted class for the image
    score: str  # what was measured: 'logit', 'log-probability' or 'probability'
    layer: str | None = None  # Grad-CAM's conv layer
    notes: tuple[str, ...] = ()  # why a map is empty, or what to keep in mind
    details: dict[str, Any] = field(default_factory=dict)  # settings and raw values

    @property
    def title(self) -> str:
        """The method's display name."""
        return METHOD_TITLES[self.method]

    @property
    def empty(self) -> bool:
        """True when the map shows nothing: 0 everywhere, or occlusion drops all below
        NO_EFFECT (float rounding); the notes say why."""
        return bool(self.details.get("empty")) or not np.any(self.map)


# ---------------------------------------------------------------- small public helpers


def bilinear_matrix(n_in: int, n_out: int = SIDE) -> np.ndarray:
    """(n_out, n_in) weights of 1-D linear interpolation with half-pixel centres, edges held."""
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    low = np.floor(src).astype(int)
    high = np.minimum(low + 1, n_in - 1)
    weight = src - low
    matrix = np.zeros((n_out, n_in))
    np.add.at(matrix, (np.arange(n_out), low), 1 - weight)
    np.add.at(matrix, (np.arange(n_out), high), weight)
    return matrix


def upsample(grid: np.ndarray, side: int = SIDE) -> np.ndarray:
    """An (h, w) map resized to side×side by bilinear interpolation (half-pixel centres)."""
    h, w = grid.shape
    out = bilinear_matrix(h, side) @ np.asarray(grid, np.float64) @ bilinear_matrix(w, side).T
    return out.astype(np.float32)


def patch_starts(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the occlusion patches along one side: every `stride` pixels,
    plus one flush with the far edge when the steps do not end there (so all is covered)."""
    if not 1 <= patch <= size or stride < 1:
        raise ValueError(f"Patch {patch} and stride {stride} do not fit a side of {size}")
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def smoothgrad_noise(samples: int, noise: float, seed: int) -> np.ndarray:
    """The Gaussian noise (samples, 28, 28, 1) SmoothGrad adds to the image, σ = noise."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, noise, size=(samples, *IMAGE_SHAPE)).astype(np.float32)


def check_settings(
    samples: int = SMOOTHGRAD_SAMPLES,
    noise: float = SMOOTHGRAD_NOISE,
    patch: int = DEFAULT_PATCH,
    stride: int = DEFAULT_STRIDE,
    fill: str = "zero",
) -> None:
    """ValueError naming the first setting outside the limits."""
    if not 1 <= samples <= SMOOTHGRAD_MAX_SAMPLES:
        raise ValueError(f"SmoothGrad takes 1 to {SMOOTHGRAD_MAX_SAMPLES} samples, not {samples}")
    if not 0 <= noise <= SMOOTHGRAD_MAX_NOISE:
        raise ValueError(f"SmoothGrad noise must be from 0 to {SMOOTHGRAD_MAX_NOISE}, not {noise}")
    if patch not in PATCH_SIZES:
        raise ValueError(f"Patch size must be one of {', '.join(map(str, PATCH_SIZES))}")
    if not 1 <= stride <= patch:
        raise ValueError(f"Stride must be from 1 to the patch size {patch}, not {stride}")
    if fill not in FILLS:
        raise ValueError(f"Fill must be one of {', '.join(FILLS)}, not {fill!r}")


def _target(probs: np.ndarray, target: int | None) -> int:
    """The class to explain: the given one (checked), else the predicted one."""
    if target is None:
        return int(np.argmax(probs))
    if not 0 <= int(target) < NUM_CLASSES:
        raise ValueError(f"The class must be 0 to {NUM_CLASSES - 1}, not {target}")
    return int(target)


def _zero_gradient_note(score: str, probability: float) -> str:
    """Why every gradient can be exactly 0, in words."""
    if score == LOG_PROBABILITY and probability >= 1.0:
        why = (
            f"the model is saturated: it gives this class p = {probability:.4f}, so its "
            "log-probability cannot move"
        )
    else:
        why = (
            "no small change of the image moves the class score (every unit between the "
            "pixels and the score is inactive for this image, e.g. all ReLUs at 0)"
        )
    return f"All gradients are zero: {why}. The map is empty; it does not mean no pixel matters."


# ---------------------------------------------------------------- the four methods


def _result(
    method: str, values: np.ndarray, target: int, probs: np.ndarray, score: str, **extra: Any
) -> Attribution:
    """An Attribution from a map and the image's probabilities (10,)."""
    probability, predicted = float(probs[target]), int(np.argmax(probs))
    notes = tuple(extra.pop("notes", ()))
    return Attribution(
        method,
        values.astype(np.float32),
        target,
        probability,
        predicted,
        score,
        notes=notes,
        **extra,
    )


def _start(
    prober: Prober, image: np.ndarray, target: int | None
) -> tuple[ClassGradients, np.ndarray, np.ndarray, int]:
    """The gradient functions, the image as a batch of one, its probabilities and the class."""
    x = one_image(image)
    probs = prober.predict(x)
    return gradients(prober), x, probs, _target(probs, target)


def grad_cam(
    prober: Prober, image: np.ndarray, target: int | None = None, layer: str | None = None
) -> Attribution:
    """Grad-CAM of one conv layer (default the last) for a class (default the predicted one).

    Channel weights = spatial mean of ∂ score / ∂ output; map = ReLU(Σ weight × channel),
    bilinearly upsampled to 28×28 (the layer's own map is in details['cam']). The score is
    the pre-softmax logit (else the log-probability, see `class_score`). ValueError for a
    model without conv layers or an unknown layer.
    """
    names = conv_layers(prober)
    if not names:
        raise ValueError(
            "This model has no convolution layer: Grad-CAM needs one. Saliency, SmoothGrad "
            "and occlusion work on any model."
        )
    layer = layer or names[-1]
    if layer not in names:
        raise ValueError(f"{layer!r} is not a conv layer; conv layers: {names}")
    grads_fn, x, _, target = _start(prober, image, target)
    scores, probs, convs, grads = run_gradient(prober, grads_fn.layer_gradients, x, target)
    i = names.index(layer)
    activation, gradient = convs[i][0].astype(np.float64), grads[i][0].astype(np.float64)
    weights = gradient.mean(axis=(0, 1))
    cam = np.maximum(np.tensordot(activation, weights, axes=([2], [0])), 0.0)
    notes = []
    if not np.any(gradient):
        notes.append(_zero_gradient_note(grads_fn.score, float(probs[0, target])))
    elif not np.any(activation):
        notes.append(
            f"Every activation of {layer} is 0 for this image: there is nothing for the "
            "gradients to weight, so Grad-CAM is empty. Try an earlier layer."
        )
    elif not np.any(cam):
        notes.append(
            f"Grad-CAM is 0 everywhere: at every position the channels of {layer}, weighted by "
            f"their gradients, sum to 0 or less, so this layer holds no evidence for "
            f"{CLASS_NAMES[target]} (ReLU keeps only evidence for the class). Try another "
            "class or layer."
        )
    if cam.shape != (SIDE, SIDE):
        h, w = cam.shape
        notes.append(
            f"{layer} is {h}×{w}: its map is upsampled to 28×28 (bilinear), so it is "
            "coarser than it looks."
        )
    details = {"cam": cam.astype(np.float32), "weights": weights.astype(np.float32)}
    details["score_value"] = float(scores[0, target])
    return _result(
        "grad_cam",
        upsample(cam),
        target,
        probs[0],
        grads_fn.score,
        layer=layer,
        notes=notes,
        details=details,
    )


def saliency(prober: Prober, image: np.ndarray, target: int | None = None) -> Attribution:
    """Vanilla gradient saliency: |∂ score / ∂ pixel| (score: logit, else log-probability).

    The signed gradient is in details['gradient'].
    """
    grads_fn, x, _, target = _start(prober, image, target)
    _, probs, gradient = run_gradient(prober, grads_fn.input_gradient, x, target)
    gradient = gradient[0, :, :, 0]
    notes = [] if np.any(gradient) else [_zero_gradient_note(grads_fn.score, probs[0, target])]
    return _result(
        "saliency",
        np.abs(gradient),
        target,
        probs[0],
        grads_fn.score,
        notes=notes,
        details={"gradient": gradient.astype(np.float32)},
    )


def smoothgrad(
    prober: Prober,
    image: np.ndarray,
    target: int | None = None,
    samples: int = SMOOTHGRAD_SAMPLES,
    noise: float = SMOOTHGRAD_NOISE,
    seed: int = 0,
) -> Attribution:
    """SmoothGrad: |mean gradient over `samples` noisy copies| (noise from `smoothgrad_noise`).

    The copies (image + noise, not clipped) go through the model in one batched call (in
    chunks for very wide models). The same seed gives the same map.
    """
    check_settings(samples=samples, noise=noise)
    grads_fn, x, probs, target = _start(prober, image, target)
    noisy = x + smoothgrad_noise(samples, noise, seed)
    total = np.zeros((SIDE, SIDE), dtype=np.float64)
    for start in range(0, samples, grads_fn.chunk):
        chunk = noisy[start : start + grads_fn.chunk]
        total += run_gradient(prober, grads_fn.input_gradient, chunk, target)[2][..., 0].sum(axis=0)
    mean = total / samples
    notes = [] if np.any(mean) else [_zero_gradient_note(grads_fn.score, probs[target])]
    details = {"gradient": mean.astype(np.float32), "samples": samples, "noise": noise}
    return _result(
        "smoothgrad", np.abs(mean), target, probs, grads_fn.score, notes=notes, details=details
    )


def occluded_copies(image: np.ndarray, patch: int, stride: int, fill: str) -> np.ndarray:
    """The occluded images (n, 28, 28, 1), patches in row order of `patch_starts`."""
    x = one_image(image)[0]
    value = 0.0 if fill == "zero" else float(x.mean())
    starts = patch_starts(SIDE, patch, stride)
    copies = np.repeat(x[np.newaxis], len(starts) ** 2, axis=0)
    for k, (top, left) in enumerate((t, s) for t in starts for s in starts):
        copies[k, top : top + patch, left : left + patch] = value
    return copies


def occlusion(
    prober: Prober,
    image: np.ndarray,
    target: int | None = None,
    patch: int = DEFAULT_PATCH,
    stride: int = DEFAULT_STRIDE,
    fill: str = "zero",
) -> Attribution:
    """Occlusion sensitivity: per pixel, p(class | image) − p(class | occluded), averaged over
    the patches covering it (> 0: covering it lowers the probability).

    Patches of patch×patch pixels at `patch_starts` are filled with 0 ('zero', the black
    background) or the image's mean ('mean'); all copies go through the model batched, in the
    prober's chunks. details['drops'] holds the drop per patch position.
    """
    check_settings(patch=patch, stride=stride, fill=fill)
    x = one_image(image)
    probs = prober.predict_batch(np.concatenate([x, occluded_copies(x, patch, stride, fill)]))
    target = _target(probs[0], target)
    drops = probs[0, target].astype(np.float64) - probs[1:, target].astype(np.float64)
    starts = patch_starts(SIDE, patch, stride)
    total, count = np.zeros((SIDE, SIDE)), np.zeros((SIDE, SIDE))
    for k, (top, left) in enumerate((t, s) for t in starts for s in starts):
        total[top : top + patch, left : left + patch] += drops[k]
        count[top : top + patch, left : left + patch] += 1
    notes = []
    if np.max(np.abs(drops)) < NO_EFFECT:
        notes.append(
            f"No {patch}×{patch} patch changes p({CLASS_NAMES[target]}) by {NO_EFFECT:g} or "
            f"more (p = {probs[0, target]:.4f}): the model is so sure, or so unmoved, that "
            "covering any one patch changes nothing. That does not mean no pixel matters, only "
            "that no single patch is enough: try a larger patch."
        )
    grid = drops.reshape(len(starts), len(starts)).astype(np.float32)
    details = {
        "empty": bool(notes),
        "drops": grid,
        "starts": starts,
        "patch": patch,
        "stride": stride,
        "fill": fill,
    }
    return _result(
        "occlusion", total / count, target, probs[0], "probability", notes=notes, details=details
    )


def attribute(
    prober: Prober,
    image: np.ndarray,
    method: str,
    target: int | None = None,
    *,
    layer: str | None = None,
    samples: int = SMOOTHGRAD_SAMPLES,
    noise: float = SMOOTHGRAD_NOISE,
    seed: int = 0,
    patch: int = DEFAULT_PATCH,
    stride: int = DEFAULT_STRIDE,
    fill: str = "zero",
) -> Attribution:
    """One method by name (see ATTRIBUTION_METHODS) with its settings; the others' are ignored."""
    calls: dict[str, Callable[[], Attribution]] = {
        "grad_cam": lambda: grad_cam(prober, image, target, layer),
        "saliency": lambda: saliency(prober, image, target),
        "smoothgrad": lambda: smoothgrad(prober, image, target, samples, noise, seed),
        "occlusion": lambda: occlusion(prober, image, target, patch, stride, fill),
    }
    if method not in calls:
        raise ValueError(f"Unknown method {method!r}; methods: {', '.join(ATTRIBUTION_METHODS)}")
    return calls[method]()

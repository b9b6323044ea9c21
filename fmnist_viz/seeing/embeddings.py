"""Embeddings: what a network makes of many test images, stage by stage.

`embed_sample` is what the Embeddings page shows for one set of weights: the sample, each
computable stage's 2-D PCA and separability score, and the prediction per image.

A stage is a point in the network where every image is one vector: the pixels, the end of each
convolutional block (a Conv2D and what follows it up to the next Conv2D or Flatten, dropout
left out since it passes its input on unchanged at inference), each hidden Dense layer and the
output (class probabilities). The images are a class-stratified, seeded sample of the test set,
so every class keeps its share and a seed gives the same images again.

Memory is bounded per request: the representations of all stages together may use
REPRESENTATION_SHARE of the memory limit (FMNIST_MEMORY_LIMIT_MB, see `budget`); a model whose
layers are so wide that N images would not fit is shown on fewer images (`fit_sample_size`).
They are extracted with `Prober.chunked_outputs`, a chunk of images at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fmnist_viz import IMAGE_SHAPE
from fmnist_viz.training import FLOAT_BYTES, MB, memory_limit_mb

if TYPE_CHECKING:
    from fmnist_viz.inside import Prober
    from fmnist_viz.runs import StateRef

N_DEFAULT = 2000  # images in the sample
N_MIN = 100  # fewer leaves a class with too few neighbours for the k-NN score
N_MAX = 5000  # more makes t-SNE and the distances too slow for a page on 2 cores
SEED_DEFAULT = 0
REPRESENTATION_SHARE = 0.25  # share of the memory limit all stages' representations may use
PIXELS = "pixels"
BLOCK_TYPES = ("Conv2D", "MaxPooling2D", "AveragePooling2D", "BatchNormalization")


@dataclass(frozen=True)
class Stage:
    """One place in the network where each image is a vector of `features` values."""

    name: str  # "pixels", or the name of the layer whose output this is
    kind: str  # "pixels", "block", "dense" or "output"
    label: str  # what a chart calls it
    features: int  # values per image
    needs_full: bool  # after Flatten: needs every weight (not only the convolutional part)


@dataclass(frozen=True, eq=False)
class Sample:
    """The test images an embedding is made of: indices into the test set, their labels."""

    indices: np.ndarray  # (n,) sorted test-set indices
    labels: np.ndarray  # (n,) class numbers
    requested: int  # the size asked for
    note: str = ""  # why it is smaller than asked, if it is

    def position(self, test_index: int | None) -> int | None:
        """Where a test image is in the sample, None when it is not in it."""
        if test_index is None:
            return None
        where = np.flatnonzero(self.indices == int(test_index))
        return int(where[0]) if where.size else None


def stratified_sample(labels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of n items drawn without replacement so that each class keeps its share
    of `labels` (largest remainders decide the last few); the same seed, the same indices.

    ValueError when n is not between 1 and len(labels).
    """
    labels = np.asarray(labels).ravel()
    if not 1 <= n <= labels.size:
        raise ValueError(f"Cannot sample {n:,} of {labels.size:,} images")
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / labels.size
    quota = np.floor(exact).astype(int)
    short = n - int(quota.sum())
    order = np.lexsort((classes, -(exact - quota)))  # largest remainder first, then class
    quota[order[:short]] += 1
    rng = np.random.default_rng(seed)
    picked = [
        rng.choice(np.flatnonzero(labels == c), size=q, replace=False)
        for c, q in zip(classes, quota, strict=True)
    ]
    return np.sort(np.concatenate(picked))


def stages(prober: Prober) -> list[Stage]:
    """The model's stages, pixels first and output last (see the module docstring)."""
    import keras

    layers = prober.layers
    flatten = next(
        (i for i, lay in enumerate(layers) if isinstance(lay, keras.layers.Flatten)), len(layers)
    )
    found = [Stage(PIXELS, "pixels", "pixels", math.prod(IMAGE_SHAPE), False)]
    block: keras.layers.Layer | None = None
    blocks = 0

    def close_block() -> None:
        nonlocal block, blocks
        if block is not None:
            blocks += 1
            label = f"block {blocks} ({block.name})"
            found.append(Stage(block.name, "block", label, _features(block), False))
        block = None

    for i, layer in enumerate(layers):
        kind = type(layer).__name__
        if i < flatten:
            if kind == "Conv2D":
                close_block()
                block = layer
            elif block is not None and kind in BLOCK_TYPES:
                block = layer
            continue
        if i == flatten:
            close_block()
        if kind != "Dense":
            continue
        last = all(type(lay).__name__ != "Dense" for lay in layers[i + 1 :])
        stage_kind = "output" if last else "dense"
        label = layer.name if not last or layer.name == "output" else f"output ({layer.name})"
        found.append(Stage(layer.name, stage_kind, label, _features(layer), True))
    close_block()
    return found


def _features(layer: object) -> int:
    """Values per image in a layer's output."""
    return int(math.prod(int(d) for d in layer.output.shape[1:]))  # type: ignore[attr-defined]


def available(all_stages: Sequence[Stage], full: bool) -> list[Stage]:
    """The stages that can be computed: all of them with every weight, else those before
    Flatten (a saved state that kept only the convolutional part)."""
    return [s for s in all_stages if full or not s.needs_full]


def fit_sample_size(
    all_stages: Sequence[Stage], n: int, limit_mb: int | None = None
) -> tuple[int, str]:
    """The largest sample size up to n whose representations fit REPRESENTATION_SHARE of the
    memory limit, and a message when that is fewer than n."""
    budget = memory_limit_mb(limit_mb) * MB * REPRESENTATION_SHARE
    per_image = sum(s.features for s in all_stages) * FLOAT_BYTES
    fits = int(budget // max(per_image, 1))
    if fits >= n:
        return n, ""
    widest = max(all_stages, key=lambda s: s.features)
    return max(fits, 0), (
        f"This model's stages hold {per_image // FLOAT_BYTES:,} values per image "
        f"({widest.label}: {widest.features:,}), so only {fits:,} images fit the memory "
        f"limit of {memory_limit_mb(limit_mb):,} MB for a request (FMNIST_MEMORY_LIMIT_MB)."
    )


def choose_sample(
    labels: np.ndarray, n: int, seed: int, all_stages: Sequence[Stage], limit_mb: int | None = None
) -> Sample:
    """The stratified sample for a page request: n clamped to [N_MIN, N_MAX], to the test set
    and to the memory limit, with a note saying what was clamped. ValueError when even N_MIN
    images would not fit the memory limit or the test set is smaller than N_MIN."""
    labels = np.asarray(labels).ravel()
    notes = []
    want = min(max(int(n), N_MIN), N_MAX)
    if want != n:
        notes.append(f"The sample size is kept between {N_MIN:,} and {N_MAX:,} images.")
    if want > labels.size:
        notes.append(f"The test set has only {labels.size:,} images: all of them are used.")
        want = labels.size
    fits, why = fit_sample_size(all_stages, want, limit_mb)
    if why:
        notes.append(why)
    if fits < min(N_MIN, labels.size):
        raise ValueError(why or f"The test set has only {labels.size:,} images")
    indices = stratified_sample(labels, fits, seed)
    return Sample(indices, labels[indices].astype(int), int(n), " ".join(notes))


def representations(
    prober: Prober,
    images: np.ndarray,
    wanted: Sequence[Stage],
    progress: Callable[[float], None] | None = None,
) -> dict[str, np.ndarray]:
    """Each wanted stage's (n, features) float32 representation of the images (float in [0, 1],
    (n, 28, 28) or (n, 28, 28, 1)), a chunk of images at a time."""
    from fmnist_viz.inside import as_batch

    batch = as_batch(images)
    n = len(batch)
    out = {s.name: np.empty((n, s.features), dtype=np.float32) for s in wanted}
    if PIXELS in out:
        out[PIXELS][:] = batch.reshape(n, -1)
    names = [s.name for s in wanted if s.name != PIXELS]
    if not names:
        return out
    start = 0
    for chunk in prober.chunked_outputs(batch, names):
        size = len(next(iter(chunk.values())))
        for name, values in chunk.items():
            out[name][start : start + size] = values.reshape(size, -1)
        start += size
        if progress is not None:
            progress(start / n)
    return out


def predictions(output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class and its probability per image, from the output stage (n, classes)."""
    output = np.asarray(output)
    predicted = output.argmax(axis=1)
    return predicted, output[np.arange(len(output)), predicted]


@dataclass(frozen=True, eq=False)
class EmbeddedSample:
    """One pass of the sample through the network at one set of weights."""

    stages: list[Stage]  # every stage of the model
    shown: list[Stage]  # those these weights can compute
    sample: Sample
    pca: dict[str, tuple[np.ndarray, np.ndarray]]  # stage: (coords (n, 2), variance shares)
    scores: dict[str, float]  # stage: k-NN accuracy
    predicted: np.ndarray | None  # (n,) when the output stage is computable
    confidence: np.ndarray | None


def embed_sample(
    prober: Prober,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    n: int,
    seed: int,
    k: int,
    full: bool = True,
    with_pca: bool = True,
    limit_mb: int | None = None,
) -> EmbeddedSample:
    """The sample drawn from the test set (see `choose_sample`), every computable stage's
    separability score (and 2-D PCA, `with_pca`), and the predictions when the output is
    computable. `full`: the prober holds every weight (else only the stages before Flatten)."""
    from fmnist_viz.seeing.projection import fit_pca
    from fmnist_viz.seeing.separability import knn_accuracy

    all_stages = stages(prober)
    sample = choose_sample(test_labels, n, seed, all_stages, limit_mb)
    shown = available(all_stages, full)
    reps = representations(prober, test_images[sample.indices], shown)
    pca: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    scores: dict[str, float] = {}
    for stage in shown:
        if with_pca:
            fitted = fit_pca(reps[stage.name], 2)
            pca[stage.name] = (fitted.transform(reps[stage.name]), fitted.explained)
        scores[stage.name] = knn_accuracy(reps[stage.name], sample.labels, k)
    predicted = confidence = None
    output = next((s for s in shown if s.kind == "output"), None)
    if output is not None:
        predicted, confidence = predictions(reps[output.name])
    return EmbeddedSample(all_stages, shown, sample, pca, scores, predicted, confidence)


def epoch_states(states: Sequence[StateRef]) -> list[StateRef]:
    """The states saved before training and at epoch ends (or a legacy run's per-epoch ones)."""
    return [s for s in states if s.step == 0 or float(s.position).is_integer()]

"""Separability: how well a stage's representation already sorts the images by class.

The score is the leave-one-out k-nearest-neighbour accuracy in the full representation: each
image is given the majority class of its k nearest other images (Euclidean distance), and the
score is the share of images given their own class. The values are used as they are, not
standardised: that is the geometry the next layer receives, and standardising would blow up
features that are nearly constant (dead filters, background pixels). A uniform rescaling of a
stage does not change the score. A tie between classes goes to the class whose tied
neighbours are nearer (by rank). Chance is the largest class share (0.1 for balanced samples).

Distances are computed a block of rows at a time (|a|² + |b|² − 2a·b), so memory stays at
DISTANCE_BLOCK × n floats whatever the number of features.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

K_DEFAULT = 10
K_MIN = 1
K_MAX = 50
DISTANCE_BLOCK = 512  # rows of the distance matrix computed at once


def check_k(k: int, n: int) -> int:
    """k as an int; ValueError outside [K_MIN, K_MAX] or when n images leave fewer than k others."""
    value = int(k)
    if not K_MIN <= value <= K_MAX:
        raise ValueError(f"k must be from {K_MIN} to {K_MAX}, not {k}")
    if value >= n:
        raise ValueError(f"k = {value} needs more than {value} images, got {n}")
    return value


def nearest_neighbours(x: np.ndarray, k: int) -> np.ndarray:
    """Indices (n, k) of each row's k nearest other rows, nearest first (Euclidean), on one
    BLAS thread (steadier than two on a busy 2-core machine, see the benchmark)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _nearest(x, k)


def _nearest(x: np.ndarray, k: int) -> np.ndarray:
    """nearest_neighbours' work."""
    x = np.asarray(x, dtype=np.float32)
    x = x.reshape(len(x), -1)
    n = len(x)
    k = check_k(k, n)
    sq = np.einsum("ij,ij->i", x, x, dtype=np.float64).astype(np.float32)
    out = np.empty((n, k), dtype=np.int64)
    for start in range(0, n, DISTANCE_BLOCK):
        stop = min(start + DISTANCE_BLOCK, n)
        d = sq[start:stop, None] + sq[None, :] - 2.0 * (x[start:stop] @ x.T)
        d[np.arange(stop - start), np.arange(start, stop)] = np.inf  # leave the image out
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        out[start:stop] = np.take_along_axis(part, order, axis=1)
    return out


def vote(neighbour_labels: np.ndarray, classes: int) -> np.ndarray:
    """The majority class of each row of neighbour labels (n, k), nearest first; a tie goes to
    the tied class whose neighbours come first (smallest sum of ranks)."""
    labels = np.asarray(neighbour_labels, dtype=np.int64)
    n, k = labels.shape
    counts = np.zeros((n, classes), dtype=np.float64)
    ranks = np.zeros((n, classes), dtype=np.float64)
    rows = np.repeat(np.arange(n), k)
    np.add.at(counts, (rows, labels.ravel()), 1.0)
    np.add.at(ranks, (rows, labels.ravel()), np.tile(np.arange(k, dtype=np.float64), n))
    # among equal counts the smaller rank sum wins; rank sums are below k², so this is exact
    return np.argmax(counts * (k * k + 1) - ranks, axis=1)


def knn_accuracy(x: np.ndarray, labels: np.ndarray, k: int = K_DEFAULT) -> float:
    """Leave-one-out k-NN accuracy of the rows of x (n, features) against their labels."""
    labels = np.asarray(labels, dtype=np.int64).ravel()
    x = np.asarray(x).reshape(len(labels), -1)
    neighbours = nearest_neighbours(x, k)
    predicted = vote(labels[neighbours], int(labels.max()) + 1)
    return float(np.mean(predicted == labels))


def chance_level(labels: np.ndarray) -> float:
    """The accuracy of always answering the commonest class."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64).ravel())
    return float(counts.max() / counts.sum())


def stage_scores(
    representations: Mapping[str, np.ndarray],
    labels: np.ndarray,
    k: int = K_DEFAULT,
    progress: Callable[[float], None] | None = None,
) -> dict[str, float]:
    """The k-NN accuracy of each stage's representation (same order as given)."""
    scores: dict[str, float] = {}
    for i, (name, values) in enumerate(representations.items()):
        scores[name] = knn_accuracy(values, labels, k)
        if progress is not None:
            progress((i + 1) / len(representations))
    return scores

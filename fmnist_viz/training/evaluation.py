"""Scoring on the test set and analysing its errors: metrics, the confusion matrix, the most
confused pairs and the misclassified images. One confusion implementation serves training's
test metrics, the Evaluate page and the image picker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from fmnist_viz import CLASS_NAMES, NUM_CLASSES

if TYPE_CHECKING:
    import pandas as pd

EPSILON = 1e-7  # Keras' clipping for cross-entropy
MISCLASSIFIED_COLUMNS = ("index", "true", "predicted", "confidence")


@dataclass
class TestMetrics:
    """A model's scores on the test set."""

    __test__ = False  # not a pytest test class

    accuracy: float
    loss: float
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    per_class_accuracy: list[float]


class ConfusedPair(NamedTuple):
    """One off-diagonal cell: how often class `true` was predicted as `predicted`."""

    true: int
    predicted: int
    count: int
    share_of_true: float


def _check_predictions(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return predicted and true class arrays; ValueError for mismatched or bad inputs."""
    probs, labels = np.asarray(probs), np.asarray(labels).astype(np.int64).ravel()
    if probs.ndim != 2 or probs.shape[1] != NUM_CLASSES or probs.shape[0] != labels.size:
        raise ValueError(f"need probabilities (n, {NUM_CLASSES}) and n labels, got {probs.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(f"labels must be class numbers 0 to {NUM_CLASSES - 1}")
    return probs.argmax(axis=1), labels


def confusion_from_predictions(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the (10, 10) confusion matrix of counts: rows true class, columns predicted."""
    predicted, labels = _check_predictions(probs, labels)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    return confusion


def evaluate_probabilities(probs: np.ndarray, labels: np.ndarray) -> TestMetrics:
    """Accuracy, cross-entropy, confusion matrix and per-class accuracy from predictions."""
    confusion = confusion_from_predictions(probs, labels)
    labels = np.asarray(labels, dtype=np.int64).ravel()
    picked = np.clip(np.asarray(probs)[np.arange(len(labels)), labels], EPSILON, 1.0)
    return TestMetrics(
        accuracy=float(confusion.trace() / max(len(labels), 1)),
        loss=float(-np.log(picked).mean()),
        confusion=confusion.tolist(),
        per_class_accuracy=[float(v) for v in normalize_rows(confusion).diagonal()],
    )


def normalize_rows(confusion: np.ndarray) -> np.ndarray:
    """Return each row divided by its total (share of the true class); empty rows stay 0."""
    counts = np.asarray(confusion, dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def most_confused_pairs(confusion: np.ndarray, k: int = 5) -> list[ConfusedPair]:
    """Return the k largest off-diagonal cells (count, then share, descending; zeros left out)."""
    counts = np.asarray(confusion)
    shares = normalize_rows(counts)
    cells = [
        ConfusedPair(t, p, int(counts[t, p]), float(shares[t, p]))
        for t in range(counts.shape[0])
        for p in range(counts.shape[1])
        if t != p and counts[t, p] > 0
    ]
    cells.sort(key=lambda c: (-c.count, -c.share_of_true, c.true, c.predicted))
    return cells[:k]


def pairs_frame(pairs: Sequence[ConfusedPair], names: Sequence[str] = CLASS_NAMES) -> pd.DataFrame:
    """Return confused pairs as a table with class names."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    rows = [(names[p.true], names[p.predicted], p.count, p.share_of_true) for p in pairs]
    return pd.DataFrame(rows, columns=["true", "predicted", "count", "share_of_true"])


def misclassified(
    probs: np.ndarray,
    labels: np.ndarray,
    true_class: int | None = None,
    predicted_class: int | None = None,
    limit: int | None = 48,
) -> pd.DataFrame:
    """Return wrong predictions (index, true, predicted, confidence), most confident first."""
    import pandas as pd  # loaded only when a table is made (the CLI starts light)

    predicted, labels = _check_predictions(probs, labels)
    mask = predicted != labels
    if true_class is not None:
        mask &= labels == true_class
    if predicted_class is not None:
        mask &= predicted == predicted_class
    index = np.flatnonzero(mask)
    confidence = np.asarray(probs, dtype=float)[index, predicted[index]]
    order = np.lexsort((index, -confidence))[:limit]
    return pd.DataFrame(
        {
            "index": index[order],
            "true": labels[index[order]],
            "predicted": predicted[index[order]],
            "confidence": confidence[order],
        },
        columns=list(MISCLASSIFIED_COLUMNS),
    )

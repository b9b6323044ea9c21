"""Tests for fmnist_viz.training.evaluation: test metrics, confusion matrices, confused pairs and
misclassified images, against hand computations."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from fmnist_viz.training import (
    confusion_from_predictions,
    misclassified,
    most_confused_pairs,
    normalize_rows,
)
from fmnist_viz.training.evaluation import EPSILON, evaluate_probabilities
from tests.run_support import N_PREDICTIONS, PREDICTED_RUN

# ---------------------------------------------------------------- test metrics


def test_evaluate_probabilities_matches_hand_computation() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    probs = rng.dirichlet(np.ones(10), size=200).astype(np.float32)
    probs[np.arange(100), labels[:100]] += 2.0  # make half of them right
    probs /= probs.sum(axis=1, keepdims=True)
    metrics = evaluate_probabilities(probs, labels)

    predicted = probs.argmax(axis=1)
    confusion = np.zeros((10, 10), dtype=int)
    for t, p in zip(labels, predicted, strict=True):
        confusion[t, p] += 1
    assert metrics.confusion == confusion.tolist()
    assert metrics.accuracy == pytest.approx(np.mean(predicted == labels))
    assert metrics.loss == pytest.approx(-np.mean(np.log(probs[np.arange(200), labels])), rel=1e-6)
    for c in range(10):
        assert metrics.per_class_accuracy[c] == pytest.approx(confusion[c, c] / confusion[c].sum())


def test_evaluate_probabilities_small_exact_case() -> None:
    probs = np.array([[0.9, 0.1] + [0] * 8, [0.2, 0.8] + [0] * 8, [0.6, 0.4] + [0] * 8])
    metrics = evaluate_probabilities(probs, np.array([0, 1, 1]))
    assert metrics.accuracy == pytest.approx(2 / 3)
    assert metrics.loss == pytest.approx(-(math.log(0.9) + math.log(0.8) + math.log(0.4)) / 3)
    assert metrics.confusion[1][:2] == [1, 1] and metrics.confusion[0][:2] == [1, 0]
    assert metrics.per_class_accuracy[:2] == [1.0, 0.5]


def test_evaluate_probabilities_clips_zero_probability() -> None:
    probs = np.zeros((1, 10))
    probs[0, 3] = 1.0
    metrics = evaluate_probabilities(probs, np.array([5]))
    assert metrics.loss == pytest.approx(-math.log(EPSILON))
    assert metrics.accuracy == 0.0


# ---------------------------------------------------------------- test-set errors


def test_confusion_from_saved_predictions(compare_runs) -> None:
    store, ids = compare_runs
    probs, labels = store.predictions(ids[PREDICTED_RUN])
    confusion = confusion_from_predictions(probs, labels)
    counted = Counter(zip(labels.tolist(), probs.argmax(axis=1).tolist(), strict=True))
    expected = np.zeros((10, 10), dtype=int)
    for (t, p), count in counted.items():
        expected[t, p] = count
    np.testing.assert_array_equal(confusion, expected)
    assert confusion.sum() == N_PREDICTIONS
    shares = normalize_rows(confusion)
    assert shares.sum(axis=1) == pytest.approx(np.ones(10))


def test_normalize_rows_leaves_empty_rows_at_zero() -> None:
    matrix = np.zeros((10, 10))
    matrix[0, :2] = [3, 1]
    shares = normalize_rows(matrix)
    assert shares[0, :2].tolist() == [0.75, 0.25]
    assert shares[1:].sum() == 0


def test_bad_predictions_are_refused() -> None:
    with pytest.raises(ValueError):
        confusion_from_predictions(np.ones((3, 9)), np.zeros(3))
    with pytest.raises(ValueError):
        confusion_from_predictions(np.ones((3, 10)), np.array([0, 1, 10]))


def test_most_confused_pairs_on_a_crafted_matrix() -> None:
    matrix = np.diag(np.full(10, 50))
    matrix[6, 6], matrix[6, 0] = 70, 30  # shirt read as T-shirt: 30 of 100
    matrix[4, 4], matrix[4, 2] = 30, 30  # coat read as pullover: 30 of 60 (same count, more share)
    matrix[9, 7] = 12
    matrix[0, 6] = 5
    pairs = most_confused_pairs(matrix, k=3)
    assert [(p.true, p.predicted, p.count) for p in pairs] == [(4, 2, 30), (6, 0, 30), (9, 7, 12)]
    assert pairs[0].share_of_true == pytest.approx(0.5)
    assert pairs[1].share_of_true == pytest.approx(0.3)
    assert len(most_confused_pairs(matrix, k=10)) == 4  # zero cells never appear


def _crafted_predictions() -> tuple[np.ndarray, np.ndarray]:
    """Six predictions with known classes and confidences (index 2 is correct)."""
    labels = np.array([6, 6, 6, 0, 2, 4])
    predicted = [0, 0, 6, 6, 4, 2]
    confidence = [0.7, 0.9, 0.8, 0.6, 0.5, 0.95]
    probs = np.array([[(1 - c) / 9] * 10 for c in confidence])
    for i, (p, c) in enumerate(zip(predicted, confidence, strict=True)):
        probs[i, p] = c
    return probs, labels


def test_misclassified_sorted_by_confidence() -> None:
    probs, labels = _crafted_predictions()
    rows = misclassified(probs, labels)
    assert list(rows.columns) == ["index", "true", "predicted", "confidence"]
    assert rows["index"].tolist() == [5, 1, 0, 3, 4]
    assert rows["confidence"].tolist() == pytest.approx([0.95, 0.9, 0.7, 0.6, 0.5])
    assert misclassified(probs, labels, limit=2)["index"].tolist() == [5, 1]


def test_misclassified_filters_by_class_pair() -> None:
    probs, labels = _crafted_predictions()
    rows = misclassified(probs, labels, true_class=6, predicted_class=0)
    assert rows["index"].tolist() == [1, 0]
    assert set(rows["true"]) == {6} and set(rows["predicted"]) == {0}
    assert misclassified(probs, labels, true_class=6)["index"].tolist() == [1, 0]
    assert misclassified(probs, labels, predicted_class=6)["index"].tolist() == [3]
    assert misclassified(probs, labels, true_class=1).empty

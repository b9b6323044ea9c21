"""The separability score: leave-one-out k-NN accuracy against a plain NumPy loop, ties,
blocks, and that it ranks separated clusters above mixed ones."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.seeing import K_MAX, chance_level, knn_accuracy, separability
from fmnist_viz.seeing.separability import check_k, nearest_neighbours, stage_scores, vote


def _clusters(spread: float, n_per: int = 40, d: int = 16, seed: int = 0):
    """Four classes around fixed centres, points scattered by `spread`."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(4, d))
    labels = np.repeat(np.arange(4), n_per)
    return centres[labels] + rng.normal(scale=spread, size=(len(labels), d)), labels


def _loop_knn(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """The reference: for each point, sort every other point by distance, vote, break a tie
    by the smaller sum of neighbour ranks, then by the smaller class."""
    x = x.astype(np.float64)
    out = []
    for i in range(len(x)):
        d = np.sqrt(((x - x[i]) ** 2).sum(axis=1))
        d[i] = np.inf
        order = np.argsort(d, kind="stable")[:k]
        best = None
        for c in sorted(set(labels[order].tolist())):
            ranks = [r for r, j in enumerate(order) if labels[j] == c]
            key = (-len(ranks), sum(ranks), c)
            best = key if best is None or key < best else best
        out.append(best[2])
    return np.array(out)


def test_separated_clusters_score_above_mixed_ones() -> None:
    separated = knn_accuracy(*_clusters(0.5), k=10)
    overlapping = knn_accuracy(*_clusters(6.0), k=10)
    x, labels = _clusters(0.5)
    shuffled = knn_accuracy(x, np.random.default_rng(1).permutation(labels), k=10)
    assert separated == 1.0
    assert separated > overlapping > shuffled
    assert abs(shuffled - chance_level(labels)) < 0.15  # labels unrelated to places: chance


@pytest.mark.parametrize("k", [1, 4, 7])
def test_matches_a_plain_numpy_loop(k: int) -> None:
    x, labels = _clusters(4.0, n_per=15, seed=2)
    reference = _loop_knn(x, labels, k)
    neighbours = nearest_neighbours(x, k)
    assert np.array_equal(vote(labels[neighbours], 4), reference)
    assert knn_accuracy(x, labels, k) == pytest.approx(np.mean(reference == labels))


def test_neighbours_leave_the_point_out_and_come_nearest_first() -> None:
    x = np.array([[0.0], [1.0], [3.0], [7.0], [7.5]])
    assert nearest_neighbours(x, 2).tolist() == [[1, 2], [0, 2], [1, 0], [4, 2], [3, 2]]


def test_blocks_give_the_same_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    x, _ = _clusters(3.0, n_per=25)
    whole = nearest_neighbours(x, 5)
    monkeypatch.setattr(separability, "DISTANCE_BLOCK", 7)  # 100 rows in 15 blocks
    assert np.array_equal(nearest_neighbours(x, 5), whole)


def test_a_tie_goes_to_the_class_whose_neighbours_are_nearer() -> None:
    rows = np.array([[2, 1, 2, 1, 3], [1, 2, 2, 1, 0], [0, 0, 5, 5, 5]])
    # row 0: 2 and 1 twice each, ranks 0+2 < 1+3: class 2; row 1: 1 (0+3) ties 2 (1+2):
    # equal rank sums, the smaller class; row 2: a clear majority
    assert vote(rows, 6).tolist() == [2, 1, 5]


def test_uniform_scaling_does_not_change_the_score() -> None:
    x, labels = _clusters(5.0)
    assert knn_accuracy(x * 1000.0, labels) == knn_accuracy(x, labels)


def test_k_limits() -> None:
    assert check_k(10, 2000) == 10
    with pytest.raises(ValueError, match=f"from 1 to {K_MAX}"):
        check_k(0, 100)
    with pytest.raises(ValueError, match="needs more than 5 images"):
        knn_accuracy(np.zeros((5, 2)), np.arange(5), k=5)


def test_stage_scores_keep_the_order_and_report_progress() -> None:
    good, labels = _clusters(0.5)
    bad, _ = _clusters(20.0)
    seen: list[float] = []
    scores = stage_scores({"pixels": bad, "output": good}, labels, k=5, progress=seen.append)
    assert list(scores) == ["pixels", "output"] and scores["output"] > scores["pixels"]
    assert seen == [0.5, 1.0]
    assert chance_level(np.array([0, 0, 0, 1])) == 0.75

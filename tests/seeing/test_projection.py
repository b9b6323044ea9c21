"""Projections to 2-D: PCA against NumPy's SVD, t-SNE's seeding, progress and limits."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.data.loading import SAMPLE_DIR, load_dir
from fmnist_viz.seeing import PERPLEXITY_MAX, PERPLEXITY_MIN, check_perplexity, pca, tsne
from fmnist_viz.seeing.projection import fit_pca


def _low_rank(n: int, d: int, seed: int = 0) -> np.ndarray:
    """n points near a 6-dimensional subspace with distinct variances, plus a little noise."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(d, 6)))[0]
    scales = np.array([10.0, 6.0, 3.0, 2.0, 1.5, 1.0])
    x = (rng.normal(size=(n, 6)) * scales) @ basis.T + rng.normal(scale=0.05, size=(n, d))
    return (x + rng.normal(size=d) * 4).astype(np.float32)  # off-centre


def _numpy_pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reference: axes, coordinates and variance shares from NumPy's full SVD (float64)."""
    from threadpoolctl import threadpool_limits

    centred = x.astype(np.float64) - x.astype(np.float64).mean(axis=0)
    with threadpool_limits(limits=1, user_api="blas"):  # steadier on a busy machine
        u, s, vt = np.linalg.svd(centred, full_matrices=False)
    return vt[:k], u[:, :k] * s[:k], s[:k] ** 2 / np.sum(s**2)


def _assert_same_up_to_sign(got: np.ndarray, ref: np.ndarray, atol: float) -> None:
    """Columns (or rows for 2-D axes) equal up to one sign each."""
    for g, r in zip(got, ref, strict=True):
        sign = 1.0 if np.dot(g, r) >= 0 else -1.0
        assert np.allclose(g, sign * r, atol=atol), np.abs(g - sign * r).max()


@pytest.mark.parametrize(("n", "d"), [(400, 900), (300, 50), (40, 8)])
def test_pca_equals_numpy_svd_up_to_sign(n: int, d: int) -> None:
    x = _low_rank(n, d)  # the randomized path, except 40 x 8: the exact SVD
    fitted = fit_pca(x, 2)
    axes, coords, explained = _numpy_pca(x)
    _assert_same_up_to_sign(fitted.axes, axes, atol=1e-5)
    got_coords, got_explained = pca(x)
    scale = np.abs(coords).max()
    _assert_same_up_to_sign(got_coords.T / scale, coords.T / scale, atol=1e-5)
    assert got_explained == pytest.approx(explained, rel=1e-4)
    assert np.allclose(fitted.mean, x.mean(axis=0), atol=1e-4)


def test_pca_of_real_fashion_mnist_pixels_equals_numpy_svd() -> None:
    images = load_dir(SAMPLE_DIR)[2]  # the bundled sample's 1,000 test images
    x = images.reshape(len(images), -1).astype(np.float32) / 255
    axes, coords, explained = _numpy_pca(x)
    got_coords, got_explained = pca(x)
    _assert_same_up_to_sign(fit_pca(x).axes, axes, atol=1e-5)
    _assert_same_up_to_sign(got_coords.T, coords.T, atol=1e-3 * np.abs(coords).max())
    assert got_explained == pytest.approx(explained, rel=1e-4)


def test_pca_is_deterministic_with_a_fixed_sign() -> None:
    x = _low_rank(300, 500, seed=3)
    a, b = fit_pca(x), fit_pca(x.copy())
    assert np.array_equal(a.axes, b.axes)
    for axis in a.axes:  # the largest loading of each axis is positive
        assert axis[np.argmax(np.abs(axis))] > 0
    flipped = fit_pca(-x)  # negating the data flips the axes, then the sign rule flips back
    assert np.allclose(flipped.axes, a.axes, atol=1e-5)


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (np.zeros(5), "2-D array"),
        (np.zeros((1, 4)), "at least 2 rows"),
        (np.array([[0.0, 1.0], [np.nan, 2.0]]), "not finite"),
    ],
)
def test_pca_rejects_bad_input(x: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pca(x)


def _blobs(n_per: int = 60, d: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight, far apart Gaussian clusters."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10.0, size=(3, d))
    labels = np.repeat(np.arange(3), n_per)
    return centres[labels] + rng.normal(size=(3 * n_per, d)), labels


def test_tsne_is_seeded_reports_progress_and_keeps_clusters() -> None:
    x, labels = _blobs()
    seen: list[float] = []
    a = tsne(x, seed=5, perplexity=20, progress=seen.append)
    assert a.shape == (len(x), 2) and np.isfinite(a).all()
    assert seen[0] == 0.0 and seen[-1] == pytest.approx(1.0) and len(seen) > 10
    assert np.all(np.diff(seen) > 0)
    assert np.array_equal(a, tsne(x, seed=5, perplexity=20))  # same seed, same picture
    # every point's nearest neighbour in the picture is of its own cluster
    d = ((a[:, None] - a[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert np.all(labels[d.argmin(axis=1)] == labels)


def test_tsne_of_a_wide_representation_goes_through_pca() -> None:
    x, _ = _blobs(n_per=40, d=300)  # wider than TSNE_PCA_DIMS
    out = tsne(x, seed=0, perplexity=10)
    assert out.shape == (120, 2) and np.isfinite(out).all()


def test_perplexity_limits() -> None:
    assert check_perplexity(30, 2000) == 30.0
    with pytest.raises(ValueError, match=f"from {PERPLEXITY_MIN:g} to {PERPLEXITY_MAX:g}"):
        check_perplexity(PERPLEXITY_MAX + 1, 2000)
    with pytest.raises(ValueError, match="needs more than 90 points"):
        check_perplexity(30, 90)
    with pytest.raises(ValueError, match="needs more than"):
        tsne(np.random.default_rng(0).normal(size=(20, 3)), perplexity=10)

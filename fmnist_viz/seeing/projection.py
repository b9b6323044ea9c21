"""Projections of a stage's representations to 2-D: PCA, and t-SNE from openTSNE.

PCA is NumPy only: the top principal axes come from a seeded randomized subspace iteration
(block power iterations with QR, as scikit-learn's PCA does for data this size) in float32,
finished with an exact SVD of the small projected matrix; the axes agree with NumPy's full SVD
up to sign (see the tests). Each axis's sign is fixed so that its largest loading is positive.
It runs on one BLAS thread: on a 2-core machine that is also training, two threads made the
many small QR steps several times slower. Measured for 2,000 images (benchmarks/
bench_embeddings.py): 0.03 s for the pixels, 0.23 s for the widest stage of Model 2 (6,272).

t-SNE is openTSNE's Barnes-Hut (its FFT variant was 3 to 6 times slower at 2,000 points),
chosen over scikit-learn's TSNE and umap-learn by measurement on 2,000 images: 7 to 10 s like
scikit-learn's, the same picture for the same seed, progress through a callback (scikit-learn
only prints), and no numba/llvmlite (umap-learn: 210 MB more and a JIT compile on the first
call of each process). It runs on one thread: with two, on a busy machine, it was up to 20
times slower. Its input is the representation reduced to TSNE_PCA_DIMS principal components,
the usual first step: it drops noise and makes the neighbour search fast whatever the width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PCA_OVERSAMPLE = 10  # extra directions in the randomized subspace
PCA_POWER_ITERATIONS = 6  # block power iterations (error about 1e-8 on real stages)
PCA_SEED = 0
TSNE_PCA_DIMS = 50
PERPLEXITY_DEFAULT = 30.0
PERPLEXITY_MIN = 5.0
PERPLEXITY_MAX = 50.0
TSNE_EARLY_ITERATIONS = 250  # early exaggeration phase (openTSNE's default)
TSNE_ITERATIONS = 500  # then the main phase (openTSNE's default)
TSNE_PROGRESS_EVERY = 25  # iterations between progress reports
TSNE_THREADS = 1  # two threads were slower on a busy 2-core machine (see the benchmark)
PROJECTIONS = ("PCA", "t-SNE")


@dataclass(frozen=True, eq=False)
class Pca:
    """A fitted PCA: the mean, unit principal axes (rows) and the share of variance of each."""

    mean: np.ndarray  # (features,)
    axes: np.ndarray  # (components, features)
    explained: np.ndarray  # (components,) share of the total variance along each axis

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Coordinates (n, components) of rows of x along the axes."""
        centred = np.asarray(x, dtype=np.float32) - self.mean.astype(np.float32)
        return (centred @ self.axes.T.astype(np.float32)).astype(np.float64)


def _as_matrix(x: np.ndarray) -> np.ndarray:
    """Rows as a finite 2-D float32 array; ValueError otherwise."""
    x = np.asarray(x)
    if x.ndim != 2 or len(x) < 2 or x.shape[1] < 1:
        raise ValueError(f"Need a 2-D array of at least 2 rows, got shape {x.shape}")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("The representation has values that are not finite")
    return x


def fit_pca(x: np.ndarray, components: int = 2) -> Pca:
    """PCA of the rows of x (n, features): the top `components` axes (fewer when x has fewer
    rows or features), by randomized subspace iteration, float32, on one BLAS thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_pca(_as_matrix(x), components)


def _fit_pca(x: np.ndarray, components: int) -> Pca:
    """fit_pca's work on a checked float32 matrix."""
    n, d = x.shape
    mean = x.mean(axis=0, dtype=np.float64)
    centred = x - mean.astype(np.float32)
    total = float(np.einsum("ij,ij->", centred, centred, dtype=np.float64))
    k = max(1, min(components, n, d))
    width = min(k + PCA_OVERSAMPLE, n, d)
    if width == min(n, d):  # small: the exact SVD is as cheap
        _, s, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    else:
        rng = np.random.default_rng(PCA_SEED)
        q, _ = np.linalg.qr(centred @ rng.standard_normal((d, width)).astype(np.float32))
        for _ in range(PCA_POWER_ITERATIONS):
            q, _ = np.linalg.qr(centred.T @ q)
            q, _ = np.linalg.qr(centred @ q)
        _, s, vt = np.linalg.svd((q.T @ centred).astype(np.float64), full_matrices=False)
    axes = vt[:k]
    flip = np.sign(axes[np.arange(k), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(flip == 0, 1.0, flip)[:, None]
    explained = s[:k] ** 2 / total if total > 0 else np.zeros(k)
    return Pca(mean, axes, explained)


def pca(x: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """PCA coordinates (n, components) of the rows of x and each axis's share of variance."""
    fitted = fit_pca(x, components)
    return fitted.transform(x), fitted.explained


def check_perplexity(perplexity: float, n: int) -> float:
    """The perplexity as a float; ValueError outside [PERPLEXITY_MIN, PERPLEXITY_MAX] or when
    n points are too few for it (t-SNE needs more than 3 × perplexity points)."""
    value = float(perplexity)
    if not PERPLEXITY_MIN <= value <= PERPLEXITY_MAX:
        raise ValueError(
            f"Perplexity must be from {PERPLEXITY_MIN:g} to {PERPLEXITY_MAX:g}, not {perplexity}"
        )
    if n <= 3 * value:
        raise ValueError(f"t-SNE with perplexity {value:g} needs more than {3 * value:g} points")
    return value


def tsne(
    x: np.ndarray,
    seed: int = 0,
    perplexity: float = PERPLEXITY_DEFAULT,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """openTSNE's 2-D t-SNE (n, 2) of the rows of x after PCA to TSNE_PCA_DIMS; the same seed
    gives the same result. `progress(share)` is called as the optimisation goes (0 to 1)."""
    import openTSNE

    x = _as_matrix(x)
    value = check_perplexity(perplexity, len(x))
    reduced = pca(x, TSNE_PCA_DIMS)[0] if x.shape[1] > TSNE_PCA_DIMS else x.astype(np.float64)
    total = TSNE_EARLY_ITERATIONS + TSNE_ITERATIONS
    done = [0]

    def report(iteration: int, error: float, embedding: np.ndarray) -> bool:
        done[0] += TSNE_PROGRESS_EVERY
        if progress is not None:
            progress(min(done[0] / total, 1.0))
        return False  # go on

    model = openTSNE.TSNE(
        perplexity=value,
        early_exaggeration_iter=TSNE_EARLY_ITERATIONS,
        n_iter=TSNE_ITERATIONS,
        negative_gradient_method="bh",
        n_jobs=TSNE_THREADS,
        random_state=int(seed),
        callbacks=report,
        callbacks_every_iters=TSNE_PROGRESS_EVERY,
    )
    if progress is not None:
        progress(0.0)
    return np.asarray(model.fit(reduced), dtype=np.float64)

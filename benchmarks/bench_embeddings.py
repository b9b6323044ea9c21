"""How fast is the Embeddings page? For Model 2 on N class-stratified test images (default 2,000):
the representations of every stage (one pass through the probe), PCA of each stage, the k-NN
separability score of each stage, and t-SNE (openTSNE) of the widest and the narrowest stages.

Budgets (2 cores, no GPU): PCA of 2,000 images < 0.5 s; t-SNE of 2,000 < 30 s.

With --compare, the t-SNE and UMAP libraries considered are timed on the same inputs (those
that are installed: scikit-learn's TSNE always is, as openTSNE needs it; umap-learn is not a
dependency): seconds per call, whether a seed repeats the picture, and the 10-NN accuracy of
the 2-D picture itself (how well it keeps the classes' neighbourhoods).

    python benchmarks/bench_embeddings.py [--n 2000] [--run-id ID --runs-dir runs] [--compare]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from bench_support import add_model_options, load_model, timed

ROOT = Path(__file__).resolve().parents[1]
PCA_BUDGET_S = 0.5
TSNE_BUDGET_S = 30.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="test images in the sample")
    parser.add_argument("--seed", type=int, default=0, help="sample and t-SNE seed")
    add_model_options(parser, seed=False)
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of the fast steps")
    parser.add_argument("--compare", action="store_true", help="time the t-SNE/UMAP candidates")
    return parser.parse_args(argv)


def best_of(repeats: int, fn: Any, *args: Any) -> tuple[float, float, Any]:
    """Median and largest time of `repeats` calls, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        elapsed, result = timed(fn, *args)
        times.append(elapsed)
    return float(np.median(times)), max(times), result


def knn_2d(coords: np.ndarray, labels: np.ndarray) -> float:
    """10-NN accuracy of a 2-D picture (how well it keeps each class together)."""
    from fmnist_viz.seeing import knn_accuracy

    return knn_accuracy(coords, labels, 10)


def compare(reps: dict[str, np.ndarray], labels: np.ndarray, names: list[str], seed: int) -> None:
    """Time openTSNE, scikit-learn's TSNE and (if installed) umap-learn on the same inputs."""
    from fmnist_viz.seeing import TSNE_PCA_DIMS, pca, tsne

    def sklearn_tsne(x: np.ndarray, s: int) -> np.ndarray:
        from sklearn.manifold import TSNE

        return TSNE(2, perplexity=30, init="pca", random_state=s, n_jobs=1).fit_transform(x)

    def umap_2d(x: np.ndarray, s: int) -> np.ndarray:
        import umap

        return umap.UMAP(n_neighbors=15, random_state=s).fit_transform(x)

    candidates = {"openTSNE": lambda x, s: tsne(x, seed=s), "sklearn TSNE": sklearn_tsne}
    try:
        import umap  # noqa: F401

        candidates["umap-learn"] = umap_2d
    except ImportError:
        print("  (umap-learn not installed: not timed)")
    for name in names:
        x = reps[name]
        reduced = pca(x, TSNE_PCA_DIMS)[0] if x.shape[1] > TSNE_PCA_DIMS else x
        for what, fn in candidates.items():
            first, a = timed(fn, reduced, seed)
            again, b = timed(fn, reduced, seed)
            same = "same" if np.array_equal(a, b) else "DIFFERENT"
            print(
                f"  {what:13s} {name:8s} first {first:6.1f} s, again {again:6.1f} s, "
                f"{same} picture for the same seed, 2-D 10-NN {knn_2d(a, labels):.1%}"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary."""
    sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.inside import Prober
    from fmnist_viz.seeing import choose_sample, knn_accuracy, pca, representations, stages, tsne

    model, what = load_model(args)
    data = load_fashion_mnist(args.data_dir, allow_download=False)
    prober = Prober(model)
    all_stages = stages(prober)
    sample = choose_sample(data.y_test, args.n, args.seed, all_stages)
    images = data.x_test[sample.indices]
    n = len(sample.indices)
    print(f"model: {what}; data: {data.describe()}")
    print(f"{n:,} test images, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    if sample.note:
        print(f"note: {sample.note}")
    first, _ = timed(representations, prober, images, all_stages)
    steady, _, reps = best_of(args.repeats, representations, prober, images, all_stages)
    widths = ", ".join(f"{s.label} {s.features:,}" for s in all_stages)
    print(f"representations of every stage ({widths} values per image):")
    print(f"  first {first:.2f} s (traces the probe), then median {steady:.2f} s")
    print("stage                   PCA median (max)    k-NN score   k-NN median (max)")
    pca_worst = 0.0
    for stage in all_stages:
        x = reps[stage.name]
        p_med, p_max, _ = best_of(args.repeats, pca, x)
        k_med, k_max, score = best_of(args.repeats, knn_accuracy, x, sample.labels, 10)
        pca_worst = max(pca_worst, p_med)
        print(
            f"  {stage.label:20s}  {p_med:6.3f} s ({p_max:5.3f})"
            f"    {score:6.1%}     {k_med:6.2f} s ({k_max:5.2f})"
        )
    pixels_pca = best_of(args.repeats, pca, reps["pixels"])[0]
    verdict = "meets" if pixels_pca < PCA_BUDGET_S else "MISSES"
    print(
        f"{verdict} the {PCA_BUDGET_S} s PCA budget for {n:,} images of pixels ({pixels_pca:.3f} s)"
    )
    print(f"(the widest stage's PCA takes {pca_worst:.3f} s)")
    widest = max(all_stages, key=lambda s: s.features)
    tsne_worst = 0.0
    for stage in (all_stages[0], widest, all_stages[-1]):
        ticks: list[float] = []
        elapsed, coords = timed(tsne, reps[stage.name], args.seed, progress=ticks.append)
        tsne_worst = max(tsne_worst, elapsed)
        print(
            f"t-SNE of {stage.label}: {elapsed:.1f} s, {len(ticks)} progress reports, "
            f"2-D 10-NN {knn_2d(coords, sample.labels):.1%}"
        )
    verdict = "meets" if tsne_worst < TSNE_BUDGET_S else "MISSES"
    print(f"{verdict} the {TSNE_BUDGET_S:.0f} s t-SNE budget (slowest {tsne_worst:.1f} s)")
    if args.compare:
        print("t-SNE / UMAP candidates on the same inputs (one thread each, seed fixed):")
        compare(reps, sample.labels, ["pixels", widest.name], args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

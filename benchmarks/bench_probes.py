"""How fast is the Feature maps page? Probe one image and build all its figures, for Model 2.

Per image: `Prober.layer_outputs` (every layer's output from the compiled probe) plus the page's
figures: the input image, one grid or vector figure per layer, and the probability bars. The
first call (building and tracing the probe) is reported separately; the budget applies to the
steady per-image time. JSON serialisation (what Streamlit then sends) is reported for reference.

Then the live view's refresh when a training saves a new state: read the state file (as the
recorder writes it: conv part float32, the rest float16), set its weights into the spec's
model (built once) and draw every figure again, JSON included.

    python benchmarks/bench_probes.py [--images 50] [--states 30] [--run-id ID --runs-dir runs]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_support import add_model_options, load_model, time_ms

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 150.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=50, help="test images to time")
    add_model_options(parser)
    parser.add_argument("--states", type=int, default=30, help="new states to refresh for")
    args = parser.parse_args(argv)
    if args.images < 1:
        parser.error("--images must be at least 1")
    return args


def load_images(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, str]:
    """The first N test images (float, 28x28x1) and labels, and where they came from."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.training import scale_images

    data = load_fashion_mnist(args.data_dir, allow_download=False)
    n = min(args.images, len(data.y_test))
    return scale_images(data.x_test[:n]), data.y_test[:n].astype(int), data.describe()


def page_figures(prober: Any, image: np.ndarray, label: int) -> list[Any]:
    """Everything the Feature maps page computes for one image."""
    from fmnist_viz.figures import image_figure, layer_figure, probability_bars

    outputs = prober.layer_outputs(image)
    figures = [image_figure(image, "Input image")]
    figures += [layer_figure(o.output, o.name) for o in outputs]
    figures.append(probability_bars(outputs[-1].output, true_label=label))
    return figures


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (linear interpolation)."""
    return float(np.percentile(values, q))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary."""
    sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    from fmnist_viz.inside import Prober

    model, what = load_model(args)
    images, labels, source = load_images(args)
    build_ms, prober = time_ms(Prober, model)
    first_ms, figures = time_ms(page_figures, prober, images[0], labels[0])
    page, probe, serialise = [], [], []
    for image, label in zip(images, labels, strict=True):
        probe.append(time_ms(prober.layer_outputs, image)[0])
        elapsed, figures = time_ms(page_figures, prober, image, label)
        page.append(elapsed)
        serialise.append(time_ms(lambda figs: [f.to_json() for f in figs], figures)[0])
    median, p90 = statistics.median(page), percentile(page, 90)
    print(f"model: {what}; data: {source}")
    print(f"{len(images)} images, {len(figures)} figures per image")
    print(f"probe build {build_ms:.0f} ms, first page (traces the probe) {first_ms:.0f} ms")
    print(f"probe compiled {prober.traces()} time(s) for {len(images) + 1} images")
    print(f"probe alone:              median {statistics.median(probe):6.1f} ms")
    worst = max(page)
    print(f"probe + all page figures: median {median:.1f} ms, p90 {p90:.1f} ms, max {worst:.1f} ms")
    print(f"(for reference) to_json of those figures: median {statistics.median(serialise):.1f} ms")
    verdict = "meets" if p90 < BUDGET_MS else "MISSES"
    print(f"{verdict} the {BUDGET_MS:.0f} ms budget (p90 {p90:.1f} ms)")
    refresh = state_refreshes(model, images[0], int(labels[0]), args.states)
    r_median, r_p90 = statistics.median(refresh), percentile(refresh, 90)
    print(f"refresh for a new state ({len(refresh)} states): read + set weights + figures + JSON")
    print(f"  median {r_median:.1f} ms, p90 {r_p90:.1f} ms, max {max(refresh):.1f} ms")
    verdict = "meets" if r_median < BUDGET_MS else "MISSES"
    print(f"{verdict} the {BUDGET_MS:.0f} ms budget for a new state (median {r_median:.1f} ms)")
    return 0


def state_refreshes(model: Any, image: np.ndarray, label: int, n: int) -> list[float]:
    """Milliseconds to show each of n new states (perturbed weights written as states)."""
    import tempfile

    from fmnist_viz.inside import model_at
    from fmnist_viz.models import preset
    from fmnist_viz.runs import encode_state, kernel_snapshot, other_weights, read_state

    spec = preset("model2")
    conv, other = kernel_snapshot(model), other_weights(model)
    rng = np.random.default_rng(0)
    times = []
    with tempfile.TemporaryDirectory(prefix="fmnist-bench-") as tmp:
        path = Path(tmp) / "live.npz"
        for step in range(n + 1):
            moved = {k: v + rng.normal(0, 0.01, v.shape).astype(v.dtype) for k, v in conv.items()}
            path.write_bytes(encode_state(moved, other, step, 860, 10))
            start = time.perf_counter()
            with model_at(spec, read_state(path)) as prober:
                figures = page_figures(prober, image, label)
            for figure in figures:
                figure.to_json()
            if step:  # the first one builds and traces the spec's model
                times.append((time.perf_counter() - start) * 1000)
    return times


if __name__ == "__main__":
    sys.exit(main())

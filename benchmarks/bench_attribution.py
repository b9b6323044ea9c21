"""How fast is the Attribution page? Each method for one image, on Model 2.

Per image: Grad-CAM (last conv layer), vanilla-gradient saliency, SmoothGrad (the default
samples, and the most allowed, batched in one call) and occlusion (4×4 patch, stride 2: 169
occluded copies), plus the page's four-method panel with its JSON for reference. The first
call of each method (building and tracing its gradient function) is reported separately; the
budgets apply to the steady per-image times: Grad-CAM and saliency < 100 ms, occlusion
< 300 ms. The finest occlusion allowed (2×2, stride 1: 729 copies) is timed for reference.

    python benchmarks/bench_attribution.py [--images 30] [--run-id ID --runs-dir runs]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
from bench_support import add_model_options, load_model, time_ms

ROOT = Path(__file__).resolve().parents[1]
BUDGETS_MS = {"grad_cam": 100.0, "saliency": 100.0, "smoothgrad": 100.0, "occlusion": 300.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=30, help="test images to time")
    add_model_options(parser)
    args = parser.parse_args(argv)
    if args.images < 1:
        parser.error("--images must be at least 1")
    return args


def load_images(args: argparse.Namespace) -> tuple[np.ndarray, str]:
    """The first N test images (float, 28x28x1) and where they came from."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.training import scale_images

    data = load_fashion_mnist(args.data_dir, allow_download=False)
    n = min(args.images, len(data.y_test))
    return scale_images(data.x_test[:n]), data.describe()


def method_of(case: str) -> str:
    """The method a timed case runs ('smoothgrad_max' runs 'smoothgrad')."""
    return case.removesuffix("_max").removesuffix("_fine")


def summary(name: str, times: list[float], budget: float | None) -> str:
    """'name: median, p90, max' and the verdict against its budget."""
    median, p90 = statistics.median(times), float(np.percentile(times, 90))
    line = f"{name:<34} median {median:6.1f} ms, p90 {p90:6.1f} ms, max {max(times):6.1f} ms"
    if budget is not None:
        verdict = "meets" if p90 < budget else "MISSES"
        line += f"  {verdict} {budget:.0f} ms (p90)"
    return line


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary."""
    sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    from fmnist_viz.figures import methods_panel
    from fmnist_viz.inside import Prober, class_score
    from fmnist_viz.seeing import attribution as attr

    model, what = load_model(args)
    images, source = load_images(args)
    prober = Prober(model)
    cases = {
        "grad_cam": ("Grad-CAM (last conv layer)", {}),
        "saliency": ("saliency (vanilla gradient)", {}),
        "smoothgrad": (f"SmoothGrad ({attr.SMOOTHGRAD_SAMPLES} samples)", {}),
        "smoothgrad_max": (
            f"SmoothGrad ({attr.SMOOTHGRAD_MAX_SAMPLES} samples, the most)",
            {"samples": attr.SMOOTHGRAD_MAX_SAMPLES},
        ),
        "occlusion": ("occlusion (4×4, stride 2)", {"patch": 4, "stride": 2}),
        "occlusion_fine": ("occlusion (2×2, stride 1, finest)", {"patch": 2, "stride": 1}),
    }
    first = {
        key: time_ms(attr.attribute, prober, images[0], method_of(key), **options)[0]
        for key, (_, options) in cases.items()
    }
    times: dict[str, list[float]] = {key: [] for key in cases}
    panel, serialise = [], []
    for image in images:
        results = []
        for key, (_, options) in cases.items():
            elapsed, result = time_ms(attr.attribute, prober, image, method_of(key), **options)
            times[key].append(elapsed)
            if key in attr.ATTRIBUTION_METHODS:
                results.append(result)
        elapsed, figure = time_ms(methods_panel, image[..., 0], results)
        panel.append(elapsed)
        serialise.append(time_ms(figure.to_json)[0])
    print(f"model: {what}; data: {source}")
    print(f"{len(images)} images; gradient score: {class_score(prober)}")
    firsts = ", ".join(f"{key} {ms:.0f} ms" for key, ms in first.items())
    print(f"first calls (build and trace): {firsts}")
    for key, (name, _) in cases.items():
        print(summary(name, times[key], BUDGETS_MS.get(key)))
    print(summary("(reference) four-method panel", panel, None))
    print(summary("(reference) its to_json", serialise, None))
    return 0


if __name__ == "__main__":
    sys.exit(main())

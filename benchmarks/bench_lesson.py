"""How fast does a Lesson step redraw? Per inside step (2 to 6), what the step computes for one
image (every layer's output, the worked example, the dropout view) and its figure, as drawn
plainly and restyled for a projector, JSON included (what Streamlit sends). A live lesson
redraws this every time the training saves a new state.

    python benchmarks/bench_lesson.py [--images 20] [--run-id ID --runs-dir runs]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np
from bench_support import add_model_options, load_model, time_ms

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 150.0  # the inside pages' budget per image (bench_probes.py)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20, help="test images to time")
    add_model_options(parser)
    args = parser.parse_args(argv)
    if args.images < 1:
        parser.error("--images must be at least 1")
    return args


def step_figures(prober: Any, image: np.ndarray) -> dict[str, Any]:
    """Each inside step's figure for one image, computed as the Lesson computes it."""
    from fmnist_viz.figures import (
        channel_grid,
        conv_step_figure,
        dropout_triplet,
        pool_step_figure,
        relu_pair,
    )
    from fmnist_viz.inside import (
        conv_step,
        dropout_view,
        on_the_object,
        pool_step,
        showable_layers,
        strongest,
        telling_channel,
    )

    outputs = prober.layer_outputs(image)
    first, pool, before = outputs[0], outputs[1], outputs[0].output
    f = telling_channel(first.pre_activation)
    kernel, bias = prober.layer(first.name).get_weights()
    row, col = strongest(on_the_object(before[:, :, f], image))
    step = conv_step(image, kernel, bias, filter_index=f, row=row, col=col)
    r, c = strongest(before[:, :, f])
    block = pool_step(before, channel=f, row=r // 2, col=c // 2)
    name, p = next(iter(showable_layers(prober, True).items()))
    view = dropout_view(prober, image, name, seed=0)
    return {
        "kernel": conv_step_figure(image, step, before[:, :, f]),
        "feature maps": channel_grid(before, first.name, cols=16),
        "relu": relu_pair(first.pre_activation, before, f),
        "pooling": pool_step_figure(before[:, :, f], pool.output[:, :, f], block),
        "dropout": dropout_triplet(*(a[:, :, :16] if a.ndim == 3 else a for a in view), p),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary."""
    sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.figures import for_projector
    from fmnist_viz.inside import Prober

    model, what = load_model(args)
    data = load_fashion_mnist(args.data_dir, allow_download=False)
    images = data.x_test[: args.images].astype(np.float32) / 255.0
    prober = Prober(model)
    first_ms, _ = time_ms(step_figures, prober, images[0])  # builds and traces the probe
    compute, plain, projected = [], {}, {}
    for image in images:
        elapsed, figures = time_ms(step_figures, prober, image)
        compute.append(elapsed)
        for key, fig in figures.items():
            plain.setdefault(key, []).append(time_ms(fig.to_json)[0])
            projected.setdefault(key, []).append(
                time_ms(lambda f: for_projector(f).to_json(), fig)[0]
            )
    print(f"model: {what}; data: {data.describe()}; {len(images)} images")
    print(f"first image (traces the probe): {first_ms:.0f} ms")
    print(f"every step's numbers and figures: median {statistics.median(compute):.1f} ms")
    print(f"{'step':<14}{'JSON plain':>12}{'projector+JSON':>16}{'ratio':>8}")
    for key in plain:
        a, b = statistics.median(plain[key]), statistics.median(projected[key])
        print(f"{key:<14}{a:>10.1f} ms{b:>14.1f} ms{b / a:>8.2f}")
    worst = max(statistics.median(projected[k]) for k in projected)
    bound = statistics.median(compute) + worst  # every step's numbers: more than one step needs
    verdict = "meets" if bound < BUDGET_MS else "MISSES"
    print(
        f"a step redrawn in presenter mode takes at most about {bound:.1f} ms (all five steps' "
        f"numbers + the slowest projector figure): {verdict} the {BUDGET_MS:.0f} ms budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

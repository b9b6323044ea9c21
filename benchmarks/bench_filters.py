"""How fast is the Filters page? Model 2 on the full 10,000 test images.

1. Top images: every filter of every conv layer, its top KEEP test images by the maximum over
   positions (the page draws the first 9). Timed once with the compile (first visit of a
   server) and once more compiled; budget 5 s.
2. Activation maximisation of one block of 32 filters (all of them in one batched gradient
   step per iteration), for conv1 and conv2, with the progress callback counted; budget 15 s.
3. The second visit: both read back from the cache files in a run folder (what any later
   visit, by anyone, does), and the grid figure built and serialised.

    python benchmarks/bench_filters.py [--run-id ID --runs-dir runs] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench_support import add_model_options, load_model, timed

ROOT = Path(__file__).resolve().parents[1]
TOP_BUDGET_S = 5.0
ACT_MAX_BUDGET_S = 15.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_options(parser)
    return parser.parse_args(argv)


def verdict(seconds: float, budget: float) -> str:
    """'meets' or 'MISSES' the budget."""
    return "meets" if seconds < budget else "MISSES"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the summary."""
    sys.path.insert(0, str(ROOT))
    args = parse_args(argv)
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.figures import filter_grid
    from fmnist_viz.inside import Prober, layer_fields
    from fmnist_viz.seeing import (
        BLOCK,
        KEEP,
        act_max_key,
        activation_max,
        data_key,
        load_act_max,
        load_top_images,
        save_act_max,
        save_top_images,
        settings,
        top_images,
        top_key,
    )

    data = load_fashion_mnist(args.data_dir, allow_download=False)
    model, what = load_model(args)
    prober = Prober(model)
    x, y = data.x_test, data.y_test
    print(f"model: {what}; data: {data.describe()}")

    first, tops = timed(top_images, prober, x, KEEP)
    steady, tops = timed(top_images, prober, x, KEEP)
    layers = ", ".join(f"{name} ({top.filters} filters)" for name, top in tops.items())
    print(f"top {KEEP} images of every filter of {layers} over {len(y):,} test images:")
    print(f"  first (compiles) {first:.2f} s, compiled {steady:.2f} s")
    print(f"{verdict(first, TOP_BUDGET_S)} the {TOP_BUDGET_S:.0f} s budget ({first:.2f} s)")

    grown = {}
    for layer in tops:
        calls: list[float] = []
        block = tuple(range(min(BLOCK, tops[layer].filters)))
        seconds, grown[layer] = timed(activation_max, prober, layer, block, progress=calls.append)
        again, _ = timed(activation_max, prober, layer, block)
        rise = float((grown[layer].scores - grown[layer].start_scores).mean())
        print(
            f"activation maximisation of {len(block)} {layer} filters, {grown[layer].steps} "
            f"steps: first (compiles) {seconds:.2f} s, compiled {again:.2f} s; "
            f"{len(calls)} progress updates; mean response rose by {rise:.3g}"
        )
        print(
            f"{verdict(seconds, ACT_MAX_BUDGET_S)} the {ACT_MAX_BUDGET_S:.0f} s budget "
            f"({seconds:.2f} s)"
        )

    fields = layer_fields(prober.layers)
    with tempfile.TemporaryDirectory(prefix="fmnist-bench-") as folder:
        run = Path(folder)
        weights = "bench-weights"
        key = top_key(weights, data_key(x, y), KEEP)
        save_top_images(run, key, tops)
        keys = {}
        for layer, result in grown.items():
            filters = tuple(int(f) for f in result.filters)
            keys[layer] = act_max_key(weights, layer, filters, settings())
            save_act_max(run, keys[layer], result)
        start = time.perf_counter()
        digest = data_key(x, y)
        back = load_top_images(run, top_key(weights, digest, KEEP))
        read = {
            layer: load_act_max(run, keys[layer], layer, tuple(int(f) for f in r.filters))
            for layer, r in grown.items()
        }
        loaded = time.perf_counter() - start
        assert back is not None and all(v is not None for v in read.values())
        layer = next(iter(tops))
        block = list(range(min(BLOCK, tops[layer].filters)))
        start = time.perf_counter()
        figure = filter_grid(back[layer], fields[layer], x, y, block, read[layer])
        size = len(figure.to_json())
        drawn = time.perf_counter() - start
    print(
        f"second visit: read back from the run folder in {loaded * 1000:.0f} ms (data digest "
        f"included); the {layer} grid built and serialised in {drawn * 1000:.0f} ms "
        f"({size / 1024:.0f} KB of JSON)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the inside-view benchmarks share: the model options, the model they time, a timer.

The benchmarks are run as scripts (`python benchmarks/bench_x.py`), so this folder is on their
import path.
"""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_model_options(parser: argparse.ArgumentParser, seed: bool = True) -> None:
    """--run-id, --runs-dir, --data-dir and (unless the script has its own) --seed."""
    parser.add_argument("--run-id", help="time a saved run's model instead of a fresh Model 2")
    parser.add_argument("--runs-dir", help="run store folder (default ./runs or $FMNIST_RUNS_DIR)")
    parser.add_argument("--data-dir", help="Fashion-MNIST folder (default: the usual search)")
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="weights seed of the fresh Model 2")


def load_model(args: argparse.Namespace) -> tuple[Any, str]:
    """The saved run's model, or a freshly built (untrained) Model 2; and a description."""
    if args.run_id:
        from fmnist_viz.runs import RunStore

        return RunStore(args.runs_dir).load_model(args.run_id), f"run {args.run_id}"
    import keras

    from fmnist_viz.models import build_model, preset

    keras.utils.set_random_seed(args.seed)
    return build_model(preset("model2")), "fresh Model 2 (untrained weights)"


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Wall time of one call in seconds, and its result."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def time_ms(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Wall time of one call in milliseconds, and its result."""
    seconds, result = timed(fn, *args, **kwargs)
    return seconds * 1000, result

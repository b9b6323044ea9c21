"""Sweeps on one machine: the same runs as 1 worker × all threads, N workers × 1 thread, and
Ray with the machine's CPUs (1 CPU per run), in one benchmark run; runs per hour and ratios.

Every mode trains the same runs (same specs, settings and seeds) through the app's job manager,
from the first submit to the last run's end, so process start-up, TensorFlow import and data
loading count as they do for a user. The default: 4 runs of Model 1, 3 epochs on 5,000 images
(the quick demo), on the data the app would find.

    python benchmarks/bench_sweep.py [--runs 4] [--epochs 3] [--train-limit 5000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _modes(cpus: int) -> dict[str, object]:
    """Executor factories by label; each makes a fresh executor."""
    from fmnist_viz.jobs import LocalExecutor, RayExecutor

    return {
        f"local 1 worker x {cpus} threads": lambda: LocalExecutor(max_parallel=1, threads=cpus),
        f"local {cpus} workers x 1 thread": lambda: LocalExecutor(max_parallel=cpus, threads=1),
        f"ray {cpus} CPUs, 1 per run": lambda: RayExecutor(cpus_per_job=1),
    }


def _one(make, args, spec) -> tuple[float, list[float]]:
    """Wall seconds from the first submit to the last end, and the runs' test accuracies."""
    from fmnist_viz.jobs import JobManager
    from fmnist_viz.runs import RunStore
    from fmnist_viz.training import TrainConfig

    with tempfile.TemporaryDirectory() as tmp:
        jm = JobManager(RunStore(tmp), data_dir=args.data_dir, executor=make())
        t0 = time.perf_counter()
        ids = [
            jm.submit(
                "bench",
                spec,
                TrainConfig(epochs=args.epochs, train_limit=args.train_limit, seed=1000 + i),
            )
            for i in range(args.runs)
        ]
        while any(jm.view(i).active for i in ids):
            time.sleep(0.2)
        seconds = time.perf_counter() - t0
        metas = [jm.view(i).meta for i in ids]
        jm.shutdown(wait=True)
    bad = [m.get("error") for m in metas if m.get("status") != "finished"]
    if bad:
        raise SystemExit(f"a run did not finish: {bad[0]}")
    return seconds, [m["test_accuracy"] for m in metas]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="model1")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-limit", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every mode, interleaved")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)

    import ray

    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.jobs import cpu_count
    from fmnist_viz.models import load_spec

    cpus = cpu_count()
    ray.init(
        num_cpus=cpus,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
    )
    spec = load_spec(args.arch)
    print(f"data: {load_fashion_mnist(args.data_dir).describe()}")
    print(
        f"work: {args.runs} runs of {args.arch}, {args.epochs} epochs on "
        f"{args.train_limit:,} images each; {cpus} CPUs; {args.rounds} round(s)"
    )
    times: dict[str, list[float]] = {}
    accuracies: dict[str, list[float]] = {}
    for r in range(args.rounds):
        for label, make in _modes(cpus).items():
            seconds, accs = _one(make, args, spec)
            times.setdefault(label, []).append(seconds)
            accuracies[label] = accs
            print(
                f"round {r + 1} {label:<32} {seconds:7.1f} s  "
                f"{3600 * args.runs / seconds:6.1f} runs/hour"
            )
    ray.shutdown()
    base_label = next(iter(times))
    base = statistics.median(times[base_label])
    print(f"\n{'mode':<32} {'median s':>9} {'runs/hour':>10} {'vs ' + base_label:>34}")
    for label, ts in times.items():
        med = statistics.median(ts)
        print(f"{label:<32} {med:9.1f} {3600 * args.runs / med:10.1f} {base / med:33.2f}x")
    same = len({tuple(round(a, 6) for a in accs) for accs in accuracies.values()}) == 1
    print(
        f"\ntest accuracies {'identical' if same else 'DIFFER'} across modes: "
        + "; ".join(f"{k}: {', '.join(f'{a:.4f}' for a in v)}" for k, v in accuracies.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

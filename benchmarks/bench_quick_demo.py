"""How long does the quick demo take from Start to finished? Before and after a change.

The Train page's and the Lesson's quick demo trains Model 1 on 5,000 images for 3 epochs in a
worker process. This times the same from a fresh process's start (Python, TensorFlow, data)
to run.json saying finished: a subprocess creates the run folder and calls the worker's
`execute_run`, as a job would. `--before DIR` names a second checkout of the code (e.g.
`git archive main | tar -x -C /tmp/main`); rounds alternate its runs with this checkout's.

    python benchmarks/bench_quick_demo.py --rounds 3 --before /tmp/main
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEMO = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, sys.argv[1])
from fmnist_viz.jobs.worker import execute_run
from fmnist_viz.models import preset
from fmnist_viz.runs import RunStore
from fmnist_viz.training import QUICK_DEMO_EPOCHS, QUICK_DEMO_TRAIN_LIMIT, TrainConfig
store = RunStore(sys.argv[2])
config = TrainConfig(epochs=QUICK_DEMO_EPOCHS, train_limit=QUICK_DEMO_TRAIN_LIMIT, seed=0)
run_id = store.create(preset("model1"), config, name="quick demo", arch="model1").id
meta = execute_run(store, run_id, os.environ.get("FMNIST_DATA_DIR"))
print(json.dumps({k: meta.get(k) for k in ("status", "test_accuracy", "steps_per_call")}))
"""


def one(code_root: Path) -> tuple[float, str]:
    """Wall seconds from starting a process to its run finished, and what it printed."""
    with tempfile.TemporaryDirectory(prefix="fmnist-demo-") as tmp:
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", DEMO, str(code_root), tmp],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(code_root)},
        )
        return time.perf_counter() - start, out.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to time alternately")
    args = parser.parse_args(argv)
    sides = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    times: dict[str, list[float]] = {name: [] for name in sides}
    print(f"load average at start: {os.getloadavg()}")
    for r in range(args.rounds):
        names = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for name in names:
            seconds, result = one(sides[name])
            times[name].append(seconds)
            print(f"round {r + 1} {name:<6} {seconds:6.1f} s  {result}", flush=True)
    for name, values in times.items():
        print(f"{name:<6} median {statistics.median(values):6.1f} s over {len(values)} run(s)")
    if "before" in times:
        ratio = statistics.median(times["before"]) / statistics.median(times["after"])
        print(f"before / after: {ratio:.3f}")
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The study's table, start to end: `reproduce --arch model1 model2 --runs N` in a fresh
process, its wall time, runs per hour and the four summary numbers (mean ± std test accuracy
per model, Welch's p between them, the mean train − test gap per model).

The full table (10 runs per model on the study's protocol) takes 30-50 minutes on 2 cores;
`--runs 1 --train-limit 5000 --epochs 2` checks the script in a few minutes. `--precision
bfloat16` times the fast mode; extra arguments after `--` go to `reproduce` as they are.

    python benchmarks/bench_study_table.py --runs 10
    python benchmarks/bench_study_table.py --runs 10 --precision bfloat16
    python benchmarks/bench_study_table.py --runs 1 -- --train-limit 5000 --epochs 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per model (the study: 10)")
    parser.add_argument("--precision", default="float32", choices=("float32", "bfloat16"))
    parser.add_argument("--runs-dir", help="keep the runs here (default: a temporary folder)")
    parser.add_argument("extra", nargs="*", help="more reproduce arguments (after --)")
    args = parser.parse_args(argv)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="fmnist-table-") as tmp:
        runs_dir = args.runs_dir or tmp
        command = [
            sys.executable,
            "-m",
            "fmnist_viz",
            "reproduce",
            "--arch",
            "model1",
            "model2",
            "--runs",
            str(args.runs),
            "--precision",
            args.precision,
            "--runs-dir",
            runs_dir,
            "--json",
            *args.extra,
        ]
        print(" ".join(command[2:]), flush=True)
        start = time.perf_counter()
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return out.returncode
    table = json.loads(out.stdout)
    for arch, group in table["groups"].items():
        t = group["test_accuracy"]
        gap = group["mean_train_test_gap"]
        print(
            f"{arch}: test accuracy {t['mean']:.4f} ± {t['std'] or 0:.4f} (n {t['n']}), "
            f"mean train - test gap {gap if gap is None else f'{gap:.3f}'}"
        )
    welch = table["welch"]
    if welch and welch["p"] is not None:
        print(f"Welch {welch['a']} vs {welch['b']}: p = {welch['p']:.3f}. {welch['reading']}")
    runs = sum(len(g["runs"]) for g in table["groups"].values())
    print(
        f"wall time {seconds / 60:.1f} min ({seconds:,.0f} s) for {runs} runs, start to end: "
        f"{runs * 3600 / seconds:.1f} runs per hour (reproduce itself: "
        f"{table['wall_seconds']:,.0f} s)"
    )
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How good is the training-memory estimate? Measured peak memory of `model.fit` vs
`fmnist_viz.training.budget.training_mb`, for the presets and for wide convolutions at several batch
sizes.

Each case runs in a fresh process: build and compile the model, note the resident memory
(TensorFlow loaded, data in memory), fit three batches of random images, then read the
process's peak (VmHWM). "measured" is peak minus that baseline: what the model adds. The
estimate should be at or above it (it is used to refuse models before they start), and not
far above (it should not refuse what would fit).

    python benchmarks/bench_memory.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDE_1X1 = {
    "name": "wide 1x1x512",
    "layers": [
        {"type": "conv2d", "filters": 512, "kernel_size": 1},
        {"type": "maxpool2d", "pool_size": 28},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
WIDE_3X3 = {
    "name": "2 x conv 3x3x128",
    "layers": [
        {"type": "conv2d", "filters": 128, "kernel_size": 3},
        {"type": "conv2d", "filters": 128, "kernel_size": 3},
        {"type": "maxpool2d", "pool_size": 28},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
CHILD = """
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import keras
from fmnist_viz.models import build_model

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith(key)) / 1024

spec, batch = json.loads(sys.argv[1]), int(sys.argv[2])
keras.utils.set_random_seed(0)
model = build_model(spec)
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
x = np.random.default_rng(0).random((3 * batch, 28, 28, 1), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[np.arange(3 * batch) % 10]
base = status("VmRSS")
model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
print(json.dumps({"base": base, "peak": status("VmHWM")}))
"""


def cases() -> list[tuple[dict, int]]:
    """(spec, batch size) pairs: presets at common batch sizes, wide convolutions."""
    from fmnist_viz.models import preset

    return [
        (preset("model1"), 64),
        (preset("model1"), 512),
        (preset("model2"), 256),
        (preset("original"), 512),
        (WIDE_1X1, 32),
        (WIDE_1X1, 128),
        (WIDE_3X3, 64),
        (WIDE_3X3, 256),
    ]


def measure(spec: dict, batch: int) -> float:
    """MB that fitting this model adds to the process, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(spec), str(batch)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    reading = json.loads(out.stdout.strip().splitlines()[-1])
    return reading["peak"] - reading["base"]


def main(argv: list[str] | None = None) -> int:
    """Run every case and print estimate, measurement and their ratio."""
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from fmnist_viz.models import check_spec
    from fmnist_viz.training import training_mb

    print(f"{'model':<18} {'batch':>5} {'params':>9} {'measured MB':>12} {'estimate MB':>12} ratio")
    ratios = []
    for spec, batch in cases():
        summary = check_spec(spec)
        shapes = [r.output_shape for r in summary.rows]
        estimate = training_mb(shapes, summary.total_params, batch)
        measured = measure(spec, batch)
        ratios.append(estimate / measured)
        name = spec.get("title") or spec["name"]
        print(
            f"{name:<18} {batch:>5} {summary.total_params:>9,} {measured:>12.0f} "
            f"{estimate:>12.0f} {estimate / measured:5.2f}"
        )
    print(f"estimate / measured: {min(ratios):.2f} to {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

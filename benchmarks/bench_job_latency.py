"""What a Train-page user waits for: a quick demo from Start to finished, and Stop to stopped.

Both go through the app's JobManager (a worker process, as in the app), on the data the app
would find. The quick demo is the Train page's choice: 5,000 images, 3 epochs.

    python benchmarks/bench_job_latency.py --arch model1
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def wait(jm, run_id: str, statuses: set[str], poll: float = 0.05) -> float:
    """Seconds until the run reaches one of the statuses."""
    t0 = time.perf_counter()
    while jm.view(run_id).status not in statuses:
        time.sleep(poll)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="model1")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--stops", type=int, default=3, help="stop measurements")
    args = parser.parse_args(argv)

    from fmnist_viz.jobs import JobManager
    from fmnist_viz.models import load_spec
    from fmnist_viz.runs import RunStore
    from fmnist_viz.training import TrainConfig

    spec = load_spec(args.arch)
    with tempfile.TemporaryDirectory() as tmp:
        jm = JobManager(RunStore(tmp), max_parallel=1, data_dir=args.data_dir)
        t0 = time.perf_counter()
        demo = jm.submit("bench", spec, TrainConfig(epochs=3, train_limit=5000, seed=1))
        wait(jm, demo, {"finished", "failed"})
        total = time.perf_counter() - t0
        meta = jm.view(demo).meta
        print(f"data: {meta.get('data_source')}")
        print(
            f"quick demo ({args.arch}, 5,000 images x 3 epochs): {total:.1f} s from Start to "
            f"finished (first job of the server: includes the worker's TensorFlow import), "
            f"test accuracy {meta.get('test_accuracy', float('nan')):.4f}"
        )
        again = time.perf_counter()
        demo2 = jm.submit("bench", spec, TrainConfig(epochs=3, train_limit=5000, seed=2))
        wait(jm, demo2, {"finished", "failed"})
        print(f"quick demo again (warm worker): {time.perf_counter() - again:.1f} s")
        for i in range(args.stops):
            run_id = jm.submit("bench", spec, TrainConfig(epochs=10, seed=10 + i))
            while jm.view(run_id).progress is None:
                time.sleep(0.05)
            time.sleep(1.0 + i)  # stop at different points of the first epoch
            t_stop = time.perf_counter()
            jm.stop("bench", run_id)
            seconds = wait(jm, run_id, {"stopped", "finished", "failed"})
            print(
                f"stop {i + 1}: {seconds:.2f} s from Stop to '{jm.view(run_id).status}' "
                f"(request at {t_stop - t0:.0f} s)"
            )
        jm.shutdown(wait=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Live training as the app runs it vs a plain `model.fit`: samples/s of each and their ratio.

(a) plain: `model.fit` of the same spec on the same protocol split, in this process, verbose=0.
(b) live: the same training submitted to the app's JobManager (a worker process writing its run
    folder), while this process polls it every second exactly as the Train page's fragment does:
    job view, incremental batches.csv read, history read, the live-curves figure built and
    serialised to JSON (what Streamlit sends to the browser).
Epoch 1 (graph tracing, and worker start-up for (b)) is left out; the rate uses epochs 2..N,
each timed from epoch start to epoch end (training + validation + end-of-epoch hooks).

    python benchmarks/bench_live.py --train-limit 20000 --epochs 3 --repeats 2
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

TARGET = 0.95


def plain_fit(spec: dict, data, config) -> tuple[float, int]:
    """Mean seconds of epochs 2..N of a plain model.fit, and the training-set size."""
    import keras

    from fmnist_viz.models import build_model
    from fmnist_viz.training import compile_model, fit, protocol_split, seed_everything

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.t0)

    seconds: list[float] = []
    keras.backend.clear_session()
    seed_everything(config.seed)
    split = protocol_split(data, config)
    model = build_model(spec)
    compile_model(model, config)
    fit(model, split, config, [EpochClock()])
    return statistics.mean(seconds[1:]), len(split.x_train)


def live_job(spec: dict, config, data_dir: str | None) -> tuple[float, int, int]:
    """Mean seconds of epochs 2..N of a JobManager job polled like the UI; polls made."""
    from fmnist_viz.figures import live_curves
    from fmnist_viz.jobs import JobManager
    from fmnist_viz.runs import BatchTail, RunStore

    with tempfile.TemporaryDirectory() as tmp:
        jm = JobManager(RunStore(tmp), max_parallel=1, data_dir=data_dir)
        run_id = jm.submit("bench", spec, config, name="bench")
        tail = BatchTail(jm.store.path(run_id))
        polls = 0
        while (view := jm.view(run_id)).active:
            rows = tail.read()
            history = jm.store.history(run_id)
            steps = int(view.meta.get("steps_per_epoch") or 1)
            live_curves(rows, history, steps, config.epochs).to_json()
            polls += 1
            time.sleep(1.0)
        jm.shutdown(wait=True)
        history = RunStore(tmp).history(run_id)
        n_train = int(view.meta.get("n_train") or 0)
        if view.status != "finished" or len(history) < 2:
            raise SystemExit(f"live job ended {view.status}: {view.error}")
        return statistics.mean(r.seconds for r in history[1:]), n_train, polls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="model1")
    parser.add_argument("--train-limit", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 is warm-up)")

    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.models import load_spec
    from fmnist_viz.training import TrainConfig

    data = load_fashion_mnist(args.data_dir)
    print(f"data: {data.describe()}")
    spec = load_spec(args.arch)
    config = TrainConfig(epochs=args.epochs, train_limit=args.train_limit, seed=0)
    plain_rates, live_rates = [], []
    for i in range(args.repeats):
        order = ("plain", "live") if i % 2 == 0 else ("live", "plain")
        for side in order:
            if side == "plain":
                sec, n = plain_fit(spec, data, config)
                plain_rates.append(n / sec)
                print(
                    f"repeat {i + 1} plain model.fit : {sec:6.2f} s/epoch {n / sec:8,.0f} samples/s"
                )
            else:
                sec, n, polls = live_job(spec, config, args.data_dir)
                live_rates.append(n / sec)
                print(
                    f"repeat {i + 1} live job + UI  : {sec:6.2f} s/epoch {n / sec:8,.0f} samples/s"
                    f"  ({polls} polls)"
                )
    plain, live = statistics.median(plain_rates), statistics.median(live_rates)
    ratio = live / plain
    print(f"median plain {plain:,.0f} samples/s ({1e6 / plain:.0f} us/sample)")
    print(f"median live  {live:,.0f} samples/s ({1e6 / live:.0f} us/sample)")
    print(
        f"ratio live/plain: {ratio:.3f} (target >= {TARGET}) {'OK' if ratio >= TARGET else 'BELOW'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How fast does the engine train? Plain `model.fit` vs `training.protocol.train()` in its default
(float32, several batches per call) and fast (`precision="bfloat16"`) modes.

All sides train the same spec on the same protocol split in one process: (a) a plain Keras fit
(build_model + compile_model, one batch per call, batch 64, validation data, verbose=0), (b) the
engine's train() with a RunRecorder writing progress, batches.csv, states and checkpoints into a
temporary run store, plus a should_stop that checks the STOP file, and (c) the same in bfloat16.
Rounds rotate the order (a b c, b c a, c a b) to cancel drift on a shared machine; the medians
and the median of each round's ratios are reported. Epoch 1 (graph tracing) is warm-up; the
steady rate uses epochs 2..N, timed end-of-epoch to end-of-epoch, so it includes the validation
pass and everything the hooks do at the end of an epoch (model save, snapshot, history,
TensorBoard). The default mode must give plain fit's numbers to the digit (printed).

The arithmetic limit: Model 1 costs about 16 MFLOP per training sample (forward and backward);
2 cores x 2 FMA units x 16 float32 lanes x 2 flops x 2.6 GHz is about 330 GFLOP/s, so about
50 us per sample in float32.

    python benchmarks/bench_training.py --train-limit 5000 --epochs 2 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.05  # the default mode against plain fit (issue #21)
TARGET_FAST = 1.25  # the bfloat16 mode against plain fit
LIMIT_US = 50.0  # the float32 arithmetic limit of Model 1 on 2 cores (see above)
SIDES = ("plain", "engine", "bf16")


@dataclass
class Timing:
    """Wall-clock marks of one training: start of fit, then the end of each epoch."""

    n_train: int
    marks: list[float]
    last: tuple[float, float] = (float("nan"), float("nan"))  # final accuracy, val loss

    @property
    def warmup_seconds(self) -> float:
        return self.marks[1] - self.marks[0]

    @property
    def steady_epoch_seconds(self) -> float:
        steady = [b - a for a, b in zip(self.marks[1:], self.marks[2:], strict=False)]
        return statistics.mean(steady)

    @property
    def samples_per_second(self) -> float:
        return self.n_train / self.steady_epoch_seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", default="model1", help="preset key or JSON spec path")
    parser.add_argument("--train-limit", type=int, default=20000, help="training images")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per training (>= 2)")
    parser.add_argument("--repeats", type=int, default=2, help="rounds (rotating order)")
    parser.add_argument("--no-bf16", action="store_true", help="skip the bfloat16 mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", help="Fashion-MNIST folder (default: the usual search)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: epoch 1 is warm-up and not part of the rate")
    if args.repeats < 1 or args.train_limit < 1:
        parser.error("--repeats and --train-limit must be at least 1")
    return args


def run_plain(spec, config, split) -> Timing:
    """(a) A plain Keras fit of the same spec and split."""
    import keras

    from fmnist_viz.models import build_model
    from fmnist_viz.training import compile_model, fit, seed_everything

    marks: list[float] = []
    last: list[tuple[float, float]] = []

    class Marks(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            marks.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            marks.append(time.perf_counter())
            last.append((float(logs["accuracy"]), float(logs["val_loss"])))

    keras.backend.clear_session()
    seed_everything(config.seed)
    model = build_model(spec)
    compile_model(model, config)
    fit(model, split, config, [Marks()])
    return Timing(len(split.x_train), marks, last[-1])


def run_engine(spec, config, data) -> Timing:
    """(b) The engine's train() with a run recorder and the STOP-file check."""
    from fmnist_viz.runs import RunRecorder, RunStore
    from fmnist_viz.training import Observer, train

    marks: list[float] = []

    class Marks(Observer):
        # Listed after the recorder, so each mark includes the recorder's work for that epoch.
        def on_state(self, state, model):
            if state.step == 0:
                marks.append(time.perf_counter())  # on_train_begin, after the first state

        def on_epoch(self, record, improved, model):
            marks.append(time.perf_counter())

    with tempfile.TemporaryDirectory(prefix="fmnist-bench-") as tmp:
        store = RunStore(tmp)
        run_id = store.create(spec, config, name="benchmark").id
        recorder = RunRecorder(store, run_id)
        recorder.prepare(spec)
        recorder.mark_running(data.describe())
        result = train(spec, config, data, (recorder, Marks()), recorder.should_stop)
        recorder.finish(result, data.y_test)
        if result.status != "finished":
            raise RuntimeError(f"engine run ended {result.status}")
        end = result.history[-1]
        return Timing(int(store.load(run_id).meta["n_train"]), marks, (end.accuracy, end.val_loss))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.models import check_spec, load_spec
    from fmnist_viz.training import TrainConfig, precision_problem, protocol_split

    data = load_fashion_mnist(args.data_dir)
    print(f"data: {data.describe()}")
    if data.is_sample:
        print("note: the bundled sample, not the full dataset, is being used")
    spec = load_spec(args.arch)
    config = TrainConfig(epochs=args.epochs, train_limit=args.train_limit, seed=args.seed).check()
    split = protocol_split(data, config)
    print(
        f"arch {args.arch} ({check_spec(spec).total_params:,} params); "
        f"train {len(split.x_train):,} / val {len(split.x_val):,} images, "
        f"batch {config.batch_size}, {config.epochs} epochs, {args.repeats} repeat(s), "
        "order rotates"
    )
    for note in split.notes:
        print(f"note: {note}")

    fast = replace(config, precision="bfloat16")
    sides = SIDES[:2] if args.no_bf16 else SIDES
    if "bf16" in sides and (problem := precision_problem("bfloat16")):
        print(f"note: no bfloat16 mode here: {problem}")
        sides = SIDES[:2]
    print(f"steps per call (engine): {config.pacing(-(-len(split.x_train) // 64)).steps_per_call}")
    results: dict[str, list[Timing]] = {side: [] for side in sides}
    for r in range(args.repeats):
        order = sides[r % len(sides) :] + sides[: r % len(sides)]
        for side in order:
            if side == "plain":
                t = run_plain(spec, config, split)
            else:
                t = run_engine(spec, config if side == "engine" else fast, data)
            results[side].append(t)
            print(
                f"round {r + 1} {side:<6}: warm-up epoch 1 {t.warmup_seconds:6.2f} s, "
                f"steady {t.steady_epoch_seconds:6.2f} s/epoch, "
                f"{t.samples_per_second:8,.0f} samples/s, "
                f"{1e6 / t.samples_per_second:6.1f} us/sample"
                f"; final accuracy {t.last[0]:.4f}, val loss {t.last[1]:.5f}",
                flush=True,
            )

    print()
    print(
        f"{'median over rounds':<24} {'samples/s':>10} {'us/sample':>10} {'s/epoch':>8} "
        f"{'warm-up s':>10} {'x limit':>8}"
    )
    labels = {
        "plain": "(a) plain model.fit",
        "engine": "(b) engine default",
        "bf16": "(c) engine bfloat16",
    }
    rates = {}
    for side in sides:
        rate = statistics.median(t.samples_per_second for t in results[side])
        epoch_s = statistics.median(t.steady_epoch_seconds for t in results[side])
        warm = statistics.median(t.warmup_seconds for t in results[side])
        rates[side] = rate
        us = 1e6 / rate
        print(
            f"{labels[side]:<24} {rate:>10,.0f} {us:>10.1f} {epoch_s:>8.2f} {warm:>10.2f} "
            f"{us / LIMIT_US:>8.1f}"
        )
    print(f"float32 arithmetic limit: about {LIMIT_US:.0f} us/sample (Model 1, 2 cores)")
    for side, target in (("engine", TARGET_RATIO), ("bf16", TARGET_FAST)):
        if side not in rates:
            continue
        ratio = rates[side] / rates["plain"]
        pairs = [
            e.samples_per_second / p.samples_per_second
            for p, e in zip(results["plain"], results[side], strict=True)
        ]
        verdict = "OK" if ratio >= target else "BELOW TARGET"
        print(
            f"ratio {side}/plain: {ratio:.3f} (target >= {target}) {verdict}; per round: "
            f"{', '.join(f'{x:.3f}' for x in pairs)} (median {statistics.median(pairs):.3f})"
        )
    same = all(e.last == p.last for p, e in zip(results["plain"], results["engine"], strict=True))
    print(f"engine default gives plain fit's final accuracy and val loss exactly: {same}")
    print("rates: steady epochs 2..N, timed end to end (incl. validation and end-of-epoch hooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

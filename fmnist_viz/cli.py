"""Command line: `python -m fmnist_viz summary|train|reproduce|runs`.

Bad arguments give a one-line error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from fmnist_viz.architectures import PRESETS, SpecError, load_spec, summarize
from fmnist_viz.budget import DEFAULT_MEMORY_LIMIT_MB, check_training, memory_limit_mb
from fmnist_viz.config import OPTIMIZERS, ConfigError, TrainConfig
from fmnist_viz.events import BatchProgress, EpochRecord, Observer


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _whole(text: str) -> int:
    """An argument that must be a whole number (its range is checked by TrainConfig)."""
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from exc


def _positive(text: str) -> int:
    """A count that must be at least 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _number(text: str) -> float:
    """An argument that must be a number (its range is checked by TrainConfig)."""
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def _add_training_options(p: argparse.ArgumentParser) -> None:
    """The training settings shared by train and reproduce (defaults: the study's protocol)."""
    d = TrainConfig()
    p.add_argument("--epochs", type=_whole, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument(
        "--batch-size", type=_whole, default=d.batch_size, help=f"default {d.batch_size}"
    )
    p.add_argument(
        "--learning-rate", type=_number, default=d.learning_rate, help=f"default {d.learning_rate}"
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    p.add_argument("--train-limit", type=_whole, help="train on the first N training images")
    p.add_argument("--seed", type=_whole, help="random seed (drawn when omitted)")
    p.add_argument(
        "--state-every",
        type=_whole,
        help="save the weights every K batches (0: at epoch ends only; default: every quarter "
        "epoch)",
    )
    p.add_argument("--runs-dir", help="run store folder (default ./runs or $FMNIST_RUNS_DIR)")
    p.add_argument("--data-dir", help="folder with the four Fashion-MNIST IDX files")
    p.add_argument(
        "--memory-limit-mb",
        help="memory one training may use (default $FMNIST_MEMORY_LIMIT_MB or "
        f"{DEFAULT_MEMORY_LIMIT_MB})",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command and its options."""
    parser = _Parser(prog="python -m fmnist_viz", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    arch_help = f"a preset ({', '.join(PRESETS)}) or a path to a JSON spec"

    p = sub.add_parser("summary", help="layer table and parameter count")
    p.add_argument("--arch", required=True, help=arch_help)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train", help="train one run with the study's protocol")
    p.add_argument("--arch", required=True, help=arch_help)
    p.add_argument("--name", default="", help="display name of the run")
    _add_training_options(p)

    p = sub.add_parser("reproduce", help="the study's experiment: N runs per architecture")
    p.add_argument("--arch", nargs="+", required=True, help=arch_help)
    p.add_argument("--runs", type=_positive, required=True, help="runs per architecture")
    _add_training_options(p)

    p = sub.add_parser("runs", help="list saved runs")
    p.add_argument("--runs-dir")
    p.add_argument("--json", action="store_true")
    return parser


# ---------------------------------------------------------------- commands


def cmd_summary(args: argparse.Namespace) -> int:
    """Print a spec's layer table and parameter count."""
    spec = load_spec(args.arch)
    s = summarize(spec)
    if args.json:
        rows = [
            {
                "name": r.name,
                "type": r.type,
                "output_shape": list(r.output_shape),
                "params": r.params,
                "settings": r.settings,
            }
            for r in s.rows
        ]
        notes = [i.message for i in s.issues]
        _print_json(
            {"arch": spec["name"], "layers": rows, "total_params": s.total_params, "notes": notes}
        )
        return 0
    print(f"{spec.get('title', spec['name'])}")
    print(f"{'layer':<12} {'type':<20} {'output shape':<16} {'params':>10}  settings")
    for r in s.rows:
        shape = "x".join(str(d) for d in r.output_shape)
        print(f"{r.name:<12} {r.type:<20} {shape:<16} {r.params:>10,}  {r.settings}")
    print(f"Total parameters: {s.total_params:,}")
    for issue in s.issues:
        print(f"note: {issue.message}")
    return 0


class ConsolePrinter(Observer):
    """Progress on stderr: a refreshing line on a terminal, one line per epoch otherwise."""

    def __init__(self, label: str = ""):
        self.label = f"{label} " if label else ""
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def on_batch(self, p: BatchProgress) -> None:
        """Refresh the progress line (terminals only, at most 5 times a second)."""
        if not self.tty or time.monotonic() - self.last < 0.2:
            return
        self.last = time.monotonic()
        sys.stderr.write(
            f"\r{self.label}epoch {p.epoch}/{p.epochs} batch {p.batch}/{p.steps_per_epoch} "
            f"loss {p.loss:.4f} acc {p.accuracy:.4f} {p.samples_per_second:,.0f} samples/s "
            f"ETA {p.eta_seconds:,.0f}s   "
        )
        sys.stderr.flush()

    def on_epoch(self, r: EpochRecord, improved: bool, model: Any) -> None:
        """One line per finished epoch."""
        mark = " *best*" if improved else ""
        sys.stderr.write(
            f"{chr(13) if self.tty else ''}{self.label}epoch {r.epoch}: loss {r.loss:.4f} "
            f"acc {r.accuracy:.4f} val_loss {r.val_loss:.4f} val_acc {r.val_accuracy:.4f} "
            f"{r.seconds:.1f}s{mark}\n"
        )
        sys.stderr.flush()


def _config(args: argparse.Namespace, seed: int | None) -> TrainConfig:
    """The training settings of the arguments, checked (ConfigError)."""
    return TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        optimizer=args.optimizer,
        train_limit=args.train_limit,
        seed=seed,
        state_every=args.state_every,
    ).check()


@dataclass
class Prepared:
    """Everything checked before a training starts: specs, store, data and memory limit."""

    specs: dict[str, dict[str, Any]]
    store: Any
    data: Any
    memory_limit_mb: int


def _prepare(args: argparse.Namespace, archs: Sequence[str], seeds: Sequence[int | None]):
    """Check specs, settings, memory, run store and data before anything is created; every
    problem is a one-line error (exit 2). Prints the data source on stderr."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.store import RunStore

    specs = {arch: load_spec(arch) for arch in archs}
    for seed in seeds:
        _config(args, seed)
    limit = memory_limit_mb(args.memory_limit_mb)
    for spec in specs.values():
        check_training(spec, args.batch_size, limit)
    store = RunStore(args.runs_dir)
    store.require_writable()
    store.remove_temp_files()  # left by a write that was killed half-way
    data = load_fashion_mnist(args.data_dir)
    print(f"data: {data.describe()}", file=sys.stderr)
    return Prepared(specs, store, data, limit)


def _run_one(
    args: argparse.Namespace,
    ready: Prepared,
    arch: str,
    seed: int | None,
    name: str,
    label: str = "",
) -> dict[str, Any]:
    """Create one run folder and train it in this process; its row for the output."""
    from fmnist_viz.worker import execute_run

    spec = ready.specs[arch]
    info = ready.store.create(spec, _config(args, seed), name=name, arch=_arch_key(arch, spec))
    ready.store.update(info.id, memory_limit_mb=ready.memory_limit_mb)
    meta = execute_run(ready.store, info.id, args.data_dir, (ConsolePrinter(label),))
    return _run_row(meta)


def _arch_key(arch: str, spec: dict[str, Any]) -> str:
    """The preset key, or the spec's own name."""
    return arch if arch in PRESETS else str(spec.get("name", "custom"))


def _run_row(meta: dict[str, Any]) -> dict[str, Any]:
    """One run as a row of the output (numbers that are not finite numbers become None)."""
    test, train_acc = _finite(meta.get("test_accuracy")), _finite(meta.get("final_train_accuracy"))
    gap = train_acc - test if test is not None and train_acc is not None else None
    return {
        "id": meta["id"],
        "name": meta.get("name"),
        "arch": meta.get("arch"),
        "status": meta.get("status"),
        "seed": meta.get("seed"),
        "epochs_done": meta.get("epochs_done") or 0,
        "test_accuracy": test,
        "best_val_accuracy": meta.get("best_val_accuracy"),
        "best_epoch": meta.get("best_epoch"),
        "final_train_accuracy": train_acc,
        "train_test_gap": gap,
        "seconds_per_epoch": meta.get("seconds_per_epoch"),
        "data_source": meta.get("data_source"),
        "created": meta.get("created"),
    }


def cmd_train(args: argparse.Namespace) -> int:
    """Train one run and print its scores."""
    ready = _prepare(args, [args.arch], [args.seed])
    row = _run_one(args, ready, args.arch, args.seed, args.name)
    if args.json:
        _print_json(row)
        return 0
    print(f"run {row['id']} ({row['status']})  data: {row['data_source']}")
    print(f"  test accuracy        {_fmt(row['test_accuracy'])}")
    print(f"  best val accuracy    {_fmt(row['best_val_accuracy'])} (epoch {row['best_epoch']})")
    print(f"  final train accuracy {_fmt(row['final_train_accuracy'])}")
    print(f"  seconds per epoch    {_fmt(row['seconds_per_epoch'], 1)}")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    """The study's experiment: N seeded runs per architecture, a table and Welch's test."""
    from fmnist_viz.stats import STUDY_REFERENCE, welch_t_test
    from fmnist_viz.stats import summarize as stat_summary

    base = args.seed if args.seed is not None else 1000
    ready = _prepare(args, args.arch, [base, base + args.runs - 1])  # every seed must be valid
    if ready.data.is_sample or not ready.data.describe().startswith("Full dataset"):
        print(
            "note: this is not the full Fashion-MNIST the study used; its reference values "
            "are not comparable",
            file=sys.stderr,
        )
    groups: dict[str, list[dict[str, Any]]] = {}
    for arch in args.arch:
        for i in range(args.runs):
            label = f"[{arch} {i + 1}/{args.runs}]"
            row = _run_one(args, ready, arch, base + i, f"{arch} seed {base + i}", label)
            groups.setdefault(arch, []).append(row)
    table = {}
    for arch, rows in groups.items():
        s = stat_summary([r["test_accuracy"] for r in rows])
        gaps = [r["train_test_gap"] for r in rows if r["train_test_gap"] is not None]
        table[arch] = {
            "runs": rows,
            "test_accuracy": {"n": s.n, "mean": s.mean, "std": s.std, "min": s.min, "max": s.max},
            "mean_train_test_gap": sum(gaps) / len(gaps) if gaps else None,
            "study_mean_test_accuracy": STUDY_REFERENCE.get(arch),
        }
    welch = None
    if len(args.arch) >= 2:
        a, b = args.arch[:2]
        w = welch_t_test(
            [r["test_accuracy"] for r in groups[a]], [r["test_accuracy"] for r in groups[b]]
        )
        welch = {"a": a, "b": b, "t": w.t, "df": w.df, "p": w.p, "reading": w.reading(0.05, a, b)}
    if args.json:
        _print_json({"groups": table, "welch": welch, "study_reference": STUDY_REFERENCE})
        return 0
    _print_reproduce_table(table, welch)
    return 0


def _print_reproduce_table(table: dict[str, Any], welch: dict[str, Any] | None) -> None:
    for arch, g in table.items():
        accs = ", ".join(_fmt(r["test_accuracy"]) for r in g["runs"])
        t = g["test_accuracy"]
        print(f"{arch}: test accuracy per run: {accs}")
        print(
            f"  mean {_fmt(t['mean'])}  std {_fmt(t['std'])}  min {_fmt(t['min'])}  "
            f"max {_fmt(t['max'])}  n {t['n']}  "
            f"mean train-test gap {_fmt(g['mean_train_test_gap'])}"
        )
        ref = g["study_mean_test_accuracy"]
        if ref is not None:
            print(f"  study (10 runs): mean {ref:.5f}   ours - study: {t['mean'] - ref:+.5f}")
    if welch:
        print(
            f"Welch t-test {welch['a']} vs {welch['b']}: t = {welch['t']:.3f}, "
            f"df = {welch['df']:.1f}, p = {welch['p']:.3f}"
        )
        print(f"  {welch['reading']}")


def cmd_runs(args: argparse.Namespace) -> int:
    """List the saved runs with status and metrics; damaged ones with the reason."""
    from fmnist_viz.store import RunStore

    store = RunStore(args.runs_dir)
    runs = store.list()  # reading only: a stale run shows as interrupted without a write
    # a damaged run.json's fields may have any type: only the id and the reason are shown
    rows = [
        {**_run_row({"id": r.id} if r.damaged else {**r.meta, "id": r.id}), "status": r.status}
        | {"damaged": r.damaged}
        for r in runs
    ]
    if args.json:
        _print_json(rows)
        return 0
    if not rows:
        print(f"No runs in {store.root}")
        return 0
    print(f"{'id':<44} {'arch':<10} {'status':<12} {'epochs':>6} {'val acc':>8} {'test acc':>8}")
    for r in rows:
        print(
            f"{r['id']:<44} {r['arch'] or '-':<10} {r['status']:<12} {r['epochs_done']:>6} "
            f"{_fmt(r['best_val_accuracy']):>8} {_fmt(r['test_accuracy']):>8}"
            + (f"  ({r['damaged']})" if r["damaged"] else "")
        )
    return 0


def _finite(value: Any) -> float | None:
    """A finite number as float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _fmt(value: Any, digits: int = 4) -> str:
    """A number with fixed decimals, '-' for anything that is not a finite number."""
    number = _finite(value)
    return "-" if number is None else f"{number:.{digits}f}"


def _json_safe(data: Any) -> Any:
    """Data with every NaN or infinity replaced by None (JSON has neither)."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {str(k): _json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_json_safe(v) for v in data]
    return data


def _print_json(data: Any) -> None:
    """Print valid JSON (no NaN), indented."""
    print(json.dumps(_json_safe(data), indent=2, default=str, allow_nan=False))


COMMANDS = {
    "summary": cmd_summary,
    "train": cmd_train,
    "reproduce": cmd_reproduce,
    "runs": cmd_runs,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    from fmnist_viz.data import DataError
    from fmnist_viz.store import RunError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, SpecError, ConfigError, DataError, RunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

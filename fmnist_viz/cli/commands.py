"""Command line: `fmnist-viz` (or `python -m fmnist_viz`) and its commands: summary, train,
reproduce, sweep, export, runs and app.

Bad arguments give a one-line error and exit code 2, never a traceback; train, reproduce and
sweep exit 1 when a run they started failed (each named on stderr with its reason).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fmnist_viz.cli.app import cmd_app
from fmnist_viz.cli.support import Parser, UsageError, fmt, positive, print_json, run_row
from fmnist_viz.cli.training import add_training_options, cmd_train
from fmnist_viz.jobs import ExecutorError
from fmnist_viz.models import PRESETS, SpecError, check_spec, load_spec, spec_json
from fmnist_viz.study import MAX_SWEEP_RUNS, SweepError
from fmnist_viz.training import ConfigError, keras_code

EXPORT_FORMATS = ("keras", "json")  # export: runnable Keras code or the spec as JSON


def program_name() -> str:
    """How the user called us: `fmnist-viz` (the console command) or `python -m fmnist_viz`."""
    called = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return called if called.startswith("fmnist-viz") else "python -m fmnist_viz"


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command and its options."""
    parser = Parser(prog=program_name(), description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    arch_help = f"a preset ({', '.join(PRESETS)}) or a path to a JSON spec"

    p = sub.add_parser("summary", help="layer table and parameter count")
    p.add_argument("--arch", required=True, help=arch_help)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("train", help="train one run with the study's protocol")
    p.add_argument("--arch", required=True, help=arch_help)
    p.add_argument("--name", default="", help="display name of the run")
    add_training_options(p)

    p = sub.add_parser("reproduce", help="the study's experiment: N runs per architecture")
    p.add_argument("--arch", nargs="+", required=True, help=arch_help)
    p.add_argument("--runs", type=positive, required=True, help="runs per architecture")
    add_training_options(p)

    p = sub.add_parser(
        "sweep",
        help="a grid of layer/training settings × architectures × seeds",
        description="Every combination of the --set values, for each architecture, trained "
        f"--runs times with the seeds --seed, --seed + 1, ... (at most {MAX_SWEEP_RUNS} runs); "
        "a table per configuration at the end.",
    )
    p.add_argument("--arch", nargs="+", required=True, help=arch_help)
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=V1,V2",
        help="a setting and its values: a training setting (epochs, batch_size, learning_rate, "
        "optimizer, momentum, train_limit) or LAYER.SETTING (dropout1.rate, conv1.filters); "
        "repeat for more",
    )
    p.add_argument("--runs", type=positive, default=1, help="seeds per configuration (default 1)")
    p.add_argument("--csv", metavar="PATH", help="write the table as CSV ('-': stdout)")
    add_training_options(p)

    p = sub.add_parser("export", help="the architecture as runnable Keras code or spec JSON")
    p.add_argument("--arch", required=True, help=arch_help)
    p.add_argument("--format", choices=EXPORT_FORMATS, default="keras")

    p = sub.add_parser("runs", help="list saved runs")
    p.add_argument("--runs-dir")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("app", help="start the web app (Streamlit) on a runs folder")
    p.add_argument("--runs-dir", help="the runs folder it shows and trains into (./runs)")
    p.add_argument("--data-dir", help="a folder with the four Fashion-MNIST IDX files")
    p.add_argument("--port", type=positive, default=8501)
    p.add_argument("--address", help="the address to listen on (default: every interface)")
    return parser


# ---------------------------------------------------------------- commands


def cmd_summary(args: argparse.Namespace) -> int:
    """Print a spec's layer table and parameter count."""
    spec = load_spec(args.arch)
    s = check_spec(spec)
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
        print_json(
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


def cmd_reproduce(args: argparse.Namespace) -> int:
    """The study's experiment (see cli_study; pandas and scipy load only for it)."""
    from fmnist_viz.cli.study import cmd_reproduce as run

    return run(args)


def cmd_sweep(args: argparse.Namespace) -> int:
    """A sweep of settings (see cli_study)."""
    from fmnist_viz.cli.study import cmd_sweep as run

    return run(args)


def cmd_export(args: argparse.Namespace) -> int:
    """Print the architecture as a Keras script or as normalised spec JSON."""
    spec = load_spec(args.arch)
    text = keras_code(spec) if args.format == "keras" else spec_json(spec) + "\n"
    sys.stdout.write(text)
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    """List the saved runs with status and metrics; damaged ones with the reason."""
    from fmnist_viz.runs import RunStore

    store = RunStore(args.runs_dir)
    runs = store.list()  # reading only: a stale run shows as interrupted without a write
    # a damaged run.json's fields may have any type: only the id and the reason are shown
    rows = [
        {**run_row({"id": r.id} if r.damaged else {**r.meta, "id": r.id}), "status": r.status}
        | {"damaged": r.damaged}
        for r in runs
    ]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(f"No runs in {store.root}")
        return 0
    print(f"{'id':<44} {'arch':<10} {'status':<12} {'epochs':>6} {'val acc':>8} {'test acc':>8}")
    for r in rows:
        print(
            f"{r['id']:<44} {r['arch'] or '-':<10} {r['status']:<12} {r['epochs_done']:>6} "
            f"{fmt(r['best_val_accuracy']):>8} {fmt(r['test_accuracy']):>8}"
            + (f"  ({r['damaged']})" if r["damaged"] else "")
        )
    return 0


COMMANDS = {
    "summary": cmd_summary,
    "train": cmd_train,
    "reproduce": cmd_reproduce,
    "sweep": cmd_sweep,
    "export": cmd_export,
    "runs": cmd_runs,
    "app": cmd_app,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    from fmnist_viz.data import DataError
    from fmnist_viz.runs import RunError

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (
        UsageError,
        SpecError,
        ConfigError,
        DataError,
        RunError,
        SweepError,
        ExecutorError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

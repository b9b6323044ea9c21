"""The CLI's `reproduce` and `sweep`: many seeded runs, tabulated and tested.

`reproduce` is the study's experiment (N runs per architecture, Welch's test between the first
two, and per model ours against the study's logged runs when the protocol and data match);
`sweep` varies layer and training settings over a grid (see `sweep.py`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from fmnist_viz.cli.support import UsageError, fmt, print_json, run_row, wall_line, wall_time
from fmnist_viz.cli.training import (
    CLI_OWNER,
    FIRST_SEED,
    Job,
    arch_key,
    config_of,
    failed_exit,
    prepare,
    run_jobs,
)
from fmnist_viz.runs import write_bytes_atomic
from fmnist_viz.study import (
    STUDY_MODELS,
    STUDY_REFERENCE,
    SweepPoint,
    matches_protocol,
    parse_axes,
    plan_sweep,
    sample_stats,
    study_test_accuracies,
    submit_sweep,
    sweep_runs,
    sweep_table,
    training_settings,
    welch_t_test,
)

# ---------------------------------------------------------------- reproduce


def _spread(values: list[Any]) -> dict[str, Any]:
    """n, mean, std, min and max of the finite values."""
    s = sample_stats([v for v in values if v is not None])
    return {"n": s.n, "mean": s.mean, "std": s.std, "min": s.min, "max": s.max}


def _versus_study(arch: str, ours: list[float], comparable: bool) -> dict[str, Any] | None:
    """Ours against the study's logged test accuracies of the same model (None if the runs
    are not on the study's protocol and full data, or the study did not log the model)."""
    if arch not in STUDY_MODELS or not comparable:
        return None
    logged = list(study_test_accuracies(arch))
    w = welch_t_test(logged, ours)  # t and the reading: ours − study
    return {
        "logged": _spread(logged),
        "welch": {"t": w.t, "df": w.df, "p": w.p, "reading": w.reading(0.05, "study", "ours")},
    }


def cmd_reproduce(args: argparse.Namespace) -> int:
    """The study's experiment: N seeded runs per architecture, a table and Welch's tests;
    at the end the wall time and runs per hour."""
    start = time.monotonic()
    base = args.seed if args.seed is not None else FIRST_SEED
    ready = prepare(args, args.arch, [base, base + args.runs - 1])  # every seed must be valid
    source = ready.data.describe()
    settings = training_settings({"config": config_of(args, None).to_dict()})
    comparable = {a: matches_protocol(a, settings, source) for a in args.arch}
    if not any(comparable.values()):
        print(
            "note: not the study's protocol on the full Fashion-MNIST: its logged runs are "
            "not a reference for these runs",
            file=sys.stderr,
        )
    jobs = [
        Job(
            ready.specs[a],
            config_of(args, base + i),
            f"{a} seed {base + i}",
            arch_key(a, ready.specs[a]),
        )
        for a in args.arch
        for i in range(args.runs)
    ]
    metas = run_jobs(args, ready, jobs)
    rows = [run_row(m) for m in metas]
    table = {}
    for arch in args.arch:
        runs = [r for r, j in zip(rows, jobs, strict=True) if j.name.startswith(f"{arch} seed")]
        tests = [r["test_accuracy"] for r in runs]
        gaps = [r["train_test_gap"] for r in runs if r["train_test_gap"] is not None]
        table[arch] = {
            "runs": runs,
            "test_accuracy": _spread(tests),
            "mean_train_test_gap": sum(gaps) / len(gaps) if gaps else None,
            "study_mean_test_accuracy": STUDY_REFERENCE.get(arch) if comparable[arch] else None,
            "versus_study": _versus_study(
                arch, [t for t in tests if t is not None], comparable[arch]
            ),
        }
    welch = None
    if len(args.arch) >= 2:
        a, b = args.arch[:2]
        w = welch_t_test(
            [r["test_accuracy"] for r in table[a]["runs"]],
            [r["test_accuracy"] for r in table[b]["runs"]],
        )
        welch = {"a": a, "b": b, "t": w.t, "df": w.df, "p": w.p, "reading": w.reading(0.05, a, b)}
    seconds = time.monotonic() - start
    if args.json:
        print_json(
            {
                "groups": table,
                "welch": welch,
                "study_reference": STUDY_REFERENCE,
                **wall_time(seconds, len(rows)),
            }
        )
        print(wall_line(seconds, len(rows)), file=sys.stderr)
    else:
        _print_reproduce(table, welch)
        print(wall_line(seconds, len(rows)))
    return failed_exit(metas)


def _print_reproduce(table: dict[str, Any], welch: dict[str, Any] | None) -> None:
    for arch, g in table.items():
        accs = ", ".join(fmt(r["test_accuracy"]) for r in g["runs"])
        t = g["test_accuracy"]
        print(f"{arch}: test accuracy per run: {accs}")
        print(
            f"  mean {fmt(t['mean'])}  std {fmt(t['std'])}  min {fmt(t['min'])}  "
            f"max {fmt(t['max'])}  n {t['n']}  mean train-test gap {fmt(g['mean_train_test_gap'])}"
        )
        ref = g["study_mean_test_accuracy"]
        if ref is not None:
            print(f"  study (10 runs): mean {ref:.5f}   ours - study: {t['mean'] - ref:+.5f}")
        versus = g["versus_study"]
        if versus is not None:
            s, w = versus["logged"], versus["welch"]
            print(
                f"  study's logged runs: mean {fmt(s['mean'])}  std {fmt(s['std'])}  n {s['n']}"
                f"   ours: mean {fmt(t['mean'])}  std {fmt(t['std'])}  n {t['n']}"
            )
            print(
                f"  Welch ours vs logged: t = {fmt(w['t'], 3)}, df = {fmt(w['df'], 1)}, "
                f"p = {fmt(w['p'], 3)}. {w['reading']}"
            )
    if welch:
        print(
            f"Welch t-test {welch['a']} vs {welch['b']}: t = {fmt(welch['t'], 3)}, "
            f"df = {fmt(welch['df'], 1)}, p = {fmt(welch['p'], 3)}"
        )
        print(f"  {welch['reading']}")


# ---------------------------------------------------------------- sweep


def cmd_sweep(args: argparse.Namespace) -> int:
    """A grid of settings × architectures × seeds, checked first, then queued and tabulated;
    at the end the wall time and runs per hour."""
    start = time.monotonic()
    base = args.seed if args.seed is not None else FIRST_SEED
    axes = parse_axes(args.set or [])
    planned: list[SweepPoint] = []

    def plan(specs: dict[str, dict[str, Any]], limit: int) -> None:
        keyed = {arch_key(a, s): s for a, s in specs.items()}
        if len(keyed) < len(specs):
            raise UsageError(
                "two architectures have the same name: give each spec file its own 'name'"
            )
        planned.extend(plan_sweep(keyed, axes, config_of(args, base), args.runs, base, limit))
        if args.csv and args.csv != "-":
            check_csv_path(Path(args.csv))

    ready = prepare(args, args.arch, [base], check=plan)
    points = planned
    print(f"sweep: {len(points)} runs", file=sys.stderr)
    sweep: dict[str, str] = {}

    def submit(jm) -> list[str]:
        sweep["id"], ids = submit_sweep(jm, CLI_OWNER, points)
        return ids

    metas = run_jobs(args, ready, [], submit=submit)
    table = sweep_table(sweep_runs(ready.store, sweep["id"]))
    seconds = time.monotonic() - start
    if args.json:
        print_json(
            {
                "sweep": sweep["id"],
                "configurations": table.to_dict(orient="records"),
                **wall_time(seconds, len(points)),
            }
        )
    else:
        _print_sweep(sweep["id"], table)
    if args.csv:
        _write_csv(table, args.csv)
    # on stderr when stdout holds JSON or the CSV table
    quiet = args.json or args.csv == "-"
    print(wall_line(seconds, len(points)), file=sys.stderr if quiet else sys.stdout)
    return failed_exit(metas)


def check_csv_path(path: Path) -> None:
    """UsageError unless the table can be written there (checked before any run starts)."""
    if path.is_dir():
        raise UsageError(f"--csv {path}: is a folder; name a file")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"--csv {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--csv {path}: the folder {folder} is not writable")


def _write_csv(table: pd.DataFrame, path: str) -> None:
    """The table as CSV: to stdout for '-', else atomically to the file."""
    text = table.to_csv(index=False)
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        write_bytes_atomic(Path(path), text.encode())
    except OSError as exc:  # changed since the check: the table above is still printed
        raise UsageError(f"Cannot write the table to {path}: {exc}") from exc
    print(f"table: {path}", file=sys.stderr)


def _print_sweep(sweep_id: str, table: pd.DataFrame) -> None:
    """The sweep's table: runs with a test score of all runs, test accuracy and gap."""
    width = max([len("configuration"), *(len(c) for c in table["configuration"])])
    head = f"{'configuration':<{width}}  {'tested':>6}  {'test acc mean ± std':>19}"
    print(sweep_id)
    print(f"{head}  {'train-test gap':>17}")
    for r in table.itertuples():
        acc = f"{fmt(r.test_mean)} ± {fmt(r.test_std)}"
        gap = f"{fmt(r.gap_mean)} ± {fmt(r.gap_std)}"
        tested = f"{r.test_n}/{r.runs}"
        print(f"{r.configuration:<{width}}  {tested:>6}  {acc:>19}  {gap:>17}")

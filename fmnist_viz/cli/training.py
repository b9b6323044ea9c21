"""The CLI's training commands: train, reproduce (the study's experiment) and sweep.

All three check everything first (specs, settings, memory, run store, data, executor), then
queue their runs on the job manager with the chosen executor (the local process pool, or Ray)
and follow them through the run store until they end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fmnist_viz.cli.support import fmt, number, positive, print_json, run_row, whole
from fmnist_viz.jobs import (
    CLI_OWNER,
    CPUS_PER_JOB_ENV,
    EXECUTOR_ENV,
    EXECUTORS,
    MAX_JOBS_ENV,
    RAY_ADDRESS_ENV,
    chosen_executor,
    import_ray,
    make_executor,
)
from fmnist_viz.models import PRESETS, load_spec
from fmnist_viz.training import (
    DEFAULT_MEMORY_LIMIT_MB,
    OPTIMIZERS,
    PRECISIONS,
    PrecisionError,
    TrainConfig,
    check_training,
    memory_limit_mb,
    precision_problem,
)

FIRST_SEED = 1000  # reproduce and sweep: seeds 1000, 1001, ... unless --seed says otherwise


def add_training_options(p: argparse.ArgumentParser) -> None:
    """The training settings shared by train, reproduce and sweep (defaults: the study's
    protocol), and where the runs train."""
    d = TrainConfig()
    p.add_argument("--epochs", type=whole, default=d.epochs, help=f"default {d.epochs}")
    p.add_argument("--batch-size", type=whole, default=d.batch_size, help=f"default {d.batch_size}")
    p.add_argument(
        "--learning-rate", type=number, default=d.learning_rate, help=f"default {d.learning_rate}"
    )
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    p.add_argument("--train-limit", type=whole, help="train on the first N training images")
    p.add_argument("--seed", type=whole, help="random seed (drawn when omitted)")
    p.add_argument(
        "--state-every",
        type=whole,
        help="save the weights every K batches (0: at epoch ends only; default: every quarter "
        "epoch)",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default=d.precision,
        help="float32 (default, bit-identical to plain Keras) or bfloat16: the fast mode, "
        "mixed bfloat16 where the CPU has AVX512_BF16/AMX (float32 weights are saved)",
    )
    p.add_argument("--runs-dir", help="run store folder (default ./runs or $FMNIST_RUNS_DIR)")
    p.add_argument("--data-dir", help="folder with the four Fashion-MNIST IDX files")
    p.add_argument(
        "--memory-limit-mb",
        help="memory one training may use (default $FMNIST_MEMORY_LIMIT_MB or "
        f"{DEFAULT_MEMORY_LIMIT_MB})",
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        help=f"where the runs train: local process pool (default; ${EXECUTOR_ENV}) or ray "
        "(a local Ray, or the cluster at --ray-address)",
    )
    p.add_argument(
        "--ray-address", help=f"an existing Ray cluster, e.g. 10.0.0.5:6379 (${RAY_ADDRESS_ENV})"
    )
    p.add_argument(
        "--workers",
        type=positive,
        help=f"local executor: trainings at once (default ${MAX_JOBS_ENV} or one per 2 CPUs)",
    )
    p.add_argument(
        "--cpus-per-job",
        type=positive,
        help=f"ray executor: CPUs (and TensorFlow threads) per training (${CPUS_PER_JOB_ENV}, 1)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def config_of(args: argparse.Namespace, seed: int | None) -> TrainConfig:
    """The training settings of the arguments, checked (ConfigError)."""
    return TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        optimizer=args.optimizer,
        train_limit=args.train_limit,
        seed=seed,
        state_every=args.state_every,
        precision=args.precision,
    ).check()


@dataclass
class Prepared:
    """Everything checked before a training starts: specs, store, data and memory limit."""

    specs: dict[str, dict[str, Any]]
    store: Any
    data: Any
    memory_limit_mb: int


def prepare(
    args: argparse.Namespace,
    archs: Sequence[str],
    seeds: Sequence[int | None],
    check: Callable[[dict[str, dict[str, Any]], int], None] | None = None,
):
    """Check specs, settings, memory, the executor, check(specs, memory limit), run store and
    data before anything is created; every problem is a one-line error (exit 2). Prints the
    data source on stderr."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.runs import RunStore

    specs = {arch: load_spec(arch) for arch in archs}
    for seed in seeds:
        config_of(args, seed)
    problem = precision_problem(args.precision)
    if problem:
        raise PrecisionError(problem)
    limit = memory_limit_mb(args.memory_limit_mb)
    for spec in specs.values() if check is None else ():  # a sweep checks each planned run
        check_training(spec, args.batch_size, limit, args.precision)
    if chosen_executor(args.executor, args.ray_address) == "ray":
        import_ray()  # ExecutorError with the install hint
    if check is not None:
        check(specs, limit)
    store = RunStore(args.runs_dir)
    store.require_writable()
    store.remove_temp_files()  # left by a write that was killed half-way
    data = load_fashion_mnist(args.data_dir)
    print(f"data: {data.describe()}", file=sys.stderr)
    return Prepared(specs, store, data, limit)


def arch_key(arch: str, spec: dict[str, Any]) -> str:
    """The preset key, or the spec's own name."""
    return arch if arch in PRESETS else str(spec.get("name", "custom"))


@dataclass(frozen=True)
class Job:
    """One run to queue: what submit needs."""

    spec: dict[str, Any]
    config: TrainConfig
    name: str
    arch: str
    extra: dict[str, Any] | None = None


def job_manager(args: argparse.Namespace, ready: Prepared):
    """A job manager on the executor the arguments ask for (ExecutorError if unusable)."""
    from fmnist_viz.jobs import JobManager

    executor = make_executor(args.executor, args.ray_address, args.workers, args.cpus_per_job)
    print(f"executor: {executor.describe()}", file=sys.stderr)
    return JobManager(
        ready.store, data_dir=args.data_dir, memory_limit=ready.memory_limit_mb, executor=executor
    )


def run_jobs(args: argparse.Namespace, ready: Prepared, jobs: Sequence[Job], submit=None):
    """Queue the jobs (or let submit(jm) queue them), follow them to their end, and return
    every run's final run.json, in order."""
    from fmnist_viz.jobs import wait_for_jobs

    jm = job_manager(args, ready)
    try:
        if submit is not None:
            ids = submit(jm)
        else:
            ids = [
                jm.submit(CLI_OWNER, j.spec, j.config, name=j.name, arch=j.arch, extra=j.extra)
                for j in jobs
            ]
        wait_for_jobs(jm, CLI_OWNER, ids)
    finally:
        jm.shutdown(wait=True)
    return [final_meta(ready.store.load(i)) for i in ids]


def final_meta(info: Any) -> dict[str, Any]:
    """A run's run.json as it ended, with the status the store reads (a run whose process
    died is 'interrupted', a damaged one 'damaged' with the reason as its error)."""
    meta = {**info.meta, "id": info.id, "status": info.status}
    if info.damaged:
        meta["error"] = info.damaged
    return meta


FAILED = ("failed", "interrupted", "damaged", "gone")  # a run that ended without a result


def failed_exit(metas: Sequence[dict[str, Any]]) -> int:
    """The exit code of a training command: 1 when a run it started failed (each one named on
    stderr with its reason), else 0."""
    failed = [m for m in metas if m.get("status") in FAILED or m.get("status") is None]
    for m in failed:
        why = m.get("error") or "no reason recorded"
        print(
            f"error: run {m.get('id')} ({m.get('name')}) {m.get('status')}: {why}", file=sys.stderr
        )
    return 1 if failed else 0


# ---------------------------------------------------------------- train


def cmd_train(args: argparse.Namespace) -> int:
    """Train one run and print its scores."""
    ready = prepare(args, [args.arch], [args.seed])
    spec = ready.specs[args.arch]
    job = Job(spec, config_of(args, args.seed), args.name, arch_key(args.arch, spec))
    metas = run_jobs(args, ready, [job])
    row = run_row(metas[0])
    if args.json:
        print_json(row)
        return failed_exit(metas)
    print(f"run {row['id']} ({row['status']})  data: {row['data_source']}")
    if row["error"]:
        print(f"  {row['error']}")
    print(f"  test accuracy        {fmt(row['test_accuracy'])}")
    print(f"  best val accuracy    {fmt(row['best_val_accuracy'])} (epoch {row['best_epoch']})")
    print(f"  final train accuracy {fmt(row['final_train_accuracy'])}")
    print(f"  seconds per epoch    {fmt(row['seconds_per_epoch'], 1)}")
    return failed_exit(metas)

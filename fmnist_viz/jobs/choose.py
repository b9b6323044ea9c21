"""Which executor runs the jobs: the one asked for (an argument or the environment), made here.

Below both executors, so neither imports the other: the local pool and Ray are chosen by name.
"""

from __future__ import annotations

import os

from fmnist_viz.jobs.executors import ExecutorError, JobExecutor, LocalExecutor
from fmnist_viz.jobs.ray_executor import RayExecutor

EXECUTORS = ("local", "ray")
EXECUTOR_ENV = "FMNIST_EXECUTOR"  # local (default) or ray
RAY_ADDRESS_ENV = "FMNIST_RAY_ADDRESS"  # an existing Ray cluster (implies the ray executor)
CPUS_PER_JOB_ENV = "FMNIST_CPUS_PER_JOB"  # Ray CPUs (and TensorFlow threads) per training


def chosen_executor(kind: str | None = None, address: str | None = None) -> str:
    """The executor kind asked for: the argument, else FMNIST_EXECUTOR, else 'ray' when a Ray
    address is set, else 'local'. ExecutorError for an unknown kind."""
    if kind == "local" and address:  # both given explicitly
        raise ExecutorError("A Ray address was given with the local executor; use --executor ray")
    address = address or os.environ.get(RAY_ADDRESS_ENV) or None
    kind = kind or os.environ.get(EXECUTOR_ENV) or ("ray" if address else "local")
    if kind not in EXECUTORS:
        raise ExecutorError(f"Unknown executor {kind!r}; use one of {', '.join(EXECUTORS)}")
    return kind


def make_executor(
    kind: str | None = None,
    address: str | None = None,
    max_parallel: int | None = None,
    cpus_per_job: int | None = None,
) -> JobExecutor:
    """The executor asked for (see chosen_executor); Ray connects or starts here.

    ExecutorError with the reason when Ray is asked for but not installed or not reachable.
    """
    if chosen_executor(kind, address) == "local":
        return LocalExecutor(max_parallel)
    address = address or os.environ.get(RAY_ADDRESS_ENV) or None
    env_cpus = os.environ.get(CPUS_PER_JOB_ENV, "")
    if cpus_per_job is None and env_cpus.isdigit() and int(env_cpus) > 0:
        cpus_per_job = int(env_cpus)
    return RayExecutor(address=address, cpus_per_job=cpus_per_job or 1)

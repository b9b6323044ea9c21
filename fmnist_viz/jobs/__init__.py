"""Trainings in the background: the job manager (`manager`: owners, queue, stop), where they run
(`executors`: the interface and the local process pool; `ray_executor`: Ray tasks; `choose`:
which one), the worker that trains one run folder (`worker`), and following runs from a terminal
(`watch`).
"""

from fmnist_viz.jobs.choose import (
    CPUS_PER_JOB_ENV,
    EXECUTOR_ENV,
    EXECUTORS,
    RAY_ADDRESS_ENV,
    chosen_executor,
    make_executor,
)
from fmnist_viz.jobs.executors import MAX_JOBS_ENV, ExecutorError, LocalExecutor, cpu_count
from fmnist_viz.jobs.manager import JobManager, JobView
from fmnist_viz.jobs.ray_executor import RayExecutor, import_ray
from fmnist_viz.jobs.watch import wait_for_jobs

__all__ = [
    "CPUS_PER_JOB_ENV",
    "EXECUTORS",
    "EXECUTOR_ENV",
    "MAX_JOBS_ENV",
    "RAY_ADDRESS_ENV",
    "ExecutorError",
    "JobManager",
    "JobView",
    "LocalExecutor",
    "RayExecutor",
    "chosen_executor",
    "cpu_count",
    "import_ray",
    "make_executor",
    "wait_for_jobs",
]

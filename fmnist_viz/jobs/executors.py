"""Where training jobs run: the local process pool (the default) or a Ray cluster.

A job is a run folder; whatever executes it calls `worker.run_job`, which talks to the rest of
the app only through that folder (progress, history, the STOP file). An executor therefore only
has to start `run_job` somewhere that sees the run store, say when it ended, and withdraw a job
that has not started. `JobManager` and the CLI pick one with `choose.make_executor`.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

MAX_JOBS_ENV = "FMNIST_MAX_JOBS"  # trainings at once on the local pool


class ExecutorError(RuntimeError):
    """An executor cannot be used (Ray missing or unreachable, runs folder not shared)."""


def cpu_count() -> int:
    """The CPUs this process may use (its affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_max_parallel() -> int:
    """Trainings at once on the local pool: FMNIST_MAX_JOBS, else one per two CPUs.

    benchmarks/bench_sweep.py measures the alternatives on one machine; see the README.
    """
    env = os.environ.get(MAX_JOBS_ENV, "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, cpu_count() // 2)


def threads_per_job(max_parallel: int, cpus: int | None = None) -> int:
    """TensorFlow threads per training so that the parallel trainings share the CPUs."""
    return max(1, (cpus or cpu_count()) // max(1, max_parallel))


class JobExecutor(ABC):
    """Runs `worker.run_job(root, run_id, data_dir)` for run folders of one run store."""

    name: str = ""

    @abstractmethod
    def submit(self, root: str, run_id: str, data_dir: str | None) -> Future:
        """Queue one job. The future ends with run_job's status, an exception when the
        process running it died, or cancelled when the job was withdrawn before it started."""

    @abstractmethod
    def withdraw(self, future: Future) -> bool:
        """Withdraw a job that has not started; True when it will never run."""

    @abstractmethod
    def shutdown(self, wait: bool = False) -> None:
        """Withdraw queued jobs and release the workers."""

    def slots(self) -> int:
        """Jobs it runs at once: the job manager hands it a job only while fewer run (it
        keeps the others in its fair queue). One unless an executor knows better."""
        return 1

    @abstractmethod
    def describe(self) -> str:
        """One line saying where jobs run (for logs and the CLI)."""


class LocalExecutor(JobExecutor):
    """A pool of spawned worker processes on this machine, FIFO (concurrent.futures)."""

    name = "local"

    def __init__(self, max_parallel: int | None = None, threads: int | None = None):
        self.max_parallel = max_parallel or default_max_parallel()
        # one training at a time keeps TensorFlow's own default (all CPUs)
        self.threads = threads or (
            threads_per_job(self.max_parallel) if self.max_parallel > 1 else None
        )
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        from fmnist_viz.jobs.worker import init_worker  # TensorFlow-side modules load on first use

        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_parallel,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker,
                initargs=(self.threads, os.getpid()),
            )
        return self._pool

    def submit(self, root: str, run_id: str, data_dir: str | None) -> Future:
        """Queue run_job in the pool (a pool broken by a crashed worker is replaced, once)."""
        from fmnist_viz.jobs.worker import run_job

        with self._lock:
            try:
                pool = self._get_pool()
                future = pool.submit(run_job, root, run_id, data_dir)
            except (BrokenProcessPool, RuntimeError):
                self._pool = None
                pool = self._get_pool()
                future = pool.submit(run_job, root, run_id, data_dir)
        future.add_done_callback(lambda done: self._forget_broken_pool(pool, done))
        return future

    def _forget_broken_pool(self, pool: ProcessPoolExecutor, future: Future) -> None:
        """A worker died: that pool cannot take more work, the next submit starts a new one
        (a newer pool that replaced it already is kept)."""
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            with self._lock:
                if self._pool is pool:
                    self._pool = None

    def slots(self) -> int:
        """The pool's worker processes."""
        return self.max_parallel

    def withdraw(self, future: Future) -> bool:
        """Cancel a job still waiting in the pool's queue."""
        return future.cancel()

    def shutdown(self, wait: bool = False) -> None:
        """Cancel waiting jobs and end the worker processes (after their jobs when wait)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    def describe(self) -> str:
        """E.g. 'local process pool: 1 training at a time, 2 threads each'."""
        s = "" if self.max_parallel == 1 else "s"
        threads = f"{self.threads} TensorFlow thread(s)" if self.threads else "every CPU"
        return f"local process pool: {self.max_parallel} training{s} at a time, {threads} each"

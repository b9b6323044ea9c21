"""Background training jobs shared by all sessions of a server.

Scheduling is `concurrent.futures.ProcessPoolExecutor`'s: a bounded number of worker processes
and a FIFO queue in front of them. Each job is a run folder (see `runs.py`); a worker trains it
with `runs.execute_run` and communicates only through that folder (progress, history, STOP
file), so the same job function could run on any executor that shares the run store (e.g. a Ray
pool) without changes here. Each job belongs to an owner (a session); only the owner can stop it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmnist_viz.runs import (
    ACTIVE,
    BATCHES_FILE,
    RunError,
    RunInfo,
    RunStore,
    now_iso,
    parse_batch_lines,
)
from fmnist_viz.training import TrainConfig


def default_max_parallel() -> int:
    """One training per two CPU cores (at least one), or FMNIST_MAX_JOBS."""
    env = os.environ.get("FMNIST_MAX_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 2) // 2)


def _init_worker(threads: int | None) -> None:
    """Runs once in each worker process: quiet TensorFlow, share the cores fairly."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def run_job(root: str, run_id: str, data_dir: str | None) -> str:
    """The worker side of a job: train one run folder; returns its final status."""
    store = RunStore(root)
    return str(_execute(store, run_id, data_dir).get("status"))


def _execute(store: RunStore, run_id: str, data_dir: str | None) -> dict[str, Any]:
    from fmnist_viz.runs import execute_run

    try:
        return execute_run(store, run_id, data_dir)
    except Exception:
        return store.load(run_id).meta  # already marked failed by execute_run


@dataclass(frozen=True)
class JobView:
    """What a session sees of one of its jobs."""

    run_id: str
    name: str
    status: str  # queued, running, finished, stopped, failed, interrupted
    queue_position: int | None  # 1-based while waiting
    progress: dict[str, Any] | None  # the latest batch progress of a running job
    error: str | None
    meta: dict[str, Any]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class JobManager:
    """Submit, watch and stop training jobs; one instance per server process."""

    def __init__(
        self,
        store: RunStore,
        max_parallel: int | None = None,
        data_dir: str | None = None,
    ):
        self.store = store
        self.max_parallel = max_parallel or default_max_parallel()
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._futures: dict[str, Future] = {}
        self._owners: dict[str, str] = {}
        self._order: list[str] = []
        self._executor: ProcessPoolExecutor | None = None
        self.recovered = store.recover_interrupted()

    # ------------------------------------------------------------ submitting

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            cores = os.cpu_count() or 2
            threads = max(1, cores // self.max_parallel) if self.max_parallel > 1 else None
            self._executor = ProcessPoolExecutor(
                max_workers=self.max_parallel,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(threads,),
            )
        return self._executor

    def submit(
        self,
        owner: str,
        spec: dict[str, Any],
        config: TrainConfig,
        name: str = "",
        arch: str = "",
    ) -> str:
        """Create the run folder (status queued) and queue its training; returns the run id."""
        config.check()
        info = self.store.create(spec, config, name=name, arch=arch)
        self.store.update(info.id, owner=owner)
        with self._lock:
            self._owners[info.id] = owner
            self._order.append(info.id)
            try:
                future = self._pool().submit(run_job, str(self.store.root), info.id, self.data_dir)
            except (BrokenProcessPool, RuntimeError):
                self._executor = None  # a crashed pool is replaced, once
                future = self._pool().submit(run_job, str(self.store.root), info.id, self.data_dir)
            self._futures[info.id] = future
        future.add_done_callback(lambda f, run_id=info.id: self._settle(run_id, f))
        return info.id

    def _settle(self, run_id: str, future: Future) -> None:
        """A job ended: record a crash or a cancellation the worker could not record itself."""
        if future.cancelled():
            self._mark(run_id, "stopped", "Stopped before it started")
            return
        exc = future.exception()
        if exc is not None:
            if isinstance(exc, BrokenProcessPool):
                with self._lock:
                    self._executor = None
            self._mark(run_id, "failed", f"The training process ended abruptly: {exc}")

    def _mark(self, run_id: str, status: str, message: str) -> None:
        try:
            if self.store.load(run_id).status in ACTIVE:
                self.store.update(run_id, status=status, finished=now_iso(), error=message)
        except RunError:
            pass  # deleted meanwhile

    # ------------------------------------------------------------ watching

    def owns(self, owner: str, run_id: str) -> bool:
        return self._owners.get(run_id) == owner

    def jobs(self, owner: str) -> list[JobView]:
        """The owner's jobs of this server process, oldest first."""
        with self._lock:
            mine = [r for r in self._order if self._owners.get(r) == owner]
        return [v for v in (self.view(r) for r in mine) if v is not None]

    def active_jobs(self, owner: str) -> list[JobView]:
        return [j for j in self.jobs(owner) if j.active]

    def view(self, run_id: str) -> JobView | None:
        """Status, queue position and progress of one job (None when its run is gone)."""
        try:
            info = self.store.load(run_id)
        except RunError:
            return None
        status = info.status
        position = self._queue_position(run_id) if status == "queued" else None
        progress = self.store.progress(run_id) if status == "running" else None
        return JobView(run_id, info.name, status, position, progress, info.get("error"), info.meta)

    def _queue_position(self, run_id: str) -> int | None:
        with self._lock:
            order = list(self._order)
        waiting = [r for r in order if self._status(r) == "queued"]
        return waiting.index(run_id) + 1 if run_id in waiting else None

    def _status(self, run_id: str) -> str:
        try:
            return self.store.load(run_id).status
        except RunError:
            return "gone"

    def running_count(self) -> int:
        with self._lock:
            order = list(self._order)
        return sum(1 for r in order if self._status(r) == "running")

    # ------------------------------------------------------------ stopping

    def stop(self, owner: str, run_id: str) -> bool:
        """Stop one of the owner's jobs; False when it is not theirs or already over."""
        if not self.owns(owner, run_id):
            return False
        future = self._futures.get(run_id)
        if future is not None and future.cancel():
            return True  # never started; _settle marks it stopped
        if self._status(run_id) not in ACTIVE:
            return False
        self.store.request_stop(run_id)
        return True

    def shutdown(self, wait: bool = False) -> None:
        """Stop every job and the worker processes (server shutdown, tests)."""
        with self._lock:
            order = list(self._order)
            executor, self._executor = self._executor, None
        for run_id in order:
            if self._status(run_id) in ACTIVE:
                future = self._futures.get(run_id)
                if future is None or not future.cancel():
                    self.store.request_stop(run_id)
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)


class BatchTail:
    """Incremental reader of a run's batches.csv: each call returns only the new rows."""

    def __init__(self, store: RunStore, run_id: str):
        self.path: Path = store.path(run_id) / BATCHES_FILE
        self.offset = 0
        self.rows: list[tuple[int, int, float, float]] = []

    def read(self) -> list[tuple[int, int, float, float]]:
        """All rows so far (reads only what was appended since the last call)."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except OSError:
            return self.rows
        end = chunk.rfind(b"\n") + 1  # leave a torn last line for the next read
        if end:
            lines = chunk[:end].decode("utf-8", errors="replace").splitlines()
            self.rows.extend(parse_batch_lines(lines[0 if self.offset else 1 :]))
            self.offset += end
        return self.rows


def owner_runs(store: RunStore, owner: str) -> list[RunInfo]:
    """Runs created by one owner (also those from before a server restart)."""
    return [r for r in store.list() if r.get("owner") == owner]

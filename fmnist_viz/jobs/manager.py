"""Background training jobs shared by all sessions of a server (and the CLI's runs).

Each job is a run folder (see `store.py`); where it trains is the executor's business (see
`executors.py`: a local process pool by default, or Ray). A worker trains it with
`worker.run_job` and communicates only through that folder (progress, history, STOP file).
Each job belongs to an owner (a session); only the owner can stop it.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from fmnist_viz.jobs.choose import make_executor
from fmnist_viz.jobs.executors import JobExecutor, LocalExecutor
from fmnist_viz.runs import ACTIVE, RUN_FILE, RunError, RunInfo, RunStore, now_iso
from fmnist_viz.training import TrainConfig, check_training, memory_limit_mb


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
        """True while the job is queued or running."""
        return self.status in ACTIVE


class JobManager:
    """Submit, watch and stop training jobs; one instance per server process."""

    def __init__(
        self,
        store: RunStore,
        max_parallel: int | None = None,
        data_dir: str | None = None,
        memory_limit: int | None = None,
        executor: JobExecutor | None = None,
    ):
        """executor: where jobs run; by default the one FMNIST_EXECUTOR / FMNIST_RAY_ADDRESS
        name (see choose.make_executor), created at the first submit."""
        self.store = store
        self.data_dir = data_dir
        self.memory_limit_mb = memory_limit_mb(memory_limit)  # ConfigError when invalid
        self._max_parallel = max_parallel
        self._lock = threading.Lock()
        self._futures: dict[str, Future] = {}
        self._owners: dict[str, str] = {}
        self._order: list[str] = []
        self._executor = executor
        self._seen: dict[str, tuple[tuple[int, int, int], RunInfo]] = {}
        # a server start: persist runs a dead process left active, clear killed writes' temp
        # files (both only where the store is writable; listing works on a read-only one)
        self.recovered = store.recover_interrupted()
        store.remove_temp_files()
        # when the server shuts down, ask running jobs to stop first: the pool's exit waits
        # for its workers, and a stopped run keeps its best weights (nothing finished is lost)
        register = getattr(threading, "_register_atexit", None)
        if register is not None:
            with contextlib.suppress(RuntimeError):  # already shutting down
                register(self._stop_all)

    # ------------------------------------------------------------ submitting

    @property
    def executor(self) -> JobExecutor:
        """Where the jobs run (created on first use; ExecutorError when it cannot be)."""
        with self._lock:
            if self._executor is None:
                if self._max_parallel is not None:
                    self._executor = LocalExecutor(self._max_parallel)
                else:
                    self._executor = make_executor()
            return self._executor

    def submit(
        self,
        owner: str,
        spec: dict[str, Any],
        config: TrainConfig,
        name: str = "",
        arch: str = "",
        extra: dict[str, Any] | None = None,
    ) -> str:
        """Create the run folder (status queued) and queue its training; returns the run id.
        extra: more run.json fields (e.g. the sweep a run belongs to), written before it starts.

        ConfigError (ResourceError for memory) before anything is created when the settings
        or the model's memory do not fit; RunError when the run store cannot be written;
        ExecutorError when the executor cannot run it (the run is then marked failed).
        """
        config.check()
        check_training(spec, config.batch_size, self.memory_limit_mb)
        executor = self.executor
        info = self.store.create(spec, config, name=name, arch=arch)
        self.store.update(
            info.id, **(extra or {}), owner=owner, memory_limit_mb=self.memory_limit_mb
        )
        with self._lock:
            self._owners[info.id] = owner
            self._order.append(info.id)
        try:
            future = executor.submit(str(self.store.root), info.id, self.data_dir)
        except Exception as exc:
            self._mark(info.id, "failed", f"Could not be queued: {exc}")
            raise
        with self._lock:
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
            self._mark(run_id, "failed", f"The training process ended abruptly: {exc}")

    def _mark(self, run_id: str, status: str, message: str) -> None:
        """Set an ended status the worker could not record itself (crash, cancellation)."""
        try:
            # the recorded status: a run whose process died already lists as interrupted
            if self.store.load(run_id).get("status") in ACTIVE:
                self.store.update(run_id, status=status, finished=now_iso(), error=message)
        except RunError:
            pass  # deleted meanwhile

    # ------------------------------------------------------------ watching

    def owns(self, owner: str, run_id: str) -> bool:
        """True when the job was submitted by this owner (in this server process)."""
        return self._owners.get(run_id) == owner

    def jobs(self, owner: str) -> list[JobView]:
        """The owner's jobs of this server process, oldest first."""
        with self._lock:
            mine = [r for r in self._order if self._owners.get(r) == owner]
        return [v for v in (self.view(r) for r in mine) if v is not None]

    def active_jobs(self, owner: str) -> list[JobView]:
        """The owner's queued and running jobs."""
        return [j for j in self.jobs(owner) if j.active]

    def view(self, run_id: str) -> JobView | None:
        """Status, queue position and progress of one job (None when its run is gone)."""
        info = self._load(run_id)
        if info is None:
            return None
        status = info.status
        position = self._queue_position(run_id) if status == "queued" else None
        progress = self.store.progress(run_id) if status == "running" else None
        return JobView(run_id, info.name, status, position, progress, info.get("error"), info.meta)

    def _load(self, run_id: str) -> RunInfo | None:
        """The run's info, re-read only when its run.json was replaced since the last read.

        Every write replaces run.json with a new file (atomic rename), so its inode and
        modification time identify a version; a poll of many jobs then costs a stat each.
        """
        try:
            st = (self.store.path(run_id) / RUN_FILE).stat()
        except (OSError, RunError):
            self._seen.pop(run_id, None)
            return None
        version = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._seen.get(run_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        try:
            info = self.store.load(run_id)
        except RunError:
            return None
        self._seen[run_id] = (version, info)
        return info

    def _queue_position(self, run_id: str) -> int | None:
        """1-based place among this manager's jobs still waiting to start."""
        with self._lock:
            order = list(self._order)
        waiting = [r for r in order if self._status(r) == "queued"]
        return waiting.index(run_id) + 1 if run_id in waiting else None

    def _status(self, run_id: str) -> str:
        """The run's current status ('gone' once its folder is deleted)."""
        info = self._load(run_id)
        return "gone" if info is None else info.status

    # ------------------------------------------------------------ stopping

    def stop(self, owner: str, run_id: str) -> bool:
        """Stop one of the owner's jobs; False when it is not theirs or already over."""
        if not self.owns(owner, run_id):
            return False
        status = self._status(run_id)
        if status not in ACTIVE:
            return False
        # the STOP file stops a running job (and one starting at this very moment); a queued
        # one is withdrawn as well (it never starts; _settle marks it stopped)
        self.store.request_stop(run_id)
        if status == "queued":
            self._withdraw_if_queued(run_id)
        return True

    def _withdraw_if_queued(self, run_id: str) -> bool:
        """Ask the executor to drop a job that has not started; True when it will not run."""
        future = self._futures.get(run_id)
        executor = self._executor
        return future is not None and executor is not None and executor.withdraw(future)

    def _stop_all(self) -> None:
        """Ask every job of this manager to stop (server shutdown)."""
        with self._lock:
            order = list(self._order)
        for run_id in order:
            status = self._status(run_id)
            if status in ACTIVE:
                with contextlib.suppress(OSError, RunError):
                    self.store.request_stop(run_id)
                if status == "queued":
                    self._withdraw_if_queued(run_id)

    def shutdown(self, wait: bool = False) -> None:
        """Stop every job and the worker processes (server shutdown, tests)."""
        self._stop_all()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)

"""Background training jobs shared by all sessions of a server (and the CLI's runs).

Each job is a run folder (see `store.py`); a worker trains it with `worker.run_job` and
communicates only through that folder (progress, history, STOP file). Each job belongs to an
owner (a browser); only the owner, or a teacher (see `teacher.py`), can stop it.

The manager keeps waiting jobs in its fair queue (`queue.py`: round robin between owners, a
limit of active jobs per browser) and hands the next one to the executor (the local process
pool or Ray, see `executors.py`) only while it has a free slot, so the order is the same
whichever executor runs them. A job that ends starts the next.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future
from typing import Any

from fmnist_viz.jobs.choose import make_executor
from fmnist_viz.jobs.classroom import Classroom
from fmnist_viz.jobs.eta import Durations, InFlight, queue_places
from fmnist_viz.jobs.executors import ExecutorError, JobExecutor, LocalExecutor
from fmnist_viz.jobs.job_view import JobView
from fmnist_viz.jobs.nicknames import Nicknames
from fmnist_viz.jobs.queue import FairQueue, is_limited, limit_problem, max_jobs_per_owner
from fmnist_viz.jobs.teacher import TeacherGate, TeacherPass
from fmnist_viz.jobs.worker import WITHDRAWN
from fmnist_viz.runs import ACTIVE, RUN_FILE, RunError, RunInfo, RunStore, now_iso
from fmnist_viz.training import TrainConfig, check_training, memory_limit_mb

PAUSED = "The teacher has paused new trainings for now"
ENDED_UNRECORDED = "The training ended without recording how (could its run folder be written?)"
DURATIONS_CACHE_S = 30.0  # finished runs' durations are re-read this often at most


class QueueError(ExecutorError):
    """The queue refuses a job: the browser's limit is reached, or submissions are paused.
    (An ExecutorError, so callers that show why a job cannot start show this reason too.)"""


class JobManager:
    """Submit, watch and stop training jobs; one instance per server process."""

    def __init__(
        self,
        store: RunStore,
        max_parallel: int | None = None,
        data_dir: str | None = None,
        memory_limit: int | None = None,
        executor: JobExecutor | None = None,
        teacher: TeacherGate | None = None,
        max_per_owner: int | None = None,
    ):
        """executor: where jobs run; by default the one FMNIST_EXECUTOR / FMNIST_RAY_ADDRESS
        name (see choose.make_executor), created at the first submit. teacher: the gate of
        teacher rights (default: FMNIST_TEACHER_KEY). max_per_owner: active jobs a browser
        may have (default FMNIST_MAX_JOBS_PER_BROWSER, 2)."""
        self.store = store
        self.data_dir = data_dir
        self.memory_limit_mb = memory_limit_mb(memory_limit)  # ConfigError when invalid
        self.teacher = teacher or TeacherGate.from_env()
        self.classroom = Classroom(store.root, self.teacher)
        self.nicknames = Nicknames(store.root)
        self.max_per_owner = max_per_owner or max_jobs_per_owner()
        self._max_parallel = max_parallel
        self._lock = threading.Lock()
        self._dispatching = threading.RLock()  # one dispatch at a time (re-entered by ends)
        self._futures: dict[str, Future] = {}
        self._owners: dict[str, str] = {}
        self._order: list[str] = []
        self._queue = FairQueue()
        self._in_flight: dict[str, Future | None] = {}  # handed to the executor, not ended
        self._reserved: dict[str, int] = {}  # owner -> submits between check and queue
        self._executor = executor
        self._seen: dict[str, tuple[tuple[int, int, int], RunInfo]] = {}
        self._durations: tuple[float, Durations] | None = None
        # a server start: persist runs a dead process left active, clear killed writes' temp
        # files (both only where the store is writable; listing works on a read-only one)
        self.recovered = store.recover_interrupted()
        store.remove_temp_files()
        # at server shutdown, stop running jobs first: a stopped run keeps its best weights
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

    def submit_problem(self, owner: str, count: int = 1) -> str | None:
        """Why `owner` cannot queue `count` more jobs now (the reason Start is disabled), or
        None: submissions paused by the teacher, or the browser's limit of active jobs. The
        CLI's jobs are never refused."""
        with self._lock:
            return self._problem(owner, count)

    def _problem(self, owner: str, count: int) -> str | None:
        """submit_problem under the lock."""
        if not is_limited(owner):
            return None
        if self.classroom.settings.paused:
            return PAUSED
        active = self._active_count(owner) + self._reserved.get(owner, 0)
        return limit_problem(active, count, self.max_per_owner)

    def _active_count(self, owner: str) -> int:
        """The owner's jobs waiting here or handed to the executor and not ended."""
        running = sum(1 for r in self._in_flight if self._owners.get(r) == owner)
        return running + len(self._queue.owners_jobs(owner))

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
        or the model's memory do not fit; QueueError (an ExecutorError) when the queue refuses
        it (see submit_problem); RunError when the run store cannot be written; ExecutorError
        when the executor cannot run it (the run is then marked failed).
        """
        config.check()
        check_training(spec, config.batch_size, self.memory_limit_mb)
        executor = self.executor
        with self._lock:
            problem = self._problem(owner, 1)
            if problem:
                raise QueueError(problem)
            self._reserved[owner] = self._reserved.get(owner, 0) + 1
        try:
            info = self.store.create(spec, config, name=name, arch=arch)
            self.store.update(
                info.id,
                **(extra or {}),
                owner=owner,
                nickname=self.nicknames.get(owner),
                memory_limit_mb=self.memory_limit_mb,
            )
            with self._lock:
                self._owners[info.id] = owner
                self._order.append(info.id)
                self._queue.push(info.id, owner)
        finally:
            with self._lock:
                self._reserved[owner] -= 1
        error = self._dispatch(executor).get(info.id)
        if error is not None:
            raise error
        return info.id

    def _slots(self, executor: JobExecutor) -> int:
        """The executor's slots (1 when it cannot tell)."""
        try:
            return max(1, int(executor.slots()))
        except Exception:
            return 1

    def _dispatch(self, executor: JobExecutor | None = None) -> dict[str, Exception]:
        """Hand waiting jobs to the executor, in the fair order, while it has free slots;
        returns the jobs it refused (marked failed) with the error."""
        errors: dict[str, Exception] = {}
        executor = executor or self._executor
        if executor is None:
            return errors
        with self._dispatching:
            while True:
                with self._lock:
                    if not len(self._queue) or len(self._in_flight) >= self._slots(executor):
                        return errors
                    job = self._queue.pop()
                    assert job is not None
                    self._in_flight[job.run_id] = None  # its slot, while it is handed over
                try:
                    future = executor.submit(str(self.store.root), job.run_id, self.data_dir)
                except Exception as exc:
                    with self._lock:
                        self._in_flight.pop(job.run_id, None)
                    self._mark(job.run_id, "failed", f"Could not be queued: {exc}")
                    errors[job.run_id] = exc
                    continue
                with self._lock:
                    self._futures[job.run_id] = future
                    self._in_flight[job.run_id] = future
                future.add_done_callback(lambda f, r=job.run_id: self._ended(r, f))

    def _ended(self, run_id: str, future: Future) -> None:
        """A job ended: record what the worker could not, free its slot, start the next."""
        self._settle(run_id, future)
        with self._lock:
            self._in_flight.pop(run_id, None)
        with contextlib.suppress(Exception):  # an executor gone at shutdown
            self._dispatch()

    def _settle(self, run_id: str, future: Future) -> None:
        """Record a crash or a cancellation the worker could not record itself."""
        if future.cancelled():
            self._mark(run_id, "stopped", "Stopped before it started")
            return
        exc = future.exception()
        if exc is not None:
            self._mark(run_id, "failed", f"The training process ended abruptly: {exc}")
        elif future.result() in ACTIVE:  # the worker could not write how it ended (disk full?)
            self._mark(run_id, "failed", ENDED_UNRECORDED)

    def _mark(self, run_id: str, status: str, message: str) -> None:
        """Set an ended status the worker could not record itself (crash, cancellation)."""
        try:
            # the recorded status: a run whose process died already lists as interrupted
            if self.store.load(run_id).get("status") in ACTIVE:
                self.store.update(run_id, status=status, finished=now_iso(), error=message)
        except (OSError, RunError):
            pass  # deleted meanwhile, or the disk refuses the write

    # ------------------------------------------------------------ nicknames

    def nickname(self, owner: str) -> str:
        """The owner's nickname ('' when none)."""
        return self.nicknames.get(owner)

    def set_nickname(self, owner: str, text: str) -> str:
        """Set the owner's nickname (cleaned, see nicknames.clean_nickname); returns it. Runs
        submitted from now on record it."""
        return self.nicknames.set(owner, text)

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
        """Status, place in the queue (with an estimated start) and progress of one job
        (None when its run is gone)."""
        info = self._load(run_id)
        if info is None:
            return None
        status = info.status
        place = self._places().get(run_id) if status == "queued" else None
        progress = self.store.progress(run_id) if status == "running" else None
        return JobView(
            run_id,
            info.name,
            status,
            place[0] if place else None,
            progress,
            info.get("error"),
            info.meta,
            str(info.get("nickname") or ""),
            place[1] if place else None,
        )

    def queue(self) -> list[JobView]:
        """Everyone's running and queued jobs of this server, in the order they run (running
        first), with progress and places: the Class board's queue."""
        with self._lock:
            ids = list(self._in_flight) + [w.run_id for w in self._queue.order()]
        views = [v for v in (self.view(r) for r in ids) if v is not None and v.active]
        return sorted(views, key=lambda v: (v.status != "running", v.queue_position or 0))

    def _places(self) -> dict[str, tuple[int, float]]:
        """Place (1-based) and estimated seconds to start of every job not started yet."""
        with self._lock:
            in_flight = list(self._in_flight)
            waiting = [w.run_id for w in self._queue.order()]
        handed = []
        for run_id in in_flight:
            info = self._load(run_id)
            if info is not None:
                progress = self.store.progress(run_id) if info.status == "running" else None
                handed.append(InFlight(run_id, info.meta, info.status == "queued", progress))
        queued = [(r, i.meta) for r in waiting if (i := self._load(r)) is not None]
        executor = self._executor
        slots = self._slots(executor) if executor is not None else 1
        return queue_places(handed, queued, self._measured(), slots)

    def _measured(self) -> Durations:
        """Durations of the store's finished runs (re-read every DURATIONS_CACHE_S)."""
        cached = self._durations
        if cached is None or time.monotonic() - cached[0] > DURATIONS_CACHE_S:
            cached = (time.monotonic(), Durations(self.store.list()))
            self._durations = cached
        return cached[1]

    def _load(self, run_id: str) -> RunInfo | None:
        """The run's info, re-read only when run.json was replaced (every write is an atomic
        rename: inode, time and size name a version), so a poll costs a stat per job."""
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

    def _status(self, run_id: str) -> str:
        """The run's current status ('gone' once its folder is deleted)."""
        info = self._load(run_id)
        return "gone" if info is None else info.status

    # ------------------------------------------------------------ stopping

    def stop(self, owner: str, run_id: str, teacher_pass: TeacherPass | None = None) -> bool:
        """Stop a job: the owner's own, or any job of the server with a teacher's pass.
        A waiting job is withdrawn (it never starts); a running one stops through its STOP
        file and keeps its best weights. False when not allowed or already over."""
        teacher = self.teacher.valid(teacher_pass)
        if not (self.owns(owner, run_id) or teacher):
            return False
        with self._lock:
            waiting = self._queue.remove(run_id)
        if waiting is not None:
            self._mark(run_id, "stopped", WITHDRAWN)
            return True
        status = self._status(run_id)
        if status not in ACTIVE:
            return False
        # the STOP file stops a running job (and one starting at this very moment); one the
        # executor holds but has not started is withdrawn as well (_settle marks it stopped)
        self.store.request_stop(run_id)
        if status == "queued":
            self._withdraw_if_queued(run_id)
        return True

    def withdraw(self, teacher_pass: TeacherPass | None, run_id: str) -> bool:
        """A teacher withdraws a waiting job (it never starts); RightsError without a valid
        pass; False when the job is not waiting."""
        self.teacher.check(teacher_pass)
        with self._lock:
            waiting = self._queue.remove(run_id)
        if waiting is None:
            return False
        self._mark(run_id, "stopped", WITHDRAWN)
        return True

    def _withdraw_if_queued(self, run_id: str) -> bool:
        """Ask the executor to drop a job that has not started; True when it will not run."""
        future = self._futures.get(run_id)
        executor = self._executor
        return future is not None and executor is not None and executor.withdraw(future)

    def _stop_all(self) -> None:
        """Withdraw every waiting job and ask every running one to stop (server shutdown)."""
        with self._lock:
            waiting = list(self._queue.run_ids())
            for run_id in waiting:
                self._queue.remove(run_id)
            order = list(self._in_flight)
        for run_id in waiting:
            self._mark(run_id, "stopped", WITHDRAWN)
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

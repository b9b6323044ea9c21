"""Executors for the tests that need no worker process: one that runs each job in a thread of
this process (real `run_job`, so a failure can be injected with monkeypatch), and a scripted one
whose jobs start and end only when a test says so (deterministic, no TensorFlow)."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from fmnist_viz.jobs.executors import JobExecutor


class ThreadExecutor(JobExecutor):
    """Runs `worker.run_job` in a thread of this process, one job at a time."""

    name = "thread"

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def submit(self, root: str, run_id: str, data_dir: str | None) -> Future:
        """Start run_job in a new thread; its future ends with the run's status."""
        from fmnist_viz.jobs.worker import run_job

        future: Future = Future()

        def work() -> None:
            try:
                future.set_result(run_job(root, run_id, data_dir))
            except BaseException as exc:
                future.set_exception(exc)

        thread = threading.Thread(target=work, daemon=True)
        self._threads.append(thread)
        thread.start()
        return future

    def withdraw(self, future: Future) -> bool:
        """Threads start at once: nothing is ever waiting."""
        return False

    def slots(self) -> int:
        """One job at a time."""
        return 1

    def shutdown(self, wait: bool = False) -> None:
        """Wait for the threads when asked to."""
        for thread in self._threads if wait else ():
            thread.join()

    def describe(self) -> str:
        """Where the jobs run."""
        return "threads of the test process"


class ScriptedExecutor(JobExecutor):
    """Jobs that start when submitted and end when the test calls `finish` (no training).

    `started` lists the run ids in the order they were handed over; `slots()` is settable."""

    name = "scripted"

    def __init__(self, slots: int = 1) -> None:
        self.free_slots = slots
        self.started: list[str] = []
        self.futures: dict[str, Future] = {}
        self.withdrawn: list[str] = []

    def submit(self, root: str, run_id: str, data_dir: str | None) -> Future:
        """Record the job as started; its future ends in finish()."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        self.started.append(run_id)
        self.futures[run_id] = future
        return future

    def finish(self, run_id: str, status: str = "finished") -> None:
        """End a started job (the worker would have written its status)."""
        self.futures[run_id].set_result(status)

    def crash(self, run_id: str) -> None:
        """End a started job as if its process died."""
        self.futures[run_id].set_exception(RuntimeError("worker died"))

    def withdraw(self, future: Future) -> bool:
        """Started jobs cannot be withdrawn (the manager keeps the waiting ones)."""
        return False

    def slots(self) -> int:
        """Jobs it runs at once."""
        return self.free_slots

    def shutdown(self, wait: bool = False) -> None:
        """Nothing to release."""

    def describe(self) -> str:
        """Where the jobs run."""
        return "a scripted test executor"


class HandClock:
    """A monotonic clock the test moves by hand (a teacher gate's delays, without sleeping):
    the `clock` fixture."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

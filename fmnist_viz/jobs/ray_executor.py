"""Training jobs as Ray tasks: on a local Ray started for the user, or on an existing cluster.

Each job is one task (`max_calls=1`: a fresh worker process, so TensorFlow's thread counts can
be set from the task's CPUs before it starts; `max_retries=0`: a job whose worker dies is
failed, not silently restarted). The job manager hands over a job only when a slot is free
(`slots`: the alive nodes' CPUs per job), so its fair queue decides the order, not Ray's.
A task writes only to its run folder, so every node must see the runs folder at the same path
(a shared filesystem): that is checked, once per folder, before the first job is submitted.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from fmnist_viz.jobs.executors import ExecutorError, JobExecutor
from fmnist_viz.runs import write_bytes_atomic

RAY_MISSING = "Ray is not installed: pip install ray (or run on the local executor, the default)"
PROBE_TIMEOUT_S = 120.0  # a node that cannot run a zero-CPU task in this time is unusable
PROBE_PREFIX = ".executor-probe-"
SLOTS_CACHE_S = 5.0  # how long the cluster's count of training slots is trusted


def import_ray() -> Any:
    """The ray module; ExecutorError with the install hint when it is missing."""
    try:
        import ray
    except ImportError as exc:
        raise ExecutorError(RAY_MISSING) from exc
    return ray


def _package_parent() -> str:
    """The folder that holds the fmnist_viz package (put on the workers' import path)."""
    return str(Path(__file__).resolve().parents[2])


def job_task(root: str, run_id: str, data_dir: str | None, threads: int) -> str:
    """The Ray task of one job: TensorFlow threads from the task's CPUs, then run_job."""
    from fmnist_viz.jobs.worker import init_worker, run_job

    init_worker(threads)
    return run_job(root, run_id, data_dir)


def probe_task(root: str, name: str, token: str) -> tuple[str, str | None]:
    """Write a token file into the runs folder; return (host, error or None)."""
    try:
        write_bytes_atomic(Path(root) / name, token.encode())
    except OSError as exc:
        return socket.gethostname(), f"{type(exc).__name__}: {exc}"
    return socket.gethostname(), None


class RayExecutor(JobExecutor):
    """Jobs as Ray tasks of `cpus_per_job` CPUs each, handed over while a slot is free."""

    name = "ray"

    def __init__(self, address: str | None = None, cpus_per_job: int = 1, num_cpus=None):
        ray = import_ray()
        self.ray = ray
        self.address = address
        self.cpus_per_job = max(1, int(cpus_per_job))
        self.owns_ray = not ray.is_initialized()
        if self.owns_ray:
            self._start(address, num_cpus)
        self._job = ray.remote(max_calls=1, max_retries=0)(job_task)
        self._probe = ray.remote(num_cpus=0, max_retries=0)(probe_task)
        self._lock = threading.Lock()
        self._refs: dict[Future, Any] = {}
        self._checked: set[str] = set()
        self._slots: tuple[float, int] | None = None  # (when asked, trainings at once)

    def _start(self, address: str | None, num_cpus: int | None) -> None:
        """Connect to the cluster at address, or start a local Ray (ExecutorError if neither)."""
        path = os.pathsep.join(p for p in (_package_parent(), os.environ.get("PYTHONPATH")) if p)
        try:
            self.ray.init(
                address=address,
                num_cpus=None if address else num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env={"env_vars": {"PYTHONPATH": path}},
            )
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
            where = f"connect to the Ray cluster at {address}" if address else "start Ray"
            raise ExecutorError(f"Cannot {where}: {exc}") from exc

    # ------------------------------------------------------------ the runs folder

    def _nodes(self) -> list[dict[str, Any]]:
        """The alive nodes that can run a training (they have CPUs)."""
        return [
            n
            for n in self.ray.nodes()
            if n.get("Alive") and (n.get("Resources") or {}).get("CPU", 0) > 0
        ]

    def check_store(self, root: str) -> None:
        """Check that a worker on every node can write the runs folder and that this machine
        sees what it wrote; ExecutorError naming the node otherwise. Once per folder."""
        if root in self._checked:
            return
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        token = uuid.uuid4().hex
        probes = []
        nodes = self._nodes()
        for i, node in enumerate(nodes):
            name = f"{PROBE_PREFIX}{token}-{i}"
            strategy = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            ref = self._probe.options(scheduling_strategy=strategy).remote(root, name, token)
            probes.append((node.get("NodeManagerAddress", "?"), name, ref))
        if not probes:
            raise ExecutorError("The Ray cluster has no alive node with CPUs")
        largest = max(int(n["Resources"].get("CPU", 0)) for n in nodes)
        if self.cpus_per_job > largest:
            raise ExecutorError(
                f"{self.cpus_per_job} CPUs per training, but the largest Ray node has {largest}: "
                "the trainings could never start"
            )
        for address, name, ref in probes:
            self._check_probe(root, address, name, token, ref)
        self._checked.add(root)

    def _check_probe(self, root: str, address: str, name: str, token: str, ref: Any) -> None:
        """One node's probe: it wrote the file, and it is the file this machine reads."""
        try:
            host, error = self.ray.get(ref, timeout=PROBE_TIMEOUT_S)
        except self.ray.exceptions.GetTimeoutError as exc:
            raise ExecutorError(
                f"The Ray node {address} did not answer within {PROBE_TIMEOUT_S:g} s"
            ) from exc
        if error is not None:
            raise ExecutorError(
                f"Ray workers on {host} ({address}) cannot write the runs folder {root}: {error}. "
                "Every node needs it at the same path on a shared filesystem."
            )
        path = Path(root) / name
        try:
            seen = path.read_text(encoding="utf-8")
            path.unlink()
        except OSError:
            seen = None
        if seen != token:
            raise ExecutorError(
                f"Ray workers on {host} ({address}) wrote into {root}, but this machine does not "
                "see it: a cluster needs the runs folder on a shared filesystem (e.g. NFS), "
                "at the same path on every node."
            )

    def slots(self) -> int:
        """Trainings the cluster runs at once: per alive node, its CPUs // CPUs per job
        (a task runs on one node); at least 1. Asked again after SLOTS_CACHE_S seconds."""
        now = time.monotonic()
        cached = self._slots
        if cached is not None and now - cached[0] < SLOTS_CACHE_S:
            return cached[1]
        try:
            nodes = self._nodes()
        except Exception:  # a cluster that does not answer: keep the last count
            return cached[1] if cached is not None else 1
        count = sum(int(n["Resources"].get("CPU", 0)) // self.cpus_per_job for n in nodes)
        self._slots = (now, max(1, count))
        return self._slots[1]

    # ------------------------------------------------------------ jobs

    def submit(self, root: str, run_id: str, data_dir: str | None) -> Future:
        """Queue one job as a task; the returned future mirrors the task's end.
        ExecutorError for the runs-folder check or any error of the Ray cluster."""
        try:
            self.check_store(root)
            ref = self._job.options(num_cpus=self.cpus_per_job).remote(
                root, run_id, data_dir, self.cpus_per_job
            )
        except self.ray.exceptions.RayError as exc:
            raise ExecutorError(
                f"The Ray cluster refused the job: {type(exc).__name__}: {exc}"
            ) from exc
        future: Future = Future()
        with self._lock:
            self._refs[future] = ref
        ref.future().add_done_callback(lambda done: self._settle(future, done))
        return future

    def _settle(self, future: Future, done: Future) -> None:
        """Translate the task's end: a result, a withdrawal (cancelled), or a dead worker."""
        with self._lock:
            self._refs.pop(future, None)
        exceptions = self.ray.exceptions
        try:
            result = done.result()
        except exceptions.TaskCancelledError:
            future.cancel()
        except (exceptions.WorkerCrashedError, exceptions.NodeDiedError) as exc:
            future.set_exception(ExecutorError(f"its Ray worker died ({type(exc).__name__})"))
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)

    def withdraw(self, future: Future) -> bool:
        """ray.cancel the job's task: a queued task never runs (one that has just started gets
        KeyboardInterrupt); True while the task has not ended."""
        with self._lock:
            ref = self._refs.get(future)
        if ref is None:
            return False
        self.ray.cancel(ref)
        return True

    def shutdown(self, wait: bool = False) -> None:
        """Wait for the tasks (when wait) and stop the local Ray this executor started.

        Nothing is cancelled here: the job manager has already withdrawn the queued jobs and
        asked the running ones to stop through their STOP files (cancelling a running task
        would interrupt it before it records how it ended)."""
        with self._lock:
            refs = list(self._refs.values())
        if wait and refs:
            self.ray.wait(refs, num_returns=len(refs))
        if self.owns_ray and self.ray.is_initialized():
            self.ray.shutdown()

    def describe(self) -> str:
        """E.g. 'Ray at 10.0.0.5:6379: 8 CPUs on 2 nodes, 1 CPU per training'."""
        nodes = self._nodes()
        cpus = sum(int(n["Resources"].get("CPU", 0)) for n in nodes)
        where = f"Ray at {self.address}" if self.address else "Ray (local)"
        s = "s" if len(nodes) != 1 else ""
        return f"{where}: {cpus} CPUs on {len(nodes)} node{s}, {self.cpus_per_job} CPU per training"

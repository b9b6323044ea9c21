"""What runs inside a worker process: train one run folder end to end.

A job is a run folder (see `store.py`). Whatever executes it (the job manager's process pool,
the CLI in its own process, or another executor that shares the run store) calls `run_job` or
`execute_run`, which communicate only through that folder: progress, history, STOP file.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

from fmnist_viz.runs import RunRecorder, RunStore, now_iso
from fmnist_viz.training import Observer, TrainConfig

WITHDRAWN = "Withdrawn before it started"
SERVER_GONE = "Stopped: the app's server ended while it trained (its finished epochs are kept)"
WORKER_NICE_ENV = "FMNIST_WORKER_NICE"
DEFAULT_WORKER_NICE = 10  # trainings yield the CPU to the app's server (pages first)
NICE_MAX = 19


def worker_nice() -> int:
    """The niceness workers run at: FMNIST_WORKER_NICE (0–19), else DEFAULT_WORKER_NICE."""
    raw = os.environ.get(WORKER_NICE_ENV, "").strip()
    if not raw.isdigit():
        return DEFAULT_WORKER_NICE
    return min(int(raw), NICE_MAX)


def lower_priority(nice: int) -> int:
    """Run this process at niceness `nice` at least (never raised back: a reused Ray worker
    keeps its level); returns the niceness now."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if current < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    return os.getpriority(os.PRIO_PROCESS, 0)


SERVER_CHECK_S = 1.0  # how often a pool worker looks whether its server is still there
_server: dict[str, int] = {}  # the pid of the process whose pool this worker serves
_in_hand = threading.Lock()  # held while this worker trains a run


def init_worker(threads: int | None, server_pid: int | None = None) -> None:
    """Runs once in each worker process: quiet TensorFlow, share the cores fairly, run below the
    server's priority (on a shared machine a page must not wait for a training: the scheduler
    gives a training what the server leaves), and ignore Ctrl-C (a terminal sends it to the whole
    process group): a worker stops through its run's STOP file, which keeps the best weights and
    records the run as stopped. Niceness changes no number a training computes.

    `server_pid`: the process that started this worker (the app's server, for the local pool);
    once it is gone the training in hand stops as if asked to (see `server_gone`) and the
    worker ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if server_pid is not None:
        _server["pid"] = server_pid
        threading.Thread(target=_end_with_server, name="fmnist-server-watch", daemon=True).start()
    lower_priority(worker_nice())
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def server_gone() -> bool:
    """Has the process this worker serves ended? A pool worker outlives its server (killed,
    or ended while a training ran): it would go on training for nobody, on the cores the next
    server needs. Its parent is then another process (init, or a subreaper)."""
    pid = _server.get("pid")
    return pid is not None and os.getppid() != pid


def _end_with_server() -> None:
    """The worker's watch thread: once the server is gone, end this process as soon as no run
    is in hand (the training in hand stops first, at its next check). Waiting for work would
    never end by itself: the pool's queue is a pipe this process holds both ends of."""
    while not server_gone():
        time.sleep(SERVER_CHECK_S)
    with _in_hand:
        os._exit(0)  # everything of the last run is written (atomically) by now


def execute_run(
    store: RunStore,
    run_id: str,
    data_dir: str | None = None,
    observers: tuple[Observer, ...] = (),
) -> dict[str, Any]:
    """Train the run folder's spec/config end to end; return the final run.json."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.training import train

    info = store.load(run_id)
    recorder = RunRecorder(store, run_id)
    if recorder.should_stop():  # stopped before it began: no data to load, no TensorFlow
        store.update(run_id, status="stopped", finished=now_iso(), error=WITHDRAWN)
        return store.load(run_id).meta
    try:
        data = load_fashion_mnist(data_dir)
        recorder.mark_running(data.describe())
        config = TrainConfig.from_dict(info.meta["config"])
        recorder.prepare(info.meta["spec"])
        result = train(
            info.meta["spec"],
            config,
            data,
            (recorder, *observers),
            lambda: recorder.should_stop() or server_gone(),
            memory_limit_mb=info.meta.get("memory_limit_mb"),
        )
        recorder.finish(result, data.y_test)
        if server_gone():
            store.update(run_id, error=SERVER_GONE)
    except Exception as exc:
        recorder.fail(f"{type(exc).__name__}: {exc}")
        raise
    return store.load(run_id).meta


def run_job(root: str, run_id: str, data_dir: str | None) -> str:
    """The worker side of a job: train one run folder; returns its final status."""
    store = RunStore(root)
    with _in_hand:
        try:
            meta = execute_run(store, run_id, data_dir)
        except Exception:
            meta = store.load(run_id).meta  # already marked failed by execute_run
    return str(meta.get("status"))

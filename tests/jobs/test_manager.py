"""Job manager: FIFO queue beyond the limit, isolation between sessions, stop, crash recovery."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fmnist_viz.jobs import JobManager
from fmnist_viz.runs import BatchTail, RunStore
from fmnist_viz.runs.atomic import write_json_atomic
from fmnist_viz.runs.files import history_csv
from fmnist_viz.training import TrainConfig
from tests.apptest_support import SAMPLE
from tests.run_support import wait_until, write_stand_in_model

TINY = {
    "name": "tiny",
    "layers": [
        {"type": "conv2d", "filters": 4, "kernel_size": 3},
        {"type": "maxpool2d", "pool_size": 4},
        {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}


def _config(**kw) -> TrainConfig:
    """Tiny settings: one epoch on 256 images, batch 32."""
    return TrainConfig(**{"epochs": 1, "train_limit": 256, "batch_size": 32, "seed": 1, **kw})


def _wait(jm: JobManager, run_ids: list[str], timeout: float = 120) -> None:
    """Wait until none of the jobs is queued or running."""
    wait_until(lambda: all(not jm.view(r).active for r in run_ids), timeout, "the jobs to end")


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory):
    """One single-worker manager for the module (worker start-up costs seconds); five active
    jobs per owner (the limit itself is tested in test_fair_dispatch.py)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FMNIST_OFFLINE", "1")  # the spawned workers inherit it
        store = RunStore(tmp_path_factory.mktemp("jobs"))
        jm = JobManager(store, max_parallel=1, data_dir=str(SAMPLE), max_per_owner=5)
        yield jm
        jm.shutdown(wait=True)


@pytest.mark.slow
def test_queue_isolation_and_stop(manager: JobManager) -> None:
    long = manager.submit("alice", TINY, _config(epochs=50, train_limit=None), name="long")
    queued = manager.submit("bob", TINY, _config(), name="bob's")
    third = manager.submit("bob", TINY, _config(), name="bob's second")
    # one worker: the first job runs (or starts), the others wait in FIFO order
    assert manager.view(queued).status == "queued"
    assert manager.view(queued).queue_position == 1 or manager.view(long).status == "queued"
    assert manager.view(third).queue_position == manager.view(queued).queue_position + 1
    # each session sees only its own jobs and cannot stop another's
    assert [j.run_id for j in manager.jobs("alice")] == [long]
    assert [j.run_id for j in manager.jobs("bob")] == [queued, third]
    assert manager.stop("bob", long) is False
    # wait until the long job trains, then its owner stops it
    wait_until(lambda: manager.view(long).progress, 90, "the long job to train")
    assert manager.view(long).status == "running"
    t0 = time.monotonic()
    assert manager.stop("alice", long) is True
    _wait(manager, [long], timeout=30)
    stop_seconds = time.monotonic() - t0
    assert manager.view(long).status == "stopped"
    assert stop_seconds < 10, stop_seconds
    # the queue moves on: bob's jobs run to completion, in order
    _wait(manager, [queued, third])
    first, second = manager.view(queued).meta, manager.view(third).meta
    assert first["status"] == second["status"] == "finished"
    assert first["started"] <= second["started"]
    assert 0 < first["test_accuracy"] <= 1


@pytest.mark.slow
def test_cancel_a_queued_job(manager: JobManager) -> None:
    running = manager.submit("carol", TINY, _config(epochs=50, train_limit=None))
    waiting = manager.submit("carol", TINY, _config())
    later = manager.submit("carol", TINY, _config())
    assert manager.stop("carol", later) is True
    manager.stop("carol", running)
    _wait(manager, [running, waiting, later])
    assert manager.view(later).status == "stopped"
    assert manager.view(later).meta.get("epochs_done", 0) == 0
    assert manager.view(waiting).status == "finished"


@pytest.mark.slow
def test_batch_tail_reads_incrementally(manager: JobManager) -> None:
    run_id = manager.submit("dave", TINY, _config(epochs=2))
    tail = BatchTail(manager.store.path(run_id))
    seen = []

    def ended() -> bool:
        seen.append(len(tail.read()))  # sampled while the job runs
        return not manager.view(run_id).active

    wait_until(ended, 120, "the job to end", poll=0.3)
    rows = tail.read()
    per_call = manager.store.load(run_id).meta["steps_per_call"]  # a row per call
    assert len(rows) == 2 * 8 // per_call  # 256 images / batch 32, two epochs
    assert seen == sorted(seen)  # only ever grows
    assert rows == BatchTail(manager.store.path(run_id)).read()  # the same as one full read


def test_crash_recovery_marks_interrupted(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    done = store.create(TINY, _config(), name="done")
    store.update(done.id, status="finished")
    write_stand_in_model(store.path(done.id) / "model.keras")
    (store.path(done.id) / "history.csv").write_text(history_csv([]))
    dead = store.create(TINY, _config(), name="dead")
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    store.update(dead.id, status="running", pid=int(proc.stdout), host=socket.gethostname())
    alive = store.create(TINY, _config(), name="alive")
    store.update(alive.id, status="running", pid=os.getpid(), host=socket.gethostname())
    JobManager(store, max_parallel=1)  # a server start
    assert store.load(dead.id).status == "interrupted"
    assert store.load(alive.id).status == "running"
    assert store.load(done.id).status == "finished"
    # a damaged run.json does not stop the recovery
    write_json_atomic(store.path(done.id) / "run.json", ["not", "an", "object"])
    assert JobManager(store, max_parallel=1).recovered == []


@pytest.mark.slow
def test_polling_reads_a_run_json_only_when_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RunStore(tmp_path)
    ids = [store.create(TINY, _config(), name=f"r{i}").id for i in range(20)]
    jm = JobManager(store, max_parallel=1)
    loads: list[str] = []
    real_load = store.load

    def counting_load(run_id: str):
        loads.append(run_id)
        return real_load(run_id)

    monkeypatch.setattr(store, "load", counting_load)
    first = [jm.view(r) for r in ids]
    assert sorted(loads) == sorted(ids) and all(v.status == "queued" for v in first)
    loads.clear()
    for _ in range(5):  # five polls of twenty unchanged jobs
        assert [jm.view(r).status for r in ids] == ["queued"] * 20
    assert loads == []
    store.update(ids[3], status="running")
    assert jm.view(ids[3]).status == "running"
    assert loads == [ids[3]]
    store.delete(ids[4])
    assert jm.view(ids[4]) is None

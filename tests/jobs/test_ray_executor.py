"""The Ray executor on a real local Ray cluster (2 CPUs, started once per test session): jobs
run to the end in Ray workers, the manager hands Ray only as many jobs as it has slots (and
withdraws a waiting one itself), Stop works while running (STOP file), a killed worker fails its
run with the reason, and an unusable runs folder is refused before any job is queued."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from fmnist_viz.jobs import WITHDRAWN, ExecutorError, JobManager, RayExecutor
from fmnist_viz.jobs.ray_executor import PROBE_PREFIX
from fmnist_viz.runs import RunStore
from fmnist_viz.training import TrainConfig
from tests.apptest_support import SAMPLE
from tests.arch_support import TINY_SPEC
from tests.run_support import wait_until

pytestmark = pytest.mark.slow
OWNER = "tester"


def _config(**kw) -> TrainConfig:
    """Tiny settings: one epoch on 200 sample images."""
    return TrainConfig(**{"epochs": 1, "train_limit": 200, "batch_size": 32, "seed": 1, **kw})


def _long() -> TrainConfig:
    """A job that runs for minutes unless stopped: many epochs on all 5,500 sample images."""
    return _config(epochs=200, train_limit=None, batch_size=16)


@pytest.fixture
def manager(ray_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A job manager whose jobs are Ray tasks of one CPU each, on the session's cluster."""
    monkeypatch.setenv("FMNIST_OFFLINE", "1")
    executor = RayExecutor(cpus_per_job=1)
    assert not executor.owns_ray  # the session's cluster is reused, never shut down here
    jm = JobManager(
        RunStore(tmp_path / "runs"), data_dir=str(SAMPLE), executor=executor, max_per_owner=5
    )
    yield jm
    jm.shutdown()
    wait_until(lambda: all(not v.active for v in jm.jobs(OWNER)), 120, "the jobs to end")


def _status(jm: JobManager, run_id: str) -> str:
    return jm.store.load(run_id).status


def test_two_jobs_run_to_the_end_in_ray_workers(manager: JobManager) -> None:
    ids = [manager.submit(OWNER, TINY_SPEC, _config(seed=s), name=f"tiny {s}") for s in (1, 2)]
    wait_until(lambda: all(not manager.view(i).active for i in ids), 180, "both jobs to end")
    for run_id in ids:
        meta = manager.store.load(run_id).meta
        assert meta["status"] == "finished", meta.get("error")
        assert meta["pid"] != os.getpid()  # trained in a Ray worker, not here
        assert meta["tf_threads"] == 1  # TensorFlow's threads from the task's one CPU
        assert meta["epochs_done"] == 1 and 0 <= meta["test_accuracy"] <= 1
        assert (manager.store.path(run_id) / "model.keras").is_file()
    assert [p.name for p in manager.store.root.iterdir() if p.name.startswith(PROBE_PREFIX)] == []
    assert manager.executor.describe() == "Ray (local): 2 CPUs on 1 node, 1 CPU per training"


def test_stop_running_and_queued_and_a_killed_worker(manager: JobManager) -> None:
    first, second = (manager.submit(OWNER, TINY_SPEC, _long(), name=n) for n in ("a", "b"))
    queued = manager.submit(OWNER, TINY_SPEC, _long(), name="third")
    wait_until(
        lambda: all(manager.store.progress(i) for i in (first, second)), 120, "two jobs training"
    )
    assert _status(manager, queued) == "queued"  # 2 CPUs, 1 per job: the third waits
    assert manager.executor.slots() == 2
    assert manager.view(queued).queue_position == 1  # in the manager's queue, not Ray's

    assert manager.stop(OWNER, queued)  # withdrawn from the manager's queue: it never starts
    assert _status(manager, queued) == "stopped"
    meta = manager.store.load(queued).meta
    assert meta["error"] == WITHDRAWN and "started" not in meta

    assert manager.stop(OWNER, first)  # the STOP file: it ends after the current batch
    wait_until(lambda: _status(manager, first) == "stopped", 60, "the running job stopped")
    assert manager.store.load(first).get("epochs_done", 0) < 200

    pid = manager.store.load(second).get("pid")
    os.kill(pid, signal.SIGKILL)  # the worker process dies mid-training
    wait_until(lambda: manager.store.load(second).get("status") == "failed", 60, "failed")
    error = manager.store.load(second).get("error")
    assert "Ray worker died" in error and "WorkerCrashedError" in error


def test_a_runs_folder_workers_cannot_write_is_refused(ray_cluster, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "runs"
    not_a_folder.write_text("a file where the runs folder should be")
    executor = RayExecutor()
    with pytest.raises(ExecutorError, match=r"cannot write the runs folder .* shared filesystem"):
        executor.submit(str(not_a_folder), "some-run", None)
    executor.check_store(str(tmp_path))  # a writable folder passes, and leaves nothing behind
    assert list(tmp_path.iterdir()) == [not_a_folder]
    with pytest.raises(ExecutorError, match="64 CPUs per training, but the largest Ray node has 2"):
        RayExecutor(cpus_per_job=64).check_store(str(tmp_path / "other"))

"""Choosing an executor (argument, environment, Ray address), the local pool's sizing, and a
local worker killed mid-training failing its run with the reason, and a local worker whose
server was killed stopping its run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fmnist_viz.jobs import ExecutorError, JobManager, LocalExecutor, chosen_executor, make_executor
from fmnist_viz.jobs.executors import default_max_parallel, threads_per_job
from fmnist_viz.runs import MODEL_FILE, RunStore
from fmnist_viz.training import TrainConfig
from tests.apptest_support import SAMPLE
from tests.arch_support import TINY_SPEC
from tests.run_support import wait_until


@pytest.fixture(autouse=True)
def _no_executor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("FMNIST_EXECUTOR", "FMNIST_RAY_ADDRESS", "FMNIST_MAX_JOBS", "FMNIST_CPUS_PER_JOB"):
        monkeypatch.delenv(key, raising=False)


def test_the_local_pool_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert chosen_executor() == "local"
    assert chosen_executor("ray") == "ray"
    monkeypatch.setenv("FMNIST_EXECUTOR", "ray")
    assert chosen_executor() == "ray" and chosen_executor("local") == "local"


def test_a_ray_address_means_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    assert chosen_executor(address="10.0.0.5:6379") == "ray"
    with pytest.raises(ExecutorError, match="with the local executor"):
        chosen_executor("local", address="10.0.0.5:6379")
    monkeypatch.setenv("FMNIST_RAY_ADDRESS", "10.0.0.5:6379")
    assert chosen_executor() == "ray"
    assert chosen_executor("local") == "local"  # asked for by name: the environment yields


def test_unknown_executor_is_refused() -> None:
    with pytest.raises(ExecutorError, match="Unknown executor 'spark'; use one of local, ray"):
        make_executor("spark")


def test_pool_size_and_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMNIST_MAX_JOBS", "3")
    assert default_max_parallel() == 3
    monkeypatch.setenv("FMNIST_MAX_JOBS", "zero")
    assert default_max_parallel() == max(1, len(os.sched_getaffinity(0)) // 2)
    assert threads_per_job(2, cpus=8) == 4 and threads_per_job(4, cpus=2) == 1
    one = LocalExecutor(max_parallel=1)
    assert one.threads is None  # TensorFlow's default: every CPU
    assert one.describe() == "local process pool: 1 training at a time, every CPU each"
    two = LocalExecutor(max_parallel=2)
    assert two.threads == threads_per_job(2)
    assert two.describe().startswith("local process pool: 2 trainings at a time")
    assert isinstance(make_executor(max_parallel=2), LocalExecutor)


@pytest.mark.slow
def test_a_killed_local_worker_fails_its_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FMNIST_OFFLINE", "1")
    jm = JobManager(RunStore(tmp_path), max_parallel=1, data_dir=str(SAMPLE))
    try:
        config = TrainConfig(epochs=200, batch_size=16, seed=1)
        run_id = jm.submit("me", TINY_SPEC, config, name="doomed")
        wait_until(lambda: jm.store.progress(run_id), 120, "the job to train")
        os.kill(jm.store.load(run_id).get("pid"), signal.SIGKILL)
        wait_until(lambda: jm.store.load(run_id).get("status") == "failed", 60, "failed")
        assert "ended abruptly" in jm.store.load(run_id).get("error")
        # the pool is replaced: the next job trains
        again = jm.submit("me", TINY_SPEC, TrainConfig(epochs=1, train_limit=100, seed=2))
        wait_until(lambda: jm.store.load(again).status == "finished", 120, "the next job")
    finally:
        jm.shutdown(wait=True)


def test_workers_leave_ctrl_c_to_the_stop_file() -> None:
    import signal

    from fmnist_viz.jobs.worker import init_worker

    before = signal.getsignal(signal.SIGINT)
    try:
        init_worker(None)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


SERVER = (  # a server that starts one training in the local pool and waits
    "import sys, time; from fmnist_viz.jobs import LocalExecutor; "
    "LocalExecutor(max_parallel=1).submit(*sys.argv[1:4]); time.sleep(600)"
)


@pytest.mark.slow
def test_a_training_stops_when_its_server_is_killed(tmp_path: Path, monkeypatch) -> None:
    """The server killed mid-training: its pool worker stops the run as if asked (the epochs
    it finished kept, the reason said) and ends, instead of training on for nobody."""
    from fmnist_viz.jobs.worker import SERVER_GONE

    monkeypatch.setenv("FMNIST_OFFLINE", "1")
    store = RunStore(tmp_path)
    config = TrainConfig(epochs=200, batch_size=16, seed=1)
    run_id = store.create(TINY_SPEC, config, name="orphan", arch="custom").id
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path), run_id, str(SAMPLE)])
    try:
        wait_until(lambda: store.history(run_id), 120, "a first finished epoch")
    finally:
        server.kill()
        server.wait()
    wait_until(lambda: store.load(run_id).get("status") == "stopped", 60, "the run to stop")
    run = store.load(run_id)
    assert run.get("error") == SERVER_GONE and store.history(run_id)
    assert (run.path / MODEL_FILE).exists()
    worker = run.get("pid")
    wait_until(lambda: not Path(f"/proc/{worker}").exists(), 30, "the worker to end")

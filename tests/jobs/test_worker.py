"""The worker process's set-up: it runs below the server's priority, as set by the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fmnist_viz.jobs import WORKER_NICE_ENV, worker_nice
from tests.apptest_support import ROOT

PROBE = (
    "import os; from fmnist_viz.jobs.worker import init_worker; init_worker(None); "
    "init_worker(None); print(os.getpriority(os.PRIO_PROCESS, 0))"
)


def _niceness_after_init(env_value: str | None) -> int:
    """The niceness of a fresh process after init_worker ran twice (a reused Ray worker)."""
    env = {k: v for k, v in os.environ.items() if k != WORKER_NICE_ENV}
    if env_value is not None:
        env[WORKER_NICE_ENV] = env_value
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


@pytest.mark.parametrize(("value", "expected"), [(None, 10), ("0", 0), ("5", 5), ("40", 19)])
def test_workers_yield_the_cpu_to_the_server(value: str | None, expected: int) -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert _niceness_after_init(value) == max(base, expected)  # never raised back, never twice


@pytest.mark.parametrize("value", ["", "high", "-5", "3.5"])
def test_a_bad_setting_is_the_default(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(WORKER_NICE_ENV, value)
    assert worker_nice() == 10


def test_a_job_stopped_before_it_began_ends_without_loading_anything(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop on a job the executor holds but has not started: the worker ends it at once, with
    no data loaded and no TensorFlow imported (it took a fresh worker over a minute before)."""
    import fmnist_viz.data
    from fmnist_viz.jobs import WITHDRAWN
    from fmnist_viz.jobs.worker import execute_run
    from fmnist_viz.models import preset
    from fmnist_viz.runs import RunStore
    from fmnist_viz.training import TrainConfig

    store = RunStore(tmp_path / "runs")
    run_id = store.create(preset("model1"), TrainConfig(seed=1), name="waiting", arch="model1").id
    store.request_stop(run_id)

    def must_not_load(*_args, **_kwargs):
        raise AssertionError("loaded the data of a stopped job")

    monkeypatch.setattr(fmnist_viz.data, "load_fashion_mnist", must_not_load)
    meta = execute_run(store, run_id)
    assert meta["status"] == "stopped" and meta["error"] == WITHDRAWN and meta["finished"]

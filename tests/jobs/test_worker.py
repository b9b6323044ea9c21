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

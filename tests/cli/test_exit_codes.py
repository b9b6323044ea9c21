"""The training commands' exit codes: 1 when a run they started failed (named, with its
reason), 0 when every run finished, 2 for bad arguments. Runs train in threads of the test
process so a disk-full error can be injected where the run writes its files."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from fmnist_viz.runs import RunRecorder
from tests.cli.test_cli import assert_usage_error, cli
from tests.job_support import ThreadExecutor

ARGS = ("--epochs", "1", "--train-limit", "200", "--seed", "4")


@pytest.fixture
def in_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' runs train in threads of this process."""
    monkeypatch.setattr("fmnist_viz.cli.training.make_executor", lambda *a: ThreadExecutor())


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run folder's disk is full when the run starts writing its model."""

    def full(self, spec) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunRecorder, "prepare", full)


NO_SPACE = "failed: OSError: [Errno 28] No space left on device"


def test_train_exits_1_naming_the_failed_run(tmp_path: Path, in_threads, disk_full) -> None:
    result = cli(tmp_path, "train", "--arch", "model1", "--name", "full disk", *ARGS)
    assert result.returncode == 1, result.stderr
    (run,) = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    line = next(x for x in result.stderr.splitlines() if x.startswith("error: "))
    assert line == f"error: run {run} (full disk) {NO_SPACE}"
    assert "(failed)" in result.stdout  # the result is still printed


def test_train_json_still_prints_then_exits_1(tmp_path: Path, in_threads, disk_full) -> None:
    result = cli(tmp_path, "train", "--arch", "model1", "--json", *ARGS)
    assert result.returncode == 1
    assert '"status": "failed"' in result.stdout and NO_SPACE in result.stderr


def test_reproduce_and_sweep_exit_1_when_a_run_failed(
    tmp_path: Path, in_threads, disk_full
) -> None:
    reproduce = cli(tmp_path / "r", "reproduce", "--arch", "model1", "--runs", "2", *ARGS)
    assert reproduce.returncode == 1
    assert len(_errors(reproduce.stderr)) == 2  # each failed run named
    assert all(line.endswith(NO_SPACE) for line in _errors(reproduce.stderr))
    sweep = cli(tmp_path / "s", "sweep", "--arch", "model1", "--set", "epochs=1", *ARGS)
    assert sweep.returncode == 1 and len(_errors(sweep.stderr)) == 1


def _errors(stderr: str) -> list[str]:
    """The lines naming a failed run."""
    return [line for line in stderr.splitlines() if line.startswith("error: run ")]


def test_bad_arguments_still_exit_2(tmp_path: Path, in_threads) -> None:
    assert_usage_error(cli(tmp_path, "train", "--arch", "model1", "--epochs", "x"), "--epochs")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_finished_run_exits_0(tmp_path: Path, in_threads) -> None:
    ok = cli(tmp_path, "train", "--arch", "model1", *ARGS)
    assert ok.returncode == 0, ok.stderr
    assert "(finished)" in ok.stdout and "error:" not in ok.stderr

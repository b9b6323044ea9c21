"""Tests for fmnist_viz.runs.status: a run's status in words, badges, the default run."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmnist_viz.runs import RunInfo, badge, default_run, status_text
from fmnist_viz.runs.status import trained_epochs


def run(run_id: str, status: str, **meta) -> RunInfo:
    """A RunInfo as the store lists it."""
    return RunInfo(run_id, Path(run_id), {"status": status, "config": {"epochs": 10}, **meta})


PROGRESS = {"epoch": 4, "batch": 430, "steps_per_epoch": 860}


@pytest.mark.parametrize(
    ("info", "progress", "text"),
    [
        (run("a", "running"), PROGRESS, "training, epoch 3.5 of 10"),
        (run("a", "running"), None, "training, starting"),
        (run("a", "finished", test_accuracy=0.9183), None, "finished, test acc 0.918"),
        (run("a", "finished"), None, "finished"),
        (run("a", "stopped", epochs_done=2), None, "stopped after 2 of 10 epochs"),
        (run("a", "queued"), None, "queued"),
        (RunInfo("a", Path("a"), {}, "run.json is missing"), None, "damaged"),
    ],
)
def test_status_text(info: RunInfo, progress, text: str) -> None:
    assert status_text(info, progress) == text


def test_trained_epochs_reads_progress_defensively() -> None:
    assert trained_epochs(PROGRESS) == pytest.approx(3.5)
    assert trained_epochs({"epoch": "x"}) is None and trained_epochs(None) is None


def test_badges() -> None:
    assert badge(run("a", "running"), 2.5, live=True) == "epoch 2.50 of 10 · training"
    assert badge(run("a", "running"), 1.25, live=False) == "epoch 1.25 of 10"  # playback
    assert badge(run("a", "finished", best_epoch=7), None, live=False) == "final (best epoch 7)"
    assert badge(run("a", "finished"), 0.0, live=False) == "initial weights"


def test_the_default_run_is_the_sessions_running_job() -> None:
    store = [run("new-done", "finished"), run("mine", "running"), run("old", "finished")]
    mine = [run("older-job", "finished"), run("mine", "running")]
    assert default_run(mine, store) == "mine"


def test_else_the_sessions_latest_job_with_something_to_show() -> None:
    store = [run("x", "finished"), run("j2", "stopped"), run("j1", "finished")]
    mine = [run("j1", "finished"), run("j2", "stopped"), run("j3", "queued")]
    assert default_run(mine, store) == "j2"


def test_else_the_newest_finished_run_in_the_store() -> None:
    store = [run("failed", "failed"), run("stopped", "stopped"), run("done", "finished")]
    assert default_run([], store) == "done"
    assert default_run([], [run("failed", "failed"), run("stopped", "stopped")]) == "stopped"
    assert default_run([], [run("failed", "failed")]) is None

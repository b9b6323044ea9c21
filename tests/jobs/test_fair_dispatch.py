"""The job manager's own queue with a scripted executor (no worker, no TensorFlow): jobs go to
the executor only into free slots and in the fair order, the limit per browser, paused
submissions, nicknames, places with start estimates, and the rights to stop and withdraw."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmnist_viz.jobs import (
    CLI_OWNER,
    PAUSED,
    WITHDRAWN,
    JobManager,
    QueueError,
    RightsError,
    TeacherGate,
    TeacherPass,
)
from fmnist_viz.runs import RunStore
from fmnist_viz.training import TrainConfig
from tests.arch_support import TINY_SPEC
from tests.job_support import ScriptedExecutor
from tests.run_support import add_run

CONFIG = TrainConfig(epochs=1, train_limit=256, batch_size=32, seed=1)


@pytest.fixture
def executor() -> ScriptedExecutor:
    return ScriptedExecutor(slots=1)


@pytest.fixture
def gate() -> TeacherGate:
    return TeacherGate("owl-42")


def _manager(tmp_path: Path, executor: ScriptedExecutor, gate: TeacherGate, limit: int = 2):
    return JobManager(RunStore(tmp_path), executor=executor, teacher=gate, max_per_owner=limit)


def _submit(jm: JobManager, owner: str, name: str = "") -> str:
    return jm.submit(owner, TINY_SPEC, CONFIG, name=name or owner)


def test_dispatch_only_into_free_slots(tmp_path: Path, executor, gate) -> None:
    executor.free_slots = 2
    jm = _manager(tmp_path, executor, gate, limit=10)
    ids = [_submit(jm, "a") for _ in range(5)]
    assert executor.started == ids[:2]  # two slots: two jobs handed over, three wait
    assert [jm.view(r).queue_position for r in ids] == [1, 2, 3, 4, 5]
    executor.finish(ids[0])
    assert executor.started == ids[:3]
    executor.crash(ids[1])  # a dead worker frees its slot too, and its run is failed
    assert executor.started == ids[:4]
    assert jm.view(ids[1]).status == "failed"
    assert "ended abruptly" in jm.view(ids[1]).error
    jm.store.update(ids[2], status="running")
    executor.finish(ids[2], "running")  # it could not record its end: not left running
    assert jm.view(ids[2]).status == "failed" and "without recording" in jm.view(ids[2]).error
    assert executor.started == ids


def test_the_issues_scenario_on_the_manager(tmp_path: Path, executor, gate) -> None:
    jm = _manager(tmp_path, executor, gate, limit=6)
    # an earlier run of the same model and size took 20 s: the estimates use it
    add_run(jm.store, "earlier", TINY_SPEC, CONFIG, [(1, 0.5, 0.8, 0.5, 0.8, 20.0)], "finished")
    greedy = [_submit(jm, "greedy") for _ in range(6)]
    jm.store.update(greedy[0], status="running")  # its worker started it
    bob, carol = _submit(jm, "bob"), _submit(jm, "carol")
    assert jm.view(bob).queue_position == 1 and jm.view(carol).queue_position == 2
    assert jm.view(bob).place() == "next in line, starts in about 20 s"
    assert jm.view(carol).place() == "2nd in line, starts in about 40 s"
    assert jm.view(greedy[1]).queue_position == 3
    for run_id in [greedy[0], bob, carol, greedy[1]]:
        executor.finish(run_id)
    assert executor.started == [greedy[0], bob, carol, greedy[1], greedy[2]]
    # the queue the board shows: running first, then the order they will start
    assert [v.run_id for v in jm.queue()] == greedy[2:]


def test_the_limit_per_browser(tmp_path: Path, executor, gate) -> None:
    jm = _manager(tmp_path, executor, gate)
    first, _ = _submit(jm, "a"), _submit(jm, "a")
    assert "You have 2 trainings queued or running" in jm.submit_problem("a")
    assert jm.submit_problem("b") is None
    assert jm.submit_problem("b", count=3).startswith("At most 2 trainings per browser")
    before = len(list(tmp_path.iterdir()))
    with pytest.raises(QueueError, match="at most 2 per browser"):
        _submit(jm, "a")
    assert len(list(tmp_path.iterdir())) == before  # nothing created
    executor.finish(first)
    assert jm.submit_problem("a") is None
    for _ in range(5):  # the CLI is never limited
        _submit(jm, CLI_OWNER)


def test_paused_submissions(tmp_path: Path, executor, gate) -> None:
    jm = _manager(tmp_path, executor, gate)
    teacher = gate.unlock("t", "owl-42")
    jm.classroom.set_paused(teacher, True)
    assert jm.submit_problem("a") == PAUSED
    with pytest.raises(QueueError, match=PAUSED):
        _submit(jm, "a")
    _submit(jm, CLI_OWNER)  # the CLI's runs are not the class's
    jm.classroom.set_paused(teacher, False)
    _submit(jm, "a")


def test_runs_record_the_nickname(tmp_path: Path, executor, gate) -> None:
    jm = _manager(tmp_path, executor, gate)
    assert jm.set_nickname("a", "  <b>Ada</b> ") == "Ada"
    run_id = _submit(jm, "a")
    assert jm.store.load(run_id).get("nickname") == "Ada"
    assert jm.view(run_id).nickname == "Ada"
    assert _manager(tmp_path, executor, gate).nickname("a") == "Ada"  # kept across reloads


def test_stop_rights(tmp_path: Path, executor, gate) -> None:
    jm = _manager(tmp_path, executor, gate)
    running, waiting = _submit(jm, "alice"), _submit(jm, "alice")
    other = _submit(jm, "bob")
    forged = [None, TeacherPass("mallory", "x"), TeacherGate("owl-42").unlock("m", "owl-42")]
    for fake in forged:
        assert jm.stop("mallory", running, fake) is False
        assert jm.stop("bob", waiting, fake) is False
        with pytest.raises(RightsError):
            jm.withdraw(fake, waiting)
    assert not (jm.store.path(running) / "STOP").exists()
    assert jm.view(waiting).status == "queued"
    # the owner withdraws their waiting job; it never reaches the executor
    assert jm.stop("alice", waiting) is True
    assert jm.view(waiting).status == "stopped" and jm.view(waiting).error == WITHDRAWN
    # a teacher stops anyone's: a running job through its STOP file, a waiting one withdrawn
    teacher = gate.unlock("t", "owl-42")
    assert jm.stop("t", running, teacher) is True
    assert (jm.store.path(running) / "STOP").exists()
    assert jm.withdraw(teacher, other) is True
    assert jm.view(other).status == "stopped"
    assert jm.withdraw(teacher, other) is False  # no longer waiting
    assert executor.started == [running]


def test_a_sweep_or_repeats_ask_for_all_their_runs_at_once(tmp_path: Path, executor, gate) -> None:
    from fmnist_viz.study import plan_sweep, queue_repeats, submit_sweep

    jm = _manager(tmp_path, executor, gate)
    points = plan_sweep({"tiny": TINY_SPEC}, [], CONFIG, 3, 1, jm.memory_limit_mb)
    with pytest.raises(QueueError, match="At most 2 trainings per browser"):
        submit_sweep(jm, "a", points)
    assert list(tmp_path.iterdir()) == []  # none of the three was queued
    template = _submit(jm, "a")
    with pytest.raises(QueueError):
        queue_repeats(jm, "a", template, 2)
    assert len(queue_repeats(jm, "a", template, 1)) == 1
    assert len(submit_sweep(jm, CLI_OWNER, points)[1]) == 3

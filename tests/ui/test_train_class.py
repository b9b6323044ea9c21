"""Page tests (streamlit.testing) for the Train page in a class: the nickname, the teacher's
challenge as a one-click setting whose run matches it, Start disabled with the reason while the
teacher has paused submissions or the browser is at its limit, and the precision choice.

The job manager runs on a scripted executor (no worker, no TensorFlow)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_viz.jobs import Challenge, JobManager, TeacherGate
from fmnist_viz.runs import RunStore
from tests.apptest_support import open_page, texts
from tests.job_support import ScriptedExecutor
from ui.core import resources
from ui.views import train

KEY = "owl-42"
CHALLENGE = Challenge(epochs=3, train_limit=2_000, title="three on two thousand")


@pytest.fixture
def gate(env: RunStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[TeacherGate]:
    """A class server: its job manager on a scripted executor, a teacher gate with a key."""
    monkeypatch.setenv("FMNIST_TEACHER_KEY", KEY)
    teacher_gate = TeacherGate(KEY)
    factory = functools.partial(
        JobManager, executor=ScriptedExecutor(slots=0), teacher=teacher_gate
    )
    monkeypatch.setattr(resources, "JobManager", factory)
    yield teacher_gate


def _teacher(store: RunStore, gate: TeacherGate):
    """The class settings as a teacher changes them (the server reads class.json)."""
    from fmnist_viz.jobs import Classroom

    return Classroom(store.root, gate), gate.unlock("teacher", KEY)


def _start(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Start training").click().run()


def _runs(store: RunStore) -> list[dict]:
    return [info.meta for info in store.list()]


@pytest.mark.slow
def test_the_challenge_is_one_click_and_its_run_matches_it(env: RunStore, gate) -> None:
    room, teacher = _teacher(env, gate)
    room.set_challenge(teacher, CHALLENGE)
    at = open_page("pages/train.py")
    assert "Class challenge:" in texts(at) and CHALLENGE.describe() in texts(at)
    at = next(b for b in at.button if b.label == "Use the class challenge").click().run()
    assert at.session_state["train_length"] == "custom"
    assert at.number_input(key="train_epochs").value == 3
    assert at.number_input(key="train_subset").value == 2_000
    at.text_input(key="nickname").input("Ada  <b>").run()
    at = _start(at)
    (meta,) = _runs(env)
    assert CHALLENGE.matches(meta) and meta["nickname"] == "Ada"  # cleaned


def test_no_challenge_no_button(env: RunStore, gate) -> None:
    at = open_page("pages/train.py")
    assert "Use the class challenge" not in [b.label for b in at.button]
    assert at.text_input(key="nickname").label == "Nickname"


def test_a_pause_disables_start_with_the_reason(env: RunStore, gate) -> None:
    """(The engine refuses a submit while paused whatever a browser sends: tests/jobs.)"""
    room, teacher = _teacher(env, gate)
    room.set_paused(teacher, True)
    at = open_page("pages/train.py")
    start = next(b for b in at.button if b.label == "Start training")
    assert start.disabled
    assert "paused" in texts(at).lower()
    room.set_paused(teacher, False)
    at.run()
    assert not next(b for b in at.button if b.label == "Start training").disabled


@pytest.mark.slow
def test_the_limit_per_browser_disables_start(env: RunStore, gate, monkeypatch) -> None:
    monkeypatch.setenv("FMNIST_MAX_JOBS_PER_BROWSER", "1")
    at = open_page("pages/train.py")
    at = _start(at).run()
    assert len(_runs(env)) == 1  # waiting: the scripted executor has no free slot
    start = next(b for b in at.button if b.label == "Start training")
    assert start.disabled and len(_runs(env)) == 1


@pytest.mark.slow
def test_fast_precision_is_recorded_or_refused_with_the_reason(
    env: RunStore, gate, monkeypatch
) -> None:
    monkeypatch.setattr(train, "precision_problem", lambda p: None)
    at = open_page("pages/train.py")
    at.selectbox(key="train_precision").set_value("bfloat16")
    at = _start(at)
    (meta,) = _runs(env)
    assert meta["config"]["precision"] == "bfloat16"
    monkeypatch.setattr(train, "precision_problem", lambda p: "no bfloat16 units here")
    at = _start(at)
    assert "no bfloat16 units here" in " ".join(e.value for e in at.error)
    assert len(_runs(env)) == 1

"""Page tests (streamlit.testing) for the Class page: the board (one-line architectures,
parameters, the challenge split, hidden runs out), the queue, the nickname, and the teacher
controls: off without a key, a wrong key refused and delayed, the right key unlocking pause,
challenge, hide and stop, and a student session that cannot do any of it whatever it sends.

Each test gets its own job manager (a scripted executor: no worker, no TensorFlow) with its own
teacher gate on a clock the test moves, so no state (cache_resource, the gate's delays, the
key in the environment) outlives a test."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_viz.jobs import Challenge, JobManager, TeacherGate, TeacherPass
from fmnist_viz.models import check_spec, one_line, preset
from fmnist_viz.runs import RunStore
from fmnist_viz.study import BOARD_COLUMNS
from fmnist_viz.training import TrainConfig
from tests.apptest_support import open_page, texts
from tests.arch_support import TINY_SPEC
from tests.job_support import ScriptedExecutor
from tests.run_support import add_run
from ui.core import resources
from ui.views.classroom import board, teacher

KEY = "owl-42"
PAGE = "pages/class.py"
HISTORY = [(1, 0.6, 0.80, 0.5, 0.82, 4.0), (2, 0.4, 0.88, 0.45, 0.86, 6.0)]
CHALLENGE = Challenge(epochs=3, train_limit=10_000)
JOB_CONFIG = TrainConfig(epochs=1, train_limit=256, batch_size=32, seed=1)


@pytest.fixture
def executor() -> ScriptedExecutor:
    return ScriptedExecutor(slots=1)


def _use_manager(
    monkeypatch: pytest.MonkeyPatch, executor: ScriptedExecutor, gate: TeacherGate
) -> None:
    """The app's job manager (made at its first page run) uses these executor and gate."""
    factory = functools.partial(JobManager, executor=executor, teacher=gate)
    monkeypatch.setattr(resources, "JobManager", factory)


@pytest.fixture
def with_key(env: RunStore, monkeypatch, executor, clock) -> RunStore:
    """A server with a teacher key."""
    monkeypatch.setenv("FMNIST_TEACHER_KEY", KEY)
    _use_manager(monkeypatch, executor, TeacherGate(KEY, clock=clock))
    return env


@pytest.fixture
def without_key(env: RunStore, monkeypatch, executor) -> RunStore:
    """A server without a teacher key."""
    monkeypatch.delenv("FMNIST_TEACHER_KEY", raising=False)
    _use_manager(monkeypatch, executor, TeacherGate.from_env())
    return env


def _finished(store: RunStore, name: str, arch: str, acc: float, config: TrainConfig) -> str:
    run_id = add_run(store, name, preset(arch), config, HISTORY, "finished")
    store.update(run_id, test_accuracy=acc, nickname=f"{name} owner")
    return run_id


@pytest.fixture
def runs(with_key: RunStore) -> dict[str, str]:
    """Three finished runs (two on the challenge's settings), one stopped."""
    on = TrainConfig(epochs=3, train_limit=10_000, seed=1)
    off = TrainConfig(epochs=2, train_limit=300, seed=1)
    ids = {
        "ada": _finished(with_key, "ada", "model1", 0.91, on),
        "bob": _finished(with_key, "bob", "model2", 0.88, on),
        "cy": _finished(with_key, "cy", "model2", 0.93, off),
    }
    ids["dee"] = add_run(with_key, "dee", preset("model1"), on, HISTORY, "stopped")
    return ids


@pytest.fixture
def jobs(with_key: RunStore) -> Iterator[dict[str, str]]:
    """A student's two jobs: one handed to the (one-slot) executor, one waiting."""
    jm = resources.job_manager()
    first = jm.submit("student-1", TINY_SPEC, JOB_CONFIG, name="first")
    second = jm.submit("student-1", TINY_SPEC, JOB_CONFIG, name="second")
    yield {"running": first, "waiting": second}


def _frames(at: AppTest) -> list[pd.DataFrame]:
    """The board's tables (not the queue's)."""
    return [d.value for d in at.dataframe if list(d.value.columns) == list(BOARD_COLUMNS)]


def _queue(at: AppTest) -> pd.DataFrame:
    (table,) = [d.value for d in at.dataframe if "Progress" in d.value.columns]
    return table


def _figure(at: AppTest) -> dict[str, Any]:
    for chart in at.get("plotly_chart"):
        if chart.proto.id.rsplit("-", 1)[-1] == board.SCATTER_KEY:
            return json.loads(chart.proto.spec)
    raise AssertionError("no scatter")


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _labels(at: AppTest) -> set[str]:
    widgets = [*at.button, *at.toggle, *at.text_input, *at.selectbox, *at.number_input]
    return {w.label for w in widgets}


def _unlock(at: AppTest, typed: str) -> AppTest:
    at.text_input(key=teacher.KEY_INPUT).input(typed)
    return _button(at, "Unlock").click().run()


def _owner(at: AppTest) -> str:
    return at.session_state["owner"]


def test_the_board_lists_runs_with_their_one_line_architecture(runs) -> None:
    at = open_page(PAGE)
    assert at.title[0].value == "Class"
    (frame,) = _frames(at)
    assert list(frame.columns) == list(BOARD_COLUMNS)
    assert list(frame["Run"]) == ["cy", "ada", "bob"]  # best test accuracy first
    assert list(frame["Nickname"]) == ["cy owner", "ada owner", "bob owner"]
    by_run = frame.set_index("Run")
    assert by_run.loc["ada", "Architecture"] == one_line(preset("model1"))
    assert by_run.loc["ada", "Architecture"].startswith("C32k3-P2-")
    assert by_run.loc["ada", "Parameters"] == check_spec(preset("model1")).total_params
    assert by_run.loc["bob", "Seconds per epoch"] == 5.0
    assert by_run.loc["ada", "Train − test gap"] == pytest.approx(0.88 - 0.91)
    figure = _figure(at)
    assert figure["layout"]["xaxis"]["type"] == "log"
    assert figure["layout"]["uirevision"] == board.UIREVISION
    points = {c for trace in figure["data"] for c in trace.get("customdata") or []}
    assert points == {runs["ada"], runs["bob"], runs["cy"]}  # the stopped run is not finished
    names = {trace.get("name") for trace in figure["data"]}
    assert {"Model 1 (study)", "Model 2 (study)", "Pareto front"} <= names
    assert "Nickname" in _labels(at)


def test_a_challenge_ranks_its_runs_and_lists_the_others_apart_hidden_out(runs) -> None:
    at = open_page(PAGE)
    jm = resources.job_manager()
    teacher_pass = jm.teacher.unlock("the teacher", KEY)
    jm.classroom.set_challenge(teacher_pass, CHALLENGE)
    jm.classroom.set_hidden(teacher_pass, runs["bob"])
    at.run()
    ranked, others = _frames(at)
    assert list(ranked["Run"]) == ["ada"]  # bob is hidden, cy trained otherwise
    assert list(others["Run"]) == ["cy"]
    assert "Other runs (not the challenge)" in texts(at)
    assert "Challenge:" in texts(at) and "3 epochs on 10,000 images" in texts(at)
    points = {c for trace in _figure(at)["data"] for c in trace.get("customdata") or []}
    assert points == {runs["ada"]}
    assert runs["bob"] in jm.store.path(runs["bob"]).name  # hidden, not deleted


def test_the_queue_shows_everyones_jobs_in_order_by_nickname(with_key, jobs) -> None:
    jm = resources.job_manager()
    jm.store.update(jobs["running"], nickname="Ada", status="running")  # as its worker would
    at = open_page(PAGE)
    table = _queue(at)
    assert list(table["Nickname"]) == ["Ada", "anonymous"]
    assert list(table["Run"]) == ["first", "second"]
    assert table["State"].iloc[0].startswith("starting")
    assert table["State"].iloc[1].startswith("next in line")
    assert "1 training, 1 waiting." in texts(at)
    progress = {"fraction": 0.5, "epoch": 1, "epochs": 1, "eta_seconds": 12.0}
    (jm.store.path(jobs["running"]) / "progress.json").write_text(json.dumps(progress))
    at.run()
    table = _queue(at)
    assert table["Progress"].iloc[0] == 0.5 and table["State"].iloc[0] == "epoch 1/1 · ETA 12 s"


def test_the_nickname_is_saved_cleaned(with_key) -> None:
    at = open_page(PAGE)
    at.text_input(key="nickname").input("  <b>Ada</b>  L. ").run()
    assert at.text_input(key="nickname").value == "Ada L"
    assert resources.job_manager().nickname(_owner(at)) == "Ada L"


def test_without_a_key_the_page_says_how_to_enable(without_key) -> None:
    at = open_page(PAGE)
    assert "start the server with `FMNIST_TEACHER_KEY` set" in texts(at)
    assert "Teacher key" not in _labels(at)


@pytest.mark.slow
def test_a_wrong_key_is_refused_and_delays_the_next_try(with_key, clock) -> None:
    at = open_page(PAGE)
    gate = resources.job_manager().teacher
    _unlock(at, "owl")
    assert "That is not the teacher key. The next try is compared in 1 s." in texts(at)
    assert gate.wait_seconds(_owner(at)) == 1.0
    _unlock(at, KEY)  # the right key during the delay: not even compared
    assert "Wait 1 s before the next try" in texts(at)
    assert "Pause new trainings" not in _labels(at)
    assert teacher.PASS_KEY not in at.session_state
    clock.now += 1.0
    _unlock(at, "owl")
    assert gate.wait_seconds(_owner(at)) == 2.0  # each wrong try waits longer
    assert at.text_input(key=teacher.KEY_INPUT).value == ""  # never kept in the input


@pytest.mark.slow
def test_the_right_key_unlocks_pause_challenge_hide_and_stop(runs, jobs) -> None:
    at = open_page(PAGE)
    jm = resources.job_manager()
    _unlock(at, KEY)
    assert "Teacher controls unlocked" in texts(at)
    at.toggle(key=teacher.PAUSED_KEY).set_value(True).run()
    assert jm.classroom.settings.paused
    assert "The teacher has paused new trainings" in texts(at)
    at.number_input(key="ch_epochs").set_value(3)
    at.number_input(key="ch_images").set_value(10_000)
    at.number_input(key="ch_params").set_value(900_000)
    at.text_input(key="ch_title").input("Week 3")
    _button(at, "Set challenge").click().run()
    assert jm.classroom.settings.challenge == Challenge(
        epochs=3, train_limit=10_000, max_params=900_000, title="Week 3"
    )
    at.selectbox(key="class_hide_pick").set_value(runs["ada"])
    _button(at, "Hide from the board").click().run()
    assert jm.classroom.settings.hidden == {runs["ada"]}
    at.run()  # the board's fragment redraws on its next poll
    assert list(_frames(at)[0]["Run"]) == ["bob"]
    at.selectbox(key="class_unhide_pick").set_value(runs["ada"])
    _button(at, "Show again").click().run()
    assert jm.classroom.settings.hidden == set()
    at.selectbox(key="class_job").set_value(jobs["running"])
    _button(at, "Stop job").click().run()
    assert (jm.store.path(jobs["running"]) / "STOP").exists()
    at.selectbox(key="class_job").set_value(jobs["waiting"])
    _button(at, "Withdraw (queued only)").click().run()
    assert jm.store.load(jobs["waiting"]).status == "stopped"
    _button(at, "Clear challenge").click().run()
    assert jm.classroom.settings.challenge is None
    held = at.session_state[teacher.PASS_KEY]
    _button(at, "Lock").click().run()
    assert not jm.teacher.valid(held)
    assert "Pause new trainings" not in _labels(at) and "Teacher key" in _labels(at)


TEACHER_VALUES = {
    teacher.PAUSED_KEY: True,
    "ch_epochs": 1,
    "ch_images": 100,
    "ch_batch": 8,
    "ch_params": 10,
    "ch_title": "forged",
    "class_job": None,  # the job ids, filled in by the test
    "class_hide_pick": None,
    "class_unhide_pick": None,
    "class_stop": True,
    "class_withdraw": True,
    "class_hide_pick_go": True,
    "class_lock": True,
    "class_clear_challenge": True,
}


def _nothing_changed(jm: JobManager, jobs: dict[str, str]) -> None:
    settings = jm.classroom.settings
    assert not settings.paused and settings.challenge is None and not settings.hidden
    assert not (jm.store.path(jobs["running"]) / "STOP").exists()
    assert jm.store.load(jobs["waiting"]).status == "queued"
    assert [v.run_id for v in jm.queue()] == [jobs["running"], jobs["waiting"]]


def _craft(at: AppTest, runs: dict[str, str], jobs: dict[str, str], held: object) -> None:
    """Every teacher widget's value and a pass, sent by a student session."""
    for key, value in TEACHER_VALUES.items():
        at.session_state[key] = value
    at.session_state["class_job"] = jobs["running"]
    at.session_state["class_hide_pick"] = runs["ada"]
    at.session_state[teacher.PASS_KEY] = held


@pytest.mark.slow
def test_a_student_session_cannot_do_any_of_it_whatever_it_sends(runs, jobs) -> None:
    jm = resources.job_manager()
    teacher_at = open_page(PAGE)
    _unlock(teacher_at, KEY)
    real = teacher_at.session_state[teacher.PASS_KEY]
    assert jm.teacher.valid(real)
    student = open_page(PAGE)
    forged = [
        TeacherPass(_owner(student), "guess"),
        TeacherPass(real.session_id, real._secret),  # even a copy with the secret
        real,  # the teacher's very pass, stolen: it belongs to another browser
        True,
        KEY,
    ]
    for held in forged:
        _craft(student, runs, jobs, held)
        student.run()
        assert not student.exception, student.exception
        assert "Pause new trainings" not in _labels(student)
        assert "Teacher key" in _labels(student)
        _nothing_changed(jm, jobs)
    assert jm.teacher.valid(real)  # the student's crafted Lock did not lock the teacher out


@pytest.mark.slow
def test_the_engine_refuses_even_when_a_student_is_shown_the_controls(
    runs, jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page that trusted its session state would show a student the controls: every action
    must still be refused by the engine (shown as an error, never a crash)."""
    jm = resources.job_manager()
    student = open_page(PAGE)
    monkeypatch.setattr(teacher, "current_pass", lambda jm: TeacherPass("x", "forged"))
    student.run()
    student.toggle(key=teacher.PAUSED_KEY).set_value(True).run()
    assert "Only a teacher can do this" in texts(student)
    _button(student, "Set challenge").click().run()
    assert "The challenge was not set: Only a teacher" in texts(student)
    student.selectbox(key="class_hide_pick").set_value(runs["ada"])
    _button(student, "Hide from the board").click().run()
    student.selectbox(key="class_job").set_value(jobs["running"])
    _button(student, "Stop job").click().run()
    student.selectbox(key="class_job").set_value(jobs["waiting"])
    _button(student, "Withdraw (queued only)").click().run()
    assert not student.exception, student.exception
    assert "Only a teacher can do this" in texts(student)
    _nothing_changed(jm, jobs)


def test_a_click_to_open_a_run_opens_its_feature_maps(runs) -> None:
    at = open_page(PAGE)
    at.session_state[board.OPEN_KEY] = runs["ada"]
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["active_runs"][0] == runs["ada"]
    assert at.title[0].value == "Feature maps"

"""The class settings: every change needs the teacher's pass, the challenge checks and matches
runs, class.json is written atomically and a damaged one reads as the defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_viz.jobs import (
    Challenge,
    Classroom,
    ClassSettings,
    RightsError,
    TeacherGate,
    TeacherPass,
)
from fmnist_viz.training import ConfigError

THREE_ON_10K = Challenge(epochs=3, train_limit=10_000, max_params=500_000, title="Small and good")


@pytest.fixture
def gate() -> TeacherGate:
    return TeacherGate("owl-42")


@pytest.fixture
def room(tmp_path: Path, gate: TeacherGate) -> Classroom:
    return Classroom(tmp_path, gate)


def _mutations(room: Classroom, teacher_pass):
    """Every change a Classroom offers, with the given pass."""
    return [
        lambda: room.set_paused(teacher_pass, True),
        lambda: room.set_challenge(teacher_pass, THREE_ON_10K),
        lambda: room.set_challenge(teacher_pass, None),
        lambda: room.set_hidden(teacher_pass, "run-1"),
        lambda: room.set_hidden(teacher_pass, "run-1", hidden=False),
    ]


def test_a_student_cannot_change_anything_whatever_it_sends(
    room: Classroom, gate: TeacherGate, tmp_path: Path
) -> None:
    gate.unlock("teacher", "owl-42")  # a teacher is unlocked elsewhere
    fakes = [None, True, 1, "owl-42", TeacherPass("teacher", "x"), TeacherPass("student", "")]
    fakes.append(TeacherGate("owl-42").unlock("student", "owl-42"))  # another gate's pass
    for fake in fakes:
        for change in _mutations(room, fake):
            with pytest.raises(RightsError):
                change()
    assert not (tmp_path / "class.json").exists()
    assert room.settings == ClassSettings()


def test_a_teacher_changes_the_settings_and_they_persist(
    room: Classroom, gate: TeacherGate, tmp_path: Path
) -> None:
    teacher = gate.unlock("t", "owl-42")
    for change in _mutations(room, teacher):
        change()  # none raises
    room.set_challenge(teacher, THREE_ON_10K)
    room.set_hidden(teacher, "run-2")
    settings = Classroom(tmp_path, gate).settings  # read back from class.json
    assert settings == ClassSettings(True, THREE_ON_10K, frozenset({"run-2"}))
    gate.lock(teacher)
    with pytest.raises(RightsError):
        room.set_paused(teacher, False)  # locked again


def test_a_damaged_class_file_reads_as_the_defaults(tmp_path: Path, gate: TeacherGate) -> None:
    path = tmp_path / "class.json"
    for text in ("{broken", "[1, 2]", json.dumps({"paused": "yes"}), json.dumps({"hidden": 3})):
        path.write_text(text)
        settings, problem = Classroom(tmp_path, gate).read()
        assert settings == ClassSettings()
        assert problem is not None and problem.startswith("class.json is damaged")
        assert path.read_text() == text  # reading never writes
    path.write_text(json.dumps({"challenge": {"epochs": 0, "train_limit": 5}}))
    settings, problem = Classroom(tmp_path, gate).read()
    assert settings.challenge is None and "epochs" in problem


def test_a_challenge_is_checked(room: Classroom, gate: TeacherGate) -> None:
    teacher = gate.unlock("t", "owl-42")
    for bad in (
        Challenge(epochs=0, train_limit=1000),
        Challenge(epochs=3, train_limit=1000, max_params=0),
        Challenge(epochs=3, train_limit=1000, optimizer="magic"),
        Challenge(epochs=3, train_limit=1000, title="x" * 61),
    ):
        with pytest.raises(ConfigError):
            room.set_challenge(teacher, bad)
    assert room.settings.challenge is None


def _meta(**config) -> dict:
    """A run.json of Model-1 size trained with the challenge's settings (changed by config)."""
    base = THREE_ON_10K.config(seed=7).to_dict()
    return {"params": 400_000, "config": {**base, **config}}


def test_matching_runs() -> None:
    c = THREE_ON_10K
    assert c.matches(_meta())
    assert c.matches(_meta(seed=8, state_every=0))  # seeds and saved states may differ
    assert not c.matches(_meta(epochs=4))
    assert not c.matches(_meta(train_limit=None))
    assert not c.matches(_meta(batch_size=32))
    assert not c.matches(_meta(learning_rate=0.01))
    assert not c.matches(_meta(precision="bfloat16"))  # the fast mode is listed apart
    assert c.matches(_meta(precision="float32", steps_per_call=8))
    assert not c.matches({**_meta(), "params": 814_218})  # over the budget
    assert not c.matches({"params": 1})
    assert Challenge(epochs=3, train_limit=10_000).matches({**_meta(), "params": 814_218})
    assert c.config().epochs == 3 and c.config().train_limit == 10_000
    assert c.describe() == (
        "Small and good: 3 epochs on 10,000 images, batch 64, adam 0.001, "
        "at most 500,000 parameters"
    )
    assert Challenge.from_dict(c.to_dict()) == c

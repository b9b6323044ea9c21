"""Teacher rights: disabled without a key, a constant-time comparison, growing delays after
wrong tries (during which nothing is compared), and passes that cannot be forged."""

from __future__ import annotations

import pytest

from fmnist_viz.jobs import RightsError, TeacherGate, TeacherPass
from fmnist_viz.jobs.teacher import MAX_DELAY_S
from tests.job_support import HandClock as Clock


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Every call of hmac.compare_digest the gate makes."""
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("fmnist_viz.jobs.teacher.hmac.compare_digest", spy)
    return calls


def test_no_key_means_nobody_is_a_teacher(monkeypatch: pytest.MonkeyPatch, compared) -> None:
    monkeypatch.delenv("FMNIST_TEACHER_KEY", raising=False)
    gate = TeacherGate.from_env()
    assert not gate.enabled
    assert gate.unlock("s1", "") is None and gate.unlock("s1", "anything") is None
    assert compared == []
    monkeypatch.setenv("FMNIST_TEACHER_KEY", "   ")
    assert not TeacherGate.from_env().enabled
    monkeypatch.setenv("FMNIST_TEACHER_KEY", "owl-42")
    assert TeacherGate.from_env().unlock("s1", "owl-42") is not None


def test_the_right_key_unlocks_that_session_only(clock: Clock, compared) -> None:
    gate = TeacherGate("owl-42", clock=clock)
    teacher = gate.unlock("s1", "owl-42")
    assert isinstance(teacher, TeacherPass) and gate.valid(teacher)
    assert gate.check(teacher) is teacher
    ((a, b),) = compared
    assert len(a) == len(b) == 32  # digests: the same time for any length typed
    assert "owl-42" not in repr(teacher)
    gate.lock(teacher)
    assert not gate.valid(teacher)
    with pytest.raises(RightsError):
        gate.check(teacher)


def test_wrong_keys_wait_longer_each_time_and_are_not_compared_meanwhile(
    clock: Clock, compared
) -> None:
    gate = TeacherGate("owl-42", clock=clock)
    assert gate.unlock("s1", "owl") is None
    assert gate.wait_seconds("s1") == 1.0
    assert gate.wait_seconds("s2") == 0.0  # per session
    n = len(compared)
    assert gate.unlock("s1", "owl-42") is None  # the right key, during the delay: refused
    assert len(compared) == n  # without comparing
    delays = []
    for _ in range(8):
        clock.now += gate.wait_seconds("s1")
        assert gate.unlock("s1", "wrong") is None
        delays.append(gate.wait_seconds("s1"))
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60]
    assert max(delays) == MAX_DELAY_S
    clock.now += 60
    assert gate.unlock("s1", "owl-42") is not None
    assert gate.wait_seconds("s1") == 0.0  # a success clears the count


def test_a_pass_cannot_be_forged(clock: Clock) -> None:
    gate = TeacherGate("owl-42", clock=clock)
    real = gate.unlock("s1", "owl-42")
    assert real is not None
    forged = TeacherPass("s1", "guess")
    copied = TeacherPass(real.session_id, real._secret)  # even with the secret
    for fake in (forged, copied, True, "owl-42", {"session_id": "s1"}, None, object()):
        assert not gate.valid(fake)
        with pytest.raises(RightsError):
            gate.check(fake)
    other = TeacherGate("owl-42", clock=clock)
    assert not other.valid(real)  # a pass belongs to the gate that made it
    assert gate.unlock("", "owl-42") is None and gate.unlock("s3", 42) is None  # type: ignore[arg-type]

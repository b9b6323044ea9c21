"""Teacher rights: a key from the environment unlocks them for one session at a time.

`FMNIST_TEACHER_KEY` (environment only: never in a URL or a file of the repository) enables
them; without it nobody has them. A session unlocks by typing the key: the comparison takes the
same time whatever was typed (`hmac.compare_digest` of two digests of the same length), and
after each wrong try that session must wait 1, 2, 4, ... seconds (at most a minute) before the
next one is even compared.

An unlock returns a `TeacherPass`: an object the gate made and remembers, which the session
keeps (in its session state, never in a widget or a URL). Every teacher action in the engine
takes it and asks the gate, which accepts only the very objects it handed out and not locked
again: a session cannot forge one, whatever it sends.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable

TEACHER_KEY_ENV = "FMNIST_TEACHER_KEY"
FIRST_DELAY_S = 1.0  # after the first wrong try; doubles after each further one
MAX_DELAY_S = 60.0


class RightsError(PermissionError):
    """An action that needs teacher rights was asked for without them."""


class TeacherPass:
    """Proof that one session typed the teacher key (made only by `TeacherGate.unlock`)."""

    __slots__ = ("_secret", "session_id")

    def __init__(self, session_id: str, secret: str):
        self.session_id = session_id
        self._secret = secret

    def __repr__(self) -> str:
        """Never shows the secret."""
        return f"TeacherPass(session_id={self.session_id!r})"


def _digest(text: str) -> bytes:
    """A fixed-length digest, so comparing takes the same time for any length typed."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class TeacherGate:
    """The teacher key, the unlocked sessions and the delays after wrong tries."""

    def __init__(self, key: str | None = None, clock: Callable[[], float] = time.monotonic):
        """key: the teacher key (None or empty: teacher rights are disabled)."""
        self._key = _digest(key) if key else None
        self._clock = clock
        self._lock = threading.Lock()
        self._passes: dict[str, TeacherPass] = {}
        self._failures: dict[str, tuple[int, float]] = {}  # session -> (wrong tries, last)

    @classmethod
    def from_env(cls) -> TeacherGate:
        """The gate of FMNIST_TEACHER_KEY (disabled when unset or blank)."""
        return cls((os.environ.get(TEACHER_KEY_ENV) or "").strip() or None)

    @property
    def enabled(self) -> bool:
        """True when a teacher key is set (else nobody has teacher rights)."""
        return self._key is not None

    def wait_seconds(self, session_id: str) -> float:
        """Seconds this session must wait before its next try is compared (0: it may try)."""
        with self._lock:
            return self._wait(session_id)

    def _wait(self, session_id: str) -> float:
        failures, last = self._failures.get(session_id, (0, 0.0))
        if failures == 0:
            return 0.0
        delay = min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - 1))
        return max(0.0, last + delay - self._clock())

    def unlock(self, session_id: str, typed: str) -> TeacherPass | None:
        """This session's pass when `typed` is the key; None when it is not, when the session
        must still wait after a wrong try (the key is then not compared), or when disabled."""
        if self._key is None or not isinstance(typed, str) or not session_id:
            return None
        with self._lock:
            if self._wait(session_id) > 0:
                return None
            if not hmac.compare_digest(_digest(typed), self._key):
                failures = self._failures.get(session_id, (0, 0.0))[0] + 1
                self._failures[session_id] = (failures, self._clock())
                return None
            self._failures.pop(session_id, None)
            teacher_pass = TeacherPass(session_id, secrets.token_hex(16))
            self._passes[session_id] = teacher_pass
            return teacher_pass

    def lock(self, teacher_pass: TeacherPass | None) -> None:
        """End that pass's rights (the session locks again)."""
        if teacher_pass is not None and self.valid(teacher_pass):
            with self._lock:
                self._passes.pop(teacher_pass.session_id, None)

    def valid(self, teacher_pass: object) -> bool:
        """True only for a pass this gate handed out and has not locked again."""
        if self._key is None or not isinstance(teacher_pass, TeacherPass):
            return False
        with self._lock:
            issued = self._passes.get(teacher_pass.session_id)
        return issued is teacher_pass

    def check(self, teacher_pass: object) -> TeacherPass:
        """The pass when valid; RightsError otherwise."""
        if not self.valid(teacher_pass):
            raise RightsError("Only a teacher can do this: unlock with the teacher key first")
        return teacher_pass  # type: ignore[return-value]

"""The class a teacher runs on one server: the challenge, paused submissions, hidden runs.

`ClassSettings` are kept in `<runs folder>/class.json` (written atomically). Reading never
writes: a damaged file reads as the defaults with a message saying so. Every change takes the
session's `TeacherPass` and raises `RightsError` without a valid one.

A challenge fixes the training settings for everyone (e.g. 3 epochs on 10,000 images) and
optionally a parameter budget; the Train page offers it as one setting (`Challenge.config`),
and the Class board ranks only the runs that match it (`Challenge.matches`).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fmnist_viz.jobs.teacher import TeacherGate, TeacherPass
from fmnist_viz.models import MAX_PARAMS
from fmnist_viz.runs import file_version, write_bytes_atomic
from fmnist_viz.training import OPTIMIZERS, ConfigError, TrainConfig, is_int

CLASS_FILE = "class.json"
MAX_HIDDEN = 10_000  # hidden run ids kept in class.json
MAX_CLASS_BYTES = 1_000_000
TITLE_MAX = 60


@dataclass(frozen=True)
class Challenge:
    """Training settings fixed for everyone, and an optional parameter budget."""

    epochs: int
    train_limit: int | None
    batch_size: int = 64
    learning_rate: float = 0.001
    optimizer: str = "adam"
    max_params: int | None = None
    title: str = ""

    def check(self) -> Challenge:
        """The challenge when its settings can train; ConfigError with the reasons otherwise."""
        problems = self.config().problems()
        if self.max_params is not None and not (
            is_int(self.max_params) and 0 < self.max_params <= MAX_PARAMS
        ):
            problems.append(f"the parameter budget must be a whole number from 1 to {MAX_PARAMS:,}")
        if not isinstance(self.title, str) or len(self.title) > TITLE_MAX:
            problems.append(f"the challenge's title is at most {TITLE_MAX} characters")
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    def config(self, seed: int | None = None) -> TrainConfig:
        """The challenge's training settings (the Train page's one-click setting)."""
        return TrainConfig(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            optimizer=self.optimizer,
            train_limit=self.train_limit,
            seed=seed,
        )

    def matches(self, meta: dict[str, Any]) -> bool:
        """True when a run (its run.json) was trained with exactly these settings and fits the
        parameter budget (seeds and saved states may differ)."""
        config = meta.get("config")
        if not isinstance(config, dict):
            return False
        wanted = self.config().to_dict()
        for key in ("epochs", "batch_size", "learning_rate", "optimizer", "train_limit"):
            if config.get(key) != wanted[key]:
                return False
        if self.optimizer == "sgd" and config.get("momentum") != wanted["momentum"]:
            return False
        if config.get("val_size", wanted["val_size"]) != wanted["val_size"]:
            return False
        if config.get("precision", "float32") != wanted["precision"]:
            return False  # the fast mode's numbers differ: its runs are listed apart
        params = meta.get("params")
        if self.max_params is not None:
            return is_int(params) and params <= self.max_params
        return True

    def describe(self) -> str:
        """'3 epochs on 10,000 images, batch 64, adam 0.001, at most 100,000 parameters'."""
        images = f"{self.train_limit:,} images" if self.train_limit else "all training images"
        text = f"{self.epochs} epochs on {images}, batch {self.batch_size}, "
        text += f"{self.optimizer} {self.learning_rate:g}"
        if self.max_params is not None:
            text += f", at most {self.max_params:,} parameters"
        return f"{self.title}: {text}" if self.title else text

    def to_dict(self) -> dict[str, Any]:
        """The challenge as JSON data."""
        return {
            "epochs": self.epochs,
            "train_limit": self.train_limit,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "optimizer": self.optimizer,
            "max_params": self.max_params,
            "title": self.title,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Challenge:
        """A checked challenge from JSON data; ConfigError when it is not one."""
        if not isinstance(data, dict):
            raise ConfigError("a challenge is an object")
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "epochs" not in known or "train_limit" not in known:
            raise ConfigError("a challenge names its epochs and train_limit")
        rate = known.get("learning_rate")
        if isinstance(rate, int) and not isinstance(rate, bool):
            known["learning_rate"] = float(rate)
        if isinstance(rate, float) and not math.isfinite(rate):
            raise ConfigError("the learning rate must be a finite number")
        if known.get("optimizer", "adam") not in OPTIMIZERS:
            raise ConfigError(f"the optimizer must be one of {', '.join(OPTIMIZERS)}")
        return cls(**known).check()


@dataclass(frozen=True)
class ClassSettings:
    """What the teacher has set: paused submissions, the challenge, runs hidden from the board."""

    paused: bool = False
    challenge: Challenge | None = None
    hidden: frozenset[str] = field(default_factory=frozenset)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON data."""
        return {
            "paused": self.paused,
            "challenge": self.challenge.to_dict() if self.challenge else None,
            "hidden": sorted(self.hidden),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ClassSettings:
        """Settings from JSON data; ConfigError when they are not usable."""
        if not isinstance(data, dict):
            raise ConfigError("not a JSON object")
        paused, hidden = data.get("paused", False), data.get("hidden", [])
        if not isinstance(paused, bool):
            raise ConfigError("paused is not true or false")
        if not isinstance(hidden, list) or not all(isinstance(h, str) for h in hidden):
            raise ConfigError("hidden is not a list of run ids")
        raw = data.get("challenge")
        challenge = None if raw is None else Challenge.from_dict(raw)
        return cls(paused, challenge, frozenset(hidden[:MAX_HIDDEN]))


class Classroom:
    """The class settings of one runs folder; changes only with a teacher's pass."""

    def __init__(self, root: str | Path, gate: TeacherGate):
        self.path = Path(root) / CLASS_FILE
        self.gate = gate
        self._lock = threading.Lock()
        self._cache: tuple[str, ClassSettings, str | None] | None = None

    def read(self) -> tuple[ClassSettings, str | None]:
        """The settings and, when class.json is damaged, why (the defaults are used then).
        Reads the file only when it changed since the last read; never writes."""
        version = file_version(self.path)
        cached = self._cache
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        settings, problem = ClassSettings(), None
        try:
            if self.path.is_file():
                if self.path.stat().st_size > MAX_CLASS_BYTES:
                    raise ConfigError(f"larger than {MAX_CLASS_BYTES:,} bytes")
                settings = ClassSettings.from_dict(json.loads(self.path.read_text("utf-8")))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError, TypeError) as exc:
            problem = f"{CLASS_FILE} is damaged ({exc}): the class settings are the defaults"
        self._cache = (version, settings, problem)
        return settings, problem

    @property
    def settings(self) -> ClassSettings:
        """The current settings (the defaults when class.json is damaged)."""
        return self.read()[0]

    def _change(self, teacher_pass: TeacherPass | None, **changes: Any) -> ClassSettings:
        """Check the pass, apply the changes and write class.json atomically."""
        self.gate.check(teacher_pass)
        with self._lock:
            new = replace(self.settings, **changes)
            text = json.dumps(new.to_dict(), indent=2)
            write_bytes_atomic(self.path, text.encode())
            return new

    def set_paused(self, teacher_pass: TeacherPass | None, paused: bool) -> ClassSettings:
        """Pause (or resume) new submissions from browsers."""
        return self._change(teacher_pass, paused=bool(paused))

    def set_challenge(
        self, teacher_pass: TeacherPass | None, challenge: Challenge | None
    ) -> ClassSettings:
        """Set the challenge (checked; ConfigError when it cannot train), or clear it (None)."""
        self.gate.check(teacher_pass)
        if challenge is not None:
            challenge = Challenge.from_dict(challenge.to_dict())
        return self._change(teacher_pass, challenge=challenge)

    def set_hidden(
        self, teacher_pass: TeacherPass | None, run_id: str, hidden: bool = True
    ) -> ClassSettings:
        """Hide a run from the board (it stays in the runs folder), or show it again."""
        self.gate.check(teacher_pass)
        current = self.settings.hidden
        if not isinstance(run_id, str) or not run_id:
            raise ValueError("a run id is a non-empty string")
        ids = current | {run_id} if hidden else current - {run_id}
        if len(ids) > MAX_HIDDEN:
            raise ValueError(f"at most {MAX_HIDDEN:,} runs can be hidden")
        return self._change(teacher_pass, hidden=frozenset(ids))

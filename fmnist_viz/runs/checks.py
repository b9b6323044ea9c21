"""What makes a run folder usable: the types of run.json's fields, readable artefacts, and
whether the process that runs it still lives. Checks only read: nothing here writes.

A damaged run is listed with one plain reason (the first problem found) and left as it is.
"""

from __future__ import annotations

import math
import os
import socket
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fmnist_viz.training import TrainConfig

MAX_RUN_JSON_BYTES = 1 << 20  # a run.json is a few KB; anything near a MB is not ours

_TEXT = ("id", "name", "arch", "created", "started", "finished", "host", "owner", "error")
_TEXT += ("data_source", "pid_start")
_WHOLE = ("params", "pid", "seed", "epochs_done", "best_epoch", "steps_per_epoch")
_WHOLE += ("n_train", "n_val", "n_test", "memory_limit_mb")
_NUMBER = ("test_accuracy", "test_loss", "best_val_loss", "best_val_accuracy")
_NUMBER += ("final_train_accuracy", "final_val_accuracy", "seconds_per_epoch")
NPZ_MEMBERS = {"predictions.npz": {"probabilities.npy", "labels.npy"}}


def _is_whole(value: Any) -> bool:
    """A JSON whole number (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """A finite JSON number (not a bool, not NaN or infinity)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    **{k: ("text", lambda v: isinstance(v, str)) for k in _TEXT},
    **{k: ("a whole number", _is_whole) for k in _WHOLE},
    **{k: ("a finite number", _is_number) for k in _NUMBER},
    "spec": ("an object", lambda v: isinstance(v, dict)),
    "config": ("an object", lambda v: isinstance(v, dict)),
    "notes": ("a list", lambda v: isinstance(v, list)),
}


def meta_problem(meta: dict[str, Any], statuses: tuple[str, ...]) -> str | None:
    """Why a parsed run.json cannot be used (wrong types, unknown status), or None."""
    missing = [k for k in ("spec", "config", "status") if k not in meta]
    if missing:
        return f"run.json lacks {', '.join(missing)}"
    if meta["status"] not in statuses:
        return f"unknown status {meta['status']!r}"
    for key, (kind, ok) in _KINDS.items():
        value = meta.get(key)
        if value is not None and not ok(value):
            return f"run.json: {key} is {_shown(value)}, not {kind}"
    if not isinstance(meta["spec"].get("layers"), list):
        return "run.json: the spec has no list of layers"
    problems = TrainConfig.from_dict(meta["config"]).problems()
    if problems:
        return f"run.json: the training settings are not usable ({problems[0]})"
    return None


def _shown(value: Any) -> str:
    """A short rendering of a wrong value for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def zip_problem(path: Path) -> str | None:
    """Why a .keras or .npz file is not a readable zip archive (empty, truncated), or None."""
    try:
        if path.stat().st_size == 0:
            return f"{path.name} is empty"
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        return f"{path.name} is damaged ({exc})"
    expected = NPZ_MEMBERS.get(path.name)
    if expected and not expected <= names:
        return f"{path.name} is damaged (it lacks {', '.join(sorted(expected - names))})"
    return None


def artefact_problem(path: Path, meta: dict[str, Any], model_file: str) -> str | None:
    """Why the run's saved files cannot be used, or None (files a run has yet to write are
    fine): a finished run needs its model; any model, predictions or snapshot must be a
    readable archive."""
    model = path / model_file
    if meta["status"] == "finished" and not model.is_file():
        return f"{model_file} is missing"
    candidates = [model, path / "predictions.npz"]  # live.npz: a copy of the newest state
    for folder in ("states", "snapshots"):  # states; per-epoch snapshots of older runs
        if (path / folder).is_dir():
            candidates += sorted((path / folder).glob("*.npz"))
    for candidate in candidates:
        if candidate.is_file():
            problem = zip_problem(candidate)
            if problem:
                folder = "" if candidate.parent == path else f"{candidate.parent.name}/"
                return folder + problem
    return None


# ---------------------------------------------------------------- is the owner alive?


def process_identity(pid: int) -> str | None:
    """An id of a live process that a reused pid does not share (boot id and start time).

    None where /proc does not tell (not Linux), or when there is no such process.
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{int(pid)}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # the name in (...) may hold spaces
    return f"{boot}:{fields[19]}" if len(fields) > 19 else None


def owner_alive(meta: dict[str, Any]) -> bool:
    """Is the process that runs (or queues) this job still alive?

    On this host: its pid exists and, when its identity was recorded, it is the same process
    (a pid reused after a crash or a reboot does not count). On another host nothing can be
    checked from here, so the run is taken to be alive.
    """
    pid, host = meta.get("pid"), meta.get("host")
    if host != socket.gethostname():
        return isinstance(host, str) and bool(host)
    if not _is_whole(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return False
    recorded = meta.get("pid_start")
    return recorded is None or recorded == process_identity(pid)

"""The run store: one folder per training run, written atomically, listed robustly.

Layout of a run folder (all writes go to a temp file first, then `os.replace`):

    run.json          spec, training settings, status, timestamps, summary metrics
    history.csv       per epoch: loss, accuracy, val_loss, val_accuracy, seconds
    batches.csv       per batch: the epoch's running loss and accuracy (live curves)
    progress.json     the latest batch progress (heartbeat of a running job)
    model.keras       the best model so far (lowest validation loss)
    states/step_NNNNNNN[.full].npz   the weights every K batches and at epoch ends
    live.npz          the newest state with every weight (replaced at each state)
    test_metrics.json accuracy, loss, confusion matrix, per-class accuracy
    predictions.npz   test-set probabilities of the best model
    tb/               TensorBoard event files (`tensorboard --logdir runs`)
    STOP              present when someone asked the run to stop

The recorder (`recorder.py`) writes these files while a run trains; this module creates,
reads, lists, renames and deletes run folders.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_viz import NUM_CLASSES
from fmnist_viz.runs.atomic import TEMP_PREFIX, write_json_atomic
from fmnist_viz.runs.checks import (
    MAX_RUN_JSON_BYTES,
    artefact_problem,
    meta_problem,
    owner_alive,
    process_identity,
)
from fmnist_viz.runs.files import RunFileError, read_history
from fmnist_viz.runs.states import (
    StateError,
    StateRef,
    list_states,
    live_state,
    read_state,
    state_step,
)
from fmnist_viz.training import EpochRecord, TrainConfig

RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
PROGRESS_FILE = "progress.json"
MODEL_FILE = "model.keras"
TEST_FILE = "test_metrics.json"
PREDICTIONS_FILE = "predictions.npz"
STOP_FILE = "STOP"
STATUSES = ("queued", "running", "finished", "stopped", "failed", "interrupted")
ACTIVE = ("queued", "running")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


class RunError(ValueError):
    """A run that does not exist, a hostile id, or a damaged file."""


def default_runs_dir() -> Path:
    """The run store's folder: $FMNIST_RUNS_DIR, else ./runs."""
    return Path(os.environ.get("FMNIST_RUNS_DIR") or "runs")


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- names and ids


def sanitize_name(name: str, default: str = "run") -> str:
    """A display name safe anywhere: printable, no path characters, at most 60 chars."""
    clean = re.sub(r"[^A-Za-z0-9 _.()+-]", "-", str(name or "")).strip(" .-")
    clean = re.sub(r"-{2,}", "-", clean)[:60].strip(" .-")
    return clean or default


def new_run_id(name: str) -> str:
    """A fresh run id: UTC time stamp, a slug of the name and 4 random hex digits."""
    slug = re.sub(r"[^a-z0-9]+", "-", sanitize_name(name).lower()).strip("-")[:30] or "run"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{slug}-{secrets.token_hex(2)}"


# ---------------------------------------------------------------- reading runs


@dataclass
class RunInfo:
    """What the listing knows about one run folder."""

    id: str
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    damaged: str | None = None  # the reason, when the folder cannot be used
    stale: bool = False  # run.json says queued/running, but the process behind it is gone

    @property
    def status(self) -> str:
        """The run's status ('interrupted' for a stale one), or 'damaged'."""
        if self.damaged:
            return "damaged"
        return "interrupted" if self.stale else str(self.meta.get("status", "unknown"))

    @property
    def name(self) -> str:
        """The display name (the id when the run has none)."""
        return str(self.meta.get("name") or self.id)

    def get(self, key: str, default: Any = None) -> Any:
        """A run.json field."""
        return self.meta.get(key, default)

    @property
    def model_path(self) -> Path:
        """The run's saved best model (it may not exist yet)."""
        return self.path / MODEL_FILE


class RunStore:
    """A folder of run folders."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_runs_dir()

    def path(self, run_id: str) -> Path:
        """The folder of a run id; RunError for ids that could escape the store."""
        if not isinstance(run_id, str) or not _ID_RE.match(run_id) or ".." in run_id:
            raise RunError(f"Invalid run id {run_id!r}")
        path = self.root / run_id
        if path.resolve().parent != self.root.resolve():
            raise RunError(f"Invalid run id {run_id!r}")
        return path

    def writable_problem(self) -> str | None:
        """Why runs cannot be saved here (not a folder, no permission), or None.

        Tries for real: makes the folder when missing, writes and removes a temp file.
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(prefix=TEMP_PREFIX, dir=self.root):
                pass
        except FileExistsError:
            return f"the run store {self.root} is a file, not a folder"
        except OSError as exc:
            return f"runs cannot be saved in {self.root}: {exc.strerror or exc}"
        return None

    def require_writable(self) -> None:
        """RunError with the reason when runs cannot be saved in this store."""
        problem = self.writable_problem()
        if problem:
            raise RunError(problem[0].upper() + problem[1:])

    def create(
        self, spec: dict[str, Any], config: TrainConfig, name: str = "", arch: str = ""
    ) -> RunInfo:
        """Make a new run folder with its run.json (status 'queued'); RunError when the store
        cannot be written."""
        from fmnist_viz.models import check_spec

        display = sanitize_name(name or spec.get("title") or spec.get("name") or "run")
        run_id = new_run_id(display)
        path = self.path(run_id)
        meta = {
            "id": run_id,
            "name": display,
            "arch": arch or spec.get("name", "custom"),
            "spec": spec,
            "config": config.to_dict(),
            "params": check_spec(spec).total_params,
            "status": "queued",
            "created": now_iso(),
            "pid": os.getpid(),  # the process holding the queue; the worker replaces it
            "pid_start": process_identity(os.getpid()),
            "host": socket.gethostname(),
        }
        try:
            path.mkdir(parents=True, exist_ok=False)
            write_json_atomic(path / RUN_FILE, meta)
        except OSError as exc:
            with contextlib.suppress(OSError):
                shutil.rmtree(path)
            problem = self.writable_problem() or f"cannot create {path}: {exc}"
            raise RunError(problem[0].upper() + problem[1:]) from exc
        return RunInfo(run_id, path, meta)

    def load(self, run_id: str) -> RunInfo:
        """One run with damage checks (never raises for a damaged folder, only for bad ids)."""
        path = self.path(run_id)
        if not path.is_dir():
            raise RunError(f"No run {run_id!r} in {self.root}")
        return _inspect(run_id, path)

    def list(self) -> list[RunInfo]:
        """All runs, newest first; damaged folders are included with their reason."""
        if not self.root.is_dir():
            return []
        runs = []
        for child in self.root.iterdir():
            if child.is_dir() and _ID_RE.match(child.name) and not child.name.startswith("."):
                runs.append(_inspect(child.name, child))
        return sorted(runs, key=lambda r: (str(r.meta.get("created", "")), r.id), reverse=True)

    def update(self, run_id: str, **changes: Any) -> dict[str, Any]:
        """Merge changes into run.json atomically and return the new metadata."""
        path = self.path(run_id) / RUN_FILE
        meta = _read_json(path)
        meta.update(changes)
        write_json_atomic(path, meta)
        return meta

    def rename(self, run_id: str, name: str) -> str:
        """Give a run a new display name (sanitised); returns the name kept."""
        clean = sanitize_name(name, default="")
        if not clean:
            raise RunError("A run name needs at least one letter or digit")
        self.update(run_id, name=clean)
        return clean

    def delete(self, run_id: str) -> None:
        """Remove a run folder and everything in it."""
        path = self.path(run_id)
        if not path.is_dir():
            raise RunError(f"No run {run_id!r} in {self.root}")
        shutil.rmtree(path)

    def request_stop(self, run_id: str) -> None:
        """Ask a running job to stop (it checks for the STOP file before every batch)."""
        (self.path(run_id) / STOP_FILE).touch()

    def history(self, run_id: str) -> list[EpochRecord]:
        """The run's finished epochs (empty before the first); RunError when damaged."""
        path = self.path(run_id) / HISTORY_FILE
        try:
            return read_history(path) if path.exists() else []
        except RunFileError as exc:
            raise RunError(str(exc)) from exc

    def progress(self, run_id: str) -> dict[str, Any] | None:
        """The latest batch progress of a running job, None when there is none."""
        try:
            return _read_json(self.path(run_id) / PROGRESS_FILE)
        except RunError:
            return None

    def predictions(self, run_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(probabilities float32 (n, 10), true labels) of the best model on the test set;
        None when the run has none, RunError when the file is damaged."""
        path = self.path(run_id) / PREDICTIONS_FILE
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                probs = npz["probabilities"].astype(np.float32)
                labels = npz["labels"].astype(np.int64)
        except _NPZ_ERRORS as exc:
            raise RunError(f"{path.name} is damaged: {exc or type(exc).__name__}") from exc
        if probs.ndim != 2 or probs.shape[1] != NUM_CLASSES or labels.shape != probs.shape[:1]:
            raise RunError(
                f"{path.name} is damaged: probabilities {probs.shape} do not match labels "
                f"{labels.shape}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
            raise RunError(f"{path.name} is damaged: labels outside 0..{NUM_CLASSES - 1}")
        return probs, labels

    def states(self, run_id: str) -> list[StateRef]:
        """The run's saved states by position (see `states.py`); empty before the first."""
        info = self.load(run_id)
        return list_states(info.path, info.get("steps_per_epoch"))

    def state(self, state: StateRef) -> dict[str, np.ndarray]:
        """The weights of one saved state; RunError when it is missing or damaged."""
        try:
            return read_state(state.path)
        except StateError as exc:
            raise RunError(str(exc)) from exc

    def live(self, run_id: str) -> StateRef | None:
        """The run's newest full state (live.npz), None when it has none."""
        path = live_state(self.path(run_id))
        if path is None:
            return None
        try:
            step, steps = state_step(path)
        except StateError:
            return None  # replaced while reading, or damaged: the listing says which
        return StateRef(step, step / max(steps, 1), True, path)

    def model_path(self, run_id: str) -> Path:
        """The run's saved best model file (it may not exist yet); RunError for a bad id."""
        return self.path(run_id) / MODEL_FILE

    def load_model(self, run_id: str) -> Any:
        """The saved best model (Keras); RunError when missing or unreadable."""
        import keras

        path = self.model_path(run_id)
        if not path.exists():
            raise RunError(f"Run {run_id} has no saved model yet")
        try:
            return keras.saving.load_model(path, compile=False)
        except Exception as exc:  # Keras raises many types for a bad archive
            raise RunError(f"{MODEL_FILE} of run {run_id} cannot be loaded: {exc}") from exc

    def recover_interrupted(self) -> list[str]:
        """Record as interrupted the runs left queued/running by a dead process; return their
        ids. Listing already shows them as interrupted without writing; this persists it, and
        only where the store is writable (a read-only store is left untouched)."""
        if not os.access(self.root, os.W_OK):
            return []
        marked = []
        for run in self.list():
            if not run.stale:
                continue
            try:
                self.update(run.id, status="interrupted", finished=now_iso(), error=STALE_ERROR)
            except (OSError, RunError):
                continue  # this folder is not writable: it stays as it is
            marked.append(run.id)
        return marked

    def remove_temp_files(self, older_than: float = 3600.0) -> int:
        """Delete temp files that a killed write left in run folders (older than an hour, so
        a write in progress is never touched); returns how many. Only where writable."""
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            return 0
        removed = 0
        cutoff = time.time() - older_than
        for tmp in self.root.glob(f"*/{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
                    removed += 1
        return removed


_NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)
STALE_ERROR = "The process running it ended before the run finished"


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object file; RunError when missing, too big, unreadable or not an object."""
    try:
        if path.stat().st_size > MAX_RUN_JSON_BYTES:
            raise RunError(f"{path.name} is damaged: larger than {MAX_RUN_JSON_BYTES:,} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunError(f"{path.name} is missing") from exc
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunError(f"{path.name} is damaged: {exc}") from exc
    if not isinstance(data, dict):
        raise RunError(f"{path.name} is damaged: not a JSON object")
    return data


def _inspect(run_id: str, path: Path) -> RunInfo:
    """A run folder as the listing sees it: damaged with a reason, stale, or fine."""
    try:
        meta = _read_json(path / RUN_FILE)
    except RunError as exc:
        return RunInfo(run_id, path, {}, str(exc))
    problem = meta_problem(meta, STATUSES)
    if problem is None and meta["status"] == "finished":
        try:
            if not (path / HISTORY_FILE).is_file():
                raise RunError(f"{HISTORY_FILE} is missing")
            read_history(path / HISTORY_FILE)
        except (RunError, RunFileError) as exc:
            problem = str(exc)
    problem = problem or artefact_problem(path, meta, MODEL_FILE)
    if problem:
        return RunInfo(run_id, path, meta, problem)
    if meta["status"] in ACTIVE and not owner_alive(meta):
        return RunInfo(run_id, path, {**meta, "error": STALE_ERROR}, stale=True)
    return RunInfo(run_id, path, meta)

"""The run store: one folder per training run, written atomically, listed robustly.

Layout of a run folder (all writes go to a temp file first, then `os.replace`):

    run.json          spec, training settings, status, timestamps, summary metrics
    history.csv       per epoch: loss, accuracy, val_loss, val_accuracy, seconds
    batches.csv       per batch: the epoch's running loss and accuracy (live curves)
    progress.json     the latest batch progress (heartbeat of a running job)
    model.keras       the best model so far (lowest validation loss)
    snapshots/epoch_NNN.npz   conv kernels and biases after each epoch (000 = initial)
    test_metrics.json accuracy, loss, confusion matrix, per-class accuracy
    predictions.npz   test-set probabilities of the best model
    tb/               TensorBoard event files (`tensorboard --logdir runs`)
    STOP              present when someone asked the run to stop
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_viz.training import (
    HISTORY_FIELDS,
    BatchProgress,
    EpochRecord,
    Observer,
    StartInfo,
    TestMetrics,
    TrainConfig,
    TrainResult,
)

RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
BATCHES_FILE = "batches.csv"
PROGRESS_FILE = "progress.json"
MODEL_FILE = "model.keras"
TEST_FILE = "test_metrics.json"
PREDICTIONS_FILE = "predictions.npz"
SNAPSHOT_DIR = "snapshots"
STOP_FILE = "STOP"
STATUSES = ("queued", "running", "finished", "stopped", "failed", "interrupted")
ACTIVE = ("queued", "running")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


class RunError(ValueError):
    """A run that does not exist, a hostile id, or a damaged file."""


def default_runs_dir() -> Path:
    return Path(os.environ.get("FMNIST_RUNS_DIR") or "runs")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- atomic files


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    write_bytes_atomic(path, json.dumps(data, indent=2, default=_json_default).encode())


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = "") -> Iterator[Path]:
    """A temp path to write with a library (e.g. model.save), renamed over `path` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".tmp-{secrets.token_hex(4)}{suffix or path.suffix}"
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _json_number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


# ---------------------------------------------------------------- names and ids


def sanitize_name(name: str, default: str = "run") -> str:
    """A display name safe anywhere: printable, no path characters, at most 60 chars."""
    clean = re.sub(r"[^A-Za-z0-9 _.()+-]", "-", str(name or "")).strip(" .-")
    clean = re.sub(r"-{2,}", "-", clean)[:60].strip(" .-")
    return clean or default


def new_run_id(name: str) -> str:
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

    @property
    def status(self) -> str:
        return "damaged" if self.damaged else str(self.meta.get("status", "unknown"))

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.id)

    def get(self, key: str, default: Any = None) -> Any:
        return self.meta.get(key, default)


def read_history(path: Path) -> list[EpochRecord]:
    """Parse history.csv; RunError on a damaged file."""
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        return [
            EpochRecord(int(r["epoch"]), *(float(r[k]) for k in HISTORY_FIELDS[1:])) for r in rows
        ]
    except (OSError, KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise RunError(f"{path.name} is damaged: {exc}") from exc


def history_csv(history: list[EpochRecord]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HISTORY_FIELDS)
    for r in history:
        writer.writerow([r.epoch, *(f"{getattr(r, k):.6g}" for k in HISTORY_FIELDS[1:])])
    return buf.getvalue()


def read_batches(path: Path) -> list[tuple[int, int, float, float]]:
    """(epoch, batch, loss, accuracy) rows; a torn last line (crash mid-append) is skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return parse_batch_lines(lines[1:])


def parse_batch_lines(lines: list[str]) -> list[tuple[int, int, float, float]]:
    """Parse batches.csv data lines (no header); malformed lines are skipped."""
    out = []
    for line in lines:
        parts = line.split(",")
        if len(parts) != 4:
            continue
        try:
            out.append((int(parts[0]), int(parts[1]), float(parts[2]), float(parts[3])))
        except ValueError:
            continue
    return out


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

    def create(
        self, spec: dict[str, Any], config: TrainConfig, name: str = "", arch: str = ""
    ) -> RunInfo:
        """Make a new run folder with its run.json (status 'queued')."""
        from fmnist_viz.architectures import summarize

        display = sanitize_name(name or spec.get("title") or spec.get("name") or "run")
        run_id = new_run_id(display)
        path = self.path(run_id)
        path.mkdir(parents=True, exist_ok=False)
        meta = {
            "id": run_id,
            "name": display,
            "arch": arch or spec.get("name", "custom"),
            "spec": spec,
            "config": config.to_dict(),
            "params": summarize(spec).total_params,
            "status": "queued",
            "created": now_iso(),
            "pid": os.getpid(),  # the process holding the queue; the worker replaces it
            "host": socket.gethostname(),
        }
        write_json_atomic(path / RUN_FILE, meta)
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
        clean = sanitize_name(name, default="")
        if not clean:
            raise RunError("A run name needs at least one letter or digit")
        self.update(run_id, name=clean)
        return clean

    def delete(self, run_id: str) -> None:
        path = self.path(run_id)
        if not path.is_dir():
            raise RunError(f"No run {run_id!r} in {self.root}")
        shutil.rmtree(path)

    def request_stop(self, run_id: str) -> None:
        (self.path(run_id) / STOP_FILE).touch()

    def history(self, run_id: str) -> list[EpochRecord]:
        path = self.path(run_id) / HISTORY_FILE
        return read_history(path) if path.exists() else []

    def batches(self, run_id: str) -> list[tuple[int, int, float, float]]:
        return read_batches(self.path(run_id) / BATCHES_FILE)

    def progress(self, run_id: str) -> dict[str, Any] | None:
        try:
            return _read_json(self.path(run_id) / PROGRESS_FILE)
        except RunError:
            return None

    def test_metrics(self, run_id: str) -> dict[str, Any] | None:
        path = self.path(run_id) / TEST_FILE
        return _read_json(path) if path.exists() else None

    def predictions(self, run_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(probabilities float32 (n, 10), true labels) of the best model on the test set."""
        path = self.path(run_id) / PREDICTIONS_FILE
        if not path.exists():
            return None
        try:
            with np.load(path) as npz:
                return npz["probabilities"].astype(np.float32), npz["labels"].astype(np.int64)
        except (OSError, ValueError, KeyError) as exc:
            raise RunError(f"{path.name} is damaged: {exc}") from exc

    def snapshot_epochs(self, run_id: str) -> list[int]:
        folder = self.path(run_id) / SNAPSHOT_DIR
        if not folder.is_dir():
            return []
        found = (re.fullmatch(r"epoch_(\d{3,})\.npz", p.name) for p in folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def snapshot(self, run_id: str, epoch: int) -> dict[str, np.ndarray]:
        path = self.path(run_id) / SNAPSHOT_DIR / f"epoch_{int(epoch):03d}.npz"
        try:
            with np.load(path) as npz:
                return {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise RunError(f"Snapshot {path.name} is damaged or missing: {exc}") from exc

    def load_model(self, run_id: str) -> Any:
        """The saved best model (Keras); RunError when missing or unreadable."""
        import keras

        path = self.path(run_id) / MODEL_FILE
        if not path.exists():
            raise RunError(f"Run {run_id} has no saved model yet")
        try:
            return keras.saving.load_model(path, compile=False)
        except Exception as exc:  # Keras raises many types for a bad archive
            raise RunError(f"{MODEL_FILE} of run {run_id} cannot be loaded: {exc}") from exc

    def recover_interrupted(self) -> list[str]:
        """Mark runs left 'running'/'queued' by a dead process as interrupted; return their ids."""
        marked = []
        for run in self.list():
            if run.status in ACTIVE and not _owner_alive(run.meta):
                self.update(
                    run.id,
                    status="interrupted",
                    finished=now_iso(),
                    error="The process running it ended before the run finished",
                )
                marked.append(run.id)
        return marked


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunError(f"{path.name} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunError(f"{path.name} is damaged: {exc}") from exc
    if not isinstance(data, dict):
        raise RunError(f"{path.name} is damaged: not a JSON object")
    return data


def _inspect(run_id: str, path: Path) -> RunInfo:
    try:
        meta = _read_json(path / RUN_FILE)
    except RunError as exc:
        return RunInfo(run_id, path, {}, str(exc))
    missing = [k for k in ("spec", "config", "status") if k not in meta]
    if missing:
        return RunInfo(run_id, path, meta, f"run.json lacks {', '.join(missing)}")
    if meta["status"] not in STATUSES:
        return RunInfo(run_id, path, meta, f"unknown status {meta['status']!r}")
    if meta["status"] == "finished":
        for name in (MODEL_FILE, HISTORY_FILE):
            if not (path / name).is_file():
                return RunInfo(run_id, path, meta, f"{name} is missing")
        try:
            read_history(path / HISTORY_FILE)
        except RunError as exc:
            return RunInfo(run_id, path, meta, str(exc))
    return RunInfo(run_id, path, meta)


def _owner_alive(meta: dict[str, Any]) -> bool:
    """Is the process that runs this job still alive (on this host)?"""
    pid, host = meta.get("pid"), meta.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ---------------------------------------------------------------- recording a training


class RunRecorder(Observer):
    """Writes a training's progress into its run folder as it happens."""

    def __init__(self, store: RunStore, run_id: str, progress_interval: float = 0.5):
        self.store = store
        self.run_id = run_id
        self.dir = store.path(run_id)
        self.interval = progress_interval
        self._last_flush = 0.0
        self._pending: list[str] = []
        self._history: list[EpochRecord] = []
        self._tb = _TensorBoardWriter(self.dir / "tb")
        (self.dir / BATCHES_FILE).write_text("epoch,batch,loss,accuracy\n", encoding="utf-8")

    def should_stop(self) -> bool:
        return (self.dir / STOP_FILE).exists()

    def mark_running(self, data_source: str) -> None:
        self.store.update(
            self.run_id,
            status="running",
            started=now_iso(),
            pid=os.getpid(),
            host=socket.gethostname(),
            data_source=data_source,
        )

    def on_start(self, info: StartInfo) -> None:
        self.store.update(
            self.run_id,
            seed=info.seed,
            steps_per_epoch=info.steps_per_epoch,
            n_train=info.n_train,
            n_val=info.n_val,
            n_test=info.n_test,
            notes=list(info.notes),
        )

    def on_batch(self, progress: BatchProgress) -> None:
        self._pending.append(
            f"{progress.epoch},{progress.batch},{progress.loss:.5g},{progress.accuracy:.5g}\n"
        )
        now = time.monotonic()
        last = progress.batch == progress.steps_per_epoch
        if now - self._last_flush >= self.interval or last:
            self._flush(progress)
            self._last_flush = now

    def _flush(self, progress: BatchProgress) -> None:
        with open(self.dir / BATCHES_FILE, "a", encoding="utf-8") as fh:
            fh.write("".join(self._pending))
        self._pending.clear()
        state = {
            "epoch": progress.epoch,
            "epochs": progress.epochs,
            "batch": progress.batch,
            "steps_per_epoch": progress.steps_per_epoch,
            "loss": _json_number(progress.loss),
            "accuracy": _json_number(progress.accuracy),
            "samples_per_second": progress.samples_per_second,
            "elapsed": progress.elapsed,
            "eta_seconds": progress.eta_seconds,
            "fraction": progress.fraction,
            "updated": time.time(),
        }
        write_json_atomic(self.dir / PROGRESS_FILE, state)

    def on_epoch(self, record: EpochRecord, improved: bool, model: Any) -> None:
        self._history.append(record)
        if improved:
            with atomic_path(self.dir / MODEL_FILE) as tmp:
                model.save(tmp)
        write_bytes_atomic(self.dir / HISTORY_FILE, history_csv(self._history).encode())
        self._tb.epoch(record)
        best = min(self._history, key=lambda r: r.val_loss)
        self.store.update(
            self.run_id,
            epochs_done=record.epoch,
            best_epoch=best.epoch,
            best_val_loss=_json_number(best.val_loss),
            best_val_accuracy=_json_number(best.val_accuracy),
            final_train_accuracy=_json_number(record.accuracy),
            final_val_accuracy=_json_number(record.val_accuracy),
            seconds_per_epoch=sum(r.seconds for r in self._history) / len(self._history),
        )

    def on_snapshot(self, epoch: int, weights: dict[str, np.ndarray]) -> None:
        buf = io.BytesIO()
        np.savez(buf, **weights)
        write_bytes_atomic(self.dir / SNAPSHOT_DIR / f"epoch_{epoch:03d}.npz", buf.getvalue())

    def finish(self, result: TrainResult, y_test: np.ndarray) -> None:
        """Save the final artefacts and mark the run finished or stopped."""
        if not (self.dir / MODEL_FILE).exists():
            # no epoch ever improved (stopped early, or NaN losses): keep the weights it has
            with atomic_path(self.dir / MODEL_FILE) as tmp:
                result.model.save(tmp)
        if result.test is not None and result.probabilities is not None:
            write_test_results(self.dir, result.test, result.probabilities, y_test)
        self._tb.close()
        changes: dict[str, Any] = {"status": result.status, "finished": now_iso()}
        if result.status == "diverged":
            changes.update(status="failed", error=result.notes[-1])
        if result.test is not None:
            changes.update(
                test_accuracy=_json_number(result.test.accuracy),
                test_loss=_json_number(result.test.loss),
            )
        self.store.update(self.run_id, **changes)

    def fail(self, message: str) -> None:
        self._tb.close()
        self.store.update(self.run_id, status="failed", finished=now_iso(), error=message)


def write_test_results(
    folder: Path, test: TestMetrics, probabilities: np.ndarray, labels: np.ndarray
) -> None:
    write_json_atomic(folder / TEST_FILE, test.__dict__)
    buf = io.BytesIO()
    np.savez_compressed(
        buf, probabilities=probabilities.astype(np.float16), labels=labels.astype(np.uint8)
    )
    write_bytes_atomic(folder / PREDICTIONS_FILE, buf.getvalue())


class _TensorBoardWriter:
    """Per-epoch scalars in TensorBoard's format, written with TensorFlow alone."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.writers: dict[str, Any] = {}

    def _writer(self, split: str) -> Any:
        import tensorflow as tf

        if split not in self.writers:
            self.writers[split] = tf.summary.create_file_writer(str(self.folder / split))
        return self.writers[split]

    def epoch(self, record: EpochRecord) -> None:
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2

        meta = summary_pb2.SummaryMetadata()
        meta.plugin_data.plugin_name = "scalars"
        meta.data_class = summary_pb2.DATA_CLASS_SCALAR
        values = {
            "train": {"epoch_loss": record.loss, "epoch_accuracy": record.accuracy},
            "validation": {"epoch_loss": record.val_loss, "epoch_accuracy": record.val_accuracy},
        }
        for split, scalars in values.items():
            with self._writer(split).as_default():
                for tag, value in scalars.items():
                    tf.summary.write(
                        tag, tf.constant(value, tf.float32), record.epoch, metadata=meta
                    )
            self._writer(split).flush()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()


def execute_run(
    store: RunStore,
    run_id: str,
    data_dir: str | None = None,
    observers: tuple[Observer, ...] = (),
) -> dict[str, Any]:
    """Train the run folder's spec/config end to end; return the final run.json."""
    from fmnist_viz.data import load_fashion_mnist
    from fmnist_viz.training import train

    info = store.load(run_id)
    recorder = RunRecorder(store, run_id)
    try:
        data = load_fashion_mnist(data_dir)
        recorder.mark_running(data.describe())
        config = TrainConfig.from_dict(info.meta["config"])
        result = train(
            info.meta["spec"], config, data, (recorder, *observers), recorder.should_stop
        )
        recorder.finish(result, data.y_test)
    except Exception as exc:
        recorder.fail(f"{type(exc).__name__}: {exc}")
        raise
    return store.load(run_id).meta

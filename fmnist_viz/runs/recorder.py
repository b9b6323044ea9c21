"""Recording a training into its run folder as it happens (an Observer of `training.train`).

Per call of batches (see `training.pacing`): a row of batches.csv (appended, flushed about
twice a second) and progress.json. Per state (see `states.py`): a state file and live.npz.
Per epoch: history.csv, run.json's summary fields, model.keras when validation loss improved,
and TensorBoard scalars. At the end: test metrics, predictions and the final status.
Every file but the append-only batches.csv is replaced atomically.
"""

from __future__ import annotations

import io
import os
import socket
import time
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_viz.runs.atomic import atomic_path, json_number, write_bytes_atomic, write_json_atomic
from fmnist_viz.runs.checks import process_identity
from fmnist_viz.runs.files import BATCHES_FILE, BATCHES_HEADER, history_csv
from fmnist_viz.runs.states import (
    LIVE_FILE,
    STATE_DIR,
    encode_state,
    kernel_snapshot,
    other_weights,
    state_name,
)
from fmnist_viz.runs.store import (
    HISTORY_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    PROGRESS_FILE,
    STOP_FILE,
    TEST_FILE,
    RunStore,
    now_iso,
)
from fmnist_viz.runs.tensorboard import TensorBoardWriter
from fmnist_viz.training import (
    BatchProgress,
    EpochRecord,
    Observer,
    StartInfo,
    TestMetrics,
    TrainingState,
    TrainResult,
)


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
        self._tb = TensorBoardWriter(self.dir / "tb")
        (self.dir / BATCHES_FILE).write_text(BATCHES_HEADER, encoding="utf-8")
        self._saved_model: Any = None

    def prepare(self, spec: dict[str, Any]) -> None:
        """Build the uncompiled twin model.keras is saved from. Call before training starts
        (before its seeding): building draws random initial weights, which must not shift the
        training's random stream (the engine stays bit-identical to plain Keras)."""
        from fmnist_viz.models import build_model

        self._saved_model = build_model(spec)

    def _twin(self) -> Any:
        """The uncompiled model of the run's spec that model.keras is saved from."""
        if self._saved_model is None:
            raise RuntimeError("RunRecorder.prepare(spec) must be called before training")
        return self._saved_model

    def should_stop(self) -> bool:
        """True once someone asked the run to stop (its STOP file exists)."""
        return (self.dir / STOP_FILE).exists()

    def mark_running(self, data_source: str) -> None:
        """Record that this process now trains the run, and on which data."""
        self.store.update(
            self.run_id,
            status="running",
            started=now_iso(),
            pid=os.getpid(),
            pid_start=process_identity(os.getpid()),
            host=socket.gethostname(),
            data_source=data_source,
        )

    def on_start(self, info: StartInfo) -> None:
        """Record the seed, the sizes of the split, the pacing (batches per call, between
        states), the precision and TensorFlow's thread counts (0: its default, every CPU)."""
        import tensorflow as tf  # already loaded: the model is built

        self.store.update(
            self.run_id,
            tf_threads=tf.config.threading.get_intra_op_parallelism_threads(),
            tf_inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
            steps_per_call=info.steps_per_call,
            state_every=info.state_every,
            precision=info.precision,
            seed=info.seed,
            steps_per_epoch=info.steps_per_epoch,
            n_train=info.n_train,
            n_val=info.n_val,
            n_test=info.n_test,
            notes=list(info.notes),
        )

    def on_batch(self, progress: BatchProgress) -> None:
        """Buffer the batch row; flush rows and progress.json about every `interval` s."""
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
            "loss": json_number(progress.loss),
            "accuracy": json_number(progress.accuracy),
            "samples_per_second": progress.samples_per_second,
            "elapsed": progress.elapsed,
            "eta_seconds": progress.eta_seconds,
            "fraction": progress.fraction,
            "updated": time.time(),
        }
        write_json_atomic(self.dir / PROGRESS_FILE, state)

    def on_epoch(self, record: EpochRecord, improved: bool, model: Any) -> None:
        """Save history, summary metrics, TensorBoard scalars and (if improved) the model."""
        self._history.append(record)
        if improved:
            save_without_optimizer(model, self._twin(), self.dir / MODEL_FILE)
        write_bytes_atomic(self.dir / HISTORY_FILE, history_csv(self._history).encode())
        self._tb.epoch(record)
        best = min(self._history, key=lambda r: r.val_loss)
        self.store.update(
            self.run_id,
            epochs_done=record.epoch,
            best_epoch=best.epoch,
            best_val_loss=json_number(best.val_loss),
            best_val_accuracy=json_number(best.val_accuracy),
            final_train_accuracy=json_number(record.accuracy),
            final_val_accuracy=json_number(record.val_accuracy),
            seconds_per_epoch=sum(r.seconds for r in self._history) / len(self._history),
        )

    def on_state(self, state: TrainingState, model: Any) -> None:
        """Save the state (the conv part; at epoch ends every weight) and replace live.npz."""
        conv, other = kernel_snapshot(model), other_weights(model)
        sizes = (state.step, state.steps_per_epoch, state.epochs)
        name = state_name(state.step, full=state.epoch_end)
        kept = other if state.epoch_end else None
        state_bytes = encode_state(conv, kept, *sizes, compress=state.epoch_end)
        write_bytes_atomic(self.dir / STATE_DIR / name, state_bytes)
        # live.npz is replaced at every state: no fsync (the state files are the record)
        write_bytes_atomic(self.dir / LIVE_FILE, encode_state(conv, other, *sizes), durable=False)

    def finish(self, result: TrainResult, y_test: np.ndarray) -> None:
        """Save the final artefacts and mark the run finished or stopped."""
        if not (self.dir / MODEL_FILE).exists():
            # no epoch ever improved (stopped early, or NaN losses): keep the weights it has
            save_without_optimizer(result.model, self._twin(), self.dir / MODEL_FILE)
        if result.test is not None and result.probabilities is not None:
            write_test_results(self.dir, result.test, result.probabilities, y_test)
        self._tb.close()
        changes: dict[str, Any] = {"status": result.status, "finished": now_iso()}
        if result.status == "diverged":
            changes.update(status="failed", error=result.notes[-1])
        if result.test is not None:
            changes.update(
                test_accuracy=json_number(result.test.accuracy),
                test_loss=json_number(result.test.loss),
            )
        self.store.update(self.run_id, **changes)

    def fail(self, message: str) -> None:
        """Mark the run failed with the reason."""
        self._tb.close()
        self.store.update(self.run_id, status="failed", finished=now_iso(), error=message)


def save_without_optimizer(model: Any, twin: Any, path: Path) -> None:
    """Save the model's weights in `twin` (the same spec, built without compiling) atomically:
    a third of the size of `model.save` (Adam keeps two moments per weight, and nothing here
    resumes a training). Loaded with `keras.saving.load_model(path, compile=False)`."""
    twin.set_weights(model.get_weights())
    with atomic_path(path) as tmp:
        twin.save(tmp)


def write_test_results(
    folder: Path, test: TestMetrics, probabilities: np.ndarray, labels: np.ndarray
) -> None:
    """Save test_metrics.json and predictions.npz (float16 probabilities, uint8 labels)."""
    write_json_atomic(folder / TEST_FILE, test.__dict__)
    buf = io.BytesIO()
    np.savez_compressed(
        buf, probabilities=probabilities.astype(np.float16), labels=labels.astype(np.uint8)
    )
    write_bytes_atomic(folder / PREDICTIONS_FILE, buf.getvalue())

"""The Keras callback that connects a training to its observers.

It forwards progress per batch and per epoch, hands the model to the observers at every state
worth keeping (before training, every `interval` batches, every epoch end), stops
cooperatively when asked, stops on a NaN/infinite loss, and keeps the weights with the lowest
validation loss. The class is built lazily so importing this module needs no TensorFlow.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from fmnist_viz.training.events import BatchProgress, EpochRecord, StartInfo, TrainingState


def live_callback_class() -> type:
    """The Keras callback class (built lazily so importing this module needs no TensorFlow)."""
    import keras

    class LiveCallback(keras.callbacks.Callback):
        """Forwards progress to observers, stops cooperatively, keeps the best weights.

        Batch-end work is marked async-safe, so Keras hands it to a helper thread instead of
        waiting for every batch's loss before starting the next one (that wait cost about 7 %
        of throughput). Keras runs `info.steps_per_call` batches per call and calls the batch
        hooks once per call (see pacing.py). Calls may end out of order; they are released to
        the observers in order. The stop request is checked on the training loop itself,
        before every call: the call starting then is the last one.
        """

        async_safe = True

        def __init__(
            self, observers, should_stop, info: StartInfo, batch_size: int, interval: int = 0
        ):
            super().__init__()
            self.observers = observers
            self.interval = interval  # batches between states within an epoch (0: none)
            self.per_call = max(1, info.steps_per_call)  # batches per call (K is a multiple)
            self.should_stop = should_stop
            self.info = info
            self.batch_size = batch_size
            self.history: list[EpochRecord] = []
            self.best_val_loss = math.inf
            self.best_epoch: int | None = None
            self.best_weights: list[np.ndarray] | None = None
            self.stopped = False
            self.diverged = False
            self.begun = 0  # batches started in this epoch (training-loop thread)
            self._lock = threading.Lock()
            self._waiting: dict[int, tuple[dict, float]] = {}  # by batches done after the call
            self._released = 0  # batches of this epoch released to the observers

        def _state(self, step: int, epoch_end: bool) -> None:
            """Hand the model at this state to every observer."""
            state = TrainingState(step, self.info.steps_per_epoch, self.info.epochs, epoch_end)
            for obs in self.observers:
                obs.on_state(state, self.model)

        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()
            self._state(0, epoch_end=True)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1
            self.epoch_t0 = time.perf_counter()
            self.begun = 0
            with self._lock:
                self._waiting.clear()
                self._released = 0

        def on_train_batch_begin(self, batch, logs=None):
            """Once per call: `batch` is the call's first batch (0-based, a multiple of the
            batches per call, so states fall exactly every `interval` batches)."""
            self.begun = min(batch + self.per_call, self.info.steps_per_epoch)
            if batch and self.interval and batch % self.interval == 0:
                # the weights after `batch` batches of this epoch (the update is done)
                self._state((self.epoch - 1) * self.info.steps_per_epoch + batch, False)
            if not self.stopped and self.should_stop():
                self.stopped = True
                self.model.stop_training = True  # this batch is the last one

        def on_train_batch_end(self, batch, logs=None):
            """Once per call, `batch` its last batch (Keras counts a short last call as full).
            May run on a helper thread, out of order: release calls in order."""
            steps = self.info.steps_per_epoch
            with self._lock:
                self._waiting[min(batch + 1, steps)] = (logs or {}, time.perf_counter())
                while (done := min(self._released + self.per_call, steps)) in self._waiting:
                    self._release(done, *self._waiting.pop(done))
                    self._released = done

        def _release(self, done: int, logs: dict, now: float) -> None:
            steps = self.info.steps_per_epoch
            seen = min(self.info.n_train, done * self.batch_size)
            rate = seen / max(now - self.epoch_t0, 1e-9)
            left = (self.info.epochs - self.epoch) * self.info.n_train + self.info.n_train - seen
            progress = BatchProgress(
                self.epoch,
                self.info.epochs,
                done,
                steps,
                float(logs.get("loss", math.nan)),
                float(logs.get("accuracy", math.nan)),
                rate,
                now - self.t0,
                left / max(rate, 1e-9),
            )
            for obs in self.observers:
                obs.on_batch(progress)
            if not math.isfinite(progress.loss):
                self.diverged = True  # NaN/inf loss: the weights are ruined, stop now
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.begun < self.info.steps_per_epoch:
                return  # a partial epoch is neither recorded nor a checkpoint candidate
            logs = logs or {}
            record = EpochRecord(
                epoch + 1,
                float(logs["loss"]),
                float(logs["accuracy"]),
                float(logs.get("val_loss", math.nan)),
                float(logs.get("val_accuracy", math.nan)),
                time.perf_counter() - self.epoch_t0,
            )
            self.history.append(record)
            improved = record.val_loss < self.best_val_loss
            if improved:
                self.best_val_loss = record.val_loss
                self.best_epoch = record.epoch
                self.best_weights = [w.copy() for w in self.model.get_weights()]
            for obs in self.observers:
                obs.on_epoch(record, improved, self.model)
            self._state(record.epoch * self.info.steps_per_epoch, epoch_end=True)
            if not self.stopped and self.should_stop():
                self.stopped = True
                self.model.stop_training = True

    return LiveCallback

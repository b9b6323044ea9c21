"""What a training reports while it runs, and the Observer interface that receives it.

`training.train()` calls each observer's methods in order. `on_batch` comes once per call of
`StartInfo.steps_per_call` batches (see `pacing`), with the batches done so far; it may be
called on a Keras helper thread (batch-end work is async-safe, see `live_callback`), but never
concurrently with itself and always in batch order; every other method is called on the
thread that called `train()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras


@dataclass(frozen=True)
class StartInfo:
    """The sizes of a training that is about to start."""

    epochs: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    n_test: int
    seed: int
    notes: tuple[str, ...]
    steps_per_call: int = 1  # batches per call into TensorFlow (progress comes once per call)
    state_every: int = 0  # batches between two saved states within an epoch (0: none)
    precision: str = "float32"


@dataclass(frozen=True)
class BatchProgress:
    """Where training is now; loss/accuracy are the epoch's running means (as Keras reports)."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # 1-based, within the epoch
    steps_per_epoch: int
    loss: float
    accuracy: float
    samples_per_second: float
    elapsed: float
    eta_seconds: float

    @property
    def fraction(self) -> float:
        """Share of all batches of the training done so far (0 to 1)."""
        done = (self.epoch - 1) * self.steps_per_epoch + self.batch
        return done / max(1, self.epochs * self.steps_per_epoch)


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: training and validation loss and accuracy, wall time."""

    epoch: int  # 1-based
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


HISTORY_FIELDS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


@dataclass(frozen=True)
class TrainingState:
    """A moment whose weights are worth keeping: before training, every few batches, and at
    every epoch end."""

    step: int  # batches trained so far, over all epochs
    steps_per_epoch: int
    epochs: int  # planned
    epoch_end: bool  # the end of an epoch (or step 0, before training)

    @property
    def position(self) -> float:
        """Epochs trained so far, e.g. 2.25 a quarter into the third epoch."""
        return self.step / max(1, self.steps_per_epoch)


class Observer:
    """Receives training events; subclasses override what they need (all no-ops here)."""

    def on_start(self, info: StartInfo) -> None:
        """Training is about to start (data split, model compiled)."""

    def on_batch(self, progress: BatchProgress) -> None:
        """A training batch ended (may run on a Keras helper thread; in batch order)."""

    def on_epoch(self, record: EpochRecord, improved: bool, model: keras.Model) -> None:
        """An epoch ended; `improved` when its validation loss is the lowest so far."""

    def on_state(self, state: TrainingState, model: keras.Model) -> None:
        """The model at a state worth keeping (called on the training loop's thread, between
        batches: reading the weights here is safe)."""

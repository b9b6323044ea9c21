"""Training with the study's protocol, live progress hooks, a cooperative stop and snapshots.

`train()` is the one entry point: it splits the data the study's way, compiles and fits the
model, keeps the weights with the lowest validation loss, restores them and evaluates on the
test set. Observers (see `Observer`) receive progress per batch and per epoch and the conv
kernels after every epoch; the run store's recorder is one such observer, a CLI printer another.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_viz import NUM_CLASSES

if TYPE_CHECKING:
    import keras

    from fmnist_viz.data import FashionMNIST

OPTIMIZERS = ("adam", "sgd", "rmsprop")
PROTOCOL_VAL_SIZE = 5000
EPSILON = 1e-7  # Keras' clipping for cross-entropy


class ConfigError(ValueError):
    """Training settings that cannot be used; the message says which and why."""


@dataclass
class TrainConfig:
    """Training settings; the defaults are the study's protocol."""

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 0.001
    optimizer: str = "adam"
    momentum: float = 0.9  # used by sgd only
    train_limit: int | None = None  # train on the first N of the 55,000 training images
    val_size: int = PROTOCOL_VAL_SIZE  # the first N training images are the validation set
    seed: int | None = None  # None: a seed is drawn and recorded

    def problems(self) -> list[str]:
        """Plain-language reasons this configuration cannot be used (empty when fine)."""
        out = []
        if not _is_int(self.epochs) or not 1 <= self.epochs <= 500:
            out.append("epochs must be a whole number from 1 to 500")
        if not _is_int(self.batch_size) or not 1 <= self.batch_size <= 8192:
            out.append("batch size must be a whole number from 1 to 8192")
        lr = self.learning_rate
        if not isinstance(lr, int | float) or not math.isfinite(lr) or not 0 < lr <= 10:
            out.append("learning rate must be a number above 0 and at most 10 (e.g. 0.001)")
        if self.optimizer not in OPTIMIZERS:
            out.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if not isinstance(self.momentum, int | float) or not 0 <= self.momentum < 1:
            out.append("momentum must be at least 0 and below 1")
        if self.train_limit is not None and (not _is_int(self.train_limit) or self.train_limit < 1):
            out.append("training subset must be a positive whole number (or empty for all)")
        if not _is_int(self.val_size) or self.val_size < 1:
            out.append("validation size must be a positive whole number")
        if self.seed is not None and (not _is_int(self.seed) or not 0 <= self.seed < 2**31):
            out.append("seed must be a whole number from 0 to 2147483647")
        return out

    def check(self) -> TrainConfig:
        """Raise ConfigError listing every problem; return self when fine."""
        problems = self.problems()
        if problems:
            raise ConfigError("; ".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Split:
    """The protocol's three sets, as float32 images in [0, 1] with a channel axis."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    notes: tuple[str, ...] = ()


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1]."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., np.newaxis]


def protocol_split(data: FashionMNIST, config: TrainConfig) -> Split:
    """First val_size training images validate, the rest train (optionally the first N of them)."""
    n = len(data.x_train)
    notes = []
    val = config.val_size
    if val > n // 12:
        val = max(1, n // 12)
        notes.append(
            f"Validation set reduced to {val:,} images (1/12 of the {n:,} available, "
            "the study's 5,000 of 60,000 ratio)"
        )
    x_tr, y_tr = data.x_train[val:], data.y_train[val:]
    if config.train_limit is not None and config.train_limit < len(x_tr):
        x_tr, y_tr = x_tr[: config.train_limit], y_tr[: config.train_limit]
        notes.append(f"Training on the first {len(x_tr):,} training images (quick subset)")
    return Split(
        scale_images(x_tr),
        np.asarray(y_tr, dtype=np.int64),
        scale_images(data.x_train[:val]),
        np.asarray(data.y_train[:val], dtype=np.int64),
        scale_images(data.x_test),
        np.asarray(data.y_test, dtype=np.int64),
        tuple(notes),
    )


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


# ---------------------------------------------------------------- progress records


@dataclass(frozen=True)
class StartInfo:
    epochs: int
    steps_per_epoch: int
    n_train: int
    n_val: int
    n_test: int
    seed: int
    notes: tuple[str, ...]


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
        done = (self.epoch - 1) * self.steps_per_epoch + self.batch
        return done / max(1, self.epochs * self.steps_per_epoch)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


HISTORY_FIELDS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds")


@dataclass
class TestMetrics:
    accuracy: float
    loss: float
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    per_class_accuracy: list[float]


class Observer:
    """Receives training events; subclasses override what they need (all no-ops here)."""

    def on_start(self, info: StartInfo) -> None: ...

    def on_batch(self, progress: BatchProgress) -> None: ...

    def on_epoch(self, record: EpochRecord, improved: bool, model: keras.Model) -> None: ...

    def on_snapshot(self, epoch: int, weights: dict[str, np.ndarray]) -> None: ...


@dataclass
class TrainResult:
    status: str  # "finished", "stopped" or "diverged"
    history: list[EpochRecord]
    best_epoch: int | None
    seed: int
    test: TestMetrics | None
    probabilities: np.ndarray | None  # (n_test, 10) float32 of the restored model
    seconds: float
    model: keras.Model = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def best(self) -> EpochRecord | None:
        if self.best_epoch is None:
            return None
        return self.history[self.best_epoch - 1]

    @property
    def seconds_per_epoch(self) -> float:
        return (
            sum(r.seconds for r in self.history) / len(self.history) if self.history else math.nan
        )


# ---------------------------------------------------------------- Keras glue


def kernel_snapshot(model: keras.Model) -> dict[str, np.ndarray]:
    """Kernels and biases of every conv layer (and BN statistics), keyed 'layer/weight'."""
    out = {}
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "Conv2D":
            kernel, bias = layer.get_weights()
            out[f"{layer.name}/kernel"] = kernel
            out[f"{layer.name}/bias"] = bias
        elif cls == "BatchNormalization":
            for var, value in zip(layer.weights, layer.get_weights(), strict=True):
                out[f"{layer.name}/{var.name}"] = value
    return out


def make_optimizer(config: TrainConfig) -> Any:
    import keras

    lr = float(config.learning_rate)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=float(config.momentum))
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(lr)
    return keras.optimizers.Adam(lr)


def _live_callback_class() -> type:
    """The Keras callback class (built lazily so importing this module needs no TensorFlow)."""
    import keras

    class LiveCallback(keras.callbacks.Callback):
        """Forwards progress to observers, stops cooperatively, keeps the best weights.

        Batch-end work is marked async-safe, so Keras hands it to a helper thread instead of
        waiting for every batch's loss before starting the next one (that wait cost about 7 %
        of throughput). Batches may therefore arrive out of order; they are released to the
        observers in order. The stop request is checked on the training loop itself, before
        every batch: the batch starting then is the last one.
        """

        async_safe = True

        def __init__(self, observers, should_stop, info: StartInfo, batch_size: int):
            super().__init__()
            self.observers = observers
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
            self._waiting: dict[int, tuple[dict, float]] = {}
            self._next = 0

        def on_train_begin(self, logs=None):
            self.t0 = time.perf_counter()
            for obs in self.observers:
                obs.on_snapshot(0, kernel_snapshot(self.model))

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1
            self.epoch_t0 = time.perf_counter()
            self.begun = 0
            with self._lock:
                self._waiting.clear()
                self._next = 0

        def on_train_batch_begin(self, batch, logs=None):
            self.begun = batch + 1
            if not self.stopped and self.should_stop():
                self.stopped = True
                self.model.stop_training = True  # this batch is the last one

        def on_train_batch_end(self, batch, logs=None):
            """May run on a helper thread, out of order: release batches in order."""
            with self._lock:
                self._waiting[batch] = (logs or {}, time.perf_counter())
                while self._next in self._waiting:
                    self._release(self._next, *self._waiting.pop(self._next))
                    self._next += 1

        def _release(self, batch: int, logs: dict, now: float) -> None:
            steps = self.info.steps_per_epoch
            seen = min(self.info.n_train, (batch + 1) * self.batch_size)
            rate = seen / max(now - self.epoch_t0, 1e-9)
            left = (self.info.epochs - self.epoch) * self.info.n_train + self.info.n_train - seen
            progress = BatchProgress(
                self.epoch,
                self.info.epochs,
                batch + 1,
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
                obs.on_snapshot(record.epoch, kernel_snapshot(self.model))
            if not self.stopped and self.should_stop():
                self.stopped = True
                self.model.stop_training = True

    return LiveCallback


def evaluate_probabilities(probs: np.ndarray, labels: np.ndarray) -> TestMetrics:
    """Accuracy, cross-entropy, confusion matrix and per-class accuracy from predictions."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = probs.argmax(axis=1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    picked = np.clip(probs[np.arange(len(labels)), labels], EPSILON, 1.0)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    return TestMetrics(
        accuracy=float((predicted == labels).mean()),
        loss=float(-np.log(picked).mean()),
        confusion=confusion.tolist(),
        per_class_accuracy=[float(v) for v in per_class],
    )


def seed_everything(seed: int) -> None:
    """Same seed, same machine, same result: seeds Python, NumPy, TensorFlow and Keras."""
    import keras

    keras.utils.set_random_seed(seed)


def compile_model(model: keras.Model, config: TrainConfig) -> None:
    model.compile(
        optimizer=make_optimizer(config),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def fit(model: keras.Model, split: Split, config: TrainConfig, callbacks: list) -> None:
    """The protocol's `model.fit` call (also the plain baseline of the benchmarks)."""
    model.fit(
        split.x_train,
        one_hot(split.y_train),
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(split.x_val, one_hot(split.y_val)),
        callbacks=callbacks,
        verbose=0,
    )


def train(
    spec: dict[str, Any],
    config: TrainConfig,
    data: FashionMNIST,
    observers: Sequence[Observer] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> TrainResult:
    """Train a spec with the study's protocol; see the module docstring.

    `should_stop` is asked before training starts, before every batch and after every epoch;
    once it says yes, the batch starting then is the last (a partial epoch is not recorded).
    """
    import keras

    from fmnist_viz.architectures import build_model

    config.check()
    seed = config.seed if config.seed is not None else int(np.random.default_rng().integers(2**31))
    keras.backend.clear_session()
    seed_everything(seed)
    split = protocol_split(data, config)
    model = build_model(spec)
    compile_model(model, config)
    steps = math.ceil(len(split.x_train) / config.batch_size)
    info = StartInfo(
        config.epochs,
        steps,
        len(split.x_train),
        len(split.x_val),
        len(split.x_test),
        seed,
        split.notes,
    )
    for obs in observers:
        obs.on_start(info)
    live = _live_callback_class()(list(observers), should_stop, info, config.batch_size)
    t0 = time.perf_counter()
    if not should_stop():
        fit(model, split, config, [live])
    else:
        live.stopped = True
    if live.best_weights is not None:
        model.set_weights(live.best_weights)
    test, probs = None, None
    notes = split.notes
    if live.diverged:
        notes += (
            "The loss became NaN or infinite (training diverged); "
            "try a smaller learning rate or another optimizer",
        )
    if not live.stopped and not live.diverged:
        probs = model.predict(split.x_test, batch_size=500, verbose=0)
        test = evaluate_probabilities(probs, split.y_test)
    status = "diverged" if live.diverged else "stopped" if live.stopped else "finished"
    return TrainResult(
        status=status,
        history=live.history,
        best_epoch=live.best_epoch,
        seed=seed,
        test=test,
        probabilities=probs,
        seconds=time.perf_counter() - t0,
        model=model,
        notes=notes,
    )

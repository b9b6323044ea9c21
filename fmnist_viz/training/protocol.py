"""Training with the study's protocol, live progress hooks, a cooperative stop and snapshots.

`train()` is the one entry point: it splits the data the study's way, compiles and fits the
model, keeps the weights with the lowest validation loss, restores them and evaluates on the
test set. Observers (see `events.Observer`) receive progress per batch and per epoch and the
conv kernels after every epoch; the run store's recorder is one such observer, a CLI printer
another.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fmnist_viz import NUM_CLASSES
from fmnist_viz.training.budget import (
    check_training,
    inference_batch,
    sample_floats,
    training_flops,
)
from fmnist_viz.training.callback import live_callback_class
from fmnist_viz.training.config import PrecisionError, TrainConfig
from fmnist_viz.training.evaluation import TestMetrics, evaluate_probabilities
from fmnist_viz.training.events import EpochRecord, Observer, StartInfo
from fmnist_viz.training.precision import precision_policy, precision_problem

if TYPE_CHECKING:
    import keras

    from fmnist_viz.data import FashionMNIST

TEST_BATCH = 500  # images per predict batch when scoring the test set (fewer for wide models)


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
    """Class numbers as float32 one-hot rows (what categorical cross-entropy expects)."""
    return np.eye(NUM_CLASSES, dtype=np.float32)[labels]


@dataclass
class TrainResult:
    """What `train()` returns: status, history, the restored best model and its test scores."""

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
    def seconds_per_epoch(self) -> float:
        """Mean wall time of an epoch (NaN without one)."""
        return (
            sum(r.seconds for r in self.history) / len(self.history) if self.history else math.nan
        )


def make_optimizer(config: TrainConfig) -> Any:
    """The Keras optimizer the settings name, with their learning rate (and momentum for sgd)."""
    import keras

    lr = float(config.learning_rate)
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=float(config.momentum))
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(lr)
    return keras.optimizers.Adam(lr)


def seed_everything(seed: int) -> None:
    """Same seed, same machine, same result: seeds Python, NumPy, TensorFlow and Keras."""
    import keras

    keras.utils.set_random_seed(seed)


def compile_model(model: keras.Model, config: TrainConfig, steps_per_call: int = 1) -> None:
    """Compile with the protocol's loss and metric and the configured optimizer; Keras runs
    `steps_per_call` batches per call (the same numbers, bit for bit; see pacing.py)."""
    model.compile(
        optimizer=make_optimizer(config),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_call,
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
    memory_limit_mb: int | None = None,
) -> TrainResult:
    """Train a spec with the study's protocol; see the module docstring.

    Keras runs `config.pacing(...)` batches per call (see `pacing`). `should_stop` is asked
    before training starts, before every call and after every epoch; once it says yes, the
    call starting then is the last (a partial epoch is not recorded). A model that would need
    more memory than the limit (see `budget`) is refused with ResourceError, and the
    bfloat16 mode where this CPU cannot run it with PrecisionError, before anything is built.
    """
    import keras

    from fmnist_viz.models import build_model, check_spec

    config.check()
    problem = precision_problem(config.precision)
    if problem:
        raise PrecisionError(problem)
    check_training(spec, config.batch_size, memory_limit_mb, config.precision)
    rows = check_spec(spec).rows
    shapes = [row.output_shape for row in rows]
    test_batch = inference_batch(sample_floats(shapes), TEST_BATCH, memory_limit_mb)
    seed = config.seed if config.seed is not None else int(np.random.default_rng().integers(2**31))
    keras.backend.clear_session()
    seed_everything(seed)
    split = protocol_split(data, config)
    steps = math.ceil(len(split.x_train) / config.batch_size)
    pacing = config.pacing(steps, training_flops(rows))
    with precision_policy(config.precision):
        model = build_model(spec, float32_output=config.precision != "float32")
        compile_model(model, config, pacing.steps_per_call)
        info = StartInfo(
            config.epochs,
            steps,
            len(split.x_train),
            len(split.x_val),
            len(split.x_test),
            seed,
            split.notes,
            pacing.steps_per_call,
            pacing.state_every,
            config.precision,
        )
        for obs in observers:
            obs.on_start(info)
        live = live_callback_class()(
            list(observers), should_stop, info, config.batch_size, pacing.state_every
        )
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
        probs = model.predict(split.x_test, batch_size=test_batch, verbose=0)
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

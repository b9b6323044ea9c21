"""Tests for fmnist_viz.training.protocol on tiny synthetic data (plus one short real-data run)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import types

import numpy as np
import pytest

from fmnist_viz.models import preset
from fmnist_viz.runs import kernel_snapshot
from fmnist_viz.training import (
    BatchProgress,
    ConfigError,
    EpochRecord,
    Observer,
    StartInfo,
    TrainConfig,
    TrainingState,
)
from fmnist_viz.training import protocol as training
from fmnist_viz.training.evaluation import evaluate_probabilities
from tests.arch_support import TINY_SPEC
from tests.data_support import SKIP_REAL, block_images, real_dir

N_TRAIN, N_TEST = 600, 100
N_VAL = N_TRAIN // 12  # the 1/12 rule: 50 validation images, 550 for training
STEPS = math.ceil((N_TRAIN - N_VAL) / 64)  # 9 batches per epoch


def make_data(seed: int = 0) -> types.SimpleNamespace:
    x_train, y_train = block_images(N_TRAIN, seed)
    x_test, y_test = block_images(N_TEST, seed + 100)
    return types.SimpleNamespace(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


DATA = make_data()


class Recorder(Observer):
    """Keeps every event, and a copy of the weights after each epoch."""

    def __init__(self) -> None:
        self.starts: list[StartInfo] = []
        self.batches: list[BatchProgress] = []
        self.epochs: list[tuple[EpochRecord, bool]] = []
        self.weights: list[list[np.ndarray]] = []
        self.states: list[tuple[TrainingState, dict[str, np.ndarray], list[np.ndarray]]] = []

    def on_start(self, info: StartInfo) -> None:
        self.starts.append(info)

    def on_batch(self, progress: BatchProgress) -> None:
        self.batches.append(progress)

    def on_epoch(self, record: EpochRecord, improved: bool, model) -> None:
        self.epochs.append((record, improved))
        self.weights.append([w.copy() for w in model.get_weights()])

    def on_state(self, state: TrainingState, model) -> None:
        self.states.append((state, kernel_snapshot(model), [w.copy() for w in model.get_weights()]))


def run(config: TrainConfig, data=DATA, spec=TINY_SPEC, stop=None):
    """Train with one batch per call unless the config says otherwise: these tests check the
    per-batch logic (tests/training/test_pacing.py covers several batches per call)."""
    config = dataclasses.replace(config, steps_per_call=config.steps_per_call or 1)
    rec = Recorder()
    kwargs = {"should_stop": stop} if stop is not None else {}
    result = training.train(spec, config, data, [rec], **kwargs)
    return result, rec


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def three_epochs():
    """One 3-epoch run shared by the tests that only read its result and events."""
    return run(TrainConfig(epochs=3, seed=7))


# ----------------------------------------------------------------------------- config


def test_train_rejects_a_bad_config_before_training() -> None:
    rec = Recorder()
    with pytest.raises(ConfigError, match="optimizer"):
        training.train(TINY_SPEC, TrainConfig(optimizer="foo"), DATA, [rec])
    assert rec.starts == []


# ----------------------------------------------------------------------------- split


def test_protocol_split_full_size_keeps_first_5000_for_validation() -> None:
    labels = (np.arange(60_000) % 10).astype(np.uint8)
    data = types.SimpleNamespace(
        x_train=np.zeros((60_000, 28, 28), np.uint8),
        y_train=labels,
        x_test=np.zeros((10, 28, 28), np.uint8),
        y_test=labels[:10],
    )
    split = training.protocol_split(data, TrainConfig())
    assert (len(split.x_val), len(split.x_train), len(split.x_test)) == (5000, 55_000, 10)
    np.testing.assert_array_equal(split.y_val, labels[:5000])
    np.testing.assert_array_equal(split.y_train, labels[5000:])
    assert split.notes == ()


def test_protocol_split_small_set_uses_one_twelfth() -> None:
    split = training.protocol_split(DATA, TrainConfig())
    assert (len(split.x_val), len(split.x_train)) == (N_VAL, N_TRAIN - N_VAL)
    np.testing.assert_allclose(split.x_val[..., 0], DATA.x_train[:N_VAL] / 255.0, atol=1e-6)
    np.testing.assert_array_equal(split.y_val, DATA.y_train[:N_VAL])
    np.testing.assert_array_equal(split.y_train, DATA.y_train[N_VAL:])
    assert "Validation set reduced to 50 images" in split.notes[0]


def test_protocol_split_train_limit_takes_the_first_images() -> None:
    split = training.protocol_split(DATA, TrainConfig(train_limit=100, val_size=20))
    assert (len(split.x_val), len(split.x_train)) == (20, 100)
    np.testing.assert_array_equal(split.y_train, DATA.y_train[20:120])
    assert split.notes == ("Training on the first 100 training images (quick subset)",)


def test_protocol_split_scales_to_unit_range_with_channel() -> None:
    split = training.protocol_split(DATA, TrainConfig())
    assert split.x_train.shape == (N_TRAIN - N_VAL, 28, 28, 1)
    assert split.x_train.dtype == np.float32
    assert split.x_train.max() == pytest.approx(220 / 255) and split.x_train.min() >= 0.0
    assert split.x_test.shape == (N_TEST, 28, 28, 1)


# ----------------------------------------------------------------------------- training


@pytest.mark.slow
def test_loss_goes_down_and_model_learns(three_epochs) -> None:
    result, _ = three_epochs
    losses = [r.loss for r in result.history]
    assert result.status == "finished"
    assert len(result.history) == 3
    assert losses[0] > losses[1] > losses[2]
    assert result.history[-1].val_loss < result.history[0].val_loss
    assert result.test is not None and result.test.accuracy > 0.5


def test_result_fields(three_epochs) -> None:
    result, _ = three_epochs
    assert result.seed == 7
    assert result.probabilities.shape == (N_TEST, 10)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-5)
    best = min(result.history, key=lambda r: r.val_loss)
    assert result.best_epoch == best.epoch and result.history[best.epoch - 1] == best
    assert result.seconds_per_epoch == pytest.approx(sum(r.seconds for r in result.history) / 3)


def test_test_metrics_match_the_returned_probabilities(three_epochs) -> None:
    result, _ = three_epochs
    expected = evaluate_probabilities(result.probabilities, DATA.y_test)
    assert result.test == expected


@pytest.mark.slow
def test_restores_the_best_val_loss_weights() -> None:
    # 15 of the 50 validation labels are wrong: val loss first falls, then rises as the model
    # grows confident, so the best epoch lies strictly between the first and the last.
    data = make_data()
    y_train = data.y_train.copy()
    y_train[:15] = (y_train[:15] + 1) % 10
    data.y_train = y_train
    result, rec = run(TrainConfig(epochs=5, seed=3, learning_rate=0.003), data=data)
    val_losses = [r.val_loss for r, _ in rec.epochs]
    best = int(np.argmin(val_losses))
    assert 0 < best < len(val_losses) - 1, val_losses
    assert result.best_epoch == best + 1
    assert same_weights(result.model.get_weights(), rec.weights[best])
    assert not same_weights(result.model.get_weights(), rec.weights[-1])
    assert not same_weights(result.model.get_weights(), rec.weights[0])
    assert [improved for _, improved in rec.epochs] == [
        v == min(val_losses[: i + 1]) for i, v in enumerate(val_losses)
    ]


@pytest.mark.slow
def test_cooperative_stop_mid_epoch() -> None:
    asked = {"n": 0}
    # should_stop is asked once before training, before every batch and after every epoch:
    # say yes from the 4th batch of epoch 2 on, so exactly STEPS + 4 batches run
    first_yes = 1 + STEPS + 1 + 4

    def should_stop() -> bool:
        asked["n"] += 1
        return asked["n"] >= first_yes

    counter = Recorder()
    result = training.train(
        TINY_SPEC, TrainConfig(epochs=5, seed=1, steps_per_call=1), DATA, [counter], should_stop
    )
    assert result.status == "stopped"
    assert len(counter.batches) == STEPS + 4  # the batch starting at the request is the last
    assert asked["n"] == first_yes  # nothing asked (and nothing run) after the stop
    assert [(p.epoch, p.batch) for p in counter.batches[-2:]] == [(2, 3), (2, 4)]
    assert [r.epoch for r in result.history] == [1]
    assert [r.epoch for r, _ in counter.epochs] == [1]
    assert result.test is None and result.probabilities is None
    assert result.best_epoch == 1
    assert same_weights(result.model.get_weights(), counter.weights[0])


@pytest.mark.slow
def test_stop_at_an_epoch_boundary_keeps_that_epoch() -> None:
    asked = {"n": 0}

    def should_stop() -> bool:  # yes when asked after epoch 1 (call 1 + STEPS + 1)
        asked["n"] += 1
        return asked["n"] >= 1 + STEPS + 1

    counter = Recorder()
    result = training.train(
        TINY_SPEC, TrainConfig(epochs=3, seed=1, steps_per_call=1), DATA, [counter], should_stop
    )
    assert result.status == "stopped"
    assert [r.epoch for r in result.history] == [1]
    assert len(counter.batches) == STEPS


def test_stop_before_start_trains_nothing() -> None:
    result, rec = run(TrainConfig(epochs=2, seed=1), stop=lambda: True)
    assert result.status == "stopped"
    assert result.history == [] and rec.batches == [] and result.best_epoch is None
    assert len(rec.starts) == 1


def test_observer_events(three_epochs) -> None:
    result, rec = three_epochs
    (info,) = rec.starts
    assert info == StartInfo(
        3, STEPS, N_TRAIN - N_VAL, N_VAL, N_TEST, 7, result.notes, 1, 3, "float32"
    )
    assert len(rec.batches) == 3 * STEPS
    counts = [(p.epoch - 1) * p.steps_per_epoch + p.batch for p in rec.batches]
    assert counts == list(range(1, 3 * STEPS + 1))
    assert [p.fraction for p in rec.batches] == pytest.approx([c / (3 * STEPS) for c in counts])
    for p in rec.batches:
        assert p.epochs == 3 and p.steps_per_epoch == STEPS
        assert math.isfinite(p.samples_per_second) and p.samples_per_second > 0
        assert math.isfinite(p.eta_seconds) and p.eta_seconds >= 0
        assert math.isfinite(p.loss) and 0 <= p.accuracy <= 1
    assert rec.batches[-1].eta_seconds == 0
    elapsed = [p.elapsed for p in rec.batches]
    assert elapsed == sorted(elapsed)
    etas_last_epoch = [p.eta_seconds for p in rec.batches[-STEPS:]]
    assert etas_last_epoch[0] > etas_last_epoch[-1]


def test_batch_eta_is_remaining_samples_over_rate(three_epochs) -> None:
    _, rec = three_epochs
    p = rec.batches[STEPS + 1]  # epoch 2, batch 2
    left = (3 - 2) * (N_TRAIN - N_VAL) + (N_TRAIN - N_VAL) - 2 * 64
    assert p.eta_seconds == pytest.approx(left / p.samples_per_second)


def test_epoch_loss_matches_last_batch_running_mean(three_epochs) -> None:
    result, rec = three_epochs
    last_batches = [p for p in rec.batches if p.batch == STEPS]
    assert [p.loss for p in last_batches] == pytest.approx([r.loss for r in result.history])


def test_states_at_the_start_every_quarter_epoch_and_each_epoch_end(three_epochs) -> None:
    _, rec = three_epochs
    interval = math.ceil(STEPS / 4)  # 9 batches per epoch: a state after 3 and 6 of them
    steps = [state.step for state, _, _ in rec.states]
    assert steps == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27] and interval == 3
    ends = [state.step for state, _, _ in rec.states if state.epoch_end]
    assert ends == [0, 9, 18, 27]
    assert [state.position for state, _, _ in rec.states][:4] == [0, 1 / 3, 2 / 3, 1]
    for _, conv, _ in rec.states:
        assert set(conv) == {"conv1/kernel", "conv1/bias"}
        assert conv["conv1/kernel"].shape == (3, 3, 1, 4)
    np.testing.assert_array_equal(rec.states[0][1]["conv1/bias"], np.zeros(4))
    kernels = [conv["conv1/kernel"] for _, conv, _ in rec.states]
    assert all(not np.array_equal(a, b) for a, b in itertools.pairwise(kernels))
    # the epoch-end state holds the weights the epoch ended with
    for (state, _, weights), epoch_weights in zip(
        [s for s in rec.states if s[0].epoch_end][1:], rec.weights, strict=True
    ):
        assert same_weights(weights, epoch_weights), state


@pytest.mark.slow
@pytest.mark.parametrize(("every", "expected"), [(0, [0, 9, 18]), (4, [0, 4, 8, 9, 13, 17, 18])])
def test_the_state_interval_is_a_setting(every: int, expected: list[int]) -> None:
    _, rec = run(TrainConfig(epochs=2, seed=7, state_every=every))
    assert [state.step for state, _, _ in rec.states] == expected


@pytest.mark.slow
def test_states_do_not_change_the_training(three_epochs) -> None:
    first, _ = three_epochs
    again, _ = run(TrainConfig(epochs=3, seed=7, state_every=1))  # a state after every batch
    assert same_weights(first.model.get_weights(), again.model.get_weights())


@pytest.mark.slow
def test_same_seed_same_weights_different_seed_different(three_epochs) -> None:
    first, _ = three_epochs
    again, _ = run(TrainConfig(epochs=3, seed=7))
    other, _ = run(TrainConfig(epochs=3, seed=8))
    assert same_weights(first.model.get_weights(), again.model.get_weights())
    assert [r.loss for r in first.history] == [r.loss for r in again.history]
    assert not same_weights(first.model.get_weights(), other.model.get_weights())


@pytest.mark.slow
def test_seed_is_drawn_when_not_given() -> None:
    result, rec = run(TrainConfig(epochs=1, train_limit=64))
    assert 0 <= result.seed < 2**31
    assert rec.starts[0].seed == result.seed


@pytest.mark.parametrize(("optimizer", "cls"), [("sgd", "SGD"), ("rmsprop", "RMSprop")])
def test_other_optimizers_run(optimizer: str, cls: str) -> None:
    config = TrainConfig(epochs=2, seed=2, optimizer=optimizer, learning_rate=0.01)
    result, _ = run(config)
    assert result.status == "finished"
    assert type(result.model.optimizer).__name__ == cls
    assert float(result.model.optimizer.learning_rate) == pytest.approx(0.01)
    if optimizer == "sgd":
        assert float(result.model.optimizer.momentum) == pytest.approx(0.9)
    assert all(math.isfinite(r.loss) for r in result.history)
    assert result.history[-1].loss < result.history[0].loss


# ----------------------------------------------------------------------------- real data


@pytest.mark.slow
def test_model1_one_epoch_on_real_data() -> None:
    source = real_dir()
    if source is None:
        pytest.skip(SKIP_REAL)
    from fmnist_viz.data import load_fashion_mnist

    data = load_fashion_mnist(source)
    assert not data.is_sample
    result, rec = run(
        TrainConfig(epochs=1, train_limit=3000, seed=0), data=data, spec=preset("model1")
    )
    assert rec.starts[0].n_train == 3000 and rec.starts[0].n_val == 5000
    assert result.history[0].val_accuracy > 0.6
    assert result.test is not None and result.test.accuracy > 0.6
    assert sum(map(sum, result.test.confusion)) == 10_000


@pytest.mark.slow
def test_whole_number_learning_rate_trains() -> None:
    config = TrainConfig(epochs=1, seed=1, train_limit=64, learning_rate=1, optimizer="sgd")
    assert config.problems() == []
    result, _ = run(config)  # raises a raw Keras ValueError today
    assert result.status == "finished"

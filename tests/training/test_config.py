"""Tests for fmnist_viz.training.config: the protocol's defaults and every limit's message."""

from __future__ import annotations

import math

import pytest

from fmnist_viz.training import EPOCHS_MAX, SEED_MAX, ConfigError, TrainConfig


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "epochs must be a whole number from 1 to 500"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"learning_rate": -1}, "learning rate must be a number above 0"),
        ({"learning_rate": math.nan}, "learning rate must be a number above 0"),
        ({"optimizer": "foo"}, "optimizer must be one of adam, sgd, rmsprop"),
        ({"train_limit": 0}, "training subset must be a positive whole number"),
        ({"batch_size": 0}, "batch size must be a whole number"),
        ({"seed": -1}, "seed must be a whole number from 0"),
    ],
)
def test_config_problems(changes: dict, message: str) -> None:
    config = TrainConfig(**changes)
    problems = config.problems()
    assert len(problems) == 1 and message in problems[0]
    with pytest.raises(ConfigError, match=message):
        config.check()


def test_config_lists_every_problem() -> None:
    problems = TrainConfig(epochs=0, learning_rate=-1, optimizer="foo").problems()
    assert len(problems) == 3


def test_default_config_is_the_study_protocol() -> None:
    config = TrainConfig()
    assert config.problems() == []
    assert (config.epochs, config.batch_size, config.learning_rate, config.optimizer) == (
        10,
        64,
        0.001,
        "adam",
    )
    assert config.val_size == 5000


def test_config_dict_round_trip_ignores_unknown_keys() -> None:
    config = TrainConfig(epochs=3, seed=5, train_limit=100)
    assert TrainConfig.from_dict({**config.to_dict(), "extra": 1}) == config


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({"epochs": EPOCHS_MAX}, True),
        ({"epochs": EPOCHS_MAX + 1}, False),
        ({"seed": SEED_MAX}, True),
        ({"seed": SEED_MAX + 1}, False),
        ({"learning_rate": True}, False),
        ({"batch_size": True}, False),
    ],
)
def test_limits_are_the_constants(changes: dict, ok: bool) -> None:
    assert (TrainConfig(**changes).problems() == []) is ok

"""Tests for fmnist_viz.study.configurations: which runs are one configuration, and its label."""

from __future__ import annotations

from fmnist_viz.models import preset
from fmnist_viz.study import LABEL_SEPARATOR, label_difference
from fmnist_viz.study.configurations import config_key, group_label
from fmnist_viz.training import TrainConfig


def _meta(arch: str = "model1", **config) -> dict:
    """A run.json-like dict for a preset and training settings."""
    return {"spec": preset(arch), "config": TrainConfig(**config).to_dict()}


def test_config_key_ignores_only_the_seed() -> None:
    base = config_key(_meta(seed=1))
    assert config_key(_meta(seed=2)) == base
    assert config_key(_meta(seed=None)) == base
    assert config_key(_meta(seed=1, epochs=11)) != base
    assert config_key(_meta(seed=1, learning_rate=0.01)) != base
    assert config_key(_meta("model2", seed=1)) != base


def test_config_key_compares_the_normalised_layers() -> None:
    renamed = preset("model1")
    renamed["layers"][0]["name"] = "first_conv"
    assert config_key({**_meta(), "spec": renamed}) != config_key(_meta())
    given = ("type", "name", "filters", "kernel_size", "units", "activation", "rate")
    sparse = [
        {k: v for k, v in layer.items() if k in given} for layer in preset("model1")["layers"]
    ]
    assert config_key({**_meta(), "spec": {"layers": sparse}}) == config_key(_meta())


def test_momentum_only_matters_for_sgd() -> None:
    assert config_key(_meta(momentum=0.5)) == config_key(_meta(momentum=0.9))
    sgd_a, sgd_b = _meta(optimizer="sgd", momentum=0.5), _meta(optimizer="sgd", momentum=0.9)
    assert config_key(sgd_a) != config_key(sgd_b)
    assert group_label(sgd_a) == "Model 1 · 10 ep · bs 64 · sgd 0.001 m 0.5"


def test_group_label_is_readable() -> None:
    assert group_label(_meta()) == "Model 1 · 10 ep · bs 64 · adam 0.001"
    assert group_label(_meta("model2", train_limit=3000)) == (
        "Model 2 · 10 ep · bs 64 · adam 0.001 · subset 3,000"
    )
    custom = {"spec": {"name": "mine", "layers": preset("model1")["layers"][:-2]}}
    assert group_label({**_meta(), **custom}).startswith("mine · ")


def test_label_difference_splits_what_differs_from_what_is_shared() -> None:
    a, b = group_label(_meta()), group_label(_meta("model2", batch_size=32))
    assert label_difference(a, b) == ("Model 1 · bs 64", "Model 2 · bs 32", "10 ep · adam 0.001")
    assert LABEL_SEPARATOR.join(["Model 1", "10 ep"]) == "Model 1 · 10 ep"
    assert label_difference(a, a) == (a, a, a)  # nothing differs: each label whole

"""Tests for fmnist_viz.models.validation: every bad spec is refused in plain words, and
each issue points at the layer the user wrote."""

from __future__ import annotations

from typing import Any

import pytest

from fmnist_viz import models as arch
from tests.arch_support import (
    errors,
    keras_layers,
    spec_of,
)

# ----------------------------------------------------------------------------- validation


def test_filters_zero_is_an_error() -> None:
    msgs = errors(spec_of({"type": "conv2d", "filters": 0}, {"type": "flatten"}))
    assert len(msgs) == 1
    assert "Layer 1 (conv1)" in msgs[0] and "filters must be between 1 and" in msgs[0]


def test_kernel_larger_than_map_with_valid_padding() -> None:
    spec = spec_of({"type": "conv2d", "kernel_size": 30, "padding": "valid"}, {"type": "flatten"})
    (msg,) = errors(spec)
    assert "30x30 window is larger than the incoming 28x28 map" in msg
    assert "padding 'same'" in msg


def test_same_padding_allows_a_large_kernel() -> None:
    spec = spec_of({"type": "conv2d", "kernel_size": 30, "padding": "same"}, {"type": "flatten"})
    assert errors(spec) == []


def test_map_shrinking_to_nothing_is_an_error() -> None:
    pools = [{"type": "maxpool2d"} for _ in range(6)]  # 28 14 7 3 1 -> no 2x2 window fits
    summary = arch.check_spec(spec_of(*pools, {"type": "flatten"}))
    (msg,) = [i.message for i in summary.errors]
    assert msg.startswith("Layer 5 (pool5)")
    assert "larger than the incoming 1x1 map" in msg
    assert [r.output_shape for r in summary.rows] == [
        (14, 14, 1),
        (7, 7, 1),
        (3, 3, 1),
        (1, 1, 1),
    ]


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, "0.3", True])
def test_dropout_rate_out_of_range(rate: Any) -> None:
    (msg,) = errors(spec_of({"type": "dropout", "rate": rate}, {"type": "flatten"}))
    assert "Layer 1 (dropout1)" in msg
    assert "dropout rate" in msg and "below 1" in msg


@pytest.mark.parametrize("rate", [0, 0.0, 0.5, 0.99])
def test_dropout_rate_in_range_is_fine(rate: float) -> None:
    assert errors(spec_of({"type": "dropout", "rate": rate}, {"type": "flatten"})) == []


def test_dense_after_conv_inserts_flatten_with_a_note() -> None:
    spec = spec_of({"type": "conv2d", "filters": 4}, {"type": "dense", "units": 16})
    summary = arch.check_spec(spec)
    assert summary.ok
    notes = [i for i in summary.issues if i.level == "note"]
    assert len(notes) == 1
    assert "Flatten layer was added before dense1" in notes[0].message
    assert [r.type for r in summary.rows] == ["Conv2D", "Flatten", "Dense", "Dense"]
    assert summary.rows[1].output_shape == (28 * 28 * 4,)
    model = arch.build_model(spec)
    assert [type(layer).__name__ for layer in keras_layers(model)][:2] == ["Conv2D", "Flatten"]
    assert model.count_params() == summary.total_params


def test_auto_flatten_name_avoids_a_clash() -> None:
    spec = spec_of({"type": "conv2d", "name": "flatten", "filters": 2})
    summary = arch.check_spec(spec)
    assert summary.ok, summary.issues
    names = [r.name for r in summary.rows]
    assert len(set(names)) == len(names)
    assert names[1].startswith("flatten_auto")


@pytest.mark.parametrize(
    "last",
    [
        {"type": "dense", "units": 10, "activation": "relu"},
        {"type": "dense", "units": 5, "activation": "softmax"},
        {"type": "dropout", "rate": 0.1},
    ],
    ids=["no-softmax", "five-units", "not-dense"],
)
def test_output_layer_must_be_dense_10_softmax(last: dict[str, Any]) -> None:
    spec = spec_of({"type": "flatten"}, {"type": "dense", "units": 10}, last, output=False)
    (msg,) = errors(spec)
    assert "last layer must be Dense(10, activation='softmax')" in msg


def test_too_many_parameters() -> None:
    spec = spec_of(
        {"type": "conv2d", "filters": 64}, {"type": "flatten"}, {"type": "dense", "units": 4096}
    )
    summary = arch.check_spec(spec)
    assert summary.total_params > arch.MAX_PARAMS
    (msg,) = [i.message for i in summary.errors]
    assert f"{summary.total_params:,} parameters" in msg
    assert "the limit is 20,000,000" in msg
    with pytest.raises(arch.SpecError, match="the limit is 20,000,000"):
        arch.build_model(spec)


def test_duplicate_names() -> None:
    spec = spec_of(
        {"type": "conv2d", "name": "features"},
        {"type": "conv2d", "name": "features"},
        {"type": "flatten"},
    )
    (msg,) = errors(spec)
    assert "Layer 2" in msg and "'features' is used twice" in msg


def test_bad_layer_name() -> None:
    (msg,) = errors(spec_of({"type": "conv2d", "name": "1 bad/name"}, {"type": "flatten"}))
    assert "'1 bad/name' must start with a letter" in msg


def test_unknown_layer_type() -> None:
    spec = spec_of({"type": "lstm", "units": 4})
    with pytest.raises(arch.SpecError, match="Layer 1: unknown type 'lstm'; use one of conv2d"):
        arch.check_spec(spec)
    with pytest.raises(arch.SpecError, match="unknown type 'lstm'"):
        arch.build_model(spec)


@pytest.mark.parametrize("filters", [3.5, "32", None, True])
def test_non_integer_filters(filters: Any) -> None:
    (msg,) = errors(spec_of({"type": "conv2d", "filters": filters}, {"type": "flatten"}))
    assert "Layer 1 (conv1): filters must be a whole number" in msg


def test_invalid_spec_does_not_build() -> None:
    spec = spec_of({"type": "conv2d", "filters": 0}, {"type": "flatten"})
    with pytest.raises(arch.SpecError, match="filters must be between"):
        arch.build_model(spec)


def test_every_error_is_reported_at_once() -> None:
    spec = spec_of(
        {"type": "conv2d", "name": "dup", "activation": "gelu"},
        {"type": "dropout", "name": "dup", "rate": 1.0},
    )
    with pytest.raises(arch.SpecError) as info:
        arch.build_model(spec)
    text = str(info.value)
    assert "used twice" in text and "activation must be one of" in text and "dropout rate" in text


@pytest.mark.parametrize("bad", [{"layers": "conv"}, "conv", {"name": "x"}, [1, 2]])
def test_not_a_spec(bad: Any) -> None:
    with pytest.raises(arch.SpecError):
        arch.check_spec(bad)


def test_empty_spec() -> None:
    assert errors({"layers": []}) == ["The model has no layers"]


def test_whole_number_floats_validate_and_build() -> None:
    spec = spec_of({"type": "conv2d", "filters": 4.0, "kernel_size": 3.0}, {"type": "flatten"})
    summary = arch.check_spec(spec)
    assert summary.ok  # validation accepts whole-number floats ...
    model = arch.build_model(spec)  # ... so building must work (raw Keras ValueError today)
    assert model.count_params() == summary.total_params


def test_infinite_filters_is_a_validation_error() -> None:
    spec = spec_of({"type": "conv2d", "filters": float("inf")}, {"type": "flatten"})
    (msg,) = errors(spec)
    assert "filters must be a whole number" in msg


# ----------------------------------------------------------------------------- issue positions


def test_issues_point_at_the_users_layers_after_an_automatic_flatten() -> None:
    # conv, dense (a Flatten is inserted before it), then a bad dropout: the user's layer 3
    spec = spec_of(
        {"type": "conv2d", "filters": 2},
        {"type": "dense", "units": 8},
        {"type": "dropout", "rate": 2.0},
    )
    summary = arch.check_spec(spec)
    (note,) = [i for i in summary.issues if i.level == "note"]
    (error,) = summary.errors
    assert note.layer == 1 and "before dense1" in note.message
    assert error.layer == 2 and error.message.startswith("Layer 3 (dropout1)")


def test_a_wrong_last_layer_points_at_the_users_last_layer() -> None:
    summary = arch.check_spec(
        spec_of({"type": "conv2d"}, {"type": "dense", "units": 3}, output=False)
    )
    (error,) = summary.errors
    assert error.layer == 1 and "Dense(10" in error.message


def test_name_issues_carry_their_layer() -> None:
    summary = arch.check_spec(
        spec_of({"type": "flatten", "name": "a"}, {"type": "dropout", "name": "a"})
    )
    assert [(i.layer, "used twice" in i.message) for i in summary.errors] == [(1, True)]

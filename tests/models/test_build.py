"""Tests for fmnist_viz.models presets and build: the pure-Python summary and the built
Keras models agree with each other and with the study."""

from __future__ import annotations

import pytest

from fmnist_viz import models as arch
from tests.arch_support import (
    CUSTOM_SHAPES,
    CUSTOM_SPEC,
    EXPECTED_LAYERS,
    STUDY_PARAMS,
    built,
    keras_layers,
)

# ----------------------------------------------------------------------------- presets


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_preset_param_count_pure_python(key: str) -> None:
    summary = arch.check_spec(arch.preset(key))
    assert summary.ok
    assert summary.total_params == STUDY_PARAMS[key]
    assert sum(r.params for r in summary.rows) == STUDY_PARAMS[key]


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_preset_param_count_keras(key: str) -> None:
    assert built(key).count_params() == STUDY_PARAMS[key]


@pytest.mark.parametrize("key", sorted(EXPECTED_LAYERS))
def test_preset_layer_order_types_and_names(key: str) -> None:
    got = [(layer.name, type(layer).__name__) for layer in keras_layers(built(key))]
    assert got == [(name, cls) for name, cls, _ in EXPECTED_LAYERS[key]]


@pytest.mark.parametrize("key", sorted(EXPECTED_LAYERS))
def test_preset_layer_settings_from_keras(key: str) -> None:
    for layer, (name, cls, expected) in zip(
        keras_layers(built(key)), EXPECTED_LAYERS[key], strict=True
    ):
        for attr, value in expected.items():
            got = getattr(layer, attr)
            got = got.__name__ if attr == "activation" else got
            assert got == value, f"{name}.{attr}"
        if cls == "Conv2D":
            assert layer.padding == "same", name
            assert layer.strides == (1, 1), name
            assert layer.activation.__name__ == "relu", name
        if cls == "MaxPooling2D":
            assert layer.strides == (2, 2), name


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_preset_input_and_output_shape(key: str) -> None:
    model = built(key)
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_summary_shapes_and_params_match_keras_presets(key: str) -> None:
    rows = arch.check_spec(arch.preset(key)).rows
    layers = keras_layers(built(key))
    assert [r.name for r in rows] == [layer.name for layer in layers]
    for row, layer in zip(rows, layers, strict=True):
        assert row.output_shape == tuple(layer.output.shape)[1:], row.name
        assert row.params == layer.count_params(), row.name


def test_model1_shapes_are_the_studys() -> None:
    shapes = [r.output_shape for r in arch.check_spec(arch.preset("model1")).rows]
    assert shapes[:5] == [(28, 28, 32), (14, 14, 32), (14, 14, 64), (7, 7, 64), (3136,)]


def test_preset_returns_independent_copy() -> None:
    spec = arch.preset("model1")
    spec["layers"][0]["filters"] = 1
    assert arch.preset("model1")["layers"][0]["filters"] == 32


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(KeyError, match="original, model1, model2"):
        arch.preset("model3")


# ----------------------------------------------------------------------------- custom shapes


def test_custom_spec_summary_shapes() -> None:
    summary = arch.check_spec(CUSTOM_SPEC)
    assert summary.ok, summary.issues
    assert [r.output_shape for r in summary.rows][: len(CUSTOM_SHAPES)] == CUSTOM_SHAPES
    assert summary.rows[-1].output_shape == (10,)


def test_custom_spec_matches_keras() -> None:
    summary = arch.check_spec(CUSTOM_SPEC)
    model = arch.build_model(CUSTOM_SPEC)
    layers = keras_layers(model)
    assert [type(layer).__name__ for layer in layers][:5] == [
        "Conv2D",
        "BatchNormalization",
        "AveragePooling2D",
        "Conv2D",
        "MaxPooling2D",
    ]
    for row, layer in zip(summary.rows, layers, strict=True):
        assert row.name == layer.name
        assert row.output_shape == tuple(layer.output.shape)[1:], row.name
        assert row.params == layer.count_params(), row.name
    assert model.count_params() == summary.total_params
    assert layers[0].strides == (2, 2) and layers[0].padding == "valid"

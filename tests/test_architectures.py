"""Tests for fmnist_viz.architectures: presets, pure-Python summary vs Keras, validation, JSON."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from fmnist_viz import architectures as arch

# The study's numbers (SEED.md): Keras count_params() of each preset.
STUDY_PARAMS = {"original": 412_778, "model1": 814_218, "model2": 814_218}

# (name, Keras class, settings read from the built layer), written out from the study's text.
EXPECTED_LAYERS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "original": [
        ("conv1", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("conv2", "Conv2D", {"filters": 32, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout2", "Dropout", {"rate": 0.3}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout3", "Dropout", {"rate": 0.5}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
    "model1": [
        ("conv1", "Conv2D", {"filters": 32, "kernel_size": (3, 3)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("conv2", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
    "model2": [
        ("conv1", "Conv2D", {"filters": 32, "kernel_size": (3, 3)}),
        ("pool1", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("conv2", "Conv2D", {"filters": 64, "kernel_size": (2, 2)}),
        ("pool2", "MaxPooling2D", {"pool_size": (2, 2)}),
        ("dropout1", "Dropout", {"rate": 0.3}),
        ("flatten", "Flatten", {}),
        ("dense1", "Dense", {"units": 256, "activation": "relu"}),
        ("dropout2", "Dropout", {"rate": 0.3}),
        ("output", "Dense", {"units": 10, "activation": "softmax"}),
    ],
}

# Exercises what the presets do not: stride 2, valid padding, average pooling, batchnorm,
# a pool with its own stride, and a pool with padding 'same' on an odd map.
CUSTOM_SPEC = {
    "name": "custom shapes",
    "layers": [
        {"type": "conv2d", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "valid"},
        {"type": "batchnorm"},
        {"type": "avgpool2d", "pool_size": 2, "padding": "same"},
        {"type": "conv2d", "filters": 16, "kernel_size": 2, "padding": "valid"},
        {"type": "maxpool2d", "pool_size": 3, "strides": 2},
        {"type": "flatten"},
        {"type": "dense", "units": 32},
        {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 10, "activation": "softmax"},
    ],
}
CUSTOM_SHAPES = [(13, 13, 8), (13, 13, 8), (7, 7, 8), (6, 6, 16), (2, 2, 16), (64,), (32,)]


@functools.cache
def built(key: str):
    """The Keras model of a preset, built once per test session."""
    return arch.build_model(arch.preset(key))


def spec_of(*layers: dict[str, Any], output: bool = True) -> dict[str, Any]:
    """A spec from layer dicts, ending in the required Dense(10, softmax) unless output=False."""
    tail = [{"type": "dense", "name": "output", "units": 10, "activation": "softmax"}]
    return {"name": "t", "layers": [*layers, *(tail if output else [])]}


def errors(spec: dict[str, Any]) -> list[str]:
    return [i.message for i in arch.summarize(spec).errors]


def keras_layers(model) -> list:
    """The model's layers without the input layer."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


# ----------------------------------------------------------------------------- presets


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_preset_param_count_pure_python(key: str) -> None:
    summary = arch.summarize(arch.preset(key))
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
    rows = arch.summarize(arch.preset(key)).rows
    layers = keras_layers(built(key))
    assert [r.name for r in rows] == [layer.name for layer in layers]
    for row, layer in zip(rows, layers, strict=True):
        assert row.output_shape == tuple(layer.output.shape)[1:], row.name
        assert row.params == layer.count_params(), row.name


def test_model1_shapes_are_the_studys() -> None:
    shapes = [r.output_shape for r in arch.summarize(arch.preset("model1")).rows]
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
    summary = arch.summarize(CUSTOM_SPEC)
    assert summary.ok, summary.issues
    assert [r.output_shape for r in summary.rows][: len(CUSTOM_SHAPES)] == CUSTOM_SHAPES
    assert summary.rows[-1].output_shape == (10,)


def test_custom_spec_matches_keras() -> None:
    summary = arch.summarize(CUSTOM_SPEC)
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
    summary = arch.summarize(spec_of(*pools, {"type": "flatten"}))
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
    summary = arch.summarize(spec)
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
    summary = arch.summarize(spec)
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
    summary = arch.summarize(spec)
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
        arch.summarize(spec)
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
        arch.summarize(bad)


def test_empty_spec() -> None:
    assert errors({"layers": []}) == ["The model has no layers"]


def test_whole_number_floats_validate_and_build() -> None:
    spec = spec_of({"type": "conv2d", "filters": 4.0, "kernel_size": 3.0}, {"type": "flatten"})
    summary = arch.summarize(spec)
    assert summary.ok  # validation accepts whole-number floats ...
    model = arch.build_model(spec)  # ... so building must work (raw Keras ValueError today)
    assert model.count_params() == summary.total_params


def test_infinite_filters_is_a_validation_error() -> None:
    spec = spec_of({"type": "conv2d", "filters": float("inf")}, {"type": "flatten"})
    (msg,) = errors(spec)
    assert "filters must be a whole number" in msg


# ----------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_json_round_trip(key: str) -> None:
    spec = arch.preset(key)
    loaded = json.loads(arch.to_json(spec))
    assert loaded == spec
    before, after = arch.summarize(spec), arch.summarize(loaded)
    assert after.total_params == before.total_params == STUDY_PARAMS[key]
    assert after.rows == before.rows


def test_custom_json_round_trip_keeps_totals() -> None:
    loaded = json.loads(arch.to_json(arch.normalize(CUSTOM_SPEC)))
    assert arch.summarize(loaded).total_params == arch.summarize(CUSTOM_SPEC).total_params


def test_load_spec_from_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(arch.to_json(CUSTOM_SPEC), encoding="utf-8")
    spec = arch.load_spec(str(path))
    assert spec == arch.normalize(CUSTOM_SPEC)
    assert spec["layers"][1]["name"] == "bn1"
    assert arch.summarize(spec).total_params == arch.summarize(CUSTOM_SPEC).total_params


def test_load_spec_preset_key() -> None:
    assert arch.load_spec("model2") == arch.preset("model2")


def test_load_spec_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x", "layers": [', encoding="utf-8")
    with pytest.raises(arch.SpecError, match=r"Cannot read spec file .*broken\.json"):
        arch.load_spec(str(path))


def test_load_spec_invalid_spec_file(tmp_path: Path) -> None:
    path = tmp_path / "invalid.json"
    path.write_text(json.dumps(spec_of({"type": "dropout", "rate": 1.0})), encoding="utf-8")
    with pytest.raises(arch.SpecError, match="dropout rate"):
        arch.load_spec(str(path))


def test_load_spec_missing_file(tmp_path: Path) -> None:
    with pytest.raises(arch.SpecError, match=r"neither a preset .* nor a JSON file"):
        arch.load_spec(str(tmp_path / "nope.json"))


# ----------------------------------------------------------------------------- issue positions


def test_issues_point_at_the_users_layers_after_an_automatic_flatten() -> None:
    # conv, dense (a Flatten is inserted before it), then a bad dropout: the user's layer 3
    spec = spec_of(
        {"type": "conv2d", "filters": 2},
        {"type": "dense", "units": 8},
        {"type": "dropout", "rate": 2.0},
    )
    summary = arch.summarize(spec)
    (note,) = [i for i in summary.issues if i.level == "note"]
    (error,) = summary.errors
    assert note.layer == 1 and "before dense1" in note.message
    assert error.layer == 2 and error.message.startswith("Layer 3 (dropout1)")


def test_a_wrong_last_layer_points_at_the_users_last_layer() -> None:
    summary = arch.summarize(
        spec_of({"type": "conv2d"}, {"type": "dense", "units": 3}, output=False)
    )
    (error,) = summary.errors
    assert error.layer == 1 and "Dense(10" in error.message


def test_name_issues_carry_their_layer() -> None:
    summary = arch.summarize(
        spec_of({"type": "flatten", "name": "a"}, {"type": "dropout", "name": "a"})
    )
    assert [(i.layer, "used twice" in i.message) for i in summary.errors] == [(1, True)]


# ----------------------------------------------------------------------------- new layers


def test_new_layers_get_the_first_free_automatic_name() -> None:
    taken = {"conv1", "conv3", "pool1"}
    assert arch.next_layer_name("conv2d", taken) == "conv2"
    assert arch.next_layer_name("maxpool2d", taken) == "pool2"
    assert arch.next_layer_name("batchnorm", set()) == "bn1"
    layer = arch.new_layer("dense", {"dense1"})
    assert layer == {"type": "dense", "units": 256, "activation": "relu", "name": "dense2"}
    layer["units"] = 1  # a copy: the defaults stay as they are
    assert arch.DEFAULTS["dense"]["units"] == 256
    with pytest.raises(KeyError, match="lstm"):
        arch.new_layer("lstm", set())


def test_automatic_names_match_what_normalize_gives() -> None:
    for kind in arch.LAYER_TYPES:
        assert normalize_names([kind])[0] == arch.next_layer_name(kind, set())


def normalize_names(kinds: list[str]) -> list[str]:
    return [
        layer["name"]
        for layer in arch.normalize({"layers": [{"type": k} for k in kinds]})["layers"]
    ]


def test_editor_limits_are_the_validation_limits() -> None:
    assert arch.FIELD_LIMITS["filters"] == (1, arch.MAX_WIDTH)
    assert arch.FIELD_LIMITS["units"] == (1, arch.MAX_WIDTH)
    top = arch.FIELD_LIMITS["filters"][1]
    pool = {"type": "maxpool2d", "pool_size": 28}  # keeps the dense layer small
    assert errors(spec_of({"type": "conv2d", "filters": top}, pool, {"type": "flatten"})) == []
    (msg,) = errors(spec_of({"type": "conv2d", "filters": top + 1}, pool, {"type": "flatten"}))
    assert f"between 1 and {top}" in msg
    assert (
        errors(
            spec_of({"type": "dropout", "rate": arch.FIELD_LIMITS["rate"][1]}, {"type": "flatten"})
        )
        == []
    )

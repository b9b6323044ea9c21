"""Tests for fmnist_viz.models.spec: JSON round trips, reading spec files, new layers
and the limits the editor offers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_viz import models as arch
from tests.arch_support import (
    CUSTOM_SPEC,
    STUDY_PARAMS,
    errors,
    spec_of,
)

# ----------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("key", sorted(STUDY_PARAMS))
def test_json_round_trip(key: str) -> None:
    spec = arch.preset(key)
    loaded = json.loads(arch.to_json(spec))
    assert loaded == spec
    before, after = arch.check_spec(spec), arch.check_spec(loaded)
    assert after.total_params == before.total_params == STUDY_PARAMS[key]
    assert after.rows == before.rows


def test_custom_json_round_trip_keeps_totals() -> None:
    loaded = json.loads(arch.to_json(arch.normalize(CUSTOM_SPEC)))
    assert arch.check_spec(loaded).total_params == arch.check_spec(CUSTOM_SPEC).total_params


def test_load_spec_from_file(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(arch.to_json(CUSTOM_SPEC), encoding="utf-8")
    spec = arch.load_spec(str(path))
    assert spec == arch.normalize(CUSTOM_SPEC)
    assert spec["layers"][1]["name"] == "bn1"
    assert arch.check_spec(spec).total_params == arch.check_spec(CUSTOM_SPEC).total_params


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

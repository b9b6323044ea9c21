"""A model in one line: the presets (SEED.md's architectures), every layer kind and setting that
differs from the defaults, the implied Flatten and output layer."""

from __future__ import annotations

import pytest

from fmnist_viz.models import LAYER_TYPES, PRESETS, layer_token, one_line, preset


def test_the_study_models() -> None:
    # SEED.md: Model 1 = Conv(32,3) Pool Conv(64,2) Pool Flatten Dense(256) Dropout(0.3) Dense(10)
    assert one_line(preset("model1")) == "C32k3-P2-C64k2-P2-F256-D0.3"
    # Model 2 adds a Dropout(0.3) before Flatten
    assert one_line(preset("model2")) == "C32k3-P2-C64k2-P2-D0.3-F256-D0.3"
    assert one_line(preset("original")) == "C64k2-P2-D0.3-C32k2-P2-D0.3-F256-D0.5"
    assert len({one_line(preset(k)) for k in PRESETS}) == len(PRESETS)


def test_every_layer_kind_and_its_settings() -> None:
    spec = {
        "layers": [
            {"type": "conv2d", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "valid"},
            {"type": "conv2d", "filters": 8, "kernel_size": 3, "activation": "tanh"},
            {"type": "batchnorm"},
            {"type": "maxpool2d", "pool_size": 3, "strides": 2, "padding": "same"},
            {"type": "avgpool2d", "pool_size": 2},
            {"type": "flatten"},
            {"type": "dropout", "rate": 0.25},
            {"type": "dense", "units": 64, "activation": "sigmoid"},
            {"type": "dense", "units": 32},
            {"type": "dense", "units": 10, "activation": "softmax"},
        ]
    }
    assert one_line(spec) == "C8k5s2(valid)-C8k3(tanh)-B-P3s2(same)-A2-Flat-D0.25-F64(sigmoid)-F32"
    seen = {layer["type"] for layer in spec["layers"]}
    assert seen == set(LAYER_TYPES)  # every kind the spec format allows is covered


def test_tokens_of_single_layers() -> None:
    assert layer_token({"type": "conv2d", "filters": 32, "kernel_size": 3, "strides": 1,
                        "padding": "same", "activation": "relu"}) == "C32k3"  # fmt: skip
    assert layer_token({"type": "maxpool2d", "pool_size": 2, "strides": 2}) == "P2"
    assert layer_token({"type": "dropout", "rate": 0.3}) == "D0.3"
    assert layer_token({"type": "dense", "units": 256.0, "activation": "relu"}) == "F256"


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        ({"layers": [{"type": "dense", "units": 10, "activation": "softmax"}]}, "F10(softmax)"),
        ({"layers": [{"type": "conv2d"}, {"type": "dense", "units": 10}]}, "C32k3-F10"),
        ("not a spec", "?"),
        ({"layers": "x"}, "?"),
    ],
)
def test_odd_specs_still_get_a_line(spec, line: str) -> None:
    assert one_line(spec) == line

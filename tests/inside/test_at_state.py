"""Tests for fmnist_viz.inside.at_state: what a snapshot holds and the maps it reproduces."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fmnist_viz.inside import Prober, snapshot_outputs  # noqa: E402
from fmnist_viz.models import preset  # noqa: E402
from fmnist_viz.runs import conv_weights, kernel_snapshot  # noqa: E402
from tests.probe_support import CUSTOM, TOL, built, reference  # noqa: E402


def test_snapshot_outputs_at_epoch_zero(
    custom_model: Any, custom_prober: Prober, probe_images: np.ndarray
) -> None:
    snapshot = kernel_snapshot(custom_model)
    assert "bn1/moving_mean" in snapshot
    got = snapshot_outputs(CUSTOM, snapshot, probe_images[0])
    full = custom_prober.layer_outputs(probe_images[0])
    assert [o.name for o in got] == ["conv1", "avgpool1", "bn1", "conv2", "pool2", "avgpool2",
                                     "dropout1"]  # fmt: skip
    for mine, theirs in zip(got, full, strict=False):
        np.testing.assert_allclose(mine.output, theirs.output, atol=1e-6, err_msg=mine.name)
        if theirs.pre_activation is not None:
            np.testing.assert_allclose(mine.pre_activation, theirs.pre_activation, atol=1e-6)


def test_snapshot_outputs_follow_each_snapshot(probe_images: np.ndarray) -> None:
    spec = preset("model2")
    early, late = built(spec, 8), built(spec, 9)
    for model in (early, late, early):
        got = snapshot_outputs(spec, kernel_snapshot(model), probe_images[2])
        expected = reference(model, spec, probe_images[2])
        assert [o.name for o in got] == ["conv1", "pool1", "conv2", "pool2", "dropout1"]
        for mine, (name, _, out) in zip(got, expected, strict=False):
            np.testing.assert_allclose(mine.output, out, atol=TOL, err_msg=name)


def test_snapshot_without_bn_stats_uses_initial_ones(
    custom_model: Any, probe_images: np.ndarray
) -> None:
    snapshot = {k: v for k, v in kernel_snapshot(custom_model).items() if not k.startswith("bn1/")}
    got = {o.name: o.output for o in snapshot_outputs(CUSTOM, snapshot, probe_images[0])}
    np.testing.assert_allclose(got["bn1"], got["avgpool1"] / np.sqrt(1 + 1e-3), atol=1e-6)


def test_snapshot_needs_conv_weights(model2: Any, probe_images: np.ndarray) -> None:
    snapshot = {k: v for k, v in kernel_snapshot(model2).items() if not k.startswith("conv2/")}
    with pytest.raises(ValueError, match="conv2/kernel"):
        snapshot_outputs(preset("model2"), snapshot, probe_images[0])


def test_conv_weights_reads_every_conv_layer_of_a_snapshot(model2: Any) -> None:
    weights = conv_weights(kernel_snapshot(model2))
    assert list(weights) == ["conv1", "conv2"]
    for name, (kernel, bias) in weights.items():
        expected_kernel, expected_bias = model2.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, expected_kernel)
        np.testing.assert_array_equal(bias, expected_bias)
    assert weights["conv2"][0].shape == (2, 2, 32, 64)


def test_conv_weights_of_a_prober_equal_those_of_its_model(
    model2: Any, model2_prober: Prober
) -> None:
    mine, theirs = kernel_snapshot(model2_prober), kernel_snapshot(model2)
    assert list(mine) == list(theirs)
    for key in mine:
        np.testing.assert_array_equal(mine[key], theirs[key])

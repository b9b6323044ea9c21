"""Tests for fmnist_viz.inside.dropout: the mask, the 1/(1-p) scaling, seeds, and MC dropout."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from fmnist_viz.inside import (  # noqa: E402
    Prober,
    dropout_view,
    mc_dropout,
    showable_layers,
)
from tests.probe_support import BIG_DROPOUT, NO_DROPOUT, built  # noqa: E402


def test_dropout_view_scales_survivors(model2_prober: Prober, probe_images: np.ndarray) -> None:
    p = 0.3
    view = dropout_view(model2_prober, probe_images[0], "dropout1", seed=7)
    before = {o.name: o.output for o in model2_prober.layer_outputs(probe_images[0])}["pool2"]
    np.testing.assert_array_equal(view.input, before)
    np.testing.assert_array_equal(view.inference, view.input)
    expected = view.input * view.mask / (1 - p)
    np.testing.assert_allclose(view.training, expected, rtol=1e-6, atol=1e-7)
    kept = view.mask & (view.input != 0)
    assert kept.any()
    np.testing.assert_allclose(view.training[kept] / view.input[kept], 1 / (1 - p), rtol=1e-6)
    assert np.array_equal(view.training != 0, kept)


def test_dropout_seed_reproducible_and_state_restored(
    model2_prober: Prober, probe_images: np.ndarray
) -> None:
    generator = model2_prober.layer("dropout1").seed_generator
    state = np.asarray(generator.state.value).copy()
    a = dropout_view(model2_prober, probe_images[0], "dropout1", seed=11)
    b = dropout_view(model2_prober, probe_images[0], "dropout1", seed=11)
    c = dropout_view(model2_prober, probe_images[0], "dropout1", seed=12)
    np.testing.assert_array_equal(a.mask, b.mask)
    np.testing.assert_array_equal(a.training, b.training)
    assert not np.array_equal(a.mask, c.mask)
    np.testing.assert_array_equal(np.asarray(generator.state.value), state)


def test_dropout_kept_fraction(model2_prober: Prober, probe_images: np.ndarray) -> None:
    view = dropout_view(model2_prober, probe_images[0], "dropout1", seed=3)
    assert abs(view.mask.mean() - 0.7) < 0.04  # 3,136 units
    big = built(BIG_DROPOUT, 5)
    view = dropout_view(Prober(big), probe_images[0], "dropout1", seed=3)
    assert view.mask.shape == (28, 28, 32)
    assert abs(view.mask.mean() - 0.5) < 0.02  # 25,088 units


def test_dropout_view_rejects_other_layers(model2_prober: Prober, probe_images: np.ndarray) -> None:
    with pytest.raises(ValueError, match="not a Dropout"):
        dropout_view(model2_prober, probe_images[0], "conv1", seed=0)
    with pytest.raises(KeyError):
        dropout_view(model2_prober, probe_images[0], "nope", seed=0)


def test_mc_dropout_spreads_with_dropout(model2_prober: Prober, probe_images: np.ndarray) -> None:
    result = mc_dropout(model2_prober, probe_images[0], n=16, seed=5)
    assert result.samples.shape == (16, 10)
    assert result.std.max() > 0
    assert result.mean.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(result.mean, result.samples.mean(axis=0), atol=1e-7)
    assert len({r.tobytes() for r in result.samples}) > 1
    again = mc_dropout(model2_prober, probe_images[0], n=16, seed=5)
    np.testing.assert_array_equal(again.samples, result.samples)


def test_mc_dropout_without_dropout_is_deterministic(probe_images: np.ndarray) -> None:
    model = built(NO_DROPOUT, 6)
    bn = model.get_layer("bn1")
    stats = [w.copy() for w in bn.get_weights()]
    prober = Prober(model)
    result = mc_dropout(prober, probe_images[0], n=8, seed=1)
    assert np.all(result.std == 0)
    assert result.mean.sum() == pytest.approx(1.0, abs=1e-5)
    # BatchNorm stays in inference mode: same as predict, and its statistics are untouched
    np.testing.assert_allclose(result.mean, prober.predict(probe_images[0]), atol=1e-6)
    for before, after in zip(stats, bn.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)


def test_showable_layers_before_flatten_without_the_dense_weights(model2_prober) -> None:
    rates = model2_prober.dropout_rates()
    assert list(rates) == ["dropout1", "dropout2"]
    assert showable_layers(model2_prober, full=True) == rates
    assert showable_layers(model2_prober, full=False) == {"dropout1": rates["dropout1"]}

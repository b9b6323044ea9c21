"""Activation maximisation: the ascent raises each filter's objective (checked against a NumPy
computation of that objective), is seeded, does not depend on the batch, stays in [0, 1], and
refuses bad requests."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.seeing import act_max as am
from fmnist_viz.seeing import activation_max, flat_tone
from fmnist_viz.seeing.act_max import LEAK, shifts, start_images
from tests.probe_support import np_conv2d

STEPS = 24


def _np_objective(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray, f: int) -> float:
    """Filter f's objective for one image of a first conv layer ('same', stride 1), in NumPy:
    the mean over positions of its pre-activation, negative values counted at LEAK."""
    pre = np_conv2d(image.reshape(28, 28, 1).astype(np.float64), kernel, bias, 1, "same")[..., f]
    return float(np.mean(np.maximum(pre, LEAK * pre)))


def test_the_ascent_raises_each_filters_objective(model2_prober) -> None:
    conv = model2_prober.layer("conv1")
    kernel, bias = conv.get_weights()
    seen: list[float] = []
    filters = [0, 3, 7, 31]
    got = activation_max(model2_prober, "conv1", filters, steps=STEPS, seed=5, progress=seen.append)
    assert got.images.shape == (4, 28, 28) and got.images.dtype == np.float32
    assert got.images.min() >= 0.0 and got.images.max() <= 1.0
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= STEPS
    start = start_images(filters, seed=5)
    gains = []
    for i, f in enumerate(filters):
        before = _np_objective(start[i], kernel, bias, f)
        after = _np_objective(got.images[i], kernel, bias, f)
        assert got.start_scores[i] == pytest.approx(before, abs=1e-4)
        assert got.scores[i] == pytest.approx(after, abs=1e-4)
        assert after > before, f  # it climbed (a filter whose best is black climbs little)
        gains.append(after - before)
        np.testing.assert_array_equal(got.image_of(f), got.images[i])
    assert max(gains) > 0.1
    assert got.image_of(5) is None


def test_seeded_and_independent_of_the_batch(model2_prober, monkeypatch) -> None:
    together = activation_max(model2_prober, "conv2", [1, 2, 5, 9, 10], steps=8, seed=2)
    again = activation_max(model2_prober, "conv2", [1, 2, 5, 9, 10], steps=8, seed=2)
    np.testing.assert_array_equal(together.images, again.images)
    monkeypatch.setattr(am, "batch_size", lambda *args, **kwargs: 2)  # three batched steps
    split = activation_max(model2_prober, "conv2", [9, 5], steps=8, seed=2)
    np.testing.assert_allclose(split.image_of(5), together.image_of(5), atol=1e-5)
    np.testing.assert_allclose(split.image_of(9), together.image_of(9), atol=1e-5)
    other = activation_max(model2_prober, "conv2", [5], steps=8, seed=3)
    assert np.abs(other.image_of(5) - together.image_of(5)).max() > 0.01  # another seed


def test_start_and_jitter_are_seeded_per_filter() -> None:
    a, b = start_images([4, 7], seed=1), start_images([7], seed=1)
    np.testing.assert_array_equal(a[1], b[0])
    assert a.min() >= 0 and a.max() <= 1 and abs(float(a.mean()) - am.START_MEAN) < 0.02
    jitter = shifts(50, seed=1)
    assert jitter.shape == (50, 2) and np.abs(jitter).max() <= am.JITTER
    np.testing.assert_array_equal(jitter, shifts(50, seed=1))


def test_bad_requests_are_refused(model2_prober) -> None:
    with pytest.raises(ValueError, match="No filter 32 in conv1"):
        activation_max(model2_prober, "conv1", [0, 32], steps=2)
    with pytest.raises(KeyError, match="No conv layer 'pool1'"):
        activation_max(model2_prober, "pool1", [0], steps=2)


def test_flat_tone() -> None:
    assert flat_tone(np.full((28, 28), 0.97)) == "white"
    assert flat_tone(np.full((28, 28), 0.02)) == "black"
    assert flat_tone(np.full((28, 28), 0.5)) == "grey"
    stripes = np.tile([0.0, 1.0], (28, 14))
    assert flat_tone(stripes) is None

"""Tests for fmnist_viz.figures.relu: before/after ReLU and the zero shares."""

from __future__ import annotations

import numpy as np

from fmnist_viz.figures import relu_pair, relu_share_bars
from fmnist_viz.figures.relu import ZERO_COLOR
from fmnist_viz.inside import ReluStats
from tests.figure_support import heatmaps, z_of

RNG = np.random.default_rng(0)


def test_relu_pair_marks_the_zeroed_values() -> None:
    pre = RNG.normal(size=(5, 5, 3)).astype(np.float32)
    post = np.maximum(pre, 0)
    fig = relu_pair(pre, post, 1)
    before, after, zeros = heatmaps(fig)
    np.testing.assert_allclose(z_of(before), pre[:, :, 1])
    assert before.zmid == 0 and before.zmin == -before.zmax
    negative = pre[:, :, 1] <= 0
    assert np.array_equal(np.isnan(z_of(after)), negative)
    np.testing.assert_allclose(z_of(after)[~negative], pre[:, :, 1][~negative])
    assert np.array_equal(z_of(zeros) == 1, negative)
    assert zeros.colorscale[0][1] == ZERO_COLOR
    assert after.xaxis == zeros.xaxis == "x2" and before.xaxis == "x"
    assert f"{negative.mean():.0%}" in fig.layout.title.text


def test_relu_share_bars_values() -> None:
    stats = {
        "conv1": ReluStats("conv1", np.array([0.2, 0.4]), np.zeros(4), np.array([2])),
        "conv2": ReluStats("conv2", np.array([0.6, 0.8]), np.zeros(8), np.array([], int)),
    }
    fig = relu_share_bars(stats, {"conv1": 0.25, "conv2": 0.5})
    image_bar, batch_bar = fig.data
    assert list(image_bar.x) == ["conv1", "conv2"] and list(image_bar.y) == [0.25, 0.5]
    np.testing.assert_allclose(batch_bar.y, [0.3, 0.7])
    assert list(batch_bar.customdata) == [1, 0]
    assert "2 images" in batch_bar.name
    assert len(relu_share_bars(stats).data) == 1

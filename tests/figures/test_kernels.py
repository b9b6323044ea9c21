"""Tests for fmnist_viz.figures.kernels: values, symmetric colour ranges, text and frames."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz.figures import (
    deep_kernel_grid,
    filter_slices,
    first_layer_kernels,
    kernel_evolution,
    weight_histogram,
)
from fmnist_viz.figures.kernels import text_columns

RNG = np.random.default_rng(1)


def z_of(trace: go.Heatmap) -> np.ndarray:
    """A heatmap's z as a float array."""
    return np.asarray(trace.z, dtype=np.float64)


def tile(z: np.ndarray, i: int, k: int, cols: int, label: int, gap: int = 1) -> np.ndarray:
    """Tile i of a grid built with the given layout."""
    r, c = divmod(i, cols)
    top, left = r * (label + k + gap) + label, c * (k + gap)
    return z[top : top + k, left : left + k]


def assert_symmetric(heatmap: go.Heatmap, values: np.ndarray) -> None:
    """Diverging scale centred at 0, range ±max|values|."""
    assert heatmap.zmid == 0
    assert heatmap.zmin == -heatmap.zmax
    assert heatmap.zmax == pytest.approx(np.abs(values).max())


def test_first_layer_kernels_3x3_values_and_bias() -> None:
    kernel = RNG.normal(0, 0.2, size=(3, 3, 1, 12)).astype(np.float32)
    bias = RNG.normal(0, 0.05, size=12).astype(np.float32)
    fig = first_layer_kernels(kernel, bias)
    heatmap, labels = fig.data
    assert_symmetric(heatmap, kernel)
    z, text = z_of(heatmap), np.asarray(heatmap.text)
    cols = text_columns(3)
    for i in range(12):
        np.testing.assert_allclose(tile(z, i, 3, cols, 1), kernel[:, :, 0, i], rtol=1e-6)
        expected = [[f"{v:.2f}" for v in row] for row in kernel[:, :, 0, i].astype(np.float64)]
        assert tile(text, i, 3, cols, 1).tolist() == expected
    assert heatmap.texttemplate == "%{text}"
    assert (text[np.isnan(z)] == "").all()
    assert len(labels.text) == 12
    assert labels.text[5] == f"#5  b={bias[5]:+.3f}"
    assert "12 filters of 3×3" in fig.layout.title.text


def test_first_layer_kernels_2x2_have_text_and_5x5_do_not() -> None:
    small = first_layer_kernels(RNG.normal(size=(2, 2, 1, 64)), np.zeros(64))
    assert small.data[0].texttemplate == "%{text}" and len(small.data[1].text) == 64
    big = first_layer_kernels(RNG.normal(size=(5, 5, 1, 8)), np.zeros(8))
    assert big.data[0].text is None and big.data[0].texttemplate is None
    with pytest.raises(ValueError, match="deep_kernel_grid"):
        first_layer_kernels(RNG.normal(size=(3, 3, 2, 4)), np.zeros(4))


def test_deep_kernel_grid_rows_are_filters_columns_inputs() -> None:
    kernel = RNG.normal(size=(2, 2, 5, 7)).astype(np.float32)
    fig = deep_kernel_grid(kernel, max_filters=4, max_inputs=3)
    (heatmap,) = fig.data
    assert_symmetric(heatmap, kernel)
    z = z_of(heatmap)
    assert z.shape == (4 * 3 - 1, 3 * 3 - 1)
    for f in range(4):
        for c in range(3):
            np.testing.assert_allclose(tile(z, f * 3 + c, 2, 3, 0), kernel[:, :, c, f], rtol=1e-6)
    assert list(fig.layout.xaxis.ticktext) == ["in 0", "in 1", "in 2"]
    assert list(fig.layout.yaxis.ticktext) == [f"filter {i}" for i in range(4)]
    assert "filters 4 of 7" in fig.layout.title.text
    custom = np.asarray(heatmap.customdata)
    assert custom[0, 0].tolist() == [0, 0] and custom[3, 6].tolist() == [1, 2]


def test_filter_slices_show_every_input_channel() -> None:
    kernel = RNG.normal(size=(3, 3, 10, 4)).astype(np.float32)
    fig = filter_slices(kernel, 2)
    heatmap, labels = fig.data
    assert_symmetric(heatmap, kernel[..., 2])
    cols = text_columns(3)
    for c in range(10):
        np.testing.assert_allclose(
            tile(z_of(heatmap), c, 3, cols, 1), kernel[:, :, c, 2], rtol=1e-6
        )
    assert list(labels.text) == [f"in {c}" for c in range(10)]
    with pytest.raises(ValueError):
        filter_slices(kernel, 4)


def test_weight_histogram_holds_weights_and_biases() -> None:
    kernel = RNG.normal(size=(3, 3, 2, 4))
    bias = RNG.normal(size=4)
    fig = weight_histogram(kernel, bias, "conv2")
    weights, biases = fig.data
    assert isinstance(weights, go.Histogram) and isinstance(biases, go.Histogram)
    np.testing.assert_allclose(weights.x, kernel.ravel(), rtol=1e-6)
    np.testing.assert_allclose(biases.x, bias, rtol=1e-6)
    assert "72" in weights.name and "conv2" in fig.layout.title.text


def test_kernel_evolution_frames_and_slider() -> None:
    base = RNG.normal(0, 0.1, size=(3, 3, 1, 6)).astype(np.float32)
    snapshots = {0: base, 1: base * 2, 2: base * 3}
    fig = kernel_evolution(snapshots)
    (slider,) = fig.layout.sliders
    assert len(slider.steps) == 3
    assert [s.label for s in slider.steps] == ["initial", "1", "2"]
    assert [list(s.args[0]) for s in slider.steps] == [["0"], ["1"], ["2"]]
    assert [f.name for f in fig.frames] == ["0", "1", "2"]
    cols = text_columns(3)
    for epoch, frame in zip((0, 1, 2), fig.frames, strict=True):
        z = z_of(frame.data[0])
        np.testing.assert_allclose(tile(z, 4, 3, cols, 1), snapshots[epoch][:, :, 0, 4], rtol=1e-6)
        assert_symmetric(frame.data[0], base * 3)  # one range for all epochs
    np.testing.assert_allclose(z_of(fig.data[0]), z_of(fig.frames[0].data[0]))
    chosen = kernel_evolution(snapshots, filters=[1, 3])
    assert list(chosen.data[1].text) == ["#1", "#3"]
    with pytest.raises(ValueError):
        kernel_evolution({})

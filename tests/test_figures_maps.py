"""Tests for fmnist_viz.figures.maps: the figures carry exactly the data they were given."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.maps import (
    DIVERGING,
    SEQUENTIAL,
    ZERO_COLOR,
    as_picture,
    channel_detail,
    channel_grid,
    dropout_triplet,
    image_figure,
    layer_figure,
    probability_bars,
    relu_pair,
    relu_share_bars,
    tile_channels,
    vector_bar,
    wrap_vector,
)
from fmnist_viz.probes import ReluStats

RNG = np.random.default_rng(0)


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    """The figure's heatmap traces, in order."""
    return [t for t in fig.data if isinstance(t, go.Heatmap)]


def z_of(trace: go.Heatmap) -> np.ndarray:
    """A heatmap's z as a float array."""
    return np.asarray(trace.z, dtype=np.float64)


def tiles(fig_z: np.ndarray, maps: np.ndarray, cols: int, gap: int, label: int) -> list:
    """Cut the tiles back out of a tiled array, given the layout used to build it."""
    h, w, n = maps.shape
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = r * (label + h + gap) + label, c * (w + gap)
        out.append(fig_z[top : top + h, left : left + w])
    return out


# ---------------------------------------------------------------- tiling


def test_tile_channels_places_every_channel() -> None:
    maps = RNG.normal(size=(3, 4, 7)).astype(np.float32)
    tiling = tile_channels(maps, cols=3, gap=1, label_rows=2)
    assert tiling.z.shape == (3 * (2 + 3 + 1) - 1, 3 * (4 + 1) - 1)
    for i, tile in enumerate(tiles(tiling.z, maps, 3, 1, 2)):
        np.testing.assert_array_equal(tile, maps[:, :, i])
    assert np.isnan(tiling.z).sum() == tiling.z.size - maps.size
    assert sorted(set(tiling.index.ravel()) - {-1}) == list(range(7))
    assert (tiling.index == 4).sum() == 12
    assert tiling.rows[tiling.index == 4].max() == 2 and tiling.cols[tiling.index == 4].max() == 3
    assert tiling.label_x[4] == pytest.approx(5 + 1.5)  # second tile of the second row
    assert tiling.label_y[4] == pytest.approx(6 + 0.5)  # inside its two label rows


def test_wrap_vector_pads_with_nan() -> None:
    values = np.arange(10, dtype=np.float32)
    grid = wrap_vector(values, 4)
    assert grid.shape == (3, 4)
    np.testing.assert_array_equal(grid.ravel()[:10], values)
    assert np.isnan(grid.ravel()[10:]).all()


# ---------------------------------------------------------------- images and grids


def test_image_figure_shows_the_pixels() -> None:
    img = RNG.uniform(size=(28, 28, 1)).astype(np.float32)
    fig = image_figure(img, "input")
    (heatmap,) = heatmaps(fig)
    np.testing.assert_allclose(z_of(heatmap), img[:, :, 0])
    assert heatmap.zmin == 0 and heatmap.zmax == 1
    assert fig.layout.title.text == "input"
    assert fig.layout.yaxis.scaleanchor == "x"
    assert heatmaps(image_figure(np.full((28, 28), 255, np.uint8)))[0].zmax == 255


def test_channel_grid_shared_scale_labels_and_values() -> None:
    output = RNG.uniform(0, 3, size=(6, 6, 10)).astype(np.float32)
    fig = channel_grid(output, "conv9", cols=4)
    heatmap, labels = fig.data
    assert isinstance(labels, go.Scatter) and list(labels.text) == [str(i) for i in range(10)]
    assert len(heatmaps(fig)) == 1
    for i, tile in enumerate(tiles(z_of(heatmap), output, 4, 1, 2)):
        np.testing.assert_allclose(tile, output[:, :, i], rtol=1e-6)
    assert heatmap.zmin == pytest.approx(output.min()) and heatmap.zmax == pytest.approx(
        output.max()
    )
    assert heatmap.colorscale == go.Heatmap(colorscale=SEQUENTIAL).colorscale
    title = fig.layout.title.text
    assert "conv9" in title and "6×6×10" in title and f"{output.max():.3g}" in title
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.scaleanchor == "x"
    custom = np.asarray(heatmap.customdata)
    assert custom.shape == (*z_of(heatmap).shape, 3) and custom[..., 0].max() == 9


def test_channel_grid_limits_channels_and_centres_negative_data() -> None:
    output = RNG.normal(size=(4, 4, 70)).astype(np.float32)
    fig = channel_grid(output, "pre", max_channels=64)
    heatmap = fig.data[0]
    assert len(fig.data[1].text) == 64 and "first 64 of 70" in fig.layout.title.text
    assert heatmap.zmid == 0 and heatmap.zmin == -heatmap.zmax
    assert heatmap.zmax == pytest.approx(np.abs(output).max())
    assert heatmap.colorscale == go.Heatmap(colorscale=DIVERGING).colorscale
    with pytest.raises(ValueError):
        channel_grid(output[0, 0], "flat")


def test_channel_detail_uses_the_layer_scale() -> None:
    output = RNG.uniform(0, 2, size=(7, 7, 5)).astype(np.float32)
    fig = channel_detail(output, 3, "pool2")
    (heatmap,) = heatmaps(fig)
    np.testing.assert_allclose(z_of(heatmap), output[:, :, 3])
    assert heatmap.zmax == pytest.approx(output.max())
    assert "channel 3 of 5" in fig.layout.title.text
    assert "%{z" in heatmap.hovertemplate
    with pytest.raises(ValueError):
        channel_detail(output, 5)


def test_vector_bar_short_and_long() -> None:
    short = RNG.normal(size=10).astype(np.float32)
    bar = vector_bar(short, "output").data[0]
    assert isinstance(bar, go.Bar)
    np.testing.assert_allclose(np.asarray(bar.y), short)
    long = np.maximum(RNG.normal(size=300), 0).astype(np.float32)
    fig = vector_bar(long, "dense1")
    (strip,) = heatmaps(fig)
    z = z_of(strip).ravel()
    np.testing.assert_allclose(z[:300], long, rtol=1e-6)
    assert np.isnan(z[300:]).all()
    assert f"{int((long == 0).sum())} are 0" in fig.layout.title.text


def test_layer_figure_dispatches_on_shape() -> None:
    assert isinstance(layer_figure(np.ones((3, 3, 2)), "m").data[1], go.Scatter)
    assert isinstance(layer_figure(np.ones(8), "v").data[0], go.Bar)


# ---------------------------------------------------------------- ReLU


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


# ---------------------------------------------------------------- dropout


def test_dropout_triplet_panels() -> None:
    inp = RNG.uniform(size=(4, 4, 6)).astype(np.float32)
    mask = RNG.uniform(size=inp.shape) > 0.3
    training = inp * mask / 0.7
    fig = dropout_triplet(inp, inp.copy(), training, mask, 0.3)
    panels = heatmaps(fig)
    assert len(panels) == 4
    np.testing.assert_array_equal(z_of(panels[0]), z_of(panels[1]))
    np.testing.assert_allclose(z_of(panels[0]), as_picture(inp), rtol=1e-6)
    np.testing.assert_allclose(z_of(panels[2]), as_picture(training), rtol=1e-6)
    np.testing.assert_array_equal(z_of(panels[3]), as_picture(mask.astype(np.float32)))
    assert [p.xaxis for p in panels] == ["x", "x2", "x3", "x4"]
    notes = [a.text for a in fig.layout.annotations]
    assert any(f"{mask.mean():.0%} kept" in n for n in notes)
    assert any("× 1.43" in n for n in notes)


def test_dropout_triplet_vectors() -> None:
    inp = RNG.uniform(size=50).astype(np.float32)
    mask = np.arange(50) % 2 == 0
    fig = dropout_triplet(inp, inp, inp * mask * 2, mask, 0.5)
    z = z_of(heatmaps(fig)[2]).ravel()
    np.testing.assert_allclose(z[:50], inp * mask * 2, rtol=1e-6)


# ---------------------------------------------------------------- probabilities


def test_probability_bars() -> None:
    probs = RNG.dirichlet(np.ones(10))
    std = RNG.uniform(0, 0.05, 10)
    fig = probability_bars(probs, true_label=3, std=std)
    bar = fig.data[0]
    assert isinstance(bar, go.Bar) and bar.orientation == "h"
    assert list(bar.y) == list(CLASS_NAMES) and len(bar.x) == 10
    np.testing.assert_allclose(bar.x, probs)
    np.testing.assert_allclose(bar.error_x.array, std)
    widths = list(bar.marker.line.width)
    assert widths[3] > 0 and sum(w > 0 for w in widths) == 1
    assert fig.layout.annotations[0].y == CLASS_NAMES[3]
    pred = int(np.argmax(probs))
    assert f"Prediction: {CLASS_NAMES[pred]}" in fig.layout.title.text
    assert f"true: {CLASS_NAMES[3]}" in fig.layout.title.text
    assert fig.data[1].text[pred] == f"{probs[pred]:.1%}"


def test_probability_bars_without_label_or_std() -> None:
    fig = probability_bars(np.full(10, 0.1))
    assert fig.data[0].error_x.array is None
    assert not fig.layout.annotations
    with pytest.raises(ValueError):
        probability_bars(np.ones(9) / 9)
    with pytest.raises(ValueError):
        probability_bars(np.full(10, 0.1), true_label=10)

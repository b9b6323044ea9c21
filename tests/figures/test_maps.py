"""Tests for fmnist_viz.figures.maps: the figures carry exactly the data they were given."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from fmnist_viz.figures import channel_detail, channel_grid, image_figure, layer_figure, vector_bar
from fmnist_viz.figures.layout import DIVERGING, SEQUENTIAL
from tests.figure_support import heatmaps, tiles, z_of

RNG = np.random.default_rng(0)


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

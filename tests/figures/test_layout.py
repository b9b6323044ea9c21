"""Tests for fmnist_viz.figures.layout: tiling channels and wrapping vectors."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_viz.figures.layout import tile_channels, wrap_vector
from tests.figure_support import tiles

RNG = np.random.default_rng(0)


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

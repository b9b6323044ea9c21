"""Filter figures: the grid's bitmap holds the very images (read back from its PNG), outlines
sit on the receptive fields, points carry the filters; one filter's top images, an image with
its field, the grown image and the class bars carry the data they were given."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures import (
    class_spread_figure,
    filter_grid,
    grown_figure,
    image_with_field,
    top_images_figure,
)
from fmnist_viz.figures.filters import SIDE
from fmnist_viz.figures.layer_filters import CHOSEN, EMPTY, FRAME, GridGeometry
from fmnist_viz.inside.receptive_field import Window, fields
from fmnist_viz.seeing import SHOWN, ActMax, TopImages
from tests.figure_support import heatmaps, z_of

N = 40
FIELD = fields(
    [("conv", Window((3, 3), (1, 1), "same")), ("pool", Window((2, 2), (2, 2), "valid"))]
)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """Distinct random uint8 images and their labels."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (N, SIDE, SIDE), dtype=np.uint8), rng.integers(0, 10, N)


def _top(filters: int = 5) -> TopImages:
    """Made-up top images of a 14x14 layer; filter 1 fires on 4 images only, filter 2 never."""
    rng = np.random.default_rng(1)
    values = -np.sort(-rng.uniform(0.5, 3.0, (filters, 12)), axis=1).astype(np.float32)
    values[1, 4:] = 0.0
    values[2] = 0.0
    indices = np.stack([rng.permutation(N)[:12] for _ in range(filters)]).astype(np.int32)
    positions = rng.integers(0, 14, (filters, 12, 2)).astype(np.int16)
    return TopImages("pool", values, indices, positions, (14, 14), N)


def _grown(filters: list[int]) -> ActMax:
    rng = np.random.default_rng(2)
    images = rng.random((len(filters), SIDE, SIDE)).astype(np.float32)
    scores = np.linspace(1, 2, len(filters)).astype(np.float32)
    return ActMax("pool", np.array(filters, np.int32), images, scores, scores / 10, 96, 0)


def _bitmap(fig: go.Figure) -> np.ndarray:
    """The grid's pixels, decoded from the PNG in its image trace."""
    image = next(t for t in fig.data if isinstance(t, go.Image))
    head, data = image.source.split(",", 1)
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def test_grid_bitmap_holds_the_top_images_and_grown_images(data) -> None:
    images, labels = data
    top, grown = _top(), _grown([0, 1, 2, 3])
    fig = filter_grid(top, FIELD["pool"], images, labels, [0, 1, 2, 3], grown, cols=2)
    pixels = _bitmap(fig)
    geo = GridGeometry(2, 2)
    assert pixels.shape == (geo.height, geo.width)
    for i, f in enumerate([0, 1, 2, 3]):
        for k in range(SHOWN):
            r, c = geo.cell(i, k)
            cell = pixels[r : r + SIDE, c : c + SIDE]
            if top.values[f, k] > 0:
                np.testing.assert_array_equal(cell, images[top.indices[f, k]])
            else:
                assert np.all(cell == EMPTY), (f, k)  # no image where the filter is silent
        top_row, left = geo.origin(i)
        block = pixels[top_row : top_row + geo.mosaic, left : left + geo.mosaic]
        grown_pixels = (np.clip(grown.images[i], 0, 1) * 255 + 0.5).astype(np.uint8)
        np.testing.assert_array_equal(block[1:-1:3, 1:-1:3], grown_pixels)  # 3x enlarged
        assert np.all(block[0] == FRAME) and np.all(block[:, -1] == FRAME)


def test_grid_outlines_the_fields_and_points_carry_the_filters(data) -> None:
    images, labels = data
    top = _top()
    fig = filter_grid(top, FIELD["pool"], images, labels, [1, 2, 3], None, cols=3)
    geo = GridGeometry(3, 1)
    fired = [(i, f, k) for i, f in enumerate([1, 2, 3]) for k in range(SHOWN)
             if top.values[f, k] > 0]  # fmt: skip
    shapes = fig.layout.shapes
    assert len(shapes) == len(fired) == 4 + SHOWN
    for shape, (i, f, k) in zip(shapes, fired, strict=True):
        r, c = geo.cell(i, k)
        r0, r1, c0, c1 = FIELD["pool"].box(*top.positions[f, k])
        assert (shape.x0, shape.x1) == (c + c0 - 0.5, c + c1 + 0.5)
        assert (shape.y0, shape.y1) == (r + r0 - 0.5, r + r1 + 0.5)
    points = fig.data[1]
    assert list(points.customdata) == [f for _, f, _ in fired]  # no grown images: no points
    first = points.hovertext[0]
    index = top.indices[1, 0]
    assert f"test image #{index} ({CLASS_NAMES[labels[index]]})" in first
    label_text = list(fig.data[2].text)
    assert label_text[1] == "#2 · never fires"
    assert label_text[0].startswith("#1 · ") and label_text[0].endswith("/4")
    assert "grown images not computed" in fig.layout.title.text
    framed = filter_grid(top, FIELD["pool"], images, labels, [1, 2, 3], None, cols=3, chosen=3)
    assert len(framed.layout.shapes) == len(shapes) + 1
    frame = framed.layout.shapes[-1]
    assert frame.line.color == CHOSEN and frame.x0 < geo.origin(2)[1] < frame.x1
    with pytest.raises(ValueError, match="within 0 to 4"):
        filter_grid(top, FIELD["pool"], images, labels, [5], None)


def test_top_images_figure(data) -> None:
    images, labels = data
    top = _top()
    fig = top_images_figure(top, 1, FIELD["pool"], images, labels)
    z = z_of(heatmaps(fig)[0])
    titles = list(fig.data[1].text)
    assert len(titles) == len(fig.layout.shapes) == 4  # filter 1 fires on 4 images
    for slot in range(4):
        index = top.indices[1, slot]
        assert titles[slot].startswith(f"#{index} {CLASS_NAMES[labels[index]]} · ")
        shape = fig.layout.shapes[slot]
        r0, r1, c0, c1 = FIELD["pool"].box(*top.positions[1, slot])
        left, top_row = shape.x0 + 0.5 - c0, shape.y0 + 0.5 - r0  # the tile's corner
        tile = z[int(top_row) : int(top_row) + SIDE, int(left) : int(left) + SIDE]
        np.testing.assert_allclose(tile, images[index] / 255.0, atol=1e-6)
        assert (shape.x1 - shape.x0, shape.y1 - shape.y0) == (c1 - c0 + 1, r1 - r0 + 1)
    with pytest.raises(ValueError, match="does not fire"):
        top_images_figure(top, 2, FIELD["pool"], images, labels)


def test_image_with_field_and_grown_figure() -> None:
    image = np.linspace(0, 1, SIDE * SIDE, dtype=np.float32).reshape(SIDE, SIDE)
    fig = image_with_field(image, (3, 8, 10, 15), "where")
    np.testing.assert_allclose(z_of(heatmaps(fig)[0]), image)
    frame, box = fig.layout.shapes
    assert (frame.x0, frame.x1) == (-0.5, SIDE - 0.5)
    assert (box.x0, box.x1, box.y0, box.y1) == (9.5, 15.5, 2.5, 8.5)
    assert len(image_with_field(image, None, "no box").layout.shapes) == 1
    grown = _grown([4, 9])
    fig = grown_figure(grown, 9)
    np.testing.assert_allclose(z_of(heatmaps(fig)[0]), grown.images[1])
    assert "filter 9" in fig.layout.title.text and "0.2 → 2" in fig.layout.title.text
    with pytest.raises(ValueError, match="no grown image"):
        grown_figure(grown, 5)


def test_class_spread_figure() -> None:
    counts = np.array([0, 3, 0, 0, 0, 40, 0, 50, 7, 0])
    fig = class_spread_figure(counts, 12)
    bar = fig.data[0]
    assert list(bar.x) == counts.tolist() and list(bar.y) == list(CLASS_NAMES)
    assert bar.text[7] == "50%" and bar.text[0] == ""
    assert "top 100" in fig.layout.title.text
    with pytest.raises(ValueError, match="10 class counts"):
        class_spread_figure(np.ones(3), 0)

"""The grid of a conv layer's filters: each tile holds the filter's activation-maximisation
image and its top test images with the patch that fired outlined.

The grid is one bitmap (a PNG in the figure, drawn pixel for pixel: hundreds of small images
stay light) with the outlines as shapes and invisible points that carry the hover text and can
be clicked to choose a filter. Coordinates are input pixels, row 0 on top.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.filters import (
    SIDE,
    check_top_images,
    field_outline,
    gray_uint8,
    top_class,
)
from fmnist_viz.figures.layout import MARGIN, image_axes, title_dict
from fmnist_viz.inside import Field
from fmnist_viz.seeing import SHOWN, ActMax, TopImages

GRID_COLS = 4  # filters per row of the grid
CHOSEN = "#1f77b4"  # the frame of the chosen filter's tile
LABEL_COLOR = "#444444"
EMPTY = 205  # a cell with no image (the filter fires on fewer images)
PAPER = 255
FRAME = 150  # the frame around a grown image (a flat white one would vanish on the paper)
GRID_W_PX = 960  # the width the grid's height is planned for (it fills a wide page)


@dataclass(frozen=True)
class GridGeometry:
    """Where the parts of each filter's tile sit in the grid (input-pixel units)."""

    cols: int
    rows: int
    label: int = 12  # rows above a tile for its label
    gap: int = 1  # between the top images of one mosaic
    inner: int = 4  # between the grown image and the mosaic
    h_space: int = 10  # between tiles, across
    v_space: int = 6  # between tiles, down

    @property
    def mosaic(self) -> int:
        """Side of a 3x3 mosaic of top images."""
        return 3 * SIDE + 2 * self.gap

    @property
    def tile_w(self) -> int:
        """Width of one tile: grown image, space, mosaic."""
        return 2 * self.mosaic + self.inner

    @property
    def tile_h(self) -> int:
        """Height of one tile with its label."""
        return self.label + self.mosaic

    @property
    def width(self) -> int:
        """Width of the whole grid."""
        return self.cols * self.tile_w + (self.cols - 1) * self.h_space

    @property
    def height(self) -> int:
        """Height of the whole grid."""
        return self.rows * self.tile_h + (self.rows - 1) * self.v_space

    def origin(self, i: int) -> tuple[int, int]:
        """Top-left (row, col) of tile i's images (below its label)."""
        r, c = divmod(i, self.cols)
        return r * (self.tile_h + self.v_space) + self.label, c * (self.tile_w + self.h_space)

    def cell(self, i: int, k: int) -> tuple[int, int]:
        """Top-left (row, col) of top image k in tile i's mosaic."""
        top, left = self.origin(i)
        r, c = divmod(k, 3)
        return top + r * (SIDE + self.gap), left + self.mosaic + self.inner + c * (SIDE + self.gap)


def _png_source(gray: np.ndarray) -> str:
    """An (h, w) uint8 gray image as a PNG data URI."""
    buffer = io.BytesIO()
    Image.fromarray(gray, mode="L").save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def filter_grid(
    top: TopImages,
    field: Field,
    images: np.ndarray,
    labels: np.ndarray,
    filters: Sequence[int],
    grown: ActMax | None = None,
    cols: int = GRID_COLS,
    chosen: int | None = None,
) -> go.Figure:
    """One tile per filter: its grown image (left) and its top SHOWN test images (right), the
    receptive field of each image's strongest position outlined; the `chosen` filter's tile is
    framed. Click a tile's image to pick that filter (the points carry the filter number as
    customdata)."""
    check_top_images(top, images, labels)
    filters = [int(f) for f in filters]
    if not filters or min(filters) < 0 or max(filters) >= top.filters:
        raise ValueError(f"Filters must be within 0 to {top.filters - 1}, got {filters}")
    geo = GridGeometry(max(1, min(cols, len(filters))), math.ceil(len(filters) / cols))
    pixels = np.full((geo.height, geo.width), PAPER, dtype=np.uint8)
    shapes: list[dict] = []
    points: dict[str, list] = {"x": [], "y": [], "text": [], "f": []}
    label_x, label_y, label_text = [], [], []
    for i, f in enumerate(filters):
        top_row, left = geo.origin(i)
        label_x.append(left + (geo.tile_w - 1) / 2)
        label_y.append(top_row - geo.label / 2)
        label_text.append(_tile_label(top, f, labels, grown))
        _draw_grown(pixels, geo, i, f, grown, points)
        for k in range(SHOWN):
            r, c = geo.cell(i, k)
            window = pixels[r : r + SIDE, c : c + SIDE]
            if k >= top.values.shape[1] or top.values[f, k] <= 0:
                window[:] = EMPTY
                continue
            index = int(top.indices[f, k])
            window[:] = gray_uint8(images[index])
            row, col = (int(v) for v in top.positions[f, k])
            shapes.append(field_outline(field.box(row, col), r, c, width=1.2))
            points["x"].append(c + (SIDE - 1) / 2)
            points["y"].append(r + (SIDE - 1) / 2)
            points["f"].append(f)
            points["text"].append(
                f"filter {f} · top {k + 1}: test image #{index} "
                f"({CLASS_NAMES[int(labels[index])]})<br>strongest response "
                f"{float(top.values[f, k]):.3g} at row {row}, col {col} of the "
                f"{top.map_size[0]}×{top.map_size[1]} map"
            )
    if chosen in filters:
        shapes.append(_tile_frame(geo, filters.index(chosen)))
    traces: list[Any] = [go.Image(source=_png_source(pixels), x0=0, y0=0, dx=1, dy=1)]
    traces.append(
        go.Scatter(
            x=points["x"],
            y=points["y"],
            customdata=points["f"],
            hovertext=points["text"],
            hoverinfo="text",
            mode="markers",
            marker={"size": 18, "opacity": 0, "symbol": "square"},
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            showlegend=False,
        )
    )
    traces.append(
        go.Scatter(
            x=label_x,
            y=label_y,
            text=label_text,
            mode="text",
            textfont={"size": 11, "color": LABEL_COLOR},
            unselected={"textfont": {"color": LABEL_COLOR}},  # a click selects: keep the labels
            hoverinfo="skip",
            showlegend=False,
        )
    )
    more = "" if grown is not None else " (grown images not computed)"
    title = (
        f"{top.layer}: filters {filters[0]} to {filters[-1]} of {top.filters} · left: grown from "
        f"noise · right: top {SHOWN} of {top.n_images:,} test images, the patch that fired "
        f"outlined{more}"
    )
    layout = {
        "title": title_dict(title),
        "height": int(GRID_W_PX * geo.height / geo.width) + 40 + MARGIN["b"],
        "margin": {**MARGIN, "t": 40},
        "shapes": shapes,
        "hovermode": "closest",
        "dragmode": False,
        **image_axes(geo.width, geo.height),
    }
    return go.Figure(data=traces, layout=layout)


def _tile_frame(geo: GridGeometry, i: int) -> dict:
    """A frame around tile i, its label included."""
    top_row, left = geo.origin(i)
    return {
        "type": "rect",
        "x0": left - 3.5,
        "x1": left + geo.tile_w + 2.5,
        "y0": top_row - geo.label - 1.5,
        "y1": top_row + geo.mosaic + 2.5,
        "line": {"color": CHOSEN, "width": 2.5},
        "layer": "above",
    }


def _tile_label(top: TopImages, f: int, labels: np.ndarray, grown: ActMax | None) -> str:
    """'#12 · Sandal 6/9', or '#12 · never fires' for a filter silent on every image."""
    cls, count = top_class(top, f, labels)
    if cls < 0:
        return f"#{f} · never fires"
    fired = int(np.count_nonzero(top.values[f, :SHOWN] > 0))
    return f"#{f} · {CLASS_NAMES[cls]} {count}/{fired}"


def _draw_grown(
    pixels: np.ndarray, geo: GridGeometry, i: int, f: int, grown: ActMax | None, points: dict
) -> None:
    """Filter f's grown image, enlarged to the mosaic's size, into tile i (grey when none)."""
    top_row, left = geo.origin(i)
    window = pixels[top_row : top_row + geo.mosaic, left : left + geo.mosaic]
    image = grown.image_of(f) if grown is not None else None
    if image is None:
        window[:] = EMPTY
        return
    scale = geo.mosaic // SIDE
    big = np.kron(gray_uint8(image), np.ones((scale, scale), dtype=np.uint8))
    pad = (geo.mosaic - big.shape[0]) // 2
    window[:] = FRAME
    window[pad : pad + big.shape[0], pad : pad + big.shape[1]] = big
    j = int(np.flatnonzero(grown.filters == f)[0])
    points["x"].append(left + (geo.mosaic - 1) / 2)
    points["y"].append(top_row + (geo.mosaic - 1) / 2)
    points["f"].append(f)
    points["text"].append(
        f"filter {f} · grown from noise in {grown.steps} steps<br>its mean response went from "
        f"{float(grown.start_scores[j]):.3g} to {float(grown.scores[j]):.3g}"
    )

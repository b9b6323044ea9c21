"""Filter figures: a grid of a conv layer's filters (each with its activation-maximisation image
and its top test images, the patch that fired outlined), one filter's top images enlarged, an
image with one receptive field outlined, a grown image, and the classes a filter fires on.

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
from fmnist_viz.activation_max import ActMax
from fmnist_viz.figures.layout import (
    MARGIN,
    PRED_COLOR,
    image_axes,
    label_rows_for,
    label_trace,
    planned_height,
    tile_channels,
    title_dict,
)
from fmnist_viz.receptive_field import Field
from fmnist_viz.top_images import SHOWN, TopImages

SIDE = 28  # input image side
GRID_COLS = 4  # filters per row of the grid
OUTLINE = "#ff9f1c"  # receptive-field outlines
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


def _gray(image: np.ndarray) -> np.ndarray:
    """A 2-D image (uint8, or floats in [0, 1]) as uint8."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    return (np.clip(arr, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def _png_source(gray: np.ndarray) -> str:
    """An (h, w) uint8 gray image as a PNG data URI."""
    buffer = io.BytesIO()
    Image.fromarray(gray, mode="L").save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _outline(box: tuple[int, int, int, int], top: float, left: float, width: float = 1.5) -> dict:
    """A rectangle shape around pixels box = (first row, last row, first col, last col) of an
    image whose top-left pixel sits at (top, left)."""
    r0, r1, c0, c1 = box
    return {
        "type": "rect",
        "x0": left + c0 - 0.5,
        "x1": left + c1 + 0.5,
        "y0": top + r0 - 0.5,
        "y1": top + r1 + 0.5,
        "line": {"color": OUTLINE, "width": width},
        "layer": "above",
    }


def _frame() -> dict:
    """A thin grey frame around a 28x28 image (a white one would vanish on the paper)."""
    return {
        "type": "rect",
        "x0": -0.5,
        "x1": SIDE - 0.5,
        "y0": -0.5,
        "y1": SIDE - 0.5,
        "line": {"color": "#999999", "width": 1},
        "layer": "above",
    }


def _check(top: TopImages, images: np.ndarray, labels: np.ndarray) -> None:
    """Require the searched images and labels the top images index into."""
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE) or len(labels) != len(images):
        raise ValueError(f"Expected (n, 28, 28) images and n labels, got {images.shape}")
    if len(images) < top.n_images:
        raise ValueError(f"The top images index {top.n_images} images; {len(images)} were given")


def top_class(top: TopImages, f: int, labels: np.ndarray, k: int = SHOWN) -> tuple[int, int]:
    """The most frequent class among filter f's first k top images that fire, and its count
    ((-1, 0) when the filter fires on none)."""
    fired = top.indices[f, :k][top.values[f, :k] > 0]
    if not fired.size:
        return -1, 0
    counts = np.bincount(np.asarray(labels)[fired].astype(np.int64), minlength=len(CLASS_NAMES))
    best = int(np.argmax(counts))
    return best, int(counts[best])


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
    _check(top, images, labels)
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
            window[:] = _gray(images[index])
            row, col = (int(v) for v in top.positions[f, k])
            shapes.append(_outline(field.box(row, col), r, c, width=1.2))
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
    big = np.kron(_gray(image), np.ones((scale, scale), dtype=np.uint8))
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


def top_images_figure(
    top: TopImages,
    f: int,
    field: Field,
    images: np.ndarray,
    labels: np.ndarray,
    k: int = SHOWN,
) -> go.Figure:
    """Filter f's top k test images, strongest first, each titled with its number, class and
    strongest response, the receptive field of that response outlined."""
    _check(top, images, labels)
    if not 0 <= f < top.filters:
        raise ValueError(f"No filter {f}: {top.layer} has {top.filters}")
    fired = [j for j in range(min(k, top.values.shape[1])) if top.values[f, j] > 0]
    if not fired:
        raise ValueError(f"Filter {f} of {top.layer} does not fire on any image searched")
    chosen = top.indices[f, fired]
    maps = np.moveaxis(np.asarray(images)[chosen].astype(np.float32), 0, -1)
    if images.dtype == np.uint8:
        maps /= 255.0
    tiling = tile_channels(maps, 3, gap=2, label_rows=label_rows_for(SIDE))
    heatmap = go.Heatmap(
        z=tiling.z,
        customdata=tiling.customdata(),
        colorscale="gray",
        zmin=0.0,
        zmax=1.0,
        showscale=False,
        hoverongaps=False,
        hovertemplate="row %{customdata[1]}, col %{customdata[2]}<br>pixel %{z:.2f}<extra></extra>",
    )
    shapes, titles = [], []
    for slot, j in enumerate(fired):
        index = int(top.indices[f, j])
        row, col = (int(v) for v in top.positions[f, j])
        box = field.box(row, col)
        shapes.append(_outline(box, int(tiling.tile_y[slot]), int(tiling.tile_x[slot]), 2.5))
        titles.append(f"#{index} {CLASS_NAMES[int(labels[index])]} · {float(top.values[f, j]):.3g}")
    size = f"{field.size[0]}×{field.size[1]}"
    title = (
        f"{top.layer} filter {f}: its top {len(fired)} of {top.n_images:,} test images · "
        f"outlined: the {size} pixels its strongest position sees"
    )
    h, w = tiling.z.shape
    layout = {
        "title": title_dict(title),
        "height": planned_height(h, w),
        "margin": MARGIN,
        "shapes": shapes,
        **image_axes(w, h),
    }
    return go.Figure(data=[heatmap, label_trace(tiling, titles, size=11)], layout=layout)


def image_with_field(
    image: np.ndarray, box: tuple[int, int, int, int] | None, title: str
) -> go.Figure:
    """A 28x28 image in gray with one receptive field outlined (none when box is None)."""
    arr = np.squeeze(np.asarray(image, dtype=np.float32))
    if arr.shape != (SIDE, SIDE):
        raise ValueError(f"Expected one 28x28 image, got shape {np.shape(image)}")
    if np.asarray(image).dtype == np.uint8:
        arr = arr / 255.0
    heatmap = go.Heatmap(
        z=arr,
        colorscale="gray",
        zmin=0.0,
        zmax=1.0,
        showscale=False,
        hovertemplate="row %{y}, col %{x}<br>pixel %{z:.3f}<extra></extra>",
    )
    layout = {
        "title": title_dict(title),
        "height": 420,
        "margin": MARGIN,
        "shapes": [_frame(), *([_outline(box, 0, 0, 3)] if box is not None else [])],
        **image_axes(SIDE, SIDE),
    }
    return go.Figure(data=[heatmap], layout=layout)


def class_spread_figure(counts: np.ndarray, f: int, title: str = "") -> go.Figure:
    """How many of filter f's top images belong to each class, as horizontal bars."""
    counts = np.asarray(counts, dtype=np.int64).ravel()
    if counts.size != len(CLASS_NAMES):
        raise ValueError(f"Expected {len(CLASS_NAMES)} class counts, got {counts.size}")
    total = int(counts.sum())
    shares = counts / total if total else np.zeros(counts.size)
    bar = go.Bar(
        x=counts,
        y=list(CLASS_NAMES),
        orientation="h",
        marker_color=PRED_COLOR,
        text=[f"{s:.0%}" if c else "" for c, s in zip(counts, shares, strict=True)],
        textposition="outside",
        hovertemplate="%{y}: %{x} images<extra></extra>",
    )
    text = title or f"Filter {f}: the classes of its top {total} test images"
    layout = {
        "title": title_dict(text),
        "height": 360,
        "margin": {**MARGIN, "l": 90, "b": 40},
        "xaxis": {"title": {"text": "images"}, "range": [0, max(1, counts.max()) * 1.2]},
        "yaxis": {"autorange": "reversed"},
    }
    return go.Figure(data=[bar], layout=layout)


def grown_figure(grown: ActMax, f: int) -> go.Figure:
    """Filter f's grown image, enlarged, with how far its response rose."""
    image = grown.image_of(f)
    if image is None:
        raise ValueError(f"Filter {f} of {grown.layer} has no grown image")
    j = int(np.flatnonzero(grown.filters == f)[0])
    title = (
        f"{grown.layer} filter {f} grown from noise: mean response "
        f"{float(grown.start_scores[j]):.2g} → {float(grown.scores[j]):.2g}"
    )
    return image_with_field(image, None, title)

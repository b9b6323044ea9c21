"""One filter's figures: its top images enlarged with the patch that fired outlined, an image
with one receptive field outlined, its grown image and the classes it fires on; and the helpers
the grid of all filters (`filter_grid`) shares. Coordinates are input pixels, row 0 on top.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from fmnist_viz import CLASS_NAMES
from fmnist_viz.figures.layout import (
    MARGIN,
    image_axes,
    label_rows_for,
    label_trace,
    planned_height,
    tile_channels,
    title_dict,
)
from fmnist_viz.figures.palette import PRED_COLOR
from fmnist_viz.inside import Field
from fmnist_viz.seeing import SHOWN, ActMax, TopImages

SIDE = 28  # input image side
OUTLINE = "#ff9f1c"  # receptive-field outlines


def gray_uint8(image: np.ndarray) -> np.ndarray:
    """A 2-D image (uint8, or floats in [0, 1]) as uint8."""
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    return (np.clip(arr, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)


def field_outline(
    box: tuple[int, int, int, int], top: float, left: float, width: float = 1.5
) -> dict:
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


def check_top_images(top: TopImages, images: np.ndarray, labels: np.ndarray) -> None:
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
    check_top_images(top, images, labels)
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
        shapes.append(field_outline(box, int(tiling.tile_y[slot]), int(tiling.tile_x[slot]), 2.5))
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
        "shapes": [_frame(), *([field_outline(box, 0, 0, 3)] if box is not None else [])],
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

"""Feature-map figures: the input image, every channel of a layer as one grid, one channel
enlarged, and 1-D outputs (Flatten, Dense) as bars or a wrapped heat strip."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from fmnist_viz.figures.layout import (
    MARGIN,
    color_args,
    image_axes,
    label_rows_for,
    label_trace,
    planned_height,
    tile_channels,
    title_dict,
    value_range,
    wrap_vector,
)
from fmnist_viz.figures.palette import PRED_COLOR


def image_figure(img: np.ndarray, title: str = "Input image") -> go.Figure:
    """The 28x28 input image in gray (white = 1, or 255 for uint8), with pixel values on hover."""
    arr = np.squeeze(np.asarray(img))
    if arr.ndim != 2:
        raise ValueError(f"Expected one 2-D image, got shape {np.shape(img)}")
    top = 255.0 if arr.dtype == np.uint8 else 1.0
    heatmap = go.Heatmap(
        z=arr.astype(np.float32),
        colorscale="gray",
        zmin=0.0,
        zmax=top,
        showscale=False,
        hovertemplate="row %{y}, col %{x}<br>value %{z:.3f}<extra></extra>",
    )
    height = planned_height(arr.shape[0], arr.shape[1]) // 2
    layout = {
        "title": title_dict(title),
        "height": max(height, 260),
        "margin": MARGIN,
        **image_axes(arr.shape[1], arr.shape[0]),
    }
    return go.Figure(data=[heatmap], layout=layout)


def channel_grid(
    output: np.ndarray,
    title: str,
    max_channels: int = 64,
    cols: int = 8,
    scale: tuple[float, float] | None = None,
) -> go.Figure:
    """All channels of one (h, w, c) layer output as one grid with a shared colour scale.

    `scale` fixes the colour range (e.g. the same for every frame of a playback); by default
    it is this output's own range. The title always gives the output's own values.
    """
    if output.ndim != 3:
        raise ValueError(f"channel_grid needs (height, width, channels), got {output.shape}")
    h, w, c = output.shape
    shown = min(c, max_channels)
    tiling = tile_channels(output[:, :, :shown], cols, gap=1, label_rows=label_rows_for(h))
    lo, hi = value_range(output)
    heatmap = go.Heatmap(
        z=tiling.z,
        customdata=tiling.customdata(),
        hovertemplate="channel %{customdata[0]} · row %{customdata[1]}, col %{customdata[2]}"
        "<br>value %{z:.4f}<extra></extra>",
        hoverongaps=False,
        colorbar={"thickness": 12},
        **color_args(*(scale or (lo, hi))),
    )
    more = f" · first {shown} of {c} channels" if shown < c else ""
    text = f"{title} · {h}×{w}×{c} · values {lo:.3g} to {hi:.3g}{more}"
    layout = {
        "title": title_dict(text),
        "height": planned_height(*tiling.z.shape),
        "margin": MARGIN,
        **image_axes(tiling.z.shape[1], tiling.z.shape[0]),
    }
    labels = [str(i) for i in range(shown)]
    return go.Figure(data=[heatmap, label_trace(tiling, labels)], layout=layout)


def channel_detail(
    output: np.ndarray, channel: int, title: str = "", scale: tuple[float, float] | None = None
) -> go.Figure:
    """One channel of a (h, w, c) output enlarged, coloured on the layer's scale (or a fixed
    `scale`), with values."""
    if output.ndim != 3 or not 0 <= channel < output.shape[2]:
        raise ValueError(f"No channel {channel} in an output of shape {output.shape}")
    plane = output[:, :, channel]
    lo, hi = value_range(plane)
    heatmap = go.Heatmap(
        z=plane,
        hovertemplate="row %{y}, col %{x}<br>value %{z:.4f}<extra></extra>",
        **color_args(*(scale or value_range(output))),
    )
    name = f"{title} · " if title else ""
    text = f"{name}channel {channel} of {output.shape[2]} · values {lo:.3g} to {hi:.3g}"
    layout = {
        "title": title_dict(text),
        "height": 480,
        "margin": MARGIN,
        **image_axes(plane.shape[1], plane.shape[0]),
    }
    return go.Figure(data=[heatmap], layout=layout)


def vector_bar(output: np.ndarray, title: str, max_bars: int = 64) -> go.Figure:
    """A 1-D output (Flatten, Dense): bars when short, else a heat strip wrapped in rows."""
    values = np.asarray(output).ravel()
    lo, hi = value_range(values)
    zeros = int(np.count_nonzero(values == 0))
    text = f"{title} · {values.size} values · {lo:.3g} to {hi:.3g} · {zeros} are 0"
    if values.size <= max_bars:
        bar = go.Bar(
            x=np.arange(values.size),
            y=values,
            marker_color=PRED_COLOR,
            hovertemplate="unit %{x}<br>value %{y:.4f}<extra></extra>",
        )
        layout = {
            "title": title_dict(text),
            "height": 300,
            "margin": {**MARGIN, "l": 50, "b": 40},
            "xaxis": {"title": {"text": "unit"}},
            "yaxis": {"title": {"text": "value"}},
        }
        return go.Figure(data=[bar], layout=layout)
    grid = wrap_vector(values)
    units = np.arange(grid.size, dtype=np.int32).reshape(grid.shape)
    strip = go.Heatmap(
        z=grid,
        customdata=units,
        hovertemplate="unit %{customdata}<br>value %{z:.4f}<extra></extra>",
        hoverongaps=False,
        colorbar={"thickness": 12},
        **color_args(lo, hi),
    )
    layout = {
        "title": title_dict(f"{text} · {grid.shape[1]} per row"),
        "height": planned_height(*grid.shape),
        "margin": MARGIN,
        **image_axes(grid.shape[1], grid.shape[0]),
    }
    return go.Figure(data=[strip], layout=layout)


def layer_figure(output: np.ndarray, title: str, max_channels: int = 64) -> go.Figure:
    """The right figure for a layer output: a channel grid for maps, else a vector figure."""
    if np.ndim(output) == 3:
        return channel_grid(output, title, max_channels=max_channels)
    return vector_bar(output, title)


def examples_grid(images: np.ndarray, titles: list[str], cols: int = 10) -> go.Figure:
    """Pictures (n, 28, 28) side by side in gray, each titled (e.g. one per class)."""
    images = np.asarray(images)
    if images.ndim != 3 or len(images) != len(titles):
        raise ValueError(f"need (n, h, w) images and n titles, got {images.shape}, {len(titles)}")
    top = 255.0 if images.dtype == np.uint8 else 1.0
    tiling = tile_channels(np.moveaxis(images.astype(np.float32), 0, -1), cols, 2, label_rows=6)
    heatmap = go.Heatmap(
        z=tiling.z,
        colorscale="gray",
        zmin=0.0,
        zmax=top,
        showscale=False,
        hoverinfo="skip",
        hoverongaps=False,
    )
    layout = {
        "height": planned_height(*tiling.z.shape),
        "margin": {**MARGIN, "t": 10},
        **image_axes(tiling.z.shape[1], tiling.z.shape[0]),
    }
    return go.Figure(data=[heatmap, label_trace(tiling, titles, size=11)], layout=layout)

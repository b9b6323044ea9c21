"""Shared pieces of the image-like figures: colours, tiling channels into one array, square-
celled axes, planned heights, titles and side-by-side panels.

Grids are one heatmap of all channels tiled into a single array with NaN gaps (plus one text
trace for the channel numbers) rather than one subplot per channel, so they build in a few ms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go

SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"
GRAY = [[0.0, "rgb(0,0,0)"], [1.0, "rgb(255,255,255)"]]  # pixel 0 black, 1 white
PLOT_W_PX = 640  # the plot-area width heights are planned for (Streamlit stretches figures)
MAX_HEIGHT_PX = 1000
STRIP_COLS = 64
MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


@dataclass(frozen=True)
class Tiling:
    """Channels laid out in one 2-D array, NaN between tiles, optional label rows above each."""

    z: np.ndarray  # (H, W) float32, NaN in gaps and label rows
    index: np.ndarray  # (H, W) int16 channel index, -1 outside tiles
    rows: np.ndarray  # (H, W) int16 row inside the tile, -1 outside
    cols: np.ndarray  # (H, W) int16 column inside the tile, -1 outside
    label_x: np.ndarray  # (n,) x of each tile's label (centre of the tile)
    label_y: np.ndarray  # (n,) y of each tile's label (centre of its label rows)
    tile_x: np.ndarray  # (n,) left column of each tile
    tile_y: np.ndarray  # (n,) top row of each tile

    def customdata(self) -> np.ndarray:
        """(H, W, 3) channel, row, column for hover templates."""
        return np.stack([self.index, self.rows, self.cols], axis=-1)


def rgba(color: str, alpha: float) -> str:
    """A colour (hex or rgb) as an rgba string with the given opacity (a translucent fill of
    a line's colour)."""
    r, g, b = pc.unlabel_rgb(pc.convert_colors_to_same_type([color], "rgb")[0][0])
    return f"rgba({int(r)}, {int(g)}, {int(b)}, {alpha})"


def label_rows_for(height: int) -> int:
    """Rows reserved above a tile for its label: about a quarter of the tile, at least 1."""
    return max(1, math.ceil(height / 4))


def tile_channels(maps: np.ndarray, cols: int, gap: int = 1, label_rows: int = 0) -> Tiling:
    """Arrange the channels of (h, w, c) maps row by row, `cols` per row, in one array."""
    h, w, n = maps.shape
    cols = max(1, min(cols, n))
    grid_rows = math.ceil(n / cols)
    cell_h, cell_w = label_rows + h + gap, w + gap
    shape = (grid_rows * cell_h - gap, cols * cell_w - gap)
    z = np.full(shape, np.nan, dtype=np.float32)
    index, rows, colsmap = (np.full(shape, -1, dtype=np.int16) for _ in range(3))
    rr, cc = np.indices((h, w), dtype=np.int16)
    tops = (np.arange(n) // cols) * cell_h + label_rows
    lefts = (np.arange(n) % cols) * cell_w
    for i, (top, left) in enumerate(zip(tops, lefts, strict=True)):
        window = np.s_[top : top + h, left : left + w]
        z[window] = maps[:, :, i]
        index[window], rows[window], colsmap[window] = i, rr, cc
    label_y = tops - label_rows + (label_rows - 1) / 2
    return Tiling(z, index, rows, colsmap, lefts + (w - 1) / 2, label_y, lefts, tops)


def value_range(values: np.ndarray) -> tuple[float, float]:
    """Finite minimum and maximum of an array (0, 0 when it has no finite value)."""
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def color_args(lo: float, hi: float) -> dict[str, Any]:
    """Heatmap colour settings: sequential for non-negative data, else diverging around 0."""
    if lo >= 0:
        return {"colorscale": SEQUENTIAL, "zmin": lo, "zmax": hi if hi > lo else lo + 1.0}
    m = max(abs(lo), abs(hi))
    return {"colorscale": DIVERGING, "zmin": -m, "zmax": m, "zmid": 0.0}


def planned_height(grid_h: int, grid_w: int, extra: int = 0, ratio: float = 1.0) -> int:
    """Figure height that keeps cells square (or `ratio` as tall as wide) at the planned width."""
    body = PLOT_W_PX * ratio * grid_h / max(grid_w, 1)
    return int(min(MAX_HEIGHT_PX, max(180, body + MARGIN["t"] + MARGIN["b"] + extra)))


def image_axes(
    width: int, height: int, x: str = "x", ratio: float = 1.0, **extra: Any
) -> dict[str, Any]:
    """Layout entries for one image-like panel: no ticks, square cells, row 0 on top, white gaps."""
    xkey = "xaxis" + x[1:]
    ykey = "yaxis" + x[1:]
    return {
        "plot_bgcolor": "white",
        xkey: {"visible": False, "range": [-0.5, width - 0.5], "constrain": "domain", **extra},
        ykey: {
            "visible": False,
            "range": [height - 0.5, -0.5],
            "scaleanchor": x,
            "scaleratio": ratio,
            "constrain": "domain",
        },
    }


def label_trace(tiling: Tiling, labels: Sequence[str], size: int = 10) -> go.Scatter:
    """One text trace writing a label above each tile."""
    return go.Scatter(
        x=tiling.label_x,
        y=tiling.label_y,
        text=list(labels),
        mode="text",
        textfont={"size": size},
        hoverinfo="skip",
        showlegend=False,
    )


def title_dict(text: str) -> dict[str, Any]:
    """A layout title dict."""
    return {"text": text, "x": 0.01, "xanchor": "left", "font": {"size": 14}}


def wrap_vector(values: np.ndarray, cols: int = STRIP_COLS) -> np.ndarray:
    """A 1-D vector wrapped into rows of `cols` values, NaN after the end."""
    values = np.asarray(values, dtype=np.float32).ravel()
    cols = max(1, min(cols, values.size))
    grid = np.full(math.ceil(values.size / cols) * cols, np.nan, dtype=np.float32)
    grid[: values.size] = values
    return grid.reshape(-1, cols)


def panel_layout(
    titles: Sequence[str], grid: tuple[int, int], sizes: Sequence[tuple[int, int]]
) -> dict[str, Any]:
    """Axes for image panels in a rows x cols grid, each square-celled, titled above."""
    n_rows, n_cols = grid
    layout: dict[str, Any] = {"annotations": []}
    for i, (title, (h, w)) in enumerate(zip(titles, sizes, strict=True)):
        r, c = divmod(i, n_cols)
        x0, x1 = c / n_cols + 0.02, (c + 1) / n_cols - 0.08
        y1 = 1 - r / n_rows - 0.06
        y0 = 1 - (r + 1) / n_rows + 0.02
        suffix = "" if i == 0 else str(i + 1)
        axes = image_axes(w, h, x=f"x{suffix}", domain=[x0, x1])
        axes[f"yaxis{suffix}"]["domain"] = [y0, y1]
        layout.update(axes)
        layout["annotations"].append(
            {
                "text": title,
                "x": (x0 + x1) / 2,
                "y": y1 + 0.01,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    return layout


def panel_axes(i: int) -> dict[str, str]:
    """xaxis/yaxis references of panel i for a trace."""
    suffix = "" if i == 0 else str(i + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def colorbar(x: float, y: float = 0.5, length: float = 0.85) -> dict[str, Any]:
    """A slim colour bar at paper position x."""
    return {"x": x, "y": y, "len": length, "thickness": 10}

"""Feature-map figures: the input, a layer's channels, ReLU, dropout and the class probabilities.

Grids are one heatmap of all channels tiled into a single array with NaN gaps (plus one text
trace for the channel numbers) rather than one subplot per channel, so they build in a few ms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from fmnist_viz import CLASS_NAMES

if TYPE_CHECKING:
    from fmnist_viz.probes import ReluStats

SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"
ZERO_COLOR = "#d9d9d9"  # post-ReLU values that were set to 0
KEPT_COLOR = "#9ecae1"
DROPPED_COLOR = "#222222"
PRED_COLOR = "#1f77b4"
OTHER_COLOR = "#aec7e8"
TRUE_COLOR = "#2ca02c"
WIDTH_PX = 720  # the width heights are planned for (Streamlit stretches to the container)
PLOT_W_PX = 640  # of which the plot area, without margins and colour bar
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


# ---------------------------------------------------------------- input and layer outputs


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
    output: np.ndarray, title: str, max_channels: int = 64, cols: int = 8
) -> go.Figure:
    """All channels of one (h, w, c) layer output as one grid with a shared colour scale."""
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
        **color_args(lo, hi),
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


def channel_detail(output: np.ndarray, channel: int, title: str = "") -> go.Figure:
    """One channel of a (h, w, c) output enlarged, coloured on the layer's scale, with values."""
    if output.ndim != 3 or not 0 <= channel < output.shape[2]:
        raise ValueError(f"No channel {channel} in an output of shape {output.shape}")
    plane = output[:, :, channel]
    lo, hi = value_range(plane)
    heatmap = go.Heatmap(
        z=plane,
        hovertemplate="row %{y}, col %{x}<br>value %{z:.4f}<extra></extra>",
        **color_args(*value_range(output)),
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


def wrap_vector(values: np.ndarray, cols: int = STRIP_COLS) -> np.ndarray:
    """A 1-D vector wrapped into rows of `cols` values, NaN after the end."""
    values = np.asarray(values, dtype=np.float32).ravel()
    cols = max(1, min(cols, values.size))
    grid = np.full(math.ceil(values.size / cols) * cols, np.nan, dtype=np.float32)
    grid[: values.size] = values
    return grid.reshape(-1, cols)


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


# ---------------------------------------------------------------- panels side by side


def _panel_layout(
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


def _panel_axes(i: int) -> dict[str, str]:
    """xaxis/yaxis references of panel i for a trace."""
    suffix = "" if i == 0 else str(i + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _colorbar(x: float, y: float = 0.5, length: float = 0.85) -> dict[str, Any]:
    """A slim colour bar at paper position x."""
    return {"x": x, "y": y, "len": length, "thickness": 10}


def relu_pair(pre: np.ndarray, post: np.ndarray, channel: int) -> go.Figure:
    """One channel before ReLU (diverging around 0) beside after ReLU (zeros drawn in grey)."""
    if pre.shape != post.shape or pre.ndim != 3:
        raise ValueError(f"pre and post must both be (h, w, c); got {pre.shape}, {post.shape}")
    before, after = pre[:, :, channel], post[:, :, channel]
    zero = after == 0
    share = float(zero.mean())
    lo, hi = value_range(before)
    m = max(abs(lo), abs(hi)) or 1.0
    hover = "row %{y}, col %{x}<br>%{z:.4f}<extra></extra>"
    traces = [
        go.Heatmap(
            z=before,
            colorscale=DIVERGING,
            zmin=-m,
            zmax=m,
            zmid=0.0,
            hovertemplate=hover,
            colorbar=_colorbar(0.43),
            **_panel_axes(0),
        ),
        go.Heatmap(
            z=np.where(zero, np.nan, after),
            colorscale=SEQUENTIAL,
            zmin=0.0,
            zmax=max(float(after.max()), 1e-12),
            hovertemplate=hover,
            hoverongaps=False,
            colorbar=_colorbar(0.93),
            **_panel_axes(1),
        ),
        go.Heatmap(
            z=np.where(zero, 1.0, np.nan),
            colorscale=[[0, ZERO_COLOR], [1, ZERO_COLOR]],
            showscale=False,
            hovertemplate="row %{y}, col %{x}<br>0 (was negative)<extra></extra>",
            hoverongaps=False,
            **_panel_axes(1),
        ),
    ]
    titles = ["before ReLU: conv + bias", "after ReLU: max(0, x), grey = 0"]
    layout = _panel_layout(titles, (1, 2), [before.shape, after.shape])
    text = f"ReLU on channel {channel}: {share:.0%} of the {zero.size} values became 0"
    layout.update(title=title_dict(text), height=380, margin=MARGIN)
    return go.Figure(data=traces, layout=layout)


def relu_share_bars(
    stats: Mapping[str, ReluStats], image_shares: Mapping[str, float] | None = None
) -> go.Figure:
    """Per ReLU layer: the share of zeroed values for this image and averaged over the batch."""
    names = list(stats)
    n_images = len(next(iter(stats.values())).zero_share) if stats else 0
    dead = [len(stats[n].dead_filters) for n in names]
    traces = []
    if image_shares is not None:
        traces.append(
            go.Bar(
                name="this image",
                x=names,
                y=[image_shares[n] for n in names],
                marker_color=PRED_COLOR,
                hovertemplate="%{x}: %{y:.1%} of values are 0<extra>this image</extra>",
            )
        )
    traces.append(
        go.Bar(
            name=f"average over {n_images} images",
            x=names,
            y=[stats[n].batch_zero_share for n in names],
            customdata=dead,
            marker_color=OTHER_COLOR,
            hovertemplate="%{x}: %{y:.1%} of values are 0, "
            "%{customdata} dead filters<extra>batch</extra>",
        )
    )
    layout = {
        "title": title_dict("Share of values that ReLU set to 0"),
        "barmode": "group",
        "height": 320,
        "margin": {**MARGIN, "l": 50, "b": 40},
        "yaxis": {"range": [0, 1], "tickformat": ".0%"},
        "legend": {"orientation": "h", "y": -0.2},
    }
    return go.Figure(data=traces, layout=layout)


def as_picture(values: np.ndarray, cols: int = 8) -> np.ndarray:
    """A layer output as one 2-D array: maps tiled (cols per row), vectors wrapped in rows."""
    if values.ndim == 3:
        return tile_channels(values, cols).z
    side = max(1, math.ceil(math.sqrt(values.size)))
    return wrap_vector(values, side)


def dropout_triplet(
    inp: np.ndarray, inference: np.ndarray, training: np.ndarray, mask: np.ndarray, p: float
) -> go.Figure:
    """Input, inference output (identical), training output (survivors x 1/(1-p)), and mask."""
    pictures = [as_picture(a) for a in (inp, inference, training)]
    mask_picture = as_picture(mask.astype(np.float32))
    lo, hi = value_range(np.concatenate([a.ravel() for a in pictures]))
    colors = color_args(lo, hi)
    hover = "%{z:.4f}<extra></extra>"
    traces = [
        go.Heatmap(
            z=z,
            hovertemplate=hover,
            hoverongaps=False,
            showscale=i == 2,
            colorbar=_colorbar(1.0, 0.5, 0.9),
            **colors,
            **_panel_axes(i),
        )
        for i, z in enumerate(pictures)
    ]
    traces.append(
        go.Heatmap(
            z=mask_picture,
            colorscale=[[0, DROPPED_COLOR], [1, KEPT_COLOR]],
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="%{z}: 1 = kept, 0 = dropped<extra></extra>",
            hoverongaps=False,
            **_panel_axes(3),
        )
    )
    kept = float(mask.mean())
    titles = [
        "input to dropout",
        "inference output (= input)",
        f"training output (kept units × {1 / (1 - p):.3g})",
        f"mask: {kept:.0%} kept (blue), expected {1 - p:.0%}",
    ]
    layout = _panel_layout(titles, (2, 2), [z.shape for z in (*pictures, mask_picture)])
    text = f"Dropout p = {p:g}: each unit is dropped with probability {p:g} during training only"
    layout.update(title=title_dict(text), height=640, margin=MARGIN)
    return go.Figure(data=traces, layout=layout)


# ---------------------------------------------------------------- probabilities


def _percent_labels(probs: np.ndarray, spread: np.ndarray) -> go.Scatter:
    """The percentages as text just right of each bar (and of its error bar)."""
    return go.Scatter(
        x=probs + spread + 0.01,
        y=list(CLASS_NAMES),
        text=[f"{p:.1%}" for p in probs],
        mode="text",
        textposition="middle right",
        hoverinfo="skip",
        showlegend=False,
    )


def _true_label_note(true_label: int) -> dict[str, Any]:
    """An annotation pointing at the true class's bar from the right edge."""
    return {
        "x": 1.0,
        "y": CLASS_NAMES[true_label],
        "xref": "paper",
        "text": "◀ true label",
        "showarrow": False,
        "xanchor": "left",
        "font": {"color": TRUE_COLOR},
    }


def probability_bars(
    probs: np.ndarray, true_label: int | None = None, std: np.ndarray | None = None
) -> go.Figure:
    """Horizontal bars of the 10 class probabilities; prediction and true label highlighted."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    n = len(CLASS_NAMES)
    if probs.size != n:
        raise ValueError(f"Expected {n} probabilities, got {probs.size}")
    if true_label is not None and not 0 <= true_label < n:
        raise ValueError(f"true_label must be in 0..{n - 1}, got {true_label}")
    pred = int(np.argmax(probs))
    spread = np.zeros(n) if std is None else np.asarray(std, dtype=np.float64).ravel()
    bar = go.Bar(
        x=probs,
        y=list(CLASS_NAMES),
        orientation="h",
        marker={
            "color": [PRED_COLOR if i == pred else OTHER_COLOR for i in range(n)],
            "line": {"color": TRUE_COLOR, "width": [3 if i == true_label else 0 for i in range(n)]},
        },
        hovertemplate="%{y}: %{x:.2%}<extra></extra>",
    )
    if std is not None:
        bar.update(error_x={"type": "data", "array": spread})
    text = f"Prediction: {CLASS_NAMES[pred]} ({probs[pred]:.1%})"
    if true_label is not None:
        verdict = "correct" if pred == true_label else "wrong"
        text += f" · true: {CLASS_NAMES[true_label]} ({verdict})"
    layout = {
        "title": title_dict(text),
        "height": 360,
        "margin": {"l": 100, "r": 90, "t": 50, "b": 40},
        "xaxis": {"range": [0, 1.15], "tickformat": ".0%"},
        "yaxis": {"autorange": "reversed"},
        "showlegend": False,
        "annotations": [] if true_label is None else [_true_label_note(true_label)],
    }
    return go.Figure(data=[bar, _percent_labels(probs, spread)], layout=layout)

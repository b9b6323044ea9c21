"""Kernel figures: the learned weights of conv layers, their spread and their change per epoch.

Kernels use a diverging colour scale centred at 0 with a symmetric range (red = positive,
blue = negative weight). Kernels of 3x3 or smaller have their values written in the cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from fmnist_viz.figures.layout import (
    DIVERGING,
    MARGIN,
    PLOT_W_PX,
    Tiling,
    image_axes,
    label_rows_for,
    label_trace,
    planned_height,
    tile_channels,
    title_dict,
)

TEXT_MAX_K = 3  # write the values into the cells up to this kernel size
TEXT_CELL_PX = 32  # a cell must be this wide (at the planned width) to hold "-0.12"
TEXT_RATIO = 0.6  # cells with values are drawn this much as tall as wide
MAX_FIRST_FILTERS = 64
KERNEL_COLS = 8
HOVER = "filter %{customdata[0]}<br>weight %{z:.4f}<extra></extra>"


def symmetric_range(values: np.ndarray) -> float:
    """Largest absolute finite value (1 when there is none), for a range centred at 0."""
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    return top if top > 0 else 1.0


def diverging_args(m: float) -> dict[str, Any]:
    """Colour settings for weights: diverging, zmid 0, range [-m, m]."""
    return {"colorscale": DIVERGING, "zmin": -m, "zmax": m, "zmid": 0.0}


def cell_text(z: np.ndarray) -> list[list[str]]:
    """Each finite value formatted with 2 decimals, empty text in the gaps."""
    text = np.char.mod("%.2f", np.nan_to_num(z))
    return np.where(np.isfinite(z), text, "").tolist()


def shows_values(tiling: Tiling, k: int) -> bool:
    """True when the kernels are small and their cells wide enough to write the values in."""
    return k <= TEXT_MAX_K and PLOT_W_PX / tiling.z.shape[1] >= TEXT_CELL_PX


def text_columns(k: int, default: int = KERNEL_COLS) -> int:
    """Tiles per row: as many as keep written values legible for small kernels, else default."""
    if k > TEXT_MAX_K:
        return default
    units = PLOT_W_PX / TEXT_CELL_PX  # c tiles take c * (k + 1) - 1 cells
    return max(1, min(default, int((units + 1) // (k + 1))))


def _kernel_heatmap(tiling: Tiling, k: int, m: float, customdata: np.ndarray) -> go.Heatmap:
    """The tiled kernels as one heatmap, values written when they fit."""
    text_args: dict[str, Any] = {}
    if shows_values(tiling, k):
        text_args = {
            "text": cell_text(tiling.z),
            "texttemplate": "%{text}",
            "textfont": {"size": 10},
        }
    return go.Heatmap(
        z=tiling.z,
        customdata=customdata,
        hovertemplate=HOVER,
        hoverongaps=False,
        colorbar={"thickness": 12},
        **diverging_args(m),
        **text_args,
    )


def _check_kernel(kernel: np.ndarray) -> None:
    """Require a conv kernel of shape (k, k, in, filters)."""
    if kernel.ndim != 4 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"Expected a kernel (k, k, in, filters), got {kernel.shape}")


def _first_layer_tiling(kernel: np.ndarray, filters: Sequence[int]) -> Tiling:
    """The chosen filters of a (k, k, 1, f) kernel tiled KERNEL_COLS per row."""
    k = kernel.shape[0]
    return tile_channels(kernel[:, :, 0, list(filters)], text_columns(k), 1, label_rows_for(k))


def _grid_layout(title: str, tiling: Tiling, k: int, **extra: Any) -> dict[str, Any]:
    """Layout of a tiled kernel grid: title, no ticks, cells flatter when holding values."""
    h, w = tiling.z.shape
    ratio = TEXT_RATIO if shows_values(tiling, k) else 1.0
    return {
        "title": title_dict(title),
        "height": planned_height(h, w, ratio=ratio),
        "margin": MARGIN,
        **image_axes(w, h, ratio=ratio),
        **extra,
    }


def first_layer_kernels(
    kernel: np.ndarray, bias: np.ndarray, limit: float | None = None
) -> go.Figure:
    """Every first-layer filter (k, k, 1, f) as a small heatmap, its bias in its label; the
    colour range is ±`limit` when given (e.g. the same for every frame), else ±max |w|."""
    _check_kernel(kernel)
    if kernel.shape[2] != 1:
        raise ValueError("first_layer_kernels needs one input channel; use deep_kernel_grid")
    k, _, _, f = kernel.shape
    filters = list(range(min(f, MAX_FIRST_FILTERS)))
    tiling = _first_layer_tiling(kernel, filters)
    m = limit or symmetric_range(kernel)
    custom = tiling.index[..., np.newaxis]
    labels = [f"#{i}  b={float(bias[i]):+.3f}" for i in filters]
    more = f", first {len(filters)}" if len(filters) < f else ""
    title = f"First-layer kernels: {f} filters of {k}×{k}{more} · weights within ±{m:.3g}"
    heatmap = _kernel_heatmap(tiling, k, m, custom)
    figure_data = [heatmap, label_trace(tiling, labels, size=9)]
    return go.Figure(data=figure_data, layout=_grid_layout(title, tiling, k))


def _centre_ticks(starts: np.ndarray, size: int, prefix: str) -> dict[str, Any]:
    """Axis settings with one tick label at the centre of each tile."""
    return {
        "visible": True,
        "showgrid": False,
        "zeroline": False,
        "tickvals": (starts + (size - 1) / 2).tolist(),
        "ticktext": [f"{prefix}{i}" for i in range(len(starts))],
        "tickfont": {"size": 9},
    }


def deep_kernel_grid(
    kernel: np.ndarray, max_filters: int = 16, max_inputs: int = 16, limit: float | None = None
) -> go.Figure:
    """Rows = filters, columns = input channels: each cell is one k x k kernel slice; colours
    within ±`limit` when given, else ±max |w|."""
    _check_kernel(kernel)
    k, _, n_in, n_f = kernel.shape
    rows, cols = min(n_f, max_filters), min(n_in, max_inputs)
    part = kernel[:, :, :cols, :rows]  # (k, k, in, filters)
    slices = part.transpose(0, 1, 3, 2).reshape(k, k, rows * cols)  # filter-major order
    tiling = tile_channels(slices, cols, gap=1)
    custom = np.stack([tiling.index // cols, tiling.index % cols], axis=-1)
    custom[tiling.index < 0] = -1
    heatmap = _kernel_heatmap(tiling, k, limit or symmetric_range(kernel), custom)
    heatmap.update(
        hovertemplate="filter %{customdata[0]}, input channel %{customdata[1]}"
        "<br>weight %{z:.4f}<extra></extra>"
    )
    xaxis = {**_centre_ticks(tiling.tile_x[:cols], k, "in "), "side": "top"}
    yaxis_ticks = _centre_ticks(tiling.tile_y[::cols], k, "filter ")
    layout = _grid_layout(
        f"Kernels {k}×{k}×{n_in}×{n_f}: filters {rows} of {n_f} × input channels {cols} of {n_in}",
        tiling,
        k,
    )
    layout["xaxis"].update(xaxis)
    layout["yaxis"].update(yaxis_ticks)
    layout["margin"] = {**MARGIN, "l": 70, "t": 90}
    return go.Figure(data=[heatmap], layout=layout)


def filter_slices(kernel: np.ndarray, filter_index: int) -> go.Figure:
    """All input-channel slices of one filter, on one symmetric colour scale."""
    _check_kernel(kernel)
    k, _, n_in, n_f = kernel.shape
    if not 0 <= filter_index < n_f:
        raise ValueError(f"No filter {filter_index}: the kernel has {n_f}")
    weights = kernel[:, :, :, filter_index]
    tiling = tile_channels(weights, text_columns(k), 1, label_rows_for(k))
    m = symmetric_range(weights)
    heatmap = _kernel_heatmap(tiling, k, m, tiling.index[..., np.newaxis])
    heatmap.update(hovertemplate="input channel %{customdata[0]}<br>weight %{z:.4f}<extra></extra>")
    labels = [f"in {i}" for i in range(n_in)]
    title = f"Filter {filter_index}: {n_in} input slices of {k}×{k} · weights within ±{m:.3g}"
    figure_data = [heatmap, label_trace(tiling, labels, size=9)]
    return go.Figure(data=figure_data, layout=_grid_layout(title, tiling, k))


def weight_histogram(kernel: np.ndarray, bias: np.ndarray, title: str) -> go.Figure:
    """Distribution of a layer's weights and biases (share of values per bin)."""
    weights = np.asarray(kernel, dtype=np.float32).ravel()
    biases = np.asarray(bias, dtype=np.float32).ravel()
    traces = [
        go.Histogram(
            x=weights,
            name=f"weights ({weights.size:,})",
            histnorm="probability",
            nbinsx=60,
            opacity=0.75,
        ),
        go.Histogram(
            x=biases,
            name=f"biases ({biases.size:,})",
            histnorm="probability",
            nbinsx=30,
            opacity=0.75,
        ),
    ]
    text = (
        f"{title}: weights mean {weights.mean():+.3g}, std {weights.std():.3g} · "
        f"biases mean {biases.mean():+.3g}"
    )
    layout = {
        "title": title_dict(text),
        "barmode": "overlay",
        "height": 320,
        "margin": {**MARGIN, "l": 50, "b": 40},
        "xaxis": {"title": {"text": "value"}},
        "yaxis": {"title": {"text": "share"}},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return go.Figure(data=traces, layout=layout)


def _frame_args(duration: int) -> dict[str, Any]:
    """Animation settings: jump to a frame, redraw the heatmap."""
    return {
        "mode": "immediate",
        "frame": {"duration": duration, "redraw": True},
        "transition": {"duration": 0},
    }


def _evolution_controls(epochs: Sequence[int]) -> dict[str, Any]:
    """A slider with one step per epoch, and play/pause buttons."""
    steps = [
        {
            "label": "initial" if e == 0 else str(e),
            "method": "animate",
            "args": [[str(e)], _frame_args(0)],
        }
        for e in epochs
    ]
    slider = {
        "active": 0,
        "steps": steps,
        "currentvalue": {"prefix": "epoch: "},
        "pad": {"t": 20},
    }
    buttons = [
        {"label": "▶ play", "method": "animate", "args": [None, _frame_args(600)]},
        {"label": "pause", "method": "animate", "args": [[None], _frame_args(0)]},
    ]
    menu = {
        "type": "buttons",
        "direction": "left",
        "buttons": buttons,
        "x": 0,
        "y": -0.02,
        "xanchor": "left",
        "yanchor": "top",
    }
    return {"sliders": [slider], "updatemenus": [menu]}


def kernel_evolution(
    snapshots: Mapping[int, np.ndarray], filters: Sequence[int] | None = None
) -> go.Figure:
    """First-layer kernels (k, k, 1, f) per epoch (0 = initial) with a slider and play button.

    The colour range is shared by all epochs so that growing weights look stronger.
    """
    if not snapshots:
        raise ValueError("No snapshots: the run saved no kernels yet")
    epochs = sorted(snapshots)
    kernels = [np.asarray(snapshots[e]) for e in epochs]
    for kernel in kernels:
        _check_kernel(kernel)
        if kernel.shape != kernels[0].shape or kernel.shape[2] != 1:
            raise ValueError("Every snapshot needs the same first-layer kernel shape (k, k, 1, f)")
    k, _, _, f = kernels[0].shape
    chosen = list(filters) if filters is not None else list(range(min(f, MAX_FIRST_FILTERS)))
    m = symmetric_range(np.stack([kern[..., chosen] for kern in kernels]))
    tilings = [_first_layer_tiling(kern, chosen) for kern in kernels]
    custom = tilings[0].index[..., np.newaxis]
    heatmaps = [_kernel_heatmap(t, k, m, custom) for t in tilings]
    frames = [
        go.Frame(data=[h], name=str(e), traces=[0]) for h, e in zip(heatmaps, epochs, strict=True)
    ]
    labels = [f"#{i}" for i in chosen]
    title = f"First-layer kernels over {len(epochs)} snapshots (initial = before training)"
    layout = _grid_layout(title, tilings[0], k, **_evolution_controls(epochs))
    layout["height"] += 90
    layout["margin"] = {**MARGIN, "b": 100}
    return go.Figure(
        data=[heatmaps[0], label_trace(tilings[0], labels, 9)], layout=layout, frames=frames
    )

"""The Lesson's figures: examples per class, one convolution output and one pooling output in
numbers, training against validation accuracy, and the study's two models side by side.

Pure builders: arrays and records in, a Plotly figure out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from fmnist_viz.figures.curves import band_trace
from fmnist_viz.figures.layout import (
    DIVERGING,
    GRAY,
    MARGIN,
    color_args,
    image_axes,
    panel_axes,
    panel_layout,
    rgba,
    tile_channels,
    title_dict,
    value_range,
)
from fmnist_viz.figures.palette import TRAIN_COLOR, VAL_COLOR
from fmnist_viz.inside import ConvStep, PoolStep
from fmnist_viz.models import PRESETS
from fmnist_viz.study import STUDY_MODELS, logged_mean, study_band
from fmnist_viz.training import EpochRecord

WINDOW = "#00e5ff"  # the kernel's / pooling block's outline: cyan, in no colour scale used
WINNER = "#39ff14"  # the value max pooling keeps
HALO = "#000000"  # under each outline, so it shows on light and dark cells alike
MODEL_COLORS = {"model1": TRAIN_COLOR, "model2": VAL_COLOR}
ROW_GAP = 0.04  # between the panels of a row, as a share of the figure's width
TOP_LEGEND = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"}  # clear of the axis
PANEL_HEIGHT = 260  # one row of square panels in the lesson's figure column


def examples_by_class(
    images: np.ndarray, labels: np.ndarray, names: Sequence[str], per_class: int = 3
) -> go.Figure:
    """One column per class, `per_class` test images under its name (white = 255 or 1); the
    classes without an image are left out. ValueError when there is no image at all."""
    labels = np.asarray(labels)
    found = [(name, np.flatnonzero(labels == c)[:per_class]) for c, name in enumerate(names)]
    found = [(name, f) for name, f in found if len(f)]
    if not found:
        raise ValueError("there is no test image")
    names = [name for name, _ in found]
    rows = min(len(f) for _, f in found)
    order = [int(f[row]) for row in range(rows) for _, f in found]
    pictures = np.moveaxis(np.asarray(images)[order].astype(np.float32), 0, -1)
    tiling = tile_channels(pictures, len(names), gap=2)
    top = 255.0 if np.asarray(images).dtype == np.uint8 else 1.0
    heatmap = go.Heatmap(
        z=tiling.z, colorscale=GRAY, zmin=0, zmax=top, showscale=False, hoverinfo="skip"
    )
    layout = image_axes(tiling.z.shape[1], tiling.z.shape[0])
    layout["xaxis"].update(
        visible=True,
        side="top",
        tickvals=list(tiling.label_x[: len(names)]),
        ticktext=list(names),
        showgrid=False,
        zeroline=False,
        ticks="",
    )
    layout.update(height=PANEL_HEIGHT, margin={**MARGIN, "t": 40, "l": 30, "r": 30})
    return go.Figure(data=[heatmap], layout=layout)


def _row_layout(titles: Sequence[str], sizes: Sequence[tuple[int, int]]) -> dict:
    """Square-celled image panels in one row, with narrow gaps (the lesson's figure column is
    narrow: each panel gets as much of it as it can)."""
    n = len(titles)
    layout = panel_layout(titles, (1, n), sizes)
    width = (1 - ROW_GAP * (n - 1)) / n
    for i in range(n):
        suffix = "" if i == 0 else str(i + 1)
        x0 = i * (width + ROW_GAP)
        layout[f"xaxis{suffix}"]["domain"] = [x0, x0 + width]
        layout[f"yaxis{suffix}"]["domain"] = [0.0, 0.88]
        layout["annotations"][i].update(x=x0 + width / 2, y=0.89)
    return layout


def _outline(panel: int, top: float, left: float, size: int, color: str = WINDOW) -> list[dict]:
    """A rectangle around size × size cells starting at (top, left) on a panel's axes: a thin
    coloured line over a dark halo, visible on any colour scale."""
    axes = panel_axes(panel)
    box = {
        "type": "rect",
        "xref": axes["xaxis"],
        "yref": axes["yaxis"],
        "x0": left - 0.5,
        "x1": left + size - 0.5,
        "y0": top - 0.5,
        "y1": top + size - 0.5,
    }
    return [
        {**box, "line": {"color": HALO, "width": 4}},
        {**box, "line": {"color": color, "width": 2}},
    ]


def _activated(step: ConvStep) -> str:
    """', after relu 0.249' (nothing for a linear layer; '?' for an activation not written)."""
    if step.activation == "linear":
        return ""
    value = step.activated
    return f", after {step.activation} " + ("?" if value is None else f"{value:.3f}")


def _values_heatmap(z: np.ndarray, panel: int, **colors) -> go.Heatmap:
    """A small heatmap with each cell's value written in it."""
    return go.Heatmap(
        z=z,
        text=[[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in z],
        texttemplate="%{text}",
        textfont={"size": 13},
        hovertemplate="%{z:.4f}<extra></extra>",
        showscale=False,
        hoverongaps=False,
        **colors,
        **panel_axes(panel),
    )


def conv_step_figure(image: np.ndarray, step: ConvStep, response: np.ndarray) -> go.Figure:
    """Input with the kernel's window, the window's pixels, the kernel's weights, and the
    filter's feature map (after ReLU) with the value they make."""
    image = np.squeeze(np.asarray(image, dtype=np.float32))
    k = step.kernel.shape[0]
    m = float(np.abs(step.kernel).max()) or 1.0
    pixels = step.patch  # cells over the edge: the 0 of the padding
    traces = [
        go.Heatmap(
            z=image,
            colorscale=GRAY,
            zmin=0,
            zmax=1,
            showscale=False,
            hovertemplate="row %{y}, col %{x}: %{z:.3f}<extra></extra>",
            **panel_axes(0),
        ),
        _values_heatmap(pixels, 1, colorscale=GRAY, zmin=-0.6, zmax=1.6),
        _values_heatmap(step.kernel, 2, colorscale=DIVERGING, zmin=-m, zmax=m, zmid=0.0),
        go.Heatmap(
            z=response,
            showscale=False,
            hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
            **color_args(*value_range(response)),
            **panel_axes(3),
        ),
    ]
    titles = ["input", f"{k}×{k} pixels", "× weights", "= feature map"]
    layout = _row_layout(titles, [image.shape, (k, k), (k, k), response.shape])
    layout["shapes"] = [*_outline(0, step.top, step.left, k), *_outline(3, step.row, step.col, 1)]
    text = (
        f"Filter {step.filter} at row {step.row}, column {step.col}: "
        f"pixels × weights + bias = {step.total:.3f}{_activated(step)}"
    )
    layout.update(title=title_dict(text), height=PANEL_HEIGHT, margin=MARGIN)
    return go.Figure(data=traces, layout=layout)


def pool_step_figure(before: np.ndarray, after: np.ndarray, step: PoolStep) -> go.Figure:
    """One channel before pooling with the block, the block's values, and the pooled map."""
    p = step.block.shape[0]
    lo, hi = value_range(before)
    colors = color_args(lo, hi)
    traces = [
        go.Heatmap(
            z=before,
            showscale=False,
            hoverongaps=False,
            hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
            **colors,
            **panel_axes(0),
        ),
        _values_heatmap(step.block, 1, **colors),
        go.Heatmap(
            z=after,
            showscale=False,
            hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
            **colors,
            **panel_axes(2),
        ),
    ]
    name = "maximum" if step.kind == "max" else "mean"
    titles = [
        f"{before.shape[0]}×{before.shape[1]}",
        f"{p}×{p} block",
        f"pooled {after.shape[0]}×{after.shape[1]}",
    ]
    layout = _row_layout(titles, [before.shape, (p, p), after.shape])
    shapes = [*_outline(0, step.top, step.left, p), *_outline(2, step.row, step.col, 1)]
    if step.kind == "max":
        r, c = step.winner
        shapes += _outline(1, r, c, 1, color=WINNER)
    layout["shapes"] = shapes
    text = (
        f"Channel {step.channel}, block at row {step.top}, column {step.left}: "
        f"its {name} {step.value:.3f} is kept"
    )
    layout.update(title=title_dict(text), height=PANEL_HEIGHT, margin=MARGIN)
    return go.Figure(data=traces, layout=layout)


def fitting_figure(history: Sequence[EpochRecord], epochs: int) -> go.Figure:
    """Training and validation accuracy per epoch, the gap between them shaded."""
    x = [r.epoch for r in history]
    train = [r.accuracy for r in history]
    val = [r.val_accuracy for r in history]
    traces = [
        go.Scatter(
            x=x,
            y=val,
            mode="lines+markers",
            name="validation (unseen images)",
            line={"color": VAL_COLOR, "width": 2},
        ),
        go.Scatter(
            x=x,
            y=train,
            mode="lines+markers",
            name="training (images it learns from)",
            line={"color": TRAIN_COLOR, "width": 2, "dash": "dash"},
            fill="tonexty",
            fillcolor="rgba(127,127,127,0.18)",
        ),
    ]
    fig = go.Figure(data=traces)
    gap = (
        f": training − validation gap {train[-1] - val[-1]:+.3f} after epoch {x[-1]}"
        if history
        else ""
    )
    fig.update_layout(
        title=title_dict(f"Accuracy per epoch{gap}"),
        height=PANEL_HEIGHT + 40,
        margin={**MARGIN, "l": 50, "b": 40, "t": 90},
        xaxis={"title": {"text": "epoch"}, "range": [0.5, max(epochs, 1) + 0.5], "dtick": 1},
        yaxis={"title": {"text": "accuracy"}},
        legend=TOP_LEGEND,
        uirevision="lesson-fitting",
    )
    return fig


def study_verdict_figure() -> go.Figure:
    """The study's two models over their 10 logged runs each: validation accuracy mean ± std
    (solid, shaded) and training accuracy mean (dashed)."""
    traces = []
    for model in STUDY_MODELS:
        color, title = MODEL_COLORS[model], PRESETS[model]["title"]
        epochs, mean, std, _ = study_band(model, "val_accuracy")
        _, train, _, _ = study_band(model, "accuracy")
        traces.append(band_trace(epochs, mean, std, fillcolor=rgba(color, 0.2)))
        test = logged_mean(model)
        traces.append(
            go.Scatter(
                x=epochs,
                y=mean,
                mode="lines+markers",
                name=f"{title} validation (test {test:.4f})",
                line={"color": color, "width": 2},
            )
        )
        traces.append(
            go.Scatter(
                x=epochs,
                y=train,
                mode="lines",
                name=f"{title} training",
                line={"color": color, "width": 2, "dash": "dash"},
            )
        )
    fig = go.Figure(data=traces)
    fig.update_layout(
        title=title_dict("The study: 10 logged runs per model, mean ± std"),
        height=PANEL_HEIGHT + 60,
        margin={**MARGIN, "l": 50, "b": 40, "t": 90},
        xaxis={"title": {"text": "epoch"}, "dtick": 1},
        yaxis={"title": {"text": "accuracy"}},
        legend=TOP_LEGEND,
    )
    return fig

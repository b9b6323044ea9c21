"""Dropout figures: a layer's input, inference and training outputs, and its mask."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from fmnist_viz.figures.layout import (
    MARGIN,
    color_args,
    colorbar,
    panel_axes,
    panel_layout,
    tile_channels,
    title_dict,
    value_range,
    wrap_vector,
)

KEPT_COLOR = "#9ecae1"
DROPPED_COLOR = "#222222"


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
            colorbar=colorbar(1.0, 0.5, 0.9),
            **colors,
            **panel_axes(i),
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
            **panel_axes(3),
        )
    )
    kept = float(mask.mean())
    titles = [
        "input to dropout",
        "inference output (= input)",
        f"training output (kept units × {1 / (1 - p):.3g})",
        f"mask: {kept:.0%} kept (blue), expected {1 - p:.0%}",
    ]
    layout = panel_layout(titles, (2, 2), [z.shape for z in (*pictures, mask_picture)])
    text = f"Dropout p = {p:g}: each unit is dropped with probability {p:g} during training only"
    layout.update(title=title_dict(text), height=640, margin=MARGIN)
    return go.Figure(data=traces, layout=layout)

"""Helpers for the figure tests: read back the data a Plotly figure carries."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    """The figure's heatmap traces, in order."""
    return [t for t in fig.data if isinstance(t, go.Heatmap)]


def z_of(trace: go.Heatmap) -> np.ndarray:
    """A heatmap's z as a float array."""
    return np.asarray(trace.z, dtype=np.float64)


def tiles(fig_z: np.ndarray, maps: np.ndarray, cols: int, gap: int, label: int) -> list:
    """Cut the tiles back out of a tiled array, given the layout used to build it."""
    h, w, n = maps.shape
    out = []
    for i in range(n):
        r, c = divmod(i, cols)
        top, left = r * (label + h + gap) + label, c * (w + gap)
        out.append(fig_z[top : top + h, left : left + w])
    return out

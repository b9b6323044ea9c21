"""ReLU figures: one channel before and after max(0, x), and the share of zeros per layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from fmnist_viz.figures.layout import (
    DIVERGING,
    MARGIN,
    SEQUENTIAL,
    colorbar,
    panel_axes,
    panel_layout,
    title_dict,
    value_range,
)
from fmnist_viz.figures.palette import OTHER_COLOR, PRED_COLOR

if TYPE_CHECKING:
    from fmnist_viz.inside import ReluStats

ZERO_COLOR = "#d9d9d9"  # post-ReLU values that were set to 0


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
            colorbar=colorbar(0.43),
            **panel_axes(0),
        ),
        go.Heatmap(
            z=np.where(zero, np.nan, after),
            colorscale=SEQUENTIAL,
            zmin=0.0,
            zmax=max(float(after.max()), 1e-12),
            hovertemplate=hover,
            hoverongaps=False,
            colorbar=colorbar(0.93),
            **panel_axes(1),
        ),
        go.Heatmap(
            z=np.where(zero, 1.0, np.nan),
            colorscale=[[0, ZERO_COLOR], [1, ZERO_COLOR]],
            showscale=False,
            hovertemplate="row %{y}, col %{x}<br>0 (was negative)<extra></extra>",
            hoverongaps=False,
            **panel_axes(1),
        ),
    ]
    titles = ["before ReLU: conv + bias", "after ReLU: max(0, x), grey = 0"]
    layout = panel_layout(titles, (1, 2), [before.shape, after.shape])
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

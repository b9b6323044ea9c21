"""The Train page's live learning curves: per-batch training values and per-epoch validation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_viz.figures.palette import TRAIN_COLOR, VAL_COLOR
from fmnist_viz.training import EpochRecord


def per_batch_values(running_means: Sequence[float], batches: Sequence[int]) -> np.ndarray:
    """Undo Keras' running epoch mean: value_k = k * mean_k - (k - 1) * mean_(k-1)."""
    means = np.asarray(running_means, dtype=float)
    k = np.asarray(batches, dtype=float)
    out = means.copy()
    for i in range(1, len(means)):
        if k[i] == k[i - 1] + 1:  # consecutive batches of one epoch
            out[i] = k[i] * means[i] - k[i - 1] * means[i - 1]
    return out


def smooth(values: Sequence[float], weight: float = 0.9) -> np.ndarray:
    """TensorBoard-style exponential moving average with bias correction."""
    out = np.empty(len(values))
    last, norm = 0.0, 0.0
    for i, v in enumerate(values):
        last = weight * last + (1 - weight) * v
        norm = weight * norm + (1 - weight)
        out[i] = last / norm
    return out


def batch_positions(rows: Sequence[tuple[int, int, float, float]], steps: int) -> np.ndarray:
    """x position (in epochs) of each batch row: epoch - 1 + batch / steps."""
    return np.array([e - 1 + b / max(steps, 1) for e, b, _, _ in rows], dtype=float)


def live_curves(
    rows: Sequence[tuple[int, int, float, float]],
    history: Sequence[EpochRecord],
    steps_per_epoch: int,
    epochs: int,
    smoothing: float = 0.9,
) -> go.Figure:
    """Loss and accuracy: training per batch (smoothed, raw faint) and validation per epoch."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"))
    if rows:
        x = batch_positions(rows, steps_per_epoch)
        batches = [b for _, b, _, _ in rows]
        for col, idx in ((1, 2), (2, 3)):
            raw = per_batch_values([r[idx] for r in rows], batches)
            fig.add_scatter(
                x=x,
                y=raw,
                mode="lines",
                line={"color": TRAIN_COLOR, "width": 1},
                opacity=0.25,
                name="training (per batch)",
                legendgroup="raw",
                showlegend=col == 1,
                row=1,
                col=col,
                hoverinfo="skip",
            )
            fig.add_scatter(
                x=x,
                y=smooth(raw, smoothing),
                mode="lines",
                line={"color": TRAIN_COLOR, "width": 2},
                name="training (smoothed)",
                legendgroup="smooth",
                showlegend=col == 1,
                row=1,
                col=col,
            )
    if history:
        ex = [r.epoch for r in history]
        for col, values in (
            (1, [r.val_loss for r in history]),
            (2, [r.val_accuracy for r in history]),
        ):
            fig.add_scatter(
                x=ex,
                y=values,
                mode="lines+markers",
                line={"color": VAL_COLOR, "width": 2},
                marker={"size": 8},
                name="validation (per epoch)",
                legendgroup="val",
                showlegend=col == 1,
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="epoch", range=[0, max(epochs, 1)])
    fig.update_layout(
        height=340,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.25},
        uirevision="live-curves",
    )
    return fig

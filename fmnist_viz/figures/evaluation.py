"""Test-set evaluation figures: confusion heatmap, per-class accuracy bars, error gallery."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_viz import CLASS_NAMES, NUM_CLASSES
from fmnist_viz.figures.palette import RUN_COLORS
from fmnist_viz.training import MISCLASSIFIED_COLUMNS, normalize_rows

BAR_COLORS = RUN_COLORS[:2]  # this run, the other run
TILE_PX = 150  # height of one gallery row in pixels


def _square(matrix: np.ndarray) -> np.ndarray:
    """Return the matrix as floats; ValueError unless it is (10, 10)."""
    counts = np.asarray(matrix, dtype=float)
    if counts.shape != (NUM_CLASSES, NUM_CLASSES):
        raise ValueError(f"confusion must be ({NUM_CLASSES}, {NUM_CLASSES}), got {counts.shape}")
    return counts


HOVER = (
    "true %{y}, predicted %{x}<br>%{customdata[0]:.0f} images"
    " (%{customdata[1]:.1%} of the true class)<extra></extra>"
)
CELL_MARKER_PX = 28  # the invisible click target at each cell's centre


def _cell_targets(counts: np.ndarray, shares: np.ndarray) -> go.Scatter:
    """An invisible square marker at the centre of every cell: a heatmap cannot be selected
    by a click (Plotly selects points of scatter traces only), its markers can."""
    names = list(CLASS_NAMES)
    rows, cols = np.indices(counts.shape)
    return go.Scatter(
        x=[names[c] for c in cols.ravel()],
        y=[names[r] for r in rows.ravel()],
        customdata=np.stack([counts.ravel(), shares.ravel()], axis=-1),
        mode="markers",
        marker={"size": CELL_MARKER_PX, "opacity": 0, "symbol": "square"},
        selected={"marker": {"opacity": 0}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate=HOVER,
        showlegend=False,
        name="cells",
    )


def confusion_heatmap(
    confusion: np.ndarray,
    normalize: bool = False,
    title: str | None = None,
    clickable: bool = False,
) -> go.Figure:
    """Return the confusion matrix (true on y, predicted on x) as counts or row shares;
    `clickable` adds a click target on every cell (read back with `confusion_cell`)."""
    counts = _square(confusion)
    shares = normalize_rows(counts)
    names = list(CLASS_NAMES)
    fig = go.Figure(
        go.Heatmap(
            z=shares if normalize else counts,
            x=names,
            y=names,
            customdata=np.stack([counts, shares], axis=-1),
            colorscale="Blues",
            texttemplate="%{z:.2f}" if normalize else "%{z:.0f}",
            hovertemplate=HOVER,
            colorbar={"title": {"text": "share of row" if normalize else "images"}},
        )
    )
    if clickable:
        fig.add_trace(_cell_targets(counts, shares))
        fig.update_layout(clickmode="event+select", dragmode=False)
    fig.update_xaxes(title_text="Predicted class", side="bottom", tickangle=-35)
    fig.update_yaxes(title_text="True class", autorange="reversed")
    default = "Confusion matrix (each row sums to 1)" if normalize else "Confusion matrix"
    fig.update_layout(title=title or default, height=560, uirevision="confusion")
    return fig


def confusion_cell(point: Mapping[str, Any]) -> tuple[int, int] | None:
    """The (true, predicted) classes of a clicked point of `confusion_heatmap` (a selection
    point as Plotly reports it: y is the true class, x the predicted one, by name, or
    point_index [row, column]); None when the point is not a cell of the matrix."""
    names = list(CLASS_NAMES)
    x, y = point.get("x"), point.get("y")
    if x in names and y in names:
        return names.index(y), names.index(x)
    index = point.get("point_index")
    if isinstance(index, Sequence) and len(index) == 2:
        row, col = (int(i) for i in index)
        if 0 <= row < NUM_CLASSES and 0 <= col < NUM_CLASSES:
            return row, col
    return None


def _per_class(values: Sequence[float]) -> np.ndarray:
    """Return per-class values as floats; ValueError unless there is one per class."""
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size != NUM_CLASSES:
        raise ValueError(f"need {NUM_CLASSES} per-class values, got {arr.size}")
    return arr


def per_class_bars(
    per_class_a: Sequence[float],
    per_class_b: Sequence[float] | None = None,
    labels: tuple[str, str] = ("A", "B"),
    colors: tuple[str, str] = BAR_COLORS,
) -> go.Figure:
    """Return per-class test accuracy as bars from 0 to 1, side by side for two models."""
    series = [(labels[0], _per_class(per_class_a), colors[0])]
    if per_class_b is not None:
        series.append((labels[1], _per_class(per_class_b), colors[1]))
    fig = go.Figure(
        [
            go.Bar(
                x=list(CLASS_NAMES),
                y=values,
                name=label,
                marker_color=color,
                hovertemplate=f"{label}<br>%{{x}}: %{{y:.2%}}<extra></extra>",
            )
            for label, values, color in series
        ]
    )
    fig.update_layout(
        title="Test accuracy per class",
        barmode="group",
        yaxis={"title": "Accuracy", "range": [0, 1], "tickformat": ".0%"},
        xaxis={"title": "Class", "tickangle": -35},
        showlegend=per_class_b is not None,
        uirevision="per-class",
    )
    return fig


def _gray_rgb(images: np.ndarray) -> np.ndarray:
    """Return (n, 28, 28) images (uint8, or floats in [0, 1]) as uint8 RGB (n, 28, 28, 3)."""
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3:
        raise ValueError(f"images must be (n, height, width), got {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr.astype(float) * 255), 0, 255).astype(np.uint8)
    return np.repeat(arr[..., np.newaxis], 3, axis=-1)


def _tile_title(row: pd.Series) -> str:
    """Return 'true →<br>predicted (confidence)' for one misclassified image."""
    true, predicted = CLASS_NAMES[int(row["true"])], CLASS_NAMES[int(row["predicted"])]
    return f"{true} →<br>{predicted} ({row['confidence']:.1%})"


def misclassified_gallery(images: np.ndarray, rows: pd.DataFrame, cols: int = 6) -> go.Figure:
    """Return the listed test images in a grid titled 'true → predicted (confidence)'."""
    missing = set(MISCLASSIFIED_COLUMNS) - set(rows.columns)
    if missing:
        raise ValueError(f"rows lack columns: {', '.join(sorted(missing))}")
    if rows.empty:
        raise ValueError("No images to show: no misclassified image matches")
    rgb = _gray_rgb(images)
    index = rows["index"].to_numpy(dtype=int)
    if index.min() < 0 or index.max() >= len(rgb):
        raise ValueError(f"image index out of range 0 to {len(rgb) - 1}")
    ncols = max(1, min(cols, len(rows)))
    nrows = math.ceil(len(rows) / ncols)
    titles = [_tile_title(row) for _, row in rows.iterrows()]
    fig = make_subplots(
        rows=nrows,
        cols=ncols,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=min(0.3 / nrows, 0.08),
    )
    for i, image_index in enumerate(index):
        fig.add_trace(
            go.Image(
                z=rgb[image_index],
                name=f"test image {image_index}",
                hovertemplate=f"test image {image_index}<br>pixel (%{{x}}, %{{y}}): "
                "%{z[0]}<extra></extra>",
            ),
            row=i // ncols + 1,
            col=i % ncols + 1,
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=10)
    fig.update_layout(
        title="Misclassified test images (true → predicted, confidence)",
        height=TILE_PX * nrows + 90,
        margin={"t": 90, "l": 10, "r": 10, "b": 10},
        uirevision="gallery",
    )
    return fig
